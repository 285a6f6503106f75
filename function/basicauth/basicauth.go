package basicauth

import (
	"bytes"
	"cmp"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/aws/aws-lambda-go/events"
)

// MaxHeaderBytes is the longest Authorization header the authorizer reads;
// a longer one is refused unread.
const MaxHeaderBytes = 4096

// ErrUnauthorized is the refusal API Gateway answers with 401: a TOKEN
// authorizer that fails with exactly this message denies the request.
var ErrUnauthorized = errors.New(unauthorized)

// unauthorized is the message API Gateway matches, capital letter included.
const unauthorized = "Unauthorized"

// Why a header is refused; the reason is logged, the header never.
var (
	errNotBasic    = errors.New("not a Basic authorization")
	errBadBase64   = errors.New("credentials are not base64")
	errNoColon     = errors.New("credentials have no colon")
	errEmptyUser   = errors.New("the user name is empty")
	errNotUTF8     = errors.New("credentials are not UTF-8")
	errTooLong     = errors.New("the header is too long")
	errNoHeader    = errors.New("no Authorization header")
	errWrongSecret = errors.New("unknown user or wrong password")
)

// ParseHeader reads an Authorization header value of the Basic scheme
// (RFC 7617): "Basic " and base64 of "user:password", UTF-8. The user name
// may not be empty or hold a colon; the password may be empty.
func ParseHeader(h string) (user, password string, err error) {
	switch {
	case h == "":
		return "", "", errNoHeader
	case len(h) > MaxHeaderBytes:
		return "", "", errTooLong
	}
	scheme, rest, ok := strings.Cut(strings.TrimSpace(h), " ")
	if !ok || !strings.EqualFold(scheme, "Basic") {
		return "", "", errNotBasic
	}
	rest = strings.TrimSpace(rest)
	raw, err := base64.StdEncoding.Strict().DecodeString(rest)
	if err != nil {
		if raw, err = base64.RawStdEncoding.Strict().DecodeString(rest); err != nil {
			return "", "", errBadBase64
		}
	}
	if !utf8.Valid(raw) {
		return "", "", errNotUTF8
	}
	u, p, ok := bytes.Cut(raw, []byte{':'})
	switch {
	case !ok:
		return "", "", errNoColon
	case len(u) == 0:
		return "", "", errEmptyUser
	}
	return string(u), string(p), nil
}

// Source returns the htpasswd data.
type Source func(ctx context.Context) ([]byte, error)

// FileSource reads the htpasswd data from a file, for local runs.
func FileSource(path string) Source {
	return func(context.Context) ([]byte, error) { return os.ReadFile(path) }
}

// Authorizer is the TOKEN authorizer.
type Authorizer struct {
	source   Source
	ttl      time.Duration
	now      func() time.Time
	log      *slog.Logger
	function string // the metric's FunctionName dimension

	refresh sync.Mutex // held while the secret is read and parsed: one read at a time
	mu      sync.Mutex // guards the fields below; held for no I/O and no bcrypt work
	creds   *Credentials
	readAt  time.Time // when creds were read
	failure error     // why there are no credentials, after a failed refresh
	next    time.Time // when to read the secret again; zero: at once
}

// Option configures an Authorizer.
type Option func(*Authorizer)

// WithTTL sets how long the parsed secret is kept before it is read again.
// Default: 60 s.
func WithTTL(d time.Duration) Option { return func(a *Authorizer) { a.ttl = d } }

// WithClock sets the clock. Default: time.Now.
func WithClock(now func() time.Time) Option { return func(a *Authorizer) { a.now = now } }

// WithLogger sets where decisions are logged. Default: JSON on stderr.
// The refresh-failure metric is a log line in CloudWatch's embedded metric
// format, which needs a JSON handler without groups.
func WithLogger(l *slog.Logger) Option { return func(a *Authorizer) { a.log = l } }

// WithFunctionName sets the FunctionName dimension of the refresh-failure
// metric. Default: $AWS_LAMBDA_FUNCTION_NAME, which Lambda sets, or
// "unknown".
func WithFunctionName(name string) Option { return func(a *Authorizer) { a.function = name } }

// New returns an Authorizer that reads the htpasswd data from source.
func New(source Source, opts ...Option) *Authorizer {
	a := &Authorizer{source: source, ttl: time.Minute, now: time.Now, log: slog.New(slog.NewJSONHandler(os.Stderr, nil)),
		function: cmp.Or(os.Getenv("AWS_LAMBDA_FUNCTION_NAME"), "unknown")}
	for _, o := range opts {
		o(a)
	}
	return a
}

// Handle is the Lambda handler: an allow policy for the whole stage, or
// ErrUnauthorized.
func (a *Authorizer) Handle(ctx context.Context, req events.APIGatewayCustomAuthorizerRequest) (events.APIGatewayCustomAuthorizerResponse, error) {
	user, password, err := ParseHeader(req.AuthorizationToken)
	if err != nil {
		return a.deny(ctx, err)
	}
	resource, err := stageResource(req.MethodArn)
	if err != nil {
		return events.APIGatewayCustomAuthorizerResponse{}, err
	}
	creds, err := a.credentials(ctx)
	if err != nil {
		// An outage, not a refusal: API Gateway answers 500.
		a.log.LogAttrs(ctx, slog.LevelError, "no credentials to check against", slog.String("error", err.Error()))
		return events.APIGatewayCustomAuthorizerResponse{}, err
	}
	if !creds.Check(user, password) {
		return a.deny(ctx, errWrongSecret)
	}
	a.log.LogAttrs(ctx, slog.LevelInfo, "allowed", slog.String("user", user))
	return events.APIGatewayCustomAuthorizerResponse{
		PrincipalID: user,
		PolicyDocument: events.APIGatewayCustomAuthorizerPolicy{
			Version: "2012-10-17",
			Statement: []events.IAMPolicyStatement{{
				Action: []string{"execute-api:Invoke"}, Effect: "Allow", Resource: []string{resource},
			}},
		},
		Context: map[string]any{"user": user},
	}, nil
}

func (a *Authorizer) deny(ctx context.Context, why error) (events.APIGatewayCustomAuthorizerResponse, error) {
	a.log.LogAttrs(ctx, slog.LevelInfo, "denied", slog.String("reason", why.Error()))
	return events.APIGatewayCustomAuthorizerResponse{}, ErrUnauthorized
}

// stageResource turns the request's method ARN
// (arn:aws:execute-api:REGION:ACCOUNT:API/STAGE/METHOD/PATH) into one that
// covers every method and path of the stage.
func stageResource(methodArn string) (string, error) {
	parts := strings.SplitN(methodArn, ":", 6)
	if len(parts) != 6 || parts[2] != "execute-api" {
		return "", fmt.Errorf("basicauth: %q is not an execute-api method ARN", methodArn)
	}
	segs := strings.SplitN(parts[5], "/", 3)
	if len(segs) < 2 || segs[0] == "" || segs[1] == "" {
		return "", fmt.Errorf("basicauth: method ARN %q has no API and stage", methodArn)
	}
	return strings.Join(parts[:5], ":") + ":" + segs[0] + "/" + segs[1] + "/*", nil
}
