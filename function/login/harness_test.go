package login_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/goapigw/webapp/function/identity"
	"github.com/goapigw/webapp/function/login"
	"github.com/goapigw/webapp/function/restproxy"
)

const testSessionSecret = "session-secret-0123456789abcdefghijklmnop"

// door is a front door of API Gateway, as restproxy sees it.
type door struct {
	name   string
	prefix string // "/prod", "", "/shop"
	host   string
}

var doors = []door{
	{name: "stage URL", prefix: "/prod", host: "a1b2c3d4e5.execute-api.eu-west-1.amazonaws.com"},
	{name: "custom domain", prefix: "", host: "app.example.com"},
	{name: "base path", prefix: "/shop", host: "example.com"},
}

// clock is a settable clock shared by the middleware and the provider.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// logBuffer collects every log line of a test.
type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}
func (l *logBuffer) String() string { l.mu.Lock(); defer l.mu.Unlock(); return l.b.String() }

// env is one middleware behind restproxy, its provider and its logs.
type env struct {
	t     testing.TB
	op    *testOP
	clock *clock
	logs  *logBuffer
	login *login.Login
	h     *restproxy.Handler
}

type envOption func(*login.Config, *[]login.Option)

func newEnv(t testing.TB, opts ...envOption) *env {
	t.Helper()
	e := &env{t: t, clock: &clock{t: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)}, logs: &logBuffer{}}
	e.op = newTestOP(t, e.clock.now)
	logger := slog.New(slog.NewJSONHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	cfg := login.Config{Issuer: e.op.srv.URL, ClientID: testClientID, ClientSecret: testClientSecret, SessionSecrets: []string{testSessionSecret}}
	lopts := []login.Option{login.WithLogger(logger), login.WithClock(e.clock.now)}
	for _, o := range opts {
		o(&cfg, &lopts)
	}
	l, err := login.New(cfg, lopts...)
	if err != nil {
		t.Fatal(err)
	}
	e.login = l
	e.h = restproxy.Wrap(l.Wrap(http.HandlerFunc(app)), restproxy.WithLogger(logger))
	return e
}

// app answers with what it knows of the user.
func app(w http.ResponseWriter, r *http.Request) {
	u, ok := identity.UserFromContext(r.Context())
	f, _ := login.LogoutForm(r)
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{"user": u, "ok": ok, "path": r.URL.RequestURI(), "form": f})
}

// response is what a browser got.
type response struct {
	status int
	header http.Header
	body   string
}

func (r response) location() string { return r.header.Get("Location") }

func (r response) cookie(name string) *http.Cookie {
	for _, line := range r.header.Values("Set-Cookie") {
		if c, err := http.ParseSetCookie(line); err == nil && c.Name == name {
			return c
		}
	}
	return nil
}

// browser keeps cookies for one door.
type browser struct {
	e    *env
	door door
	jar  map[string]*http.Cookie
}

func (e *env) browser(d door) *browser {
	return &browser{e: e, door: d, jar: map[string]*http.Cookie{}}
}

// navigate is a browser loading a page.
func (b *browser) navigate(target string) response {
	return b.do(http.MethodGet, target, map[string]string{"Accept": "text/html,application/xhtml+xml,*/*;q=0.8", "Sec-Fetch-Mode": "navigate", "Sec-Fetch-Site": "none"}, nil)
}

// fetch is a script's fetch().
func (b *browser) fetch(target string) response {
	return b.do(http.MethodGet, target, map[string]string{"Accept": "*/*", "Sec-Fetch-Mode": "cors", "Sec-Fetch-Site": "same-origin"}, nil)
}

// do sends a request for target (a path relative to the door's prefix, or
// an absolute URL at the door's origin) through restproxy.
func (b *browser) do(method, target string, header map[string]string, form url.Values) response {
	t := b.e.t
	t.Helper()
	if strings.HasPrefix(target, "https://") {
		u, err := url.Parse(target)
		if err != nil || u.Host != b.door.host || !strings.HasPrefix(u.Path, b.door.prefix+"/") {
			t.Fatalf("%s is not at the door %s%s", target, b.door.host, b.door.prefix)
		}
		target = strings.TrimPrefix(u.RequestURI(), b.door.prefix)
	}
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	headers := map[string][]string{"Host": {b.door.host}, "X-Forwarded-Proto": {"https"}}
	for k, v := range header {
		headers[k] = []string{v}
	}
	var cookies []string
	for _, c := range b.jar {
		cookies = append(cookies, c.Name+"="+c.Value)
	}
	if len(cookies) > 0 {
		headers["Cookie"] = []string{strings.Join(cookies, "; ")}
	}
	ev := events.APIGatewayProxyRequest{
		Resource:          "/{proxy+}",
		Path:              u.Path,
		HTTPMethod:        method,
		MultiValueHeaders: headers,
		PathParameters:    map[string]string{"proxy": strings.TrimPrefix(u.Path, "/")},
		RequestContext: events.APIGatewayProxyRequestContext{
			Path: b.door.prefix + u.Path, Stage: "prod", DomainName: b.door.host, HTTPMethod: method,
		},
	}
	if u.Path == "/" {
		ev.Resource, ev.PathParameters = "/", nil
	}
	if b.door.prefix == "/shop" {
		ev.Path = "/shop" + u.Path
	}
	if q := u.Query(); len(q) > 0 {
		ev.MultiValueQueryStringParameters = q
	}
	if form != nil {
		ev.Body = form.Encode()
		ev.MultiValueHeaders["Content-Type"] = []string{"application/x-www-form-urlencoded"}
	}
	payload, _ := json.Marshal(ev)
	out, err := b.e.h.Invoke(context.Background(), payload)
	if err != nil {
		t.Fatal(err)
	}
	var res events.APIGatewayProxyResponse
	if err := json.Unmarshal(out, &res); err != nil {
		t.Fatal(err)
	}
	r := response{status: res.StatusCode, header: http.Header{}, body: res.Body}
	for k, vs := range res.MultiValueHeaders {
		r.header[http.CanonicalHeaderKey(k)] = vs
	}
	for k, v := range res.Headers {
		if _, ok := r.header[http.CanonicalHeaderKey(k)]; !ok {
			r.header.Set(k, v)
		}
	}
	if res.IsBase64Encoded {
		raw, _ := base64.StdEncoding.DecodeString(res.Body)
		r.body = string(raw)
	}
	for _, line := range r.header.Values("Set-Cookie") {
		c, err := http.ParseSetCookie(line)
		if err != nil {
			t.Fatalf("bad Set-Cookie %q: %v", line, err)
		}
		if c.MaxAge < 0 {
			delete(b.jar, c.Name)
		} else {
			b.jar[c.Name] = c
		}
	}
	return r
}

// signIn goes through a whole sign-in starting at target and returns the
// page it lands on.
func (b *browser) signIn(target string) response {
	t := b.e.t
	t.Helper()
	r := b.navigate(target)
	if r.status != http.StatusFound {
		t.Fatalf("GET %s: %d, want 302 to the provider\n%s", target, r.status, r.body)
	}
	cb := b.e.op.authorize(t, r.location())
	r = b.navigate(cb.String())
	if r.status != http.StatusFound {
		t.Fatalf("callback: %d, want 302\n%s", r.status, r.body)
	}
	return r
}

// user decodes the app's answer.
func user(t testing.TB, r response) (identity.User, string, login.Form) {
	t.Helper()
	var v struct {
		User identity.User
		OK   bool
		Path string
		Form login.Form
	}
	if r.status != http.StatusOK {
		t.Fatalf("status %d, want 200 from the app\n%s", r.status, r.body)
	}
	if err := json.Unmarshal([]byte(r.body), &v); err != nil || !v.OK {
		t.Fatalf("app answer %q: %v", r.body, err)
	}
	return v.User, v.Path, v.Form
}

func discard() *slog.Logger { return slog.New(slog.DiscardHandler) }

// sessionName is the session cookie's name at a door: __Host- prefixed at
// the root of a host.
func sessionName(d door) string {
	if d.prefix == "" {
		return login.HostSessionCookie
	}
	return login.SessionCookie
}
