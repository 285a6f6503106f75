package explorer

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/goapigw/webapp/function/identity"
)

// Limits of the app; see the package comment.
const (
	PageSize      = 200
	TextLimit     = 2 << 20
	ImageLimit    = 10 << 20
	StreamLimit   = 200 << 20
	UploadLimit   = 4_000_000
	PresignExpiry = 15 * time.Minute
)

// The groups the app knows.
const (
	ReadersGroup = "readers"
	EditorsGroup = "editors"
)

// Bucket is one bucket the explorer shows, optionally only under a prefix.
type Bucket struct {
	// Name is the bucket's name.
	Name string `json:"name"`
	// Prefix limits the explorer to keys that start with it, such as
	// "reports/". Default: "", the whole bucket.
	Prefix string `json:"prefix,omitempty"`
}

// Config is what [New] needs.
type Config struct {
	// Buckets are the buckets shown, in this order. Required.
	Buckets []Bucket
	// Client is the S3 client. Required.
	Client *s3.Client
	// Logger receives one line per failed S3 call. Default: slog.Default().
	Logger *slog.Logger
	// StreamLimit is the largest download streamed through the function;
	// a larger object is a presigned URL. Default: [StreamLimit] (200 MB).
	StreamLimit int64
}

// Explorer is the app; it is an http.Handler.
type Explorer struct {
	buckets []Bucket
	byName  map[string]Bucket
	s3      *s3.Client
	presign *s3.PresignClient
	log     *slog.Logger
	stream  int64
	handler http.Handler
}

// New checks cfg and returns the app.
func New(cfg Config) (*Explorer, error) {
	if cfg.Client == nil {
		return nil, errors.New("explorer: Config.Client is nil: give an *s3.Client")
	}
	if len(cfg.Buckets) == 0 {
		return nil, errors.New("explorer: Config.Buckets is empty: give at least one bucket")
	}
	e := &Explorer{s3: cfg.Client, presign: s3.NewPresignClient(cfg.Client), log: cfg.Logger, stream: cfg.StreamLimit, byName: map[string]Bucket{}}
	if e.stream <= 0 {
		e.stream = StreamLimit
	}
	if e.log == nil {
		e.log = slog.Default()
	}
	for _, b := range cfg.Buckets {
		if b.Name == "" {
			return nil, errors.New("explorer: a bucket has no name")
		}
		if _, dup := e.byName[b.Name]; dup {
			return nil, fmt.Errorf("explorer: bucket %q is configured twice", b.Name)
		}
		e.byName[b.Name] = b
		e.buckets = append(e.buckets, b)
	}
	e.handler = http.NewCrossOriginProtection().Handler(http.HandlerFunc(e.route))
	return e, nil
}

func (e *Explorer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	e.handler.ServeHTTP(w, r)
}

// route dispatches on the path's first segment; the rest is a bucket and a
// key (or prefix), kept as they are.
func (e *Explorer) route(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Referrer-Policy", "same-origin")
	p := r.URL.Path
	if p == "/" || p == "" {
		if !e.allow(w, r, ReadersGroup, "browse") {
			return
		}
		e.home(w, r)
		return
	}
	kind, rest, _ := strings.Cut(strings.TrimPrefix(p, "/"), "/")
	bucketName, key, _ := strings.Cut(rest, "/")
	type route struct {
		method string
		group  string
		action string
		serve  func(http.ResponseWriter, *http.Request, Bucket, string)
	}
	routes := map[string][]route{
		"b":        {{http.MethodGet, ReadersGroup, "browse", e.folder}},
		"o":        {{http.MethodGet, ReadersGroup, "view", e.object}},
		"raw":      {{http.MethodGet, ReadersGroup, "view", e.raw}},
		"download": {{http.MethodGet, ReadersGroup, "download", e.download}},
		"edit":     {{http.MethodGet, EditorsGroup, "edit", e.editForm}, {http.MethodPost, EditorsGroup, "edit", e.save}},
		"delete":   {{http.MethodGet, EditorsGroup, "delete", e.deleteForm}, {http.MethodPost, EditorsGroup, "delete", e.delete}},
		"upload":   {{http.MethodGet, EditorsGroup, "upload", e.uploadForm}, {http.MethodPost, EditorsGroup, "upload", e.upload}},
	}
	rs, ok := routes[kind]
	if !ok {
		e.page(w, r, http.StatusNotFound, "notfound", pageData{Title: "Not found", Message: "There is no page at " + p + "."})
		return
	}
	for _, rt := range rs {
		if rt.method != r.Method && (rt.method != http.MethodGet || r.Method != http.MethodHead) {
			continue
		}
		if !e.allow(w, r, rt.group, rt.action) {
			return
		}
		b, ok := e.byName[bucketName]
		if !ok {
			e.page(w, r, http.StatusNotFound, "notfound", pageData{Title: "Not found", Message: fmt.Sprintf("Bucket %q is not one this explorer shows.", bucketName)})
			return
		}
		if !strings.HasPrefix(key, b.Prefix) {
			if kind == "b" && strings.HasPrefix(b.Prefix, key) {
				found(w, e.link(r, "b", b.Name, b.Prefix))
				return
			}
			e.page(w, r, http.StatusNotFound, "notfound", pageData{Title: "Not found", Message: fmt.Sprintf("%q is outside the part of bucket %s this explorer shows (%s).", key, b.Name, b.Prefix)})
			return
		}
		rt.serve(w, r, b, key)
		return
	}
	w.Header().Set("Allow", rs[0].method)
	e.page(w, r, http.StatusMethodNotAllowed, "notfound", pageData{Title: "Method not allowed", Message: r.Method + " is not allowed here."})
}

// allow reports whether the request's user is in group (editors count as
// readers), answering 403 when not.
func (e *Explorer) allow(w http.ResponseWriter, r *http.Request, group, action string) bool {
	u, ok := identity.UserFromContext(r.Context())
	if ok && (u.InGroup(group) || (group == ReadersGroup && u.InGroup(EditorsGroup))) {
		return true
	}
	who := "An anonymous request"
	if ok {
		who = fmt.Sprintf("%s (groups: %s)", u.Name, strings.Join(u.Groups, ", "))
		if len(u.Groups) == 0 {
			who = u.Name + " (in no group)"
		}
	}
	e.page(w, r, http.StatusForbidden, "notfound", pageData{Title: "Not allowed",
		Message: fmt.Sprintf("%s may not %s: that needs the group %q.", who, action, group)})
	return false
}

// canEdit reports whether the request's user may change objects: what the
// pages use to show or hide buttons (the handlers check again).
func canEdit(r *http.Request) bool {
	u, _ := identity.UserFromContext(r.Context())
	return u.InGroup(EditorsGroup)
}
