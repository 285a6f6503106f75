package main

import (
	"bufio"
	"bytes"
	"debug/elf"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/goapigw/webapp/infra/assembly"
)

// shopCopy copies testdata/shop, the app of another team in a module of its
// own, into a fresh directory and points its replace directive at this
// checkout, as a user with a local clone would.
func shopCopy(tb testing.TB) string {
	tb.Helper()
	repo, err := filepath.Abs(repoRoot)
	if err != nil {
		tb.Fatal(err)
	}
	src := filepath.Join("testdata", "shop")
	dst := filepath.Join(tb.TempDir(), "shop")
	err = filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if rel == "go.mod" {
			b = bytes.Replace(b, []byte("=> ../../../.."), []byte("=> "+repo), 1)
		}
		return os.WriteFile(filepath.Join(dst, rel), b, 0o644)
	})
	if err != nil {
		tb.Fatal(err)
	}
	return dst
}

// userEnv is the environment of a user's shell: the CDK CLI on PATH (this
// repository's pinned one), no workspace.
func userEnv(tb testing.TB) []string {
	tb.Helper()
	bin, err := filepath.Abs(filepath.Join(repoRoot, "node_modules", ".bin"))
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(bin, "cdk")); err != nil {
		tb.Fatalf("the CDK CLI is not installed (%v): run the tests with make test, which installs it", err)
	}
	return append(os.Environ(), "PATH="+bin+string(os.PathListSeparator)+os.Getenv("PATH"), "GOWORK=off", "GOFLAGS=")
}

func runIn(tb testing.TB, dir string, env []string, name string, args ...string) string {
	tb.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir, cmd.Env = dir, env
	out, err := cmd.CombinedOutput()
	if err != nil {
		tb.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return string(out)
}

// toolRun is `go tool goapigw` running in the background.
type toolRun struct {
	cmd       *exec.Cmd
	stage     string
	domain    string
	mu        sync.Mutex // guards output
	output    *bytes.Buffer
	sawSynth  bool
	startedIn time.Duration
}

var doorLine = regexp.MustCompile(`^\s+(stage URL|custom domain)\s+(http://\S+)$`)

// startTool runs `go tool goapigw args…` in dir and waits until it
// prints both doors.
func startTool(tb testing.TB, dir string, env []string, args ...string) *toolRun {
	tb.Helper()
	start := time.Now()
	cmd := exec.Command("go", append([]string{"tool", "goapigw", "-stage-port", "0", "-domain-port", "0"}, args...)...)
	cmd.Dir, cmd.Env = dir, env
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	pr, pw := io.Pipe()
	cmd.Stdout, cmd.Stderr = pw, pw
	if err := cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	r := &toolRun{cmd: cmd, output: &bytes.Buffer{}}
	ready := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			line := sc.Text()
			r.mu.Lock()
			r.output.WriteString(line + "\n")
			r.mu.Unlock()
			if strings.Contains(line, "] synthesizing") {
				r.sawSynth = true
			}
			if m := doorLine.FindStringSubmatch(line); m != nil {
				if m[1] == "stage URL" {
					r.stage = m[2]
				} else {
					r.domain = m[2]
					close(ready)
				}
			}
		}
	}()
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait(); pw.Close() }()
	tb.Cleanup(func() {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	})
	select {
	case <-ready:
	case err := <-exited:
		tb.Fatalf("go tool goapigw exited before serving: %v\n%s", err, r.output)
	case <-time.After(5 * time.Minute):
		tb.Fatalf("go tool goapigw did not serve within 5 minutes:\n%s", r.output)
	}
	r.startedIn = time.Since(start)
	r.stopCheck(tb, exited)
	return r
}

// stopCheck registers a cleanup that stops the run with Ctrl-C, as a user
// would, and checks that it leaves no process behind.
func (r *toolRun) stopCheck(tb testing.TB, exited chan error) {
	tb.Cleanup(func() {
		pgid := r.cmd.Process.Pid
		_ = syscall.Kill(-pgid, syscall.SIGINT)
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			tb.Errorf("go tool goapigw still running 10 s after Ctrl-C")
		}
		// Ctrl-C reaches the whole group; a synthesis or a build that a
		// reload had started (node, go run, go build) ends on it too, in
		// its own time. None may stay.
		var err error
		for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
			if err = syscall.Kill(-pgid, 0); err == syscall.ESRCH {
				break
			}
		}
		if err != syscall.ESRCH {
			tb.Errorf("a process of go tool goapigw is still running 5 s after Ctrl-C (kill -0: %v)", err)
		}
	})
}

// TestAnotherTeamsApp follows the README's "Use it in your own app" with
// the app in testdata/shop: its own module with two WebApps under nested
// constructs, one with escape hatches.
func TestAnotherTeamsApp(t *testing.T) {
	dir := shopCopy(t)
	env := userEnv(t)
	start := time.Now()
	// The module is replaced by this checkout and is on no proxy: with
	// GOPROXY=off the go command takes the replacement, as the README says.
	runIn(t, dir, append(env, "GOPROXY=off"), "go", "get", "-tool", "github.com/goapigw/webapp/infra/goapigw")
	runIn(t, dir, env, "go", "mod", "tidy")
	gomod, err := os.ReadFile(filepath.Join(dir, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(gomod, []byte("tool github.com/goapigw/webapp/infra/goapigw")) {
		t.Errorf("go.mod after go get -tool has no tool line:\n%s", gomod)
	}
	for _, dep := range []string{"chromedp", "aws-lambda-runtime-interface-emulator", "honnef.co/go/tools", "cdk-nag", "algnhsa", "aws-lambda-go-api-proxy"} {
		if bytes.Contains(gomod, []byte(dep)) {
			t.Errorf("the user's go.mod requires %s, a test-only or tool dependency of this repository:\n%s", dep, gomod)
		}
	}

	ls := startTool(t, dir, env, "-stack", "ShopStack", "-construct", "ShopStack/Storefront/Web")
	fmt.Printf("embedding: go get -tool and go mod tidy %.1f s; go tool goapigw serving after %.1f s (synthesized: %v); %.1f s in all\n",
		time.Since(start).Seconds()-ls.startedIn.Seconds(), ls.startedIn.Seconds(), ls.sawSynth, time.Since(start).Seconds())
	if !ls.sawSynth {
		t.Errorf("go tool goapigw did not synthesize a fresh app:\n%s", ls.output)
	}
	for _, door := range []struct{ name, base, prefix string }{
		{"stage URL", ls.stage, "/prod"},
		{"custom domain", ls.domain, ""},
	} {
		t.Run(door.name, func(t *testing.T) {
			res, body := fetch(t, "GET", door.base)
			if res.StatusCode != 200 || !bytes.Contains(body, []byte(`<a href="`+door.prefix+`/login">sign in</a>`)) {
				t.Fatalf("page: got %d %s", res.StatusCode, body)
			}
			res, _ = fetch(t, "GET", door.base+"login")
			if res.StatusCode != 302 || res.Header.Get("Location") != door.prefix+"/account" {
				t.Errorf("login: got %d Location %q, want 302 to %s/account", res.StatusCode, res.Header.Get("Location"), door.prefix)
			}
			if cookies := res.Header.Values("Set-Cookie"); len(cookies) != 2 || !strings.HasPrefix(cookies[0], "session=s1") || !strings.HasPrefix(cookies[1], "theme=dark") {
				t.Errorf("login cookies: got %q, want session and theme", cookies)
			}
			origin := strings.TrimSuffix(door.base, door.prefix+"/")
			res, body = fetch(t, "GET", origin+res.Header.Get("Location"))
			if res.StatusCode != 200 || string(body) != "your account\n" {
				t.Errorf("redirect target: got %d %q", res.StatusCode, body)
			}
		})
	}

	t.Run("assembly", func(t *testing.T) {
		// What the tool read: synthesized without bundling, in a directory
		// of its own.
		if asset, _ := filepath.Glob(filepath.Join(dir, "cdk.out", "goapigw", "asset.*", "bootstrap")); len(asset) > 0 {
			t.Errorf("go tool goapigw bundled assets (%v); want it to skip bundling and build for this machine itself", asset)
		}
		if _, err := os.Stat(filepath.Join(dir, "cdk.out", "manifest.json")); !os.IsNotExist(err) {
			t.Errorf("go tool goapigw wrote cdk.out/manifest.json (stat: %v); want its unbundled assembly kept out of the one cdk deploy --app cdk.out reads", err)
		}
		// What cdk synth writes, bundled for Lambda.
		cdk, err := filepath.Abs(filepath.Join(repoRoot, "node_modules", ".bin", "cdk"))
		if err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command(cdk, "synth", "--quiet")
		cmd.Dir, cmd.Env = dir, env
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("cdk synth: %v\n%s", err, out)
		}
		apps, err := assembly.Read(filepath.Join(dir, "cdk.out"))
		if err != nil {
			t.Fatal(err)
		}
		if len(apps) != 2 {
			t.Fatalf("WebApps: got %d, want 2:\n%s", len(apps), assembly.List(apps))
		}
		admin, web := apps[0], apps[1]
		if admin.Construct != "ShopStack/Backoffice/Admin" || web.Construct != "ShopStack/Storefront/Web" {
			t.Fatalf("construct paths: got %q and %q", admin.Construct, web.Construct)
		}
		wantEnv := map[string]string{"ROLE": "admin", "EXTRA": "x", "APIGW_INTEGRATION_TIMEOUT_MS": "29000"}
		for k, v := range wantEnv {
			if got := admin.Function.Environment[k]; got != v {
				t.Errorf("admin environment %s: got %q, want %q (merged: %v)", k, got, v, admin.Function.Environment)
			}
		}
		// The shop hangs a resource of its own under its WebApp.
		tmpl, err := os.ReadFile(web.Template)
		if err != nil {
			t.Fatal(err)
		}
		if !regexp.MustCompile(`"StorefrontWebUrlParameter[0-9A-F]{8}":\s*\{\s*"Type":\s*"AWS::SSM::Parameter"`).Match(tmpl) {
			t.Errorf("the template has no SSM parameter under ShopStack/Storefront/Web")
		}
		if admin.Function.Timeout != time.Minute || web.Function.MemorySize != 512 {
			t.Errorf("function settings: admin timeout %v, web memory %d", admin.Function.Timeout, web.Function.MemorySize)
		}
		for _, c := range []struct {
			app     assembly.WebApp
			machine elf.Machine
			marker  string
		}{
			{admin, elf.EM_X86_64, "back office: role="},
			{web, elf.EM_AARCH64, "<h1>The shop</h1>"},
		} {
			bin := assetBootstrap(t, dir, c.app)
			f, err := elf.Open(bin)
			if err != nil {
				t.Fatalf("%s: %v", c.app.Construct, err)
			}
			f.Close()
			b, _ := os.ReadFile(bin)
			if f.Machine != c.machine || !bytes.Contains(b, []byte(c.marker)) {
				t.Errorf("%s: bundled %v binary, marker %q found: %v; want the app's own %v binary", c.app.Construct, f.Machine, c.marker, bytes.Contains(b, []byte(c.marker)), c.machine)
			}
		}
	})

	t.Run("choosing", func(t *testing.T) {
		cmd := exec.Command("go", "tool", "goapigw")
		cmd.Dir, cmd.Env = dir, env
		out, err := cmd.CombinedOutput()
		if err == nil || !strings.Contains(string(out), "2 WebApps match") ||
			!strings.Contains(string(out), "-stack ShopStack -construct ShopStack/Storefront/Web") ||
			!strings.Contains(string(out), "-stack ShopStack -construct ShopStack/Backoffice/Admin") {
			t.Errorf("no choice with two WebApps: got %v\n%s", err, out)
		}
		cmd = exec.Command("go", "tool", "goapigw", "-construct", "ShopStack/Nope")
		cmd.Dir, cmd.Env = dir, env
		out, err = cmd.CombinedOutput()
		if err == nil || !strings.Contains(string(out), `no WebApp matches -construct "ShopStack/Nope"; there are:`) {
			t.Errorf("unknown construct: got %v\n%s", err, out)
		}
	})

	t.Run("bad merged timeout stops synth", func(t *testing.T) {
		// The user's shell finds cdk on the PATH of env; exec.Command
		// would look in this process's PATH.
		cdk, err := filepath.Abs(filepath.Join(repoRoot, "node_modules", ".bin", "cdk"))
		if err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command(cdk, "synth", "--quiet", "-o", t.TempDir(), "-c", "adminTimeoutSeconds=5000")
		cmd.Dir, cmd.Env = dir, env
		out, err := cmd.CombinedOutput()
		want := "FunctionProps.Timeout 5000 s is out of range: Lambda allows 1 to 900 seconds"
		if err == nil || !strings.Contains(string(out), want) {
			t.Errorf("cdk synth with a 5000 s escape-hatch timeout: got %v, want the message %q\n%s", err, want, out)
		}
	})
}

// assetBootstrap finds the bundled bootstrap of a WebApp's function.
func assetBootstrap(tb testing.TB, dir string, a assembly.WebApp) string {
	tb.Helper()
	b, err := os.ReadFile(a.Template)
	if err != nil {
		tb.Fatal(err)
	}
	var t struct {
		Resources map[string]struct {
			Metadata map[string]any
		}
	}
	if err := json.Unmarshal(b, &t); err != nil {
		tb.Fatal(err)
	}
	path, _ := t.Resources[a.Record.Function].Metadata["aws:asset:path"].(string)
	if path == "" {
		tb.Fatalf("%s: no aws:asset:path on the function", a.Construct)
	}
	return filepath.Join(dir, "cdk.out", path, "bootstrap")
}

// TestReadmeUseItInYourOwnApp keeps the README's section equal to the test
// app: the files it shows are the app's files, and its commands are the ones
// the test runs.
func TestReadmeUseItInYourOwnApp(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join(repoRoot, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(readme), "## Use it in your own app")
	if !ok {
		t.Fatal(`README has no "## Use it in your own app" section`)
	}
	section, _, _ = strings.Cut(section, "\n## ")
	for _, f := range []string{"cmd/web/main.go", "infra/main.go"} {
		b, err := os.ReadFile(filepath.Join("testdata", "shop", f))
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(section, "```go\n"+string(b)+"```") {
			t.Errorf("README's section does not show testdata/shop/%s as it is", f)
		}
	}
	for _, cmd := range []string{
		"GOPROXY=off go get -tool github.com/goapigw/webapp/infra/goapigw",
		"go tool goapigw -stack ShopStack -construct ShopStack/Storefront/Web",
	} {
		if !strings.Contains(section, cmd) {
			t.Errorf("README's section lacks the command %q", cmd)
		}
	}
}
