package cloudfrontlocal

import (
	"bytes"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Policy is a cache policy.
type Policy struct {
	// Disabled is the managed CachingDisabled policy: nothing is kept.
	Disabled                   bool
	MinTTL, DefaultTTL, MaxTTL time.Duration
	// Headers are the request headers in the cache key (and so forwarded).
	Headers []string
	// QueryStrings puts the whole query string in the key.
	QueryStrings bool
}

// Config describes the distribution.
type Config struct {
	Origin        http.Handler
	OriginPath    string            // such as "/prod"
	OriginHost    string            // the Host the origin sees; default "origin.local"
	OriginHeaders map[string]string // origin custom headers
	// ViewerHostHeader, when set, is set to the viewer's Host on every
	// origin request, replacing any value the viewer sent: what the
	// lambdaweb construct's viewer-request function does.
	ViewerHostHeader string
	Policy           Policy
	// MaxCachedBytes is the largest answer kept. Default: 10 MB.
	MaxCachedBytes int
}

// Distribution is an http.Handler that serves like a CloudFront
// distribution's default cache behavior.
type Distribution struct {
	cfg Config
	now func() time.Time

	mu    sync.Mutex
	cache map[string]*entry
	hits  int
}

type entry struct {
	status  int
	header  http.Header
	body    []byte
	stored  time.Time
	expires time.Time
}

// New returns a Distribution for cfg.
func New(cfg Config) *Distribution {
	if cfg.OriginHost == "" {
		cfg.OriginHost = "origin.local"
	}
	if cfg.MaxCachedBytes <= 0 {
		cfg.MaxCachedBytes = 10 << 20
	}
	return &Distribution{cfg: cfg, now: time.Now, cache: map[string]*entry{}}
}

// Hits is how many answers came from the cache.
func (d *Distribution) Hits() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.hits
}

func (d *Distribution) cacheable(r *http.Request) bool {
	return !d.cfg.Policy.Disabled && (r.Method == http.MethodGet || r.Method == http.MethodHead)
}

// encoding is the Accept-Encoding CloudFront normalizes into the key.
func encoding(r *http.Request) string {
	ae := strings.ToLower(r.Header.Get("Accept-Encoding"))
	switch {
	case strings.Contains(ae, "br"):
		return "br"
	case strings.Contains(ae, "gzip"):
		return "gzip"
	}
	return ""
}

func (d *Distribution) key(r *http.Request) string {
	var b strings.Builder
	b.WriteString(r.Method + " " + r.URL.EscapedPath())
	if d.cfg.Policy.QueryStrings {
		b.WriteString("?" + r.URL.RawQuery)
	}
	for _, h := range d.cfg.Policy.Headers {
		b.WriteString("\n" + strings.ToLower(h) + ": " + r.Header.Get(h))
	}
	b.WriteString("\nencoding: " + encoding(r))
	return b.String()
}

// ServeHTTP implements http.Handler.
func (d *Distribution) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	key := ""
	if d.cacheable(r) {
		key = d.key(r)
		d.mu.Lock()
		e, ok := d.cache[key]
		if ok && d.now().Before(e.expires) {
			d.hits++
			d.mu.Unlock()
			h := w.Header()
			for k, vs := range e.header {
				h[k] = vs
			}
			h.Set("Age", strconv.Itoa(int(d.now().Sub(e.stored).Seconds())))
			h.Set("X-Cache", "Hit from cloudfront")
			w.WriteHeader(e.status)
			if r.Method != http.MethodHead {
				_, _ = w.Write(e.body)
			}
			return
		}
		d.mu.Unlock()
	}

	req := r.Clone(r.Context())
	req.URL = &url.URL{Path: d.cfg.OriginPath + r.URL.Path, RawPath: "", RawQuery: r.URL.RawQuery}
	if r.URL.RawPath != "" {
		req.URL.RawPath = d.cfg.OriginPath + r.URL.RawPath
	}
	req.RequestURI = req.URL.RequestURI()
	req.Host = d.cfg.OriginHost // the viewer's Host is not forwarded
	if h := d.cfg.ViewerHostHeader; h != "" {
		req.Header.Set(h, r.Host)
	}
	if !d.keys("Authorization") {
		// CloudFront forwards Authorization only when the key has it.
		req.Header.Del("Authorization")
	}
	if enc := encoding(r); enc != "" {
		req.Header.Set("Accept-Encoding", enc)
	} else {
		req.Header.Del("Accept-Encoding")
	}
	for k, v := range d.cfg.OriginHeaders {
		req.Header.Set(k, v)
	}
	tw := &teeWriter{ResponseWriter: w, d: d, cache: key != ""}
	d.cfg.Origin.ServeHTTP(tw, req)
	if !tw.wrote {
		tw.WriteHeader(http.StatusOK)
	}
	if tw.keep && !tw.overflow {
		d.mu.Lock()
		now := d.now()
		d.cache[key] = &entry{status: tw.status, header: tw.stored, body: tw.buf.Bytes(), stored: now, expires: now.Add(tw.ttl)}
		d.mu.Unlock()
	}
}

func (d *Distribution) keys(header string) bool {
	for _, h := range d.cfg.Policy.Headers {
		if strings.EqualFold(h, header) {
			return true
		}
	}
	return false
}

// ttl is how long an answer may be kept under the policy.
func (p Policy) ttl(status int, h http.Header) time.Duration {
	if status != http.StatusOK || len(h.Values("Set-Cookie")) > 0 {
		return 0
	}
	cc := strings.ToLower(strings.Join(h.Values("Cache-Control"), ","))
	var maxAge, sMaxAge time.Duration = -1, -1
	for part := range strings.SplitSeq(cc, ",") {
		part = strings.TrimSpace(part)
		switch {
		case part == "no-store" || part == "no-cache" || part == "private":
			return p.MinTTL
		case strings.HasPrefix(part, "s-maxage="):
			if n, err := strconv.Atoi(part[len("s-maxage="):]); err == nil {
				sMaxAge = time.Duration(n) * time.Second
			}
		case strings.HasPrefix(part, "max-age="):
			if n, err := strconv.Atoi(part[len("max-age="):]); err == nil {
				maxAge = time.Duration(n) * time.Second
			}
		}
	}
	ttl := p.DefaultTTL
	switch {
	case sMaxAge >= 0:
		ttl = sMaxAge
	case maxAge >= 0:
		ttl = maxAge
	}
	return min(max(ttl, p.MinTTL), p.MaxTTL)
}

// teeWriter passes the origin's answer to the viewer as it comes (streams
// keep streaming) and keeps a copy when it may be cached.
type teeWriter struct {
	http.ResponseWriter
	d        *Distribution
	cache    bool
	wrote    bool
	status   int
	keep     bool
	ttl      time.Duration
	stored   http.Header
	buf      bytes.Buffer
	overflow bool
}

func (t *teeWriter) WriteHeader(status int) {
	if t.wrote {
		return
	}
	t.wrote, t.status = true, status
	h := t.Header()
	if t.cache {
		t.ttl = t.d.cfg.Policy.ttl(status, h)
		t.keep = t.ttl > 0
		if t.keep {
			t.stored = h.Clone()
		}
	}
	h.Set("X-Cache", "Miss from cloudfront")
	t.ResponseWriter.WriteHeader(status)
}

func (t *teeWriter) Write(p []byte) (int, error) {
	if !t.wrote {
		t.WriteHeader(http.StatusOK)
	}
	if t.keep && !t.overflow {
		if t.buf.Len()+len(p) > t.d.cfg.MaxCachedBytes {
			t.overflow = true
		} else {
			t.buf.Write(p)
		}
	}
	return t.ResponseWriter.Write(p)
}

// Flush passes flushes on, so a streamed answer keeps streaming.
func (t *teeWriter) Flush() {
	if !t.wrote {
		t.WriteHeader(http.StatusOK)
	}
	_ = http.NewResponseController(t.ResponseWriter).Flush()
}

// Unwrap lets http.ResponseController reach the connection.
func (t *teeWriter) Unwrap() http.ResponseWriter { return t.ResponseWriter }
