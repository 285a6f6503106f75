package login_test

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc/oidctest"
	jose "github.com/go-jose/go-jose/v4"
)

const (
	testClientID     = "test-client"
	testClientSecret = "client-secret-0123456789"
	testKeyID        = "key-1"
)

// testOP is an OpenID provider for the tests: discovery, JWKS, a token
// endpoint with the code (PKCE) and refresh grants, RS256 ID tokens. The
// authorize step is a method: it checks the request and issues a code.
type testOP struct {
	t   testing.TB
	srv *httptest.Server
	key *rsa.PrivateKey
	now func() time.Time

	mu          sync.Mutex
	codes       map[string]grant
	refresh     map[string]string // refresh token → subject
	secrets     []string          // every code and token issued, for the log test
	tokenCalls  int
	refreshes   int
	revocations int

	// Knobs of the refusal tests.
	idTTL       time.Duration
	audience    string
	signWith    *rsa.PrivateKey
	nonce       string // sent instead of the request's when set
	groups      []string
	refreshSize int // refresh token length
	endSession  bool
	rotate      bool          // a refresh voids the refresh token it used
	slow        time.Duration // each refresh takes this long
}

type grant struct {
	challenge, redirect, nonce string
}

func newTestOP(t testing.TB, now func() time.Time) *testOP {
	op := &testOP{t: t, now: now, codes: map[string]grant{}, refresh: map[string]string{},
		idTTL: time.Hour, groups: []string{"admins", "staff"}, refreshSize: 64}
	op.key = testKey(t)
	op.srv = httptest.NewServer(http.HandlerFunc(op.serve))
	t.Cleanup(op.srv.Close)
	return op
}

// testKey returns an RSA key; a few are made once per run.
func testKey(t testing.TB) *rsa.PrivateKey {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func (op *testOP) serve(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case "/.well-known/openid-configuration":
		d := map[string]any{
			"issuer":                                op.srv.URL,
			"authorization_endpoint":                op.srv.URL + "/oauth2/authorize",
			"token_endpoint":                        op.srv.URL + "/oauth2/token",
			"revocation_endpoint":                   op.srv.URL + "/oauth2/revoke",
			"jwks_uri":                              op.srv.URL + "/.well-known/jwks.json",
			"response_types_supported":              []string{"code"},
			"subject_types_supported":               []string{"public"},
			"id_token_signing_alg_values_supported": []string{"RS256"},
		}
		if op.endSession {
			d["end_session_endpoint"] = op.srv.URL + "/logout"
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(d)
	case "/.well-known/jwks.json":
		set := jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: op.key.Public(), KeyID: testKeyID, Algorithm: "RS256", Use: "sig"}}}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(set)
	case "/oauth2/token":
		op.token(w, r)
	case "/oauth2/revoke":
		op.mu.Lock()
		defer op.mu.Unlock()
		if id, secret, ok := r.BasicAuth(); !ok || id != testClientID || secret != testClientSecret {
			oauthError(w, http.StatusUnauthorized, "invalid_client")
			return
		}
		op.revocations++
		delete(op.refresh, r.PostFormValue("token"))
	default:
		http.NotFound(w, r)
	}
}

func (op *testOP) token(w http.ResponseWriter, r *http.Request) {
	op.mu.Lock()
	defer op.mu.Unlock()
	op.tokenCalls++
	id, secret, ok := r.BasicAuth()
	if !ok {
		id, secret = r.PostFormValue("client_id"), r.PostFormValue("client_secret")
	} else {
		id, _ = url.QueryUnescape(id)
		secret, _ = url.QueryUnescape(secret)
	}
	if id != testClientID || secret != testClientSecret {
		oauthError(w, http.StatusUnauthorized, "invalid_client")
		return
	}
	sub, nonce := "user-0001", ""
	switch r.PostFormValue("grant_type") {
	case "authorization_code":
		g, ok := op.codes[r.PostFormValue("code")]
		delete(op.codes, r.PostFormValue("code"))
		sum := sha256.Sum256([]byte(r.PostFormValue("code_verifier")))
		if !ok || g.redirect != r.PostFormValue("redirect_uri") || base64.RawURLEncoding.EncodeToString(sum[:]) != g.challenge {
			oauthError(w, http.StatusBadRequest, "invalid_grant")
			return
		}
		nonce = g.nonce
		if op.nonce != "" {
			nonce = op.nonce
		}
	case "refresh_token":
		s, ok := op.refresh[r.PostFormValue("refresh_token")]
		if !ok {
			oauthError(w, http.StatusBadRequest, "invalid_grant")
			return
		}
		op.refreshes++
		sub = s
		if op.rotate {
			delete(op.refresh, r.PostFormValue("refresh_token"))
		}
		if op.slow > 0 {
			op.mu.Unlock()
			time.Sleep(op.slow)
			op.mu.Lock()
		}
	default:
		oauthError(w, http.StatusBadRequest, "unsupported_grant_type")
		return
	}
	rt := op.newSecret(op.refreshSize)
	op.refresh[rt] = sub
	access := op.newSecret(32)
	idt := op.idToken(sub, nonce)
	op.secrets = append(op.secrets, idt)
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{
		"access_token": access, "id_token": idt, "refresh_token": rt, "token_type": "Bearer", "expires_in": 3600,
	})
}

func oauthError(w http.ResponseWriter, status int, code string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	fmt.Fprintf(w, `{"error":%q}`, code)
}

// newSecret returns a random base64url string of n characters, recorded.
func (op *testOP) newSecret(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	s := base64.RawURLEncoding.EncodeToString(b)[:n]
	op.secrets = append(op.secrets, s)
	return s
}

func (op *testOP) idToken(sub, nonce string) string {
	now := op.now()
	aud := testClientID
	if op.audience != "" {
		aud = op.audience
	}
	c := map[string]any{
		"iss": op.srv.URL, "aud": aud, "sub": sub, "iat": now.Unix(), "exp": now.Add(op.idTTL).Unix(),
		"email": "zoe@example.com", "name": "Zoë Example", "cognito:groups": op.groups, "token_use": "id",
	}
	if nonce != "" {
		c["nonce"] = nonce
	}
	b, _ := json.Marshal(c)
	key := op.key
	if op.signWith != nil {
		key = op.signWith
	}
	return oidctest.SignIDToken(key, testKeyID, "RS256", string(b))
}

// authorize plays the user signing in at the provider: it checks the
// authorize URL the middleware redirected to and returns the callback URL
// with a fresh code.
func (op *testOP) authorize(t testing.TB, location string) *url.URL {
	t.Helper()
	u, err := url.Parse(location)
	if err != nil || !strings.HasPrefix(location, op.srv.URL+"/oauth2/authorize?") {
		t.Fatalf("not a redirect to the provider: %q", location)
	}
	q := u.Query()
	for k, want := range map[string]string{"response_type": "code", "client_id": testClientID, "code_challenge_method": "S256"} {
		if q.Get(k) != want {
			t.Fatalf("authorize %s = %q, want %q", k, q.Get(k), want)
		}
	}
	if !strings.Contains(" "+q.Get("scope")+" ", " openid ") {
		t.Fatalf("scope %q lacks openid", q.Get("scope"))
	}
	for _, k := range []string{"state", "nonce", "code_challenge", "redirect_uri"} {
		if q.Get(k) == "" {
			t.Fatalf("authorize URL without %s", k)
		}
	}
	op.mu.Lock()
	code := op.newSecret(40)
	op.codes[code] = grant{challenge: q.Get("code_challenge"), redirect: q.Get("redirect_uri"), nonce: q.Get("nonce")}
	op.mu.Unlock()
	cb, _ := url.Parse(q.Get("redirect_uri"))
	cq := cb.Query()
	cq.Set("code", code)
	cq.Set("state", q.Get("state"))
	cb.RawQuery = cq.Encode()
	return cb
}

func (op *testOP) revokeAll() {
	op.mu.Lock()
	defer op.mu.Unlock()
	clear(op.refresh)
}

func (op *testOP) calls() (tokens, refreshes int) {
	op.mu.Lock()
	defer op.mu.Unlock()
	return op.tokenCalls, op.refreshes
}
