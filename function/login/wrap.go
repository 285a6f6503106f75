package login

import (
	"context"
	"errors"
	"html/template"
	"net/http"
	"strings"
	"time"

	"github.com/goapigw/webapp/function/identity"
	"github.com/goapigw/webapp/function/restproxy"
)

// Middleware is Wrap, in the shape routers such as chi take.
func (l *Login) Middleware(next http.Handler) http.Handler { return l.Wrap(next) }

// Wrap returns a handler that answers the callback, sign-in and sign-out
// paths itself and passes every other request to next only with a valid
// session: a navigation without one goes to the provider, anything else
// gets 401.
func (l *Login) Wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case l.cfg.CallbackPath:
			l.callback(w, r)
			return
		case l.cfg.LogoutPath:
			l.logout(w, r)
			return
		case l.cfg.LoginPath:
			l.loginPage(w, r)
			return
		}
		if p, ok := restproxy.PrincipalFromContext(r.Context()); ok {
			// The event names a principal: API Gateway sets one only from
			// the API's own authorizer (Login has none), so this is a
			// direct invocation by an IAM principal allowed to invoke the
			// function, such as the construct's pre-traffic hook.
			ctx := identity.NewContext(r.Context(), identity.User{Subject: p, Name: p})
			next.ServeHTTP(&privateWriter{ResponseWriter: w}, r.WithContext(ctx))
			return
		}
		s, kr, bad, err := l.readSession(r)
		if err != nil {
			unavailable(w, r)
			return
		}
		now := l.now()
		if s != nil && now.After(time.Unix(s.Auth, 0).Add(l.lifetime)) {
			l.log.Info("login: session past its lifetime", "sub", s.Subject)
			s, bad = nil, true
		}
		if s != nil && now.Add(l.margin).After(time.Unix(s.Expiry, 0)) {
			res := l.refreshOnce(r, kr, s)
			switch {
			case res.err != nil:
				unavailable(w, r)
				return
			case res.s != nil:
				s = res.s
				http.SetCookie(w, res.c)
			case res.invalidGrant && now.Before(time.Unix(s.Expiry, 0)):
				// Refused while the ID token is still valid (only within
				// the margin): most likely another request (another
				// instance) rotated the refresh token first. Serve with the
				// old session and leave its cookie alone.
				l.log.Info("login: refresh refused before expiry; the session is kept as it is", "sub", s.Subject)
			default:
				s, bad = nil, true
			}
		}
		if s == nil {
			if bad {
				http.SetCookie(w, l.cookie(r, l.sessionName(r), "", -1))
			}
			if isNavigation(r) {
				l.startSignIn(w, r, appPath(r))
				return
			}
			unauthorized(w)
			return
		}
		ctx := identity.NewContext(r.Context(), s.user())
		ctx = context.WithValue(ctx, formKey{}, &formInfo{kr: kr, sid: s.ID, action: restproxy.PrefixFromContext(r.Context()) + l.cfg.LogoutPath, ends: l.endSessionOrigin()})
		next.ServeHTTP(&privateWriter{ResponseWriter: w}, r.WithContext(ctx))
	})
}

// isNavigation reports whether the request is a browser loading a page:
// GET or HEAD asking for HTML, and (when the browser says) in navigate mode.
func isNavigation(r *http.Request) bool {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		return false
	}
	if m := r.Header.Get("Sec-Fetch-Mode"); m != "" && m != "navigate" {
		return false
	}
	for _, a := range r.Header.Values("Accept") {
		if strings.Contains(strings.ToLower(a), "text/html") {
			return true
		}
	}
	return false
}

// appPath is the request's path and query, relative to the prefix.
func appPath(r *http.Request) string {
	p := r.URL.EscapedPath()
	if r.URL.RawQuery != "" {
		p += "?" + r.URL.RawQuery
	}
	return p
}

// cookiePath is the door's prefix, "/" at the root of a host.
func cookiePath(r *http.Request) string {
	if p := restproxy.PrefixFromContext(r.Context()); p != "" {
		return p
	}
	return "/"
}

// maxNext is the longest return path a sign-in keeps; a longer one is
// dropped for the root, so transaction cookies stay small.
const maxNext = 512

// safePath reports whether p is a path on this origin, at most maxNext
// bytes: one "/" first, no backslash (browsers read it as "/"), no control
// character or space.
func safePath(p string) bool {
	if len(p) == 0 || p[0] != '/' || len(p) > maxNext {
		return false
	}
	if len(p) > 1 && (p[1] == '/' || p[1] == '\\') {
		return false
	}
	for i := 0; i < len(p); i++ {
		if c := p[i]; c <= ' ' || c == 0x7f || c == '\\' {
			return false
		}
	}
	return true
}

func unauthorized(w http.ResponseWriter) {
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusUnauthorized)
	_, _ = w.Write([]byte(`{"error":"unauthorized","message":"sign in first"}` + "\n"))
}

func unavailable(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Retry-After", "5")
	w.Header().Set("Cache-Control", "no-store")
	http.Error(w, "Sign-in is unavailable for a moment: the identity provider or the session keys cannot be reached. Try again shortly.", http.StatusServiceUnavailable)
}

// privateWriter marks every response to a signed-in user as private and
// varying with the cookie, so that no shared cache (CloudFront) keeps it
// for another user. An app's own Cache-Control is kept.
type privateWriter struct {
	http.ResponseWriter
	wrote bool
}

func (w *privateWriter) WriteHeader(code int) {
	if !w.wrote {
		w.wrote = true
		h := w.Header()
		if h.Get("Cache-Control") == "" {
			h.Set("Cache-Control", "private")
		}
		if !varies(h, "Cookie") {
			h.Add("Vary", "Cookie")
		}
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *privateWriter) Write(b []byte) (int, error) {
	if !w.wrote {
		w.WriteHeader(http.StatusOK)
	}
	return w.ResponseWriter.Write(b)
}

// Flush lets a streaming app flush through the wrapper.
func (w *privateWriter) Flush() {
	if !w.wrote {
		w.WriteHeader(http.StatusOK)
	}
	_ = http.NewResponseController(w.ResponseWriter).Flush()
}

// Unwrap serves http.ResponseController.
func (w *privateWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func varies(h http.Header, name string) bool {
	for _, v := range h.Values("Vary") {
		for f := range strings.SplitSeq(v, ",") {
			if f = strings.TrimSpace(f); f == "*" || strings.EqualFold(f, name) {
				return true
			}
		}
	}
	return false
}

type formKey struct{}

type formInfo struct {
	kr     *keyring
	sid    string
	action string
	ends   string
}

// Form is what a sign-out form needs: it posts CSRFField=CSRFToken to
// Action.
type Form struct {
	Action    string
	CSRFField string
	CSRFToken string
	// EndsAt is the origin ("https://example.auth.eu-west-1.amazoncognito.com")
	// the sign-out redirects to, to end the provider's session. A page whose
	// Content-Security-Policy has form-action must allow it, since browsers
	// check a form's redirects too: form-action 'self' EndsAt.
	EndsAt string
}

// CSRFField is the name of the sign-out form's CSRF field.
const CSRFField = "csrf"

// LogoutForm returns the sign-out form of a signed-in request (false for
// any other): its action is the logout path under the door's prefix.
func LogoutForm(r *http.Request) (Form, bool) {
	fi, ok := r.Context().Value(formKey{}).(*formInfo)
	if !ok {
		return Form{}, false
	}
	return Form{Action: fi.action, CSRFField: CSRFField, CSRFToken: fi.kr.csrfToken(fi.sid), EndsAt: fi.ends}, true
}

var formTemplate = template.Must(template.New("form").Parse(
	`<form method="post" action="{{.Action}}"><input type="hidden" name="{{.CSRFField}}" value="{{.CSRFToken}}"><button type="submit">Sign out</button></form>`))

// HTML renders the form with a "Sign out" button.
func (f Form) HTML() template.HTML {
	var b strings.Builder
	if err := formTemplate.Execute(&b, f); err != nil {
		return ""
	}
	return template.HTML(b.String())
}

var errNoIDToken = errors.New("the token response has no id_token")
