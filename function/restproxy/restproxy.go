package restproxy

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"

	"github.com/goapigw/webapp/function/originverify"
	"github.com/goapigw/webapp/internal/awslimits"
)

// DefaultIntegrationTimeout is API Gateway's default (and, without a quota
// increase, maximum) integration timeout for REST APIs:
// [awslimits.APIGatewayDefaultIntegrationTimeout].
const DefaultIntegrationTimeout = awslimits.APIGatewayDefaultIntegrationTimeout

// IntegrationTimeoutEnv names the environment variable, in milliseconds, that
// tells the adapter the API's integration timeout when it is not the
// default; the lambdaweb construct sets it.
const IntegrationTimeoutEnv = "APIGW_INTEGRATION_TIMEOUT_MS"

// PrefixHeader is the request header that carries the public mount prefix:
// the adapter always sets it to the prefix it worked out (or removes it), and
// a CloudFront origin custom header of this name tells the adapter the
// prefix when the event cannot ("/" for the site root).
const PrefixHeader = "X-Forwarded-Prefix"

// ForwardedHostHeader is the request header that carries the Host the
// viewer asked for when CloudFront is in front: the lambdaweb construct's
// viewer-request function sets it, since CloudFront must send the API's own
// Host to API Gateway. At the execute-api endpoint the adapter makes one
// valid value the request's Host (so absolute URLs and sign-in callbacks
// name the distribution's domain); elsewhere it drops the header.
const ForwardedHostHeader = "X-Forwarded-Host"

// integrationTimeout is the environment's integration timeout, or the default.
func integrationTimeout() time.Duration {
	if ms, err := strconv.Atoi(os.Getenv(IntegrationTimeoutEnv)); err == nil && ms > 0 {
		return time.Duration(ms) * time.Millisecond
	}
	return DefaultIntegrationTimeout
}

// timeoutMargin is how long before a deadline the adapter gives up on the
// handler, leaving time to encode and return the 504.
const timeoutMargin = 250 * time.Millisecond

// Handler serves API Gateway REST proxy events with an http.Handler. It
// implements lambda.Handler, so it also answers payloads that are not JSON
// objects with a proxy response rather than a runtime error.
type Handler struct {
	h          http.Handler
	log        *slog.Logger
	ownLog     bool // log is lambdacontext's, which adds the request ID itself
	requestLog bool
	stream     bool
	timeout    time.Duration
	lambdaOpts []lambda.Option
	origin     *originverify.Verifier
	metricsSet bool // WithStatusMetrics was given
	metricsOn  bool
	metrics    *statusMetrics // nil: no metrics in the request line
}

// Option configures a Handler.
type Option func(*Handler)

// WithLogger sets where the per-request log line (at INFO) and errors (at
// WARN and ERROR) go; the adapter adds the request's ID to each line as
// requestId.
// Default: aws-lambda-go's Lambda logger ([lambdacontext.NewLogger]) on
// standard output, as Lambda's logging configuration asks: JSON lines when
// AWS_LAMBDA_LOG_FORMAT is JSON (text otherwise), without the lines below
// AWS_LAMBDA_LOG_LEVEL (INFO when unset), each with requestId.
func WithLogger(l *slog.Logger) Option {
	return func(h *Handler) {
		if l != nil {
			h.log, h.ownLog = l, false
		}
	}
}

// WithRequestLog turns the one JSON line per request on or off. The stage's
// access log already records every request, and CloudWatch bills both, so
// an app may keep only that one. Errors (a panic, an oversize response, a
// rejected event) are logged either way.
// Default: on.
func WithRequestLog(on bool) Option {
	return func(h *Handler) { h.requestLog = on }
}

// WithLambdaOptions passes options to aws-lambda-go's lambda.StartWithOptions
// when [Start] runs the handler; [Wrap] alone does not use them.
// Default: none.
func WithLambdaOptions(opts ...lambda.Option) Option {
	return func(h *Handler) { h.lambdaOpts = append(h.lambdaOpts, opts...) }
}

// WithIntegrationTimeout sets API Gateway's integration timeout; the handler
// gets a 504 answer shortly before it. A value of zero or less keeps only the
// Lambda deadline. Default: the milliseconds in the environment variable
// [IntegrationTimeoutEnv], else [DefaultIntegrationTimeout].
func WithIntegrationTimeout(d time.Duration) Option {
	return func(h *Handler) { h.timeout = d }
}

// Wrap returns a Lambda handler that serves REST proxy events with h.
func Wrap(h http.Handler, opts ...Option) *Handler {
	w := &Handler{
		h:          h,
		log:        lambdacontext.NewLogger(),
		ownLog:     true,
		requestLog: true,
		stream:     StreamingFromEnv(),
		timeout:    integrationTimeout(),
	}
	for _, o := range opts {
		o(w)
	}
	if on := w.metricsOn; on || (!w.metricsSet && w.ownLog && os.Getenv("AWS_LAMBDA_LOG_FORMAT") == "JSON") {
		w.metrics = newStatusMetrics()
	}
	return w
}

// Start runs h as the Lambda function's handler, configured by opts as
// [Wrap] is; it does not return. When [OriginVerifySecretFileEnv] or
// [OriginVerifySecretArnEnv] is set and no [WithOriginVerifier] option
// is given, it answers only requests that carry the origin secret. Unless the GOMAXPROCS variable says
// otherwise, it sizes GOMAXPROCS to the CPU share Lambda gives the
// function's memory: idle Ps only cost thread wake-ups.
func Start(h http.Handler, opts ...Option) {
	if os.Getenv("GOMAXPROCS") == "" {
		mb, _ := strconv.Atoi(os.Getenv("AWS_LAMBDA_FUNCTION_MEMORY_SIZE"))
		runtime.GOMAXPROCS(procsForMemory(mb, runtime.NumCPU()))
	}
	w := Wrap(h, opts...)
	if w.origin == nil {
		w.origin = originVerifierFromEnv(w.log)
	}
	if w.stream {
		lambda.StartHandlerFunc(w.invokeStreamRaw, w.lambdaOpts...)
		return
	}
	lambda.StartWithOptions(w, w.lambdaOpts...)
}

// mbPerVCPU is the memory size at which Lambda gives a function one full vCPU.
const mbPerVCPU = 1769

// procsForMemory returns ceil(mb / 1769), at least 1 and at most cpus; an
// unknown size (0) keeps cpus.
func procsForMemory(mb, cpus int) int {
	if mb <= 0 {
		return cpus
	}
	return max(1, min(cpus, (mb+mbPerVCPU-1)/mbPerVCPU))
}

type contextKey struct{ name string }

var (
	eventKey     = &contextKey{"event"}
	prefixKey    = &contextKey{"prefix"}
	principalKey = &contextKey{"principal"}
)

// RequestFromContext returns the API Gateway event behind a request's
// context, with every field (such as the authorizer context). It is decoded
// on the first call: requests that never ask do not pay for it.
func RequestFromContext(ctx context.Context) (*events.APIGatewayProxyRequest, bool) {
	src, ok := ctx.Value(eventKey).(*eventSource)
	if !ok {
		return nil, false
	}
	return src.event(), true
}

// eventSource holds the raw event until RequestFromContext asks for it.
type eventSource struct {
	once    sync.Once
	payload []byte
	ev      *events.APIGatewayProxyRequest
}

func (s *eventSource) event() *events.APIGatewayProxyRequest {
	s.once.Do(func() {
		if s.ev == nil {
			s.ev = new(events.APIGatewayProxyRequest)
			_ = json.Unmarshal(s.payload, s.ev) // validated by Invoke already
		}
		// The app never sees the origin secret, not even in the event.
		s.ev = withoutOriginHeader(s.ev)
	})
	return s.ev
}

// PrincipalFromContext returns the principal a Lambda authorizer allowed
// the request for (requestContext.authorizer.principalId): with the
// lambdaweb construct's BasicAuth, the user name. It reports false when the
// API has no authorizer.
func PrincipalFromContext(ctx context.Context) (string, bool) {
	p, _ := ctx.Value(principalKey).(string)
	return p, p != ""
}

// PrefixFromContext returns the public mount prefix of the request: "" when the
// API is served at the root of its host, otherwise a path such as "/prod"
// without a trailing slash. Outside Lambda it returns "".
func PrefixFromContext(ctx context.Context) string {
	p, _ := ctx.Value(prefixKey).(string)
	return p
}

// Invoke implements lambda.Handler.
func (h *Handler) Invoke(ctx context.Context, payload []byte) ([]byte, error) {
	e, err := decodeEvent(payload)
	if err != nil {
		return h.reject(ctx, badEvent("payload is not a JSON object: %v", err))
	}
	if err := e.check(); err != nil {
		return h.reject(ctx, err)
	}
	return h.serve(ctx, &e.APIGatewayProxyRequest, &eventSource{payload: payload})
}

// ServeEvent serves one decoded event; it is what Invoke does after decoding,
// for callers that already hold the event.
func (h *Handler) ServeEvent(ctx context.Context, e *events.APIGatewayProxyRequest) (*events.APIGatewayProxyResponse, error) {
	if err := (&inbound{APIGatewayProxyRequest: *e}).check(); err != nil {
		out, _ := h.reject(ctx, err)
		var res events.APIGatewayProxyResponse
		return &res, json.Unmarshal(out, &res)
	}
	out, err := h.serve(ctx, e, &eventSource{ev: e})
	if err != nil {
		return nil, err
	}
	var res events.APIGatewayProxyResponse
	if err := json.Unmarshal(out, &res); err != nil {
		return nil, fmt.Errorf("decode own response: %w", err)
	}
	return &res, nil
}

func (h *Handler) reject(ctx context.Context, err error) ([]byte, error) {
	h.log.LogAttrs(ctx, slog.LevelWarn, "rejected event", slog.String("reason", err.Error()), h.requestIDAttr(ctx))
	return errorResponse(http.StatusBadRequest, err.Error()), nil
}

// errorResponse is the one place that decides what an error answer says: a
// plain-text body that never includes internals. It is encoded like every
// other answer.
func errorResponse(status int, msg string) []byte {
	h, body := errorParts(msg)
	return appendResponse(nil, status, h, body, false)
}

// errorParts are the headers and body of an error answer in either mode.
func errorParts(msg string) (http.Header, []byte) {
	h := http.Header{
		"Content-Type":           {"text/plain; charset=utf-8"},
		"Cache-Control":          {"no-store"},
		"X-Content-Type-Options": {"nosniff"},
	}
	return h, []byte(msg + "\n")
}

// Safe messages of the adapter's own answers, the same in both modes.
const (
	msgPanic   = "Internal Server Error: the request could not be completed."
	msgTimeout = "Gateway Timeout: the request took too long to complete."
	msgAborted = "Bad Gateway: the response was aborted."
)

// requestIDAttr is the invocation's request ID for a log line, under the
// key Lambda's own JSON lines use; none (an empty Attr, which slog leaves
// out) with the default logger, which adds it itself.
func (h *Handler) requestIDAttr(ctx context.Context) slog.Attr {
	if h.ownLog {
		return slog.Attr{}
	}
	if lc, ok := lambdacontext.FromContext(ctx); ok {
		return slog.String("requestId", lc.AwsRequestID)
	}
	return slog.String("requestId", "")
}

// call is one request on its way through the adapter: the handler's
// request, where it points, and the deadline the adapter answers by.
type call struct {
	ctx         context.Context // the request's context: event, prefix, deadline
	cancel      context.CancelFunc
	req         *http.Request
	rt          route
	start       time.Time
	deadline    time.Time // the earlier of the integration timeout and the Lambda deadline
	hasDeadline bool
	reqID       slog.Attr
	publicPath  string
	origin      []string // the request's OriginVerifyHeader values, removed from req
	ownDomain   bool     // reached through a custom domain, not the execute-api endpoint
}

// prepare builds the handler's request from the event; the caller must call
// c.cancel. An error wrapping errBadEvent is the client's fault (400).
func (h *Handler) prepare(ctx context.Context, e *events.APIGatewayProxyRequest, src *eventSource) (*call, error) {
	c := &call{start: time.Now()}
	ctx = context.WithValue(ctx, eventKey, src)
	c.deadline, c.hasDeadline = ctx.Deadline()
	if h.timeout > 0 {
		if d := c.start.Add(h.timeout); !c.hasDeadline || d.Before(c.deadline) {
			c.deadline, c.hasDeadline = d, true
		}
	}
	if c.hasDeadline {
		ctx, c.cancel = context.WithDeadline(ctx, c.deadline.Add(-timeoutMargin))
	} else {
		ctx, c.cancel = context.WithCancel(ctx)
	}
	req, rt, err := newRequest(ctx, e)
	if err != nil {
		c.cancel()
		return nil, err
	}
	c.origin = req.Header[OriginVerifyHeader]
	req.Header.Del(OriginVerifyHeader)
	c.ownDomain = customDomain(e.RequestContext.DomainName)
	c.ctx = context.WithValue(req.Context(), prefixKey, rt.prefix)
	// The fast decoder reads the principal, so asking for it costs no
	// decoding of the whole event.
	if p, ok := e.RequestContext.Authorizer["principalId"].(string); ok && p != "" {
		c.ctx = context.WithValue(c.ctx, principalKey, p)
	}
	c.req = req.WithContext(c.ctx)
	c.rt = rt
	c.reqID = h.requestIDAttr(c.ctx)
	c.publicPath = rt.prefix + req.URL.EscapedPath()
	return c, nil
}

// pastDeadline reports whether a handler that returned with a cancelled
// context did so because the deadline passed.
func (c *call) pastDeadline() bool {
	return c.ctx.Err() != nil && c.hasDeadline && !time.Now().Before(c.deadline.Add(-timeoutMargin))
}

func (h *Handler) serve(ctx context.Context, e *events.APIGatewayProxyRequest, src *eventSource) ([]byte, error) {
	c, err := h.prepare(ctx, e, src)
	if err != nil {
		if errors.Is(err, errBadEvent) {
			return h.reject(ctx, err)
		}
		return nil, err
	}
	defer c.cancel()
	ctx, req, start, publicPath, reqID, rt := c.ctx, c.req, c.start, c.publicPath, c.reqID, c.rt

	if status, msg, ok := h.verifyOrigin(c); !ok {
		return h.logged(ctx, req, start, publicPath, reqID, status, 0, errorResponse(status, msg))
	}
	if rt.bare {
		return h.finish(ctx, req, start, publicPath, reqID, redirectToSlash(req, rt.prefix))
	}

	w := newResponseWriter()
	done := make(chan *handlerPanic, 1)
	go func() { done <- h.run(c, w) }()

	select {
	case p := <-done:
		if p != nil {
			status, msg := p.answer()
			return h.logged(ctx, req, start, publicPath, reqID, status, 0, errorResponse(status, msg))
		}
		if c.pastDeadline() {
			// The handler noticed the deadline and returned: its partial
			// answer is no better than the 504.
			return h.timedOut(ctx, req, start, publicPath, reqID)
		}
	case <-ctx.Done():
		return h.timedOut(ctx, req, start, publicPath, reqID)
	}

	rewriteLocation(w.header, rt.prefix)
	return h.finish(ctx, req, start, publicPath, reqID, w)
}

type handlerPanic struct {
	value any
	stack []byte
}

// aborted reports whether the handler panicked with http.ErrAbortHandler:
// as with net/http, a deliberate abort of the response, not a bug.
func (p *handlerPanic) aborted() bool {
	return p.value == http.ErrAbortHandler // compared exactly, as net/http does
}

// answer is the status and message of the adapter's answer for a handler
// that panicked before its response left: 500, or 502 for a deliberate
// abort, what a proxy in front of net/http answers when the connection
// closes without a response.
func (p *handlerPanic) answer() (int, string) {
	if p.aborted() {
		return http.StatusBadGateway, msgAborted
	}
	return http.StatusInternalServerError, msgPanic
}

// run serves the call's request with the app's handler and returns what it
// panicked with, if it did, having logged it with the handler's own stack.
// http.ErrAbortHandler is not logged (no stack either): net/http's server
// and middleware such as chi's Recoverer treat it as a deliberate abort.
// Both modes run the handler through it.
func (h *Handler) run(c *call, w http.ResponseWriter) (p *handlerPanic) {
	defer func() {
		if v := recover(); v != nil {
			p = &handlerPanic{value: v}
			if p.aborted() {
				return
			}
			// The stack is the handler's, so it is taken here.
			p.stack = debug.Stack()
			h.log.LogAttrs(c.ctx, slog.LevelError, "handler panicked",
				slog.String("panic", fmt.Sprint(p.value)), slog.String("stack", string(p.stack)), c.reqID)
		}
	}()
	h.h.ServeHTTP(w, c.req)
	return nil
}

func (h *Handler) timedOut(ctx context.Context, req *http.Request, start time.Time, publicPath string, reqID slog.Attr) ([]byte, error) {
	out := errorResponse(http.StatusGatewayTimeout, msgTimeout)
	return h.logged(ctx, req, start, publicPath, reqID, http.StatusGatewayTimeout, 0, out)
}

// finish encodes the handler's response, enforcing Lambda's size limit.
func (h *Handler) finish(ctx context.Context, req *http.Request, start time.Time, publicPath string, reqID slog.Attr, w *responseWriter) ([]byte, error) {
	out, tooLarge := encode(w, req)
	if tooLarge != nil {
		h.log.LogAttrs(ctx, slog.LevelError, "response too large", slog.Int("encoded_bytes", tooLarge.size),
			slog.Int("limit_bytes", MaxResponseBytes), reqID)
		out = errorResponse(http.StatusInternalServerError,
			"Internal Server Error: the response is too large for AWS Lambda ("+tooLarge.Error()+").")
		return h.logged(ctx, req, start, publicPath, reqID, http.StatusInternalServerError, 0, out)
	}
	return h.logged(ctx, req, start, publicPath, reqID, w.statusCode(), w.body.Len(), out)
}

func (h *Handler) logged(ctx context.Context, req *http.Request, start time.Time, publicPath string, reqID slog.Attr, status, n int, out []byte) ([]byte, error) {
	if !h.requestLog {
		return out, nil
	}
	now := time.Now()
	var buf [11]slog.Attr
	attrs := append(buf[:0],
		slog.String("method", req.Method),
		slog.String("path", publicPath),
		slog.Int("status", status),
		slog.Int("bytes", n),
		slog.Float64("duration_ms", float64(now.Sub(start).Microseconds())/1000),
		reqID,
	)
	if h.metrics != nil {
		attrs = h.metrics.appendAttrs(attrs, now, status)
	}
	h.log.LogAttrs(context.WithoutCancel(ctx), slog.LevelInfo, "request", attrs...)
	return out, nil
}

// redirectToSlash answers a request for "/prod" with a redirect to "/prod/",
// keeping the query.
func redirectToSlash(req *http.Request, prefix string) *responseWriter {
	w := newResponseWriter()
	target := prefix + "/"
	if req.URL.RawQuery != "" {
		target += "?" + req.URL.RawQuery
	}
	status := http.StatusMovedPermanently
	if req.Method != http.MethodGet && req.Method != http.MethodHead {
		status = http.StatusPermanentRedirect
	}
	w.header.Set("Location", target)
	w.header.Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(status)
	_, _ = io.WriteString(w, "Moved to "+target+"\n")
	return w
}

// rewriteLocation puts the prefix in front of a path-absolute Location, unless
// it is already there.
func rewriteLocation(h http.Header, prefix string) {
	loc := h.Get("Location")
	if prefix == "" || loc == "" || loc[0] != '/' || (len(loc) > 1 && (loc[1] == '/' || loc[1] == '\\')) {
		return
	}
	if loc == prefix || (len(loc) > len(prefix) && loc[:len(prefix)] == prefix && strings.ContainsRune("/?#", rune(loc[len(prefix)]))) {
		return
	}
	h.Set("Location", prefix+loc)
}
