package lambdalocal

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
)

// Defaults of a Pool.
const (
	// DefaultMaxConcurrency caps a function's execution environments when
	// its template reserves no concurrency.
	DefaultMaxConcurrency = 10
	// DefaultIdleTimeout is how long an environment stays after its last
	// invocation. Lambda does not document how long it keeps one; minutes.
	DefaultIdleTimeout = 10 * time.Minute
)

// ErrThrottled is the error of an invocation that finds every execution
// environment busy and the function at its concurrency cap: what the Lambda
// Invoke API answers with a 429 TooManyRequestsException (reason
// ReservedFunctionConcurrentInvocationLimitExceeded). Lambda does not queue a
// synchronous invocation, and neither does a Pool. Test for it with
// errors.Is; it also has a method Throttled() bool that reports true, by
// which package apigwlocal knows it without importing this package.
var ErrThrottled error = throttled{}

type throttled struct{}

func (throttled) Error() string   { return "TooManyRequestsException: Rate Exceeded." }
func (throttled) Throttled() bool { return true }

// ErrDrained is the error of an invocation of a Pool that was drained or
// closed.
var ErrDrained = errors.New("the function's execution environments are drained")

// PoolConfig says what a Pool runs and how many at a time.
type PoolConfig struct {
	// Runtime is every environment's function; each gets a Runtime API of
	// its own (its own port and token).
	Runtime RuntimeConfig
	// MaxConcurrency caps the environments, as a function's reserved
	// concurrency does (its template's ReservedConcurrentExecutions).
	// Default: DefaultMaxConcurrency.
	MaxConcurrency int
	// IdleTimeout stops an environment that has served no invocation for
	// this long. Default: DefaultIdleTimeout.
	IdleTimeout time.Duration
}

// Pool runs a function the way Lambda scales it: each invocation runs in an
// execution environment of its own, a RuntimeAPI with its own bootstrap
// process, so that concurrent invocations run concurrently. An idle
// environment is reused before a new one starts (the most recently used
// first, as Lambda does), so only a new environment meets a cold start (its
// own INIT). An environment idle for IdleTimeout is stopped. An invocation
// beyond MaxConcurrency fails at once with ErrThrottled.
//
// Invoke and InvokeStream have RuntimeAPI's signatures: a Pool drops in as
// apigwlocal's Invoker and StreamInvoker.
type Pool struct {
	cfg    PoolConfig
	newEnv func() (environment, error)

	mu       sync.Mutex
	idle     []*poolEnv // the least recently used first
	busy     map[*poolEnv]struct{}
	live     int // environments started (or starting) and not yet stopped
	draining bool
	drained  chan struct{} // closed once draining and no environment is left
}

// environment is one execution environment: a RuntimeAPI (tests put in
// their own).
type environment interface {
	start(ctx context.Context, payload []byte) (*Response, <-chan struct{}, error)
	Close()
	PGID() int
}

type poolEnv struct {
	environment
	use  int         // counts the environment's uses; an older use's idle timer does nothing
	idle *time.Timer // stops the environment when it has been idle for IdleTimeout
	stop sync.Once
}

// NewPool returns a Pool with no environment yet: the first invocation
// starts one.
func NewPool(cfg PoolConfig) (*Pool, error) {
	if cfg.Runtime.Bootstrap == "" {
		return nil, errors.New("a pool needs a bootstrap to run")
	}
	if cfg.MaxConcurrency <= 0 {
		cfg.MaxConcurrency = DefaultMaxConcurrency
	}
	if cfg.IdleTimeout <= 0 {
		cfg.IdleTimeout = DefaultIdleTimeout
	}
	p := newPool(cfg)
	p.newEnv = func() (environment, error) { return StartRuntimeAPI(cfg.Runtime) }
	return p, nil
}

func newPool(cfg PoolConfig) *Pool {
	return &Pool{cfg: cfg, busy: map[*poolEnv]struct{}{}, drained: make(chan struct{})}
}

// Invoke runs one invocation in a free environment and returns the whole
// answer, as RuntimeAPI.Invoke does.
func (p *Pool) Invoke(ctx context.Context, payload []byte) ([]byte, error) {
	return whole(p.InvokeStream(ctx, payload))
}

// InvokeStream runs one invocation in a free environment, as
// RuntimeAPI.InvokeStream does. The environment stays busy until the
// invocation ends: the function has sent its whole answer (the caller read
// it or closed the body), failed, or run past its timeout.
func (p *Pool) InvokeStream(ctx context.Context, payload []byte) (*Response, error) {
	e, err := p.acquire()
	if err != nil {
		return nil, err
	}
	res, free, err := e.start(ctx, payload)
	if free == nil {
		p.release(e)
	} else {
		go func() {
			<-free
			p.release(e)
		}()
	}
	return res, err
}

// acquire takes the most recently used idle environment, or starts one if
// the cap allows.
func (p *Pool) acquire() (*poolEnv, error) {
	p.mu.Lock()
	if p.draining {
		p.mu.Unlock()
		return nil, ErrDrained
	}
	if n := len(p.idle); n > 0 {
		e := p.idle[n-1]
		p.idle = p.idle[:n-1]
		e.use++
		e.idle.Stop()
		p.busy[e] = struct{}{}
		p.mu.Unlock()
		return e, nil
	}
	if p.live >= p.cfg.MaxConcurrency {
		p.mu.Unlock()
		return nil, fmt.Errorf("%w (all %d execution environments are busy; the function's concurrency is capped at %d)", ErrThrottled, p.cfg.MaxConcurrency, p.cfg.MaxConcurrency)
	}
	p.live++
	p.mu.Unlock()

	env, err := p.newEnv()
	if err != nil {
		p.mu.Lock()
		p.live--
		p.checkDrained()
		p.mu.Unlock()
		return nil, fmt.Errorf("start an execution environment: %w", err)
	}
	e := &poolEnv{environment: env}
	p.mu.Lock()
	if p.draining {
		p.mu.Unlock()
		p.stop(e)
		return nil, ErrDrained
	}
	p.busy[e] = struct{}{}
	p.mu.Unlock()
	return e, nil
}

// release takes back an environment whose invocation ended: it waits, idle,
// for the next one, or stops if the pool is draining.
func (p *Pool) release(e *poolEnv) {
	p.mu.Lock()
	delete(p.busy, e)
	if p.draining {
		p.mu.Unlock()
		p.stop(e)
		return
	}
	e.use++
	use := e.use
	e.idle = time.AfterFunc(p.cfg.IdleTimeout, func() { p.expire(e, use) })
	p.idle = append(p.idle, e)
	p.mu.Unlock()
}

// expire stops an environment still idle since the use that armed its
// timer.
func (p *Pool) expire(e *poolEnv, use int) {
	p.mu.Lock()
	i := -1
	for j, idle := range p.idle {
		if idle == e {
			i = j
		}
	}
	if i < 0 || e.use != use {
		p.mu.Unlock()
		return
	}
	p.idle = append(p.idle[:i], p.idle[i+1:]...)
	p.mu.Unlock()
	p.stop(e)
}

// stop ends an environment and its process, once.
func (p *Pool) stop(e *poolEnv) {
	e.stop.Do(func() {
		e.Close()
		p.mu.Lock()
		p.live--
		p.checkDrained()
		p.mu.Unlock()
	})
}

// checkDrained closes drained when the pool drains and has no environment
// left; p.mu is held.
func (p *Pool) checkDrained() {
	if p.draining && p.live == 0 {
		select {
		case <-p.drained:
		default:
			close(p.drained)
		}
	}
}

// Drain stops the idle environments now and each busy one when its
// invocation ends (a stream included: it runs to its end); new invocations
// fail with ErrDrained. The channel it returns is closed once every
// environment has stopped. A Pool being replaced (the function rebuilt) is
// drained.
func (p *Pool) Drain() <-chan struct{} {
	p.mu.Lock()
	p.draining = true
	idle := p.idle
	p.idle = nil
	p.checkDrained()
	p.mu.Unlock()
	for _, e := range idle {
		e.idle.Stop()
		go p.stop(e)
	}
	return p.drained
}

// Close stops every environment now, busy ones too (their invocations fail
// as if the runtime had exited), and returns when their processes have
// ended; new invocations fail with ErrDrained.
func (p *Pool) Close() {
	p.mu.Lock()
	p.draining = true
	all := p.idle
	p.idle = nil
	for e := range p.busy {
		all = append(all, e)
	}
	p.checkDrained()
	p.mu.Unlock()
	var wg sync.WaitGroup
	for _, e := range all {
		if e.idle != nil {
			e.idle.Stop()
		}
		wg.Go(func() { p.stop(e) })
	}
	wg.Wait()
}

// PGIDs are the process groups of the environments' running bootstraps.
func (p *Pool) PGIDs() []int {
	p.mu.Lock()
	defer p.mu.Unlock()
	var ids []int
	add := func(e *poolEnv) {
		if id := e.PGID(); id != 0 {
			ids = append(ids, id)
		}
	}
	for i := len(p.idle) - 1; i >= 0; i-- {
		add(p.idle[i])
	}
	for e := range p.busy {
		add(e)
	}
	return ids
}

// PGID is the process group of the most recently used idle environment's
// bootstrap (else of a busy one), or 0 when none runs.
func (p *Pool) PGID() int {
	if ids := p.PGIDs(); len(ids) > 0 {
		return ids[0]
	}
	return 0
}

// Environments is how many environments are running, idle or busy.
func (p *Pool) Environments() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.live
}
