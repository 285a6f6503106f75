package web

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"
)

func TestDownloadCSV(t *testing.T) {
	a := newApp(t, fixedNow)
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
		a := newApp(t, fixedNow)
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
		a := newApp(t, fixedNow)
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
		a := newApp(t, fixedNow)
		r := httptest.NewRequest("GET", "/progress?seconds=60", nil)
		ctx, cancel := context.WithTimeout(r.Context(), 2500*time.Millisecond)
		defer cancel()
		w := httptest.NewRecorder()
		start := time.Now()
		a.ServeHTTP(w, r.WithContext(ctx))
		if took := time.Since(start); took != 2500*time.Millisecond {
			t.Errorf("handler returned after %v, want it to stop at the 2.5 s deadline", took)
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
			a := newApp(t, fixedNow)
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

func TestProgressBadSeconds(t *testing.T) {
	a := newApp(t, fixedNow)
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
