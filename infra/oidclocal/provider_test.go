package oidclocal

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/crypto/bcrypt"
	"golang.org/x/oauth2"
)

const (
	clientID     = "local-app"
	clientSecret = "local-client-secret"
	appCallback  = "http://127.0.0.1:3000/prod/auth/callback"
	appCallback2 = "http://127.0.0.1:3001/auth/callback"
	appSignedOut = "http://127.0.0.1:3000/prod/"
	alicePass    = "alice's password"
)

var testUsers = []User{
	{Name: "alice@example.org", Password: alicePass, Groups: []string{"admins", "editors"}},
	{Name: "bob", Password: "bob's password"},
}

// syncBuffer collects log lines from the handler goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestMain quiets the op package, which logs refused requests to slog's
// default logger (TestNoSecretsInLogs reads those lines).
func TestMain(m *testing.M) {
	slog.SetDefault(slog.New(slog.DiscardHandler))
	os.Exit(m.Run())
}

type fixture struct {
	t      *testing.T
	srv    *httptest.Server
	p      *Provider
	issuer string
	logs   *syncBuffer
	oauth  oauth2.Config
	oidc   *oidc.Provider
}

// newFixture serves a provider behind an httptest.Server at path (""
// or a prefix such as "/idp").
func newFixture(t *testing.T, path string, edit func(*Config)) *fixture {
	t.Helper()
	var h http.Handler = http.NotFoundHandler()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { h.ServeHTTP(w, r) }))
	t.Cleanup(srv.Close)
	logs := &syncBuffer{}
	cfg := Config{
		Issuer: srv.URL + path,
		Users:  testUsers,
		Client: ClientConfig{
			ID:           clientID,
			Secret:       clientSecret,
			CallbackURLs: []string{appCallback, appCallback2},
			LogoutURLs:   []string{appSignedOut},
		},
		Logger: slog.New(slog.NewTextHandler(logs, nil)),
	}
	if edit != nil {
		edit(&cfg)
	}
	p, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	h = p.Handler()
	f := &fixture{t: t, srv: srv, p: p, issuer: cfg.Issuer, logs: logs}
	f.oidc, err = oidc.NewProvider(context.Background(), f.issuer)
	if err != nil {
		t.Fatal(err)
	}
	f.oauth = oauth2.Config{
		ClientID:     clientID,
		ClientSecret: clientSecret,
		Endpoint:     f.oidc.Endpoint(),
		RedirectURL:  appCallback,
		Scopes:       []string{oidc.ScopeOpenID, "email", "profile"},
	}
	return f
}

// browser follows redirects within the provider and stops at the app.
func (f *fixture) browser() *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{
		Jar: jar,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if !strings.HasPrefix(req.URL.String(), f.issuer+"/") {
				return http.ErrUseLastResponse
			}
			return nil
		},
	}
}

func body(t *testing.T, resp *http.Response) string {
	t.Helper()
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

var hiddenID = regexp.MustCompile(`<input type="hidden" name="id" value="([^"]+)">`)
var formAction = regexp.MustCompile(`<form method="post" action="([^"]+)">`)

// authStart is the app's redirect to the provider: the URL and what the app
// keeps to check the answer.
type authStart struct {
	url, state, nonce, verifier string
}

func (f *fixture) start(extra ...oauth2.AuthCodeOption) authStart {
	a := authStart{state: oauth2.GenerateVerifier(), nonce: oauth2.GenerateVerifier(), verifier: oauth2.GenerateVerifier()}
	opts := append([]oauth2.AuthCodeOption{oauth2.S256ChallengeOption(a.verifier), oidc.Nonce(a.nonce)}, extra...)
	a.url = f.oauth.AuthCodeURL(a.state, opts...)
	return a
}

// openForm follows the authorization URL to the sign-in form and returns its
// request id.
func (f *fixture) openForm(b *http.Client, authURL string) string {
	f.t.Helper()
	resp, err := b.Get(authURL)
	if err != nil {
		f.t.Fatal(err)
	}
	page := body(f.t, resp)
	m := hiddenID.FindStringSubmatch(page)
	if resp.StatusCode != http.StatusOK || m == nil {
		f.t.Fatalf("authorize: %s, want the sign-in form; body:\n%s", resp.Status, page)
	}
	if a := formAction.FindStringSubmatch(page); a == nil || html.UnescapeString(a[1]) != strings.TrimPrefix(f.issuer, f.srv.URL)+"/login" {
		f.t.Fatalf("form action %q", a)
	}
	return html.UnescapeString(m[1])
}

// submit posts the form; it returns the final response (a redirect to the app,
// or the form again).
func (f *fixture) submit(b *http.Client, id, user, pass string) *http.Response {
	f.t.Helper()
	resp, err := b.PostForm(f.issuer+"/login", url.Values{"id": {id}, "username": {user}, "password": {pass}})
	if err != nil {
		f.t.Fatal(err)
	}
	return resp
}

// codeFrom checks a redirect to the app's callback and returns the code.
func (f *fixture) codeFrom(resp *http.Response, a authStart) string {
	f.t.Helper()
	defer resp.Body.Close()
	loc, err := resp.Location()
	if resp.StatusCode != http.StatusFound || err != nil {
		f.t.Fatalf("want a redirect to the app, got %s (%v)", resp.Status, err)
	}
	if got := loc.Scheme + "://" + loc.Host + loc.Path; got != appCallback {
		f.t.Fatalf("redirected to %s", loc)
	}
	q := loc.Query()
	if q.Get("state") != a.state {
		f.t.Fatalf("state %q, want %q", q.Get("state"), a.state)
	}
	if q.Get("code") == "" {
		f.t.Fatalf("no code in %s", loc)
	}
	return q.Get("code")
}

// signIn is a whole sign-in: authorize, form, code, token; it returns the
// tokens and the verified ID token.
func (f *fixture) signIn(b *http.Client, user, pass string) (*oauth2.Token, *oidc.IDToken, authStart) {
	f.t.Helper()
	a := f.start()
	id := f.openForm(b, a.url)
	code := f.codeFrom(f.submit(b, id, user, pass), a)
	tok, idt := f.exchange(code, a)
	return tok, idt, a
}

func (f *fixture) exchange(code string, a authStart) (*oauth2.Token, *oidc.IDToken) {
	f.t.Helper()
	ctx := context.Background()
	tok, err := f.oauth.Exchange(ctx, code, oauth2.VerifierOption(a.verifier))
	if err != nil {
		f.t.Fatalf("exchange: %v", err)
	}
	idt := f.verify(tok)
	if idt.Nonce != a.nonce {
		f.t.Fatalf("nonce %q, want %q", idt.Nonce, a.nonce)
	}
	return tok, idt
}

func (f *fixture) verify(tok *oauth2.Token) *oidc.IDToken {
	f.t.Helper()
	raw, _ := tok.Extra("id_token").(string)
	if raw == "" {
		f.t.Fatal("no id_token in the token response")
	}
	idt, err := f.oidc.Verifier(&oidc.Config{ClientID: clientID}).Verify(context.Background(), raw)
	if err != nil {
		f.t.Fatalf("ID token does not verify: %v", err)
	}
	return idt
}

type cognitoClaims struct {
	Sub           string   `json:"sub"`
	Email         string   `json:"email"`
	EmailVerified bool     `json:"email_verified"`
	Name          string   `json:"name"`
	Username      string   `json:"cognito:username"`
	Groups        []string `json:"cognito:groups"`
	TokenUse      string   `json:"token_use"`
	Aud           any      `json:"aud"`
	Iss           string   `json:"iss"`
	Exp           int64    `json:"exp"`
	Iat           int64    `json:"iat"`
	AuthTime      int64    `json:"auth_time"`
	Nonce         string   `json:"nonce"`
}

func TestDiscovery(t *testing.T) {
	for _, path := range []string{"", "/idp"} {
		t.Run("path="+path, func(t *testing.T) {
			f := newFixture(t, path, nil)
			resp, err := http.Get(f.issuer + DiscoveryPath)
			if err != nil {
				t.Fatal(err)
			}
			var d struct {
				Issuer           string   `json:"issuer"`
				Authorization    string   `json:"authorization_endpoint"`
				Token            string   `json:"token_endpoint"`
				UserInfo         string   `json:"userinfo_endpoint"`
				JWKS             string   `json:"jwks_uri"`
				EndSession       string   `json:"end_session_endpoint"`
				Revocation       string   `json:"revocation_endpoint"`
				ResponseTypes    []string `json:"response_types_supported"`
				GrantTypes       []string `json:"grant_types_supported"`
				CodeChallenge    []string `json:"code_challenge_methods_supported"`
				IDTokenAlgs      []string `json:"id_token_signing_alg_values_supported"`
				Scopes           []string `json:"scopes_supported"`
				Claims           []string `json:"claims_supported"`
				SubjectTypes     []string `json:"subject_types_supported"`
				TokenAuthMethods []string `json:"token_endpoint_auth_methods_supported"`
			}
			if err := json.Unmarshal([]byte(body(t, resp)), &d); err != nil {
				t.Fatal(err)
			}
			want := map[string]string{
				"issuer": f.issuer, "authorization_endpoint": f.issuer + "/oauth2/authorize",
				"token_endpoint": f.issuer + "/oauth2/token", "userinfo_endpoint": f.issuer + "/oauth2/userInfo",
				"jwks_uri": f.issuer + "/.well-known/jwks.json", "end_session_endpoint": f.issuer + "/logout",
				"revocation_endpoint": f.issuer + "/oauth2/revoke",
			}
			got := map[string]string{
				"issuer": d.Issuer, "authorization_endpoint": d.Authorization, "token_endpoint": d.Token,
				"userinfo_endpoint": d.UserInfo, "jwks_uri": d.JWKS, "end_session_endpoint": d.EndSession,
				"revocation_endpoint": d.Revocation,
			}
			for k, v := range want {
				if got[k] != v {
					t.Errorf("%s = %q, want %q", k, got[k], v)
				}
			}
			for _, c := range []struct {
				name string
				list []string
				want []string
			}{
				{"response_types_supported", d.ResponseTypes, []string{"code"}},
				{"grant_types_supported", d.GrantTypes, []string{"authorization_code", "refresh_token"}},
				{"no implicit flow", d.ResponseTypes[:1], d.ResponseTypes},
				{"code and refresh only", d.GrantTypes[:min(len(d.GrantTypes), 2)], d.GrantTypes},
				{"code_challenge_methods_supported", d.CodeChallenge, []string{"S256"}},
				{"id_token_signing_alg_values_supported", d.IDTokenAlgs, []string{"RS256"}},
				{"scopes_supported", d.Scopes, []string{"openid", "email", "profile"}},
				{"claims_supported", d.Claims, []string{"sub", "email", "cognito:groups", "cognito:username"}},
				{"subject_types_supported", d.SubjectTypes, []string{"public"}},
				{"token_endpoint_auth_methods_supported", d.TokenAuthMethods, []string{"client_secret_basic", "client_secret_post"}},
				{"no unauthenticated client", d.TokenAuthMethods[:min(len(d.TokenAuthMethods), 2)], d.TokenAuthMethods},
			} {
				for _, w := range c.want {
					if !slices.Contains(c.list, w) {
						t.Errorf("%s = %q, lacks %q", c.name, c.list, w)
					}
				}
			}

			resp, err = http.Get(d.JWKS)
			if err != nil {
				t.Fatal(err)
			}
			var jwks struct {
				Keys []map[string]any `json:"keys"`
			}
			if err := json.Unmarshal([]byte(body(t, resp)), &jwks); err != nil {
				t.Fatal(err)
			}
			if len(jwks.Keys) != 1 {
				t.Fatalf("%d keys", len(jwks.Keys))
			}
			k := jwks.Keys[0]
			if k["kty"] != "RSA" || k["alg"] != "RS256" || k["use"] != "sig" || k["kid"] == "" || k["d"] != nil {
				t.Errorf("JWK %v", k)
			}
		})
	}
}

func TestCodeFlow(t *testing.T) {
	for _, path := range []string{"", "/idp"} {
		t.Run("path="+path, func(t *testing.T) {
			f := newFixture(t, path, nil)
			b := f.browser()
			before := time.Now().Unix()
			tok, idt, _ := f.signIn(b, "Alice@Example.org", alicePass) // names are case-insensitive

			var c cognitoClaims
			if err := idt.Claims(&c); err != nil {
				t.Fatal(err)
			}
			alice := testUsers[0]
			if c.Sub != alice.Subject() || c.Email != "alice@example.org" || !c.EmailVerified || c.Name != "alice" ||
				c.Username != alice.Subject() || !slices.Equal(c.Groups, []string{"admins", "editors"}) || c.TokenUse != "id" {
				t.Errorf("claims %+v", c)
			}
			if c.Iss != f.issuer || c.Exp-c.Iat != 3600 || c.AuthTime < before || c.AuthTime > c.Iat {
				t.Errorf("iss %q, exp-iat %d, auth_time %d (iat %d, start %d)", c.Iss, c.Exp-c.Iat, c.AuthTime, c.Iat, before)
			}
			if !slices.Equal(idt.Audience, []string{clientID}) {
				t.Errorf("aud %q", idt.Audience)
			}
			if tok.RefreshToken == "" || tok.AccessToken == "" || tok.TokenType != "Bearer" {
				t.Errorf("token response: access %t, refresh %t, type %q", tok.AccessToken != "", tok.RefreshToken != "", tok.TokenType)
			}
			if d := time.Until(tok.Expiry); d < 59*time.Minute || d > time.Hour+time.Minute {
				t.Errorf("access token expires in %v", d)
			}
			if err := idt.VerifyAccessToken(tok.AccessToken); err != nil {
				t.Errorf("at_hash: %v", err)
			}

			// The access token is a JWT signed by the same key, with Cognito's claims.
			ks := oidc.NewRemoteKeySet(context.Background(), f.issuer+JWKSPath)
			payload, err := ks.VerifySignature(context.Background(), tok.AccessToken)
			if err != nil {
				t.Fatalf("access token: %v", err)
			}
			var ac map[string]any
			_ = json.Unmarshal(payload, &ac)
			if ac["token_use"] != "access" || ac["client_id"] != clientID || ac["sub"] != alice.Subject() || ac["username"] != alice.Subject() {
				t.Errorf("access token claims %v", ac)
			}

			// userInfo with the access token.
			ui, err := f.oidc.UserInfo(context.Background(), oauth2.StaticTokenSource(tok))
			if err != nil {
				t.Fatal(err)
			}
			if ui.Subject != alice.Subject() || ui.Email != "alice@example.org" || !ui.EmailVerified {
				t.Errorf("userInfo %+v", ui)
			}

			// bob has no groups: no cognito:groups claim, as with Cognito.
			_, idt, _ = f.signIn(f.browser(), "bob", "bob's password")
			var raw map[string]any
			_ = idt.Claims(&raw)
			if _, ok := raw["cognito:groups"]; ok || raw["email"] != "bob@example.com" || raw["cognito:username"] != "bob" {
				t.Errorf("bob's claims %v", raw)
			}
		})
	}
}

func TestCodeOnlyOnce(t *testing.T) {
	f := newFixture(t, "", nil)
	b := f.browser()
	a := f.start()
	code := f.codeFrom(f.submit(b, f.openForm(b, a.url), "bob", "bob's password"), a)
	f.exchange(code, a)
	if _, err := f.oauth.Exchange(context.Background(), code, oauth2.VerifierOption(a.verifier)); err == nil {
		t.Fatal("a code was exchanged twice")
	}
}

func TestWrongClientSecret(t *testing.T) {
	f := newFixture(t, "", nil)
	b := f.browser()
	a := f.start()
	code := f.codeFrom(f.submit(b, f.openForm(b, a.url), "bob", "bob's password"), a)
	bad := f.oauth
	bad.ClientSecret = "not the secret"
	_, err := bad.Exchange(context.Background(), code, oauth2.VerifierOption(a.verifier))
	var re *oauth2.RetrieveError
	if !errors.As(err, &re) || re.Response.StatusCode != http.StatusUnauthorized {
		t.Fatalf("wrong secret: %v", err)
	}
}

func TestWrongPassword(t *testing.T) {
	f := newFixture(t, "", nil)
	b := f.browser()
	a := f.start()
	id := f.openForm(b, a.url)
	for _, user := range []string{"bob", "nobody"} {
		resp := f.submit(b, id, user, "wrong password")
		page := body(t, resp)
		if resp.StatusCode != http.StatusOK || !strings.Contains(page, "Incorrect username or password.") {
			t.Fatalf("%s: %s\n%s", user, resp.Status, page)
		}
		if m := hiddenID.FindStringSubmatch(page); m == nil || html.UnescapeString(m[1]) != id {
			t.Fatal("the form again does not carry the request id")
		}
		if !strings.Contains(page, `value="`+user+`"`) || strings.Contains(page, "wrong password") {
			t.Error("the form again should keep the name and drop the password")
		}
		if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") || strings.Contains(page, "<script") {
			t.Errorf("CSP %q or a script on the page", csp)
		}
	}
	// The right password on the same request still works.
	f.exchange(f.codeFrom(f.submit(b, id, "bob", "bob's password"), a), a)
	if logs := f.logs.String(); !strings.Contains(logs, "sign-in refused") || strings.Contains(logs, "wrong password") {
		t.Errorf("logs:\n%s", logs)
	}
}

func TestBcryptPassword(t *testing.T) {
	f := newFixture(t, "", func(c *Config) {
		c.Users = []User{{Name: "dave", Password: daveHash}}
	})
	f.signIn(f.browser(), "dave", "dave's password")
}

func TestPKCE(t *testing.T) {
	f := newFixture(t, "", nil)

	// Refused at the authorization endpoint: back to the app with an error.
	for name, opts := range map[string][]oauth2.AuthCodeOption{
		"no challenge":    nil,
		"plain challenge": {oauth2.SetAuthURLParam("code_challenge", "abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrs"), oauth2.SetAuthURLParam("code_challenge_method", "plain")},
	} {
		u := f.oauth.AuthCodeURL("st", opts...)
		resp, err := f.browser().Get(u)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		loc, _ := resp.Location()
		if resp.StatusCode != http.StatusFound || loc == nil || !strings.HasPrefix(loc.String(), appCallback+"?") ||
			loc.Query().Get("error") != "invalid_request" || loc.Query().Get("code") != "" || loc.Query().Get("state") != "st" {
			t.Errorf("%s: %s %v", name, resp.Status, loc)
		}
	}

	// Refused at the token endpoint: a missing or wrong verifier.
	for name, opts := range map[string][]oauth2.AuthCodeOption{
		"no verifier":    nil,
		"wrong verifier": {oauth2.VerifierOption(oauth2.GenerateVerifier())},
	} {
		b := f.browser()
		a := f.start()
		code := f.codeFrom(f.submit(b, f.openForm(b, a.url), "bob", "bob's password"), a)
		_, err := f.oauth.Exchange(context.Background(), code, opts...)
		var re *oauth2.RetrieveError
		if !errors.As(err, &re) || (re.ErrorCode != "invalid_grant" && re.ErrorCode != "invalid_request") {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func TestUnknownRedirectOrClient(t *testing.T) {
	f := newFixture(t, "", nil)
	a := f.start()
	for name, edit := range map[string]func(url.Values){
		"unknown redirect_uri":  func(q url.Values) { q.Set("redirect_uri", "https://evil.example/callback") },
		"prefix of a callback":  func(q url.Values) { q.Set("redirect_uri", appCallback+"/more") },
		"missing redirect_uri":  func(q url.Values) { q.Del("redirect_uri") },
		"unknown client_id":     func(q url.Values) { q.Set("client_id", "someone-else") },
		"callback with a query": func(q url.Values) { q.Set("redirect_uri", appCallback+"?next=https://evil.example") },
	} {
		u, _ := url.Parse(a.url)
		q := u.Query()
		edit(q)
		u.RawQuery = q.Encode()
		resp, err := f.browser().Get(u.String())
		if err != nil {
			t.Fatal(err)
		}
		page := body(t, resp)
		if resp.StatusCode != http.StatusBadRequest || resp.Header.Get("Location") != "" || !strings.Contains(page, "<h1>Sign-in error</h1>") {
			t.Errorf("%s: %s, Location %q\n%s", name, resp.Status, resp.Header.Get("Location"), page)
		}
	}
	// The implicit flow is refused, never redirected (the op package answers
	// 400 itself: an http redirect_uri is for the code flow only).
	u, _ := url.Parse(a.url)
	q := u.Query()
	q.Set("response_type", "id_token token")
	u.RawQuery = q.Encode()
	resp, err := f.browser().Get(u.String())
	if err != nil {
		t.Fatal(err)
	}
	page := body(t, resp)
	if loc := resp.Header.Get("Location"); resp.StatusCode != http.StatusBadRequest || loc != "" || strings.Contains(page, "token=") {
		t.Errorf("implicit flow: %s, Location %q: %s", resp.Status, loc, page)
	}

	// The second registered callback is fine.
	f.oauth.RedirectURL = appCallback2
	a = f.start()
	resp, err = f.browser().Get(a.url)
	if err != nil {
		t.Fatal(err)
	}
	if body(t, resp); resp.StatusCode != http.StatusOK {
		t.Errorf("second callback URL: %s", resp.Status)
	}
}

func TestRefresh(t *testing.T) {
	f := newFixture(t, "", func(c *Config) {
		c.IDTokenLifetime = 5 * time.Second
		c.AccessTokenLifetime = 5 * time.Second
		c.RefreshTokenLifetime = time.Minute
	})
	tok, idt, _ := f.signIn(f.browser(), "alice@example.org", alicePass)
	var c cognitoClaims
	_ = idt.Claims(&c)
	if c.Exp-c.Iat != 5 {
		t.Errorf("ID token lifetime %d s, want 5", c.Exp-c.Iat)
	}

	// The app refreshes: x/oauth2 sends the refresh grant for an expired token.
	old := *tok
	old.Expiry = time.Now().Add(-time.Second)
	fresh, err := f.oauth.TokenSource(context.Background(), &old).Token()
	if err != nil {
		t.Fatal(err)
	}
	idt2 := f.verify(fresh)
	var c2 cognitoClaims
	_ = idt2.Claims(&c2)
	if c2.Sub != c.Sub || c2.AuthTime != c.AuthTime || c2.Nonce != "" || !slices.Equal(c2.Groups, c.Groups) || c2.Exp-c2.Iat != 5 {
		t.Errorf("refreshed claims %+v, first %+v", c2, c)
	}
	if fresh.RefreshToken == "" || fresh.RefreshToken == tok.RefreshToken || fresh.AccessToken == tok.AccessToken {
		t.Error("the refresh grant should rotate the refresh token and issue a new access token")
	}

	// The used refresh token is spent; the new one works.
	if _, err := f.oauth.TokenSource(context.Background(), &old).Token(); err == nil {
		t.Error("a used refresh token was accepted again")
	}
	next := *fresh
	next.Expiry = time.Now().Add(-time.Second)
	if _, err := f.oauth.TokenSource(context.Background(), &next).Token(); err != nil {
		t.Errorf("the rotated refresh token: %v", err)
	}
	bad := f.oauth
	bad.ClientSecret = "wrong"
	if _, err := bad.TokenSource(context.Background(), &next).Token(); err == nil {
		t.Error("refresh with a wrong client secret was accepted")
	}
}

func TestSessionAndLogout(t *testing.T) {
	f := newFixture(t, "", nil)
	b := f.browser()
	f.signIn(b, "bob", "bob's password")

	// Within the provider session the next sign-in skips the form...
	a := f.start()
	resp, err := b.Get(a.url)
	if err != nil {
		t.Fatal(err)
	}
	f.exchange(f.codeFrom(resp, a), a)
	// ...unless the app asks for prompt=login.
	f.openForm(b, f.start(oauth2.SetAuthURLParam("prompt", "login")).url)

	logout := func(q url.Values) *http.Response {
		t.Helper()
		resp, err := b.Get(f.issuer + "/logout?" + q.Encode())
		if err != nil {
			t.Fatal(err)
		}
		body(t, resp)
		return resp
	}
	// Refused: an unregistered logout_uri, or another client; the session stays.
	for _, q := range []url.Values{
		{"client_id": {clientID}, "logout_uri": {"https://evil.example/"}},
		{"client_id": {clientID}, "logout_uri": {appCallback}},
		{"client_id": {"someone-else"}, "logout_uri": {appSignedOut}},
		{"logout_uri": {appSignedOut}},
		{"client_id": {clientID}, "post_logout_redirect_uri": {"https://evil.example/"}},
	} {
		if resp := logout(q); resp.StatusCode != http.StatusBadRequest || resp.Header.Get("Location") != "" {
			t.Errorf("%v: %s, Location %q", q, resp.Status, resp.Header.Get("Location"))
		}
	}
	a = f.start()
	if resp, _ := b.Get(a.url); resp.StatusCode != http.StatusFound {
		t.Fatalf("the session did not survive a refused logout: %s", resp.Status)
	} else {
		resp.Body.Close()
	}

	// Cognito's logout: back to the app, and the form again next time.
	resp = logout(url.Values{"client_id": {clientID}, "logout_uri": {appSignedOut}})
	if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != appSignedOut {
		t.Fatalf("logout: %s, Location %q", resp.Status, resp.Header.Get("Location"))
	}
	f.openForm(b, f.start().url)

	// OIDC end_session with id_token_hint, post_logout_redirect_uri and state.
	tok, _, _ := f.signIn(b, "bob", "bob's password")
	raw, _ := tok.Extra("id_token").(string)
	resp = logout(url.Values{"id_token_hint": {raw}, "post_logout_redirect_uri": {appSignedOut}, "state": {"xyz"}})
	if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != appSignedOut+"?state=xyz" {
		t.Fatalf("end_session: %s, Location %q", resp.Status, resp.Header.Get("Location"))
	}
	f.openForm(b, f.start().url)

	// Cognito's sign out and sign in again (redirect_uri + response_type).
	f.signIn(b, "bob", "bob's password")
	a = f.start()
	u, _ := url.Parse(a.url)
	resp, err = b.Get(f.issuer + "/logout?" + u.RawQuery)
	if err != nil {
		t.Fatal(err)
	}
	page := body(t, resp)
	if resp.StatusCode != http.StatusOK || !hiddenID.MatchString(page) {
		t.Fatalf("logout then sign in: %s", resp.Status)
	}
}

func TestPromptNone(t *testing.T) {
	f := newFixture(t, "", nil)
	b := f.browser()
	a := f.start(oauth2.SetAuthURLParam("prompt", "none"))
	resp, err := b.Get(a.url)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc, _ := resp.Location()
	if loc == nil || loc.Query().Get("error") != "login_required" || loc.Query().Get("state") != a.state {
		t.Fatalf("prompt=none without a session: %s %v", resp.Status, loc)
	}
	f.signIn(b, "bob", "bob's password")
	a = f.start(oauth2.SetAuthURLParam("prompt", "none"))
	resp, err = b.Get(a.url)
	if err != nil {
		t.Fatal(err)
	}
	f.exchange(f.codeFrom(resp, a), a)
}

func TestRevoke(t *testing.T) {
	f := newFixture(t, "", nil)
	tok, _, _ := f.signIn(f.browser(), "bob", "bob's password")
	req, _ := http.NewRequest(http.MethodPost, f.issuer+RevokePath, strings.NewReader(url.Values{"token": {tok.RefreshToken}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(clientID, clientSecret)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if body(t, resp); resp.StatusCode != http.StatusOK {
		t.Fatalf("revoke: %s", resp.Status)
	}
	tok.Expiry = time.Now().Add(-time.Second)
	if _, err := f.oauth.TokenSource(context.Background(), tok).Token(); err == nil {
		t.Error("a revoked refresh token was accepted")
	}
}

func TestNoSecretsInLogs(t *testing.T) {
	var global syncBuffer
	prev := slog.Default()
	slog.SetDefault(slog.New(slog.NewTextHandler(&global, &slog.HandlerOptions{Level: slog.LevelDebug})))
	t.Cleanup(func() { slog.SetDefault(prev) })

	f := newFixture(t, "", nil)
	b := f.browser()
	a := f.start()
	id := f.openForm(b, a.url)
	body(t, f.submit(b, id, "alice@example.org", "hunter2-wrong"))
	body(t, f.submit(b, id, alicePass, alicePass)) // the password typed as the name
	body(t, f.submit(b, id, "hunter2-wrong", "x"))
	code := f.codeFrom(f.submit(b, id, "alice@example.org", alicePass), a)
	// failures too: a wrong verifier, a replayed code, a bad refresh token
	_, _ = f.oauth.Exchange(context.Background(), code, oauth2.VerifierOption("wrong-verifier-wrong-verifier-wrong-verifier"))
	tok, _ := f.exchange(code, a)
	_, _ = f.oauth.Exchange(context.Background(), code, oauth2.VerifierOption(a.verifier))
	_, _ = f.oauth.TokenSource(context.Background(), &oauth2.Token{RefreshToken: tok.RefreshToken + "x"}).Token()
	_, _ = f.oauth.TokenSource(context.Background(), &oauth2.Token{RefreshToken: tok.RefreshToken}).Token()
	_, _ = f.oidc.UserInfo(context.Background(), oauth2.StaticTokenSource(&oauth2.Token{AccessToken: tok.AccessToken + "x"}))

	logs := f.logs.String() + global.String()
	if !strings.Contains(logs, "signed in") {
		t.Errorf("no sign-in line in the logs:\n%s", logs)
	}
	secrets := map[string]string{"password": alicePass, "wrong password": "hunter2-wrong", "code": code, "request id": id,
		"access token": tok.AccessToken, "refresh token": tok.RefreshToken, "client secret": clientSecret, "verifier": a.verifier}
	if raw, _ := tok.Extra("id_token").(string); raw != "" {
		secrets["ID token"] = raw
	}
	for what, s := range secrets {
		if strings.Contains(logs, s) {
			t.Errorf("the logs contain the %s", what)
		}
	}
	// The tokens' signatures and payloads, not only whole tokens.
	for _, part := range strings.Split(tok.AccessToken, ".") {
		if len(part) > 20 && strings.Contains(logs, part) {
			t.Error("the logs contain part of the access token")
		}
	}
	if testing.Verbose() {
		t.Logf("logs:\n%s", logs)
	}
}

func TestNewErrors(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "users")
	if err := os.WriteFile(bad, []byte("alice:ok\nbob\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	good := filepath.Join(dir, "good")
	if err := os.WriteFile(good, []byte("alice:ok:g1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	client := ClientConfig{ID: "c", CallbackURLs: []string{appCallback}}
	for name, c := range map[string]struct {
		cfg  Config
		want string
	}{
		"no issuer":         {Config{Users: testUsers, Client: client}, "issuer"},
		"issuer query":      {Config{Issuer: "http://127.0.0.1:1/?a=b", Users: testUsers, Client: client}, "issuer"},
		"no users":          {Config{Issuer: "http://127.0.0.1:1", Client: client}, "no users"},
		"bad users file":    {Config{Issuer: "http://127.0.0.1:1", UsersFile: bad, Client: client}, "line 2"},
		"missing file":      {Config{Issuer: "http://127.0.0.1:1", UsersFile: filepath.Join(dir, "none"), Client: client}, "no such file"},
		"duplicate users":   {Config{Issuer: "http://127.0.0.1:1", Users: []User{{Name: "a", Password: "x"}, {Name: "A", Password: "y"}}, Client: client}, "twice"},
		"no client id":      {Config{Issuer: "http://127.0.0.1:1", Users: testUsers, Client: ClientConfig{CallbackURLs: []string{appCallback}}}, "ID"},
		"no callback":       {Config{Issuer: "http://127.0.0.1:1", Users: testUsers, Client: ClientConfig{ID: "c"}}, "callback"},
		"relative URL":      {Config{Issuer: "http://127.0.0.1:1", Users: testUsers, Client: ClientConfig{ID: "c", CallbackURLs: []string{"/cb"}}}, "absolute"},
		"negative lifetime": {Config{Issuer: "http://127.0.0.1:1", Users: testUsers, Client: client, IDTokenLifetime: -1}, "negative"},
	} {
		_, err := New(c.cfg)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", name, err, c.want)
		}
	}
	p, err := New(Config{Issuer: "http://127.0.0.1:1/", UsersFile: good, Client: client})
	if err != nil {
		t.Fatal(err)
	}
	if p.Issuer() != "http://127.0.0.1:1" || len(p.Users()) != 1 || p.Users()[0].Password != "" {
		t.Errorf("issuer %q, users %+v", p.Issuer(), p.Users())
	}
}

// TestSignInTime times a whole local sign-in as an app's browser and server
// see it: authorize → sign-in form → form post → code → token.
func TestSignInTime(t *testing.T) {
	f := newFixture(t, "", nil)
	const n = 30
	times := make([]time.Duration, 0, n)
	for range n {
		b := f.browser()
		start := time.Now()
		f.signIn(b, "alice@example.org", alicePass)
		times = append(times, time.Since(start))
	}
	sort.Slice(times, func(i, j int) bool { return times[i] < times[j] })
	fmt.Printf("local sign-in (authorize → form → post → code → token, ID token verified): median %.1f ms, max %.1f ms over %d\n",
		ms(times[n/2]), ms(times[n-1]), n)
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func TestExpiry(t *testing.T) {
	f := newFixture(t, "", nil)
	clock := time.Now()
	f.p.store.now = func() time.Time { return clock }

	// A code is good for 5 minutes.
	b := f.browser()
	a := f.start()
	code := f.codeFrom(f.submit(b, f.openForm(b, a.url), "bob", "bob's password"), a)
	clock = clock.Add(5*time.Minute + time.Second)
	if _, err := f.oauth.Exchange(context.Background(), code, oauth2.VerifierOption(a.verifier)); err == nil {
		t.Error("an expired code was accepted")
	}

	// The sign-in form for 15 minutes.
	a = f.start()
	id := f.openForm(f.browser(), a.url)
	clock = clock.Add(15*time.Minute + time.Second)
	resp := f.submit(f.browser(), id, "bob", "bob's password")
	if page := body(t, resp); resp.StatusCode != http.StatusBadRequest || !strings.Contains(page, "expired") {
		t.Errorf("an expired sign-in request: %s", resp.Status)
	}
}

func TestCognitoLoginURL(t *testing.T) {
	// Cognito's /login takes the authorization parameters: it leads to the form.
	f := newFixture(t, "", nil)
	a := f.start()
	u, _ := url.Parse(a.url)
	f.openForm(f.browser(), f.issuer+"/login?"+u.RawQuery)
}

// TestHardening: plain http only on loopback, no cross-site form posts to
// /login, and an unknown user costs a bcrypt check at the users' cost.
func TestHardening(t *testing.T) {
	client := ClientConfig{ID: "c", CallbackURLs: []string{appCallback}}
	if _, err := New(Config{Issuer: "http://idp.example.com", Users: testUsers, Client: client}); err == nil || !strings.Contains(err.Error(), "loopback") {
		t.Errorf("http issuer on a public host: %v", err)
	}

	f := newFixture(t, "", func(c *Config) { c.Users = []User{{Name: "dave", Password: daveHash}} })
	want, _ := bcrypt.Cost([]byte(daveHash))
	if got, err := bcrypt.Cost(f.p.store.dummy); err != nil || got != want {
		t.Errorf("dummy hash cost %d (%v), want the users' %d", got, err, want)
	}

	for _, h := range []map[string]string{{"Origin": "https://evil.example"}, {"Sec-Fetch-Site": "cross-site"}, {"Origin": "null"}} {
		b := f.browser()
		id := f.openForm(b, f.start().url)
		req, _ := http.NewRequest(http.MethodPost, f.issuer+"/login", strings.NewReader(url.Values{"id": {id}, "username": {"dave"}, "password": {"dave's password"}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		for k, v := range h {
			req.Header.Set(k, v)
		}
		resp, err := b.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("%v: %d, want 403", h, resp.StatusCode)
		}
	}
	// Same origin still works.
	b := f.browser()
	id := f.openForm(b, f.start().url)
	req, _ := http.NewRequest(http.MethodPost, f.issuer+"/login", strings.NewReader(url.Values{"id": {id}, "username": {"dave"}, "password": {"dave's password"}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", f.srv.URL)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	resp, err := b.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound {
		t.Errorf("same-origin post: %d, want 302 to the app", resp.StatusCode)
	}
}
