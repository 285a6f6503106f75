package lambdalocal

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"testing/synctest"
	"time"
)

// fakeEnv is an execution environment without a process, for the pool's
// timing logic under synctest: an invocation answers its environment's
// number and keeps the environment busy until its body is closed.
type fakeEnv struct {
	id     int
	closed atomic.Bool
}

func (f *fakeEnv) start(ctx context.Context, payload []byte) (*Response, <-chan struct{}, error) {
	free := make(chan struct{})
	return &Response{Body: &freeOnClose{Reader: strings.NewReader(strconv.Itoa(f.id)), free: free}}, free, nil
}
func (f *fakeEnv) Close()    { f.closed.Store(true) }
func (f *fakeEnv) PGID() int { return 0 }

type freeOnClose struct {
	io.Reader
	free chan struct{}
	once sync.Once
}

func (b *freeOnClose) Close() error { b.once.Do(func() { close(b.free) }); return nil }

// fakePool is a Pool of fakeEnvs; envs lists them in the order they
// started.
func fakePool(cfg PoolConfig) (*Pool, *[]*fakeEnv) {
	p := newPool(cfg)
	var envs []*fakeEnv
	var mu sync.Mutex
	p.newEnv = func() (environment, error) {
		mu.Lock()
		defer mu.Unlock()
		e := &fakeEnv{id: len(envs) + 1}
		envs = append(envs, e)
		return e, nil
	}
	return p, &envs
}

// open starts an invocation of p and returns the number of the environment
// that runs it and the body that keeps it busy until closed.
func open(tb testing.TB, p *Pool) (int, io.Closer) {
	tb.Helper()
	res, err := p.InvokeStream(context.Background(), nil)
	if err != nil {
		tb.Fatalf("invoke: %v", err)
	}
	b, _ := io.ReadAll(res.Body)
	id, _ := strconv.Atoi(string(b))
	return id, res.Body
}

func TestPoolSchedulesEnvironments(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p, envs := fakePool(PoolConfig{MaxConcurrency: 2, IdleTimeout: time.Minute})
		a, ba := open(t, p)
		b, bb := open(t, p)
		if a != 1 || b != 2 {
			t.Fatalf("two concurrent invocations ran in environments %d and %d, want 1 and 2", a, b)
		}
		if _, err := p.InvokeStream(context.Background(), nil); !errors.Is(err, ErrThrottled) {
			t.Fatalf("a third concurrent invocation with a cap of 2: got %v, want ErrThrottled", err)
		}
		ba.Close()
		time.Sleep(10 * time.Second)
		bb.Close()
		synctest.Wait()

		// Both idle: the most recently used (2) serves next, and no third
		// environment starts.
		c, bc := open(t, p)
		bc.Close()
		if c != 2 || len(*envs) != 2 {
			t.Errorf("after both went idle: served by %d with %d environments started, want 2 (the most recently used) and 2", c, len(*envs))
		}

		// Environment 1 has been idle since t=0, 2 since t=10s.
		time.Sleep(time.Minute - 10*time.Second + time.Second)
		synctest.Wait()
		if !(*envs)[0].closed.Load() || (*envs)[1].closed.Load() {
			t.Errorf("61 s after its last use, environment 1 closed=%v; 51 s after, 2 closed=%v: want true, false", (*envs)[0].closed.Load(), (*envs)[1].closed.Load())
		}
		if n := p.Environments(); n != 1 {
			t.Errorf("environments: got %d, want 1", n)
		}
		time.Sleep(10 * time.Second)
		synctest.Wait()
		if !(*envs)[1].closed.Load() || p.Environments() != 0 {
			t.Errorf("after IdleTimeout, environment 2 closed=%v, %d environments left: want it closed, none", (*envs)[1].closed.Load(), p.Environments())
		}
		// A new invocation starts a new environment (a cold start).
		d, bd := open(t, p)
		bd.Close()
		if d != 3 {
			t.Errorf("after every environment stopped: served by %d, want a new one, 3", d)
		}
		p.Close()
	})
}

func TestPoolDrainLetsInvocationsEnd(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p, envs := fakePool(PoolConfig{MaxConcurrency: 3, IdleTimeout: time.Minute})
		_, busy := open(t, p)
		_, idle := open(t, p)
		idle.Close()
		synctest.Wait()
		drained := p.Drain()
		synctest.Wait()
		if (*envs)[0].closed.Load() || !(*envs)[1].closed.Load() {
			t.Errorf("after Drain: busy environment closed=%v, idle one closed=%v, want false, true", (*envs)[0].closed.Load(), (*envs)[1].closed.Load())
		}
		if _, err := p.InvokeStream(context.Background(), nil); !errors.Is(err, ErrDrained) {
			t.Errorf("an invocation after Drain: got %v, want ErrDrained", err)
		}
		select {
		case <-drained:
			t.Fatal("drained while an invocation runs")
		default:
		}
		busy.Close()
		synctest.Wait()
		select {
		case <-drained:
		default:
			t.Fatal("not drained after the last invocation ended")
		}
		if !(*envs)[0].closed.Load() {
			t.Error("the busy environment was not closed when its invocation ended")
		}
	})
}

// realPool runs testdata/rtfn in a Pool and counts its INITs.
func realPool(tb testing.TB, cfg PoolConfig) (*Pool, *initLog) {
	tb.Helper()
	inits := &initLog{}
	cfg.Runtime = RuntimeConfig{Bootstrap: bootstrap(tb), Timeout: 5 * time.Second, OnInit: inits.add}
	p, err := NewPool(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(p.Close)
	return p, inits
}

type initLog struct {
	mu  sync.Mutex
	mss []float64
}

func (l *initLog) add(ms float64) { l.mu.Lock(); l.mss = append(l.mss, ms); l.mu.Unlock() }
func (l *initLog) all() []float64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]float64(nil), l.mss...)
}

func sleepEvent(ms int) []byte { return []byte(`{"mode":"sleep","delayMs":` + strconv.Itoa(ms) + `}`) }

// TestPoolRunsInvocationsConcurrently sends 5 concurrent invocations of a
// function that sleeps 1 s: 5 environments, 5 INITs, and the whole takes
// about 1 s, not 5.
func TestPoolRunsInvocationsConcurrently(t *testing.T) {
	p, inits := realPool(t, PoolConfig{})
	const n = 5
	start := time.Now()
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() {
			out, err := p.Invoke(context.Background(), sleepEvent(1000))
			if err == nil && !strings.Contains(string(out), `"slept"`) {
				err = fmt.Errorf("answer %s", out)
			}
			errs[i] = err
		})
	}
	wg.Wait()
	wall := time.Since(start)
	for i, err := range errs {
		if err != nil {
			t.Errorf("invocation %d: %v", i, err)
		}
	}
	mss := inits.all()
	fmt.Printf("pool: %d concurrent invocations of a 1 s handler took %v; cold starts (INIT) %v ms\n", n, wall.Round(time.Millisecond), mss)
	if len(mss) != n || p.Environments() != n {
		t.Errorf("got %d INITs and %d environments, want %d of each", len(mss), p.Environments(), n)
	}
	if wall > 3500*time.Millisecond {
		t.Errorf("%d concurrent 1 s invocations took %v, want well under %d s", n, wall, n)
	}

	// Sequential invocations now reuse the idle environments: no INIT.
	for range 3 {
		if _, err := p.Invoke(context.Background(), sleepEvent(0)); err != nil {
			t.Fatal(err)
		}
	}
	if got := len(inits.all()); got != n {
		t.Errorf("after 3 sequential invocations with %d idle environments: %d INITs, want %d (no new one)", n, got, n)
	}
}

// TestPoolThrottles caps a pool at 2: the third concurrent invocation
// fails at once with ErrThrottled, and the first two succeed.
func TestPoolThrottles(t *testing.T) {
	p, _ := realPool(t, PoolConfig{MaxConcurrency: 2})
	var wg sync.WaitGroup
	for range 2 {
		wg.Go(func() {
			if _, err := p.Invoke(context.Background(), sleepEvent(700)); err != nil {
				t.Errorf("invocation within the cap: %v", err)
			}
		})
	}
	// Wait until both environments are busy.
	for deadline := time.Now().Add(5 * time.Second); p.Environments() < 2 && time.Now().Before(deadline); {
		time.Sleep(5 * time.Millisecond)
	}
	start := time.Now()
	_, err := p.Invoke(context.Background(), sleepEvent(0))
	took := time.Since(start)
	if !errors.Is(err, ErrThrottled) {
		t.Errorf("third concurrent invocation: got %v, want ErrThrottled", err)
	}
	if took > 200*time.Millisecond {
		t.Errorf("the throttled invocation took %v to fail, want at once (no queueing)", took)
	}
	var th interface{ Throttled() bool }
	if !errors.As(err, &th) || !th.Throttled() {
		t.Errorf("%v has no Throttled() true, by which apigwlocal knows it", err)
	}
	wg.Wait()
	if _, err := p.Invoke(context.Background(), sleepEvent(0)); err != nil {
		t.Errorf("after the two ended: %v, want a free environment", err)
	}
}

// TestPoolStreamKeepsItsEnvironment: while a stream runs, another
// invocation gets a new environment and answers in cold-start time; after
// Drain the stream still runs to its end and then its process stops.
func TestPoolStreamKeepsItsEnvironment(t *testing.T) {
	p, inits := realPool(t, PoolConfig{})
	res, err := p.InvokeStream(context.Background(), []byte(`{"mode":"stream","n":5,"delayMs":200}`))
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	out, err := p.Invoke(context.Background(), []byte(`{"hello":1}`))
	took := time.Since(start)
	if err != nil || !strings.Contains(string(out), "hello") {
		t.Fatalf("an invocation during a stream: %s, %v", out, err)
	}
	mss := inits.all()
	fmt.Printf("pool: an invocation during a running stream answered in %v (its cold start: INIT %v ms)\n", took.Round(time.Millisecond), mss[len(mss)-1])
	if took > 600*time.Millisecond {
		t.Errorf("an invocation during a 1 s stream took %v, want about a cold start", took)
	}
	pgids := p.PGIDs()
	drained := p.Drain()
	body, err := io.ReadAll(res.Body)
	if err != nil || strings.Count(string(body), "chunk") != 5 {
		t.Errorf("the stream after Drain: %q, %v; want its 5 chunks", body, err)
	}
	res.Body.Close()
	select {
	case <-drained:
	case <-time.After(5 * time.Second):
		t.Fatal("not drained 5 s after the stream ended")
	}
	for _, id := range pgids {
		if err := syscall.Kill(-id, 0); err != syscall.ESRCH {
			t.Errorf("process group %d still runs after Drain (kill -0: %v)", id, err)
		}
	}
	if _, err := p.Invoke(context.Background(), nil); !errors.Is(err, ErrDrained) {
		t.Errorf("after Drain: got %v, want ErrDrained", err)
	}
}

// TestPoolStopsIdleBootstraps: with a short IdleTimeout, the bootstrap's
// process is gone once its environment has idled that long.
func TestPoolStopsIdleBootstraps(t *testing.T) {
	p, _ := realPool(t, PoolConfig{IdleTimeout: 300 * time.Millisecond})
	if _, err := p.Invoke(context.Background(), sleepEvent(0)); err != nil {
		t.Fatal(err)
	}
	pgid := p.PGID()
	if pgid == 0 {
		t.Fatal("no bootstrap runs after an invocation")
	}
	// The process goes first; the pool counts the environment out when
	// its Close has returned, a moment later.
	deadline := time.Now().Add(5 * time.Second)
	for syscall.Kill(-pgid, 0) != syscall.ESRCH || p.Environments() != 0 {
		if time.Now().After(deadline) {
			t.Fatalf("5 s after its environment went idle, with IdleTimeout 300 ms: process group alive %t, environments %d, want none",
				syscall.Kill(-pgid, 0) != syscall.ESRCH, p.Environments())
		}
		time.Sleep(20 * time.Millisecond)
	}
	// A function error still comes back as its document.
	out, err := p.Invoke(context.Background(), []byte(`{"mode":"error"}`))
	var fe FunctionError
	if err != nil || json.Unmarshal(out, &fe) != nil || fe.Message != "boom" {
		t.Errorf("a function error through the pool: %s, %v", out, err)
	}
}
