package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/goapigw/webapp/function/web/webtest"
	"github.com/goapigw/webapp/infra/assembly"
)

// repoRoot is this repository's root, where its cdk.json is.
const repoRoot = "../.."

// repoAssembly synthesizes this repository's CDK app once, with the CDK CLI
// the way goapigw does, and returns the WebApps of the cloud assembly.
var repoAssembly = sync.OnceValues(func() ([]assembly.WebApp, error) {
	out, err := os.MkdirTemp("", "goapigw-synth-")
	if err != nil {
		return nil, err
	}
	cfg := cdkConfig{dir: repoRoot, output: out, assembly: out}
	var log bytes.Buffer
	if err := synth(context.Background(), cfg, &log); err != nil {
		return nil, fmt.Errorf("%w\n%s", err, log.String())
	}
	return assembly.Read(out)
})

// envApp is the WebApp of one of this repository's environments.
func envApp(tb testing.TB, env string) assembly.WebApp {
	tb.Helper()
	apps, err := repoAssembly()
	if err != nil {
		tb.Fatal(err)
	}
	a, err := choose(apps, options{env: env})
	if err != nil {
		tb.Fatal(err)
	}
	return a
}

func devApp(tb testing.TB) assembly.WebApp { tb.Helper(); return envApp(tb, "dev") }

func TestDevApp(t *testing.T) {
	a := devApp(t)
	if a.Stack != "GoWebApp-dev" || a.Construct != "GoWebApp-dev/WebApp" || a.ModuleDir != "." || a.Module != "github.com/goapigw/webapp" || a.Entry != "./function" {
		t.Errorf("record: got %+v", a.Record)
	}
	if a.API.Stage != "prod" || !slices.Equal(a.API.Resources, []string{"/", "/{proxy+}"}) || !slices.Equal(a.API.BinaryMediaTypes, []string{"*/*"}) {
		t.Errorf("API: got %+v", a.API)
	}
	if a.API.IntegrationTimeout != 29*time.Second {
		t.Errorf("integration timeout: got %v, want 29s", a.API.IntegrationTimeout)
	}
	f := a.Function
	if f.MemorySize != 1024 || f.Timeout != 30*time.Second || f.Architecture != "arm64" || f.Environment["APIGW_INTEGRATION_TIMEOUT_MS"] != "29000" {
		t.Errorf("function: got %+v", f)
	}
}

// running starts a stack on free ports and stops it at the end of the test.
func running(tb testing.TB, a assembly.WebApp) (*stack, *served) {
	tb.Helper()
	return runningWith(tb, a, nil)
}

// runningWith is running with a change to the stack's configuration; tests
// stream at full speed.
func runningWith(tb testing.TB, a assembly.WebApp, change func(*stackConfig)) (*stack, *served) {
	tb.Helper()
	var logs lockedBuffer
	cfg := stackConfig{
		App: a, AppDir: repoRoot, WorkDir: tb.TempDir(), Log: &logs,
		StageAddr: "127.0.0.1:0", DomainAddr: "127.0.0.1:0", NoThrottle: true,
	}
	if change != nil {
		change(&cfg)
	}
	s, err := startStack(context.Background(), cfg)
	if err != nil {
		tb.Fatal(err)
	}
	sv := &served{}
	go func() {
		for i := range s.Invocations {
			sv.add(i.Status)
		}
	}()
	tb.Cleanup(func() {
		pgids := s.pgids()
		s.Close()
		for _, pgid := range pgids {
			if err := syscall.Kill(-pgid, 0); err != syscall.ESRCH {
				tb.Errorf("a process of the stack is still running after Close (kill -0: %v)", err)
			}
		}
		if tb.Failed() {
			tb.Logf("stack log:\n%s", logs.String())
		}
	})
	return s, sv
}

type served struct {
	mu       sync.Mutex
	statuses []int
}

func (s *served) add(status int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.statuses = append(s.statuses, status)
}

func (s *served) all() []int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.statuses)
}

var noRedirect = &http.Client{Timeout: 40 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

func fetch(tb testing.TB, method, url string) (*http.Response, []byte) {
	tb.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		tb.Fatal(err)
	}
	res, err := noRedirect.Do(req)
	if err != nil {
		tb.Fatal(err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		tb.Fatal(err)
	}
	return res, body
}

// TestBothDoorsThroughTheEmulator serves the real bootstrap under the Lambda
// runtime interface emulator and checks each door as a client sees it.
func TestBothDoorsThroughTheEmulator(t *testing.T) {
	s, _ := running(t, devApp(t))
	picture, err := os.ReadFile(filepath.Join(repoRoot, "function", "web", "assets", "arch.png"))
	if err != nil {
		t.Fatal(err)
	}
	imgSrc := regexp.MustCompile(`<img src="([^"]+)"`)
	for _, door := range []struct{ name, base, prefix string }{
		{name: "stage URL", base: s.StageURL, prefix: "/prod"},
		{name: "custom domain", base: s.DomainURL, prefix: ""},
	} {
		t.Run(door.name, func(t *testing.T) {
			res, body := fetch(t, "GET", door.base)
			if res.StatusCode != 200 || !bytes.Contains(body, []byte("<h1>Hello World!</h1>")) {
				t.Fatalf("page: got %d\n%s", res.StatusCode, body)
			}
			m := imgSrc.FindSubmatch(body)
			if m == nil || !strings.HasPrefix(string(m[1]), door.prefix+"/assets/") {
				t.Fatalf("image src: got %q, want it under %q", m, door.prefix+"/assets/")
			}
			root := strings.TrimSuffix(door.base, door.prefix+"/")
			res, img := fetch(t, "GET", root+string(m[1]))
			if res.StatusCode != 200 || !bytes.Equal(img, picture) || res.Header.Get("Content-Type") != "image/png" {
				t.Errorf("image: got %d, %d bytes of %s; want the %d bytes of arch.png", res.StatusCode, len(img), res.Header.Get("Content-Type"), len(picture))
			}
			res, body = fetch(t, "GET", door.base+"?date=1993-01-01")
			if res.StatusCode != 200 || !regexp.MustCompile(`You're <strong>\d+</strong> days young!`).Match(body) {
				t.Errorf("form answer: got %d\n%s", res.StatusCode, body)
			}
			res, body = fetch(t, "GET", door.base+"days?date=1993-13-45")
			if res.StatusCode != 400 || !bytes.Contains(body, []byte("is not a real date")) {
				t.Errorf("bad date: got %d %s", res.StatusCode, body)
			}
			res, body = fetch(t, "GET", door.base+"no/such/page")
			if res.StatusCode != 404 || !bytes.Contains(body, []byte(`href="`+door.prefix+`/"`)) {
				t.Errorf("404 page: got %d\n%s", res.StatusCode, body)
			}
			res, body = fetch(t, "HEAD", door.base)
			if res.StatusCode != 200 || len(body) != 0 {
				t.Errorf("HEAD: got %d with %d body bytes", res.StatusCode, len(body))
			}
		})
	}
	t.Run("stage without slash", func(t *testing.T) {
		res, _ := fetch(t, "GET", strings.TrimSuffix(s.StageURL, "/"))
		if res.StatusCode != 301 || res.Header.Get("Location") != "/prod/" {
			t.Errorf("got %d Location %q, want 301 to /prod/", res.StatusCode, res.Header.Get("Location"))
		}
	})
	t.Run("outside the stage", func(t *testing.T) {
		res, body := fetch(t, "GET", strings.TrimSuffix(s.StageURL, "prod/")+"dev/")
		if res.StatusCode != 403 || string(body) != `{"message":"Forbidden"}` {
			t.Errorf("got %d %s, want API Gateway's 403", res.StatusCode, body)
		}
	})
}

func TestIntegrationTimeoutThroughTheEmulator(t *testing.T) {
	a := assembly.WebApp{
		Record:   assembly.Record{Construct: "Test/Slow", ModuleDir: ".", Entry: "./infra/goapigw/testdata/slowfn"},
		API:      assembly.API{Stage: "prod", Resources: []string{"/", "/{proxy+}"}, BinaryMediaTypes: []string{"*/*"}, IntegrationTimeout: time.Second},
		Function: assembly.Function{MemorySize: 128, Timeout: 5 * time.Second},
	}
	s, _ := running(t, a)
	if res, body := fetch(t, "GET", s.StageURL); res.StatusCode != 200 || string(body) != "fast" {
		t.Fatalf("fast path: got %d %q", res.StatusCode, body)
	}
	start := time.Now()
	res, body := fetch(t, "GET", s.StageURL+"slow")
	took := time.Since(start)
	if res.StatusCode != 504 || string(body) != `{"message":"Endpoint request timed out"}` {
		t.Errorf("slow path: got %d %s, want API Gateway's 504", res.StatusCode, body)
	}
	if took < time.Second || took > 2500*time.Millisecond {
		t.Errorf("504 after %v, want it at the 1 s integration timeout", took)
	}
	// The invocation goes on after the 504, as in Lambda, and the one local
	// execution environment is busy until the handler's 3 s are over.
	time.Sleep(3*time.Second - took + 300*time.Millisecond)
	if res, body := fetch(t, "GET", s.StageURL); res.StatusCode != 200 || string(body) != "fast" {
		t.Errorf("after the slow invocation: got %d %q, want the function to serve again", res.StatusCode, body)
	}
}

func TestBrowserThroughTheEmulator(t *testing.T) {
	chromium := webtest.Chromium(t)
	s, sv := running(t, devApp(t))
	for _, door := range []struct{ name, url string }{{"stage URL", s.StageURL}, {"custom domain", s.DomainURL}} {
		t.Run(door.name, func(t *testing.T) {
			cost := webtest.Check(t, chromium, door.url, time.Now(), sv.all)
			fmt.Printf("page cost through the emulator (%s): %s\n", door.name, cost)
		})
	}
}

// TestLoad sends 2,000 requests, 20 at a time, through the stack on
// loopback. It asserts no errors and prints latency and throughput; it is a
// benchmark, not a timed test.
func TestLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("load test skipped in -short mode")
	}
	const total, workers = 2000, 20
	// 20 clients at once need 20 execution environments, and a few more:
	// an environment is free again only once its runtime asks for the next
	// invocation, a moment after its client has the answer. Without a
	// reserved concurrency the cap is lambdalocal.DefaultMaxConcurrency.
	a := devApp(t)
	a.Function.ReservedConcurrency = workers + workers/2
	s, _ := running(t, a)
	urls := []string{s.StageURL, s.StageURL + "days?date=1993-01-01", s.DomainURL, s.DomainURL + "favicon.ico"}
	latencies := make([]time.Duration, total)
	var errs []string
	var mu sync.Mutex
	next := make(chan int)
	var wg sync.WaitGroup
	client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: workers}}
	start := time.Now()
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				t0 := time.Now()
				res, err := client.Get(urls[i%len(urls)])
				if err == nil {
					_, _ = io.Copy(io.Discard, res.Body)
					res.Body.Close()
					if res.StatusCode >= 400 {
						err = fmt.Errorf("status %d", res.StatusCode)
					}
				}
				latencies[i] = time.Since(t0)
				if err != nil {
					mu.Lock()
					errs = append(errs, err.Error())
					mu.Unlock()
				}
			}
		}()
	}
	for i := range total {
		next <- i
	}
	close(next)
	wg.Wait()
	elapsed := time.Since(start)
	if len(errs) > 0 {
		t.Errorf("%d of %d requests failed, first: %s", len(errs), total, errs[0])
	}
	sort.Slice(latencies, func(i, j int) bool { return latencies[i] < latencies[j] })
	fmt.Printf("load through the emulator: %d requests, %d concurrent, %d errors; p50 %.1f ms, p99 %.1f ms, %.0f requests/s\n",
		total, workers, len(errs), ms(latencies[total/2]), ms(latencies[total*99/100]), float64(total)/elapsed.Seconds())
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
