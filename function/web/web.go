package web

import (
	"bytes"
	"cmp"
	"compress/gzip"
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"html/template"
	"io"
	"net/http"
	"path"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/goapigw/webapp/function/identity"
	"github.com/goapigw/webapp/function/login"
	"github.com/goapigw/webapp/function/restproxy"
)

//go:embed assets/arch.png assets/app.js
var assetFS embed.FS

// asset is an embedded file served under a content-hashed name.
type asset struct {
	name        string // hashed, e.g. "arch.3f9c2a1b.png"
	contentType string
	body        []byte
	etag        string
	compress    bool
	gzipOnce    sync.Once
	gzipped     []byte // nil when compression does not pay
}

// gzipBody compresses the asset on first use: the work stays out of the cold
// start of requests that never ask for it.
func (as *asset) gzipBody() []byte {
	as.gzipOnce.Do(func() {
		if as.compress {
			as.gzipped = gzipBytes(&assetGzip, as.body)
		}
	})
	return as.gzipped
}

// App is the sample web app; it is an http.Handler.
type App struct {
	now       func() time.Time
	assets    map[string]*asset
	script    *asset
	picture   *asset
	picW      int
	picH      int
	styleHash string
	mux       *http.ServeMux
	gzipped   gzipCache
	streaming bool          // the server streams: show the pages that need it
	progress  time.Duration // default length of the long computation
	perStep   int           // numbers the long computation checks a step
}

// Option configures an App.
type Option func(*App)

// WithClock sets the clock that decides "today". Default: time.Now.
func WithClock(now func() time.Time) Option {
	return func(a *App) {
		if now != nil {
			a.now = now
		}
	}
}

// WithStreaming says whether responses reach the client as they are
// written (a plain HTTP server, or the adapter in streaming mode). With it,
// the app serves and links a download larger than Lambda's 6 MB buffered
// limit and a computation longer than API Gateway's 29 s; without it, those
// routes are 404 and the page says how to get them. Default: false.
func WithStreaming(on bool) Option {
	return func(a *App) { a.streaming = on }
}

// WithProgressDuration sets how long the long computation runs when the
// request does not say (?seconds=). Default: 40 s, past API Gateway's 29 s.
func WithProgressDuration(d time.Duration) Option {
	return func(a *App) {
		if d >= time.Second {
			a.progress = d
		}
	}
}

// New builds the app. It fails only if the embedded assets are broken.
func New(opts ...Option) (*App, error) {
	a := &App{now: time.Now, assets: make(map[string]*asset), progress: 40 * time.Second, perStep: numbersPerStep}
	for _, o := range opts {
		o(a)
	}
	var err error
	if a.picture, err = a.addAsset("assets/arch.png", "image/png"); err != nil {
		return nil, err
	}
	if a.picW, a.picH, err = pngSize(a.picture.body); err != nil {
		return nil, err
	}
	if a.script, err = a.addAsset("assets/app.js", "text/javascript; charset=utf-8"); err != nil {
		return nil, err
	}
	sum := sha256.Sum256([]byte(style))
	a.styleHash = "'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"

	a.mux = http.NewServeMux()
	a.mux.HandleFunc("GET /{$}", a.page)
	a.mux.HandleFunc("GET /days", a.fragment)
	a.mux.HandleFunc("GET /assets/{name}", a.serveAsset)
	if a.streaming {
		// Buffered, the download would cost 250 MB and a core for a
		// certain 500, and the computation would pass the 29 s limit:
		// there they are 404s, and the home page says how to get them.
		a.mux.HandleFunc("GET /download.csv", a.downloadCSV)
		a.mux.HandleFunc("GET /progress", a.progressPage)
		a.mux.HandleFunc("GET /progress/events", a.progressEvents)
	}
	a.mux.HandleFunc("GET /favicon.ico", func(w http.ResponseWriter, _ *http.Request) {
		// The page declares an inline icon; this stops the browser's
		// automatic request from logging an error.
		w.Header().Set("Cache-Control", "public, max-age=86400")
		w.WriteHeader(http.StatusNoContent)
	})
	a.mux.HandleFunc("/", a.notFound)
	return a, nil
}

func (a *App) addAsset(file, contentType string) (*asset, error) {
	body, err := assetFS.ReadFile(file)
	if err != nil {
		return nil, errors.New("web: missing embedded asset: " + err.Error())
	}
	sum := sha256.Sum256(body)
	h := hex.EncodeToString(sum[:])[:10]
	base := path.Base(file)
	ext := path.Ext(base)
	as := &asset{
		name:        strings.TrimSuffix(base, ext) + "." + h + ext,
		contentType: contentType,
		body:        body,
		etag:        `W/"` + h + `"`,
	}
	as.compress = strings.HasPrefix(contentType, "text/")
	a.assets[as.name] = as
	return as, nil
}

// pngSize reads a PNG's width and height from its IHDR chunk, which the
// format puts first; it saves loading an image decoder at start-up.
func pngSize(b []byte) (w, h int, err error) {
	const sig = "\x89PNG\r\n\x1a\n"
	if len(b) < 24 || string(b[:8]) != sig || string(b[12:16]) != "IHDR" {
		return 0, 0, errors.New("web: embedded arch.png is not a PNG")
	}
	return int(binary.BigEndian.Uint32(b[16:20])), int(binary.BigEndian.Uint32(b[20:24])), nil
}

// gzip writers are reused: one costs about 800 KB to set up, far more than
// compressing a page. Assets are compressed once, as small as possible;
// pages on every request, at the default level, which is much faster.
var (
	assetGzip = sync.Pool{New: func() any {
		zw, _ := gzip.NewWriterLevel(io.Discard, gzip.BestCompression)
		return zw
	}}
	pageGzip = sync.Pool{New: func() any {
		zw, _ := gzip.NewWriterLevel(io.Discard, gzip.DefaultCompression)
		return zw
	}}
)

// gzipBytes compresses b with a writer from pool, or returns nil when that
// does not make it smaller.
func gzipBytes(pool *sync.Pool, b []byte) []byte {
	var buf bytes.Buffer
	buf.Grow(len(b)/3 + 64)
	zw := pool.Get().(*gzip.Writer)
	zw.Reset(&buf)
	_, _ = zw.Write(b)
	_ = zw.Close()
	pool.Put(zw)
	if buf.Len() >= len(b) {
		return nil
	}
	return buf.Bytes()
}

// gzipCache keeps the compressed form of recently rendered pages, keyed by
// their content: a page is the same for every visitor on a given day, so
// most requests skip the compressor.
type gzipCache struct {
	mu sync.Mutex
	m  map[[32]byte][]byte
}

const gzipCacheSize = 128

func (c *gzipCache) get(sum [32]byte, body []byte) []byte {
	c.mu.Lock()
	z, ok := c.m[sum]
	c.mu.Unlock()
	if ok {
		return z
	}
	z = gzipBytes(&pageGzip, body)
	c.mu.Lock()
	if c.m == nil || len(c.m) >= gzipCacheSize {
		c.m = make(map[[32]byte][]byte, gzipCacheSize)
	}
	c.m[sum] = z
	c.mu.Unlock()
	return z
}

// ServeHTTP implements http.Handler.
func (a *App) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	// A signed-in page's sign-out form ends at the provider: browsers
	// check a form's redirects against form-action too.
	formAction := "'self'"
	if f, ok := login.LogoutForm(r); ok && f.EndsAt != "" {
		formAction += " " + f.EndsAt
	}
	h.Set("Content-Security-Policy", "default-src 'none'; script-src 'self'; connect-src 'self'; img-src 'self' data:; style-src "+
		a.styleHash+"; form-action "+formAction+"; base-uri 'none'; frame-ancestors 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "strict-origin-when-cross-origin")
	h.Set("X-Frame-Options", "DENY")
	if r.TLS != nil || strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https") {
		h.Set("Strict-Transport-Security", "max-age=63072000; includeSubDomains")
	}
	a.mux.ServeHTTP(w, r)
}

// prefix returns the public mount prefix ("" or "/prod") from the
// X-Forwarded-Prefix header, when it is one the adapter would honour: the
// adapter's own rule, so links never disagree with its redirects.
func prefix(r *http.Request) string {
	p := strings.TrimSuffix(r.Header.Get(restproxy.PrefixHeader), "/")
	if !restproxy.ValidPrefix(p) {
		return ""
	}
	return p
}

type pageData struct {
	Prefix   string
	Script   string
	Picture  string
	PicW     int
	PicH     int
	Date     string
	Days     int
	Answered bool
	Problem  string
	Today    string
	Style    template.CSS
	NotFound bool
	Stream   bool          // show the streaming pages
	Seconds  int           // the long computation's length
	Asked    int           // the length asked for, when the deadline made it shorter
	Within   int           // whole seconds to the request's deadline, with Asked
	User     string        // who signed in (basic auth or login); set, the page is private
	SignOut  template.HTML // the sign-out form, with login
}

func (a *App) data(r *http.Request) pageData {
	seconds := int(a.progress / time.Second)
	// The run the page links gets a deadline like this request's: offer
	// what fits in it.
	if fit, _, ok := secondsLeft(r); ok && fit >= 1 {
		seconds = min(seconds, fit)
	}
	return pageData{
		Prefix:  prefix(r),
		Script:  a.script.name,
		Picture: a.picture.name,
		PicW:    a.picW,
		PicH:    a.picH,
		Date:    "1993-01-01",
		Today:   a.now().UTC().Format(time.DateOnly),
		Style:   template.CSS(style),
		Stream:  a.streaming,
		Seconds: seconds,
		User:    user(r),
		SignOut: signOut(r),
	}
}

// answer fills in the day count or the problem for the date in the query; it
// reports whether the date was bad.
func (a *App) answer(d *pageData, r *http.Request) bool {
	q := r.URL.Query()
	if !q.Has("date") {
		return false
	}
	date := q.Get("date")
	if len(date) <= 10 {
		d.Date = date
	}
	days, err := DaysSince(date, a.now())
	var de *dateError
	if errors.As(err, &de) {
		d.Problem = de.msg
		return true
	}
	d.Days, d.Answered = days, true
	return false
}

func (a *App) page(w http.ResponseWriter, r *http.Request) {
	d := a.data(r)
	status := http.StatusOK
	if a.answer(&d, r) {
		status = http.StatusBadRequest
	}
	a.render(w, r, status, "page", d)
}

func (a *App) fragment(w http.ResponseWriter, r *http.Request) {
	d := a.data(r)
	d.User = "" // the fragment names nobody: it stays cacheable as before
	status := http.StatusOK
	if !r.URL.Query().Has("date") {
		d.Problem = errNoDate.msg
		status = http.StatusBadRequest
	} else if a.answer(&d, r) {
		status = http.StatusBadRequest
	}
	a.render(w, r, status, "answer", d)
}

func (a *App) notFound(w http.ResponseWriter, r *http.Request) {
	d := a.data(r)
	d.NotFound = true
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "Method Not Allowed", http.StatusMethodNotAllowed)
		return
	}
	a.render(w, r, http.StatusNotFound, "page", d)
}

// render executes a template and sends it with an ETag, gzip when accepted,
// and a 304 when the client already has it.
func (a *App) render(w http.ResponseWriter, r *http.Request, status int, name string, d pageData) {
	var buf bytes.Buffer
	if err := templates.ExecuteTemplate(&buf, name, d); err != nil {
		http.Error(w, "Internal Server Error", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	// Revalidated on every view; a page that names the signed-in user is
	// for that user's browser only, never for a shared cache (CloudFront, a
	// proxy) that would hand it to the next visitor.
	if d.User != "" {
		h.Set("Cache-Control", "private, no-cache")
	} else {
		h.Set("Cache-Control", "no-cache")
	}
	h.Set("Vary", "Accept-Encoding")
	sum := sha256.Sum256(buf.Bytes())
	if status == http.StatusOK {
		// Weak: the gzip and identity bodies share it.
		etag := `W/"` + hex.EncodeToString(sum[:8]) + `"`
		h.Set("ETag", etag)
		if matchesETag(r.Header.Get("If-None-Match"), etag) {
			w.WriteHeader(http.StatusNotModified)
			return
		}
	}
	body := buf.Bytes()
	if acceptsGzip(r) {
		if z := a.gzipped.get(sum, body); z != nil {
			h.Set("Content-Encoding", "gzip")
			body = z
		}
	}
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		_, _ = w.Write(body)
	}
}

func (a *App) serveAsset(w http.ResponseWriter, r *http.Request) {
	as, ok := a.assets[r.PathValue("name")]
	if !ok {
		a.notFound(w, r)
		return
	}
	h := w.Header()
	h.Set("Content-Type", as.contentType)
	h.Set("Cache-Control", "public, max-age=31536000, immutable")
	h.Set("ETag", as.etag)
	if matchesETag(r.Header.Get("If-None-Match"), as.etag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	body := as.body
	if as.compress {
		h.Set("Vary", "Accept-Encoding")
		if acceptsGzip(r) {
			if z := as.gzipBody(); z != nil {
				h.Set("Content-Encoding", "gzip")
				body = z
			}
		}
	}
	h.Set("Content-Length", strconv.Itoa(len(body)))
	if r.Method != http.MethodHead {
		_, _ = w.Write(body)
	}
}

// matchesETag applies If-None-Match's weak comparison.
func matchesETag(header, etag string) bool {
	etag = strings.TrimPrefix(etag, "W/")
	for part := range strings.SplitSeq(header, ",") {
		part = strings.TrimPrefix(strings.TrimSpace(part), "W/")
		if part == etag || part == "*" {
			return true
		}
	}
	return false
}

// user is the name of who signed in (basic auth or login), or "".
func user(r *http.Request) string {
	u, _ := identity.UserFromContext(r.Context())
	return cmp.Or(u.Name, u.Subject)
}

// signOut is the sign-out form of a request signed in with login, or "".
func signOut(r *http.Request) template.HTML {
	if f, ok := login.LogoutForm(r); ok {
		return f.HTML()
	}
	return ""
}

// acceptsGzip is the adapter's rule, so the app and the adapter never
// disagree on what a client takes.
func acceptsGzip(r *http.Request) bool { return restproxy.AcceptsGzip(r.Header) }
