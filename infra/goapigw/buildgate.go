package main

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"strings"
	"sync"
	"time"
)

// buildGate holds requests while the function is being rebuilt, and
// answers them with the compiler's message while the last build failed.
// Every hold is ended by one release.
type buildGate struct {
	mu    sync.Mutex
	holds int
	open  chan struct{} // closed while no build runs
	err   error         // the last build's error, until a good build
}

func newBuildGate() *buildGate {
	open := make(chan struct{})
	close(open)
	return &buildGate{open: open}
}

// hold makes requests wait until the matching release.
func (g *buildGate) hold() {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.holds == 0 {
		g.open = make(chan struct{})
	}
	g.holds++
}

// release ends one hold with a build's outcome (nil: a good build).
func (g *buildGate) release(err error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.err = err
	g.end()
}

// cancel ends one hold and keeps the outcome as it is.
func (g *buildGate) cancel() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.end()
}

func (g *buildGate) end() {
	g.holds--
	if g.holds == 0 {
		close(g.open)
	}
}

// wait returns when no build runs, with the last build's error; or ctx's.
func (g *buildGate) wait(ctx context.Context) error {
	g.mu.Lock()
	open := g.open
	g.mu.Unlock()
	select {
	case <-open:
	case <-ctx.Done():
		return ctx.Err()
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.err
}

// handler waits for a running build before next serves a request, and
// answers 502 with the build's error after a failed one. logf gets the
// access line of such an answer.
func (g *buildGate) handler(next http.Handler, logf func(format string, args ...any)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		if err := g.wait(r.Context()); err != nil {
			if r.Context().Err() != nil {
				return // the client left while the build ran
			}
			buildErrorPage(w, r, err)
			logf("%s %-6s %-40s %d %8.1f ms  (build failed)", time.Now().Format("15:04:05"), r.Method, r.URL.EscapedPath(),
				http.StatusBadGateway, float64(time.Since(start).Microseconds())/1000)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// buildErrorPage answers 502 with the build's error: a readable HTML page
// for a browser, plain text for other clients.
func buildErrorPage(w http.ResponseWriter, r *http.Request, err error) {
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	msg := err.Error()
	if !acceptsHTML(r.Header.Get("Accept")) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(http.StatusBadGateway)
		fmt.Fprintf(w, "502 Bad Gateway: the function does not build; goapigw serves it again after the next good build.\n\n%s\n", msg)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(http.StatusBadGateway)
	fmt.Fprintf(w, `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Build failed · goapigw</title>
<style>body{font:16px/1.4 system-ui,sans-serif;margin:2rem;color:#222}h1{color:#b00020;font-size:1.4rem}pre{background:#f6f6f6;border-left:4px solid #b00020;padding:1rem;overflow:auto;white-space:pre-wrap}</style>
</head><body>
<h1>502 · the function does not build</h1>
<p>goapigw rebuilt the function after a change and the Go compiler stopped with this message. Fix the code and save: the next good build serves this page's request again (reload it).</p>
<pre>%s</pre>
</body></html>
`, html.EscapeString(msg))
}

// acceptsHTML reports whether an Accept header names text/html (or
// application/xhtml+xml), as a browser's does.
func acceptsHTML(accept string) bool {
	for part := range strings.SplitSeq(accept, ",") {
		mt, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if strings.Contains(strings.ReplaceAll(params, " ", ""), "q=0") && !strings.Contains(params, "q=0.") {
			continue
		}
		switch strings.ToLower(strings.TrimSpace(mt)) {
		case "text/html", "application/xhtml+xml":
			return true
		}
	}
	return false
}
