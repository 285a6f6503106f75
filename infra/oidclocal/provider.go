package oidclocal

import (
	_ "embed"
	"errors"
	"fmt"
	"html/template"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"
	"golang.org/x/text/language"
)

// Paths of Cognito's managed login, relative to the issuer.
const (
	DiscoveryPath = "/.well-known/openid-configuration"
	JWKSPath      = "/.well-known/jwks.json"
	AuthorizePath = "/oauth2/authorize"
	TokenPath     = "/oauth2/token"
	UserInfoPath  = "/oauth2/userInfo"
	RevokePath    = "/oauth2/revoke"
	LogoutPath    = "/logout"
	loginPath     = "/login"
	loggedOutPath = "/logged-out"
	callbackPath  = AuthorizePath + "/callback" // the op package's, after sign-in
)

// SessionCookie is the name of the provider's own sign-in cookie.
const SessionCookie = "oidclocal-session"

// Default lifetimes: Cognito's defaults for an app client and for the managed
// login session.
const (
	DefaultIDTokenLifetime      = time.Hour
	DefaultAccessTokenLifetime  = time.Hour
	DefaultRefreshTokenLifetime = 30 * 24 * time.Hour
	DefaultSessionLifetime      = time.Hour
)

// Config configures a [Provider].
type Config struct {
	// Issuer is the base URL the handler is served at, such as
	// http://127.0.0.1:3002 (a path is allowed: the handler then expects
	// requests under it). It is the iss claim and the base of every
	// endpoint. http is accepted: this provider is for local use.
	Issuer string

	// Users who can sign in; if empty, UsersFile is read.
	Users     []User
	UsersFile string

	// Client is the one registered app client.
	Client ClientConfig

	// Token lifetimes; zero means the default (1 h, 1 h, 30 days).
	IDTokenLifetime      time.Duration
	AccessTokenLifetime  time.Duration
	RefreshTokenLifetime time.Duration
	// SessionLifetime is how long the provider remembers a sign-in in the
	// browser, so that the next authorization skips the form (default 1 h,
	// Cognito's managed login session).
	SessionLifetime time.Duration

	// Logger receives one line per sign-in, sign-in failure and sign-out,
	// with the user name and never a password, code or token; nil logs
	// nothing. (The op package logs its protocol errors to slog's default
	// logger, also without codes or tokens.)
	Logger *slog.Logger

	issuerPath string
}

// ClientConfig is the app client, as the user pool's app client would be.
type ClientConfig struct {
	ID string
	// Secret authenticates the client at the token endpoint (HTTP basic or
	// client_secret_post). Empty makes a public client: PKCE is required
	// either way.
	Secret string
	// CallbackURLs are the allowed redirect_uri values, compared exactly.
	CallbackURLs []string
	// LogoutURLs are the allowed logout_uri (and post_logout_redirect_uri)
	// values, compared exactly.
	LogoutURLs []string
}

// Provider is a local OpenID provider that answers like Cognito's managed
// login. It binds nothing: serve [Provider.Handler] where Config.Issuer
// points.
type Provider struct {
	cfg     Config
	store   *storage
	op      *op.Provider
	handler http.Handler
	secure  bool
}

// New checks the configuration, reads the users and generates a signing key.
func New(cfg Config) (*Provider, error) {
	iss, err := url.Parse(cfg.Issuer)
	if err != nil || (iss.Scheme != "http" && iss.Scheme != "https") || iss.Host == "" || iss.RawQuery != "" || iss.Fragment != "" || iss.User != nil {
		return nil, fmt.Errorf("oidclocal: issuer %q is not an http(s) URL without query or fragment", cfg.Issuer)
	}
	if iss.Scheme == "http" && !isLoopback(iss.Hostname()) {
		return nil, fmt.Errorf("oidclocal: issuer %q: plain http only on a loopback host (localhost, 127.0.0.1, ::1)", cfg.Issuer)
	}
	cfg.Issuer = strings.TrimSuffix(cfg.Issuer, "/")
	cfg.issuerPath = strings.TrimSuffix(iss.Path, "/")
	users := cfg.Users
	if len(users) == 0 {
		if cfg.UsersFile == "" {
			return nil, errors.New("oidclocal: no users: set Users or UsersFile")
		}
		if users, err = ReadUsersFile(cfg.UsersFile); err != nil {
			return nil, fmt.Errorf("oidclocal: %w", err)
		}
	} else {
		seen := map[string]bool{}
		for i, u := range users {
			if err := checkName(u.Name); err != nil {
				return nil, fmt.Errorf("oidclocal: user %d: %w", i+1, err)
			}
			if err := checkPassword(u); err != nil {
				return nil, fmt.Errorf("oidclocal: %w", err)
			}
			if seen[strings.ToLower(u.Name)] {
				return nil, fmt.Errorf("oidclocal: user %q is listed twice (names are case-insensitive)", u.Name)
			}
			seen[strings.ToLower(u.Name)] = true
		}
		users = slices.Clone(users)
	}
	if cfg.Client.ID == "" {
		return nil, errors.New("oidclocal: the client needs an ID")
	}
	if len(cfg.Client.CallbackURLs) == 0 {
		return nil, errors.New("oidclocal: the client needs at least one callback URL")
	}
	for _, list := range [][]string{cfg.Client.CallbackURLs, cfg.Client.LogoutURLs} {
		for _, u := range list {
			p, err := url.Parse(u)
			if err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "" || p.Fragment != "" {
				return nil, fmt.Errorf("oidclocal: client URL %q is not an absolute http(s) URL without fragment", u)
			}
		}
	}
	cfg.Client.CallbackURLs = slices.Clone(cfg.Client.CallbackURLs)
	cfg.Client.LogoutURLs = slices.Clone(cfg.Client.LogoutURLs)
	for _, d := range []struct {
		v   *time.Duration
		def time.Duration
	}{
		{&cfg.IDTokenLifetime, DefaultIDTokenLifetime},
		{&cfg.AccessTokenLifetime, DefaultAccessTokenLifetime},
		{&cfg.RefreshTokenLifetime, DefaultRefreshTokenLifetime},
		{&cfg.SessionLifetime, DefaultSessionLifetime},
	} {
		if *d.v < 0 {
			return nil, errors.New("oidclocal: negative lifetime")
		}
		if *d.v == 0 {
			*d.v = d.def
		}
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}

	p := &Provider{cfg: cfg, secure: iss.Scheme == "https"}
	if p.store, err = newStorage(&p.cfg, users); err != nil {
		return nil, err
	}
	var cryptoKey [32]byte
	copy(cryptoKey[:], randomBytes(32))
	p.op, err = op.NewProvider(&op.Config{
		CryptoKey:                cryptoKey,
		CryptoKeyId:              "oidclocal",
		DefaultLogoutRedirectURI: cfg.issuerPath + loggedOutPath,
		CodeMethodS256:           true,
		AuthMethodPost:           true,
		GrantTypeRefreshToken:    true,
		SupportedUILocales:       []language.Tag{language.English},
		SupportedScopes:          []string{oidc.ScopeOpenID, oidc.ScopeEmail, oidc.ScopeProfile},
		SupportedClaims: []string{"sub", "aud", "iss", "exp", "iat", "auth_time", "nonce", "at_hash", "c_hash",
			"email", "email_verified", "name", "cognito:username", "cognito:groups", "token_use"},
	}, p.store, op.StaticIssuer(cfg.Issuer),
		op.WithAllowInsecure(),
		op.WithCustomEndpoints(
			op.NewEndpoint(AuthorizePath),
			op.NewEndpoint(TokenPath),
			op.NewEndpoint(UserInfoPath),
			op.NewEndpoint(RevokePath),
			op.NewEndpoint(LogoutPath),
			op.NewEndpoint(JWKSPath),
		),
		op.WithCustomIntrospectionEndpoint(op.NewEndpoint("/oauth2/introspect")),
		// Only servers call the token endpoint: no cross-origin access.
		op.WithCORSOptions(nil),
	)
	if err != nil {
		return nil, fmt.Errorf("oidclocal: %w", err)
	}

	mux := http.NewServeMux()
	mux.Handle(DiscoveryPath, op.NewIssuerInterceptor(p.op.IssuerFromRequest).Handler(http.HandlerFunc(p.discovery)))
	mux.HandleFunc(AuthorizePath, p.authorize)
	mux.HandleFunc(loginPath, p.login)
	mux.Handle(LogoutPath, op.NewIssuerInterceptor(p.op.IssuerFromRequest).Handler(http.HandlerFunc(p.logout)))
	mux.HandleFunc(loggedOutPath, p.loggedOut)
	mux.Handle("/", p.op)
	var h http.Handler = mux
	if cfg.issuerPath != "" {
		h = http.StripPrefix(cfg.issuerPath, mux)
	}
	p.handler = h
	return p, nil
}

// Handler serves every endpoint under the issuer's path.
func (p *Provider) Handler() http.Handler { return p.handler }

// ServeHTTP is Handler().ServeHTTP.
func (p *Provider) ServeHTTP(w http.ResponseWriter, r *http.Request) { p.handler.ServeHTTP(w, r) }

// origin is the issuer's scheme://host[:port].
func (p *Provider) origin() string {
	u, err := url.Parse(p.cfg.Issuer)
	if err != nil {
		return ""
	}
	return u.Scheme + "://" + u.Host
}

func isLoopback(host string) bool {
	return host == "localhost" || host == "127.0.0.1" || host == "::1"
}

// Issuer is the iss claim and the base URL of the endpoints.
func (p *Provider) Issuer() string { return p.cfg.Issuer }

// Users are the users who can sign in.
func (p *Provider) Users() []User {
	users := make([]User, 0, len(p.store.users))
	for _, u := range p.store.users {
		users = append(users, User{Name: u.Name, Groups: slices.Clone(u.Groups)})
	}
	slices.SortFunc(users, func(a, b User) int { return strings.Compare(a.Name, b.Name) })
	return users
}

// discovery is the op package's document without what this provider does
// not offer (implicit flow, JWT grants, device flow) and with the client's
// one way to authenticate.
func (p *Provider) discovery(w http.ResponseWriter, r *http.Request) {
	d := op.CreateDiscoveryConfig(r.Context(), p.op, p.store)
	d.ResponseTypesSupported = []string{string(oidc.ResponseTypeCode)}
	d.GrantTypesSupported = []oidc.GrantType{oidc.GrantTypeCode, oidc.GrantTypeRefreshToken}
	d.DeviceAuthorizationEndpoint = ""
	methods := []oidc.AuthMethod{oidc.AuthMethodBasic, oidc.AuthMethodPost}
	if p.cfg.Client.Secret == "" {
		methods = []oidc.AuthMethod{oidc.AuthMethodNone}
	}
	d.TokenEndpointAuthMethodsSupported = methods
	d.RevocationEndpointAuthMethodsSupported = methods
	op.Discover(w, d)
}

// authorize refuses an unknown client or redirect_uri with a page of its own
// (the op package answers those with a bare text line) and never redirects to
// them; everything else is the op package's.
func (p *Provider) authorize(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		p.errorPage(w, http.StatusBadRequest, "The sign-in request cannot be read.")
		return
	}
	if cid := r.Form.Get("client_id"); cid != p.cfg.Client.ID {
		p.errorPage(w, http.StatusBadRequest, "The sign-in request names an unknown client_id.")
		return
	}
	if ru := r.Form.Get("redirect_uri"); !slices.Contains(p.cfg.Client.CallbackURLs, ru) {
		p.errorPage(w, http.StatusBadRequest, "The sign-in request's redirect_uri is not one of the client's callback URLs.")
		return
	}
	p.op.ServeHTTP(w, r)
}

func (p *Provider) callbackURL(id string) string {
	return p.cfg.issuerPath + callbackPath + "?id=" + url.QueryEscape(id)
}

// login is the sign-in page: GET shows the form (or, with a live session,
// signs in at once), POST checks the password.
func (p *Provider) login(w http.ResponseWriter, r *http.Request) {
	switch r.Method {
	case http.MethodGet, http.MethodHead:
		p.loginForm(w, r)
	case http.MethodPost:
		p.loginPost(w, r)
	default:
		w.Header().Set("Allow", "GET, HEAD, POST")
		p.errorPage(w, http.StatusMethodNotAllowed, "Method not allowed.")
	}
}

func (p *Provider) loginForm(w http.ResponseWriter, r *http.Request) {
	id := r.URL.Query().Get("id")
	if id == "" && r.URL.Query().Get("client_id") != "" {
		// Cognito's /login takes the authorization parameters too.
		http.Redirect(w, r, p.cfg.issuerPath+AuthorizePath+"?"+r.URL.RawQuery, http.StatusFound)
		return
	}
	a, ok := p.store.pending(id)
	if !ok {
		p.errorPage(w, http.StatusBadRequest, "This sign-in request is unknown or has expired. Go back to the app and sign in again.")
		return
	}
	prompt := a.req.Prompt
	if c, err := r.Cookie(SessionCookie); err == nil && !slices.Contains(prompt, oidc.PromptLogin) {
		if bs, ok := p.store.session(c.Value); ok && (a.req.MaxAge == nil || time.Since(bs.authTime) <= time.Duration(*a.req.MaxAge)*time.Second) {
			if p.store.complete(id, bs.subject, bs.authTime) {
				p.cfg.Logger.Info("sign-in from the provider session", "user", p.store.bySubject[bs.subject].Name)
				http.Redirect(w, r, p.callbackURL(id), http.StatusFound)
				return
			}
		}
	}
	if slices.Contains(prompt, oidc.PromptNone) {
		op.AuthRequestError(w, r, a, oidc.ErrLoginRequired(), p.op)
		return
	}
	p.renderLogin(w, http.StatusOK, id, "", "")
}

func (p *Provider) loginPost(w http.ResponseWriter, r *http.Request) {
	// The form is this provider's own page: refuse a post from another
	// site (login CSRF, signing the browser in as someone else).
	if o := r.Header.Get("Origin"); o != "" && o != p.origin() {
		p.cfg.Logger.Warn("sign-in refused: cross-origin form post")
		p.errorPage(w, http.StatusForbidden, "Sign-in refused: the form was posted from another site.")
		return
	}
	if sfs := r.Header.Get("Sec-Fetch-Site"); sfs != "" && sfs != "same-origin" && sfs != "none" {
		p.cfg.Logger.Warn("sign-in refused: cross-site form post")
		p.errorPage(w, http.StatusForbidden, "Sign-in refused: the form was posted from another site.")
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		p.errorPage(w, http.StatusBadRequest, "The sign-in form cannot be read.")
		return
	}
	id := r.PostForm.Get("id")
	if _, ok := p.store.pending(id); !ok {
		p.errorPage(w, http.StatusBadRequest, "This sign-in request is unknown or has expired. Go back to the app and sign in again.")
		return
	}
	name := r.PostForm.Get("username")
	u, ok := p.store.checkPassword(name, r.PostForm.Get("password"))
	if !ok {
		p.cfg.Logger.Info("sign-in refused: incorrect username or password", "user", p.logName(name))
		p.renderLogin(w, http.StatusOK, id, name, "Incorrect username or password.")
		return
	}
	now := time.Now()
	if !p.store.complete(id, u.Subject(), now) {
		p.errorPage(w, http.StatusBadRequest, "This sign-in request has already been used. Go back to the app and sign in again.")
		return
	}
	path := p.cfg.issuerPath
	if path == "" {
		path = "/"
	}
	http.SetCookie(w, &http.Cookie{
		Name:     SessionCookie,
		Value:    p.store.newSession(u.Subject(), now),
		Path:     path,
		MaxAge:   int(p.cfg.SessionLifetime / time.Second),
		HttpOnly: true,
		Secure:   p.secure,
		SameSite: http.SameSiteLaxMode,
	})
	p.cfg.Logger.Info("signed in", "user", u.Name, "groups", u.Groups)
	http.Redirect(w, r, p.callbackURL(id), http.StatusFound)
}

// logName is a typed user name fit for a log line: only the name of a known
// user (someone may have typed the password into the name field).
func (p *Provider) logName(name string) string {
	if u, ok := p.store.users[strings.ToLower(strings.TrimSpace(name))]; ok {
		return u.Name
	}
	return "(unknown user)"
}

func (p *Provider) clearSession(w http.ResponseWriter, r *http.Request) {
	if c, err := r.Cookie(SessionCookie); err == nil {
		if bs, ok := p.store.session(c.Value); ok {
			p.cfg.Logger.Info("signed out", "user", p.store.bySubject[bs.subject].Name)
		}
		p.store.endSession(c.Value)
	}
	path := p.cfg.issuerPath
	if path == "" {
		path = "/"
	}
	http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: "", Path: path, MaxAge: -1, HttpOnly: true, Secure: p.secure, SameSite: http.SameSiteLaxMode})
}

// logout is Cognito's /logout (client_id with logout_uri, or with
// redirect_uri and response_type to sign in again) and OIDC's end_session
// (post_logout_redirect_uri, id_token_hint, state). A URL the client did not
// register is refused with a page, never redirected to.
func (p *Provider) logout(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodPost {
		w.Header().Set("Allow", "GET, POST")
		p.errorPage(w, http.StatusMethodNotAllowed, "Method not allowed.")
		return
	}
	if err := r.ParseForm(); err != nil {
		p.errorPage(w, http.StatusBadRequest, "The sign-out request cannot be read.")
		return
	}
	q := r.Form
	switch {
	case q.Has("logout_uri"):
		if q.Get("client_id") != p.cfg.Client.ID {
			p.errorPage(w, http.StatusBadRequest, "The sign-out request names an unknown client_id.")
			return
		}
		to := q.Get("logout_uri")
		if !slices.Contains(p.cfg.Client.LogoutURLs, to) {
			p.errorPage(w, http.StatusBadRequest, "The logout_uri is not one of the client's sign-out URLs.")
			return
		}
		p.clearSession(w, r)
		http.Redirect(w, r, to, http.StatusFound)
	case q.Has("redirect_uri") && q.Has("response_type"):
		if q.Get("client_id") != p.cfg.Client.ID {
			p.errorPage(w, http.StatusBadRequest, "The sign-out request names an unknown client_id.")
			return
		}
		if !slices.Contains(p.cfg.Client.CallbackURLs, q.Get("redirect_uri")) {
			p.errorPage(w, http.StatusBadRequest, "The redirect_uri is not one of the client's callback URLs.")
			return
		}
		p.clearSession(w, r)
		http.Redirect(w, r, p.cfg.issuerPath+AuthorizePath+"?"+q.Encode(), http.StatusFound)
	case q.Has("client_id") || q.Has("id_token_hint") || q.Has("post_logout_redirect_uri"):
		if cid := q.Get("client_id"); cid != "" && cid != p.cfg.Client.ID {
			p.errorPage(w, http.StatusBadRequest, "The sign-out request names an unknown client_id.")
			return
		}
		if to := q.Get("post_logout_redirect_uri"); to != "" && !slices.Contains(p.cfg.Client.LogoutURLs, to) {
			p.errorPage(w, http.StatusBadRequest, "The post_logout_redirect_uri is not one of the client's sign-out URLs.")
			return
		}
		// The op package checks the id_token_hint and, without a client,
		// ignores post_logout_redirect_uri; it ends the hinted user's
		// sessions through the storage.
		p.clearSession(w, r)
		op.EndSession(w, r, p.op)
	default:
		p.clearSession(w, r)
		http.Redirect(w, r, p.cfg.issuerPath+loggedOutPath, http.StatusFound)
	}
}

func (p *Provider) loggedOut(w http.ResponseWriter, _ *http.Request) {
	p.page(w, http.StatusOK, "Signed out", "You are signed out of the local sign-in.")
}

func (p *Provider) errorPage(w http.ResponseWriter, status int, msg string) {
	p.page(w, status, "Sign-in error", msg)
}

//go:embed login.html
var pagesHTML string

var pages = template.Must(template.New("pages").Parse(pagesHTML))

func securityHeaders(w http.ResponseWriter) {
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	// Only the page itself: no script at all, no third-party anything.
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; frame-ancestors 'none'")
	h.Set("X-Frame-Options", "DENY")
	h.Set("X-Content-Type-Options", "nosniff")
	// same-origin, not no-referrer: under no-referrer a browser sends
	// "Origin: null" with the form's own post, which the check refuses.
	h.Set("Referrer-Policy", "same-origin")
}

func (p *Provider) renderLogin(w http.ResponseWriter, status int, id, username, errMsg string) {
	securityHeaders(w)
	w.WriteHeader(status)
	_ = pages.ExecuteTemplate(w, "login", map[string]any{
		"Action":   p.cfg.issuerPath + loginPath,
		"ID":       id,
		"Username": username,
		"Error":    errMsg,
		"Client":   p.cfg.Client.ID,
	})
}

func (p *Provider) page(w http.ResponseWriter, status int, title, msg string) {
	securityHeaders(w)
	w.WriteHeader(status)
	_ = pages.ExecuteTemplate(w, "message", map[string]any{"Title": title, "Message": msg})
}
