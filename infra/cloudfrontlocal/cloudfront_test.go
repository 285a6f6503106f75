package cloudfrontlocal

import (
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestPolicyTTL(t *testing.T) {
	p := Policy{MinTTL: 0, DefaultTTL: 0, MaxTTL: 24 * time.Hour}
	tests := []struct {
		name   string
		status int
		cc     string
		cookie bool
		want   time.Duration
	}{
		{name: "immutable asset", status: 200, cc: "public, max-age=31536000, immutable", want: 24 * time.Hour},
		{name: "short max-age", status: 200, cc: "public, max-age=60", want: time.Minute},
		{name: "s-maxage wins", status: 200, cc: "max-age=60, s-maxage=5", want: 5 * time.Second},
		{name: "HTML revalidates", status: 200, cc: "no-cache", want: 0},
		{name: "no-store", status: 200, cc: "no-store", want: 0},
		{name: "private", status: 200, cc: "private, max-age=600", want: 0},
		{name: "nothing said: the default", status: 200, cc: "", want: 0},
		{name: "not a 200", status: 404, cc: "max-age=60", want: 0},
		{name: "sets a cookie", status: 200, cc: "max-age=60", cookie: true, want: 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := http.Header{}
			if tt.cc != "" {
				h.Set("Cache-Control", tt.cc)
			}
			if tt.cookie {
				h.Set("Set-Cookie", "a=1")
			}
			if got := p.ttl(tt.status, h); got != tt.want {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
	if got := (Policy{MaxTTL: 300 * time.Second}).ttl(200, http.Header{"Cache-Control": {"max-age=31536000"}}); got != 300*time.Second {
		t.Errorf("the max TTL caps: got %v", got)
	}
}

// origin counts requests and answers by path.
type origin struct{ n atomic.Int32 }

func (o *origin) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	o.n.Add(1)
	switch r.URL.Path {
	case "/prod/asset.js":
		w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	case "/prod/":
		w.Header().Set("Cache-Control", "no-cache")
	}
	_, _ = io.WriteString(w, r.URL.Path+" prefix="+r.Header.Get("X-Forwarded-Prefix")+" auth="+r.Header.Get("Authorization")+" host="+r.Host)
}

func get(h http.Handler, path, auth string) *httptest.ResponseRecorder {
	r := httptest.NewRequest("GET", path, nil)
	if auth != "" {
		r.Header.Set("Authorization", auth)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

func TestDistribution(t *testing.T) {
	t.Run("public: assets are shared, pages are not", func(t *testing.T) {
		o := &origin{}
		d := New(Config{Origin: o, OriginPath: "/prod", OriginHeaders: map[string]string{"X-Forwarded-Prefix": "/"},
			Policy: Policy{MaxTTL: time.Hour, QueryStrings: true}})
		first := get(d, "/asset.js", "")
		second := get(d, "/asset.js", "Basic someone-else")
		if first.Header().Get("X-Cache") != "Miss from cloudfront" || second.Header().Get("X-Cache") != "Hit from cloudfront" || second.Body.String() != first.Body.String() {
			t.Errorf("asset: %q then %q", first.Header().Get("X-Cache"), second.Header().Get("X-Cache"))
		}
		if want := "/prod/asset.js prefix=/ auth= host=origin.local"; first.Body.String() != want {
			t.Errorf("origin saw %q, want %q (origin path and header, no Authorization, no viewer Host)", first.Body.String(), want)
		}
		get(d, "/", "")
		get(d, "/", "")
		if got := o.n.Load(); got != 3 {
			t.Errorf("origin requests: got %d, want 3 (the asset once, the page twice)", got)
		}
	})
	t.Run("keyed by Authorization: never shared across credentials", func(t *testing.T) {
		o := &origin{}
		d := New(Config{Origin: o, OriginPath: "/prod", Policy: Policy{MaxTTL: 5 * time.Minute, Headers: []string{"Authorization"}}})
		alice := get(d, "/asset.js", "Basic alice")
		again := get(d, "/asset.js", "Basic alice")
		nobody := get(d, "/asset.js", "")
		mallory := get(d, "/asset.js", "Basic mallory")
		if again.Header().Get("X-Cache") != "Hit from cloudfront" || alice.Body.String() != "/prod/asset.js prefix= auth=Basic alice host=origin.local" {
			t.Errorf("the same credentials: %q, %q", again.Header().Get("X-Cache"), alice.Body.String())
		}
		for name, w := range map[string]*httptest.ResponseRecorder{"no credentials": nobody, "other credentials": mallory} {
			if w.Header().Get("X-Cache") != "Miss from cloudfront" {
				t.Errorf("%s got a cached answer", name)
			}
		}
		if got := o.n.Load(); got != 3 {
			t.Errorf("origin requests: got %d, want 3", got)
		}
	})
	t.Run("disabled", func(t *testing.T) {
		o := &origin{}
		d := New(Config{Origin: o, Policy: Policy{Disabled: true}})
		get(d, "/asset.js", "")
		get(d, "/asset.js", "")
		if o.n.Load() != 2 || d.Hits() != 0 {
			t.Errorf("CachingDisabled kept something")
		}
	})
}

// TestOriginVerifyHeader: the distribution sends its secret origin header,
// in place of any the viewer sent, and the viewer never sees it.
func TestOriginVerifyHeader(t *testing.T) {
	const secret = "0123456789abcdef0123456789abcdef"
	var seen []string
	o := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen = r.Header.Values("X-Origin-Verify")
		_, _ = io.WriteString(w, "ok")
	})
	d := New(Config{Origin: o, OriginPath: "/prod", OriginHeaders: map[string]string{"X-Origin-Verify": secret}, Policy: Policy{Disabled: true}})
	for _, forged := range []string{"", "guess"} {
		r := httptest.NewRequest("GET", "/", nil)
		if forged != "" {
			r.Header.Set("X-Origin-Verify", forged)
		}
		w := httptest.NewRecorder()
		d.ServeHTTP(w, r)
		if len(seen) != 1 || seen[0] != secret {
			t.Errorf("viewer header %q: the origin got %q, want only the secret", forged, seen)
		}
		for k, vs := range w.Header() {
			for _, v := range vs {
				if strings.Contains(v, secret) {
					t.Errorf("the viewer got the secret in %s", k)
				}
			}
		}
	}
}

// TestViewerHostHeader: like the construct's viewer-request function, the
// distribution names the viewer's Host in the configured header, over any
// value the viewer sent, while the origin gets its own Host.
func TestViewerHostHeader(t *testing.T) {
	tests := []struct {
		name, header, forged string
		want                 []string
	}{
		{name: "set", header: "X-Forwarded-Host", want: []string{"127.0.0.1:3002"}},
		{name: "over a viewer's value", header: "X-Forwarded-Host", forged: "evil.example", want: []string{"127.0.0.1:3002"}},
		{name: "off", forged: "", want: nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var host string
			var seen []string
			o := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				host, seen = r.Host, r.Header.Values("X-Forwarded-Host")
			})
			d := New(Config{Origin: o, OriginPath: "/prod", ViewerHostHeader: tt.header, Policy: Policy{Disabled: true}})
			r := httptest.NewRequest("GET", "http://127.0.0.1:3002/", nil)
			if tt.forged != "" {
				r.Header.Set("X-Forwarded-Host", tt.forged)
			}
			d.ServeHTTP(httptest.NewRecorder(), r)
			if host != "origin.local" || !slices.Equal(seen, tt.want) {
				t.Errorf("the origin got Host %q and X-Forwarded-Host %q, want origin.local and %q", host, seen, tt.want)
			}
		})
	}
}
