package login_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/goapigw/webapp/function/login"
)

func TestNextIsSameOrigin(t *testing.T) {
	for _, d := range doors {
		for _, next := range []string{"https://evil.example", "//evil.example", "/\\evil.example", "evil.example", "/\r\nX:1", "/a b", ""} {
			t.Run(d.name+" "+next, func(t *testing.T) {
				e := newEnv(t)
				b := e.browser(d)
				r := b.navigate("/auth/login?next=" + url.QueryEscape(next))
				if r.status != http.StatusFound {
					t.Fatalf("login path: %d", r.status)
				}
				r = b.navigate(e.op.authorize(t, r.location()).String())
				if r.status != http.StatusFound || r.location() != d.prefix+"/" {
					t.Fatalf("after sign-in: %d to %q, want %q", r.status, r.location(), d.prefix+"/")
				}
			})
		}
		t.Run(d.name+" a path", func(t *testing.T) {
			e := newEnv(t)
			b := e.browser(d)
			r := b.navigate(e.op.authorize(t, b.navigate("/auth/login?next=%2Fa%2Fb%3Fc%3D1").location()).String())
			if r.location() != d.prefix+"/a/b?c=1" {
				t.Fatalf("after sign-in to %q", r.location())
			}
		})
	}
}

func TestRefresh(t *testing.T) {
	e := newEnv(t)
	b := e.browser(doors[0])
	b.signIn("/")
	before := b.jar[login.SessionCookie].Value
	e.clock.add(time.Hour) // the ID token lives an hour
	r := b.fetch("/api/data")
	u, _, _ := user(t, r)
	if u.Subject != "user-0001" {
		t.Fatalf("user after refresh %+v", u)
	}
	if _, n := e.op.calls(); n != 1 {
		t.Fatalf("%d refreshes, want 1", n)
	}
	if c := r.cookie(login.SessionCookie); c == nil || c.Value == before {
		t.Fatal("the session cookie was not renewed")
	}
	// The renewed cookie holds the rotated refresh token: a second expiry
	// refreshes again.
	e.clock.add(time.Hour)
	user(t, b.navigate("/"))
	if _, n := e.op.calls(); n != 2 {
		t.Fatalf("%d refreshes, want 2", n)
	}
	// Within the ID token's life, no refresh.
	user(t, b.navigate("/"))
	if _, n := e.op.calls(); n != 2 {
		t.Fatalf("%d refreshes, want 2", n)
	}
}

func TestFailedRefresh(t *testing.T) {
	e := newEnv(t)
	b := e.browser(doors[0])
	b.signIn("/")
	e.op.revokeAll() // the user was disabled
	e.clock.add(time.Hour)
	r := b.navigate("/page")
	if r.status != http.StatusFound || !strings.HasPrefix(r.location(), e.op.srv.URL) {
		t.Fatalf("navigation after a failed refresh: %d %q, want one redirect to sign in", r.status, r.location())
	}
	if c := r.cookie(login.SessionCookie); c == nil || c.MaxAge >= 0 {
		t.Fatal("the session was not cleared")
	}
	if f := b.fetch("/api"); f.status != http.StatusUnauthorized {
		t.Fatalf("fetch after a failed refresh: %d", f.status)
	}
	// Signing in again works and lands on the page.
	cb := e.op.authorize(t, r.location())
	if r := b.navigate(cb.String()); r.location() != "/prod/page" {
		t.Fatalf("sign-in again lands on %q", r.location())
	}
	user(t, b.navigate("/page"))
}

func TestLogout(t *testing.T) {
	tests := []struct {
		name       string
		opt        envOption
		endSession bool
		form       func(f login.Form) url.Values
		header     map[string]string
		method     string
		wantStatus int
		wantTo     func(e *env, d door) string
	}{
		{name: "with the CSRF token, no end-session endpoint", wantStatus: 303, wantTo: func(e *env, d door) string { return d.prefix + "/" }},
		{name: "with the CSRF token, discovery's end_session_endpoint", endSession: true, wantStatus: 303, wantTo: func(e *env, d door) string {
			return e.op.srv.URL + "/logout?" + url.Values{"client_id": {testClientID}, "post_logout_redirect_uri": {"https://" + d.host + d.prefix + "/"}}.Encode()
		}},
		{name: "with the CSRF token, Cognito", opt: func(c *login.Config, _ *[]login.Option) { c.CognitoLogoutURL = "https://auth.example.com/logout" }, wantStatus: 303, wantTo: func(e *env, d door) string {
			return "https://auth.example.com/logout?" + url.Values{"client_id": {testClientID}, "logout_uri": {"https://" + d.host + d.prefix + "/"}}.Encode()
		}},
		{name: "without the CSRF token", form: func(login.Form) url.Values { return url.Values{} }, wantStatus: 403},
		{name: "with a wrong CSRF token", form: func(login.Form) url.Values { return url.Values{"csrf": {"AAAA"}} }, wantStatus: 403},
		{name: "from another origin", header: map[string]string{"Origin": "https://evil.example"}, wantStatus: 403},
		{name: "cross-site", header: map[string]string{"Sec-Fetch-Site": "cross-site"}, wantStatus: 403},
		{name: "GET", method: http.MethodGet, wantStatus: 405},
	}
	for _, tt := range tests {
		for _, d := range doors {
			t.Run(tt.name+" "+d.name, func(t *testing.T) {
				var opts []envOption
				if tt.opt != nil {
					opts = append(opts, tt.opt)
				}
				e := newEnv(t, opts...)
				e.op.endSession = tt.endSession
				b := e.browser(d)
				b.signIn("/")
				_, _, f := user(t, b.navigate("/"))
				// The page's CSP form-action must allow where the
				// sign-out redirects: the provider's origin.
				wantEnds := e.op.srv.URL
				if tt.name == "with the CSRF token, Cognito" {
					wantEnds = "https://auth.example.com"
				}
				if f.EndsAt != wantEnds {
					t.Errorf("Form.EndsAt: got %q, want %q", f.EndsAt, wantEnds)
				}
				values := url.Values{f.CSRFField: {f.CSRFToken}}
				if tt.form != nil {
					values = tt.form(f)
				}
				h := map[string]string{"Accept": "text/html", "Origin": "https://" + d.host, "Sec-Fetch-Site": "same-origin"}
				for k, v := range tt.header {
					h[k] = v
				}
				method := http.MethodPost
				if tt.method != "" {
					method = tt.method
				}
				r := b.do(method, strings.TrimPrefix(f.Action, d.prefix), h, values)
				if r.status != tt.wantStatus {
					t.Fatalf("logout: %d, want %d\n%s", r.status, tt.wantStatus, r.body)
				}
				if tt.wantTo == nil {
					user(t, b.fetch("/api")) // still signed in
					return
				}
				if want := tt.wantTo(e, d); r.location() != want {
					t.Errorf("logout to %q, want %q", r.location(), want)
				}
				if got := b.fetch("/api"); got.status != http.StatusUnauthorized {
					t.Errorf("after logout: %d", got.status)
				}
			})
		}
	}
}

func TestCookieSize(t *testing.T) {
	e := newEnv(t)
	e.op.groups = make([]string, 20)
	for i := range e.op.groups {
		e.op.groups[i] = fmt.Sprintf("department-%02d-readers", i) // 22 bytes
	}
	e.op.refreshSize = 1784 // a Cognito refresh token (a JWE) is about this long
	b := e.browser(doors[0])
	r := b.signIn("/")
	c := r.cookie(login.SessionCookie)
	u, _, _ := user(t, b.navigate("/"))
	if len(u.Groups) != 20 {
		t.Fatalf("%d groups", len(u.Groups))
	}
	size := len(c.String())
	fmt.Printf("session cookie with 20 groups and a %d-byte refresh token: %d bytes (Set-Cookie value with attributes)\n", e.op.refreshSize, size)
	if size > 4000 {
		t.Fatalf("session cookie %d bytes, over 4000", size)
	}
	// Past the limit, the refresh token is dropped (the session then ends
	// with the ID token) and a warning names the size, not the content.
	e.op.refreshSize = 3500
	b = e.browser(doors[0])
	c = b.signIn("/").cookie(login.SessionCookie)
	if c == nil || len(c.String()) > 4000 || !strings.Contains(e.logs.String(), "kept without it") {
		t.Fatalf("oversized session: cookie %d bytes", len(c.String()))
	}
	e.clock.add(time.Hour)
	if r := b.fetch("/api"); r.status != http.StatusUnauthorized {
		t.Fatalf("a session without refresh token after its ID token: %d", r.status)
	}
}

func TestKeyRotation(t *testing.T) {
	oldKey, newKey := testSessionSecret, strings.Repeat("n", 48)
	e := newEnv(t)
	b := e.browser(doors[0])
	b.signIn("/")
	cookie := b.jar[login.SessionCookie]
	for _, tt := range []struct {
		name    string
		secrets []string
		want    int
	}{
		{"new key first, old kept", []string{newKey, oldKey}, 200},
		{"old key dropped", []string{newKey}, 401},
	} {
		t.Run(tt.name, func(t *testing.T) {
			e2 := newEnv(t, func(c *login.Config, o *[]login.Option) {
				*o = append(*o, login.WithSessionSecretSource(login.Static(tt.secrets...)))
				c.SessionSecrets = nil
				c.Issuer = e.op.srv.URL
			}, func(_ *login.Config, o *[]login.Option) { *o = append(*o, login.WithClock(e.clock.now)) })
			b2 := e2.browser(doors[0])
			b2.jar[login.SessionCookie] = cookie
			if r := b2.fetch("/api"); r.status != tt.want {
				t.Fatalf("old session under %s: %d, want %d", tt.name, r.status, tt.want)
			}
		})
	}
}

func TestNothingSecretLogged(t *testing.T) {
	e := newEnv(t)
	e.op.endSession = true
	b := e.browser(doors[0])
	var seen []string
	first := b.navigate("/page?x=1")
	loc, _ := url.Parse(first.location())
	seen = append(seen, loc.Query().Get("state"), loc.Query().Get("nonce"), loc.Query().Get("code_challenge"))
	for _, c := range b.jar {
		seen = append(seen, c.Value)
	}
	cb := e.op.authorize(t, first.location())
	seen = append(seen, cb.Query().Get("code"))
	b.navigate(cb.String())
	seen = append(seen, b.jar[login.SessionCookie].Value)
	e.clock.add(time.Hour)
	_, _, f := user(t, b.navigate("/page"))
	seen = append(seen, b.jar[login.SessionCookie].Value, f.CSRFToken)
	b.do(http.MethodPost, "/auth/logout", map[string]string{"Origin": "https://" + doors[0].host}, url.Values{"csrf": {f.CSRFToken}})
	e.op.mu.Lock()
	seen = append(seen, e.op.secrets...)
	e.op.mu.Unlock()
	seen = append(seen, testClientSecret, testSessionSecret)
	logs := e.logs.String()
	if n := strings.Count(logs, "\n"); n < 6 {
		t.Fatalf("only %d log lines:\n%s", n, logs)
	}
	for _, s := range seen {
		if s == "" {
			t.Fatal("an empty value to look for")
		}
		// Look for every 16-byte piece, so a truncated value is caught too.
		for i := 0; i+16 <= len(s); i += 8 {
			if strings.Contains(logs, s[i:i+16]) {
				t.Fatalf("the logs hold part of a secret value %q:\n%s", s[i:i+16], logs)
			}
		}
	}
	t.Logf("%d log lines, %d values looked for", strings.Count(logs, "\n"), len(seen))
}

func TestDiscoveryFailure(t *testing.T) {
	dead := httptest.NewServer(http.NotFoundHandler())
	dead.Close()
	l, err := login.New(login.Config{Issuer: dead.URL, ClientID: "c", SessionSecrets: []string{testSessionSecret}}, login.WithLogger(discard()))
	if err != nil {
		t.Fatal(err)
	}
	h := l.Wrap(http.HandlerFunc(app))
	req := httptest.NewRequest(http.MethodGet, "/", nil)
	req.Header.Set("Accept", "text/html")
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	if w.Code != http.StatusServiceUnavailable || w.Header().Get("Location") != "" {
		t.Fatalf("navigation with the provider down: %d", w.Code)
	}
	// A request that needs no provider still gets its 401.
	req = httptest.NewRequest(http.MethodGet, "/api", nil)
	w = httptest.NewRecorder()
	h.ServeHTTP(w, req)
	if w.Code != http.StatusUnauthorized {
		t.Fatalf("fetch with the provider down: %d", w.Code)
	}
}

func TestNewRefuses(t *testing.T) {
	ok := login.Config{Issuer: "https://op.example", ClientID: "c", SessionSecrets: []string{testSessionSecret}}
	for _, tt := range []struct {
		name string
		edit func(*login.Config)
	}{
		{"http issuer", func(c *login.Config) { c.Issuer = "http://op.example" }},
		{"no client", func(c *login.Config) { c.ClientID = "" }},
		{"no secret", func(c *login.Config) { c.SessionSecrets = nil }},
		{"short secret", func(c *login.Config) { c.SessionSecrets = []string{"short"} }},
		{"relative callback", func(c *login.Config) { c.CallbackPath = "cb" }},
		{"unclean callback", func(c *login.Config) { c.CallbackPath = "/a/../cb" }},
	} {
		c := ok
		tt.edit(&c)
		if _, err := login.New(c); err == nil {
			t.Errorf("%s: accepted", tt.name)
		}
	}
	if _, err := login.New(ok, login.WithExpiryMargin(time.Hour)); err == nil {
		t.Error("an expiry margin of an hour: accepted")
	}
	if _, err := login.New(ok); err != nil {
		t.Fatal(err)
	}
}

// BenchmarkSessionCheck is the cost the middleware adds to a request with a
// valid session: read the cookie, decrypt, decode, check, put the user in
// the context (no provider call).
func BenchmarkSessionCheck(b *testing.B) {
	e := newEnv(b)
	br := e.browser(doors[1])
	br.signIn("/")
	cookie := br.jar[login.SessionCookie]
	if cookie == nil {
		cookie = br.jar[login.HostSessionCookie]
	}
	if cookie == nil {
		b.Fatal("no session cookie after signing in")
	}
	h := e.login.Wrap(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	req := httptest.NewRequest(http.MethodGet, "/page", nil)
	req.Header.Set("Cookie", cookie.Name+"="+cookie.Value)
	w := httptest.NewRecorder()
	b.ReportAllocs()
	for b.Loop() {
		h.ServeHTTP(w, req)
	}
	if w.Code != http.StatusOK {
		b.Fatalf("status %d", w.Code)
	}
}

// TestLoginCookieBomb: repeated visits to the login path (with a long
// next) cannot pile up transaction cookies past API Gateway's 10,240-byte
// Cookie header, signed in or not.
func TestLoginCookieBomb(t *testing.T) {
	for _, d := range doors {
		t.Run(d.name, func(t *testing.T) {
			e := newEnv(t)
			b := e.browser(d)
			long := "/" + strings.Repeat("a", 600)
			for range 10 {
				if r := b.navigate("/auth/login?next=" + url.QueryEscape(long)); r.status != http.StatusFound {
					t.Fatalf("login path: %d", r.status)
				}
			}
			n, size := 0, 0
			for name, c := range b.jar {
				if strings.HasPrefix(name, "lw_tx_") {
					n++
				}
				size += len(c.Name) + len(c.Value) + 2
			}
			if n > 2 || size > 8000 {
				t.Fatalf("%d transaction cookies, %d bytes of Cookie header", n, size)
			}
			// A next over 512 bytes is dropped for the root.
			r := b.signIn("/auth/login?next=" + url.QueryEscape(long))
			if r.location() != d.prefix+"/" {
				t.Fatalf("after sign-in to %q, want the root", r.location())
			}
			// Signed in: straight to next, no transaction cookie.
			before := len(b.jar)
			r = b.navigate("/auth/login?next=%2Fa%3Fb%3D1")
			if r.status != http.StatusFound || r.location() != d.prefix+"/a?b=1" || len(b.jar) > before {
				t.Fatalf("signed in, login path: %d to %q, %d cookies (was %d)", r.status, r.location(), len(b.jar), before)
			}
			for _, line := range r.header.Values("Set-Cookie") {
				if strings.HasPrefix(line, "lw_tx_") && !strings.Contains(line, "Max-Age=0") {
					t.Fatalf("signed in, login path set %q", line)
				}
			}
		})
	}
}

// TestRefreshRace: a request with the old cookie after another one rotated
// the refresh token keeps its session while the ID token is still valid,
// and concurrent refreshes of one session make one token request.
func TestRefreshRace(t *testing.T) {
	e := newEnv(t)
	e.op.rotate = true
	b := e.browser(doors[0])
	b.signIn("/")
	old := *b.jar[login.SessionCookie]
	e.clock.add(time.Hour - 30*time.Second) // within the margin, not expired
	user(t, b.fetch("/api/a"))              // refreshes, rotates
	if _, n := e.op.calls(); n != 1 {
		t.Fatalf("%d refreshes, want 1", n)
	}
	stale := e.browser(doors[0])
	stale.jar[login.SessionCookie] = &old
	r := stale.fetch("/api/b")
	if u, _, _ := user(t, r); u.Subject != "user-0001" {
		t.Fatalf("user %+v", u)
	}
	if c := r.cookie(login.SessionCookie); c != nil {
		t.Fatalf("the session cookie was touched: %v", c)
	}
	// Expired for good: the refused refresh ends the session.
	e.clock.add(time.Minute)
	if r := stale.fetch("/api/c"); r.status != http.StatusUnauthorized {
		t.Fatalf("expired, refused refresh: %d", r.status)
	}

	// Concurrent requests with one cookie: one refresh.
	e2 := newEnv(t)
	e2.op.rotate, e2.op.slow = true, 100*time.Millisecond
	b2 := e2.browser(doors[0])
	b2.signIn("/")
	tokens0, _ := e2.op.calls()
	e2.clock.add(time.Hour)
	var wg sync.WaitGroup
	statuses := make([]int, 5)
	for i := range statuses {
		c := e2.browser(doors[0])
		c.jar[login.SessionCookie] = b2.jar[login.SessionCookie]
		wg.Add(1)
		go func() { defer wg.Done(); statuses[i] = c.fetch("/api").status }()
	}
	wg.Wait()
	tokens, _ := e2.op.calls()
	if tokens-tokens0 != 1 {
		t.Errorf("%d token requests, want 1", tokens-tokens0)
	}
	for i, s := range statuses {
		if s != http.StatusOK {
			t.Errorf("request %d: %d", i, s)
		}
	}
}

// TestLogoutRevokes: a sign-out revokes the refresh token, so a copy of
// the cookie taken before it dies with its ID token.
func TestLogoutRevokes(t *testing.T) {
	e := newEnv(t)
	b := e.browser(doors[0])
	b.signIn("/")
	copied := *b.jar[login.SessionCookie]
	_, _, f := user(t, b.navigate("/"))
	h := map[string]string{"Accept": "text/html", "Origin": "https://" + doors[0].host, "Sec-Fetch-Site": "same-origin"}
	if r := b.do(http.MethodPost, strings.TrimPrefix(f.Action, doors[0].prefix), h, url.Values{f.CSRFField: {f.CSRFToken}}); r.status != http.StatusSeeOther {
		t.Fatalf("logout: %d", r.status)
	}
	e.op.mu.Lock()
	n := e.op.revocations
	e.op.mu.Unlock()
	if n != 1 {
		t.Fatalf("%d revocations, want 1", n)
	}
	thief := e.browser(doors[0])
	thief.jar[login.SessionCookie] = &copied
	user(t, thief.fetch("/api")) // stateless: works until the ID token expires
	e.clock.add(time.Hour)
	if r := thief.fetch("/api"); r.status != http.StatusUnauthorized {
		t.Fatalf("copied cookie after expiry: %d, want 401", r.status)
	}
}

// TestPlantedSessionCookie: at the root of a host the session cookie is
// __Host- prefixed (a sibling subdomain cannot set it); elsewhere two
// session cookies that both open mean no session.
func TestPlantedSessionCookie(t *testing.T) {
	e := newEnv(t)
	root := e.browser(doors[1])
	root.signIn("/")
	c := root.jar[login.HostSessionCookie]
	if c == nil || c.Path != "/" || !c.Secure || c.Domain != "" {
		t.Fatalf("session cookie at the root %v, want __Host- with Path=/ and Secure", c)
	}
	// A planted lw_session (Domain=parent) is not read at the root.
	planted := e.browser(doors[1])
	planted.jar["x"] = &http.Cookie{Name: login.SessionCookie, Value: c.Value}
	if r := planted.fetch("/api"); r.status != http.StatusUnauthorized {
		t.Fatalf("planted lw_session at the root: %d", r.status)
	}
	insecure := newEnv(t, func(_ *login.Config, o *[]login.Option) { *o = append(*o, login.WithInsecureCookies()) })
	ib := insecure.browser(doors[1])
	ib.signIn("/")
	if ib.jar[login.SessionCookie] == nil {
		t.Fatal("without Secure the session cookie is not lw_session")
	}

	b := e.browser(doors[0])
	b.signIn("/")
	other := e.browser(doors[0])
	other.signIn("/")
	b.jar["planted"] = &http.Cookie{Name: login.SessionCookie, Value: other.jar[login.SessionCookie].Value}
	if r := b.fetch("/api"); r.status != http.StatusUnauthorized {
		t.Fatalf("two session cookies that open: %d, want 401", r.status)
	}
}

// TestCookieBoundToDeployment: a session cookie sealed with the same secret
// for another client ID does not open.
func TestCookieBoundToDeployment(t *testing.T) {
	e := newEnv(t)
	b := e.browser(doors[1])
	b.signIn("/")
	for _, tt := range []struct {
		clientID string
		want     int
	}{{testClientID, http.StatusOK}, {"another-client", http.StatusUnauthorized}} {
		other, err := login.New(login.Config{Issuer: e.op.srv.URL, ClientID: tt.clientID, SessionSecrets: []string{testSessionSecret}}, login.WithClock(e.clock.now), login.WithLogger(discard()))
		if err != nil {
			t.Fatal(err)
		}
		r := httptest.NewRequest(http.MethodGet, "https://app.example.com/api", nil)
		r.Header.Set("Accept", "application/json")
		r.AddCookie(&http.Cookie{Name: login.HostSessionCookie, Value: b.jar[login.HostSessionCookie].Value})
		w := httptest.NewRecorder()
		other.Wrap(http.HandlerFunc(app)).ServeHTTP(w, r)
		if w.Code != tt.want {
			t.Fatalf("client %s: %d, want %d", tt.clientID, w.Code, tt.want)
		}
	}
}

// TestRefreshLoop: a refreshed ID token that expires within the margin
// ends the session instead of being refreshed on every request.
func TestRefreshLoop(t *testing.T) {
	e := newEnv(t)
	b := e.browser(doors[0])
	b.signIn("/")
	e.op.idTTL = 30 * time.Second // within the one-minute margin
	e.clock.add(time.Hour)
	if r := b.fetch("/api"); r.status != http.StatusUnauthorized {
		t.Fatalf("refreshed to a token within the margin: %d, want 401", r.status)
	}
	if _, n := e.op.calls(); n != 1 {
		t.Fatalf("%d refreshes, want 1", n)
	}
}

// TestPrincipalFromTheEvent: an event whose requestContext names an
// authorizer principal (which API Gateway sets only from the API's own
// authorizer, and Login has none: the construct's pre-traffic hook invoking
// the function directly) is served as that principal without a session;
// one without is not.
func TestPrincipalFromTheEvent(t *testing.T) {
	e := newEnv(t)
	for _, tt := range []struct {
		name       string
		authorizer map[string]any
		wantStatus int
		wantUser   string
	}{
		{name: "the hook's principal", authorizer: map[string]any{"principalId": "deployhook"}, wantStatus: 200, wantUser: "deployhook"},
		{name: "no authorizer", wantStatus: 401},
		{name: "an authorizer without a principal", authorizer: map[string]any{"claims": "x"}, wantStatus: 401},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ev := events.APIGatewayProxyRequest{
				Resource: "/{proxy+}", Path: "/api", HTTPMethod: "GET",
				MultiValueHeaders: map[string][]string{"Host": {"deployhook.invalid"}, "Accept": {"application/json"}},
				PathParameters:    map[string]string{"proxy": "api"},
				RequestContext: events.APIGatewayProxyRequestContext{Path: "/prod/api", Stage: "prod", DomainName: "deployhook.invalid",
					HTTPMethod: "GET", Authorizer: tt.authorizer},
			}
			payload, _ := json.Marshal(ev)
			out, err := e.h.Invoke(context.Background(), payload)
			if err != nil {
				t.Fatal(err)
			}
			var res events.APIGatewayProxyResponse
			if err := json.Unmarshal(out, &res); err != nil {
				t.Fatal(err)
			}
			if res.StatusCode != tt.wantStatus {
				t.Fatalf("got %d %s, want %d", res.StatusCode, res.Body, tt.wantStatus)
			}
			if tt.wantUser != "" && !strings.Contains(res.Body, `"Subject":"`+tt.wantUser+`"`) {
				t.Errorf("got %s, want the user %s", res.Body, tt.wantUser)
			}
		})
	}
}
