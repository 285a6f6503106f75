package explorer

import (
	"cmp"
	"fmt"
	"io"
	"maps"
	"mime"
	"net/http"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

type objectPage struct {
	Bucket, Key, Name string
	Size              int64
	ContentType       string
	LastModified      time.Time
	ETag              string
	StorageClass      string
	Metadata          [][2]string
	Saved             bool

	Text         string // the preview, "" when none
	HasText      bool
	TextNote     string // why there is no preview, or what is wrong with it
	Image        string // the image preview's URL
	DownloadHref string
	DownloadNote string
	EditHref     string
	DeleteHref   string
}

// textTypes are content types previewed as text besides text/*.
var textTypes = []string{"application/json", "application/xml", "application/yaml", "application/x-yaml",
	"application/javascript", "application/x-sh", "application/toml", "application/x-ndjson"}

// textExts are extensions previewed as text whatever the content type
// (uploads often arrive as application/octet-stream).
var textExts = []string{".txt", ".log", ".md", ".csv", ".tsv", ".json", ".yaml", ".yml", ".toml", ".xml",
	".html", ".css", ".js", ".ts", ".go", ".py", ".sh", ".ini", ".conf", ".cfg", ".sql", ".ndjson", ".env"}

// previewImages are the image types shown inline; SVG is not (it can hold
// script).
var previewImages = []string{"image/png", "image/jpeg", "image/gif", "image/webp", "image/avif"}

func isText(contentType, key string) bool {
	mt, _, _ := mime.ParseMediaType(contentType)
	return strings.HasPrefix(mt, "text/") || slices.Contains(textTypes, mt) ||
		slices.Contains(textExts, strings.ToLower(path.Ext(key)))
}

func isImage(contentType string) bool {
	mt, _, _ := mime.ParseMediaType(contentType)
	return slices.Contains(previewImages, mt)
}

// object shows an object's details and its preview.
func (e *Explorer) object(w http.ResponseWriter, r *http.Request, b Bucket, key string) {
	if key == "" || strings.HasSuffix(key, "/") {
		found(w, e.link(r, "b", b.Name, key))
		return
	}
	head, err := e.s3.HeadObject(r.Context(), &s3.HeadObjectInput{Bucket: aws.String(b.Name), Key: aws.String(key)})
	if err != nil {
		e.fail(w, r, "s3:GetObject", b.Name, key, err)
		return
	}
	o := &objectPage{Bucket: b.Name, Key: key, Name: path.Base(key), Size: aws.ToInt64(head.ContentLength),
		ContentType: aws.ToString(head.ContentType), LastModified: aws.ToTime(head.LastModified),
		ETag: aws.ToString(head.ETag), StorageClass: string(head.StorageClass), Saved: r.URL.Query().Has("saved"),
		DownloadHref: e.link(r, "download", b.Name, key), EditHref: e.link(r, "edit", b.Name, key), DeleteHref: e.link(r, "delete", b.Name, key)}
	if o.StorageClass == "" {
		o.StorageClass = "STANDARD"
	}
	for _, k := range slices.Sorted(maps.Keys(head.Metadata)) {
		o.Metadata = append(o.Metadata, [2]string{k, head.Metadata[k]})
	}
	if o.Size > e.stream {
		o.DownloadNote = fmt.Sprintf("Larger than %s: the download is a link straight to S3, valid for %s.", humanSize(e.stream), PresignExpiry)
	} else {
		o.DownloadNote = "Streamed through the app."
	}
	switch {
	case isImage(o.ContentType) && o.Size <= ImageLimit:
		o.Image = e.link(r, "raw", b.Name, key)
	case isText(o.ContentType, key) && o.Size > TextLimit:
		o.TextNote = fmt.Sprintf("No preview: the file is %s, more than the %s shown.", humanSize(o.Size), humanSize(TextLimit))
	case isText(o.ContentType, key):
		text, note, err := e.readText(r, b.Name, key, aws.ToString(head.ETag))
		if err != nil {
			e.fail(w, r, "s3:GetObject", b.Name, key, err)
			return
		}
		o.Text, o.TextNote, o.HasText = text, note, true
	}
	e.page(w, r, http.StatusOK, "object", pageData{Title: b.Name + "/" + key, Object: o, Crumbs: e.crumbs(r, b, key)})
}

// readText reads a text object of at most TextLimit bytes, the version
// with etag when one is given. note says where the first byte that is not
// UTF-8 is, if any; such bytes become U+FFFD.
func (e *Explorer) readText(r *http.Request, bucket, key, etag string) (text, note string, err error) {
	in := &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)}
	if etag != "" {
		in.IfMatch = aws.String(etag)
	}
	out, err := e.s3.GetObject(r.Context(), in)
	if err != nil {
		return "", "", err
	}
	defer out.Body.Close()
	data, err := io.ReadAll(io.LimitReader(out.Body, TextLimit+1))
	if err != nil {
		return "", "", fmt.Errorf("read s3://%s/%s: %w", bucket, key, err)
	}
	if len(data) > TextLimit {
		return "", fmt.Sprintf("No preview: the file is larger than %s.", humanSize(TextLimit)), nil
	}
	if bad := firstInvalidUTF8(data); bad >= 0 {
		return strings.ToValidUTF8(string(data), "\uFFFD"), fmt.Sprintf("This file is not valid UTF-8: the first bad byte is at offset %d (0x%02x). Bad bytes are shown as \uFFFD; it cannot be edited here.", bad, data[bad]), nil
	}
	return string(data), "", nil
}

// firstInvalidUTF8 is the offset of the first byte that is not UTF-8, or -1.
func firstInvalidUTF8(b []byte) int {
	for i := 0; i < len(b); {
		r, n := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && n <= 1 {
			return i
		}
		i += n
	}
	return -1
}

// raw serves a previewable image inline, sandboxed.
func (e *Explorer) raw(w http.ResponseWriter, r *http.Request, b Bucket, key string) {
	out, err := e.s3.GetObject(r.Context(), &s3.GetObjectInput{Bucket: aws.String(b.Name), Key: aws.String(key)})
	if err != nil {
		e.fail(w, r, "s3:GetObject", b.Name, key, err)
		return
	}
	defer out.Body.Close()
	ct := aws.ToString(out.ContentType)
	if !isImage(ct) || aws.ToInt64(out.ContentLength) > ImageLimit {
		e.page(w, r, http.StatusUnsupportedMediaType, "notfound", pageData{Title: "No preview", Message: "Only images of at most " + humanSize(ImageLimit) + " are shown inline; download the object instead."})
		return
	}
	h := w.Header()
	// Only the parsed image type: the stored value may carry more (such as
	// "image/png;a=b,text/html", which a browser would read as HTML).
	mt, _, _ := mime.ParseMediaType(ct)
	h.Set("Content-Type", mt)
	h.Set("Content-Disposition", "inline")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Length", strconv.FormatInt(aws.ToInt64(out.ContentLength), 10))
	h.Set("Content-Security-Policy", "sandbox; default-src 'none'")
	h.Set("Cache-Control", "private, max-age=60")
	_, _ = io.Copy(w, out.Body)
}

// download streams the object as an attachment, or redirects to a
// presigned URL when it is larger than the stream limit.
func (e *Explorer) download(w http.ResponseWriter, r *http.Request, b Bucket, key string) {
	head, err := e.s3.HeadObject(r.Context(), &s3.HeadObjectInput{Bucket: aws.String(b.Name), Key: aws.String(key)})
	if err != nil {
		e.fail(w, r, "s3:GetObject", b.Name, key, err)
		return
	}
	disposition := mime.FormatMediaType("attachment", map[string]string{"filename": path.Base(key)})
	if aws.ToInt64(head.ContentLength) > e.stream {
		req, err := e.presign.PresignGetObject(r.Context(), &s3.GetObjectInput{Bucket: aws.String(b.Name), Key: aws.String(key),
			ResponseContentDisposition: aws.String(disposition)}, s3.WithPresignExpires(PresignExpiry))
		if err != nil {
			e.fail(w, r, "s3:GetObject", b.Name, key, err)
			return
		}
		http.Redirect(w, r, req.URL, http.StatusSeeOther)
		return
	}
	out, err := e.s3.GetObject(r.Context(), &s3.GetObjectInput{Bucket: aws.String(b.Name), Key: aws.String(key), IfMatch: head.ETag})
	if err != nil {
		e.fail(w, r, "s3:GetObject", b.Name, key, err)
		return
	}
	defer out.Body.Close()
	h := w.Header()
	h.Set("Content-Type", cmp.Or(aws.ToString(out.ContentType), "application/octet-stream"))
	h.Set("Content-Length", strconv.FormatInt(aws.ToInt64(out.ContentLength), 10))
	h.Set("Content-Disposition", disposition)
	h.Set("ETag", aws.ToString(out.ETag))
	h.Set("Cache-Control", "private, no-store")
	if r.Method == http.MethodHead {
		return
	}
	if _, err := io.Copy(w, out.Body); err != nil {
		e.log.Warn("download cut", "bucket", b.Name, "key", key, "err", err)
	}
}
