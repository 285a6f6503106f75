package explorer

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"path"
	"sort"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/goapigw/webapp/function/identity"
)

type uploadPage struct {
	Bucket, Prefix string
	Action         string // the small upload's form action
	Limit          string
	Name           string // the large upload's key name, once given
	PostURL        string // the presigned POST's URL
	PostFields     [][2]string
	FolderHref     string
}

// uploadForm offers the small upload through the app and, once a name is
// given, a presigned POST form straight to S3 for a large one.
func (e *Explorer) uploadForm(w http.ResponseWriter, r *http.Request, b Bucket, prefix string) {
	u := &uploadPage{Bucket: b.Name, Prefix: prefix, Action: e.link(r, "upload", b.Name, prefix), Limit: humanSize(UploadLimit),
		FolderHref: e.link(r, "b", b.Name, prefix)}
	if name := r.URL.Query().Get("name"); name != "" {
		if err := checkName(name); err != nil {
			e.page(w, r, http.StatusBadRequest, "notfound", pageData{Title: "Bad name", Message: err.Error()})
			return
		}
		key := prefix + name
		// After the upload, S3 sends the browser back to the object's page.
		back := origin(r) + e.link(r, "o", b.Name, key)
		post, err := e.presign.PresignPostObject(r.Context(), &s3.PutObjectInput{Bucket: aws.String(b.Name), Key: aws.String(key)},
			func(o *s3.PresignPostOptions) {
				o.Expires = PresignExpiry
				o.Conditions = []any{[]any{"content-length-range", 0, 5 << 30}, map[string]string{"success_action_redirect": back}}
			})
		if err != nil {
			e.fail(w, r, "s3:PutObject", b.Name, key, err)
			return
		}
		u.Name, u.PostURL = name, post.URL
		post.Values["success_action_redirect"] = back
		keys := make([]string, 0, len(post.Values))
		for k := range post.Values {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			u.PostFields = append(u.PostFields, [2]string{k, post.Values[k]})
		}
	}
	e.page(w, r, http.StatusOK, "upload", pageData{Title: "Upload to " + b.Name + "/" + prefix, Crumbs: e.crumbs(r, b, prefix), Upload: u})
}

// origin is the scheme and host the browser used: https, except on a
// loopback host (a local run).
func origin(r *http.Request) string {
	host := r.Host
	h, _, err := net.SplitHostPort(host)
	if err != nil {
		h = host
	}
	if ip := net.ParseIP(h); h == "localhost" || (ip != nil && ip.IsLoopback()) {
		return "http://" + host
	}
	return "https://" + host
}

// checkName refuses names that would leave the folder or make odd keys.
func checkName(name string) error {
	switch {
	case name == "" || name == "." || name == "..":
		return fmt.Errorf("%q is not a file name", name)
	case strings.ContainsAny(name, "/\\") || strings.ContainsFunc(name, func(r rune) bool { return r < 0x20 || r == 0x7f }):
		return fmt.Errorf("%q holds a slash or a control character: give a plain file name", name)
	}
	return nil
}

// upload stores a small file sent through the app. It does not replace an
// existing object unless "overwrite" is checked (If-None-Match: *).
func (e *Explorer) upload(w http.ResponseWriter, r *http.Request, b Bucket, prefix string) {
	r.Body = http.MaxBytesReader(w, r.Body, UploadLimit+64<<10)
	f, fh, err := r.FormFile("file")
	if err != nil {
		status, msg := http.StatusBadRequest, "The form holds no file: "+err.Error()
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			status, msg = http.StatusRequestEntityTooLarge, fmt.Sprintf("The file is larger than %s: use the large upload, which goes straight to S3.", humanSize(UploadLimit))
		}
		e.page(w, r, status, "notfound", pageData{Title: "Upload failed", Message: msg})
		return
	}
	defer f.Close()
	name := cmp.Or(r.PostFormValue("name"), path.Base(fh.Filename))
	if err := checkName(name); err != nil {
		e.page(w, r, http.StatusBadRequest, "notfound", pageData{Title: "Bad name", Message: err.Error()})
		return
	}
	data, err := io.ReadAll(f)
	if err != nil {
		e.page(w, r, http.StatusBadRequest, "notfound", pageData{Title: "Upload failed", Message: "The file could not be read: " + err.Error()})
		return
	}
	ct := fh.Header.Get("Content-Type")
	if ct == "" || ct == "application/octet-stream" {
		ct = cmp.Or(mime.TypeByExtension(path.Ext(name)), http.DetectContentType(data))
	}
	key := prefix + name
	in := &s3.PutObjectInput{Bucket: aws.String(b.Name), Key: aws.String(key), Body: bytes.NewReader(data),
		ContentLength: aws.Int64(int64(len(data))), ContentType: aws.String(ct)}
	if r.PostFormValue("overwrite") == "" {
		in.IfNoneMatch = aws.String("*")
	}
	if _, err := e.s3.PutObject(r.Context(), in); err != nil {
		if isPrecondition(err) {
			e.page(w, r, http.StatusPreconditionFailed, "notfound", pageData{Title: "Already there",
				Message: fmt.Sprintf("%s already exists in %s; check \"replace\" to overwrite it.", key, b.Name)})
			return
		}
		e.fail(w, r, "s3:PutObject", b.Name, key, err)
		return
	}
	u, _ := identity.UserFromContext(r.Context())
	e.log.Info("uploaded", "bucket", b.Name, "key", key, "bytes", len(data), "user", u.Name, "sub", u.Subject)
	seeOther(w, e.link(r, "o", b.Name, key))
}
