// Command goapigw runs a WebApp of any CDK app on this machine without
// Docker — the `sam local start-api` of package lambdaweb: the function's
// real bootstrap under a local Lambda Runtime API (package lambdalocal),
// behind an API Gateway REST emulator with two front doors (the stage URL
// and a custom domain) and, for a WebApp with a distribution, a CloudFront
// door, configured from the CloudFormation template cdk deploy would use.
//
// Add it to the module of a CDK app that uses the construct and run it in
// the app's directory (where cdk.json is):
//
//	go get -tool github.com/goapigw/webapp/infra/goapigw
//	go tool goapigw
//
// It synthesizes with the app's own CDK CLI (node_modules/.bin/cdk, else cdk
// on PATH) unless cdk.out is newer than every Go file, go.mod, go.sum and
// cdk.json there, finds every WebApp in the cloud assembly, and serves the
// one chosen by -stack and -construct (or -env NAME, the stack NAME or
// "<anything>-NAME"); with only one, it needs neither. -template FILE reads
// one synthesized template instead. The app's go.mod needs only the tool line.
//
// It watches, unless -watch=false: saving a change to the function's code
// (a Go file of one of its packages, an embedded file, go.mod, go.sum)
// rebuilds the bootstrap, and the next request is served by the new code;
// requests that arrive during the build wait for it, and a request or
// stream already running finishes on the old runtime. A build error is
// printed, and the doors answer it as a 502 page with the compiler's
// message (HTML for a browser, text otherwise) until the next good build.
// Saving a change to the CDK app (cdk.json, its other Go files) synthesizes
// again and serves the new template — new environment variables, another
// stage name, a distribution — on the same ports; a failed synthesis is
// printed and the previous template stays. The log shows each reload and
// its time ("reloaded ./cmd/web in 1.2 s (build 0.9 s)"). The watcher
// (fsnotify) skips cdk.out, node_modules, .git, bin, testdata, hidden
// directories, test files and editors' temporary files; with -template it
// watches only the function.
//
// What it keeps out: the doors answer only requests whose Host is
// localhost, 127.x.x.x or [::1] (421 otherwise: a web page that rebinds its
// name to 127.0.0.1 does not reach the app); the Runtime API admits only the
// runtime it started; the function's environment is the template's
// variables and Lambda's own, nothing of this shell's — AWS credentials
// only with -aws-credentials; the access log shows paths without their
// query strings. A function that verifies CloudFront's origin header (the
// construct gave it ORIGIN_VERIFY_SECRET_ARN) gets a secret generated for
// the run, in a 0600 file named by ORIGIN_VERIFY_SECRET_FILE; the CloudFront
// door sends it, the stage and domain doors do not, as in AWS.
//
// A WebApp with Login signs people in through a local OpenID provider
// (package oidclocal: the endpoints of Cognito's managed login, RS256
// tokens) on 127.0.0.1:3003 (-login-port), with the users of -users FILE,
// lines name:password[:group,group]; without -users it stops and says so.
// The provider's one app client has every door's callback and sign-out URL;
// the function gets the provider's issuer, that client, and secrets made for
// the run in 0600 files (LOGIN_CLIENT_SECRET_FILE, LOGIN_SESSION_SECRET_FILE)
// in place of the secrets' ARNs. -id-token-lifetime shortens the tokens'
// lifetime to watch the session refresh itself.
package main

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/goapigw/webapp/infra/assembly"
)

type options struct {
	env, stack, construct, template string
	htpasswd                        string
	users                           string
	loginPort                       int
	idTokenLifetime                 time.Duration
	stagePort, domainPort, cdnPort  int
	verbose, noThrottle             bool
	awsCredentials                  bool
	watch                           bool
	envVars                         string
}

func main() {
	var o options
	flag.StringVar(&o.env, "env", "", "serve the stack named `NAME` or ending in -NAME (GoWebApp-dev for -env dev)")
	flag.StringVar(&o.stack, "stack", "", "serve a WebApp of this `stack` (its name as cdk ls prints it)")
	flag.StringVar(&o.construct, "construct", "", "serve the WebApp at this construct `path` (as in aws:cdk:path, e.g. ShopStack/Storefront/Web)")
	flag.StringVar(&o.template, "template", "", "read this synthesized template `file` instead of synthesizing")
	flag.StringVar(&o.htpasswd, "htpasswd", "", "users for a WebApp with basic auth: a `file` of htpasswd -nbB lines, read by the real authorizer in place of the secret")
	flag.StringVar(&o.users, "users", "", "users for a WebApp with Login: a `file` of lines name:password[:group,group], for the local OpenID provider that stands in for the user pool")
	flag.IntVar(&o.loginPort, "login-port", 3003, "port of the local OpenID provider, for a WebApp with Login")
	flag.DurationVar(&o.idTokenLifetime, "id-token-lifetime", time.Hour, "lifetime of the local provider's ID and access tokens (more than 1m; a short one such as 2m shows the silent refresh)")
	flag.IntVar(&o.stagePort, "stage-port", 3000, "port of the stage-URL door")
	flag.IntVar(&o.domainPort, "domain-port", 3001, "port of the custom-domain door")
	flag.IntVar(&o.cdnPort, "cloudfront-port", 3002, "port of the CloudFront door, for a WebApp with a distribution")
	flag.BoolVar(&o.verbose, "v", false, "also print the function's and the emulator's own log lines")
	flag.BoolVar(&o.noThrottle, "no-throttle", false, "stream at full speed past 10 MB (API Gateway slows a stream to 2 MB/s there)")
	flag.StringVar(&o.envVars, "env-vars", "", "set or override the functions' environment variables from this JSON `file`, as sam local start-api --env-vars: {\"Parameters\": {...}} for every function, {\"<logical ID or construct path>\": {...}} for one")
	flag.BoolVar(&o.awsCredentials, "aws-credentials", false, "hand the function this shell's AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN and AWS_REGION (default: no credentials, region \"local\")")
	flag.BoolVar(&o.watch, "watch", true, "rebuild the function when its code changes and re-synthesize when the CDK app changes (-watch=false: serve what was built at start)")
	flag.Parse()
	if flag.NArg() > 0 {
		fmt.Fprintf(os.Stderr, "goapigw: unexpected argument %q; see -help\n", flag.Arg(0))
		os.Exit(2)
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, o, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "goapigw:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, o options, out io.Writer) error {
	var creds []string
	if o.awsCredentials {
		var err error
		if creds, err = shellCredentials(os.Getenv); err != nil {
			return err
		}
	}
	var ev envVars
	if o.envVars != "" {
		var warnings []string
		var err error
		if ev, warnings, err = readEnvVars(o.envVars); err != nil {
			return err
		}
		for _, w := range warnings {
			fmt.Fprintln(out, "warning:", w)
		}
	}
	app, err := find(ctx, o, out)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "[2/3] %s\n", app)
	if app.Authorizer != nil {
		fmt.Fprintf(out, "      basic auth, realm %q, authorizer results cached %d s; users from %s\n", app.Authorizer.Realm, app.Authorizer.CacheSeconds, cmp.Or(o.htpasswd, "(none: pass -htpasswd FILE)"))
	} else if o.htpasswd != "" {
		fmt.Fprintf(out, "      -htpasswd %s is ignored: %s has no basic auth\n", o.htpasswd, app.Construct)
	}
	if usesLogin(app.Function) {
		fmt.Fprintf(out, "      sign-in (Login): a local OpenID provider on 127.0.0.1:%d stands in for the user pool; users from %s\n", o.loginPort, cmp.Or(o.users, "(none: pass -users FILE)"))
	} else if o.users != "" {
		fmt.Fprintf(out, "      -users %s is ignored: %s has no Login\n", o.users, app.Construct)
	}
	shellRegion := ""
	if o.awsCredentials {
		shellRegion = cmp.Or(os.Getenv("AWS_REGION"), os.Getenv("AWS_DEFAULT_REGION"))
	}
	prepareEnvironment(&app, shellRegion, ev, out)
	if verifiesOrigin(app.Function) {
		fmt.Fprintf(out, "      origin verification: a secret made for this run stands in for %s; only the CloudFront door sends it\n", originVerifySecretArnEnv)
	}
	if creds != nil {
		fmt.Fprintf(out, "      the function gets this shell's AWS credentials (-aws-credentials)\n")
	}
	work, err := os.MkdirTemp("", "goapigw-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)
	fmt.Fprintf(out, "[3/3] building %s for this machine and starting it under a local Lambda Runtime API\n", app.Entry)
	s, err := startStack(ctx, stackConfig{
		App: app, WorkDir: work, Log: out, Verbose: o.verbose, NoThrottle: o.noThrottle, Htpasswd: o.htpasswd, Credentials: creds,
		Users: o.users, LoginAddr: fmt.Sprintf("127.0.0.1:%d", o.loginPort), IDTokenLifetime: o.idTokenLifetime,
		StageAddr:      fmt.Sprintf("127.0.0.1:%d", o.stagePort),
		DomainAddr:     fmt.Sprintf("127.0.0.1:%d", o.domainPort),
		CloudFrontAddr: fmt.Sprintf("127.0.0.1:%d", o.cdnPort),
	})
	if err != nil {
		return err
	}
	defer s.Close()
	fmt.Fprintf(out, "\n%s runs locally:\n  stage URL      %s\n  custom domain  %s\n", app.Construct, s.StageURL, s.DomainURL)
	if s.CloudFrontURL != "" {
		fmt.Fprintf(out, "  CloudFront     %s\n", s.CloudFrontURL)
	}
	if s.login != nil {
		fmt.Fprintf(out, "  sign-in        %s (the local OpenID provider)\n", s.login.issuer)
	}
	if o.watch {
		startWatch(ctx, s, o, out)
	}
	fmt.Fprintf(out, "One line per request below; Ctrl-C stops everything.\n\n")
	select {
	case <-ctx.Done():
		fmt.Fprintln(out, "\nstopping")
		return nil
	case <-s.stopped:
		return s.stoppedErr()
	}
}

// find reads the WebApps of the template or the (fresh or new) cloud
// assembly and picks the one the flags choose.
func find(ctx context.Context, o options, out io.Writer) (assembly.WebApp, error) {
	if o.template != "" {
		apps, err := assembly.ReadTemplate(o.template)
		if err != nil {
			return assembly.WebApp{}, err
		}
		for i := range apps {
			apps[i].Stack = strings.TrimSuffix(filepath.Base(o.template), ".template.json")
		}
		fmt.Fprintf(out, "[1/3] reading %s\n", o.template)
		return choose(apps, o)
	}
	cfg, err := readCDKConfig(".")
	if err != nil {
		return assembly.WebApp{}, err
	}
	cfg.env, cfg.stack = o.env, o.stack
	// An up-to-date assembly may hold only the stack of another -env.
	if apps, err := assembly.Read(cfg.assembly); err == nil && !stale(cfg, apps) {
		if a, err := choose(apps, o); err == nil {
			fmt.Fprintf(out, "[1/3] %s is up to date\n", cfg.assembly)
			return a, nil
		}
	}
	if err := synth(ctx, cfg, out); err != nil {
		return assembly.WebApp{}, err
	}
	apps, err := assembly.Read(cfg.assembly)
	if err != nil {
		return assembly.WebApp{}, err
	}
	return choose(apps, o)
}

func choose(apps []assembly.WebApp, o options) (assembly.WebApp, error) {
	if o.env != "" && o.stack == "" {
		var inEnv []assembly.WebApp
		for _, a := range apps {
			for _, n := range []string{a.Stack, a.StackName} {
				if n == o.env || strings.HasSuffix(n, "-"+o.env) {
					inEnv = append(inEnv, a)
					break
				}
			}
		}
		if len(inEnv) == 0 && len(apps) > 0 {
			return assembly.WebApp{}, fmt.Errorf("no stack is named %q or ends in %q; the WebApps are:\n%s", o.env, "-"+o.env, assembly.List(apps))
		}
		apps = inEnv
	}
	return assembly.Select(apps, o.stack, o.construct)
}

// cdkConfig is what the local stack needs from cdk.json.
type cdkConfig struct {
	dir    string // where cdk.json is
	output string // the CDK CLI's cloud assembly directory (cdk.out)
	// assembly is the runner's own cloud assembly, synthesized without
	// bundling: a directory in output, so that cdk deploy --app cdk.out
	// never meets an assembly whose assets point at source directories.
	assembly string
	// env and stack are the runner's -env and -stack, passed to the app
	// as hints.
	env, stack string
}

func readCDKConfig(dir string) (cdkConfig, error) {
	b, err := os.ReadFile(filepath.Join(dir, "cdk.json"))
	if errors.Is(err, fs.ErrNotExist) {
		return cdkConfig{}, errors.New("no cdk.json in this directory: run go tool goapigw in your CDK app's directory, or pass -template FILE")
	} else if err != nil {
		return cdkConfig{}, err
	}
	var c struct {
		App    string `json:"app"`
		Output string `json:"output"`
	}
	if err := json.Unmarshal(b, &c); err != nil {
		return cdkConfig{}, fmt.Errorf("cdk.json: %w", err)
	}
	if strings.TrimSpace(c.App) == "" {
		return cdkConfig{}, errors.New(`cdk.json has no "app": add the command that runs your CDK app, such as "go run ."`)
	}
	cfg := cdkConfig{dir: dir, output: filepath.Join(dir, "cdk.out")}
	if c.Output != "" {
		cfg.output = filepath.Join(dir, c.Output)
	}
	cfg.assembly = filepath.Join(cfg.output, "goapigw")
	return cfg, nil
}

// cdkCommand finds the app's own CDK CLI: node_modules/.bin/cdk, else cdk on
// PATH. With the former, node_modules/.bin also goes first on the PATH of the
// synthesis, so a Node.js pinned there runs jsii.
func cdkCommand(dir string) (string, []string, error) {
	local := filepath.Join(dir, "node_modules", ".bin", "cdk")
	if _, err := os.Stat(local); err == nil {
		abs, err := filepath.Abs(local)
		if err != nil {
			return "", nil, err
		}
		return abs, append(os.Environ(), "PATH="+filepath.Dir(abs)+string(os.PathListSeparator)+os.Getenv("PATH")), nil
	}
	if p, err := exec.LookPath("cdk"); err == nil {
		return p, os.Environ(), nil
	}
	return "", nil, fmt.Errorf("no CDK CLI: neither %s nor cdk on PATH exists; install it with `npm install aws-cdk@2` in this directory, or pass -template FILE", local)
}

// synth synthesizes the app into cfg.assembly without bundling any asset:
// the runner builds the function for this machine itself, and what the
// construct records (module, entry) is metadata, there without bundling.
//
// It runs cdk list, not cdk synth: the CDK CLI bundles the assets of every
// stack for synth (or of the stacks named, with --exclusively), and it
// overrides a -c aws:cdk:bundling-stacks=[] with its own; for its other
// commands it synthesizes with aws:cdk:bundling-stacks=[] (its
// user-configuration.ts, BUNDLING_COMMANDS). The app still builds every
// stack, which without bundling takes a second or two. The assembly it
// writes has assets that point at their source directories, so it goes to
// a directory of its own (cfg.assembly), never to cdk.out, which cdk deploy
// --app cdk.out would publish; cdk deploy and cdk synth re-synthesize with
// bundling, into cdk.out.
//
// The runner's -env and -stack go to the app as context goapigw:env and
// goapigw:stack: an app that builds many stacks may build only that one
// (this repository's does), as the runner needs no other.
func synth(ctx context.Context, cfg cdkConfig, out io.Writer) error {
	cdk, env, err := cdkCommand(cfg.dir)
	if err != nil {
		return err
	}
	args := []string{"list", "--output", cfg.assembly}
	if cfg.env != "" {
		args = append(args, "-c", "goapigw:env="+cfg.env)
	}
	if cfg.stack != "" {
		args = append(args, "-c", "goapigw:stack="+cfg.stack)
	}
	shown := cdk
	if rel, err := filepath.Rel(cfg.dir, cdk); err == nil && !strings.HasPrefix(rel, "..") {
		shown = rel
	}
	fmt.Fprintf(out, "[1/3] synthesizing, without bundling assets, with %s %s (a first run compiles aws-cdk-go, about 75 s on 2 cores)\n", shown, strings.Join(args, " "))
	start := time.Now()
	cmd := exec.CommandContext(ctx, cdk, args...)
	cmd.Dir, cmd.Env = cfg.dir, env
	// The stack names it lists are not news; its errors are.
	cmd.Stdout, cmd.Stderr = io.Discard, os.Stderr
	done, ticked := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(ticked)
		t := time.NewTicker(10 * time.Second)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				fmt.Fprintf(out, "      still synthesizing, %.0f s\n", time.Since(start).Seconds())
			}
		}
	}()
	err = cmd.Run()
	close(done)
	<-ticked // its last line is written before the next one
	if err != nil {
		return fmt.Errorf("cdk synth: %w", err)
	}
	fmt.Fprintf(out, "      synthesized in %.1f s\n", time.Since(start).Seconds())
	return nil
}

// stale reports whether the runner's cloud assembly is older than a source
// that shapes it: cdk.json, or a Go file, go.mod or go.sum under the app's
// directory or under a WebApp's module directory (cdk.out left out).
func stale(cfg cdkConfig, apps []assembly.WebApp) bool {
	info, err := os.Stat(filepath.Join(cfg.assembly, "manifest.json"))
	if err != nil {
		return true
	}
	dirs := []string{cfg.dir}
	for _, a := range apps {
		dirs = append(dirs, filepath.Join(cfg.dir, a.ModuleDir))
	}
	outAbs, _ := filepath.Abs(cfg.output)
	for _, dir := range dirs {
		if newerUnder(dir, outAbs, info.ModTime()) {
			return true
		}
	}
	return false
}

func newerUnder(dir, skip string, t time.Time) bool {
	newer := false
	_ = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil
		}
		if d.IsDir() {
			abs, _ := filepath.Abs(p)
			if n := d.Name(); abs == skip || n == "node_modules" || n == ".git" || n == "testdata" || (n != "." && strings.HasPrefix(n, ".")) {
				return fs.SkipDir
			}
			return nil
		}
		n := d.Name()
		if strings.HasSuffix(n, "_test.go") {
			return nil
		}
		if n == "cdk.json" || n == "cdk.context.json" || n == "go.mod" || n == "go.sum" || n == "go.work" || strings.HasSuffix(n, ".go") {
			if info, err := d.Info(); err == nil && info.ModTime().After(t) {
				newer = true
				return fs.SkipAll
			}
		}
		return nil
	})
	return newer
}

// shellCredentials are the AWS credentials of this shell's environment, and
// its region, for -aws-credentials.
func shellCredentials(getenv func(string) string) ([]string, error) {
	if getenv("AWS_ACCESS_KEY_ID") == "" || getenv("AWS_SECRET_ACCESS_KEY") == "" {
		return nil, errors.New(`-aws-credentials hands the function AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN from this shell, and they are not set; with a profile or SSO, run eval "$(aws configure export-credentials --format env)" first`)
	}
	var creds []string
	for _, k := range []string{"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"} {
		if v := getenv(k); v != "" {
			creds = append(creds, k+"="+v)
		}
	}
	if region := cmp.Or(getenv("AWS_REGION"), getenv("AWS_DEFAULT_REGION")); region != "" {
		creds = append(creds, "AWS_REGION="+region, "AWS_DEFAULT_REGION="+region)
	}
	return creds, nil
}
