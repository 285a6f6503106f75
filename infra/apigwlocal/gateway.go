package apigwlocal

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"net/url"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/goapigw/webapp/internal/awslimits"
)

// Limits API Gateway and Lambda enforce, from AWS's documentation (package
// awslimits), never from the adapter the gateway checks.
const (
	MaxRequestBytes       = awslimits.APIGatewayPayloadBytes // API Gateway's request payload limit
	MaxLambdaPayloadBytes = awslimits.LambdaSyncPayloadBytes // Lambda's synchronous payload limit, each way
)

// Invoker runs one Lambda invocation: event JSON in, response JSON out.
type Invoker interface {
	Invoke(ctx context.Context, payload []byte) ([]byte, error)
}

// Config describes the API and the front door a Gateway serves.
type Config struct {
	// Stage is the deployed stage. Default: "prod".
	Stage string
	// StageURL serves the stage URL form, "/<stage>/...", and names the
	// execute-api host "<APIID>.execute-api.local.amazonaws.com" as the
	// event's requestContext.domainName; false serves the custom-domain
	// form, named by the request's Host. Default: false.
	StageURL bool
	// BasePath is the custom domain's base-path mapping, such as "shop"; only
	// without StageURL. Default: "" (the domain's root).
	BasePath string
	// Resources are the API's resource templates, each served for ANY
	// method. Default: "/" and "/{proxy+}".
	Resources []string
	// BinaryMediaTypes are the API's binary media types. Default: none.
	BinaryMediaTypes []string
	// IntegrationTimeout is how long API Gateway waits for the function.
	// Default: 29 s (awslimits.APIGatewayDefaultIntegrationTimeout).
	IntegrationTimeout time.Duration
	// APIID names the API in events. Default: "local".
	APIID string
	// OnInvoke, if set, is told about every invocation (for access logs).
	OnInvoke func(Invocation)
	// Authorizer, if set, guards every method, as the construct's basic
	// auth does; API Gateway waits 10 s for it
	// (awslimits.APIGatewayAuthorizerTimeout). Default: none (public).
	Authorizer *TokenAuthorizer
	// Streaming serves an integration with response transfer mode STREAM:
	// the Invoker must also be a StreamInvoker, the function must answer in
	// the streaming format, and its body reaches the client as it arrives.
	// Default: false (BUFFERED).
	Streaming bool
	// StreamIdleTimeout closes a stream that sends nothing for this long.
	// Default: 5 minutes, as for a regional endpoint.
	StreamIdleTimeout time.Duration
	// StreamThrottle limits a stream to 2 MB/s after its first 10 MB, as API
	// Gateway does. Default: false.
	StreamThrottle bool
}

// Invocation describes one request the Gateway served.
type Invocation struct {
	// Auth is how the authorizer decided: "" (none), "invoked" or "cached".
	Auth   string
	Method string
	// Path is the request's path as the client sent it (escaped), without
	// the query string: an access log shows no tokens or personal data that
	// travel there.
	Path     string
	Status   int
	Duration time.Duration // to the end of the response, streamed or not
	Bytes    int64         // body bytes sent to the client
	Err      error         // why the Gateway answered with its own error, or cut a stream
}

// Gateway is an http.Handler that emulates one front door of the API.
type Gateway struct {
	inv Invoker
	cfg Config
}

// New returns a Gateway that invokes inv; cfg's zero fields take defaults.
func New(inv Invoker, cfg Config) *Gateway {
	if cfg.Stage == "" {
		cfg.Stage = "prod"
	}
	if len(cfg.Resources) == 0 {
		cfg.Resources = []string{"/", "/{proxy+}"}
	}
	if cfg.IntegrationTimeout <= 0 {
		cfg.IntegrationTimeout = awslimits.APIGatewayDefaultIntegrationTimeout
	}
	if cfg.StreamIdleTimeout <= 0 {
		cfg.StreamIdleTimeout = 5 * time.Minute
	}
	if cfg.APIID == "" {
		cfg.APIID = "local"
	}
	cfg.BasePath = strings.Trim(cfg.BasePath, "/")
	return &Gateway{inv: inv, cfg: cfg}
}

// gatewayError is an answer API Gateway itself gives.
type gatewayError struct {
	status  int
	kind    string
	message string
	cause   error
}

func (e *gatewayError) Error() string {
	if e.cause != nil {
		return fmt.Sprintf("%d %s: %v", e.status, e.message, e.cause)
	}
	return fmt.Sprintf("%d %s", e.status, e.message)
}

// Unwrap is the cause, so that a caller can tell what failed (Throttled).
func (e *gatewayError) Unwrap() error { return e.cause }

var (
	errForbidden = &gatewayError{status: http.StatusForbidden, kind: "ForbiddenException", message: "Forbidden"}
	errNoRoute   = &gatewayError{status: http.StatusForbidden, kind: "MissingAuthenticationTokenException", message: "Missing Authentication Token"}
	errTooLong   = &gatewayError{status: http.StatusRequestEntityTooLarge, kind: "RequestEntityTooLarge", message: "Request Too Long"}
)

func internalError(cause error) *gatewayError {
	return &gatewayError{status: http.StatusBadGateway, kind: "InternalServerErrorException", message: "Internal server error", cause: cause}
}

// Throttled reports whether an invoker's error is Lambda refusing the
// invocation for want of concurrency (TooManyRequestsException: the
// function's reserved concurrency, or the account's, is in use): an error
// in err's chain with a method Throttled() bool that reports true, such as
// lambdalocal.ErrThrottled. This package does not import the runtimes.
func Throttled(err error) bool {
	var t interface{ Throttled() bool }
	return errors.As(err, &t) && t.Throttled()
}

// throttledError is API Gateway's answer when Lambda throttles the
// invocation. The Lambda developer guide, "Handling Lambda errors with an
// API Gateway API"
// (https://docs.aws.amazon.com/lambda/latest/dg/services-apigateway-errors.html):
// "If the Lambda API rejects the invocation request, API Gateway returns a
// 500 error code. [...] the body of the response from API Gateway is
// {"message": "Internal server error"}" (a function error is the 502). A
// REST API with a proxy integration does not pass Lambda's 429 on; see
// also https://repost.aws/knowledge-center/api-gateway-internal-server-error
// ("Throttling issues").
func throttledError(cause error) *gatewayError {
	return &gatewayError{status: http.StatusInternalServerError, kind: "InternalServerErrorException", message: "Internal server error", cause: cause}
}

func timeoutError(cause error) *gatewayError {
	return &gatewayError{status: http.StatusGatewayTimeout, kind: "IntegrationTimeout", message: "Endpoint request timed out", cause: cause}
}

// ServeHTTP implements http.Handler.
func (g *Gateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	cw := &countingWriter{ResponseWriter: w}
	var auth string
	status, err := g.serve(cw, r, &auth)
	if g.cfg.OnInvoke != nil {
		g.cfg.OnInvoke(Invocation{Auth: auth, Method: r.Method, Path: r.URL.EscapedPath(), Status: status, Duration: time.Since(start), Bytes: cw.n, Err: err})
	}
	var cut *streamCut
	if errors.As(err, &cut) {
		// The client must see a broken response, not a complete one.
		panic(http.ErrAbortHandler)
	}
}

// countingWriter counts the body bytes the client was sent.
type countingWriter struct {
	http.ResponseWriter
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.ResponseWriter.Write(p)
	c.n += int64(n)
	return n, err
}

func (c *countingWriter) Unwrap() http.ResponseWriter { return c.ResponseWriter }

func (g *Gateway) serve(w http.ResponseWriter, r *http.Request, auth *string) (int, error) {
	reqID := newID()
	e, err := g.Event(r, reqID)
	if err != nil {
		return writeError(w, reqID, err), err
	}
	if a := g.cfg.Authorizer; a != nil {
		ctx, cancel := context.WithTimeout(r.Context(), awslimits.APIGatewayAuthorizerTimeout)
		authorized, cached, err := a.authorize(ctx, r, g.methodArn(r.Method, g.apiRelative(e)))
		cancel()
		switch {
		case cached:
			*auth = "cached"
		case err != errUnauthorized || r.Header.Get("Authorization") != "":
			*auth = "invoked"
		}
		if err != nil {
			var ge *gatewayError
			if errors.As(err, &ge) && (ge == errUnauthorized || ge == errAccessDenied) && a.Realm != "" {
				// The construct's gateway responses: 401 with the realm.
				w.Header().Set("WWW-Authenticate", `Basic realm="`+a.Realm+`", charset="UTF-8"`)
				w.Header().Set("Cache-Control", "no-store")
				err = errUnauthorized
			}
			return writeError(w, reqID, err), err
		}
		e.RequestContext.Authorizer = authorized
	}
	payload, err := json.Marshal(e)
	if err != nil {
		return writeError(w, reqID, internalError(err)), err
	}
	if len(payload) > MaxLambdaPayloadBytes {
		err := &gatewayError{status: http.StatusRequestEntityTooLarge, kind: "RequestEntityTooLarge", message: "Request Too Long",
			cause: fmt.Errorf("event is %d bytes, over Lambda's %d", len(payload), MaxLambdaPayloadBytes)}
		return writeError(w, reqID, err), err
	}
	if g.cfg.Streaming {
		return g.serveStream(w, r, reqID, payload)
	}
	ctx, cancel := context.WithTimeout(r.Context(), g.cfg.IntegrationTimeout)
	defer cancel()
	out, err := g.inv.Invoke(ctx, payload)
	if err != nil {
		err = invokeError(ctx, err)
		return writeError(w, reqID, err), err
	}
	if len(out) > MaxLambdaPayloadBytes {
		err := internalError(fmt.Errorf("response is %d bytes, over Lambda's %d", len(out), MaxLambdaPayloadBytes))
		return writeError(w, reqID, err), err
	}
	res, body, err := decodeResponse(out)
	if err != nil {
		return writeError(w, reqID, err), err
	}
	h := w.Header()
	setHeaders(h, res.Headers, res.MultiValueHeaders, reqID)
	if r.Method != http.MethodHead {
		h.Set("Content-Length", strconv.Itoa(len(body)))
	}
	w.WriteHeader(res.StatusCode)
	if r.Method != http.MethodHead {
		_, _ = w.Write(body)
	}
	return res.StatusCode, nil
}

// invokeError is API Gateway's answer to a failed invocation: 500 when
// Lambda throttled it, 504 when the integration timeout ended it, else 502.
func invokeError(ctx context.Context, err error) error {
	if Throttled(err) {
		return throttledError(err)
	}
	if ctx.Err() == context.DeadlineExceeded {
		return timeoutError(err)
	}
	return internalError(err)
}

// setHeaders copies a function's headers into h the way API Gateway merges
// them: multi-value headers win; API Gateway sets its own Content-Length.
func setHeaders(h http.Header, single map[string]string, multi map[string][]string, reqID string) {
	for k, v := range single {
		h.Set(k, v)
	}
	for k, vs := range multi {
		h.Del(k)
		for _, v := range vs {
			h.Add(k, v)
		}
	}
	h.Del("Content-Length")
	h.Set("X-Amzn-Requestid", reqID)
}

// decodeResponse checks a proxy response the way API Gateway does.
func decodeResponse(out []byte) (*events.APIGatewayProxyResponse, []byte, error) {
	var probe map[string]json.RawMessage
	if err := json.Unmarshal(out, &probe); err != nil {
		return nil, nil, internalError(fmt.Errorf("malformed Lambda proxy response: %w", err))
	}
	if _, ok := probe["errorMessage"]; ok {
		return nil, nil, internalError(fmt.Errorf("function error: %s", out))
	}
	var res events.APIGatewayProxyResponse
	if err := json.Unmarshal(out, &res); err != nil {
		return nil, nil, internalError(fmt.Errorf("malformed Lambda proxy response: %w", err))
	}
	if res.StatusCode < 100 || res.StatusCode > 599 {
		return nil, nil, internalError(fmt.Errorf("malformed Lambda proxy response: statusCode %d", res.StatusCode))
	}
	body := []byte(res.Body)
	if res.IsBase64Encoded {
		b, err := base64.StdEncoding.DecodeString(res.Body)
		if err != nil {
			return nil, nil, internalError(fmt.Errorf("malformed Lambda proxy response: body is not base64: %w", err))
		}
		body = b
	}
	return &res, body, nil
}

func writeError(w http.ResponseWriter, reqID string, err error) int {
	var ge *gatewayError
	if !errors.As(err, &ge) {
		ge = internalError(err)
	}
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("X-Amzn-Errortype", ge.kind)
	h.Set("X-Amzn-Requestid", reqID)
	w.WriteHeader(ge.status)
	_, _ = fmt.Fprintf(w, "{\"message\":%q}", ge.message)
	return ge.status
}

func newID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	h := hex.EncodeToString(b[:])
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// Event builds the REST proxy event API Gateway would send for r.
func (g *Gateway) Event(r *http.Request, requestID string) (*events.APIGatewayProxyRequest, error) {
	viewer := r.URL.EscapedPath()
	var apiPath, eventPath string // escaped
	if g.cfg.StageURL {
		stage := "/" + g.cfg.Stage
		rest, ok := strings.CutPrefix(viewer, stage)
		if !ok || (rest != "" && rest[0] != '/') {
			return nil, errForbidden
		}
		apiPath = rest
		if apiPath == "" {
			apiPath = "/"
		}
		eventPath = apiPath
	} else {
		apiPath = viewer
		if g.cfg.BasePath != "" {
			base := "/" + g.cfg.BasePath
			rest, ok := strings.CutPrefix(viewer, base)
			if !ok || (rest != "" && rest[0] != '/') {
				return nil, errForbidden
			}
			apiPath = rest
			if apiPath == "" {
				apiPath = "/"
			}
		}
		eventPath = viewer // API Gateway keeps the base path here
	}
	decoded, err := url.PathUnescape(apiPath)
	if err != nil {
		return nil, &gatewayError{status: http.StatusBadRequest, kind: "BadRequestException", message: "Bad Request", cause: err}
	}
	resource, params, ok := match(g.cfg.Resources, decoded)
	if !ok {
		return nil, errNoRoute
	}

	body, err := io.ReadAll(io.LimitReader(r.Body, MaxRequestBytes+1))
	if err != nil {
		return nil, internalError(fmt.Errorf("read request body: %w", err))
	}
	if len(body) > MaxRequestBytes {
		return nil, errTooLong
	}

	header := make(map[string]string, len(r.Header)+1)
	multi := make(map[string][]string, len(r.Header)+1)
	for k, vs := range r.Header {
		header[k] = vs[len(vs)-1]
		multi[k] = append([]string(nil), vs...)
	}
	header["Host"], multi["Host"] = r.Host, []string{r.Host}
	sourceIP, _, _ := net.SplitHostPort(r.RemoteAddr)
	if sourceIP == "" {
		sourceIP = r.RemoteAddr
	}
	xff := sourceIP
	if prior := r.Header.Get("X-Forwarded-For"); prior != "" {
		xff = prior + ", " + sourceIP
	}
	proto := "http"
	if r.TLS != nil {
		proto = "https"
	}
	_, port, _ := net.SplitHostPort(r.Host)
	for k, v := range map[string]string{"X-Forwarded-For": xff, "X-Forwarded-Proto": proto, "X-Forwarded-Port": port} {
		if v != "" {
			header[k], multi[k] = v, []string{v}
		}
	}

	var query map[string]string
	var multiQuery map[string][]string
	if q, err := url.ParseQuery(r.URL.RawQuery); err == nil && len(q) > 0 {
		query = make(map[string]string, len(q))
		multiQuery = map[string][]string(q)
		for k, vs := range q {
			query[k] = vs[len(vs)-1]
		}
	}

	now := time.Now().UTC()
	// API Gateway names the door in requestContext.domainName: the API's
	// execute-api host for the stage URL, the custom domain otherwise.
	domain := r.Host
	if h, _, err := net.SplitHostPort(domain); err == nil {
		domain = h
	}
	if g.cfg.StageURL {
		domain = g.cfg.APIID + ".execute-api.local.amazonaws.com"
	}
	e := &events.APIGatewayProxyRequest{
		Resource:                        resource,
		Path:                            eventPath,
		HTTPMethod:                      r.Method,
		Headers:                         header,
		MultiValueHeaders:               multi,
		QueryStringParameters:           query,
		MultiValueQueryStringParameters: multiQuery,
		PathParameters:                  params,
		RequestContext: events.APIGatewayProxyRequestContext{
			AccountID:         "123456789012",
			ResourceID:        resourceID(resource),
			Stage:             g.cfg.Stage,
			DomainName:        domain,
			DomainPrefix:      strings.SplitN(domain, ".", 2)[0],
			RequestID:         requestID,
			ExtendedRequestID: requestID[:8] + "=",
			Protocol:          r.Proto,
			Identity:          events.APIGatewayRequestIdentity{SourceIP: sourceIP, UserAgent: r.UserAgent()},
			ResourcePath:      resource,
			Path:              viewer,
			HTTPMethod:        r.Method,
			RequestTime:       now.Format("02/Jan/2006:15:04:05 -0700"),
			RequestTimeEpoch:  now.UnixMilli(),
			APIID:             g.cfg.APIID,
		},
	}
	if len(body) > 0 {
		if g.binary(r.Header.Get("Content-Type")) {
			e.Body, e.IsBase64Encoded = base64.StdEncoding.EncodeToString(body), true
		} else {
			e.Body = string(body)
		}
	}
	return e, nil
}

// binary reports whether a request body of this type reaches the function
// base64-encoded: its type matches one of the API's binary media types.
func (g *Gateway) binary(contentType string) bool {
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		mt = strings.TrimSpace(strings.ToLower(contentType))
	}
	for _, b := range g.cfg.BinaryMediaTypes {
		if ok, _ := path.Match(strings.ToLower(b), mt); ok || b == "*/*" {
			return true
		}
	}
	return false
}

func resourceID(resource string) string {
	h := 0
	for _, c := range resource {
		h = h*31 + int(c)
	}
	return strconv.FormatInt(int64(h&0xffffff), 36)
}

// match finds the resource template for a decoded API-relative path and the
// path parameters it captures. Like API Gateway it prefers a static segment
// over a parameter, and a parameter over a greedy one.
func match(resources []string, p string) (string, map[string]string, bool) {
	segs := splitPath(p)
	best, bestScore := "", -1
	var bestParams map[string]string
	for _, res := range resources {
		params, score, ok := matchOne(splitPath(res), segs)
		if ok && score > bestScore {
			best, bestScore, bestParams = res, score, params
		}
	}
	return best, bestParams, bestScore >= 0
}

func splitPath(p string) []string {
	p = strings.TrimPrefix(p, "/")
	if p == "" {
		return nil
	}
	return strings.Split(p, "/")
}

func matchOne(tmpl, segs []string) (map[string]string, int, bool) {
	var params map[string]string
	score := 0
	for i, t := range tmpl {
		if strings.HasPrefix(t, "{") && strings.HasSuffix(t, "+}") {
			if i >= len(segs) {
				return nil, 0, false
			}
			if params == nil {
				params = map[string]string{}
			}
			params[t[1:len(t)-2]] = strings.Join(segs[i:], "/")
			return params, score, true
		}
		if i >= len(segs) || segs[i] == "" {
			return nil, 0, false
		}
		if strings.HasPrefix(t, "{") && strings.HasSuffix(t, "}") {
			if params == nil {
				params = map[string]string{}
			}
			params[t[1:len(t)-1]] = segs[i]
			score += 2
			continue
		}
		if t != segs[i] {
			return nil, 0, false
		}
		score += 3
	}
	if len(segs) != len(tmpl) {
		return nil, 0, false
	}
	return params, score + 1, true
}
