// Package web is the sample app: the seed's "Hello World!" page in Go, with an
// architecture picture and a "how many days are you old?" date picker.
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
//     is revalidated with an ETag, so a repeat view is one 304.
//   - Day counts are computed on the server in UTC. Bad dates get a friendly
//     message and a 400, never a 500.
//   - Every response carries a strict Content-Security-Policy (no inline script;
//     the inline style is allowed by its hash), nosniff, a referrer policy, and
//     HSTS when the request came over HTTPS.
package web
