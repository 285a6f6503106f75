// Package explorer is the S3 explorer's web app: an ordinary net/http
// handler that browses, previews, downloads, edits, uploads and deletes the
// objects of the buckets it is configured with, for signed-in people.
//
// # Who may do what
//
// Every request is checked on the server against the signed-in user's
// groups (identity.UserFromContext): "readers" may browse, preview and
// download; "editors" may also edit, upload and delete. Anyone else, and an
// anonymous request, gets 403. Buttons are hidden from readers too, but the
// check is the server's. POST requests from another origin are refused
// (http.CrossOriginProtection), on top of the session cookie's SameSite=Lax.
//
// # URLs
//
// Every page is a bookmarkable URL under the door's prefix
// (restproxy.PrefixFromContext): "/" lists the configured buckets,
// "/b/{bucket}/{prefix…}" a folder, "/o/{bucket}/{key…}" an object,
// "/download/{bucket}/{key…}" its bytes, "/raw/{bucket}/{key…}" an image
// for the preview, "/edit/…", "/delete/…" and "/upload/{bucket}/{prefix…}"
// the changes. Routing is by hand rather than http.ServeMux, which would
// redirect keys holding "//" or "." segments to other keys. A bucket or key
// outside the configuration (or outside its bucket's prefix) is 404: the app
// never asks S3 about it.
//
// # The non-obvious rules
//
//   - A folder page holds at most [PageSize] entries; the next page's link
//     carries S3's continuation token, so paging works without JavaScript.
//     Sorting sorts the page shown, not the whole folder (S3 lists in key
//     order only).
//   - A save is a conditional write: PutObject with If-Match set to the ETag
//     the editor loaded. Someone else's change in between gives 412 and a
//     conflict page holding the text the editor typed. The object's
//     Content-Type, user metadata, cache and disposition headers and tags
//     are read and written back with it. Browsers send a textarea with CRLF
//     line ends; a file that had none is saved with LF.
//   - Text is previewed up to [TextLimit] bytes; bytes that are not UTF-8
//     are shown as U+FFFD with the offset of the first one, and such a file
//     is not editable (a save would change its bytes).
//   - Downloads up to Config.StreamLimit ([StreamLimit] by default) are
//     streamed through the function (the WebApp needs ResponseStreaming
//     past 6 MB) with the object's Content-Type, Content-Length and an
//     attachment Content-Disposition; larger ones are redirected to a
//     presigned GET URL valid for [PresignExpiry].
//   - Uploads up to [UploadLimit] go through the app (a Lambda request is
//     at most 6 MB, base64 included); larger files go straight from the
//     browser to S3 with a presigned POST form for one key.
//   - An S3 error names the action and the bucket on the page (AccessDenied
//     on s3:GetObject in bucket X, a KMS key the role may not use), not only
//     in the log.
package explorer
