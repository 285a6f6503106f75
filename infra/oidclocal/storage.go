package oidclocal

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"slices"
	"strings"
	"sync"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"
	"golang.org/x/crypto/bcrypt"
)

// Lifetimes that are Cognito's and not configurable there either.
const (
	codeLifetime        = 5 * time.Minute  // Cognito's authorization codes
	authRequestLifetime = 15 * time.Minute // time to fill in the sign-in form
)

// errNotFound and the other storage errors never carry a code, a token or a
// password: the op package logs them.
var (
	errNotFound      = errors.New("not found or expired")
	errUnknownClient = errors.New("unknown client")
	errBadSecret     = errors.New("wrong client secret")
)

// storage is op.Storage in memory. Everything is lost when the process ends,
// which is what a local sign-in wants: a new run, a new key, new sessions.
type storage struct {
	cfg    *Config
	client *client
	key    signingKey
	now    func() time.Time

	users     map[string]*User // by lower-cased name
	bySubject map[string]*User
	dummy     []byte // bcrypt hash at the users' highest cost

	mu       sync.Mutex
	requests map[string]*authRequest    // by request id
	codes    map[string]string          // code → request id
	access   map[string]*accessToken    // by token id (the JWT's jti)
	refresh  map[string]*refreshToken   // by the token itself
	sessions map[string]*browserSession // by cookie value
}

type signingKey struct {
	id  string
	key *rsa.PrivateKey
}

func (k *signingKey) SignatureAlgorithm() jose.SignatureAlgorithm { return jose.RS256 }
func (k *signingKey) Key() any                                    { return k.key }
func (k *signingKey) ID() string                                  { return k.id }

type publicKey struct{ signingKey }

func (k *publicKey) Algorithm() jose.SignatureAlgorithm { return jose.RS256 }
func (k *publicKey) Use() string                        { return "sig" }
func (k *publicKey) Key() any                           { return &k.key.PublicKey }

// randomToken is 32 random bytes, base64url: request ids, refresh tokens,
// session cookies, token ids.
func randomToken() string {
	return base64.RawURLEncoding.EncodeToString(randomBytes(32))
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	_, _ = rand.Read(b) // never fails (crypto/rand panics on failure)
	return b
}

// authRequest is op.AuthRequest.
type authRequest struct {
	id        string
	created   time.Time
	req       oidc.AuthRequest
	scopes    []string
	subject   string
	authTime  time.Time
	done      bool
	code      string
	codeSince time.Time
}

func (a *authRequest) GetID() string         { return a.id }
func (a *authRequest) GetACR() string        { return "" }
func (a *authRequest) GetAMR() []string      { return nil }
func (a *authRequest) GetAudience() []string { return []string{a.req.ClientID} }
func (a *authRequest) GetAuthTime() time.Time {
	return a.authTime
}
func (a *authRequest) GetClientID() string { return a.req.ClientID }
func (a *authRequest) GetCodeChallenge() *oidc.CodeChallenge {
	return &oidc.CodeChallenge{Challenge: a.req.CodeChallenge, Method: a.req.CodeChallengeMethod}
}
func (a *authRequest) GetNonce() string                   { return a.req.Nonce }
func (a *authRequest) GetRedirectURI() string             { return a.req.RedirectURI }
func (a *authRequest) GetResponseType() oidc.ResponseType { return a.req.ResponseType }
func (a *authRequest) GetResponseMode() oidc.ResponseMode { return a.req.ResponseMode }
func (a *authRequest) GetScopes() []string                { return a.scopes }
func (a *authRequest) GetState() string                   { return a.req.State }
func (a *authRequest) GetSubject() string                 { return a.subject }
func (a *authRequest) Done() bool                         { return a.done }

type accessToken struct {
	id       string
	clientID string
	subject  string
	scopes   []string
	expires  time.Time
}

// refreshToken is also op.RefreshTokenRequest.
type refreshToken struct {
	token    string
	clientID string
	subject  string
	scopes   []string
	authTime time.Time
	expires  time.Time
}

func (r *refreshToken) GetAMR() []string            { return nil }
func (r *refreshToken) GetAudience() []string       { return []string{r.clientID} }
func (r *refreshToken) GetAuthTime() time.Time      { return r.authTime }
func (r *refreshToken) GetClientID() string         { return r.clientID }
func (r *refreshToken) GetScopes() []string         { return r.scopes }
func (r *refreshToken) GetSubject() string          { return r.subject }
func (r *refreshToken) SetCurrentScopes(s []string) { r.scopes = s }

// browserSession is the provider's own sign-in, remembered by a cookie, so
// that a second authorization request within SessionLifetime skips the form
// (as Cognito's managed login does) until /logout ends it.
type browserSession struct {
	subject  string
	authTime time.Time
	expires  time.Time
}

func newStorage(cfg *Config, users []User) (*storage, error) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, err
	}
	s := &storage{
		cfg:       cfg,
		client:    &client{cfg: cfg},
		key:       signingKey{id: base64.RawURLEncoding.EncodeToString(randomBytes(12)), key: key},
		now:       time.Now,
		users:     map[string]*User{},
		bySubject: map[string]*User{},
		requests:  map[string]*authRequest{},
		codes:     map[string]string{},
		access:    map[string]*accessToken{},
		refresh:   map[string]*refreshToken{},
		sessions:  map[string]*browserSession{},
	}
	cost := 0
	for i := range users {
		u := &users[i]
		s.users[strings.ToLower(u.Name)] = u
		if isBcrypt(u.Password) {
			if c, err := bcrypt.Cost([]byte(u.Password)); err == nil {
				cost = max(cost, c)
			}
		}
		s.bySubject[u.Subject()] = u
	}
	if cost > 0 {
		if s.dummy, err = bcrypt.GenerateFromPassword([]byte("not a password"), cost); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// sweep drops what has expired; called with mu held on every write.
func (s *storage) sweep() {
	now := s.now()
	for id, a := range s.requests {
		if now.Sub(a.created) > authRequestLifetime+codeLifetime {
			delete(s.requests, id)
			if a.code != "" {
				delete(s.codes, a.code)
			}
		}
	}
	for id, t := range s.access {
		if now.After(t.expires) {
			delete(s.access, id)
		}
	}
	for tok, t := range s.refresh {
		if now.After(t.expires) {
			delete(s.refresh, tok)
		}
	}
	for id, bs := range s.sessions {
		if now.After(bs.expires) {
			delete(s.sessions, id)
		}
	}
}

// checkPassword returns the user when name and password match. Names are
// case-insensitive, as in a Cognito pool with case-insensitive sign-in.
func (s *storage) checkPassword(name, password string) (*User, bool) {
	u, ok := s.users[strings.ToLower(strings.TrimSpace(name))]
	if !ok {
		// As slow as a known user's bcrypt check: a name's existence
		// does not show in the response time.
		// (With plain-text users only, no bcrypt either way.)
		if s.dummy != nil {
			_ = bcrypt.CompareHashAndPassword(s.dummy, []byte(password))
		}
		return nil, false
	}
	if isBcrypt(u.Password) {
		return u, bcrypt.CompareHashAndPassword([]byte(u.Password), []byte(password)) == nil
	}
	return u, subtle.ConstantTimeCompare([]byte(u.Password), []byte(password)) == 1
}

// authRequest returns a pending request that has not expired.
func (s *storage) pending(id string) (*authRequest, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, ok := s.requests[id]
	if !ok || s.now().Sub(a.created) > authRequestLifetime || a.code != "" {
		return nil, false
	}
	return a, true
}

// complete marks a request signed in by subject.
func (s *storage) complete(id, subject string, authTime time.Time) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, ok := s.requests[id]
	if !ok || a.code != "" {
		return false
	}
	a.subject, a.authTime, a.done = subject, authTime, true
	return true
}

func (s *storage) newSession(subject string, authTime time.Time) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sweep()
	id := randomToken()
	s.sessions[id] = &browserSession{subject: subject, authTime: authTime, expires: s.now().Add(s.cfg.SessionLifetime)}
	return id
}

func (s *storage) session(id string) (*browserSession, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	bs, ok := s.sessions[id]
	if !ok || s.now().After(bs.expires) {
		return nil, false
	}
	return bs, true
}

func (s *storage) endSession(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.sessions, id)
}

// --- op.AuthStorage ---

func (s *storage) CreateAuthRequest(_ context.Context, req *oidc.AuthRequest, userID string) (op.AuthRequest, error) {
	// PKCE with S256 on every request, whatever the client: the library
	// accepts a confidential client without it.
	if req.CodeChallenge == "" || req.CodeChallengeMethod != oidc.CodeChallengeMethodS256 {
		return nil, oidc.ErrInvalidRequest().WithDescription("PKCE is required: send code_challenge with code_challenge_method=S256")
	}
	a := &authRequest{id: randomToken(), created: s.now(), req: *req, subject: userID}
	a.req.RequestParam, a.req.IDTokenHint = "", ""
	// Cognito issues a refresh token with every code grant; the library
	// issues one only for offline_access, so the request always has it.
	a.scopes = slices.Clone(req.Scopes)
	if !slices.Contains(a.scopes, oidc.ScopeOfflineAccess) {
		a.scopes = append(a.scopes, oidc.ScopeOfflineAccess)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sweep()
	s.requests[a.id] = a
	return a, nil
}

func (s *storage) AuthRequestByID(_ context.Context, id string) (op.AuthRequest, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, ok := s.requests[id]
	if !ok || s.now().Sub(a.created) > authRequestLifetime {
		return nil, errNotFound
	}
	return a, nil
}

func (s *storage) AuthRequestByCode(_ context.Context, code string) (op.AuthRequest, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	id, ok := s.codes[code]
	if !ok {
		return nil, errNotFound
	}
	a, ok := s.requests[id]
	if !ok || s.now().Sub(a.codeSince) > codeLifetime {
		return nil, errNotFound
	}
	return a, nil
}

func (s *storage) SaveAuthCode(_ context.Context, id, code string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, ok := s.requests[id]
	if !ok || a.code != "" {
		return errNotFound
	}
	a.code, a.codeSince = code, s.now()
	s.codes[code] = id
	return nil
}

// DeleteAuthRequest is called once the code has been exchanged: the code
// cannot be used twice.
func (s *storage) DeleteAuthRequest(_ context.Context, id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if a, ok := s.requests[id]; ok && a.code != "" {
		delete(s.codes, a.code)
	}
	delete(s.requests, id)
	return nil
}

func clientOf(request op.TokenRequest) string {
	switch r := request.(type) {
	case *authRequest:
		return r.GetClientID()
	case *refreshToken:
		return r.clientID
	}
	return ""
}

func (s *storage) newAccessToken(request op.TokenRequest) *accessToken {
	t := &accessToken{
		id:       randomToken(),
		clientID: clientOf(request),
		subject:  request.GetSubject(),
		scopes:   request.GetScopes(),
		expires:  s.now().Add(s.cfg.AccessTokenLifetime),
	}
	s.access[t.id] = t
	return t
}

func (s *storage) CreateAccessToken(_ context.Context, request op.TokenRequest) (string, time.Time, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sweep()
	t := s.newAccessToken(request)
	return t.id, t.expires, nil
}

// CreateAccessAndRefreshTokens rotates the refresh token: the one used is
// spent and a new one is returned (Cognito's refresh-token rotation).
func (s *storage) CreateAccessAndRefreshTokens(_ context.Context, request op.TokenRequest, current string) (string, string, time.Time, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sweep()
	rt := &refreshToken{
		token:    randomToken(),
		clientID: clientOf(request),
		subject:  request.GetSubject(),
		scopes:   request.GetScopes(),
		expires:  s.now().Add(s.cfg.RefreshTokenLifetime),
	}
	switch r := request.(type) {
	case *authRequest:
		rt.authTime = r.authTime
	case *refreshToken:
		if _, ok := s.refresh[current]; !ok {
			return "", "", time.Time{}, oidc.ErrInvalidGrant().WithDescription("refresh token already used or expired")
		}
		delete(s.refresh, current)
		rt.authTime = r.authTime
		rt.expires = r.expires // rotation does not extend the sign-in
	}
	s.refresh[rt.token] = rt
	t := s.newAccessToken(request)
	return t.id, rt.token, t.expires, nil
}

func (s *storage) TokenRequestByRefreshToken(_ context.Context, token string) (op.RefreshTokenRequest, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	rt, ok := s.refresh[token]
	if !ok || s.now().After(rt.expires) {
		return nil, errNotFound
	}
	c := *rt
	return &c, nil
}

// TerminateSession ends the browser sessions of the user (OIDC end_session
// with an id_token_hint). Tokens already issued stay valid until they
// expire, as Cognito's /logout leaves them.
func (s *storage) TerminateSession(_ context.Context, userID, _ string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for id, bs := range s.sessions {
		if bs.subject == userID {
			delete(s.sessions, id)
		}
	}
	return nil
}

func (s *storage) RevokeToken(_ context.Context, token, userID, clientID string) *oidc.Error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if t, ok := s.access[token]; ok && t.clientID == clientID {
		delete(s.access, token)
		return nil
	}
	if rt, ok := s.refresh[token]; ok {
		if rt.clientID != clientID {
			return oidc.ErrInvalidClient().WithDescription("token was not issued to this client")
		}
		delete(s.refresh, token)
	}
	return nil
}

func (s *storage) GetRefreshTokenInfo(_ context.Context, clientID, token string) (string, string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	rt, ok := s.refresh[token]
	if !ok || rt.clientID != clientID {
		return "", "", op.ErrInvalidRefreshToken
	}
	return rt.subject, rt.token, nil
}

func (s *storage) SigningKey(context.Context) (op.SigningKey, error) { return &s.key, nil }

func (s *storage) SignatureAlgorithms(context.Context) ([]jose.SignatureAlgorithm, error) {
	return []jose.SignatureAlgorithm{jose.RS256}, nil
}

func (s *storage) KeySet(context.Context) ([]op.Key, error) {
	return []op.Key{&publicKey{s.key}}, nil
}

// --- op.OPStorage ---

func (s *storage) GetClientByClientID(_ context.Context, id string) (op.Client, error) {
	if id != s.cfg.Client.ID {
		return nil, errUnknownClient
	}
	return s.client, nil
}

func (s *storage) AuthorizeClientIDSecret(_ context.Context, id, secret string) error {
	if id != s.cfg.Client.ID {
		return errUnknownClient
	}
	if subtle.ConstantTimeCompare([]byte(secret), []byte(s.cfg.Client.Secret)) != 1 {
		return errBadSecret
	}
	return nil
}

func (s *storage) SetUserinfoFromScopes(context.Context, *oidc.UserInfo, string, string, []string) error {
	return nil
}

// SetUserinfoFromRequest fills the ID token the way Cognito does: every
// attribute of the user whatever the scopes, plus cognito:username,
// cognito:groups and token_use.
func (s *storage) SetUserinfoFromRequest(_ context.Context, info *oidc.UserInfo, req op.IDTokenRequest, _ []string) error {
	u, ok := s.bySubject[req.GetSubject()]
	if !ok {
		return errNotFound
	}
	setUserinfo(info, u)
	info.AppendClaims("cognito:username", u.Username())
	if len(u.Groups) > 0 {
		info.AppendClaims("cognito:groups", u.Groups)
	}
	info.AppendClaims("token_use", "id")
	return nil
}

func setUserinfo(info *oidc.UserInfo, u *User) {
	info.Subject = u.Subject()
	info.Email = u.Email()
	info.EmailVerified = true
	info.Name = u.DisplayName()
}

// SetUserinfoFromToken answers /oauth2/userInfo for a valid access token.
func (s *storage) SetUserinfoFromToken(_ context.Context, info *oidc.UserInfo, tokenID, subject, _ string) error {
	s.mu.Lock()
	t, ok := s.access[tokenID]
	s.mu.Unlock()
	if !ok || t.subject != subject || s.now().After(t.expires) {
		return errNotFound
	}
	u, ok := s.bySubject[subject]
	if !ok {
		return errNotFound
	}
	setUserinfo(info, u)
	info.AppendClaims("username", u.Username())
	return nil
}

func (s *storage) SetIntrospectionFromToken(_ context.Context, resp *oidc.IntrospectionResponse, tokenID, subject, clientID string) error {
	s.mu.Lock()
	t, ok := s.access[tokenID]
	s.mu.Unlock()
	if !ok || t.subject != subject || t.clientID != clientID || s.now().After(t.expires) {
		return errNotFound
	}
	resp.Active = true
	resp.Subject = subject
	resp.ClientID = clientID
	resp.Scope = t.scopes
	return nil
}

// GetPrivateClaimsFromRequest adds Cognito's access-token claims.
func (s *storage) GetPrivateClaimsFromRequest(_ context.Context, req op.TokenRequest, _ []string) (map[string]any, error) {
	u, ok := s.bySubject[req.GetSubject()]
	if !ok {
		return nil, errNotFound
	}
	claims := map[string]any{
		"token_use": "access",
		"username":  u.Username(),
		"client_id": clientOf(req),
	}
	if len(u.Groups) > 0 {
		claims["cognito:groups"] = u.Groups
	}
	return claims, nil
}

func (s *storage) GetPrivateClaimsFromScopes(context.Context, string, string, []string) (map[string]any, error) {
	return nil, nil
}

func (s *storage) GetKeyByIDAndClientID(context.Context, string, string) (*jose.JSONWebKey, error) {
	return nil, errors.New("JWT client authentication is not supported")
}

func (s *storage) ValidateJWTProfileScopes(context.Context, string, []string) ([]string, error) {
	return nil, errors.New("the JWT profile grant is not supported")
}

func (s *storage) Health(context.Context) error { return nil }

// client is the one registered client: code grant and refresh only.
type client struct{ cfg *Config }

func (c *client) GetID() string                    { return c.cfg.Client.ID }
func (c *client) RedirectURIs() []string           { return c.cfg.Client.CallbackURLs }
func (c *client) PostLogoutRedirectURIs() []string { return c.cfg.Client.LogoutURLs }
func (c *client) ApplicationType() op.ApplicationType {
	return op.ApplicationTypeWeb
}
func (c *client) AuthMethod() oidc.AuthMethod {
	if c.cfg.Client.Secret == "" {
		return oidc.AuthMethodNone
	}
	return oidc.AuthMethodBasic
}
func (c *client) ResponseTypes() []oidc.ResponseType {
	return []oidc.ResponseType{oidc.ResponseTypeCode}
}
func (c *client) GrantTypes() []oidc.GrantType {
	return []oidc.GrantType{oidc.GrantTypeCode, oidc.GrantTypeRefreshToken}
}
func (c *client) LoginURL(id string) string {
	return c.cfg.issuerPath + loginPath + "?id=" + id
}
func (c *client) AccessTokenType() op.AccessTokenType { return op.AccessTokenTypeJWT }
func (c *client) IDTokenLifetime() time.Duration      { return c.cfg.IDTokenLifetime }
func (c *client) DevMode() bool                       { return false }
func (c *client) RestrictAdditionalIdTokenScopes() func([]string) []string {
	return func(s []string) []string { return s }
}
func (c *client) RestrictAdditionalAccessTokenScopes() func([]string) []string {
	return func(s []string) []string { return s }
}
func (c *client) IsScopeAllowed(string) bool { return false }

// IDTokenUserinfoClaimsAssertion puts e-mail and name in the ID token even
// with an access token alongside, as Cognito does.
func (c *client) IDTokenUserinfoClaimsAssertion() bool { return true }
func (c *client) ClockSkew() time.Duration             { return 0 }
