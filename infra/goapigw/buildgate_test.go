package main

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"
)

func TestBuildErrorPage(t *testing.T) {
	err := errors.New("gobuild: go build ./cmd/web: exit status 1\ncmd/web/main.go:3:1: syntax error: unexpected <script>alert(1)</script> & more")
	for _, c := range []struct {
		name, accept, wantType string
		want, notWant          []string
	}{
		{"browser", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", "text/html; charset=utf-8",
			[]string{"<pre>", "main.go:3:1: syntax error", "&lt;script&gt;alert(1)&lt;/script&gt; &amp; more"}, []string{"<script>"}},
		{"curl", "*/*", "text/plain; charset=utf-8", []string{"main.go:3:1: syntax error: unexpected <script>"}, []string{"<pre>"}},
		{"no Accept", "", "text/plain; charset=utf-8", []string{"syntax error"}, []string{"<pre>"}},
		{"html refused", "text/html;q=0, text/plain", "text/plain; charset=utf-8", []string{"syntax error"}, []string{"<pre>"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/", nil)
			if c.accept != "" {
				r.Header.Set("Accept", c.accept)
			}
			w := httptest.NewRecorder()
			buildErrorPage(w, r, err)
			body := w.Body.String()
			if w.Code != http.StatusBadGateway || w.Header().Get("Content-Type") != c.wantType {
				t.Errorf("got %d %s, want 502 %s", w.Code, w.Header().Get("Content-Type"), c.wantType)
			}
			for _, s := range c.want {
				if !strings.Contains(body, s) {
					t.Errorf("body lacks %q:\n%s", s, body)
				}
			}
			for _, s := range c.notWant {
				if strings.Contains(body, s) {
					t.Errorf("body holds %q:\n%s", s, body)
				}
			}
		})
	}
}

// TestBuildGateHoldsRequests: a request that arrives during a build waits
// for it, then gets the new code or the build's error.
func TestBuildGateHoldsRequests(t *testing.T) {
	for _, c := range []struct {
		name       string
		buildErr   error
		wantStatus int
	}{
		{"good build", nil, http.StatusOK},
		{"failed build", errors.New("syntax error"), http.StatusBadGateway},
	} {
		t.Run(c.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				g := newBuildGate()
				var served atomic.Bool
				h := g.handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { served.Store(true) }), func(string, ...any) {})
				g.hold()
				w := httptest.NewRecorder()
				done := make(chan struct{})
				go func() {
					defer close(done)
					h.ServeHTTP(w, httptest.NewRequest("GET", "/", nil))
				}()
				time.Sleep(time.Second) // the build runs
				synctest.Wait()
				select {
				case <-done:
					t.Fatal("the request did not wait for the build")
				default:
				}
				g.release(c.buildErr)
				<-done
				if w.Code != c.wantStatus || served.Load() != (c.buildErr == nil) {
					t.Errorf("got %d (handler ran: %v), want %d", w.Code, served.Load(), c.wantStatus)
				}
			})
		})
	}
	t.Run("client leaves", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			g := newBuildGate()
			g.hold()
			ctx, cancel := context.WithTimeout(t.Context(), time.Second)
			defer cancel()
			if err := g.wait(ctx); !errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("got %v, want the context's error", err)
			}
			g.cancel()
			if err := g.wait(t.Context()); err != nil {
				t.Errorf("after the hold: got %v, want nil", err)
			}
		})
	})
}
