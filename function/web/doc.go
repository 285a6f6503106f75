// Package web is the sample app: the seed's "Hello World!" page in Go, with an
// architecture picture and a "how many days are you old?" date picker, and,
// where the function streams ([WithStreaming]), a CSV download past Lambda's
// 6 MB and a computation past API Gateway's 29 s.
//
// [New] returns an ordinary http.Handler, served the same way by the Lambda
// adapter and by a plain local server. The rules it keeps:
//
//   - Every URL it emits (links, src, form action, fetch) starts with the public
//     mount prefix taken from the X-Forwarded-Prefix request header, so the page
//     works at "/", under a stage ("/prod/") and under a base path ("/shop/").
//     The header is used only when it is a plain path; anything else means "/".
//   - It works with JavaScript off: the date picker is a GET form. A few lines
//     of our own script (no framework) fetch the answer as an HTML fragment.
//   - Assets are embedded, served under content-hashed names as immutable; HTML
//     is revalidated with an ETag, so a repeat view is one 304. A page that
//     names the signed-in user (the authorizer's principal) is private, never
//     stored by a shared cache such as CloudFront.
//   - The download and the long computation exist only where the function
//     streams; buffered, they are 404 and the home page says how to get them.
//   - The long computation never outlives its request: it is shortened, and
//     says so, to end a second before the request context's deadline (in
//     Lambda the adapter's: the integration timeout or the function's own),
//     and it stops within a millisecond when that context ends (or a write
//     fails). Where a client that leaves is not reported to the function (the
//     local Lambda emulator, like Lambda, keeps the invocation running), the
//     deadline is what bounds the work.
//   - Day counts are computed on the server in UTC. Bad dates get a friendly
//     message and a 400, never a 500.
//   - Every response carries a strict Content-Security-Policy (no inline script;
//     the inline style is allowed by its hash), nosniff, a referrer policy, and
//     HSTS when the request came over HTTPS.
package web
