package login

import (
	"encoding/json"
	"net/http"
	"time"

	"github.com/goapigw/webapp/function/identity"
)

// session is the content of the session cookie. Short JSON names keep the
// cookie small.
type session struct {
	ID      string   `json:"i"` // random; the CSRF token is its HMAC
	Subject string   `json:"s"`
	Email   string   `json:"e,omitempty"`
	Name    string   `json:"n,omitempty"`
	Groups  []string `json:"g,omitempty"`
	Expiry  int64    `json:"x"` // the ID token's exp, Unix seconds
	Auth    int64    `json:"a"` // sign-in, Unix seconds; bounds the session
	Refresh string   `json:"r,omitempty"`
}

func (s *session) user() identity.User {
	return identity.User{Subject: s.Subject, Email: s.Email, Name: s.Name, Groups: s.Groups}
}

// maxCookieBytes is what the session cookie's Set-Cookie value (name,
// value and attributes) may use: browsers keep at least 4096 bytes a
// cookie.
const maxCookieBytes = 4000

// transaction is the content of a transaction cookie: one sign-in in
// progress.
type transaction struct {
	State    string `json:"s"`
	Nonce    string `json:"n"`
	Verifier string `json:"v"`
	Redirect string `json:"r"` // the redirect_uri sent, sent again with the code
	Next     string `json:"p"` // prefix-relative path to return to
	Expiry   int64  `json:"x"`
}

func (l *Login) cookie(r *http.Request, name, value string, maxAge int) *http.Cookie {
	return &http.Cookie{
		Name:     name,
		Value:    value,
		Path:     cookiePath(r),
		MaxAge:   maxAge,
		Secure:   !l.insecure,
		HttpOnly: true,
		SameSite: http.SameSiteLaxMode,
	}
}

// sealSession returns the session cookie, or false when it does not fit
// even without the refresh token.
func (l *Login) sealSession(r *http.Request, kr *keyring, s *session) (*http.Cookie, bool) {
	now := l.now()
	for {
		b, _ := json.Marshal(s)
		maxAge := int(time.Unix(s.Auth, 0).Add(l.lifetime).Sub(now) / time.Second)
		if s.Refresh == "" {
			maxAge = min(maxAge, int(time.Unix(s.Expiry, 0).Sub(now)/time.Second))
		}
		name := l.sessionName(r)
		c := l.cookie(r, name, seal(kr.all[0].session, name, b), max(maxAge, 1))
		if len(c.String()) <= maxCookieBytes {
			return c, true
		}
		if s.Refresh == "" {
			return nil, false
		}
		// Too big: keep the session without its refresh token; it then
		// ends with the ID token and the user signs in again (usually
		// without a prompt, the provider's own session still being there).
		l.log.Warn("login: session cookie too big with the refresh token; kept without it", "bytes", len(c.String()), "groups", len(s.Groups))
		s.Refresh = ""
	}
}

// sessionName is the session cookie's name: SessionCookie, with the
// __Host- prefix when its Path is "/" and it is Secure, so that no sibling
// subdomain can plant one for this host.
func (l *Login) sessionName(r *http.Request) string {
	if !l.insecure && cookiePath(r) == "/" {
		return HostSessionCookie
	}
	return SessionCookie
}

// readSession returns the session of the one session cookie that opens
// (another app on a parent path may send one of its own too). More than one
// that opens means one was planted (by a sibling subdomain, or on a parent
// path): no session then. bad reports a cookie that none opened.
func (l *Login) readSession(r *http.Request) (s *session, kr *keyring, bad bool, err error) {
	name := l.sessionName(r)
	cs := r.CookiesNamed(name)
	if len(cs) == 0 {
		return nil, nil, false, nil
	}
	for stale := false; ; stale = true {
		kr, err = l.keys.get(r.Context(), l.now(), stale, l.log)
		if err != nil {
			return nil, nil, false, err
		}
		var found *session
		for _, c := range cs {
			if pt, ok := open(kr, sessionKey, name, c.Value); ok {
				s := new(session)
				if json.Unmarshal(pt, s) == nil && s.Subject != "" && s.ID != "" {
					if found != nil {
						l.log.Warn("login: more than one session cookie opens; none is used")
						return nil, kr, false, nil
					}
					found = s
				}
			}
		}
		if found != nil {
			return found, kr, false, nil
		}
		if stale || l.keys.src == nil {
			return nil, kr, true, nil
		}
	}
}
