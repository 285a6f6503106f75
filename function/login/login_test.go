package login_test

import (
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/goapigw/webapp/function/login"
)

func TestSignIn(t *testing.T) {
	for _, d := range doors {
		t.Run(d.name, func(t *testing.T) {
			e := newEnv(t)
			b := e.browser(d)
			first := b.navigate("/reports/q1?year=2026")
			if first.status != http.StatusFound {
				t.Fatalf("navigation without a session: %d, want 302", first.status)
			}
			loc, _ := url.Parse(first.location())
			if got, want := loc.Query().Get("redirect_uri"), "https://"+d.host+d.prefix+"/auth/callback"; got != want {
				t.Errorf("redirect_uri %q, want %q", got, want)
			}
			var tx *http.Cookie
			for _, line := range first.header.Values("Set-Cookie") {
				c, _ := http.ParseSetCookie(line)
				if strings.HasPrefix(c.Name, "lw_tx_") {
					tx = c
				}
			}
			wantPath := d.prefix
			if wantPath == "" {
				wantPath = "/"
			}
			if tx == nil || !tx.Secure || !tx.HttpOnly || tx.SameSite != http.SameSiteLaxMode || tx.Path != wantPath || tx.MaxAge != 600 {
				t.Fatalf("transaction cookie %v, want Secure HttpOnly SameSite=Lax Path=%s Max-Age=600", tx, wantPath)
			}
			cb := e.op.authorize(t, first.location())
			r := b.navigate(cb.String())
			if r.status != http.StatusFound || r.location() != d.prefix+"/reports/q1?year=2026" {
				t.Fatalf("callback: %d to %q, want 302 to %q\n%s", r.status, r.location(), d.prefix+"/reports/q1?year=2026", r.body)
			}
			s := r.cookie(sessionName(d))
			if s == nil || !s.Secure || !s.HttpOnly || s.SameSite != http.SameSiteLaxMode || s.Path != wantPath {
				t.Fatalf("session cookie %v, want Secure HttpOnly SameSite=Lax Path=%s", s, wantPath)
			}
			if _, ok := b.jar[tx.Name]; ok {
				t.Error("the transaction cookie was not cleared")
			}
			calls, _ := e.op.calls()
			for range 3 {
				page := b.navigate("/reports/q1?year=2026")
				u, path, form := user(t, page)
				if u.Subject != "user-0001" || u.Email != "zoe@example.com" || u.Name != "Zoë Example" || !slices.Equal(u.Groups, []string{"admins", "staff"}) {
					t.Errorf("user %+v", u)
				}
				if path != "/reports/q1?year=2026" {
					t.Errorf("app saw %q", path)
				}
				if form.Action != d.prefix+"/auth/logout" || form.CSRFToken == "" {
					t.Errorf("logout form %+v", form)
				}
				if page.header.Get("Cache-Control") != "private" || !slices.Contains(page.header.Values("Vary"), "Cookie") {
					t.Errorf("signed-in page: Cache-Control %q, Vary %q", page.header.Get("Cache-Control"), page.header.Values("Vary"))
				}
			}
			if now, _ := e.op.calls(); now != calls {
				t.Errorf("%d provider calls while the session was valid, want 0", now-calls)
			}
		})
	}
}

func TestRefused(t *testing.T) {
	d := doors[0]
	tests := []struct {
		name       string
		setup      func(e *env)
		run        func(t *testing.T, e *env, b *browser) response
		wantStatus int
		wantInBody string
	}{
		{name: "fetch without a session", run: func(t *testing.T, e *env, b *browser) response { return b.fetch("/api/data") }, wantStatus: 401, wantInBody: "unauthorized"},
		{name: "POST without a session", run: func(t *testing.T, e *env, b *browser) response {
			return b.do(http.MethodPost, "/form", map[string]string{"Accept": "text/html"}, url.Values{"a": {"1"}})
		}, wantStatus: 401},
		{name: "asset without a session", run: func(t *testing.T, e *env, b *browser) response {
			return b.do(http.MethodGet, "/app.css", map[string]string{"Accept": "text/css,*/*;q=0.1", "Sec-Fetch-Mode": "no-cors"}, nil)
		}, wantStatus: 401},
		{name: "tampered session cookie", run: func(t *testing.T, e *env, b *browser) response {
			b.signIn("/")
			c := b.jar[sessionName(d)]
			v := []byte(c.Value)
			v[len(v)/2] ^= 1
			c.Value = string(v)
			r := b.fetch("/api/data")
			if got := r.cookie(sessionName(d)); got == nil || got.MaxAge >= 0 {
				t.Error("a bad session cookie is not cleared")
			}
			return r
		}, wantStatus: 401},
		{name: "forged session cookie (another secret)", run: func(t *testing.T, e *env, b *browser) response {
			f := newEnv(t, func(c *login.Config, _ *[]login.Option) { c.SessionSecrets = []string{strings.Repeat("f", 40)} })
			fb := f.browser(d)
			fb.signIn("/")
			b.jar[sessionName(d)] = fb.jar[sessionName(d)]
			return b.fetch("/api/data")
		}, wantStatus: 401},
		{name: "expired session (past its lifetime)", run: func(t *testing.T, e *env, b *browser) response {
			b.signIn("/")
			e.clock.add(login.DefaultSessionLifetime + time.Minute)
			return b.fetch("/api/data")
		}, wantStatus: 401},
		{name: "wrong state", run: func(t *testing.T, e *env, b *browser) response {
			cb := e.op.authorize(t, b.navigate("/").location())
			q := cb.Query()
			q.Set("state", q.Get("state")[:12]+"AAAAAAAAAAAAAAAAAAAA")
			cb.RawQuery = q.Encode()
			return b.navigate(cb.String())
		}, wantStatus: 400, wantInBody: "Try again"},
		{name: "replayed state", run: func(t *testing.T, e *env, b *browser) response {
			cb := e.op.authorize(t, b.navigate("/").location())
			if r := b.navigate(cb.String()); r.status != http.StatusFound {
				t.Fatalf("first callback %d", r.status)
			}
			delete(b.jar, sessionName(d))
			return b.navigate(cb.String())
		}, wantStatus: 400},
		{name: "replayed state with the transaction cookie kept", run: func(t *testing.T, e *env, b *browser) response {
			// Only the provider can stop this one: a code works once.
			cb := e.op.authorize(t, b.navigate("/").location())
			kept := maps.Clone(b.jar)
			if r := b.navigate(cb.String()); r.status != http.StatusFound {
				t.Fatalf("first callback %d", r.status)
			}
			b.jar = kept
			return b.navigate(cb.String())
		}, wantStatus: 502, wantInBody: "Try again"},
		{name: "wrong nonce", setup: func(e *env) { e.op.nonce = "not-the-nonce" }, run: func(t *testing.T, e *env, b *browser) response {
			return b.navigate(e.op.authorize(t, b.navigate("/").location()).String())
		}, wantStatus: 401, wantInBody: "Try again"},
		{name: "ID token for another audience", setup: func(e *env) { e.op.audience = "another-client" }, run: func(t *testing.T, e *env, b *browser) response {
			return b.navigate(e.op.authorize(t, b.navigate("/").location()).String())
		}, wantStatus: 401},
		{name: "ID token signed by another key", setup: func(e *env) { e.op.signWith = testKey(t) }, run: func(t *testing.T, e *env, b *browser) response {
			return b.navigate(e.op.authorize(t, b.navigate("/").location()).String())
		}, wantStatus: 401},
		{name: "expired ID token", setup: func(e *env) { e.op.idTTL = -time.Minute }, run: func(t *testing.T, e *env, b *browser) response {
			return b.navigate(e.op.authorize(t, b.navigate("/").location()).String())
		}, wantStatus: 401},
		{name: "provider error", run: func(t *testing.T, e *env, b *browser) response {
			loc, _ := url.Parse(b.navigate("/").location())
			return b.navigate("/auth/callback?error=access_denied&state=" + loc.Query().Get("state"))
		}, wantStatus: 401, wantInBody: "Try again"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			if tt.setup != nil {
				tt.setup(e)
			}
			b := e.browser(d)
			r := tt.run(t, e, b)
			if r.status != tt.wantStatus || !strings.Contains(r.body, tt.wantInBody) {
				t.Fatalf("status %d, want %d with %q\n%s", r.status, tt.wantStatus, tt.wantInBody, r.body)
			}
			if r.location() != "" {
				t.Errorf("refusal redirects to %q", r.location())
			}
			if c := b.jar[sessionName(d)]; c != nil && tt.wantStatus != 401 {
				t.Errorf("a session cookie after a refused sign-in")
			}
			// A navigation afterwards goes to the provider (once), never
			// into a loop of callbacks.
			if n := b.navigate("/"); n.status != http.StatusFound || !strings.HasPrefix(n.location(), e.op.srv.URL) {
				t.Errorf("navigation after the refusal: %d %q", n.status, n.location())
			}
		})
	}
}
