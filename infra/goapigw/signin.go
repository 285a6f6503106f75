package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"maps"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/goapigw/webapp/function/login"
	"github.com/goapigw/webapp/infra/assembly"
	"github.com/goapigw/webapp/infra/internal/loopback"
	"github.com/goapigw/webapp/infra/oidclocal"
)

// The variables of a function with the construct's Login prop that the
// runner stands in for: the provider's and the client's, which resolve at
// deploy, and the two secrets' ARNs, which become files.
var loginVars = []string{
	login.IssuerEnv, login.ClientIDEnv, login.ClientSecretArnEnv, login.SessionSecretArnEnv,
	login.CognitoLogoutURLEnv, login.EndSessionURLEnv,
}

// localClientID is the app client's id at the local provider.
const localClientID = "goapigw-local"

// usesLogin reports whether the function signs people in: the construct
// gave it LOGIN_ISSUER (resolved or not).
func usesLogin(fn assembly.Function) bool {
	_, set := fn.Environment[login.IssuerEnv]
	return set || slices.Contains(fn.Unresolved, login.IssuerEnv)
}

func checkLogin(app assembly.WebApp, users string) error {
	if usesLogin(app.Function) && users == "" {
		return fmt.Errorf("%s signs people in (Login): pass -users FILE, a file of lines name:password[:group,group] for the local OpenID provider that stands in for the user pool (for example: printf 'alice:correct-horse-9:admins\\n' > users)", app.Construct)
	}
	return nil
}

// localLogin is the local OpenID provider a WebApp with Login signs in
// with: Cognito's managed-login endpoints on a loopback port of its own,
// with one app client whose callback and sign-out URLs are the doors'.
// Its secrets (the client's, the session cookies') are made for the run
// and reach the function as 0600 files, never as values.
type localLogin struct {
	issuer        string
	users         []oidclocal.User // read once, at start
	idTTL         time.Duration
	clientSecret  string
	clientFile    string
	sessionFile   string
	log           *slog.Logger
	srv           *http.Server
	handler       atomic.Pointer[http.Handler]
	requests      atomic.Int64 // requests the provider answered
	mu            sync.Mutex
	callbacks     []string // the client's callback URLs now
	providerReady bool
}

// startLocalLogin listens on addr and answers 503 until configure gives
// it the doors.
func startLocalLogin(addr, users string, idTTL time.Duration, dir string, logf func(string, ...any)) (*localLogin, error) {
	list, err := oidclocal.ReadUsersFile(users)
	if err != nil {
		return nil, fmt.Errorf("-users: %w", err)
	}
	if idTTL != 0 && idTTL <= login.DefaultExpiryMargin {
		return nil, fmt.Errorf("-id-token-lifetime %v: must be longer than the login package's expiry margin, %v", idTTL, login.DefaultExpiryMargin)
	}
	ll := &localLogin{users: list, idTTL: idTTL,
		log: slog.New(slog.NewTextHandler(logfWriter{logf: logf, prefix: "  provider: "}, &slog.HandlerOptions{
			ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
				if a.Key == slog.TimeKey || a.Key == slog.LevelKey {
					return slog.Attr{}
				}
				return a
			},
		}))}
	ll.clientSecret = randomHex(32)
	if ll.clientFile, err = writeSecret(dir, "login-client-secret", ll.clientSecret); err != nil {
		return nil, err
	}
	if ll.sessionFile, err = writeSecret(dir, "login-session-secret", randomHex(32)); err != nil {
		return nil, err
	}
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listen on %s for the local OpenID provider: %w (choose another port with -login-port)", addr, err)
	}
	ll.issuer = "http://" + l.Addr().String()
	var waiting http.Handler = http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		http.Error(w, "the local OpenID provider is starting", http.StatusServiceUnavailable)
	})
	ll.handler.Store(&waiting)
	ll.srv = &http.Server{Handler: loopback.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ll.requests.Add(1)
		(*ll.handler.Load()).ServeHTTP(w, r)
	})), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = ll.srv.Serve(l) }()
	return ll, nil
}

// function is fn as it runs here: the provider's and client's variables
// point at the local provider, and the secrets' ARNs become files.
func (ll *localLogin) function(fn assembly.Function) assembly.Function {
	fn.Environment = maps.Clone(fn.Environment)
	if fn.Environment == nil {
		fn.Environment = map[string]string{}
	}
	for _, k := range loginVars {
		delete(fn.Environment, k)
	}
	fn.Unresolved = slices.DeleteFunc(slices.Clone(fn.Unresolved), func(k string) bool { return slices.Contains(loginVars, k) })
	fn.Environment[login.IssuerEnv] = ll.issuer
	fn.Environment[login.ClientIDEnv] = localClientID
	fn.Environment[login.ClientSecretFileEnv] = ll.clientFile
	fn.Environment[login.SessionSecretFileEnv] = ll.sessionFile
	fn.Environment[login.CognitoLogoutURLEnv] = ll.issuer + oidclocal.LogoutPath
	return fn
}

// configure registers the doors (their base URLs, such as
// http://127.0.0.1:3000/prod) with the provider's client, under both
// loopback names a browser may use. A new provider (a new signing key)
// starts only when the URLs change: sign-ins made before then end at
// their next refresh.
func (ll *localLogin) configure(bases []string) error {
	var callbacks, logouts []string
	for _, b := range bases {
		b = strings.TrimSuffix(b, "/")
		for _, v := range []string{b, strings.Replace(b, "://127.0.0.1:", "://localhost:", 1)} {
			callbacks = append(callbacks, v+login.DefaultCallbackPath)
			logouts = append(logouts, v+"/")
		}
	}
	callbacks, logouts = slices.Compact(callbacks), slices.Compact(logouts)
	ll.mu.Lock()
	defer ll.mu.Unlock()
	if ll.providerReady && slices.Equal(callbacks, ll.callbacks) {
		return nil
	}
	p, err := oidclocal.New(oidclocal.Config{
		Issuer:          ll.issuer,
		Users:           ll.users,
		IDTokenLifetime: ll.idTTL, AccessTokenLifetime: ll.idTTL,
		Client: oidclocal.ClientConfig{ID: localClientID, Secret: ll.clientSecret, CallbackURLs: callbacks, LogoutURLs: logouts},
		Logger: ll.log,
	})
	if err != nil {
		return fmt.Errorf("start the local OpenID provider: %w", err)
	}
	h := p.Handler()
	ll.handler.Store(&h)
	ll.callbacks, ll.providerReady = callbacks, true
	return nil
}

// Requests is how many requests the provider answered.
func (ll *localLogin) Requests() int64 { return ll.requests.Load() }

func (ll *localLogin) Close() {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	_ = ll.srv.Shutdown(ctx)
}

func randomHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand never fails on Linux
	}
	return hex.EncodeToString(b)
}

// writeSecret writes a secret made for the run to a 0600 file in dir (the
// function's reader trims a final newline) and returns its path; the value
// is never printed.
func writeSecret(dir, name, value string) (string, error) {
	file := filepath.Join(dir, name)
	if err := os.WriteFile(file, []byte(value), 0o600); err != nil {
		return "", fmt.Errorf("write %s: %w", name, err)
	}
	if err := os.Chmod(file, 0o600); err != nil { // an older file kept its mode
		return "", err
	}
	return file, nil
}

// logfWriter writes each line through a logf, after a prefix.
type logfWriter struct {
	logf   func(format string, args ...any)
	prefix string
}

func (w logfWriter) Write(b []byte) (int, error) {
	for line := range strings.Lines(string(b)) {
		w.logf("%s%s", w.prefix, strings.TrimRight(line, "\n"))
	}
	return len(b), nil
}
