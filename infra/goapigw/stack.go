package main

import (
	"bytes"
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
	// underRIE runs the app's bootstrap under the real RIE (which holds a
	// streamed answer until the invocation ends, and whose ports any local
	// process can reach) instead of the local Runtime API: the reference
	// for the answers both runtimes can serve, in tests.
	underRIE bool
}

// stack is a running local stack: the function under a local Lambda Runtime
// API and two or three doors in front of it (API Gateway's, and CloudFront's
// for a WebApp with a distribution), each answering only loopback hosts.
type stack struct {
	StageURL, DomainURL string
	CloudFrontURL       string // "" without a distribution
	cdn                 *cloudfrontlocal.Distribution
	Invocations         chan apigwlocal.Invocation // every request served, for tests; never blocks

	cfg     stackConfig
	authAPI *lambdalocal.RuntimeAPI // the basic-auth authorizer, under a Runtime API of its own
	authN   atomic.Int64            // authorizer invocations
	emu     *lambdalocal.Emulator   // the app under the real RIE (underRIE, in tests)
	rapi    *lambdalocal.RuntimeAPI // the app under our Runtime API
	stopped chan struct{}           // closed if the runtime stops for good
	servers []*http.Server
	initMu  sync.Mutex
	initMs  float64 // set by an INIT report, taken by the next access line
	logMu   sync.Mutex
}

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
func buildBootstrap(cfg stackConfig) (string, error) {
	dir, err := moduleDir(cfg.App, cfg.AppDir)
	if err != nil {
		return "", err
	}
	out := filepath.Join(cfg.WorkDir, "bootstrap")
	b := gobuild.Build{ModuleDir: dir, Entry: cfg.App.Entry, GOARCH: runtime.GOARCH}
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
	if cfg.App.Authorizer != nil && cfg.Htpasswd == "" {
		return nil, fmt.Errorf("%s asks for basic authentication: pass -htpasswd FILE, a file of users written by htpasswd -nbB (for example: htpasswd -cbB users.htpasswd alice s3cret)", cfg.App.Construct)
	}
	bootstrap, err := buildBootstrap(cfg)
	if err != nil {
		return nil, err
	}

	s := &stack{cfg: cfg, Invocations: make(chan apigwlocal.Invocation, 4096), stopped: make(chan struct{})}
	fn, originSecret, err := localOriginSecret(cfg.App.Function, cfg.WorkDir)
	if err != nil {
		return nil, err
	}
	env := append(lambdaEnv("local-web-app", fn), cfg.Credentials...)
	onInit := func(ms float64) {
		s.initMu.Lock()
		s.initMs = ms
		s.initMu.Unlock()
	}
	onLine := func(line string) {
		if cfg.Verbose {
			s.logf("  λ %s", functionLine(line))
		}
	}
	var inv apigwlocal.Invoker
	if !cfg.underRIE {
		// Our Runtime API, in both transfer modes: the pinned RIE holds a
		// response until the invocation ends (STREAM integrations need a
		// Runtime API that streams), and it answers every local process
		// that finds its ports, where ours admits only the runtime it
		// started (see package lambdalocal).
		s.rapi, err = lambdalocal.StartRuntimeAPI(lambdalocal.RuntimeConfig{
			Bootstrap: bootstrap, Env: env, Timeout: fn.Timeout, OnInit: onInit, OnLine: onLine,
		})
		if err != nil {
			return nil, err
		}
		inv = streamingInvoker{s.rapi}
	} else {
		rieBin, err := lambdalocal.EmulatorBinary()
		if err != nil {
			return nil, err
		}
		s.emu, err = lambdalocal.StartEmulator(ctx, lambdalocal.EmulatorConfig{
			Binary: rieBin, Bootstrap: bootstrap, Env: env, OnInit: onInit, OnLine: onLine,
		})
		if err != nil {
			return nil, err
		}
		go func() {
			<-s.emu.Done()
			close(s.stopped)
		}()
		inv = &serialInvoker{next: s.emu.RIE, slot: make(chan struct{}, 1)}
		if cfg.App.API.Streaming() {
			inv = heldStream{inv}
		}
	}

	var authorizer *apigwlocal.TokenAuthorizer
	if cfg.App.Authorizer != nil {
		if authorizer, err = s.startAuthorizer(onLine); err != nil {
			s.Close()
			return nil, err
		}
	}

	type door struct {
		addr string
		cfg  apigwlocal.Config
		url  *string
		path string
	}
	doors := []door{
		{addr: cfg.StageAddr, cfg: apigwlocal.Config{StageURL: true}, url: &s.StageURL, path: "/" + cfg.App.API.Stage + "/"},
		{addr: cfg.DomainAddr, cfg: apigwlocal.Config{}, url: &s.DomainURL, path: "/"},
	}
	if cf := cfg.App.CloudFront; cf != nil && cfg.CloudFrontAddr != "" {
		doors = append(doors, door{addr: cfg.CloudFrontAddr, cfg: apigwlocal.Config{StageURL: true}, url: &s.CloudFrontURL, path: "/"})
	}
	for _, d := range doors {
		l, err := net.Listen("tcp", d.addr)
		if err != nil {
			s.Close()
			return nil, fmt.Errorf("listen on %s: %w (choose another port with -stage-port / -domain-port)", d.addr, err)
		}
		d.cfg.Stage = cfg.App.API.Stage
		d.cfg.Resources = cfg.App.API.Resources
		d.cfg.BinaryMediaTypes = cfg.App.API.BinaryMediaTypes
		d.cfg.IntegrationTimeout = cfg.App.API.IntegrationTimeout
		d.cfg.Streaming = cfg.App.API.Streaming()
		d.cfg.Authorizer = authorizer
		d.cfg.StreamThrottle = !cfg.NoThrottle
		d.cfg.OnInvoke = s.accessLog
		var handler http.Handler = apigwlocal.New(inv, d.cfg)
		if d.url == &s.CloudFrontURL {
			// CloudFront in front of the stage, with the template's cache
			// policy and origin headers.
			cf := cfg.App.CloudFront
			headers := maps.Clone(cf.OriginHeaders)
			if originSecret != "" {
				// The distribution's secret header; the stage and domain
				// doors do not send it, so there the function answers 403.
				if headers == nil {
					headers = map[string]string{}
				}
				headers[originVerifyHeader] = originSecret
			}
			s.cdn = cloudfrontlocal.New(cloudfrontlocal.Config{
				Origin: handler, OriginPath: "/" + cfg.App.API.Stage, OriginHeaders: headers,
				Policy: cloudfrontlocal.Policy{Disabled: cf.CachingDisabled, MinTTL: cf.MinTTL, DefaultTTL: cf.DefaultTTL,
					MaxTTL: cf.MaxTTL, Headers: cf.Headers, QueryStrings: cf.QueryStrings},
			})
			handler = s.cdn
		}
		// Only loopback hosts: a web page that rebinds its name to
		// 127.0.0.1 gets 421, not the app.
		srv := &http.Server{Handler: loopback.Handler(handler), ReadHeaderTimeout: 10 * time.Second}
		s.servers = append(s.servers, srv)
		*d.url = "http://" + l.Addr().String() + d.path
		go func() { _ = srv.Serve(l) }()
	}
	return s, nil
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
	initMs := s.initMs
	s.initMs = 0
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
	for _, srv := range s.servers {
		_ = srv.Shutdown(ctx)
	}
	if s.emu != nil {
		s.emu.Close()
	}
	if s.authAPI != nil {
		s.authAPI.Close()
	}
	if s.rapi != nil {
		s.rapi.Close()
	}
	return nil
}

// pgid is the process group of the function's runtime (0 when none runs).
func (s *stack) pgid() int {
	if s.emu != nil {
		return s.emu.PGID()
	}
	return s.rapi.PGID()
}

// stoppedErr says why the runtime stopped for good.
func (s *stack) stoppedErr() error {
	if s.emu != nil {
		return fmt.Errorf("the emulator stopped: %v", s.emu.Err())
	}
	return errors.New("the runtime stopped")
}

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

// streamingInvoker serves a STREAM integration from the Runtime API.
type streamingInvoker struct{ api *lambdalocal.RuntimeAPI }

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

// serialInvoker lets one invocation run at a time, like one Lambda execution
// environment; requests queue until the gateway's timeout. When the gateway
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
func (s *stack) startAuthorizer(onLine func(string)) (*apigwlocal.TokenAuthorizer, error) {
	rec, cfg := s.cfg.App.Authorizer, s.cfg
	if cfg.Htpasswd == "" {
		return nil, fmt.Errorf("%s asks for basic authentication: pass -htpasswd FILE, a file of users written by htpasswd -nbB (for example: htpasswd -cbB users.htpasswd alice s3cret)", cfg.App.Construct)
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
	bin := filepath.Join(cfg.WorkDir, "authorizer", "bootstrap")
	if err := os.MkdirAll(filepath.Dir(bin), 0o755); err != nil {
		return nil, err
	}
	b := gobuild.Build{ModuleDir: modDir, Entry: rec.Entry, GOARCH: runtime.GOARCH}
	if err := b.Run(bin); err != nil {
		return nil, err
	}
	// The file stands in for the secret, whose ARN is resolved at deploy.
	// It needs no AWS credentials.
	fn := *s.cfg.App.AuthorizerFunction
	env := append(lambdaEnv("local-authorizer", fn), "BASIC_AUTH_HTPASSWD_FILE="+file)
	s.authAPI, err = lambdalocal.StartRuntimeAPI(lambdalocal.RuntimeConfig{Bootstrap: bin, Env: env, Timeout: fn.Timeout,
		OnLine: func(line string) { onLine("authorizer: " + functionLine(line)) }})
	if err != nil {
		return nil, fmt.Errorf("start the authorizer: %w", err)
	}
	return &apigwlocal.TokenAuthorizer{
		Invoker:  &serialInvoker{next: s.authAPI, slot: make(chan struct{}, 1)},
		CacheTTL: time.Duration(rec.CacheSeconds) * time.Second,
		Realm:    rec.Realm,
		OnInvoke: func() { s.authN.Add(1) },
	}, nil
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
