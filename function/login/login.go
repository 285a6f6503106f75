package login

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"path"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"
)

// Defaults of Config and the options.
const (
	DefaultCallbackPath    = "/auth/callback"
	DefaultLogoutPath      = "/auth/logout"
	DefaultLoginPath       = "/auth/login"
	DefaultGroupsClaim     = "cognito:groups"
	DefaultSessionLifetime = 24 * time.Hour
	DefaultExpiryMargin    = time.Minute
	MaxExpiryMargin        = time.Hour
	// TransactionLifetime is how long a sign-in may take, from the redirect
	// to the provider to the callback.
	TransactionLifetime = 10 * time.Minute
	// KeyRefreshInterval is how often secrets from a Source are read again;
	// a cookie that no key opens makes it read them at once, at most every
	// KeyRetryInterval.
	KeyRefreshInterval = 5 * time.Minute
	KeyRetryInterval   = 30 * time.Second
	// DiscoveryRetryInterval is how long a failed discovery is answered
	// from memory (503) before it is tried again.
	DiscoveryRetryInterval = 5 * time.Second
)

// DefaultScopes are the scopes asked for when Config.Scopes is empty.
var DefaultScopes = []string{oidc.ScopeOpenID, "email", "profile"}

// Config is what New needs to know about the provider and the app.
type Config struct {
	// Issuer is the provider's issuer URL, where discovery
	// (/.well-known/openid-configuration) is found: for Cognito
	// https://cognito-idp.<region>.amazonaws.com/<pool id>.
	Issuer string
	// ClientID and ClientSecret are the app client's. Leave ClientSecret
	// empty for a public client or when WithClientSecretSource reads it.
	ClientID     string
	ClientSecret string
	// Scopes to ask for; DefaultScopes when empty. "openid" is added when
	// missing.
	Scopes []string
	// GroupsClaim names the ID token claim that lists the user's groups
	// (a list of strings or one string); DefaultGroupsClaim when empty.
	GroupsClaim string
	// SessionSecrets seal the session and transaction cookies: the first
	// encrypts, every one decrypts, so a new secret goes first and an old
	// one stays until the sessions it sealed have expired. Each is at least
	// MinSecretLen bytes. Leave empty when WithSessionSecretSource reads
	// them.
	SessionSecrets []string
	// CallbackPath, LogoutPath and LoginPath are the paths, relative to the
	// door's prefix, where the middleware answers itself (defaults
	// DefaultCallbackPath, DefaultLogoutPath, DefaultLoginPath). Every
	// door's prefix + CallbackPath must be a callback URL of the app client.
	CallbackPath, LogoutPath, LoginPath string
	// CognitoLogoutURL is Cognito managed login's logout endpoint
	// (https://<domain>/logout). When set, a sign-out ends there with
	// client_id and logout_uri (the door's root, which must be a sign-out
	// URL of the app client).
	CognitoLogoutURL string
	// EndSessionURL is an OpenID Connect end-session endpoint used instead
	// of the end_session_endpoint of discovery; a sign-out ends there with
	// client_id and post_logout_redirect_uri. Without either, and without
	// one in discovery, a sign-out ends at the door's root.
	EndSessionURL string
}

// Option changes a Login.
type Option func(*Login)

// WithLogger sets the logger (slog.Default() otherwise). Nothing of a
// token, code, cookie or secret is ever logged.
func WithLogger(l *slog.Logger) Option { return func(x *Login) { x.log = l } }

// WithHTTPClient sets the client for discovery, JWKS and the token endpoint
// (otherwise one with a 10 s timeout).
func WithHTTPClient(c *http.Client) Option { return func(x *Login) { x.client = c } }

// WithClock sets the clock, for tests.
func WithClock(now func() time.Time) Option { return func(x *Login) { x.now = now } }

// WithClientSecretSource reads the client secret (its first value) on
// first use instead of Config.ClientSecret.
func WithClientSecretSource(s Source) Option { return func(x *Login) { x.clientSecretSrc = s } }

// WithSessionSecretSource reads the session secrets on first use, then
// every KeyRefreshInterval, instead of Config.SessionSecrets.
func WithSessionSecretSource(s Source) Option { return func(x *Login) { x.keys.src = s } }

// WithSessionLifetime bounds a session from its sign-in, however often it
// is refreshed (DefaultSessionLifetime).
func WithSessionLifetime(d time.Duration) Option { return func(x *Login) { x.lifetime = d } }

// WithExpiryMargin refreshes a session this long before its ID token
// expires (DefaultExpiryMargin). New refuses a margin of MaxExpiryMargin or
// more (ID tokens commonly live an hour: every request would refresh), and
// a refreshed ID token that expires within the margin ends the session.
func WithExpiryMargin(d time.Duration) Option { return func(x *Login) { x.margin = d } }

// WithInsecureCookies leaves Secure off the cookies, for a local run over
// plain http on a host that is not localhost. Never in AWS.
func WithInsecureCookies() Option { return func(x *Login) { x.insecure = true } }

// WithPublicOrigin sets how the public origin ("https://host") of a
// request is found, for the redirect_uri and logout URLs. The default is
// the request's scheme (https when it came over TLS or with
// X-Forwarded-Proto https, as restproxy sets it) and its Host.
func WithPublicOrigin(f func(*http.Request) string) Option {
	return func(x *Login) { x.origin = f }
}

// Login is the sign-in middleware. Make one with New.
type Login struct {
	cfg             Config
	log             *slog.Logger
	client          *http.Client
	now             func() time.Time
	clientSecretSrc Source
	lifetime        time.Duration
	margin          time.Duration
	insecure        bool
	origin          func(*http.Request) string

	keys     keySource
	prov     lazyProvider
	inflight struct {
		mu sync.Mutex
		m  map[string]*refreshCall
	}
}

// Cookie names. The session cookie is HostSessionCookie when its Path is
// "/" and it is Secure (not WithInsecureCookies), SessionCookie otherwise.
// The transaction cookie's name ends with the start of its state, so
// sign-ins started in two tabs do not overwrite each other.
const (
	SessionCookie        = "lw_session"
	HostSessionCookie    = "__Host-" + SessionCookie
	transactionCookie    = "lw_tx_"
	transactionNameChars = 12
)

// New checks the configuration and returns the middleware. It makes no
// network call: discovery happens on the first request that needs the
// provider, and secrets from a Source are read on first use.
func New(cfg Config, opts ...Option) (*Login, error) {
	l := &Login{
		cfg:      cfg,
		log:      slog.Default(),
		client:   &http.Client{Timeout: 10 * time.Second},
		now:      time.Now,
		lifetime: DefaultSessionLifetime,
		margin:   DefaultExpiryMargin,
	}
	for _, o := range opts {
		o(l)
	}
	if l.origin == nil {
		l.origin = requestOrigin
	}
	c := &l.cfg
	u, err := url.Parse(c.Issuer)
	if err != nil || u.Host == "" || (u.Scheme != "https" && !(u.Scheme == "http" && isLoopback(u.Hostname()))) {
		return nil, fmt.Errorf("login: Issuer %q is not an https URL", c.Issuer)
	}
	if c.ClientID == "" {
		return nil, errors.New("login: ClientID is empty")
	}
	if len(c.Scopes) == 0 {
		c.Scopes = DefaultScopes
	}
	if !containsScope(c.Scopes, oidc.ScopeOpenID) {
		c.Scopes = append([]string{oidc.ScopeOpenID}, c.Scopes...)
	}
	if c.GroupsClaim == "" {
		c.GroupsClaim = DefaultGroupsClaim
	}
	for _, p := range []*string{&c.CallbackPath, &c.LogoutPath, &c.LoginPath} {
		def := map[*string]string{&c.CallbackPath: DefaultCallbackPath, &c.LogoutPath: DefaultLogoutPath, &c.LoginPath: DefaultLoginPath}[p]
		if *p == "" {
			*p = def
		}
		if !strings.HasPrefix(*p, "/") || path.Clean(*p) != *p || *p == "/" {
			return nil, fmt.Errorf("login: path %q is not a clean absolute path below /", *p)
		}
	}
	for _, e := range []string{c.CognitoLogoutURL, c.EndSessionURL} {
		if e == "" {
			continue
		}
		if u, err := url.Parse(e); err != nil || u.Host == "" || (u.Scheme != "https" && !(u.Scheme == "http" && isLoopback(u.Hostname()))) {
			return nil, fmt.Errorf("login: logout URL %q is not an https URL", e)
		}
	}
	if l.lifetime <= 0 || l.margin < 0 || l.margin >= MaxExpiryMargin {
		return nil, fmt.Errorf("login: the session lifetime must be positive and the expiry margin in [0, %v)", MaxExpiryMargin)
	}
	l.keys.bind = keyBinding(c.Issuer, c.ClientID)
	switch {
	case l.keys.src != nil && len(c.SessionSecrets) > 0:
		return nil, errors.New("login: both SessionSecrets and WithSessionSecretSource")
	case l.keys.src == nil:
		kr, err := newKeyring(c.SessionSecrets, l.now(), l.keys.bind)
		if err != nil {
			return nil, fmt.Errorf("login: %w", err)
		}
		l.keys.static = kr
	}
	if l.clientSecretSrc != nil && c.ClientSecret != "" {
		return nil, errors.New("login: both ClientSecret and WithClientSecretSource")
	}
	return l, nil
}

func containsScope(scopes []string, s string) bool {
	for _, x := range scopes {
		if x == s {
			return true
		}
	}
	return false
}

func isLoopback(host string) bool {
	return host == "localhost" || host == "127.0.0.1" || host == "::1"
}

func requestOrigin(r *http.Request) string {
	if r.TLS != nil {
		return "https://" + r.Host
	}
	return "http://" + r.Host
}

// keyBinding is appended to every HKDF info: the issuer and client ID,
// length-prefixed, so cookies are bound to the deployment.
func keyBinding(issuer, clientID string) string {
	return fmt.Sprintf(" %d:%s %d:%s", len(issuer), issuer, len(clientID), clientID)
}

// keySource holds the session keys: fixed, or read from a Source.
type keySource struct {
	static *keyring
	src    Source
	bind   string // keyBinding of the deployment
	cur    atomic.Pointer[keyring]
	mu     sync.Mutex
	tried  time.Time // last read, successful or not
}

// get returns the keys. With a Source it reads them on first use, when
// they are older than KeyRefreshInterval, and (stale) when a cookie no key
// opens asks for it, at most every KeyRetryInterval. A failed read keeps
// the keys it had.
func (k *keySource) get(ctx context.Context, now time.Time, stale bool, log *slog.Logger) (*keyring, error) {
	if k.static != nil {
		return k.static, nil
	}
	kr := k.cur.Load()
	if kr != nil && !stale && now.Sub(kr.loadedAt) < KeyRefreshInterval {
		return kr, nil
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	kr = k.cur.Load()
	if kr != nil && (now.Sub(k.tried) < KeyRetryInterval || (!stale && now.Sub(kr.loadedAt) < KeyRefreshInterval)) {
		return kr, nil
	}
	if kr == nil && now.Sub(k.tried) < KeyRetryInterval && !k.tried.IsZero() {
		return nil, errors.New("session secrets unavailable (read failed moments ago)")
	}
	k.tried = now
	secrets, err := k.src(ctx)
	if err == nil {
		var nkr *keyring
		if nkr, err = newKeyring(secrets, now, k.bind); err == nil {
			k.cur.Store(nkr)
			return nkr, nil
		}
	}
	log.Error("login: reading the session secrets failed", "error", err.Error())
	if kr != nil {
		return kr, nil
	}
	return nil, err
}

// provider is what discovery found, ready for use.
type provider struct {
	oauth      oauth2.Config // without RedirectURL
	verifier   *oidc.IDTokenVerifier
	endSession string
	revocation string // RFC 7009 endpoint; empty when unknown
}

type lazyProvider struct {
	mu     sync.Mutex
	p      atomic.Pointer[provider]
	err    error
	failed time.Time
}

// provider runs discovery on first use and keeps its result; a failure is
// kept for DiscoveryRetryInterval, then tried again.
func (l *Login) provider(ctx context.Context) (*provider, error) {
	if p := l.prov.p.Load(); p != nil {
		return p, nil
	}
	l.prov.mu.Lock()
	defer l.prov.mu.Unlock()
	if p := l.prov.p.Load(); p != nil {
		return p, nil
	}
	now := l.now()
	if l.prov.err != nil && now.Sub(l.prov.failed) < DiscoveryRetryInterval {
		return nil, l.prov.err
	}
	p, err := l.discover(ctx)
	if err != nil {
		l.prov.err, l.prov.failed = err, now
		l.log.Error("login: OpenID Connect discovery failed", "issuer", l.cfg.Issuer, "error", err.Error())
		return nil, err
	}
	l.prov.err = nil
	l.prov.p.Store(p)
	return p, nil
}

func (l *Login) discover(ctx context.Context) (*provider, error) {
	// The provider keeps this context for JWKS fetches: never cancelled.
	ctx = oidc.ClientContext(context.WithoutCancel(ctx), l.client)
	op, err := oidc.NewProvider(ctx, l.cfg.Issuer)
	if err != nil {
		return nil, err
	}
	secret := l.cfg.ClientSecret
	if l.clientSecretSrc != nil {
		vs, err := l.clientSecretSrc(ctx)
		if err != nil {
			return nil, fmt.Errorf("read the client secret: %w", err)
		}
		if len(vs) == 0 || vs[0] == "" {
			return nil, errors.New("the client secret is empty")
		}
		secret = vs[0]
	}
	var extra struct {
		EndSession string `json:"end_session_endpoint"`
		Revocation string `json:"revocation_endpoint"`
	}
	_ = op.Claims(&extra)
	p := &provider{
		oauth: oauth2.Config{
			ClientID:     l.cfg.ClientID,
			ClientSecret: secret,
			Endpoint:     op.Endpoint(),
			Scopes:       l.cfg.Scopes,
		},
		verifier:   op.Verifier(&oidc.Config{ClientID: l.cfg.ClientID, Now: l.now}),
		endSession: extra.EndSession,
		revocation: extra.Revocation,
	}
	if l.cfg.EndSessionURL != "" {
		p.endSession = l.cfg.EndSessionURL
	}
	if p.revocation == "" && l.cfg.CognitoLogoutURL != "" {
		// Cognito's discovery lists no revocation endpoint; it is
		// /oauth2/revoke on the managed login domain.
		if u, err := url.Parse(l.cfg.CognitoLogoutURL); err == nil {
			u.Path, u.RawQuery = "/oauth2/revoke", ""
			p.revocation = u.String()
		}
	}
	return p, nil
}

// clientContext carries the HTTP client to oauth2's token requests.
func (l *Login) clientContext(ctx context.Context) context.Context {
	return context.WithValue(ctx, oauth2.HTTPClient, l.client)
}
