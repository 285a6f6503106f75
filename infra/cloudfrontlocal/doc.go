// Package cloudfrontlocal emulates the part of a CloudFront distribution
// that decides what reaches the function: a cache behavior with a cache
// policy in front of the API's stage, for the local stack and its tests.
//
// A [Distribution] forwards a request to its origin (an http.Handler, the
// stage door of package apigwlocal) under the origin path, with the origin
// custom headers (replacing a viewer's header of the same name, so that a
// secret origin header such as X-Origin-Verify cannot be forged or seen by
// a viewer), without the viewer's Host, and with the Authorization header
// only when the cache policy keys on it, as CloudFront does. It keeps
// an answer when the policy and the answer's Cache-Control allow it: GET and
// HEAD only, status 200, no Set-Cookie; no-store, no-cache and private keep
// nothing (with a minimum TTL of 0); s-maxage, else max-age, clamped to the
// policy's minimum and maximum; no Cache-Control takes the default TTL. The
// key is the method, the path, the query string (when the policy includes
// it), the policy's headers and the normalized Accept-Encoding. Answers
// carry X-Cache "Hit from cloudfront" or "Miss from cloudfront".
//
// It is not CloudFront: no edge locations, no request coalescing, no
// origin shield, no error caching, no Expires header.
package cloudfrontlocal
