package main

import (
	"bytes"
	"encoding/base64"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"

	"golang.org/x/crypto/bcrypt"

	"github.com/goapigw/webapp/function/web/webtest"
	"github.com/goapigw/webapp/infra/assembly"
)

// htpasswdFile writes users as `htpasswd -nbB` would, at a low cost so the
// test is quick.
func htpasswdFile(tb testing.TB, users map[string]string) string {
	tb.Helper()
	var b strings.Builder
	for u, p := range users {
		h, err := bcrypt.GenerateFromPassword([]byte(p), bcrypt.MinCost)
		if err != nil {
			tb.Fatal(err)
		}
		b.WriteString(u + ":$2y$" + strings.TrimPrefix(string(h), "$2a$") + "\n")
	}
	f := filepath.Join(tb.TempDir(), "users.htpasswd")
	if err := os.WriteFile(f, []byte(b.String()), 0o600); err != nil {
		tb.Fatal(err)
	}
	return f
}

func stagingApp(tb testing.TB) assembly.WebApp {
	tb.Helper()
	a := envApp(tb, "staging")
	if a.Authorizer == nil || a.AuthorizerFunction == nil {
		tb.Fatalf("the staging WebApp records no authorizer: %+v", a.Record)
	}
	return a
}

func get(tb testing.TB, url, auth string) (*http.Response, []byte) {
	tb.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	res, err := noRedirect.Do(req)
	if err != nil {
		tb.Fatal(err)
	}
	defer res.Body.Close()
	var body bytes.Buffer
	_, _ = body.ReadFrom(res.Body)
	return res, body.Bytes()
}

// TestBasicAuthThroughTheRunner runs the staging stack with the real
// authorizer bootstrap and an htpasswd file.
func TestBasicAuthThroughTheRunner(t *testing.T) {
	app := stagingApp(t)
	const password = "c0rrect-h0rse-Zq"
	file := htpasswdFile(t, map[string]string{"alice": password, "zoë": "pässwörd-9x"})
	var logs lockedBuffer
	s, _ := runningWith(t, app, func(c *stackConfig) { c.Htpasswd = file; c.Verbose = true; c.Log = &logs })
	good := "Basic " + base64.StdEncoding.EncodeToString([]byte("alice:"+password))
	wrong := "Basic " + base64.StdEncoding.EncodeToString([]byte("alice:n0t-it-Kp"))
	imgSrc := regexp.MustCompile(`<img src="([^"]+)"`)

	for _, door := range []struct{ name, base, prefix string }{{"stage URL", s.StageURL, "/prod"}, {"custom domain", s.DomainURL, ""}} {
		t.Run(door.name, func(t *testing.T) {
			for _, c := range []struct{ name, auth string }{{"no credentials", ""}, {"wrong password", wrong}, {"not Basic", "Bearer x"}, {"malformed", "Basic %%%"}} {
				res, body := get(t, door.base, c.auth)
				if res.StatusCode != 401 || res.Header.Get("WWW-Authenticate") != `Basic realm="Staging", charset="UTF-8"` || string(body) != `{"message":"Unauthorized"}` {
					t.Errorf("%s: got %d %q %s, want 401 with the realm", c.name, res.StatusCode, res.Header.Get("WWW-Authenticate"), body)
				}
			}
			res, body := get(t, door.base, good)
			if res.StatusCode != 200 || !bytes.Contains(body, []byte(`Signed in as <span id="user">alice</span>`)) {
				t.Fatalf("with credentials: got %d\n%s", res.StatusCode, body)
			}
			m := imgSrc.FindSubmatch(body)
			if m == nil {
				t.Fatal("no image on the page")
			}
			root := strings.TrimSuffix(door.base, door.prefix+"/")
			if res, _ := get(t, root+string(m[1]), good); res.StatusCode != 200 || res.Header.Get("Content-Type") != "image/png" {
				t.Errorf("image: got %d %s", res.StatusCode, res.Header.Get("Content-Type"))
			}
			if res, _ := get(t, root+string(m[1]), ""); res.StatusCode != 401 {
				t.Errorf("image without credentials: got %d, want 401", res.StatusCode)
			}
			if res, body := get(t, door.base+"?date=1993-01-01", good); res.StatusCode != 200 || !bytes.Contains(body, []byte("days young!")) {
				t.Errorf("form: got %d", res.StatusCode)
			}
		})
	}

	t.Run("within the TTL the authorizer is not invoked again", func(t *testing.T) {
		before := s.authN.Load()
		for range 3 {
			if res, _ := get(t, s.StageURL+"favicon.ico", good); res.StatusCode != 204 {
				t.Fatalf("got %d", res.StatusCode)
			}
		}
		if after := s.authN.Load(); after != before {
			t.Errorf("authorizer invocations: %d more for a cached token, want 0", after-before)
		}
		// A new token is a new question.
		other := "Basic " + base64.StdEncoding.EncodeToString([]byte("zoë:pässwörd-9x"))
		if res, body := get(t, s.StageURL, other); res.StatusCode != 200 || !bytes.Contains(body, []byte("zoë")) {
			t.Errorf("the second user: %d", res.StatusCode)
		}
		if after := s.authN.Load(); after != before+1 {
			t.Errorf("authorizer invocations for a new token: %d, want 1", after-before)
		}
	})

	t.Run("the log shows no credentials", func(t *testing.T) {
		out := logs.String()
		if !strings.Contains(out, "authorizer invoked") || !strings.Contains(out, "authorizer cached") {
			t.Errorf("the access log does not count the authorizer:\n%s", out)
		}
		for _, secret := range []string{password, "n0t-it-Kp", "pässwörd-9x", strings.TrimPrefix(good, "Basic "), strings.TrimPrefix(wrong, "Basic ")} {
			if strings.Contains(out, secret) {
				t.Errorf("the local stack's log (with the function's and the authorizer's lines) contains %q", secret)
			}
		}
	})

	t.Run("a browser logs in", func(t *testing.T) {
		chromium := webtest.Chromium(t)
		user, realm := webtest.Login(t, chromium, s.DomainURL, "alice", password)
		if user != "alice" || realm != "Staging" {
			t.Errorf("signed in as %q under realm %q, want alice and Staging", user, realm)
		}
	})
}

func TestBasicAuthNeedsAnHtpasswdFile(t *testing.T) {
	_, err := startStack(t.Context(), stackConfig{App: stagingApp(t), AppDir: repoRoot, WorkDir: t.TempDir(), Log: &lockedBuffer{},
		StageAddr: "127.0.0.1:0", DomainAddr: "127.0.0.1:0"})
	if err == nil || !strings.Contains(err.Error(), "asks for basic authentication: pass -htpasswd FILE") {
		t.Errorf("got %v, want the message that says what to pass", err)
	}
}

// lockedBuffer is a log that tests read while the stack writes.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
