package explorer

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"
)

// problem is a failed S3 call as a person reads it.
type problem struct {
	Status int
	Action string // the IAM action, such as "s3:GetObject"
	Bucket string
	Key    string
	Code   string // S3's error code, such as "AccessDenied"
	Advice string
}

// explain turns an S3 error into a problem naming the action and bucket.
func explain(action, bucket, key string, err error) problem {
	p := problem{Status: http.StatusBadGateway, Action: action, Bucket: bucket, Key: key, Code: "error"}
	var api smithy.APIError
	if errors.As(err, &api) {
		p.Code = api.ErrorCode()
	}
	msg := ""
	if api != nil {
		msg = api.ErrorMessage()
	}
	var nsk *types.NoSuchKey
	var nf *types.NotFound
	var nsb *types.NoSuchBucket
	switch {
	case strings.Contains(p.Code, "KMS") || strings.Contains(msg, "KMS") || strings.Contains(msg, "kms:"):
		p.Status = http.StatusForbidden
		// S3's own message names the account, the role's session and
		// the key: it goes to the log, not to every reader's page.
		p.Advice = fmt.Sprintf("The object is encrypted with a KMS key the app's role may not use. Give the role kms:Decrypt and kms:GenerateDataKey on the bucket's key (the \"kmsKeyArn\" of bucket %s in cdk.json); the function's log has S3's message.", bucket)
	case p.Code == "AccessDenied" || p.Code == "Forbidden" || p.Code == "AllAccessDisabled":
		p.Status = http.StatusForbidden
		p.Advice = fmt.Sprintf("The app's role was refused %s on bucket %s. Add the bucket (and its prefix) to cdk.json's buckets and deploy, or check the bucket policy.", action, bucket)
	case errors.As(err, &nsb) || p.Code == "NoSuchBucket":
		p.Status = http.StatusNotFound
		p.Advice = fmt.Sprintf("Bucket %s does not exist (or is in another account or partition).", bucket)
	case errors.As(err, &nsk) || errors.As(err, &nf) || p.Code == "NoSuchKey" || p.Code == "NotFound":
		p.Status = http.StatusNotFound
		p.Advice = fmt.Sprintf("There is no object %q in bucket %s (any more).", key, bucket)
	case p.Code == "PreconditionFailed":
		p.Status = http.StatusPreconditionFailed
		p.Advice = "The object changed since it was loaded."
	default:
		p.Advice = fmt.Sprintf("S3 answered %s to %s on bucket %s; the function's log has its message.", p.Code, action, bucket)
	}
	return p
}

// fail renders a problem page for a failed S3 call and logs it.
func (e *Explorer) fail(w http.ResponseWriter, r *http.Request, action, bucket, key string, err error) {
	p := explain(action, bucket, key, err)
	e.log.Warn("s3 call failed", "action", action, "bucket", bucket, "code", p.Code, "status", p.Status, "err", err)
	e.page(w, r, p.Status, "error", pageData{Title: fmt.Sprintf("%s on %s failed", action, bucket), Problem: &p,
		Crumbs: e.crumbs(r, e.byName[bucket], key)})
}

// isPrecondition reports whether err is S3's 412.
func isPrecondition(err error) bool {
	var api smithy.APIError
	return errors.As(err, &api) && api.ErrorCode() == "PreconditionFailed"
}
