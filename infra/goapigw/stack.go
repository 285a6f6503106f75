package main

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/goapigw/webapp/infra/apigwlocal"
	"github.com/goapigw/webapp/infra/assembly"
	"github.com/goapigw/webapp/infra/cloudfrontlocal"
	"github.com/goapigw/webapp/infra/gobuild"
	"github.com/goapigw/webapp/infra/internal/loopback"
	"github.com/goapigw/webapp/infra/lambdalocal"
)

// stackConfig says what to run and where.
type stackConfig struct {
	App        assembly.WebApp
	AppDir     string // the CDK app's directory, which App.ModuleDir is relative to; default "."
	StageAddr  string // the stage-URL door, such as "127.0.0.1:3000"
	DomainAddr string // the custom-domain door, such as "127.0.0.1:3001"
	// CloudFrontAddr is the CloudFront door, served when the WebApp has a
	// distribution, such as "127.0.0.1:3002".
	CloudFrontAddr string
	WorkDir        string // holds the bootstrap, as /var/task does in Lambda
	Log            io.Writer
	Verbose        bool // forward the function's own log lines too
	// NoThrottle streams at full speed past 10 MB; API Gateway does not.
	NoThrottle bool
	// Htpasswd is the file of users for a WebApp with basic auth: the real
	// authorizer reads it in place of the secret.
	Htpasswd string
	// Credentials are AWS credentials (and the region) for the app's
	// function, such as AWS_ACCESS_KEY_ID=...: what -aws-credentials takes
	// from the shell. Default: none; nothing else of the shell's environment
	// reaches a function.
	Credentials []string
	// Users is the users file of the local OpenID provider, for a WebApp
	// with Login; LoginAddr is where the provider listens, such as
	// "127.0.0.1:3003"; IDTokenLifetime is its ID and access tokens'
	// lifetime (default 1 h, as the construct's).
	Users           string
	LoginAddr       string
	IDTokenLifetime time.Duration
	// underRIE runs the app's bootstrap under the real RIE (which holds a
	// streamed answer until the invocation ends, and whose ports any local
	// process can reach) instead of the local Runtime API: the reference
	// for the answers both runtimes can serve, in tests.
	underRIE bool
}

// stack is a running local stack: the function under a local Lambda Runtime
// API and two or three doors in front of it (API Gateway's, and CloudFront's
// for a WebApp with a distribution), each answering only loopback hosts.
// A reload (see reload.go) swaps the function's generation or the doors'
// configuration while the ports stay.
type stack struct {
	StageURL, DomainURL string
	CloudFrontURL       string // "" without a distribution
	cdn                 *cloudfrontlocal.Distribution
	Invocations         chan apigwlocal.Invocation // every request served, for tests; never blocks

	cfg          stackConfig       // cfg.App is the WebApp served now; guarded by mu
	ctx          context.Context   // the run's
	fn           assembly.Function // cfg.App.Function as it runs here (origin secret in a file)
	originSecret string            // "" when the function does not verify its origin
	login        *localLogin       // the local OpenID provider, for a WebApp with Login; nil without
	inv          *swapInvoker      // the app's function, in generations
	auth         *swapInvoker      // the basic-auth authorizer, under a Runtime API of its own; nil without
	authN        atomic.Int64      // authorizer invocations
	gate         *buildGate        // holds requests during a rebuild, answers 502 after a failed one
	builds       atomic.Int64      // bootstraps built, each in a directory of its own
	reloadMu     sync.Mutex        // one reload at a time
	stopped      chan struct{}     // closed if the runtime stops for good
	stopOnce     sync.Once
	stopErr      error
	mu           sync.Mutex
	doors        []*door
	initMu       sync.Mutex
	initMs       []float64 // INIT reports, each taken by the next access line
	logMu        sync.Mutex
}

// door is one front door: a listener that stays for the run and a handler
// that a reload replaces.
type door struct {
	name    string // "stage", "domain", "cloudfront"
	addr    string
	srv     *http.Server
	handler atomic.Pointer[http.Handler]
}

func (d *door) ServeHTTP(w http.ResponseWriter, r *http.Request) { (*d.handler.Load()).ServeHTTP(w, r) }

// moduleDir is where the WebApp's Go module is: its recorded ModuleDir,
// relative to the CDK app's directory, checked against the recorded module
// path.
func moduleDir(app assembly.WebApp, appDir string) (string, error) {
	dir := filepath.Join(appDir, filepath.FromSlash(app.ModuleDir))
	b, err := os.ReadFile(filepath.Join(dir, "go.mod"))
	if err != nil {
		return "", fmt.Errorf("%s builds %s from the module in %q (relative to the CDK app's directory), but it has no go.mod here: %w; run go tool goapigw where cdk.json is", app.Construct, app.Entry, app.ModuleDir, err)
	}
	if app.Module != "" && !bytes.Contains(b, []byte(app.Module)) {
		return "", fmt.Errorf("%s builds module %s, but %s declares another module; run go tool goapigw where cdk.json is", app.Construct, app.Module, filepath.Join(dir, "go.mod"))
	}
	return dir, nil
}

// buildBootstrap compiles the function for this machine with the construct's
// own recipe, so what runs locally is built the way cdk deploy builds it.
// Each build has a directory of its own: a runtime still serving a stream
// keeps its binary while the next one starts.
func (s *stack) buildBootstrap(app assembly.WebApp) (string, error) {
	dir, err := moduleDir(app, s.cfg.AppDir)
	if err != nil {
		return "", err
	}
	out := filepath.Join(s.cfg.WorkDir, "bootstrap")
	if n := s.builds.Add(1); n > 1 {
		out = filepath.Join(s.cfg.WorkDir, fmt.Sprintf("build-%d", n), "bootstrap")
		if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
			return "", err
		}
	}
	b := gobuild.Build{ModuleDir: dir, Entry: app.Entry, GOARCH: runtime.GOARCH, KeepPaths: true}
	if err := b.Run(out); err != nil {
		return "", err
	}
	return out, nil
}

// startStack builds the function, starts the emulator and serves both doors.
func startStack(ctx context.Context, cfg stackConfig) (*stack, error) {
	if runtime.GOOS != "linux" {
		return nil, fmt.Errorf("the local stack runs Linux bootstraps under the emulator; this is %s (serve the handler with net/http instead)", runtime.GOOS)
	}
	if err := checkAuth(cfg.App, cfg.Htpasswd); err != nil {
		return nil, err
	}
	if err := checkLogin(cfg.App, cfg.Users); err != nil {
		return nil, err
	}
	s := &stack{cfg: cfg, ctx: ctx, gate: newBuildGate(), Invocations: make(chan apigwlocal.Invocation, 4096), stopped: make(chan struct{})}
	bootstrap, err := s.buildBootstrap(cfg.App)
	if err != nil {
		return nil, err
	}
	if s.fn, s.originSecret, err = localOriginSecret(cfg.App.Function, cfg.WorkDir); err != nil {
		return nil, err
	}
	if s.fn, err = s.withLogin(s.fn); err != nil {
		return nil, err
	}
	env, err := s.startEnvironment(bootstrap, s.fn)
	if err != nil {
		return nil, err
	}
	s.inv = newSwapInvoker(env)
	if cfg.App.Authorizer != nil {
		authEnv, err := s.startAuthorizer(cfg.App)
		if err != nil {
			s.Close()
			return nil, err
		}
		s.auth = newSwapInvoker(authEnv)
	}
	if err := s.serve(cfg.App); err != nil {
		s.Close()
		return nil, err
	}
	if err := s.configureLogin(); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// domainPath is the custom-domain door's path: its base-path mapping.
func domainPath(basePath string) string {
	if basePath == "" {
		return "/"
	}
	return "/" + basePath + "/"
}

// withLogin is fn with the local OpenID provider in place of the user
// pool, started on first need; a function without Login is itself.
func (s *stack) withLogin(fn assembly.Function) (assembly.Function, error) {
	if !usesLogin(fn) {
		return fn, nil
	}
	if s.login == nil {
		ll, err := startLocalLogin(cmp.Or(s.cfg.LoginAddr, "127.0.0.1:0"), s.cfg.Users, s.cfg.IDTokenLifetime, s.cfg.WorkDir, s.logf)
		if err != nil {
			return fn, err
		}
		s.login = ll
	}
	return s.login.function(fn), nil
}

// configureLogin registers the doors' URLs with the local provider.
func (s *stack) configureLogin() error {
	if s.login == nil || !usesLogin(s.fn) {
		return nil
	}
	var bases []string
	s.mu.Lock()
	urls := []string{s.StageURL, s.DomainURL, s.CloudFrontURL}
	s.mu.Unlock()
	for _, u := range urls {
		if u != "" {
			bases = append(bases, u)
		}
	}
	return s.login.configure(bases)
}

func checkAuth(app assembly.WebApp, htpasswd string) error {
	if app.Authorizer != nil && htpasswd == "" {
		return fmt.Errorf("%s asks for basic authentication: pass -htpasswd FILE, a file of users written by htpasswd -nbB (for example: htpasswd -cbB users.htpasswd alice s3cret)", app.Construct)
	}
	return nil
}

// startEnvironment starts what runs the function's bootstrap. It is the one
// place that chooses it: each reload calls it for the new generation.
func (s *stack) startEnvironment(bootstrap string, fn assembly.Function) (environment, error) {
	cfg := s.cfg
	env := append(lambdaEnv("local-web-app", fn), cfg.Credentials...)
	onLine := func(line string) {
		if cfg.Verbose {
			s.logf("  λ %s", functionLine(line))
		}
	}
	if !cfg.underRIE {
		// Our Runtime API, in both transfer modes: the pinned RIE holds a
		// response until the invocation ends (STREAM integrations need a
		// Runtime API that streams), and it answers every local process
		// that finds its ports, where ours admits only the runtime it
		// started (see package lambdalocal). A pool of them: concurrent
		// requests run in concurrent environments, up to the function's
		// reserved concurrency, as in Lambda.
		api, err := lambdalocal.NewPool(lambdalocal.PoolConfig{
			Runtime: lambdalocal.RuntimeConfig{
				Bootstrap: bootstrap, Env: env, Timeout: fn.Timeout, OnInit: s.onInit, OnLine: onLine,
			},
			MaxConcurrency: fn.ReservedConcurrency,
		})
		if err != nil {
			return nil, err
		}
		return streamingInvoker{api}, nil
	}
	rieBin, err := lambdalocal.EmulatorBinary()
	if err != nil {
		return nil, err
	}
	emu, err := lambdalocal.StartEmulator(s.ctx, lambdalocal.EmulatorConfig{
		Binary: rieBin, Bootstrap: bootstrap, Env: env, OnInit: s.onInit, OnLine: onLine,
	})
	if err != nil {
		return nil, err
	}
	e := &rieEnvironment{emu: emu, serial: &serialInvoker{next: emu.RIE, slot: make(chan struct{}, 1)}}
	go func() {
		<-emu.Done()
		if !e.closing.Load() {
			s.stop(fmt.Errorf("the emulator stopped: %v", emu.Err()))
		}
	}()
	return e, nil
}

func (s *stack) onInit(ms float64) {
	s.initMu.Lock()
	s.initMs = append(s.initMs, ms)
	s.initMu.Unlock()
}

// stop ends the run: the runtime stopped for good.
func (s *stack) stop(err error) {
	s.stopOnce.Do(func() {
		s.stopErr = err
		close(s.stopped)
	})
}

// serve points the doors at app: it makes their handlers, and listens on
// the ports of doors it has not served yet (the CloudFront door of a WebApp
// that got a distribution). The ports of a run stay.
func (s *stack) serve(app assembly.WebApp) error {
	cfg := s.cfg
	var authorizer *apigwlocal.TokenAuthorizer
	if rec := app.Authorizer; rec != nil && s.auth != nil {
		authorizer = &apigwlocal.TokenAuthorizer{
			Invoker:  s.auth,
			CacheTTL: time.Duration(rec.CacheSeconds) * time.Second,
			Realm:    rec.Realm,
			OnInvoke: func() { s.authN.Add(1) },
		}
	}
	type want struct {
		name, addr string
		cfg        apigwlocal.Config
		url        *string
		path       string
	}
	wants := []want{
		{name: "stage", addr: cfg.StageAddr, cfg: apigwlocal.Config{StageURL: true}, url: &s.StageURL, path: "/" + app.API.Stage + "/"},
		{name: "domain", addr: cfg.DomainAddr, cfg: apigwlocal.Config{BasePath: app.API.BasePath}, url: &s.DomainURL, path: domainPath(app.API.BasePath)},
	}
	if app.CloudFront != nil && cfg.CloudFrontAddr != "" {
		wants = append(wants, want{name: "cloudfront", addr: cfg.CloudFrontAddr, cfg: apigwlocal.Config{StageURL: true}, url: &s.CloudFrontURL, path: "/"})
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	byName := map[string]*door{}
	for _, d := range s.doors {
		byName[d.name] = d
	}
	var doors []*door
	for _, w := range wants {
		w.cfg.Stage = app.API.Stage
		w.cfg.Resources = app.API.Resources
		w.cfg.BinaryMediaTypes = app.API.BinaryMediaTypes
		w.cfg.IntegrationTimeout = app.API.IntegrationTimeout
		w.cfg.Streaming = app.API.Streaming()
		w.cfg.Authorizer = authorizer
		w.cfg.StreamThrottle = !cfg.NoThrottle
		w.cfg.OnInvoke = s.accessLog
		var handler http.Handler = apigwlocal.New(s.inv, w.cfg)
		if w.name == "cloudfront" {
			// CloudFront in front of the stage, with the template's cache
			// policy and origin headers; a reload starts with an empty
			// cache.
			cf := app.CloudFront
			headers := maps.Clone(cf.OriginHeaders)
			if s.originSecret != "" {
				// The distribution's secret header; the stage and domain
				// doors do not send it, so there the function answers 403.
				if headers == nil {
					headers = map[string]string{}
				}
				headers[originVerifyHeader] = s.originSecret
			}
			s.cdn = cloudfrontlocal.New(cloudfrontlocal.Config{
				Origin: handler, OriginPath: "/" + app.API.Stage, OriginHeaders: headers, ViewerHostHeader: cf.ViewerHostHeader,
				Policy: cloudfrontlocal.Policy{Disabled: cf.CachingDisabled, MinTTL: cf.MinTTL, DefaultTTL: cf.DefaultTTL,
					MaxTTL: cf.MaxTTL, Headers: cf.Headers, QueryStrings: cf.QueryStrings},
			})
			handler = s.cdn
		}
		// Requests wait for a rebuild that runs, and get its error page
		// when it fails.
		handler = s.gate.handler(handler, s.logf)
		d := byName[w.name]
		delete(byName, w.name)
		if d == nil {
			l, err := net.Listen("tcp", w.addr)
			if err != nil {
				return fmt.Errorf("listen on %s: %w (choose another port with -stage-port / -domain-port / -cloudfront-port)", w.addr, err)
			}
			d = &door{name: w.name, addr: l.Addr().String()}
			// Only loopback hosts: a web page that rebinds its name to
			// 127.0.0.1 gets 421, not the app.
			d.srv = &http.Server{Handler: loopback.Handler(d), ReadHeaderTimeout: 10 * time.Second}
			d.handler.Store(&handler)
			go func() { _ = d.srv.Serve(l) }()
		}
		d.handler.Store(&handler)
		*w.url = "http://" + d.addr + w.path
		doors = append(doors, d)
	}
	for _, d := range byName { // a door the WebApp no longer has
		go func() { _ = d.srv.Shutdown(context.Background()) }()
		if d.name == "cloudfront" {
			s.CloudFrontURL, s.cdn = "", nil
		}
	}
	s.doors = doors
	s.cfg.App = app
	return nil
}

func (s *stack) logf(format string, args ...any) {
	s.logMu.Lock()
	defer s.logMu.Unlock()
	fmt.Fprintf(s.cfg.Log, format+"\n", args...)
}

// accessLog writes one line per request: method, path, status, latency, and
// the INIT duration when the request met a cold start.
func (s *stack) accessLog(i apigwlocal.Invocation) {
	select {
	case s.Invocations <- i:
	default:
	}
	s.initMu.Lock()
	var initMs float64
	if len(s.initMs) > 0 {
		initMs, s.initMs = s.initMs[0], s.initMs[1:]
	}
	s.initMu.Unlock()
	extra := ""
	if initMs > 0 {
		extra = fmt.Sprintf("  cold start, init %.1f ms", initMs)
	}
	switch i.Auth {
	case "invoked":
		extra += fmt.Sprintf("  authorizer invoked (%d so far)", s.authN.Load())
	case "cached":
		extra += "  authorizer cached"
	}
	if i.Err != nil {
		extra += "  (" + i.Err.Error() + ")"
	}
	s.logf("%s %-6s %-40s %d %8.1f ms %9s%s", time.Now().Format("15:04:05"), i.Method, i.Path, i.Status,
		float64(i.Duration.Microseconds())/1000, size(i.Bytes), extra)
}

// Close stops the doors and the emulator with everything it started.
func (s *stack) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	s.mu.Lock()
	doors := s.doors
	s.mu.Unlock()
	for _, d := range doors {
		_ = d.srv.Shutdown(ctx)
	}
	if s.inv != nil {
		s.inv.closeAll()
	}
	if s.auth != nil {
		s.auth.closeAll()
	}
	if s.login != nil {
		s.login.Close()
	}
	return nil
}

// pgid is the process group of the function's runtime (0 when none runs).
func (s *stack) pgid() int { return pgidOf(s.inv) }

// authPGID is the process group of the authorizer's runtime.
func (s *stack) authPGID() int { return pgidOf(s.auth) }

func pgidOf(inv *swapInvoker) int {
	if inv == nil {
		return 0
	}
	if p, ok := inv.current().(interface{ PGID() int }); ok {
		return p.PGID()
	}
	return 0
}

// pgids are the process groups of every running runtime of the current
// generations: the app's environments, or its emulator, and the
// authorizer's environments.
func (s *stack) pgids() []int {
	var ids []int
	for _, inv := range []*swapInvoker{s.inv, s.auth} {
		if inv == nil {
			continue
		}
		switch e := inv.current().(type) {
		case interface{ PGIDs() []int }:
			ids = append(ids, e.PGIDs()...)
		case interface{ PGID() int }:
			if id := e.PGID(); id != 0 {
				ids = append(ids, id)
			}
		}
	}
	return ids
}

// stoppedErr says why the runtime stopped for good.
func (s *stack) stoppedErr() error {
	return cmp.Or(s.stopErr, errors.New("the runtime stopped"))
}

// rieEnvironment is the app under the real RIE (underRIE, in tests): one
// invocation at a time, a streamed answer held until it ends.
type rieEnvironment struct {
	emu     *lambdalocal.Emulator
	serial  *serialInvoker
	closing atomic.Bool
}

func (e *rieEnvironment) Invoke(ctx context.Context, payload []byte) ([]byte, error) {
	return e.serial.Invoke(ctx, payload)
}

func (e *rieEnvironment) InvokeStream(ctx context.Context, payload []byte) (io.ReadCloser, error) {
	return heldStream{e.serial}.InvokeStream(ctx, payload)
}

func (e *rieEnvironment) Close() {
	e.closing.Store(true)
	e.emu.Close()
}

func (e *rieEnvironment) PGID() int { return e.emu.PGID() }

// heldStream serves a STREAM integration from a buffering invoker (the
// RIE): the whole streamed answer at once.
type heldStream struct{ apigwlocal.Invoker }

func (h heldStream) InvokeStream(ctx context.Context, payload []byte) (io.ReadCloser, error) {
	out, err := h.Invoke(ctx, payload)
	if err != nil {
		return nil, err
	}
	return io.NopCloser(bytes.NewReader(out)), nil
}

// streamingInvoker serves a STREAM integration from the Runtime API (a
// lambdalocal.Pool or RuntimeAPI).
type streamingInvoker struct{ api *lambdalocal.Pool }

func (s streamingInvoker) Invoke(ctx context.Context, payload []byte) ([]byte, error) {
	return s.api.Invoke(ctx, payload)
}

func (s streamingInvoker) InvokeStream(ctx context.Context, payload []byte) (io.ReadCloser, error) {
	res, err := s.api.InvokeStream(ctx, payload)
	var fe *lambdalocal.FunctionError
	if errors.As(err, &fe) {
		return nil, fmt.Errorf("function error: %w", fe)
	}
	if err != nil {
		return nil, err
	}
	return res.Body, nil
}

func (s streamingInvoker) Close() { s.api.Close() }

func (s streamingInvoker) PGID() int { return s.api.PGID() }

func (s streamingInvoker) PGIDs() []int { return s.api.PGIDs() }

// authEnvironment is the authorizer under its Runtime API, one invocation
// at a time.
type authEnvironment struct{ *lambdalocal.Pool }

func (a authEnvironment) InvokeStream(context.Context, []byte) (io.ReadCloser, error) {
	return nil, errors.New("an authorizer does not stream")
}

// serialInvoker lets one invocation run at a time, like one Lambda execution
// environment; requests queue until the gateway's timeout. It serves the
// RIE, a single environment, in tests; the Runtime API runs a pool. When the gateway
// gives up, the invocation goes on, as it does in Lambda, and keeps the
// environment busy until the function returns or its own timeout ends it.
type serialInvoker struct {
	next apigwlocal.Invoker
	slot chan struct{}
}

type invokeResult struct {
	out []byte
	err error
}

func (s *serialInvoker) Invoke(ctx context.Context, payload []byte) ([]byte, error) {
	select {
	case s.slot <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	done := make(chan invokeResult, 1)
	go func() {
		defer func() { <-s.slot }()
		out, err := s.next.Invoke(context.WithoutCancel(ctx), payload)
		done <- invokeResult{out, err}
	}()
	select {
	case r := <-done:
		return r.out, r.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// size formats a byte count for the access log.
func size(n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}

// startAuthorizer builds the WebApp's basic-auth authorizer from the module
// that provides the construct and runs it under a Runtime API of its own
// (its invocations carry the users' passwords), reading the htpasswd file
// in place of the secret.
func (s *stack) startAuthorizer(app assembly.WebApp) (environment, error) {
	rec, cfg := app.Authorizer, s.cfg
	if err := checkAuth(app, cfg.Htpasswd); err != nil {
		return nil, err
	}
	file, err := filepath.Abs(cfg.Htpasswd)
	if err != nil {
		return nil, err
	}
	if _, err := os.Stat(file); err != nil {
		return nil, fmt.Errorf("-htpasswd: %w", err)
	}
	modDir, err := gobuild.ModuleDir(cfg.AppDir, rec.Module)
	if err != nil {
		return nil, fmt.Errorf("the module that provides the authorizer: %w", err)
	}
	bin := filepath.Join(cfg.WorkDir, fmt.Sprintf("authorizer-%d", s.builds.Add(1)), "bootstrap")
	if err := os.MkdirAll(filepath.Dir(bin), 0o755); err != nil {
		return nil, err
	}
	b := gobuild.Build{ModuleDir: modDir, Entry: rec.Entry, GOARCH: runtime.GOARCH, KeepPaths: true}
	if err := b.Run(bin); err != nil {
		return nil, err
	}
	// The file stands in for the secret, whose ARN is resolved at deploy.
	// It needs no AWS credentials.
	fn := *app.AuthorizerFunction
	env := append(lambdaEnv("local-authorizer", fn), "BASIC_AUTH_HTPASSWD_FILE="+file)
	p, err := lambdalocal.NewPool(lambdalocal.PoolConfig{
		Runtime: lambdalocal.RuntimeConfig{Bootstrap: bin, Env: env, Timeout: fn.Timeout,
			OnLine: func(line string) {
				if cfg.Verbose {
					s.logf("  λ authorizer: %s", functionLine(line))
				}
			}},
		MaxConcurrency: fn.ReservedConcurrency,
	})
	if err != nil {
		return nil, fmt.Errorf("start the authorizer: %w", err)
	}
	return authEnvironment{p}, nil
}

// lambdaEnv is the environment Lambda gives a function, as the template
// configures it: its name, memory, timeout and region, and its variables.
// Package lambdalocal adds Lambda's defined variables, and nothing of this
// shell's environment.
func lambdaEnv(name string, fn assembly.Function) []string {
	env := []string{
		"AWS_LAMBDA_FUNCTION_NAME=" + name,
		"AWS_LAMBDA_FUNCTION_MEMORY_SIZE=" + strconv.Itoa(fn.MemorySize),
		"AWS_LAMBDA_FUNCTION_TIMEOUT=" + strconv.Itoa(int(fn.Timeout.Seconds())),
		"AWS_REGION=local", "AWS_DEFAULT_REGION=local",
	}
	for k, v := range fn.Environment {
		env = append(env, k+"="+v)
	}
	return append(env, logEnv(fn)...)
}
