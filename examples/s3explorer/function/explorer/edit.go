package explorer

import (
	"bytes"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/goapigw/webapp/function/identity"
)

type editPage struct {
	Bucket, Key, ETag string
	Text              string
	CRLF              bool
	Action            string
	ObjectHref        string
}

// editForm shows a text object in a form with the ETag it was read at.
func (e *Explorer) editForm(w http.ResponseWriter, r *http.Request, b Bucket, key string) {
	head, err := e.s3.HeadObject(r.Context(), &s3.HeadObjectInput{Bucket: aws.String(b.Name), Key: aws.String(key)})
	if err != nil {
		e.fail(w, r, "s3:GetObject", b.Name, key, err)
		return
	}
	if !isText(aws.ToString(head.ContentType), key) || aws.ToInt64(head.ContentLength) > TextLimit {
		e.page(w, r, http.StatusUnprocessableEntity, "notfound", pageData{Title: "Not editable",
			Message: fmt.Sprintf("Only text files of at most %s can be edited here; upload a new version instead.", humanSize(TextLimit))})
		return
	}
	etag := aws.ToString(head.ETag)
	text, note, err := e.readText(r, b.Name, key, etag)
	if err != nil {
		e.fail(w, r, "s3:GetObject", b.Name, key, err)
		return
	}
	if note != "" {
		e.page(w, r, http.StatusUnprocessableEntity, "notfound", pageData{Title: "Not editable", Message: note})
		return
	}
	e.page(w, r, http.StatusOK, "edit", pageData{Title: "Edit " + b.Name + "/" + key, Crumbs: e.crumbs(r, b, key),
		Edit: &editPage{Bucket: b.Name, Key: key, ETag: etag, Text: text, CRLF: strings.Contains(text, "\r\n"),
			Action: e.link(r, "edit", b.Name, key), ObjectHref: e.link(r, "o", b.Name, key)}})
}

// save writes the edited text if the object still has the ETag the editor
// loaded, keeping its Content-Type, metadata, headers and tags.
func (e *Explorer) save(w http.ResponseWriter, r *http.Request, b Bucket, key string) {
	r.Body = http.MaxBytesReader(w, r.Body, 3*TextLimit)
	if err := r.ParseMultipartForm(3 * TextLimit); err != nil {
		if err := r.ParseForm(); err != nil {
			e.page(w, r, http.StatusBadRequest, "notfound", pageData{Title: "Bad form", Message: "The form could not be read: " + err.Error()})
			return
		}
	}
	etag, text := r.PostFormValue("etag"), r.PostFormValue("content")
	if etag == "" {
		e.page(w, r, http.StatusBadRequest, "notfound", pageData{Title: "Bad form", Message: "The form has no etag: open the editor again."})
		return
	}
	if r.PostFormValue("eol") != "crlf" {
		text = strings.ReplaceAll(text, "\r\n", "\n")
	}
	if len(text) > TextLimit {
		e.page(w, r, http.StatusRequestEntityTooLarge, "notfound", pageData{Title: "Too large", Message: fmt.Sprintf("The text is larger than %s.", humanSize(TextLimit))})
		return
	}
	conflict := func() {
		e.page(w, r, http.StatusPreconditionFailed, "conflict", pageData{Title: "Conflict: " + b.Name + "/" + key, Crumbs: e.crumbs(r, b, key),
			Edit: &editPage{Bucket: b.Name, Key: key, ETag: etag, Text: text, Action: e.link(r, "edit", b.Name, key), ObjectHref: e.link(r, "o", b.Name, key)}})
	}
	head, err := e.s3.HeadObject(r.Context(), &s3.HeadObjectInput{Bucket: aws.String(b.Name), Key: aws.String(key), IfMatch: aws.String(etag)})
	if isPrecondition(err) {
		conflict()
		return
	}
	if err != nil {
		e.fail(w, r, "s3:GetObject", b.Name, key, err)
		return
	}
	// The editor refused such objects; a hand-made post is refused too.
	if !isText(aws.ToString(head.ContentType), key) || aws.ToInt64(head.ContentLength) > TextLimit || !utf8.ValidString(text) {
		e.page(w, r, http.StatusUnsupportedMediaType, "notfound", pageData{Title: "Not editable",
			Message: fmt.Sprintf("Only UTF-8 text files of at most %s can be edited here; upload a new version instead.", humanSize(TextLimit))})
		return
	}
	tags, err := e.s3.GetObjectTagging(r.Context(), &s3.GetObjectTaggingInput{Bucket: aws.String(b.Name), Key: aws.String(key)})
	if err != nil {
		e.fail(w, r, "s3:GetObjectTagging", b.Name, key, err)
		return
	}
	in := &s3.PutObjectInput{
		Bucket: aws.String(b.Name), Key: aws.String(key), Body: bytes.NewReader([]byte(text)),
		ContentLength: aws.Int64(int64(len(text))),
		IfMatch:       aws.String(etag),
		ContentType:   head.ContentType, Metadata: head.Metadata,
		CacheControl: head.CacheControl, ContentDisposition: head.ContentDisposition,
		ContentEncoding: head.ContentEncoding, ContentLanguage: head.ContentLanguage,
		// The object keeps its encryption (its own KMS key, not the
		// bucket's default) and its storage class.
		ServerSideEncryption: head.ServerSideEncryption, SSEKMSKeyId: head.SSEKMSKeyId,
		BucketKeyEnabled: head.BucketKeyEnabled, StorageClass: head.StorageClass,
	}
	if len(tags.TagSet) > 0 {
		v := url.Values{}
		for _, t := range tags.TagSet {
			v.Add(aws.ToString(t.Key), aws.ToString(t.Value))
		}
		in.Tagging = aws.String(v.Encode())
	}
	if _, err := e.s3.PutObject(r.Context(), in); err != nil {
		if isPrecondition(err) {
			conflict()
			return
		}
		e.fail(w, r, "s3:PutObject", b.Name, key, err)
		return
	}
	u, _ := identity.UserFromContext(r.Context())
	e.log.Info("saved", "bucket", b.Name, "key", key, "bytes", len(text), "user", u.Name, "sub", u.Subject)
	seeOther(w, e.link(r, "o", b.Name, key)+"?saved=1")
}
