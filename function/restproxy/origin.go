package restproxy

import (
	"context"
	"log/slog"
	"maps"
	"net/http"
	"os"
	"strings"

	"github.com/aws/aws-lambda-go/events"

	"github.com/goapigw/webapp/function/originverify"
)

// OriginVerifyHeader is the request header in which a CloudFront
// distribution sends the origin secret. The adapter removes it from every
// request before the app's handler sees it, whether it verifies it or not.
const OriginVerifyHeader = "X-Origin-Verify"

// OriginVerifySecretArnEnv names the environment variable that holds the
// ARN of a Secrets Manager secret whose SecretString is the origin secret:
// when it is set, [Start] refuses requests that do not carry it.
const OriginVerifySecretArnEnv = "ORIGIN_VERIFY_SECRET_ARN"

// OriginVerifySecretFileEnv names the environment variable that holds the
// path of a file whose content is the origin secret, for local runs; it
// wins over [OriginVerifySecretArnEnv] when both are set.
const OriginVerifySecretFileEnv = "ORIGIN_VERIFY_SECRET_FILE"

// Safe messages of the origin check's answers.
const (
	msgForbiddenOrigin   = "Forbidden: this API answers only through its CloudFront distribution"
	msgOriginUnavailable = "Service Unavailable: the origin check cannot be made right now."
	logForbiddenOrigin   = "request refused: origin header missing or wrong"
	logOriginUnavailable = "request refused: origin secret unavailable"
)

// WithOriginVerifier makes the handler answer only requests whose
// [OriginVerifyHeader] matches the verifier's secret: any other request
// gets 403 (or 503 when the secret cannot be read) and never reaches the
// app. Default: the verifier [Start] builds from [OriginVerifySecretFileEnv]
// or [OriginVerifySecretArnEnv] when one is set; none for [Wrap].
func WithOriginVerifier(v *originverify.Verifier) Option {
	return func(h *Handler) { h.origin = v }
}

// originVerifierFromEnv is the verifier the environment asks for, or nil.
func originVerifierFromEnv(log *slog.Logger) *originverify.Verifier {
	if path := os.Getenv(OriginVerifySecretFileEnv); path != "" {
		return originverify.New(originverify.File(path), originverify.WithLogger(log))
	}
	if arn := os.Getenv(OriginVerifySecretArnEnv); arn != "" {
		return originverify.New(originverify.DefaultSecretsManager(arn), originverify.WithLogger(log))
	}
	return nil
}

// verifyOrigin checks the request's origin header and says how to answer
// when it fails; it logs the refusal, never the header's value.
func (h *Handler) verifyOrigin(c *call) (status int, msg string, ok bool) {
	if h.origin == nil || c.ownDomain {
		return 0, "", true
	}
	presented := ""
	if len(c.origin) == 1 {
		presented = c.origin[0]
	}
	match, err := h.origin.Check(c.ctx, presented)
	switch {
	case err != nil:
		h.log.LogAttrs(context.WithoutCancel(c.ctx), slog.LevelError, logOriginUnavailable,
			slog.String("error", err.Error()), slog.String("path", c.publicPath), c.reqID)
		return http.StatusServiceUnavailable, msgOriginUnavailable, false
	case !match:
		reason := "wrong value"
		switch {
		case len(c.origin) == 0:
			reason = "no header"
		case len(c.origin) > 1:
			reason = "several values"
		}
		h.log.LogAttrs(context.WithoutCancel(c.ctx), slog.LevelWarn, logForbiddenOrigin,
			slog.String("reason", reason), slog.String("path", c.publicPath), c.reqID)
		return http.StatusForbidden, msgForbiddenOrigin, false
	}
	// CloudFront sent it: its X-Forwarded-Host is the viewer's Host.
	if c.forwardedHost != "" {
		c.req.Host = c.forwardedHost
		c.req.Header.Set(ForwardedHostHeader, c.forwardedHost)
	}
	return 0, "", true
}

// withoutOriginHeader returns e without the origin header under any
// spelling: the event that RequestFromContext hands the app. It returns e
// itself when there is none, and otherwise a copy whose header maps are
// new.
func withoutOriginHeader(e *events.APIGatewayProxyRequest) *events.APIGatewayProxyRequest {
	has := func(k string) bool { return strings.EqualFold(k, OriginVerifyHeader) }
	found := false
	for k := range e.Headers {
		found = found || has(k)
	}
	for k := range e.MultiValueHeaders {
		found = found || has(k)
	}
	if !found {
		return e
	}
	c := *e
	c.Headers = maps.Clone(e.Headers)
	maps.DeleteFunc(c.Headers, func(k, _ string) bool { return has(k) })
	c.MultiValueHeaders = maps.Clone(e.MultiValueHeaders)
	maps.DeleteFunc(c.MultiValueHeaders, func(k string, _ []string) bool { return has(k) })
	return &c
}

// customDomain reports whether API Gateway received the request at a custom
// domain (requestContext.domainName, which API Gateway sets, not the
// client) rather than at the API's execute-api endpoint. CloudFront reaches
// the API at its execute-api endpoint; a custom domain is a door the stack's
// owner opened on purpose, so origin verification closes only the endpoint.
// An event without a domain name counts as the endpoint's.
func customDomain(domain string) bool {
	return domain != "" && !strings.Contains(strings.ToLower(domain), ".execute-api.")
}
