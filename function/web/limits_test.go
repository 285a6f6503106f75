package web

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/goapigw/webapp/function/restproxy"
)

// newStreamingApp is the app of a server that streams: the only one that
// serves the download and the long computation.
func newStreamingApp(tb testing.TB) *App {
	tb.Helper()
	a, err := New(WithClock(func() time.Time { return fixedNow }), WithStreaming(true))
	if err != nil {
		tb.Fatal(err)
	}
	return a
}

// TestStreamingRoutesOnlyWhenStreaming: buffered, the download would cost
// 250 MB and a core for a certain 500, and the computation would pass the
// 29 s limit: those routes do not exist, and no page links them.
func TestStreamingRoutesOnlyWhenStreaming(t *testing.T) {
	targets := []string{"/download.csv?from=2026-11-28", "/progress?seconds=1", "/progress/events?seconds=1"}
	for _, streaming := range []bool{false, true} {
		for _, target := range targets {
			t.Run(fmt.Sprintf("streaming=%v %s", streaming, target), func(t *testing.T) {
				synctest.Test(t, func(t *testing.T) {
					a, err := New(WithClock(func() time.Time { return fixedNow }), WithStreaming(streaming))
					if err != nil {
						t.Fatal(err)
					}
					w := get(t, a, target, nil)
					want := http.StatusNotFound
					if streaming {
						want = http.StatusOK
					}
					if w.Code != want {
						t.Errorf("got %d, want %d", w.Code, want)
					}
					if !streaming {
						path, _, _ := strings.Cut(target, "?")
						for _, page := range []string{"/", "/no/such/page", "/?date=1993-01-01"} {
							if body := get(t, a, page, nil).Body.String(); strings.Contains(body, path) {
								t.Errorf("%s links %s", page, path)
							}
						}
					}
				})
			})
		}
	}
}

func TestDownloadCSV(t *testing.T) {
	a := newStreamingApp(t)
	t.Run("one day and a half", func(t *testing.T) {
		w := get(t, a, "/download.csv?from=2026-11-28", nil)
		if w.Code != 200 || w.Header().Get("Content-Type") != "text/csv; charset=utf-8" ||
			w.Header().Get("Content-Disposition") != `attachment; filename="hours-since-2026-11-28.csv"` {
			t.Fatalf("got %d %v", w.Code, w.Header())
		}
		lines := strings.Split(strings.TrimSuffix(w.Body.String(), "\n"), "\n")
		// 2026-11-28T00 to 2026-11-29T23 (the clock says 23:30): 48 hours.
		if len(lines) != 1+48 {
			t.Fatalf("lines: got %d, want a header and 48 rows", len(lines))
		}
		if got, want := lines[1], "2026-11-28T00:00:00Z,Saturday,1,1"; got != want {
			t.Errorf("first row: got %q, want %q", got, want)
		}
		if got, want := lines[48], "2026-11-29T23:00:00Z,Sunday,2,48"; got != want {
			t.Errorf("last row: got %q, want %q", got, want)
		}
	})
	t.Run("since 1900 passes 10 MB", func(t *testing.T) {
		w := get(t, a, "/download.csv", nil)
		if w.Code != 200 || w.Body.Len() < 10<<20 {
			t.Fatalf("got %d with %d bytes, want more than 10 MB", w.Code, w.Body.Len())
		}
		sc := bufio.NewScanner(bytes.NewReader(w.Body.Bytes()))
		rows := -1
		for sc.Scan() {
			rows++
		}
		if want := int(fixedNow.Truncate(time.Hour).Sub(earliest)/time.Hour) + 1; rows != want {
			t.Errorf("rows: got %d, want %d, one an hour", rows, want)
		}
	})
	for _, bad := range []string{"1899-12-31", "2027-01-01", "nope", "2026-02-30"} {
		t.Run("bad "+bad, func(t *testing.T) {
			if w := get(t, a, "/download.csv?from="+bad, nil); w.Code != 400 {
				t.Errorf("got %d, want 400", w.Code)
			}
		})
	}
}

// flushRecorder records when each flush happened and how much had been
// written by then.
type flushRecorder struct {
	*httptest.ResponseRecorder
	mu      sync.Mutex
	start   time.Time
	flushes []flushed
}

type flushed struct {
	at   time.Duration
	body string
}

func (f *flushRecorder) Flush() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.flushes = append(f.flushes, flushed{time.Since(f.start), f.Body.String()})
}

func TestProgressPageStreamsAStepASecond(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		a := newStreamingApp(t)
		w := &flushRecorder{ResponseRecorder: httptest.NewRecorder(), start: time.Now()}
		a.ServeHTTP(w, httptest.NewRequest("GET", "/progress?seconds=3", nil))
		if w.Code != 200 || w.Header().Get("Content-Type") != "text/html; charset=utf-8" {
			t.Fatalf("got %d %v", w.Code, w.Header())
		}
		if len(w.flushes) != 4 {
			t.Fatalf("flushes: got %d, want the head and one per step", len(w.flushes))
		}
		if f := w.flushes[0]; f.at != 0 || !strings.Contains(f.body, "<h1>A 3-second computation</h1>") || strings.Contains(f.body, "<li>") {
			t.Errorf("first flush: at %v %q, want the page's head at once", f.at, f.body)
		}
		for i, f := range w.flushes[1:] {
			want := "<li>Step " + string(rune('1'+i)) + " of 3: "
			if f.at != time.Duration(i+1)*time.Second || !strings.Contains(f.body, want) {
				t.Errorf("flush %d: at %v, want %q at %v s", i+1, f.at, want, i+1)
			}
		}
		if body := w.Body.String(); !strings.Contains(body, "<li>Step 3 of 3: 13848 primes below 150000</li>") || !strings.Contains(body, `<p id="done"><strong>Done</strong>`) {
			t.Errorf("end of the page:\n%s", body)
		}
	})
}

func TestProgressEvents(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		a := newStreamingApp(t)
		w := get(t, a, "/progress/events?seconds=2", nil)
		want := ": started\n\n" +
			"event: step\ndata: {\"step\":1,\"of\":2,\"primes\":5133,\"upto\":50000}\n\n" +
			"event: step\ndata: {\"step\":2,\"of\":2,\"primes\":9592,\"upto\":100000}\n\n" +
			"event: done\ndata: {\"step\":2,\"of\":2,\"primes\":9592,\"upto\":100000}\n\n"
		if w.Code != 200 || w.Header().Get("Content-Type") != "text/event-stream; charset=utf-8" || w.Body.String() != want {
			t.Errorf("got %d %q\n%q", w.Code, w.Header().Get("Content-Type"), w.Body.String())
		}
	})
}

func TestProgressStopsWithTheRequest(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		a := newStreamingApp(t)
		r := httptest.NewRequest("GET", "/progress?seconds=60", nil)
		// The client leaves after 2.5 s: a cancel, not a deadline, which
		// would shorten the run up front.
		ctx, cancel := context.WithCancel(r.Context())
		defer cancel()
		time.AfterFunc(2500*time.Millisecond, cancel)
		w := httptest.NewRecorder()
		start := time.Now()
		a.ServeHTTP(w, r.WithContext(ctx))
		if took := time.Since(start); took != 2500*time.Millisecond {
			t.Errorf("handler returned after %v, want it to stop when the client left at 2.5 s", took)
		}
		if n := strings.Count(w.Body.String(), "<li>"); n != 2 || strings.Contains(w.Body.String(), "Done") {
			t.Errorf("steps: got %d, want 2 and no end", n)
		}
	})
}

// firstFlush closes flushed at the handler's first flush.
type firstFlush struct {
	*httptest.ResponseRecorder
	once    sync.Once
	flushed chan struct{}
}

func (f *firstFlush) Flush() { f.once.Do(func() { close(f.flushed) }) }

// TestProgressStopsSoonAfterCancel: when the client leaves or the deadline
// passes, the request's context ends and the function must be free within
// milliseconds, not at the end of the step it is counting. The wait here is
// CPU time, which a synctest bubble's clock does not see (it stands still
// while a goroutine computes), so this test reads the real clock.
func TestProgressStopsSoonAfterCancel(t *testing.T) {
	const bound = 250 * time.Millisecond // generous: the machine may be busy
	for _, target := range []string{"/progress?seconds=900", "/progress/events?seconds=900"} {
		t.Run(target, func(t *testing.T) {
			a := newStreamingApp(t)
			a.perStep = 3_000_000 // a step that counts for about a second
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			w := &firstFlush{ResponseRecorder: httptest.NewRecorder(), flushed: make(chan struct{})}
			done := make(chan struct{})
			go func() {
				defer close(done)
				a.ServeHTTP(w, httptest.NewRequestWithContext(ctx, http.MethodGet, target, nil))
			}()
			<-w.flushed // the head is out: the first step is being counted
			cancel()
			cancelled := time.Now()
			<-done
			if took := time.Since(cancelled); took > bound {
				t.Errorf("the handler returned %v after its context ended, want within %v", took, bound)
			} else {
				t.Logf("the handler returned %v after its context ended", took)
			}
		})
	}
}

// serveStreamed serves a GET through the adapter in streaming mode, as
// Lambda does, with the given integration timeout; it returns the body and
// the error that ended it (nil for a proper end of stream).
func serveStreamed(tb testing.TB, h http.Handler, timeout time.Duration, path string, query map[string]string) (string, error) {
	tb.Helper()
	e := events.APIGatewayProxyRequest{
		Resource: "/{proxy+}", Path: path, HTTPMethod: http.MethodGet,
		PathParameters:        map[string]string{"proxy": strings.TrimPrefix(path, "/")},
		QueryStringParameters: query,
		RequestContext:        events.APIGatewayProxyRequestContext{Stage: "prod", Path: "/prod" + path},
	}
	mq := make(map[string][]string)
	for k, v := range query {
		mq[k] = []string{v}
	}
	e.MultiValueQueryStringParameters = mq
	payload, err := json.Marshal(e)
	if err != nil {
		tb.Fatal(err)
	}
	fn := restproxy.Wrap(h, restproxy.WithResponseStreaming(true), restproxy.WithIntegrationTimeout(timeout),
		restproxy.WithLogger(slog.New(slog.DiscardHandler)))
	res, err := fn.InvokeStream(context.Background(), payload)
	if err != nil {
		tb.Fatalf("InvokeStream: %v", err)
	}
	if res.StatusCode != http.StatusOK {
		tb.Fatalf("status: got %d, want 200", res.StatusCode)
	}
	body, err := io.ReadAll(res.Body)
	return string(body), err
}

// TestProgressEndsBeforeTheDeadline: behind a 10 s integration timeout, a
// run asked for 900 s (or 5 s) must end with a complete page before the
// adapter cuts the stream, and say when it was shortened.
func TestProgressEndsBeforeTheDeadline(t *testing.T) {
	tests := []struct {
		name      string
		path      string
		seconds   string
		wantSteps int
		wantNote  string // "" when the run was not shortened
		wantEnd   string
	}{
		{name: "page, shortened", path: "/progress", seconds: "900", wantSteps: 8,
			wantNote: `<p id="clamped">You asked for 900 seconds, but this request must end within 9 seconds, so the computation runs for 8.</p>`,
			wantEnd:  `<p id="done"><strong>Done</strong> in 8s.`},
		{name: "page, fits", path: "/progress", seconds: "5", wantSteps: 5, wantEnd: `<p id="done"><strong>Done</strong> in 5s.`},
		{name: "events, shortened", path: "/progress/events", seconds: "900", wantSteps: 8,
			wantNote: "event: clamped\ndata: {\"asked\":900,\"seconds\":8,\"within\":9}\n\n",
			wantEnd:  "event: done\ndata: {\"step\":8,\"of\":8,"},
		{name: "events, fits", path: "/progress/events", seconds: "5", wantSteps: 5, wantEnd: "event: done\ndata: {\"step\":5,\"of\":5,"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				a := newStreamingApp(t)
				start := time.Now()
				body, err := serveStreamed(t, a, 10*time.Second, tt.path, map[string]string{"seconds": tt.seconds})
				if err != nil {
					t.Fatalf("the stream was cut after %v: %v\n%s", time.Since(start), err, tail(body))
				}
				if took := time.Since(start); took != time.Duration(tt.wantSteps)*time.Second {
					t.Errorf("took %v, want %d s", took, tt.wantSteps)
				}
				steps := strings.Count(body, "<li>") + strings.Count(body, "event: step")
				if steps != tt.wantSteps || !strings.Contains(body, tt.wantEnd) {
					t.Errorf("got %d steps, want %d and %q\n%s", steps, tt.wantSteps, tt.wantEnd, tail(body))
				}
				hasNote := strings.Contains(body, "clamped")
				if tt.wantNote == "" && hasNote || tt.wantNote != "" && !strings.Contains(body, tt.wantNote) {
					t.Errorf("note: want %q\n%s", tt.wantNote, tail(body))
				}
			})
		})
	}
}

// tail is the end of a long body, for failure messages.
func tail(s string) string { return s[max(0, len(s)-800):] }

// TestHomeLinksARunThatFits: the home page's link asks for no more than
// its request could last, so following it runs what it says.
func TestHomeLinksARunThatFits(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		a, err := New(WithClock(func() time.Time { return fixedNow }), WithStreaming(true), WithProgressDuration(40*time.Second))
		if err != nil {
			t.Fatal(err)
		}
		body, err := serveStreamed(t, a, 10*time.Second, "/", nil)
		if err != nil {
			t.Fatal(err)
		}
		got := regexp.MustCompile(`<a id="progress-link"[^>]*>[^<]*</a>`).FindString(body)
		if want := `<a id="progress-link" href="/prod/progress?seconds=8" data-events="/prod/progress/events?seconds=8">Run a 8-second computation</a>`; got != want {
			t.Errorf("got %s, want %s", got, want)
		}
	})
}

// TestProgressNoTimeLeft: a request whose deadline leaves no whole step
// gets a 503 at once rather than a page the adapter would cut.
func TestProgressNoTimeLeft(t *testing.T) {
	for _, p := range []string{"/progress", "/progress/events"} {
		t.Run(p, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				a := newStreamingApp(t)
				ctx, cancel := context.WithTimeout(context.Background(), 1500*time.Millisecond)
				defer cancel()
				w := httptest.NewRecorder()
				start := time.Now()
				a.ServeHTTP(w, httptest.NewRequestWithContext(ctx, http.MethodGet, p+"?seconds=5", nil))
				if w.Code != http.StatusServiceUnavailable || time.Since(start) != 0 {
					t.Errorf("got %d after %v, want 503 at once", w.Code, time.Since(start))
				}
			})
		})
	}
}

func TestProgressBadSeconds(t *testing.T) {
	a := newStreamingApp(t)
	for _, v := range []string{"0", "901", "x", "-1"} {
		for _, p := range []string{"/progress", "/progress/events"} {
			if w := get(t, a, p+"?seconds="+v, nil); w.Code != http.StatusBadRequest {
				t.Errorf("%s?seconds=%s: got %d, want 400", p, v, w.Code)
			}
		}
	}
}

func TestLimitsLinksOnlyWhenStreaming(t *testing.T) {
	for _, streaming := range []bool{false, true} {
		a, err := New(WithClock(func() time.Time { return fixedNow }), WithStreaming(streaming), WithProgressDuration(45*time.Second))
		if err != nil {
			t.Fatal(err)
		}
		body := get(t, a, "/", map[string]string{"X-Forwarded-Prefix": "/prod"}).Body.String()
		hasLinks := strings.Contains(body, `<a id="download-link" href="/prod/download.csv" download>`) &&
			strings.Contains(body, `href="/prod/progress?seconds=45" data-events="/prod/progress/events?seconds=45"`)
		if hasLinks != streaming || strings.Contains(body, "Turn on response streaming") == streaming {
			t.Errorf("streaming=%v: links shown %v\n%s", streaming, hasLinks, body)
		}
	}
}

// TestAssetURLsFollowTheirContent: an asset's URL carries the hash of its
// bytes, so a changed asset gets a new URL and a cache that keeps the old
// one for a year never serves it in its place.
func TestAssetURLsFollowTheirContent(t *testing.T) {
	a := newApp(t, fixedNow)
	body := get(t, a, "/", nil).Body.String()
	for _, file := range []string{"assets/app.js", "assets/arch.png"} {
		b, err := assetFS.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(b)
		base := strings.TrimPrefix(file, "assets/")
		ext := base[strings.LastIndexByte(base, '.'):]
		want := "/assets/" + strings.TrimSuffix(base, ext) + "." + hex.EncodeToString(sum[:])[:10] + ext
		if !strings.Contains(body, `"`+want+`"`) {
			t.Errorf("the page does not link %s as %s", file, want)
		}
		if w := get(t, a, want, nil); w.Code != 200 || w.Header().Get("Cache-Control") != "public, max-age=31536000, immutable" {
			t.Errorf("%s: got %d %q", want, w.Code, w.Header().Get("Cache-Control"))
		}
	}
	// Another version's URL is not served as this one.
	if w := get(t, a, "/assets/app.0000000000.js", nil); w.Code != 404 {
		t.Errorf("an unknown version: got %d, want 404", w.Code)
	}
}
