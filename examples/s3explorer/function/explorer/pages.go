package explorer

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/goapigw/webapp/function/identity"
	"github.com/goapigw/webapp/function/login"
	"github.com/goapigw/webapp/function/restproxy"
)

//go:embed templates/*.html
var templateFS embed.FS

var pages = func() map[string]*template.Template {
	funcs := template.FuncMap{"size": humanSize, "time": func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.UTC().Format("2006-01-02 15:04:05 UTC")
	}}
	layout := template.Must(template.New("layout.html").Funcs(funcs).ParseFS(templateFS, "templates/layout.html"))
	names := []string{"home", "folder", "object", "edit", "conflict", "delete", "upload", "notfound", "error"}
	out := map[string]*template.Template{}
	for _, n := range names {
		out[n] = template.Must(template.Must(layout.Clone()).ParseFS(templateFS, "templates/"+n+".html"))
	}
	return out
}()

// pageData is what every page template gets; each page reads its part.
type pageData struct {
	Title   string
	Message string
	Crumbs  []crumb
	User    identity.User
	SignOut template.HTML
	Home    string
	CanEdit bool
	// Page-specific.
	Buckets []bucketLink
	Folder  *folderPage
	Object  *objectPage
	Edit    *editPage
	Upload  *uploadPage
	Problem *problem
}

type crumb struct{ Name, Href string }

type bucketLink struct{ Name, Prefix, Href string }

// page renders a page with the user and the sign-out button filled in.
func (e *Explorer) page(w http.ResponseWriter, r *http.Request, status int, name string, d pageData) {
	d.User, _ = identity.UserFromContext(r.Context())
	formAction := "'self' " + e.formTarget()
	if f, ok := login.LogoutForm(r); ok {
		d.SignOut = f.HTML()
		// The sign-out redirects to the provider to end its session:
		// browsers check a form's redirects against form-action too.
		if f.EndsAt != "" {
			formAction += " " + f.EndsAt
		}
	}
	d.Home = e.link(r, "")
	d.CanEdit = canEdit(r)
	var buf bytes.Buffer
	if err := pages[name].ExecuteTemplate(&buf, "layout.html", d); err != nil {
		e.log.Error("render page", "page", name, "err", err)
		http.Error(w, "the page could not be rendered", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Security-Policy", "default-src 'none'; img-src 'self'; connect-src 'self'; style-src 'self' 'unsafe-inline'; form-action "+formAction+"; frame-ancestors 'none'; base-uri 'none'")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// formTarget is the S3 origin presigned upload forms post to.
func (e *Explorer) formTarget() string {
	o := e.s3.Options()
	if o.BaseEndpoint != nil {
		if u, err := url.Parse(*o.BaseEndpoint); err == nil {
			return u.Scheme + "://" + u.Host
		}
	}
	return "https://*.amazonaws.com"
}

// link is the URL of an app page under the door's prefix: kind ("b", "o",
// …) then the bucket and the key or prefix, each segment escaped.
func (e *Explorer) link(r *http.Request, kind string, parts ...string) string {
	var b strings.Builder
	b.WriteString(restproxy.PrefixFromContext(r.Context()))
	b.WriteString("/")
	if kind == "" {
		return b.String()
	}
	b.WriteString(kind)
	for _, p := range parts {
		b.WriteString("/")
		b.WriteString(escapePath(p))
	}
	return b.String()
}

// seeOther and found redirect to an app URL as it is: http.Redirect would
// clean the path, turning a key's "..", "." or "//" into another key.
func seeOther(w http.ResponseWriter, url string) { redirect(w, url, http.StatusSeeOther) }
func found(w http.ResponseWriter, url string)    { redirect(w, url, http.StatusFound) }

func redirect(w http.ResponseWriter, url string, status int) {
	w.Header().Set("Location", url)
	w.WriteHeader(status)
}

// escapePath escapes each "/"-separated segment of p.
func escapePath(p string) string {
	segs := strings.Split(p, "/")
	for i, s := range segs {
		segs[i] = url.PathEscape(s)
	}
	return strings.Join(segs, "/")
}

// crumbs are the links from the bucket's root (its configured prefix) to
// the folder or object at key.
func (e *Explorer) crumbs(r *http.Request, b Bucket, key string) []crumb {
	out := []crumb{{Name: b.Name + "/" + b.Prefix, Href: e.link(r, "b", b.Name, b.Prefix)}}
	rest := strings.TrimPrefix(key, b.Prefix)
	acc := b.Prefix
	for rest != "" {
		seg, after, found := strings.Cut(rest, "/")
		if !found {
			out = append(out, crumb{Name: seg})
			break
		}
		acc += seg + "/"
		out = append(out, crumb{Name: seg + "/", Href: e.link(r, "b", b.Name, acc)})
		rest = after
	}
	return out
}

// humanSize writes a byte count in binary units, such as "7.0 MiB".
func humanSize(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}
