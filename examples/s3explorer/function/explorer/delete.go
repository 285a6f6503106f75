package explorer

import (
	"net/http"
	"path"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/goapigw/webapp/function/identity"
)

// deleteForm asks for confirmation; only its POST deletes.
func (e *Explorer) deleteForm(w http.ResponseWriter, r *http.Request, b Bucket, key string) {
	head, err := e.s3.HeadObject(r.Context(), &s3.HeadObjectInput{Bucket: aws.String(b.Name), Key: aws.String(key)})
	if err != nil {
		e.fail(w, r, "s3:GetObject", b.Name, key, err)
		return
	}
	e.page(w, r, http.StatusOK, "delete", pageData{Title: "Delete " + b.Name + "/" + key, Crumbs: e.crumbs(r, b, key),
		Object: &objectPage{Bucket: b.Name, Key: key, Name: path.Base(key), Size: aws.ToInt64(head.ContentLength),
			LastModified: aws.ToTime(head.LastModified), DeleteHref: e.link(r, "delete", b.Name, key), DownloadHref: e.link(r, "o", b.Name, key)}})
}

// delete deletes the object and goes back to its folder.
func (e *Explorer) delete(w http.ResponseWriter, r *http.Request, b Bucket, key string) {
	if key == "" || strings.HasSuffix(key, "/") {
		e.page(w, r, http.StatusBadRequest, "notfound", pageData{Title: "Not an object", Message: "Only objects can be deleted here."})
		return
	}
	if _, err := e.s3.DeleteObject(r.Context(), &s3.DeleteObjectInput{Bucket: aws.String(b.Name), Key: aws.String(key)}); err != nil {
		e.fail(w, r, "s3:DeleteObject", b.Name, key, err)
		return
	}
	u, _ := identity.UserFromContext(r.Context())
	e.log.Info("deleted", "bucket", b.Name, "key", key, "user", u.Name, "sub", u.Subject)
	dir := key[:strings.LastIndex(key, "/")+1]
	if !strings.HasPrefix(dir, b.Prefix) {
		dir = b.Prefix
	}
	seeOther(w, e.link(r, "b", b.Name, dir)+"?deleted="+escapePath(path.Base(key)))
}
