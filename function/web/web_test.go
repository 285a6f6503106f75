package web

import (
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/goapigw/webapp/function/identity"
	"github.com/goapigw/webapp/function/restproxy"
	"github.com/goapigw/webapp/internal/golden"
)

// fixedNow is the injected clock: a moment late on 2026-11-29 in UTC, which is
// already 2026-11-30 east of UTC.
var fixedNow = time.Date(2026, time.November, 29, 23, 30, 0, 0, time.UTC)

func newApp(tb testing.TB, now time.Time) *App {
	tb.Helper()
	a, err := New(WithClock(func() time.Time { return now }))
	if err != nil {
		tb.Fatal(err)
	}
	return a
}

func get(tb testing.TB, h http.Handler, target string, header map[string]string) *httptest.ResponseRecorder {
	tb.Helper()
	r := httptest.NewRequest(http.MethodGet, target, nil)
	for k, v := range header {
		r.Header.Set(k, v)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

func TestDaysSince(t *testing.T) {
	tests := []struct {
		name    string
		date    string
		now     time.Time
		want    int
		wantErr string
	}{
		{name: "seed default", date: "1993-01-01", now: fixedNow, want: 12385},
		{name: "born today", date: "2026-11-29", now: fixedNow, want: 0},
		{name: "yesterday", date: "2026-11-28", now: fixedNow, want: 1},
		{name: "UTC decides today, not the caller's zone", date: "2026-11-29", now: time.Date(2026, 11, 30, 0, 30, 0, 0, time.FixedZone("CET", 3600)), want: 0},
		{name: "one second before UTC midnight", date: "2024-02-28", now: time.Date(2024, 2, 28, 23, 59, 59, 0, time.UTC), want: 0},
		{name: "at UTC midnight", date: "2024-02-28", now: time.Date(2024, 2, 29, 0, 0, 0, 0, time.UTC), want: 1},
		{name: "across a leap day", date: "2024-02-28", now: time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC), want: 2},
		{name: "across a non-leap February", date: "2023-02-28", now: time.Date(2023, 3, 1, 12, 0, 0, 0, time.UTC), want: 1},
		{name: "born on a leap day", date: "2000-02-29", now: time.Date(2001, 2, 28, 0, 0, 0, 0, time.UTC), want: 365},
		{name: "a leap year is 366 days", date: "2024-01-01", now: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC), want: 366},
		{name: "earliest accepted", date: "1900-01-01", now: time.Date(1900, 1, 2, 0, 0, 0, 0, time.UTC), want: 1},
		{name: "empty", date: "", now: fixedNow, wantErr: "Please pick your birth date."},
		{name: "month 13, day 45", date: "1993-13-45", now: fixedNow, wantErr: "1993-13-45 is not a real date."},
		{name: "February 30", date: "1993-02-30", now: fixedNow, wantErr: "1993-02-30 is not a real date."},
		{name: "29 February in a common year", date: "2023-02-29", now: fixedNow, wantErr: "2023-02-29 is not a real date."},
		{name: "future", date: "2026-11-30", now: fixedNow, wantErr: "2026-11-30 is in the future."},
		{name: "year 0001", date: "0001-01-01", now: fixedNow, wantErr: "0001-01-01 is before 1900."},
		{name: "garbage", date: strings.Repeat("x", 200), now: fixedNow, wantErr: "That is not a date."},
		{name: "wrong layout", date: "01/02/1993", now: fixedNow, wantErr: "That is not a date."},
		{name: "ten chars of garbage", date: "abcdefghij", now: fixedNow, wantErr: "That is not a date."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := DaysSince(tt.date, tt.now)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("got %d, %v; want an error containing %q", got, err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Errorf("got %d, %v; want %d", got, err, tt.want)
			}
		})
	}
}

func TestPagesGolden(t *testing.T) {
	tests := []struct {
		name       string
		target     string
		prefix     string
		wantStatus int
	}{
		{name: "home", target: "/", wantStatus: 200},
		{name: "home-prod", target: "/", prefix: "/prod", wantStatus: 200},
		{name: "answer", target: "/?date=1993-01-01", wantStatus: 200},
		{name: "bad-date", target: "/?date=1993-13-45", wantStatus: 400},
		{name: "fragment", target: "/days?date=1993-01-01", wantStatus: 200},
		{name: "fragment-future", target: "/days?date=2030-01-01", wantStatus: 400},
		{name: "fragment-empty", target: "/days?date=", wantStatus: 400},
		{name: "fragment-missing", target: "/days", wantStatus: 400},
		{name: "not-found-shop", target: "/no/such/page", prefix: "/shop", wantStatus: 404},
	}
	a := newApp(t, fixedNow)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := get(t, a, tt.target, map[string]string{"X-Forwarded-Prefix": tt.prefix})
			if w.Code != tt.wantStatus {
				t.Errorf("status: got %d, want %d", w.Code, tt.wantStatus)
			}
			// Hashed asset names change with the assets; the golden files
			// pin the markup, not the hashes.
			got := regexp.MustCompile(`\.[0-9a-f]{10}\.(png|js)`).ReplaceAll(w.Body.Bytes(), []byte(".HASH.$1"))
			got = regexp.MustCompile(`'sha256-[^']+'`).ReplaceAll(got, []byte("'sha256-HASH'"))
			golden.Check(t, filepath.Join("testdata", tt.name+".html"), got)
		})
	}
}

func TestLinksCarryThePrefix(t *testing.T) {
	a := newApp(t, fixedNow)
	tests := []struct {
		name   string
		header string
		want   string
	}{
		{name: "root", header: "", want: ""},
		{name: "stage", header: "/prod", want: "/prod"},
		{name: "base path with slash", header: "/shop/", want: "/shop"},
		// The adapter honours these base paths, so the links must keep them.
		{name: "base path with a dollar", header: "/shop$1", want: "/shop$1"},
		{name: "base path with a tilde and dots", header: "/v1.2~beta", want: "/v1.2~beta"},
		{name: "scheme-relative is refused", header: "//evil.example", want: ""},
		{name: "absolute URL is refused", header: "https://evil.example", want: ""},
		{name: "dot segments are refused", header: "/a/../b", want: ""},
		{name: "markup is refused", header: `/"><script>`, want: ""},
	}
	urls := regexp.MustCompile(`(?:src|href|action|data-fragment)="([^"]*)"`)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := get(t, a, "/", map[string]string{"X-Forwarded-Prefix": tt.header}).Body.String()
			found := 0
			for _, m := range urls.FindAllStringSubmatch(body, -1) {
				u := m[1]
				if strings.HasPrefix(u, "data:") {
					continue
				}
				found++
				if !strings.HasPrefix(u, tt.want+"/") {
					t.Errorf("URL %q does not start with %q", u, tt.want+"/")
				}
			}
			if found < 4 {
				t.Errorf("found %d URLs, want the image, form, fragment and script", found)
			}
		})
	}
}

func TestCachingAndCompression(t *testing.T) {
	a := newApp(t, fixedNow)
	first := get(t, a, "/", nil)
	etag := first.Header().Get("ETag")
	if etag == "" || first.Header().Get("Cache-Control") != "no-cache" {
		t.Fatalf("HTML: ETag %q, Cache-Control %q; want an ETag and no-cache", etag, first.Header().Get("Cache-Control"))
	}
	if again := get(t, a, "/", map[string]string{"If-None-Match": etag}); again.Code != http.StatusNotModified || again.Body.Len() != 0 {
		t.Errorf("repeat view: got %d with %d bytes, want an empty 304", again.Code, again.Body.Len())
	}
	if tomorrow := get(t, newApp(t, fixedNow.Add(24*time.Hour)), "/", map[string]string{"If-None-Match": etag}); tomorrow.Code != http.StatusOK {
		t.Errorf("next day: got %d, want 200 (today's date is in the page)", tomorrow.Code)
	}

	z := get(t, a, "/", map[string]string{"Accept-Encoding": "gzip, deflate, br"})
	if z.Header().Get("Content-Encoding") != "gzip" {
		t.Fatal("HTML not gzipped for a client that accepts gzip")
	}
	zr, err := gzip.NewReader(z.Body)
	if err != nil {
		t.Fatal(err)
	}
	plain, _ := io.ReadAll(zr)
	if !bytes.Equal(plain, first.Body.Bytes()) {
		t.Error("gunzipped page differs from the plain one")
	}
	if refused := get(t, a, "/", map[string]string{"Accept-Encoding": "gzip;q=0"}); refused.Header().Get("Content-Encoding") != "" {
		t.Error("gzip sent to a client that refused it with q=0")
	}

	for _, name := range []string{a.picture.name, a.script.name} {
		w := get(t, a, "/assets/"+name, nil)
		if w.Code != 200 || w.Header().Get("Cache-Control") != "public, max-age=31536000, immutable" {
			t.Errorf("%s: got %d, Cache-Control %q", name, w.Code, w.Header().Get("Cache-Control"))
		}
		if !bytes.Equal(w.Body.Bytes(), a.assets[name].body) {
			t.Errorf("%s: body differs from the embedded file", name)
		}
	}
	if w := get(t, a, "/assets/arch.0000000000.png", nil); w.Code != http.StatusNotFound {
		t.Errorf("stale asset name: got %d, want 404", w.Code)
	}
}

// TestPersonalisedPagesArePrivate: a page that names the signed-in user
// must never be stored by a shared cache (CloudFront, a proxy), where the
// next visitor would get it; pages that are the same for everyone keep
// their caching. The principal comes from the authorizer, through the
// adapter, as in Lambda.
func TestPersonalisedPagesArePrivate(t *testing.T) {
	a := newApp(t, fixedNow)
	fn := restproxy.Wrap(a, restproxy.WithLogger(slog.New(slog.DiscardHandler)))
	picture := "/assets/" + a.picture.name
	tests := []struct {
		name      string
		path      string
		query     map[string]string
		principal string
		wantUser  bool
		want      string
	}{
		{name: "home, signed in", path: "/", principal: "alice", wantUser: true, want: "private, no-cache"},
		{name: "answer, signed in", path: "/", query: map[string]string{"date": "1993-01-01"}, principal: "alice", wantUser: true, want: "private, no-cache"},
		{name: "not found, signed in", path: "/no/such/page", principal: "alice", wantUser: true, want: "private, no-cache"},
		{name: "fragment, signed in: names nobody", path: "/days", query: map[string]string{"date": "1993-01-01"}, principal: "alice", want: "no-cache"},
		{name: "asset, signed in", path: picture, principal: "alice", want: "public, max-age=31536000, immutable"},
		{name: "home, no authorizer", path: "/", want: "no-cache"},
		{name: "not found, no authorizer", path: "/no/such/page", want: "no-cache"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := &events.APIGatewayProxyRequest{
				Resource: "/{proxy+}", Path: tt.path, HTTPMethod: http.MethodGet,
				PathParameters:        map[string]string{"proxy": strings.TrimPrefix(tt.path, "/")},
				QueryStringParameters: tt.query,
				RequestContext:        events.APIGatewayProxyRequestContext{Stage: "prod", Path: "/prod" + tt.path},
			}
			if tt.principal != "" {
				e.RequestContext.Authorizer = map[string]any{"principalId": tt.principal}
			}
			mq := make(map[string][]string)
			for k, v := range tt.query {
				mq[k] = []string{v}
			}
			e.MultiValueQueryStringParameters = mq
			res, err := fn.ServeEvent(context.Background(), e)
			if err != nil {
				t.Fatal(err)
			}
			got := res.MultiValueHeaders["Cache-Control"]
			if len(got) != 1 || got[0] != tt.want {
				t.Errorf("Cache-Control: got %q, want %q", got, tt.want)
			}
			if named := strings.Contains(res.Body, "Signed in as"); named != tt.wantUser {
				t.Errorf("names the user: got %v, want %v", named, tt.wantUser)
			}
			etag := res.MultiValueHeaders["Etag"]
			if len(etag) == 0 {
				return
			}
			// The 304 of a repeat view says the same.
			e.MultiValueHeaders = map[string][]string{"If-None-Match": etag}
			e.Headers = map[string]string{"If-None-Match": etag[0]}
			again, err := fn.ServeEvent(context.Background(), e)
			if err != nil {
				t.Fatal(err)
			}
			if got := again.MultiValueHeaders["Cache-Control"]; again.StatusCode != http.StatusNotModified || len(got) != 1 || got[0] != tt.want {
				t.Errorf("repeat view: got %d, Cache-Control %q; want 304, %q", again.StatusCode, got, tt.want)
			}
		})
	}
}

func TestSecurityHeaders(t *testing.T) {
	a := newApp(t, fixedNow)
	for _, target := range []string{"/", "/days?date=x", "/assets/" + a.script.name, "/missing", "/favicon.ico"} {
		t.Run(target, func(t *testing.T) {
			h := get(t, a, target, map[string]string{"X-Forwarded-Proto": "https"}).Header()
			csp := h.Get("Content-Security-Policy")
			for _, want := range []string{"script-src 'self'", "frame-ancestors 'none'", "default-src 'none'"} {
				if !strings.Contains(csp, want) {
					t.Errorf("CSP %q lacks %q", csp, want)
				}
			}
			if strings.Contains(csp, "unsafe-inline") {
				t.Errorf("CSP allows unsafe-inline: %q", csp)
			}
			if h.Get("X-Content-Type-Options") != "nosniff" || h.Get("Referrer-Policy") == "" {
				t.Error("nosniff or Referrer-Policy missing")
			}
			if !strings.HasPrefix(h.Get("Strict-Transport-Security"), "max-age=") {
				t.Error("HSTS missing on an HTTPS request")
			}
		})
	}
	if h := get(t, a, "/", nil).Header(); h.Get("Strict-Transport-Security") != "" {
		t.Error("HSTS sent on a plain-HTTP request")
	}
}

func TestMethodsAndFavicon(t *testing.T) {
	a := newApp(t, fixedNow)
	r := httptest.NewRequest(http.MethodHead, "/", nil)
	w := httptest.NewRecorder()
	a.ServeHTTP(w, r)
	if w.Code != 200 || w.Body.Len() != 0 || w.Header().Get("Content-Length") == "" {
		t.Errorf("HEAD: got %d, %d body bytes, Content-Length %q", w.Code, w.Body.Len(), w.Header().Get("Content-Length"))
	}
	if w := get(t, a, "/favicon.ico", nil); w.Code != http.StatusNoContent {
		t.Errorf("favicon: got %d, want 204", w.Code)
	}
	r = httptest.NewRequest(http.MethodPost, "/", strings.NewReader("date=1993-01-01"))
	w = httptest.NewRecorder()
	a.ServeHTTP(w, r)
	if w.Code != http.StatusMethodNotAllowed {
		t.Errorf("POST /: got %d, want 405", w.Code)
	}
}

func TestPngSize(t *testing.T) {
	header := []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x03\xea\x00\x00\x01\x2c\x08\x06\x00\x00\x00")
	tests := []struct {
		name         string
		data         []byte
		wantW, wantH int
		wantErr      bool
	}{
		{name: "PNG header", data: header, wantW: 1002, wantH: 300},
		{name: "truncated", data: header[:20], wantErr: true},
		{name: "not a PNG", data: append([]byte("GIF89a"), header[6:]...), wantErr: true},
		{name: "empty", data: nil, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w, h, err := pngSize(tt.data)
			if (err != nil) != tt.wantErr || w != tt.wantW || h != tt.wantH {
				t.Errorf("got %d×%d, %v; want %d×%d, error %v", w, h, err, tt.wantW, tt.wantH, tt.wantErr)
			}
		})
	}
}

// TestSignedInUserIsNamed: a user that login (or any middleware) puts in
// the context through package identity is named, escaped, and makes the
// page private, like a basic-auth principal.
func TestSignedInUserIsNamed(t *testing.T) {
	a := newApp(t, fixedNow)
	tests := []struct {
		name string
		user *identity.User
		want string // in the body; "" for no name at all
	}{
		{name: "name", user: &identity.User{Subject: "0f3c", Name: "Zoë <Admin>"}, want: `<span id="user">Zoë &lt;Admin&gt;</span>`},
		{name: "subject only", user: &identity.User{Subject: "0f3c-77"}, want: `<span id="user">0f3c-77</span>`},
		{name: "nobody", user: nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodGet, "/", nil)
			if tt.user != nil {
				r = r.WithContext(identity.NewContext(r.Context(), *tt.user))
			}
			w := httptest.NewRecorder()
			a.ServeHTTP(w, r)
			body := w.Body.String()
			if tt.want == "" {
				if strings.Contains(body, "Signed in as") {
					t.Errorf("got a signed-in footer for nobody")
				}
				return
			}
			if !strings.Contains(body, tt.want) {
				t.Errorf("got no %s in the page", tt.want)
			}
			if got := w.Header().Get("Cache-Control"); !strings.Contains(got, "private") {
				t.Errorf("Cache-Control: got %q, want private", got)
			}
		})
	}
}
