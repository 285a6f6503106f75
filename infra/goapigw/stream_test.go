package main

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/goapigw/webapp/function/web/webtest"
	"github.com/goapigw/webapp/infra/assembly"
)

// slowApp is testdata/slowfn as the template of a WebApp would describe it.
func slowApp(streaming bool, integrationTimeout time.Duration) assembly.WebApp {
	a := assembly.WebApp{
		Record: assembly.Record{Construct: "Test/Slow", ModuleDir: ".", Entry: "./infra/goapigw/testdata/slowfn"},
		API: assembly.API{Stage: "prod", Resources: []string{"/", "/{proxy+}"}, BinaryMediaTypes: []string{"*/*"},
			IntegrationTimeout: integrationTimeout, TransferMode: "BUFFERED"},
		Function: assembly.Function{MemorySize: 128, Timeout: integrationTimeout + 5*time.Second,
			Environment: map[string]string{"APIGW_INTEGRATION_TIMEOUT_MS": itoa(int(integrationTimeout.Milliseconds()))}},
	}
	if streaming {
		a.API.TransferMode = "STREAM"
		a.Function.Environment["APIGW_RESPONSE_TRANSFER_MODE"] = "STREAM"
	}
	return a
}

func itoa(n int) string { return strconv.Itoa(n) }

func pattern(i int) byte { return byte(i*7 + i/251) }

// TestStreamingThroughTheRunner serves slowfn from a STREAM integration
// under the local Runtime API.
func TestStreamingThroughTheRunner(t *testing.T) {
	s, _ := running(t, slowApp(true, 3*time.Second))

	t.Run("a body above 6 MB arrives byte-exact", func(t *testing.T) {
		const n = 12<<20 + 12345
		res, body := fetch(t, "GET", s.StageURL+"big?n="+itoa(n))
		if res.StatusCode != 200 || len(body) != n {
			t.Fatalf("got %d with %d bytes, want %d", res.StatusCode, len(body), n)
		}
		for i, b := range body {
			if b != pattern(i) {
				t.Fatalf("byte %d: got %d, want %d", i, b, pattern(i))
			}
		}
		if res.Header.Get("Content-Length") != "" || len(res.TransferEncoding) == 0 || res.TransferEncoding[0] != "chunked" {
			t.Errorf("framing: Content-Length %q, Transfer-Encoding %v; want a chunked stream", res.Header.Get("Content-Length"), res.TransferEncoding)
		}
	})
	t.Run("the first line arrives before the handler ends", func(t *testing.T) {
		start := time.Now()
		res, err := http.Get(s.DomainURL + "lines")
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		br := bufio.NewReader(res.Body)
		first, err := br.ReadString('\n')
		firstAt := time.Since(start)
		if err != nil || first != "line 1\n" {
			t.Fatalf("first line: %q, %v", first, err)
		}
		rest, _ := io.ReadAll(br)
		all := time.Since(start)
		if string(rest) != "line 2\nline 3\nline 4\nline 5\n" {
			t.Errorf("rest: %q", rest)
		}
		if firstAt > all-1000*time.Millisecond {
			t.Errorf("first line after %v, whole body after %v: want the first line about 1.2 s before the end", firstAt, all)
		}
		t.Logf("first line after %v, the whole body after %v", firstAt, all)
	})
	t.Run("a panic after the headers cuts the stream", func(t *testing.T) {
		res, err := http.Get(s.StageURL + "late-panic")
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		body, err := io.ReadAll(res.Body)
		if res.StatusCode != 200 || string(body) != "the start" || err == nil {
			t.Errorf("got %d %q, read error %v; want the first bytes, then a broken stream", res.StatusCode, body, err)
		}
	})
	t.Run("past the deadline before the headers: 504", func(t *testing.T) {
		res, body := fetch(t, "GET", s.StageURL+"slow")
		if res.StatusCode != 504 || !bytes.Contains(body, []byte("Gateway Timeout")) {
			t.Errorf("got %d %q, want the adapter's 504", res.StatusCode, body)
		}
	})
	t.Run("HEAD and the bare prefix", func(t *testing.T) {
		res, body := fetch(t, "HEAD", s.StageURL+"big?n=100")
		if res.StatusCode != 200 || len(body) != 0 {
			t.Errorf("HEAD: got %d with %d bytes", res.StatusCode, len(body))
		}
		res, _ = fetch(t, "GET", strings.TrimSuffix(s.StageURL, "/"))
		if res.StatusCode != 301 || res.Header.Get("Location") != "/prod/" {
			t.Errorf("bare prefix: got %d %q", res.StatusCode, res.Header.Get("Location"))
		}
	})
}

// TestStreamedAnswersMatchTheRIE serves the sample app's streamed answers
// under the real RIE (which holds them until the invocation ends) and under
// the local Runtime API: below 6 MB they must decode to the same pages, and
// to the pages the buffered mode gives.
func TestStreamedAnswersMatchTheRIE(t *testing.T) {
	dev := devApp(t)
	if !dev.API.Streaming() {
		t.Fatalf("the dev stack's integrations are %s, want STREAM", dev.API.TransferMode)
	}
	buffered := dev
	buffered.API.TransferMode = "BUFFERED"
	buffered.Function.Environment = map[string]string{}
	for k, v := range dev.Function.Environment {
		if k != "APIGW_RESPONSE_TRANSFER_MODE" {
			buffered.Function.Environment[k] = v
		}
	}
	stacks := map[string]*stack{}
	stacks["stream, local Runtime API"], _ = running(t, dev)
	stacks["buffered, RIE"], _ = runningWith(t, buffered, func(c *stackConfig) { c.underRIE = true })
	stacks["buffered, local Runtime API"], _ = running(t, buffered)
	stacks["stream, RIE"] = rieStreaming(t, dev)
	both := []string{"stream, local Runtime API", "stream, RIE"}
	all := append(both, "buffered, RIE", "buffered, local Runtime API")
	paths := []struct {
		path     string
		runtimes []string
	}{
		// The home page says which mode it is served in; the long
		// computation is served only where the function streams.
		{"", both}, {"?date=1993-01-01", both},
		{"days?date=1993-13-45", all}, {"no/such/page", all}, {"favicon.ico", all}, {"progress?seconds=1", both},
	}
	for _, pr := range paths {
		p := pr.path
		t.Run("/"+p, func(t *testing.T) {
			var ref string
			var refStatus int
			for _, name := range pr.runtimes {
				res, body := fetch(t, "GET", stacks[name].StageURL+p)
				got := normalize(string(body))
				if ref == "" {
					ref, refStatus = got, res.StatusCode
					continue
				}
				if res.StatusCode != refStatus || got != ref {
					t.Errorf("%s: got %d\n%s\nwant %d\n%s", name, res.StatusCode, got, refStatus, ref)
				}
			}
		})
	}
}

// normalize drops what differs between two runs of the same page: the time
// the computation took.
func normalize(s string) string {
	if i := strings.Index(s, "</strong> in "); i >= 0 {
		if j := strings.Index(s[i:], "."); j >= 0 {
			return s[:i] + s[i+j:]
		}
	}
	return s
}

// rieStreaming runs a streaming bootstrap under the real RIE, behind a
// STREAM gateway: the RIE holds the whole answer, then hands it on.
func rieStreaming(tb testing.TB, a assembly.WebApp) *stack {
	tb.Helper()
	s, _ := runningWith(tb, a, func(c *stackConfig) { c.underRIE = true })
	return s
}

// TestBrowserStreamsThroughTheRunner drives the dev stack's streaming
// pages in Chromium: the computation's first step shows before it ends,
// with and without JavaScript, at both doors, and the download link saves
// the whole file.
func TestBrowserStreamsThroughTheRunner(t *testing.T) {
	chromium := webtest.Chromium(t)
	dev := devApp(t)
	dev.Function.Environment["PROGRESS_SECONDS"] = "4"
	s, _ := running(t, dev)
	for _, door := range []struct{ name, url string }{{"stage URL", s.StageURL}, {"custom domain", s.DomainURL}} {
		t.Run(door.name+", script", func(t *testing.T) { webtest.CheckProgress(t, chromium, door.url, 4, true) })
		t.Run(door.name+", no script", func(t *testing.T) { webtest.CheckProgress(t, chromium, door.url, 4, false) })
	}
	t.Run("download", func(t *testing.T) {
		file := webtest.Download(t, chromium, s.StageURL)
		lines := bytes.Split(bytes.TrimSuffix(file, []byte("\n")), []byte("\n"))
		last := strings.Split(string(lines[len(lines)-1]), ",")
		if len(file) < 10<<20 || string(lines[0]) != "hour_utc,weekday,day_of_life,hour_of_life" ||
			!strings.HasPrefix(string(lines[1]), "1900-01-01T00:00:00Z,Monday,1,1") || len(last) != 4 || last[3] != strconv.Itoa(len(lines)-1) {
			t.Errorf("saved %d bytes, %d lines, first %q, last %q: want the whole CSV (every hour since 1900, over 10 MB)", len(file), len(lines), lines[min(1, len(lines)-1)], lines[len(lines)-1])
		}
		fmt.Printf("download through the local stack: %.1f MB saved by Chromium, %d rows\n", float64(len(file))/(1<<20), len(lines)-1)
	})
}

// peakRSS is a process's peak resident set (VmHWM), in bytes.
func peakRSS(tb testing.TB, pid int) int64 {
	tb.Helper()
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		tb.Fatalf("read the bootstrap's status: %v", err)
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			if err != nil {
				tb.Fatal(err)
			}
			return kb << 10
		}
	}
	tb.Fatal("no VmHWM in /proc/PID/status")
	return 0
}

// TestStreamingMemoryOfTheBootstrap streams 50 MB from the real bootstrap
// and bounds its peak RSS: the body is never held whole.
func TestStreamingMemoryOfTheBootstrap(t *testing.T) {
	const n, bound = 50 << 20, 32 << 20
	s, _ := running(t, slowApp(true, 20*time.Second))
	res, body := fetch(t, "GET", s.StageURL+"big?n="+itoa(n))
	if res.StatusCode != 200 || len(body) != n {
		t.Fatalf("got %d with %d bytes", res.StatusCode, len(body))
	}
	rss := peakRSS(t, s.pgid())
	fmt.Printf("streaming 50 MB: the bootstrap's peak RSS is %.1f MB (bound %d MB)\n", float64(rss)/(1<<20), bound>>20)
	if rss > bound {
		t.Errorf("peak RSS %d bytes while streaming 50 MB; want under %d", rss, bound)
	}
}
