package main

import (
	"context"
	"io"
	"strings"
	"sync"
	"testing"
)

// fakeEnv is an environment that answers its name and records its Close.
type fakeEnv struct {
	name   string
	mu     sync.Mutex
	closed int
}

func (f *fakeEnv) Invoke(context.Context, []byte) ([]byte, error) { return []byte(f.name), nil }

func (f *fakeEnv) InvokeStream(context.Context, []byte) (io.ReadCloser, error) {
	return io.NopCloser(strings.NewReader(f.name)), nil
}

func (f *fakeEnv) Close() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.closed++
}

func (f *fakeEnv) closes() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.closed
}

func TestSwapInvoker(t *testing.T) {
	t.Run("idle generation closes at the swap", func(t *testing.T) {
		old, next := &fakeEnv{name: "old"}, &fakeEnv{name: "new"}
		s := newSwapInvoker(old)
		s.swap(next)
		if old.closes() != 1 {
			t.Errorf("old closed %d times, want 1", old.closes())
		}
		if out, _ := s.Invoke(t.Context(), nil); string(out) != "new" {
			t.Errorf("after the swap: got %q, want new", out)
		}
	})
	t.Run("a stream finishes on its generation", func(t *testing.T) {
		old, next := &fakeEnv{name: "old"}, &fakeEnv{name: "new"}
		s := newSwapInvoker(old)
		body, err := s.InvokeStream(t.Context(), nil)
		if err != nil {
			t.Fatal(err)
		}
		s.swap(next)
		if old.closes() != 0 {
			t.Fatal("old closed with a stream open")
		}
		if out, _ := s.Invoke(t.Context(), nil); string(out) != "new" {
			t.Errorf("a call after the swap: got %q, want new", out)
		}
		if b, _ := io.ReadAll(body); string(b) != "old" {
			t.Errorf("the stream: got %q, want old", b)
		}
		body.Close()
		body.Close()
		if old.closes() != 1 {
			t.Errorf("old closed %d times after its stream ended, want 1", old.closes())
		}
	})
	t.Run("closeAll stops every generation once", func(t *testing.T) {
		old, next := &fakeEnv{name: "old"}, &fakeEnv{name: "new"}
		s := newSwapInvoker(old)
		body, _ := s.InvokeStream(t.Context(), nil)
		s.swap(next)
		s.closeAll()
		body.Close()
		if old.closes() != 1 || next.closes() != 1 {
			t.Errorf("closes: old %d, new %d, want 1 and 1", old.closes(), next.closes())
		}
		if _, err := s.Invoke(t.Context(), nil); err == nil {
			t.Error("a call after closeAll: got no error")
		}
	})
}
