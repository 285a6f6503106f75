package login

import (
	"cmp"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/goapigw/webapp/function/restproxy"
)

// startSignIn sends a browser to the provider's authorize endpoint, the
// transaction sealed in a cookie of its own.
func (l *Login) startSignIn(w http.ResponseWriter, r *http.Request, next string) {
	p, err := l.provider(r.Context())
	if err != nil {
		unavailable(w, r)
		return
	}
	kr, err := l.keys.get(r.Context(), l.now(), false, l.log)
	if err != nil {
		unavailable(w, r)
		return
	}
	if !safePath(next) {
		next = "/"
	}
	tx := transaction{
		State:    randomString(32),
		Nonce:    randomString(32),
		Verifier: oauth2.GenerateVerifier(),
		Redirect: l.origin(r) + restproxy.PrefixFromContext(r.Context()) + l.cfg.CallbackPath,
		Next:     next,
		Expiry:   l.now().Add(TransactionLifetime).Unix(),
	}
	b, _ := json.Marshal(tx)
	name := transactionCookie + tx.State[:transactionNameChars]
	l.clearOldTransactions(w, r, kr)
	http.SetCookie(w, l.cookie(r, name, seal(kr.all[0].transaction, name, b), int(TransactionLifetime/time.Second)))
	oc := p.oauth
	oc.RedirectURL = tx.Redirect
	target := oc.AuthCodeURL(tx.State, oauth2.S256ChallengeOption(tx.Verifier), oidc.Nonce(tx.Nonce))
	w.Header().Set("Cache-Control", "no-store")
	l.log.Info("login: sign-in started")
	http.Redirect(w, r, target, http.StatusFound)
}

// loginPage starts a sign-in on purpose (a "Sign in" link), returning to
// the same-origin path in next (else the root).
func (l *Login) loginPage(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "Method not allowed", http.StatusMethodNotAllowed)
		return
	}
	next := r.URL.Query().Get("next")
	if !safePath(next) {
		if next != "" {
			l.log.Warn("login: refused a return path that is not on this site")
		}
		next = "/"
	}
	// Already signed in: go straight to next, without a new transaction
	// cookie (repeated visits would pile them up past the Cookie header
	// limit of API Gateway).
	if s, _, _, err := l.readSession(r); err == nil && s != nil && l.now().Before(time.Unix(s.Auth, 0).Add(l.lifetime)) {
		w.Header().Set("Cache-Control", "no-store")
		http.Redirect(w, r, restproxy.PrefixFromContext(r.Context())+next, http.StatusFound)
		return
	}
	l.startSignIn(w, r, next)
}

// maxTransactions is how many transaction cookies a browser keeps: the
// one a sign-in sets and the newest one before it (another tab's).
const maxTransactions = 2

// clearOldTransactions expires every transaction cookie of the request but
// the newest maxTransactions-1, so that sign-ins started and never
// finished cannot fill the Cookie header.
func (l *Login) clearOldTransactions(w http.ResponseWriter, r *http.Request, kr *keyring) {
	type txc struct {
		name   string
		expiry int64
	}
	var all []txc
	seen := map[string]bool{}
	for _, c := range r.Cookies() {
		if !strings.HasPrefix(c.Name, transactionCookie) || seen[c.Name] {
			continue
		}
		seen[c.Name] = true
		e := int64(0) // one that does not open goes first
		if pt, ok := open(kr, transactionKey, c.Name, c.Value); ok {
			var tx transaction
			if json.Unmarshal(pt, &tx) == nil {
				e = tx.Expiry
			}
		}
		all = append(all, txc{c.Name, e})
	}
	if len(all) < maxTransactions {
		return
	}
	sort.SliceStable(all, func(i, j int) bool { return all[i].expiry < all[j].expiry })
	for _, c := range all[:len(all)-(maxTransactions-1)] {
		http.SetCookie(w, l.cookie(r, c.name, "", -1))
	}
}

// callback finishes a sign-in. It never redirects to the provider again:
// a failure shows a page with a link to try again, so a broken sign-in
// cannot loop.
func (l *Login) callback(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet {
		w.Header().Set("Allow", "GET")
		http.Error(w, "Method not allowed", http.StatusMethodNotAllowed)
		return
	}
	q := r.URL.Query()
	state := q.Get("state")
	tx, ok := l.takeTransaction(w, r, state)
	next := "/"
	if ok && safePath(tx.Next) {
		next = tx.Next
	}
	if e := q.Get("error"); e != "" {
		l.log.Warn("login: the provider refused the sign-in", "error", truncate(e, 64))
		l.failPage(w, r, http.StatusUnauthorized, "The identity provider did not sign you in.", next)
		return
	}
	if !ok {
		l.log.Warn("login: callback without a matching sign-in (unknown, replayed or expired state)")
		l.failPage(w, r, http.StatusBadRequest, "This sign-in expired, was already used, or was started elsewhere.", next)
		return
	}
	code := q.Get("code")
	if code == "" {
		l.failPage(w, r, http.StatusBadRequest, "The identity provider sent no authorization code.", next)
		return
	}
	p, err := l.provider(r.Context())
	if err != nil {
		unavailable(w, r)
		return
	}
	oc := p.oauth
	oc.RedirectURL = tx.Redirect
	tok, err := oc.Exchange(l.clientContext(r.Context()), code, oauth2.VerifierOption(tx.Verifier))
	if err != nil {
		l.log.Warn("login: code exchange failed", "error", safeError(err))
		l.failPage(w, r, http.StatusBadGateway, "The identity provider did not accept the sign-in.", next)
		return
	}
	raw, _ := tok.Extra("id_token").(string)
	if raw == "" {
		l.log.Warn("login: code exchange failed", "error", errNoIDToken.Error())
		l.failPage(w, r, http.StatusBadGateway, "The identity provider sent no ID token.", next)
		return
	}
	idt, err := p.verifier.Verify(l.clientContext(r.Context()), raw)
	if err != nil {
		l.log.Warn("login: ID token refused", "error", err.Error())
		l.failPage(w, r, http.StatusUnauthorized, "The identity provider's answer could not be verified.", next)
		return
	}
	if subtle.ConstantTimeCompare([]byte(idt.Nonce), []byte(tx.Nonce)) != 1 {
		l.log.Warn("login: ID token refused", "error", "nonce does not match the sign-in's")
		l.failPage(w, r, http.StatusUnauthorized, "The identity provider's answer could not be verified.", next)
		return
	}
	s, err := l.newSession(idt)
	if err != nil {
		l.log.Warn("login: ID token refused", "error", err.Error())
		l.failPage(w, r, http.StatusUnauthorized, "The identity provider's answer could not be used.", next)
		return
	}
	s.ID = randomString(16)
	s.Auth = l.now().Unix()
	s.Refresh = tok.RefreshToken
	kr, err := l.keys.get(r.Context(), l.now(), false, l.log)
	if err != nil {
		unavailable(w, r)
		return
	}
	c, ok := l.sealSession(r, kr, s)
	if !ok {
		l.log.Error("login: session cookie too big even without the refresh token", "groups", len(s.Groups))
		l.failPage(w, r, http.StatusInternalServerError, "Your account has too many groups for a session.", next)
		return
	}
	http.SetCookie(w, c)
	w.Header().Set("Cache-Control", "no-store")
	l.log.Info("login: signed in", "sub", s.Subject, "groups", len(s.Groups))
	http.Redirect(w, r, restproxy.PrefixFromContext(r.Context())+next, http.StatusFound)
}

// takeTransaction opens the transaction cookie of the state, compares the
// state in constant time and clears the cookie whatever the outcome, so a
// state works once.
func (l *Login) takeTransaction(w http.ResponseWriter, r *http.Request, state string) (*transaction, bool) {
	if len(state) < transactionNameChars {
		return nil, false
	}
	name := transactionCookie + state[:transactionNameChars]
	c, err := r.Cookie(name)
	if err != nil {
		return nil, false
	}
	http.SetCookie(w, l.cookie(r, name, "", -1))
	kr, err := l.keys.get(r.Context(), l.now(), false, l.log)
	if err != nil {
		return nil, false
	}
	pt, ok := open(kr, transactionKey, name, c.Value)
	if !ok {
		return nil, false
	}
	tx := new(transaction)
	if json.Unmarshal(pt, tx) != nil {
		return nil, false
	}
	if subtle.ConstantTimeCompare([]byte(tx.State), []byte(state)) != 1 || l.now().Unix() > tx.Expiry {
		return tx, false
	}
	return tx, true
}

// claims are the ID token claims a session keeps.
type claims struct {
	Subject           string `json:"sub"`
	Email             string `json:"email"`
	Name              string `json:"name"`
	PreferredUsername string `json:"preferred_username"`
	CognitoUsername   string `json:"cognito:username"`
}

func (l *Login) newSession(idt *oidc.IDToken) (*session, error) {
	var c claims
	if err := idt.Claims(&c); err != nil {
		return nil, err
	}
	var all map[string]json.RawMessage
	if err := idt.Claims(&all); err != nil {
		return nil, err
	}
	s := &session{Subject: idt.Subject, Email: c.Email, Expiry: idt.Expiry.Unix()}
	if s.Subject == "" {
		return nil, errors.New("ID token without sub")
	}
	for _, n := range []string{c.Name, c.PreferredUsername, c.CognitoUsername, c.Email, idt.Subject} {
		if n != "" {
			s.Name = n
			break
		}
	}
	if g, ok := all[l.cfg.GroupsClaim]; ok {
		if err := json.Unmarshal(g, &s.Groups); err != nil {
			var one string
			if json.Unmarshal(g, &one) != nil {
				return nil, fmt.Errorf("claim %q is neither a list of strings nor a string", l.cfg.GroupsClaim)
			}
			s.Groups = []string{one}
		}
	}
	return s, nil
}

// refreshResult is what a refresh ended with.
type refreshResult struct {
	s            *session
	c            *http.Cookie
	err          error
	invalidGrant bool // the provider refused the refresh token
}

// refreshCall is one refresh in flight; others for the same session wait
// for it.
type refreshCall struct {
	done chan struct{}
	res  refreshResult
}

// refreshOnce runs one refresh per session (and cookie path) at a time in
// this process: concurrent requests with the same cookie share its result
// instead of racing the provider with a refresh token that the first one
// rotates.
func (l *Login) refreshOnce(r *http.Request, kr *keyring, old *session) refreshResult {
	key := old.ID + "\x00" + cookiePath(r)
	l.inflight.mu.Lock()
	if c, ok := l.inflight.m[key]; ok {
		l.inflight.mu.Unlock()
		select {
		case <-c.done:
			return c.res
		case <-r.Context().Done():
			return refreshResult{err: r.Context().Err()}
		}
	}
	c := &refreshCall{done: make(chan struct{})}
	if l.inflight.m == nil {
		l.inflight.m = map[string]*refreshCall{}
	}
	l.inflight.m[key] = c
	l.inflight.mu.Unlock()
	defer func() {
		l.inflight.mu.Lock()
		delete(l.inflight.m, key)
		l.inflight.mu.Unlock()
		close(c.done)
	}()
	c.res = l.refresh(r, kr, old)
	return c.res
}

// refresh renews a session whose ID token has expired (or is about to)
// with its refresh token. It returns a nil session when that fails (no
// refresh token, revoked, user disabled or deleted): the caller then clears
// the cookie, unless invalidGrant and the old ID token is still valid.
// err is for a provider that cannot be reached at all.
func (l *Login) refresh(r *http.Request, kr *keyring, old *session) refreshResult {
	if old.Refresh == "" {
		l.log.Info("login: session expired, no refresh token", "sub", old.Subject)
		return refreshResult{}
	}
	p, err := l.provider(r.Context())
	if err != nil {
		return refreshResult{err: err}
	}
	ctx := l.clientContext(r.Context())
	tok, err := p.oauth.TokenSource(ctx, &oauth2.Token{RefreshToken: old.Refresh}).Token()
	if err != nil {
		l.log.Warn("login: refresh failed", "sub", old.Subject, "error", safeError(err))
		var re *oauth2.RetrieveError
		return refreshResult{invalidGrant: errors.As(err, &re) && re.ErrorCode == "invalid_grant"}
	}
	raw, _ := tok.Extra("id_token").(string)
	if raw == "" {
		l.log.Warn("login: refresh failed; signing in again", "sub", old.Subject, "error", errNoIDToken.Error())
		return refreshResult{}
	}
	idt, err := p.verifier.Verify(ctx, raw)
	if err != nil {
		l.log.Warn("login: refreshed ID token refused", "sub", old.Subject, "error", err.Error())
		return refreshResult{}
	}
	s, err := l.newSession(idt)
	if err != nil || s.Subject != old.Subject {
		l.log.Warn("login: refreshed ID token refused", "sub", old.Subject, "error", "another subject or unusable claims")
		return refreshResult{}
	}
	if !time.Unix(s.Expiry, 0).After(l.now().Add(l.margin)) {
		// It would be refreshed again on the next request: a loop of
		// token requests. End the session instead.
		l.log.Warn("login: refreshed ID token refused", "sub", old.Subject, "error", "it expires within the expiry margin")
		return refreshResult{}
	}
	s.ID, s.Auth, s.Refresh = old.ID, old.Auth, old.Refresh
	if tok.RefreshToken != "" {
		s.Refresh = tok.RefreshToken // rotated
	}
	c, ok := l.sealSession(r, kr, s)
	if !ok {
		return refreshResult{}
	}
	l.log.Info("login: session refreshed", "sub", s.Subject)
	return refreshResult{s: s, c: c}
}

// safeError describes a token endpoint error by its status and OAuth error
// code only: the response body is never logged.
func safeError(err error) string {
	var re *oauth2.RetrieveError
	if errors.As(err, &re) {
		status := 0
		if re.Response != nil {
			status = re.Response.StatusCode
		}
		return fmt.Sprintf("token endpoint answered %d %s", status, truncate(re.ErrorCode, 64))
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		return "token endpoint unreachable: " + ue.Err.Error()
	}
	return "token request failed"
}

func truncate(s string, n int) string {
	if len(s) > n {
		s = s[:n]
	}
	return strings.ToValidUTF8(s, "")
}

var failTemplate = template.Must(template.New("fail").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Sign-in failed</title></head>
<body><h1>Sign-in failed</h1><p>{{.Message}}</p><p><a href="{{.Again}}">Try again</a></p></body></html>
`))

// failPage ends a failed callback with a page, never a redirect.
func (l *Login) failPage(w http.ResponseWriter, r *http.Request, status int, msg, next string) {
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	again := restproxy.PrefixFromContext(r.Context()) + l.cfg.LoginPath + "?next=" + url.QueryEscape(next)
	_ = failTemplate.Execute(w, struct{ Message, Again string }{msg, again})
}

// logout ends a session: POST only, with the session's CSRF token, from
// this origin.
func (l *Login) logout(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", "POST")
		http.Error(w, "Method not allowed: sign out with a POST form", http.StatusMethodNotAllowed)
		return
	}
	origin := l.origin(r)
	if o := r.Header.Get("Origin"); o != "" && o != origin {
		l.log.Warn("login: sign-out refused", "reason", "cross-origin request")
		http.Error(w, "Forbidden: cross-origin sign-out", http.StatusForbidden)
		return
	}
	if sfs := r.Header.Get("Sec-Fetch-Site"); sfs != "" && sfs != "same-origin" {
		l.log.Warn("login: sign-out refused", "reason", "Sec-Fetch-Site "+truncate(sfs, 32))
		http.Error(w, "Forbidden: cross-site sign-out", http.StatusForbidden)
		return
	}
	s, kr, _, err := l.readSession(r)
	if err != nil {
		unavailable(w, r)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 4096)
	if s != nil && !kr.checkCSRF(s.ID, r.PostFormValue(CSRFField)) {
		l.log.Warn("login: sign-out refused", "reason", "missing or wrong CSRF token", "sub", s.Subject)
		http.Error(w, "Forbidden: the sign-out form is stale; reload the page and try again", http.StatusForbidden)
		return
	}
	http.SetCookie(w, l.cookie(r, l.sessionName(r), "", -1))
	w.Header().Set("Cache-Control", "no-store")
	prefix := restproxy.PrefixFromContext(r.Context())
	root := prefix + "/"
	target := root
	if s != nil && s.Refresh != "" {
		l.revoke(r, s)
	}
	if s != nil {
		l.log.Info("login: signed out", "sub", s.Subject)
		target = l.endSessionURL(r, origin+root, target)
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
}

// revoke revokes the session's refresh token at the provider's revocation
// endpoint (RFC 7009), best effort: a failure is logged by its status only
// and the sign-out goes on. Sessions are stateless: a copy of the cookie
// taken before the sign-out still works until its ID token expires, but
// can no longer be refreshed.
func (l *Login) revoke(r *http.Request, s *session) {
	p, err := l.provider(r.Context())
	if err != nil || p.revocation == "" {
		return
	}
	form := url.Values{"token": {s.Refresh}, "token_type_hint": {"refresh_token"}}
	if p.oauth.ClientSecret == "" {
		form.Set("client_id", p.oauth.ClientID)
	}
	req, err := http.NewRequestWithContext(r.Context(), http.MethodPost, p.revocation, strings.NewReader(form.Encode()))
	if err != nil {
		return
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if p.oauth.ClientSecret != "" {
		req.SetBasicAuth(url.QueryEscape(p.oauth.ClientID), url.QueryEscape(p.oauth.ClientSecret))
	}
	res, err := l.client.Do(req)
	if err != nil {
		l.log.Warn("login: revoking the refresh token failed", "sub", s.Subject, "error", "revocation endpoint unreachable")
		return
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(res.Body, 4096))
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		l.log.Warn("login: revoking the refresh token failed", "sub", s.Subject, "status", res.StatusCode)
	}
}

// endSessionOrigin is the origin a sign-out redirects to: Cognito's
// logout URL's, the end-session URL's, the discovered end-session
// endpoint's when discovery has run, else the issuer's.
func (l *Login) endSessionOrigin() string {
	end := cmp.Or(l.cfg.CognitoLogoutURL, l.cfg.EndSessionURL)
	if end == "" {
		if p := l.prov.p.Load(); p != nil {
			end = p.endSession
		}
	}
	u, err := url.Parse(cmp.Or(end, l.cfg.Issuer))
	if err != nil || u.Host == "" {
		return ""
	}
	return u.Scheme + "://" + u.Host
}

// endSessionURL is where a sign-out ends: Cognito's /logout, the
// provider's end-session endpoint, or (without one, or when discovery
// fails) the door's root.
func (l *Login) endSessionURL(r *http.Request, back, fallback string) string {
	if l.cfg.CognitoLogoutURL != "" {
		return withQuery(l.cfg.CognitoLogoutURL, url.Values{"client_id": {l.cfg.ClientID}, "logout_uri": {back}})
	}
	end := l.cfg.EndSessionURL
	if end == "" {
		if p, err := l.provider(r.Context()); err == nil {
			end = p.endSession
		}
	}
	if end == "" {
		return fallback
	}
	return withQuery(end, url.Values{"client_id": {l.cfg.ClientID}, "post_logout_redirect_uri": {back}})
}

func withQuery(base string, v url.Values) string {
	u, err := url.Parse(base)
	if err != nil {
		return base
	}
	q := u.Query()
	for k, vs := range v {
		q[k] = vs
	}
	u.RawQuery = q.Encode()
	return u.String()
}
