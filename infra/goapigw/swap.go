package main

import (
	"context"
	"errors"
	"io"
	"sync"
)

// environment is one generation of a function: everything that runs its
// bootstrap (today a Runtime API or the RIE, later a pool of execution
// environments). Close stops it; swapInvoker calls it once no call is left.
type environment interface {
	Invoke(ctx context.Context, payload []byte) ([]byte, error)
	InvokeStream(ctx context.Context, payload []byte) (io.ReadCloser, error)
	Close()
}

// swapInvoker hands each call to the current generation of a function and
// lets a reload put a new one in its place: calls already running finish
// on the generation they started on (a stream until its body is closed),
// and that generation is closed when its last call ends.
type swapInvoker struct {
	mu   sync.Mutex
	cur  *generation
	live map[*generation]struct{} // not closed yet, current or retired
}

type generation struct {
	env     environment
	calls   int  // in flight, guarded by swapInvoker.mu
	retired bool // replaced: closed when calls reaches 0
}

func newSwapInvoker(env environment) *swapInvoker {
	g := &generation{env: env}
	return &swapInvoker{cur: g, live: map[*generation]struct{}{g: {}}}
}

var errClosed = errors.New("the function is stopped")

// acquire takes the current generation for one call.
func (s *swapInvoker) acquire() (*generation, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cur == nil {
		return nil, errClosed
	}
	s.cur.calls++
	return s.cur, nil
}

// release ends one call on g, closing g if it was the last of a retired
// generation.
func (s *swapInvoker) release(g *generation) {
	s.mu.Lock()
	g.calls--
	_, open := s.live[g]
	last := open && g.retired && g.calls == 0
	if last {
		delete(s.live, g)
	}
	s.mu.Unlock()
	if last {
		g.env.Close()
	}
}

// swap makes env the current generation and retires the one before it.
func (s *swapInvoker) swap(env environment) {
	s.retire(&generation{env: env})
}

func (s *swapInvoker) retire(next *generation) {
	s.mu.Lock()
	old := s.cur
	s.cur = next
	if next != nil {
		s.live[next] = struct{}{}
	}
	idle := false
	if old != nil {
		old.retired = true
		idle = old.calls == 0
		if idle {
			delete(s.live, old)
		}
	}
	s.mu.Unlock()
	if idle {
		old.env.Close()
	}
}

// current is the generation new calls go to (nil once closed).
func (s *swapInvoker) current() environment {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cur == nil {
		return nil
	}
	return s.cur.env
}

// Close retires the current generation: it stops when its calls end.
func (s *swapInvoker) Close() { s.retire(nil) }

// closeAll stops every generation now, calls in flight or not.
func (s *swapInvoker) closeAll() {
	s.mu.Lock()
	s.cur = nil
	live := s.live
	s.live = map[*generation]struct{}{}
	for g := range live {
		g.retired = true
	}
	s.mu.Unlock()
	for g := range live {
		g.env.Close()
	}
}

func (s *swapInvoker) Invoke(ctx context.Context, payload []byte) ([]byte, error) {
	g, err := s.acquire()
	if err != nil {
		return nil, err
	}
	defer s.release(g)
	return g.env.Invoke(ctx, payload)
}

func (s *swapInvoker) InvokeStream(ctx context.Context, payload []byte) (io.ReadCloser, error) {
	g, err := s.acquire()
	if err != nil {
		return nil, err
	}
	body, err := g.env.InvokeStream(ctx, payload)
	if err != nil {
		s.release(g)
		return nil, err
	}
	return &releasingBody{ReadCloser: body, release: func() { s.release(g) }}, nil
}

// releasingBody ends its call when the stream is closed.
type releasingBody struct {
	io.ReadCloser
	once    sync.Once
	release func()
}

func (b *releasingBody) Close() error {
	err := b.ReadCloser.Close()
	b.once.Do(b.release)
	return err
}
