// Package webtest drives the sample app's page in headless Chromium the way a
// user does, for the browser tests of the web app and of the local stack.
//
// Chromium comes from Debian's package (apt-get install -y chromium). Without
// it, [Chromium] skips the test with a message that says so ("browser test
// skipped: ...", which make test counts), except under CI (CI set, and not
// "false" or "0"), where a missing browser fails the test.
package webtest

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	cdpbrowser "github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/fetch"
	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/goapigw/webapp/function/web"
)

// SkipMessage is why a browser test skips: in the form "<kind> test
// skipped: <why>" that make test's closing line counts.
const SkipMessage = "browser test skipped: chromium is not installed; apt-get install -y chromium"

// Chromium returns the path of the browser, or skips the test.
func Chromium(tb testing.TB) string {
	tb.Helper()
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if ci := os.Getenv("CI"); ci != "" && ci != "false" && ci != "0" {
		tb.Fatal("browser test failed: chromium is not installed, and CI must run the browser tests; .ci/run installs it with apt-get install -y chromium")
	}
	tb.Skip(SkipMessage)
	return ""
}

// browser starts a fresh headless Chromium with the flags these machines need.
func browser(tb testing.TB, execPath string) context.Context {
	tb.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(execPath),
		chromedp.NoSandbox,
		chromedp.Flag("headless", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("lang", "en-US"),
		chromedp.UserDataDir(tb.TempDir()),
		chromedp.WindowSize(1024, 900),
	)
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(actx)
	ctx, cancelTimeout := context.WithTimeout(ctx, 60*time.Second)
	tb.Cleanup(func() { cancelTimeout(); cancelCtx(); cancelAlloc() })
	return ctx
}

// recorder collects what a page load costs and what went wrong.
type recorder struct {
	mu        sync.Mutex
	redirects int
	cached    map[network.RequestID]bool
	requests  map[network.RequestID]string
	bytes     float64
	failed    []string
	errors    []string
}

func newRecorder() *recorder {
	return &recorder{requests: map[network.RequestID]string{}, cached: map[network.RequestID]bool{}}
}

func (r *recorder) reset() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.requests = map[network.RequestID]string{}
	r.cached = map[network.RequestID]bool{}
	r.bytes = 0
	r.redirects = 0
}

func (r *recorder) listen(ev any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	switch e := ev.(type) {
	case *network.EventRequestWillBeSent:
		if !strings.HasPrefix(e.Request.URL, "data:") {
			r.requests[e.RequestID] = e.Request.URL
		}
		if e.RedirectResponse != nil {
			r.redirects++ // the same request id follows the redirect
		}
	case *network.EventRequestServedFromCache:
		r.cached[e.RequestID] = true
	case *network.EventResponseReceived:
		if e.Response.FromDiskCache || e.Response.FromPrefetchCache || e.Response.FromServiceWorker {
			r.cached[e.RequestID] = true
		}
		if e.Response.Status >= 400 {
			r.failed = append(r.failed, fmt.Sprintf("%d %s", e.Response.Status, e.Response.URL))
		}
	case *network.EventLoadingFinished:
		r.bytes += e.EncodedDataLength
	case *network.EventLoadingFailed:
		if !e.Canceled {
			r.failed = append(r.failed, fmt.Sprintf("%s: %s", r.requests[e.RequestID], e.ErrorText))
		}
	case *runtime.EventConsoleAPICalled:
		if e.Type == runtime.ConsoleAPICalledTypeError || e.Type == runtime.ConsoleAPICalledTypeWarning {
			r.errors = append(r.errors, fmt.Sprintf("console.%s", e.Type))
		}
	case *runtime.EventExceptionThrown:
		r.errors = append(r.errors, "exception: "+e.ExceptionDetails.Text)
	case *cdplog.EventEntryAdded:
		if e.Entry.Level == cdplog.EntryLevelError || e.Entry.Level == cdplog.EntryLevelWarning {
			r.errors = append(r.errors, fmt.Sprintf("%s: %s (%s)", e.Entry.Source, e.Entry.Text, e.Entry.URL))
		}
	}
}

// onNetwork returns how many requests reached the server (cache hits left
// out, redirects counted) and the bytes received.
func (r *recorder) onNetwork() (n int, bytes float64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for id := range r.requests {
		if !r.cached[id] {
			n++
		}
	}
	return n + r.redirects, r.bytes
}

// Cost is what one page view cost on the network.
type Cost struct {
	FirstRequests, RepeatRequests int
	FirstBytes, RepeatBytes       float64
	RepeatServed                  []int // statuses the server sent for the repeat view
}

func (c Cost) String() string {
	return fmt.Sprintf("first view %d requests, %.1f KB; repeat view %d requests, %.1f KB, server answered %v",
		c.FirstRequests, c.FirstBytes/1000, c.RepeatRequests, c.RepeatBytes/1000, c.RepeatServed)
}

func start(tb testing.TB, execPath string) (context.Context, *recorder) {
	tb.Helper()
	ctx := browser(tb, execPath)
	rec := newRecorder()
	if err := chromedp.Listen(ctx, rec.listen); err != nil {
		tb.Fatal(err)
	}
	if _, err := chromedp.Call(ctx, network.Enable, network.EnableParams{}); err != nil {
		tb.Fatal(err)
	}
	if _, err := chromedp.Call(ctx, cdplog.Enable, cdp.Empty{}); err != nil {
		tb.Fatal(err)
	}
	return ctx, rec
}

// Check loads the page at url, checks the picture, picks a date the way a
// user does and waits for the answer to appear in place. It then loads the
// page again to measure the repeat view. now is the test's idea of today;
// served returns the statuses the server has answered so far, so that the
// repeat view can be checked on the server's side (DevTools reports a
// revalidated page with the cached status).
func Check(tb testing.TB, execPath, url string, now time.Time, served func() []int) Cost {
	tb.Helper()
	ctx, rec := start(tb, execPath)
	must := func(err error, what string) {
		tb.Helper()
		if err != nil {
			tb.Fatalf("%s: %v", what, err)
		}
	}

	must(chromedp.Do(ctx, chromedp.Navigate(url), chromedp.WaitVisible("#birthdate")), "load "+url)
	heading, err := chromedp.Run(ctx, chromedp.Text("h1"))
	must(err, "read h1")
	if heading != "Hello World!" {
		tb.Errorf("h1: got %q, want %q", heading, "Hello World!")
	}
	// The image and the script have loaded once "load" fired; wait for it.
	_, err = chromedp.Run(ctx, chromedp.Evaluate[bool](`new Promise(r => document.readyState === "complete" ? r(true) : addEventListener("load", () => r(true)))`, chromedp.EvalAwaitPromise))
	must(err, "wait for load")
	width, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelector("figure img").naturalWidth`))
	must(err, "read naturalWidth")
	if width <= 0 {
		tb.Errorf("architecture picture not decoded: naturalWidth %d", width)
	}
	out, err := chromedp.Run(ctx, chromedp.Text("#birthdate-output"))
	must(err, "read output")
	if strings.TrimSpace(out) != "" {
		tb.Errorf("output before any pick: got %q, want nothing (as in the seed)", out)
	}

	var cost Cost
	cost.FirstRequests, cost.FirstBytes = rec.onNetwork()

	// A marker that a full reload would wipe out.
	_, err = chromedp.Run(ctx, chromedp.Evaluate[bool](`window.__noReload = true`))
	must(err, "set marker")
	// Pick 1990-02-01 by typing into the date field, as a keyboard user does
	// (en-US order: month, day, year).
	must(chromedp.Do(ctx, chromedp.Focus("#birthdate"), chromedp.SendKeys("#birthdate", "02011990")), "type a date")
	days, err := web.DaysSince("1990-02-01", now)
	must(err, "expected days")
	want := fmt.Sprintf("You're %d days young!", days)
	_, err = chromedp.Run(ctx, chromedp.Poll[bool](fmt.Sprintf(`document.getElementById("birthdate-output").textContent === %q`, want), chromedp.WithPollingTimeout(10*time.Second)))
	if err != nil {
		got, _ := chromedp.Run(ctx, chromedp.Text("#birthdate-output"))
		value, _ := chromedp.Run(ctx, chromedp.Value("#birthdate"))
		tb.Fatalf("wait for %q: %v (output %q, field value %q)", want, err, got, value)
	}
	strong, err := chromedp.Run(ctx, chromedp.Text("#birthdate-output strong"))
	must(err, "read strong")
	if strong != fmt.Sprint(days) {
		tb.Errorf("<strong>: got %q, want %d", strong, days)
	}
	kept, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`window.__noReload === true`))
	must(err, "read marker")
	if !kept {
		tb.Error("the page reloaded; want the answer updated in place")
	}

	// Repeat view: the HTML revalidates (304), the hashed assets come from cache.
	before := len(served())
	rec.reset()
	must(chromedp.Do(ctx, chromedp.Navigate(url), chromedp.WaitVisible("#birthdate")), "reload "+url)
	_, _ = chromedp.Run(ctx, chromedp.Sleep(300*time.Millisecond))
	cost.RepeatRequests, cost.RepeatBytes = rec.onNetwork()
	cost.RepeatServed = served()[before:]
	if n := len(cost.RepeatServed); n == 0 || cost.RepeatServed[n-1] != 304 {
		tb.Errorf("repeat view: server answered %v, want it to end with one 304", cost.RepeatServed)
	}
	rec.mu.Lock()
	failed, errs := rec.failed, rec.errors
	rec.mu.Unlock()

	if len(failed) > 0 {
		tb.Errorf("failed requests: %q", failed)
	}
	if len(errs) > 0 {
		tb.Errorf("console errors: %q", errs)
	}
	return cost
}

// CheckWithoutScript loads the page with JavaScript disabled, submits the form
// and checks that the answer arrives with the new page.
func CheckWithoutScript(tb testing.TB, execPath, url string, now time.Time) {
	tb.Helper()
	ctx, rec := start(tb, execPath)
	if _, err := chromedp.Call(ctx, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true}); err != nil {
		tb.Fatal(err)
	}
	err := chromedp.Do(ctx,
		chromedp.Navigate(url),
		chromedp.WaitVisible("#birthdate"),
		chromedp.SetValue("#birthdate", "1993-01-01"),
		chromedp.Click(`button[type="submit"]`),
		chromedp.WaitVisible("#birthdate-output strong"),
	)
	if err != nil {
		tb.Fatalf("submit the form without JavaScript: %v", err)
	}
	days, _ := web.DaysSince("1993-01-01", now)
	got, err := chromedp.Run(ctx, chromedp.Text("#birthdate-output"))
	if err != nil {
		tb.Fatal(err)
	}
	if want := fmt.Sprintf("You're %d days young!", days); got != want {
		tb.Errorf("answer: got %q, want %q", got, want)
	}
	loc, _ := chromedp.Run(ctx, chromedp.Location())
	if !strings.Contains(loc, "date=1993-01-01") {
		tb.Errorf("location after submit: got %q, want the date in the query", loc)
	}
	rec.mu.Lock()
	defer rec.mu.Unlock()
	if len(rec.failed) > 0 {
		tb.Errorf("failed requests: %q", rec.failed)
	}
}

// Screenshot saves a PNG of the whole page at url.
func Screenshot(tb testing.TB, execPath, url, file string) {
	tb.Helper()
	ctx := browser(tb, execPath)
	if err := chromedp.Do(ctx, chromedp.Navigate(url), chromedp.WaitVisible("#birthdate-output strong")); err != nil {
		tb.Fatal(err)
	}
	_, _ = chromedp.Run(ctx, chromedp.Evaluate[bool](`new Promise(r => document.readyState === "complete" ? r(true) : addEventListener("load", () => r(true)))`, chromedp.EvalAwaitPromise))
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		tb.Fatal(err)
	}
	if err := os.WriteFile(file, png, 0o644); err != nil {
		tb.Fatal(err)
	}
}

// CheckProgress runs the long computation of seconds seconds from the page
// at url (the app's home) and checks that its first step is on screen
// before the last: with script, in place on the home page (server-sent
// events); without, in the streamed page the link opens.
func CheckProgress(tb testing.TB, execPath, url string, seconds int, script bool) {
	tb.Helper()
	ctx, _ := start(tb, execPath)
	if !script {
		if _, err := chromedp.Call(ctx, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true}); err != nil {
			tb.Fatal(err)
		}
	}
	if err := chromedp.Do(ctx, chromedp.Navigate(url), chromedp.WaitVisible("#progress-link")); err != nil {
		tb.Fatalf("load the home page: %v", err)
	}
	// What the page shows: the steps done so far, and whether it is done.
	state := `(() => {
	  const live = document.getElementById("progress-text");
	  if (live) return [live.textContent.startsWith("Step") ? parseInt(live.textContent.slice(5)) : 0, live.textContent.startsWith("Done")];
	  return [document.querySelectorAll("#steps li").length, !!document.getElementById("done")];
	})()`
	if script {
		if err := chromedp.Do(ctx, chromedp.Click("#progress-link")); err != nil {
			tb.Fatal(err)
		}
	} else {
		// Clicking waits for nothing: the streamed page loads for the whole
		// computation, and the test watches it grow.
		href, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.getElementById("progress-link").href`))
		if err != nil {
			tb.Fatal(err)
		}
		if _, err := chromedp.Call(ctx, page.Navigate, page.NavigateParams{URL: href}); err != nil {
			tb.Fatal(err)
		}
	}
	deadline := time.Now().Add(time.Duration(seconds)*time.Second + 20*time.Second)
	sawPartial := false
	for time.Now().Before(deadline) {
		s, err := chromedp.Run(ctx, chromedp.Evaluate[[]any](state))
		if err == nil && len(s) == 2 {
			steps, _ := s[0].(float64)
			done, _ := s[1].(bool)
			if done {
				if !sawPartial {
					tb.Errorf("the computation showed no step before it was done")
				}
				return
			}
			if steps >= 1 && int(steps) < seconds {
				sawPartial = true
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	tb.Fatalf("the %d-second computation did not finish on the page within %v", seconds, time.Duration(seconds)*time.Second+20*time.Second)
}

// Download clicks the page's download link and returns the saved file.
func Download(tb testing.TB, execPath, url string) []byte {
	tb.Helper()
	ctx, _ := start(tb, execPath)
	dir := tb.TempDir()
	done := make(chan string, 1)
	chromedp.ListenBrowser(ctx, func(ev any) {
		if e, ok := ev.(*cdpbrowser.EventDownloadProgress); ok && e.State == cdpbrowser.DownloadProgressStateCompleted {
			select {
			case done <- e.GUID:
			default:
			}
		}
	})
	events := true
	if _, err := chromedp.CallBrowser(ctx, cdpbrowser.SetDownloadBehavior, cdpbrowser.SetDownloadBehaviorParams{
		Behavior: cdpbrowser.SetDownloadBehaviorBehaviorAllowAndName, DownloadPath: dir, EventsEnabled: &events,
	}); err != nil {
		tb.Fatal(err)
	}
	if err := chromedp.Do(ctx, chromedp.Navigate(url), chromedp.WaitVisible("#download-link"), chromedp.Click("#download-link")); err != nil {
		tb.Fatalf("click the download link: %v", err)
	}
	select {
	case guid := <-done:
		b, err := os.ReadFile(filepath.Join(dir, guid))
		if err != nil {
			tb.Fatal(err)
		}
		return b
	case <-time.After(90 * time.Second):
		tb.Fatal("the download did not complete within 90 s")
	}
	return nil
}

// Login loads the page at url, answers the browser's Basic authentication
// prompt with user and password, and returns the name the page says is
// signed in and the realm the prompt showed. It fails the test if no
// prompt came.
func Login(tb testing.TB, execPath, url, user, password string) (signedIn, realm string) {
	tb.Helper()
	ctx := browser(tb, execPath)
	realms := make(chan string, 16)
	err := chromedp.Listen(ctx, func(ev any) {
		switch e := ev.(type) {
		case *fetch.EventAuthRequired:
			realms <- e.AuthChallenge.Realm
			go func() {
				_, _ = chromedp.Call(ctx, fetch.ContinueWithAuth, fetch.ContinueWithAuthParams{RequestID: e.RequestID,
					AuthChallengeResponse: &fetch.AuthChallengeResponse{Response: fetch.AuthChallengeResponseResponseProvideCredentials, Username: user, Password: password}})
			}()
		case *fetch.EventRequestPaused:
			go func() {
				_, _ = chromedp.Call(ctx, fetch.ContinueRequest, fetch.ContinueRequestParams{RequestID: e.RequestID})
			}()
		}
	})
	if err != nil {
		tb.Fatal(err)
	}
	on := true
	if _, err := chromedp.Call(ctx, fetch.Enable, fetch.EnableParams{HandleAuthRequests: &on}); err != nil {
		tb.Fatal(err)
	}
	if err := chromedp.Do(ctx, chromedp.Navigate(url), chromedp.WaitVisible("#user")); err != nil {
		tb.Fatalf("log in at %s: %v", url, err)
	}
	signedIn, err = chromedp.Run(ctx, chromedp.Text("#user"))
	if err != nil {
		tb.Fatal(err)
	}
	select {
	case realm = <-realms:
	default:
		tb.Error("the browser showed no login prompt")
	}
	return signedIn, realm
}

// Visit loads the page at url in a fresh browser, as a new viewer does,
// and waits until it and everything it loads are in.
func Visit(tb testing.TB, execPath, url string) {
	tb.Helper()
	ctx := browser(tb, execPath)
	if err := chromedp.Do(ctx, chromedp.Navigate(url), chromedp.WaitVisible("#birthdate")); err != nil {
		tb.Fatalf("load %s: %v", url, err)
	}
	ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`new Promise(r => {
	  const done = () => r([...document.images].every(i => i.complete && i.naturalWidth > 0));
	  document.readyState === "complete" ? done() : addEventListener("load", done);
	})`, chromedp.EvalAwaitPromise))
	if err != nil || !ok {
		tb.Fatalf("the page at %s did not load completely: %v", url, err)
	}
}

// Browser starts a headless Chromium with a profile of its own for the
// test; its cookies last until the test ends, so a test can sign in, come
// back and sign out in one browser.
func Browser(tb testing.TB, execPath string) context.Context {
	tb.Helper()
	return browser(tb, execPath)
}

// SignIn opens url in the browser ctx, expects the OpenID provider's
// sign-in form (fields username and password, as Cognito's managed login
// and the local provider have them), signs in, and returns the name the
// app's page shows (#user) and the URL it landed on.
func SignIn(tb testing.TB, ctx context.Context, url, user, password string) (name, landed string) {
	tb.Helper()
	err := chromedp.Do(ctx,
		chromedp.Navigate(url),
		chromedp.WaitVisible("#username"),
		chromedp.SendKeys("#username", user),
		chromedp.SendKeys("#password", password),
		chromedp.Submit("#password"),
		chromedp.WaitVisible("#user"),
	)
	if err != nil {
		loc, _ := chromedp.Run(ctx, chromedp.Location())
		tb.Fatalf("sign in at %s (now at %s): %v", url, loc, err)
	}
	return pageUser(tb, ctx)
}

// SignedIn loads url in the browser ctx and returns the name its page shows
// and the URL it landed on, failing when the page asks for a sign-in.
func SignedIn(tb testing.TB, ctx context.Context, url string) (name, landed string) {
	tb.Helper()
	if err := chromedp.Do(ctx, chromedp.Navigate(url), chromedp.WaitReady("body")); err != nil {
		tb.Fatalf("load %s: %v", url, err)
	}
	return pageUser(tb, ctx)
}

// SignOut presses the page's "Sign out" button and returns the URL the
// browser lands on once the page there has a body.
func SignOut(tb testing.TB, ctx context.Context) string {
	tb.Helper()
	if err := chromedp.Do(ctx, chromedp.Click(`footer form button`), chromedp.WaitNotPresent("#user"), chromedp.WaitReady("body")); err != nil {
		tb.Fatalf("sign out: %v", err)
	}
	loc, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		tb.Fatal(err)
	}
	return loc
}

func pageUser(tb testing.TB, ctx context.Context) (name, landed string) {
	tb.Helper()
	loc, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		tb.Fatal(err)
	}
	n, err := chromedp.Run(ctx, chromedp.Evaluate[string](`(document.getElementById("user") || {}).textContent || ""`))
	if err != nil {
		tb.Fatal(err)
	}
	return n, loc
}
