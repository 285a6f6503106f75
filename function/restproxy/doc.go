// Package restproxy serves an ordinary net/http handler from AWS Lambda behind an
// API Gateway REST API (Lambda proxy integration, payload version 1.0).
//
// It has the shape of aws-lambda-go's lambdaurl package: [Wrap] turns an
// [http.Handler] into a Lambda handler, [Start] runs it, and [RequestFromContext]
// and [PrefixFromContext] reach the event and the public mount prefix from a
// request's context.
//
// # Front doors
//
// The same function can be reached through several front doors, and API Gateway
// describes each one differently in the event:
//
//	door                         viewer path     event path   requestContext.path
//	stage URL                    /prod/a/b       /a/b         /prod/a/b
//	custom domain, no base path  /a/b            /a/b         /a/b
//	custom domain, base "shop"   /shop/a/b       /shop/a/b    /shop/a/b
//	CloudFront, origin /prod     /a/b            /a/b         /prod/a/b
//
// The handler sees the same r.URL.Path ("/a/b") under every door: the path is
// rebuilt from the matched resource template (event "resource") with its path
// parameters substituted, so it is relative to the API whatever the door. The
// percent-encoded form is kept in r.URL.RawPath ("%2F" stays "%2F").
//
// The public mount prefix is the viewer path minus that API-relative path, cut at
// a segment boundary: "/prod", "", "/shop". It is available as
// [PrefixFromContext] and as the X-Forwarded-Prefix request header, which the
// adapter always overwrites. CloudFront cannot be told apart from the stage URL
// by the event, so a distribution tells the function its prefix with an origin
// custom header "X-Forwarded-Prefix": "/" means the site root, "/app" a
// sub-path. Only a plain path is honoured (at most 256 bytes of letters,
// digits and -._~$+!*'(), no "." or ".." segment, no "//", no escapes);
// anything else is ignored. A direct caller can send the header too: it can
// only change the links in its own response to another path on the same host,
// never to another host or scheme.
//
// Request headers are the event's multiValueHeaders, with headers filling
// in only names that multiValueHeaders lacks. Keys that differ only in case
// ("X-Forwarded-Prefix" and "x-forwarded-prefix", as a hand-made event can
// carry) have their values merged under the canonical key in byte order of
// the keys, so the result never depends on map order; an X-Forwarded-Prefix
// with more than one value is ignored. A JSON key repeated in the event
// means what it means to encoding/json (the last string wins, a repeated
// object or map adds to the earlier one), whichever decoder reads it.
//
// Two rules keep prefix-unaware handlers working:
//   - A path-absolute Location header ("/x", from http.Redirect) gets the prefix
//     ("/prod/x"). A Location that already starts with the prefix at a segment
//     boundary is left alone, so nothing is ever prefixed twice.
//   - A request for the bare prefix without its slash ("/prod") is redirected to
//     "/prod/" (301 for GET and HEAD, 308 otherwise) so that relative links in
//     the page resolve under the prefix.
//
// # Origin verification
//
// Behind a CloudFront distribution, the stage URL stays reachable: a caller
// could skip the distribution's HTTPS redirect, security headers and web
// ACL. The distribution therefore sends a secret in the [OriginVerifyHeader]
// ("X-Origin-Verify") origin header, and [Start] answers only requests that
// carry it when [OriginVerifySecretArnEnv] (in Lambda: a Secrets Manager
// secret whose SecretString is the value) or [OriginVerifySecretFileEnv]
// (local runs: a file holding it) is set; [WithOriginVerifier] does the same
// for [Wrap] without the environment. The check applies where CloudFront
// reaches the API, the execute-api endpoint (the stage URL): a request API
// Gateway received at a custom domain (requestContext.domainName, set by
// API Gateway, not the caller) came through a door the stack's owner opened
// on purpose and is not checked. Any other request gets 403 with
// "Forbidden: this API answers only through its CloudFront distribution"
// and never reaches the app; one log line says why, never with the header's
// value. The comparison is in constant time and accepts the secret's
// current and previous (AWSPREVIOUS) values, so a rotation refuses nothing
// CloudFront sends. The values are cached: fetched on the first request and
// every 5 minutes, again at most once per 30 s after a value that matches
// neither (a rotation is picked up in seconds; a flood of bad requests
// costs at most one fetch per 30 s); see package originverify. When the
// secret cannot be read the check fails closed with a 503, the error
// logged. The header is removed from every request, verified or not, and
// from the event [RequestFromContext] returns: the app never sees it.
//
// # Headers
//
// Response headers leave as net/http writes them, in both modes: a field
// whose name is not a valid token is dropped, and in every value (each
// Set-Cookie included) CR and LF become spaces and leading and trailing
// spaces and tabs are trimmed. A handler that echoes request input into a
// header or a Location cannot add a header or split the response, just as
// behind net/http's own server.
//
// # Limits
//
// Lambda refuses a synchronous response larger than 6,291,556 bytes, and API
// Gateway then shows a bare 502. The adapter measures the encoded response; when
// it is too large it gzips the body if the client accepts gzip, and otherwise
// answers 500 with a message that names the size. A handler still running when
// the integration timeout (29 s by default, [WithIntegrationTimeout]) or the
// Lambda deadline is near gets a 504 answer before the platform gives up, and
// its request context is cancelled.
//
// Events that are not REST proxy events get a 400 proxy response with a
// one-line reason; a panicking handler gets a 500 and the function keeps
// serving. A panic with [http.ErrAbortHandler] is a deliberate abort, as in
// net/http: no panic line or stack is logged, and the client gets a 502 (or,
// once a stream's headers have left, a cut stream). Every request is logged
// as one line at INFO (method, public path, status, bytes, duration,
// requestId), errors at ERROR; bodies, query values, Authorization and
// Cookie never are. The lines go through log/slog, by default through
// aws-lambda-go's Lambda handler ([github.com/aws/aws-lambda-go/lambdacontext.NewLogHandler]) on
// standard output: JSON when the function's LoggingConfig says JSON (Lambda
// sets AWS_LAMBDA_LOG_FORMAT), text otherwise, without the levels below
// AWS_LAMBDA_LOG_LEVEL; [WithLogger] replaces it.
//
// # Status metrics
//
// With Lambda's JSON log format, the request line is also a CloudWatch
// embedded-metric-format document (an "_aws" member): CloudWatch Logs
// extracts from it the metrics [MetricServerErrors] ("5xx") and
// [MetricClientErrors] ("4xx") in namespace [MetricNamespace], each 0 or 1
// per request, with the dimensions FunctionName and FunctionVersion (the
// version that answered, from AWS_LAMBDA_FUNCTION_VERSION). Average of
// "5xx" is the share of a version's answers that were server errors,
// SampleCount its requests: what a deployment's alarm on a new version
// needs, since an app's 500 is a successful invocation that Lambda's
// Errors metric never counts. It costs no API call and no latency beyond
// writing the longer line (about 450 bytes and 2 allocations, see
// BenchmarkRequestLine); each function version that answers is a metric
// series of its own. [WithStatusMetrics] turns it off, or on for a logger
// of the app's own; without the request line there is no metric.
package restproxy
