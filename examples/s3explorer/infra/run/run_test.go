package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/chromedp/chromedp"

	"example.com/s3explorer/infra/locals3"
)

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func freePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func chromium(t testing.TB) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if ci := os.Getenv("CI"); ci != "" && ci != "false" && ci != "0" {
		t.Fatal("browser test failed: chromium is not installed, and CI must run the browser tests")
	}
	t.Skip("browser test skipped: chromium is not installed; apt-get install -y chromium")
	return ""
}

// browser is a fresh headless Chromium.
func browser(t testing.TB, execPath string) context.Context {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(execPath), chromedp.NoSandbox, chromedp.Flag("headless", true),
		chromedp.Flag("disable-gpu", true), chromedp.Flag("no-first-run", true),
		chromedp.UserDataDir(t.TempDir()))
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(actx)
	ctx, cancelTimeout := context.WithTimeout(ctx, 120*time.Second)
	t.Cleanup(func() { cancelTimeout(); cancelCtx(); cancelAlloc() })
	// The first action starts the browser, which lives as long as ctx.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	return ctx
}

// signIn opens url, which sends the browser to the local provider's form,
// and signs in.
func signIn(t testing.TB, ctx context.Context, url, user, password string) {
	t.Helper()
	steps := []struct {
		name string
		a    chromedp.Action[chromedp.Void]
	}{
		{"open " + url, chromedp.Navigate(url)},
		{"see the sign-in form", chromedp.WaitVisible(chromedp.CSS("#username"))},
		{"type the name", chromedp.SendKeys(chromedp.CSS("#username"), user)},
		{"type the password", chromedp.SendKeys(chromedp.CSS("#password"), password)},
		{"submit", chromedp.Click(chromedp.CSS("button[type=submit]"))},
		{"land on the app", chromedp.WaitVisible(chromedp.CSS("header .who"))},
	}
	for _, s := range steps {
		sctx, cancel := context.WithTimeout(ctx, 20*time.Second)
		err := chromedp.Do(sctx, s.a)
		cancel()
		if err != nil {
			loc, _ := chromedp.Run(ctx, chromedp.Location())
			body, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("body")))
			t.Fatalf("sign in as %s: %s: %v; the browser is at %s showing %.300q", user, s.name, err, loc, body)
		}
	}
}

func eval[T any](t testing.TB, ctx context.Context, js string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](js, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("evaluate %s: %v", js, err)
	}
	return v
}

// TestExplorerInChromiumThroughTheRunner runs what `make run` runs (the
// local S3 server, seeded, and go tool goapigw with the users file) and
// drives the app in Chromium, signed in through the local provider.
func TestExplorerInChromiumThroughTheRunner(t *testing.T) {
	chrome := chromium(t)
	dir := t.TempDir()
	stagePort := freePort(t)
	t.Chdir("../..") // where cdk.json is, as make run
	out := &lockedBuffer{}
	s3url := make(chan string, 1)
	ctx, cancel := context.WithCancel(context.Background())
	// The repository's pinned CDK CLI, as the Makefile puts it on PATH.
	if root, err := filepath.Abs("../../node_modules/.bin"); err == nil {
		t.Setenv("PATH", root+string(os.PathListSeparator)+os.Getenv("PATH"))
	}
	var runErr error
	finished := make(chan struct{})
	started := time.Now()
	base := fmt.Sprintf("http://127.0.0.1:%d/prod", stagePort)
	go func() {
		defer close(finished)
		runErr = run(ctx, options{Addr: fmt.Sprintf("127.0.0.1:%d", freePort(t)), DataDir: filepath.Join(dir, "data"),
			EnvFile: filepath.Join(dir, "env.json"), Users: "local/users", Output: out, Ready: func(u string) { s3url <- u }},
			[]string{"-stage-port", strconv.Itoa(stagePort), "-domain-port", strconv.Itoa(freePort(t)), "-watch=false"})
	}()
	t.Cleanup(func() {
		cancel()
		<-finished
		if t.Failed() {
			t.Logf("runner output:\n%s", out.String())
		}
	})
	for {
		resp, err := http.Get(base + "/")
		if err == nil {
			resp.Body.Close()
			break
		}
		select {
		case <-finished:
			t.Fatalf("the runner stopped: %v\n%s", runErr, out.String())
		case <-time.After(200 * time.Millisecond):
		}
		if time.Since(started) > 4*time.Minute {
			t.Fatalf("the app did not answer at %s within 4 minutes\n%s", base, out.String())
		}
	}
	t.Logf("make run served in %v", time.Since(started).Round(time.Millisecond))
	srv := &locals3.Server{URL: <-s3url}
	s3c := srv.Client()

	editor := browser(t, chrome)
	signIn(t, editor, base+"/b/explorer-sample/logs/", "editor", "editor-pass")

	t.Run("page through 2,500 keys", func(t *testing.T) {
		start := time.Now()
		total, pages := 0, 0
		for {
			pages++
			total += eval[int](t, editor, `document.querySelectorAll('tbody a[href*="/o/explorer-sample/logs/"]').length`)
			next := eval[string](t, editor, `document.querySelector('a[rel=next]')?.href ?? ""`)
			if next == "" {
				break
			}
			if pages > 20 {
				t.Fatal("more than 20 pages")
			}
			// Follow the link as a click does; Navigate waits for the page.
			if err := chromedp.Do(editor, chromedp.Navigate(next), chromedp.WaitVisible(chromedp.CSS("p.pager"))); err != nil {
				t.Fatal(err)
			}
		}
		if total != locals3.LogCount || pages != 13 {
			t.Errorf("got %d keys on %d pages, want %d on 13", total, pages, locals3.LogCount)
		}
		fmt.Printf("explorer: %d pages of a 2,500-key folder in Chromium through the runner in %v (%v a page)\n", pages, time.Since(start).Round(time.Millisecond), (time.Since(start) / time.Duration(pages)).Round(time.Millisecond))
	})

	t.Run("previews", func(t *testing.T) {
		if err := chromedp.Do(editor, chromedp.Navigate(base+"/o/explorer-sample/docs/readme.txt"), chromedp.WaitVisible(chromedp.CSS("pre.text"))); err != nil {
			t.Fatal(err)
		}
		if got := eval[string](t, editor, `document.querySelector('pre.text').textContent`); !strings.Contains(got, "こんにちは") {
			t.Errorf("text preview: got %q", got)
		}
		if err := chromedp.Do(editor, chromedp.Navigate(base+"/o/explorer-sample/images/gradient.png"), chromedp.WaitVisible(chromedp.CSS("img.preview"))); err != nil {
			t.Fatal(err)
		}
		w := eval[int](t, editor, `new Promise(r => { const i = document.querySelector('img.preview'); i.complete ? r(i.naturalWidth) : i.onload = () => r(i.naturalWidth); })`)
		if w != 160 {
			t.Errorf("image preview: got naturalWidth %d, want 160", w)
		}
	})

	t.Run("save, then a conflicting save", func(t *testing.T) {
		edit := base + "/edit/explorer-sample/docs/readme.txt"
		if err := chromedp.Do(editor, chromedp.Navigate(edit), chromedp.WaitVisible(chromedp.CSS("textarea")),
			chromedp.SetValue(chromedp.CSS("textarea"), "edited in the browser\n"), chromedp.Click(chromedp.CSS("main button[type=submit]")), chromedp.WaitVisible(chromedp.CSS("p.ok"))); err != nil {
			t.Fatal(err)
		}
		// Load the editor, let someone else change the object, then save.
		if err := chromedp.Do(editor, chromedp.Navigate(edit), chromedp.WaitVisible(chromedp.CSS("textarea"))); err != nil {
			t.Fatal(err)
		}
		if _, err := s3c.PutObject(context.Background(), &s3.PutObjectInput{Bucket: aws.String(locals3.SampleBucket), Key: aws.String("docs/readme.txt"),
			Body: strings.NewReader("someone else's change\n"), ContentType: aws.String("text/plain; charset=utf-8")}); err != nil {
			t.Fatal(err)
		}
		if err := chromedp.Do(editor, chromedp.SetValue(chromedp.CSS("textarea"), "my stale edit\n"), chromedp.Click(chromedp.CSS("main button[type=submit]")), chromedp.WaitVisible(chromedp.CSS("p.problem"))); err != nil {
			t.Fatal(err)
		}
		if h1 := eval[string](t, editor, `document.querySelector('h1').textContent`); h1 != "Not saved: the object changed" {
			t.Errorf("after a conflicting save: got %q", h1)
		}
		if st := eval[int](t, editor, `performance.getEntriesByType('navigation')[0].responseStatus`); st != 412 {
			t.Errorf("conflict page status: got %d, want 412", st)
		}
	})

	t.Run("download past 6 MB", func(t *testing.T) {
		sum := sha256.Sum256(locals3.BigObject())
		start := time.Now()
		got := eval[string](t, editor, `fetch('`+base+`/download/explorer-sample/big/sample.bin').then(async r => {
		  const b = await r.arrayBuffer();
		  const h = [...new Uint8Array(await crypto.subtle.digest('SHA-256', b))].map(x => x.toString(16).padStart(2, '0')).join('');
		  return [r.status, r.headers.get('content-type'), r.headers.get('content-disposition'), r.headers.get('content-length'), b.byteLength, h].join(' | ');
		})`)
		took := time.Since(start)
		// The adapter drops Content-Length from a streamed answer ("the
		// stream has no length up front"), so through the runner the
		// header may be absent; when present it must be right.
		parts := strings.Split(got, " | ")
		if len(parts) != 6 {
			t.Fatalf("got %q", got)
		}
		want := []string{"200", "application/octet-stream", "attachment; filename=sample.bin", parts[3], strconv.Itoa(locals3.BigSize), hex.EncodeToString(sum[:])}
		if parts[3] != "" {
			want[3] = strconv.Itoa(locals3.BigSize)
		}
		if strings.Join(parts, " | ") != strings.Join(want, " | ") {
			t.Errorf("download: got %q, want %q", got, strings.Join(want, " | "))
		}
		fmt.Printf("explorer: download of %d bytes through the runner (streamed) in %v, byte-exact\n", locals3.BigSize, took.Round(time.Millisecond))
	})

	t.Run("upload, then delete", func(t *testing.T) {
		file := filepath.Join(t.TempDir(), "notes.md")
		if err := os.WriteFile(file, []byte("# Notes from the browser\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := chromedp.Do(editor, chromedp.Navigate(base+"/upload/explorer-sample/uploads/"), chromedp.WaitVisible(chromedp.CSS("input[name=file]")),
			chromedp.SetUploadFiles(chromedp.CSS("input[name=file]"), []string{file}), chromedp.Click(chromedp.CSS("main form[enctype] button[type=submit]")),
			chromedp.WaitVisible(chromedp.CSS("pre.text"))); err != nil {
			t.Fatal(err)
		}
		if got := eval[string](t, editor, `document.querySelector('pre.text').textContent`); got != "# Notes from the browser\n" {
			t.Errorf("the uploaded object's preview: got %q", got)
		}
		if err := chromedp.Do(editor, chromedp.Click(chromedp.CSS(`a[href$="/delete/explorer-sample/uploads/notes.md"]`)), chromedp.WaitVisible(chromedp.CSS("main form button[type=submit]")),
			chromedp.Click(chromedp.CSS("main form button[type=submit]")), chromedp.WaitVisible(chromedp.CSS("p.pager"))); err != nil {
			t.Fatal(err)
		}
		if _, err := s3c.HeadObject(context.Background(), &s3.HeadObjectInput{Bucket: aws.String(locals3.SampleBucket), Key: aws.String("uploads/notes.md")}); err == nil {
			t.Error("the object is still there after the delete")
		}
	})

	t.Run("a reader's edit and delete are refused", func(t *testing.T) {
		reader := browser(t, chrome)
		signIn(t, reader, base+"/", "reader", "reader-pass")
		got := eval[string](t, reader, `Promise.all([
		  fetch('`+base+`/edit/explorer-sample/docs/config.json', {method: 'POST', body: new URLSearchParams({etag: '"x"', content: 'x'})}),
		  fetch('`+base+`/delete/explorer-sample/docs/config.json', {method: 'POST'}),
		  fetch('`+base+`/edit/explorer-sample/docs/config.json'),
		]).then(rs => rs.map(r => r.status).join(' '))`)
		if got != "403 403 403" {
			t.Errorf("reader's save, delete, editor: got %s, want 403 403 403", got)
		}
		if _, err := s3c.HeadObject(context.Background(), &s3.HeadObjectInput{Bucket: aws.String(locals3.SampleBucket), Key: aws.String("docs/config.json")}); err != nil {
			t.Errorf("the object is gone after the reader's refused delete: %v", err)
		}
		// Sign-out ends the provider's session too (the page's CSP
		// form-action allows the provider): the next visit asks for the
		// password again.
		if err := chromedp.Do(reader, chromedp.Navigate(base+"/"), chromedp.Click(chromedp.CSS("span.who form button")),
			chromedp.WaitVisible(chromedp.CSS("#password"))); err != nil {
			loc, _ := chromedp.Run(reader, chromedp.Location())
			t.Fatalf("sign out: %v (now at %s)", err, loc)
		}
		if err := chromedp.Do(reader, chromedp.Navigate(base+"/"), chromedp.WaitVisible(chromedp.CSS("#password"))); err != nil {
			t.Errorf("after signing out, the app did not ask for a sign-in: %v", err)
		}
	})
}
