package main

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// shopServed is the second app served by `go tool goapigw` with watch on
// (the default), and ready: the watcher watches.
func shopServed(tb testing.TB) (dir string, run *toolRun) {
	tb.Helper()
	dir = shopCopy(tb)
	env := userEnv(tb)
	runIn(tb, dir, append(env, "GOPROXY=off"), "go", "get", "-tool", "github.com/goapigw/webapp/infra/goapigw")
	runIn(tb, dir, env, "go", "mod", "tidy")
	run = startTool(tb, dir, env, "-stack", "ShopStack", "-construct", "ShopStack/Storefront/Web")
	waitFor(tb, 30*time.Second, "the watcher", func() (bool, string) {
		out := run.log()
		return strings.Contains(out, "Watching ./cmd/web"), out
	})
	return dir, run
}

// log is the tool's output so far.
func (r *toolRun) log() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.output.String()
}

// waitFor polls ok until it holds or the bound passes.
func waitFor(tb testing.TB, bound time.Duration, what string, ok func() (bool, string)) time.Duration {
	tb.Helper()
	start := time.Now()
	var last string
	for time.Since(start) < bound {
		var done bool
		if done, last = ok(); done {
			return time.Since(start)
		}
		time.Sleep(20 * time.Millisecond)
	}
	tb.Fatalf("%s: not within %v; last seen:\n%s", what, bound, last)
	return 0
}

// editFile replaces old with new in the file, as an editor saves it.
func editFile(tb testing.TB, path, old, new string) {
	tb.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	if !bytes.Contains(b, []byte(old)) {
		tb.Fatalf("%s does not hold %q", path, old)
	}
	if err := os.WriteFile(path, bytes.Replace(b, []byte(old), []byte(new), 1), 0o644); err != nil {
		tb.Fatal(err)
	}
}

// get fetches url with an Accept header; status, content type, body.
func getAccept(url, accept string) (int, string, string, error) {
	req, err := http.NewRequest("GET", url, nil)
	if err != nil {
		return 0, "", "", err
	}
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, "", "", err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	return res.StatusCode, res.Header.Get("Content-Type"), string(b), err
}

// serves polls a door until it answers 200 with want in the body.
func serves(url, want string) func() (bool, string) {
	return func() (bool, string) {
		status, _, body, err := getAccept(url, "")
		return err == nil && status == 200 && strings.Contains(body, want), fmt.Sprintf("%d %s %v", status, body, err)
	}
}

// TestWatchReloads edits the second app while go tool goapigw serves it: a
// handler's new text reaches both doors while a slow request started before
// the edit completes; a syntax error answers the compiler's message as a
// 502 page until the next good edit; a variable added in cdk.json reaches
// the function.
func TestWatchReloads(t *testing.T) {
	dir, run := shopServed(t)
	handler := filepath.Join(dir, "cmd", "web", "main.go")
	doors := []struct{ name, base string }{{"stage URL", run.stage}, {"custom domain", run.domain}}

	t.Run("edit", func(t *testing.T) {
		slow := make(chan string, 1)
		go func() {
			status, _, body, err := getAccept(run.stage+"slow", "")
			slow <- fmt.Sprintf("%d %q %v", status, body, err)
		}()
		time.Sleep(300 * time.Millisecond) // the slow request is in flight
		editFile(t, handler, "<h1>The shop</h1>", "<h1>The edited shop</h1>")
		took := waitFor(t, 20*time.Second, "the edited handler", serves(run.stage, "The edited shop"))
		fmt.Printf("watch: edit → new answer through the stage door in %.2f s\n", took.Seconds())
		for _, d := range doors {
			if ok, last := serves(d.base, "The edited shop")(); !ok {
				t.Errorf("%s after the reload: got %s", d.name, last)
			}
		}
		if got, want := <-slow, `200 "a slow answer, complete\n" <nil>`; got != want {
			t.Errorf("a request in flight during the rebuild: got %s, want %s", got, want)
		}
		if !strings.Contains(run.log(), "reloaded ./cmd/web in ") {
			t.Errorf("no reload line in the log:\n%s", run.log())
		}
	})

	t.Run("syntax error", func(t *testing.T) {
		editFile(t, handler, "restproxy.Start(mux)", "restproxy.Start(mux) <")
		waitFor(t, 20*time.Second, "the build error page", func() (bool, string) {
			status, _, body, _ := getAccept(run.domain, "text/html")
			return status == http.StatusBadGateway, body
		})
		for _, c := range []struct{ accept, wantType, wantText string }{
			{"text/html,application/xhtml+xml,*/*;q=0.8", "text/html; charset=utf-8", "syntax error"},
			{"", "text/plain; charset=utf-8", "syntax error"},
		} {
			for _, d := range doors {
				status, ctype, body, err := getAccept(d.base, c.accept)
				if err != nil || status != http.StatusBadGateway || ctype != c.wantType || !strings.Contains(body, c.wantText) || !strings.Contains(body, "main.go:") {
					t.Errorf("%s, Accept %q: got %d %s %v\n%s\nwant 502 %s with the compiler's message", d.name, c.accept, status, ctype, err, body, c.wantType)
				}
			}
		}
		if !strings.Contains(run.log(), "build failed: ") {
			t.Errorf("no build failure in the log:\n%s", run.log())
		}
		editFile(t, handler, "restproxy.Start(mux) <", "restproxy.Start(mux)")
		editFile(t, handler, "<h1>The edited shop</h1>", "<h1>The mended shop</h1>")
		for _, d := range doors {
			waitFor(t, 20*time.Second, d.name+" after the fix", serves(d.base, "The mended shop"))
		}
	})

	t.Run("cdk.json", func(t *testing.T) {
		editFile(t, filepath.Join(dir, "cdk.json"), `"context": {`, `"context": {
    "greeting": "hello from cdk.json",`)
		for _, d := range doors {
			waitFor(t, 3*time.Minute, d.name+" with the new variable", serves(d.base+"greeting", "greeting=hello from cdk.json"))
		}
		if !strings.Contains(run.log(), "from the CDK app in ") || !strings.Contains(run.log(), "environment +GREETING") {
			t.Errorf("no reload line for the CDK app in the log:\n%s", run.log())
		}
	})
	if t.Failed() {
		t.Logf("go tool goapigw:\n%s", run.log())
	}
}

// TestWatchEditToAnswer measures edit → new answer for a one-line change to
// a handler, several times, and prints the figures (no bound: the goal is
// 2 s on 2 cores, see the README).
func TestWatchEditToAnswer(t *testing.T) {
	dir, run := shopServed(t)
	handler := filepath.Join(dir, "cmd", "web", "main.go")
	prev := "<h1>The shop</h1>"
	var took []float64
	for i := range 5 {
		next := fmt.Sprintf("<h1>The shop, edit %d</h1>", i+1)
		editFile(t, handler, prev, next)
		d := waitFor(t, 30*time.Second, "edit "+fmt.Sprint(i+1), serves(run.stage, next))
		took = append(took, d.Seconds())
		prev = next
		time.Sleep(300 * time.Millisecond) // the reload line is written
	}
	slices.Sort(took)
	fmt.Printf("watch: edit → new answer, %d one-line edits of a handler: median %.2f s, min %.2f s, max %.2f s (%v)\n",
		len(took), took[len(took)/2], took[0], took[len(took)-1], took)
	var lines []string
	for l := range strings.Lines(run.log()) {
		if strings.Contains(l, "reloaded") || strings.Contains(l, "build failed") {
			lines = append(lines, strings.TrimRight(l, "\n"))
		}
	}
	fmt.Printf("watch: the reload lines:\n%s\n", strings.Join(lines, "\n"))
}
