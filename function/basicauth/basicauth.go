package basicauth

import (
	"bytes"
	"context"
	"crypto/rand"
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
	"golang.org/x/crypto/bcrypt"
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

// Credentials are the users of a parsed htpasswd file.
type Credentials struct {
	hashes map[string][]byte
	dummy  []byte // checked for an unknown user: the same bcrypt work
}

// ParseHtpasswd reads htpasswd lines "user:$2y$…" (bcrypt only); blank
// lines and lines starting with # are skipped. Errors name the line, never
// its content.
func ParseHtpasswd(data []byte) (*Credentials, error) {
	c := &Credentials{hashes: map[string][]byte{}}
	maxCost := bcrypt.MinCost
	for i, line := range strings.Split(string(data), "\n") {
		line = strings.TrimSpace(strings.TrimSuffix(line, "\r"))
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		user, hash, ok := strings.Cut(line, ":")
		switch {
		case !ok || user == "":
			return nil, fmt.Errorf("basicauth: htpasswd line %d is not user:hash", i+1)
		case !strings.HasPrefix(hash, "$2y$") && !strings.HasPrefix(hash, "$2a$") && !strings.HasPrefix(hash, "$2b$"):
			return nil, fmt.Errorf("basicauth: htpasswd line %d is not a bcrypt hash: write the file with htpasswd -nbB (plaintext, MD5 and SHA hashes are refused)", i+1)
		case c.hashes[user] != nil:
			return nil, fmt.Errorf("basicauth: htpasswd line %d repeats a user of an earlier line", i+1)
		}
		cost, err := bcrypt.Cost([]byte(hash))
		if err != nil {
			return nil, fmt.Errorf("basicauth: htpasswd line %d has a malformed bcrypt hash: %w", i+1, err)
		}
		maxCost = max(maxCost, cost)
		c.hashes[user] = []byte(hash)
	}
	if len(c.hashes) == 0 {
		return nil, errors.New("basicauth: the htpasswd data has no user: add lines written by htpasswd -nbB USER PASSWORD")
	}
	var random [16]byte
	_, _ = rand.Read(random[:])
	dummy, err := bcrypt.GenerateFromPassword(random[:], maxCost)
	if err != nil {
		return nil, fmt.Errorf("basicauth: %w", err)
	}
	c.dummy = dummy
	return c, nil
}

// Check reports whether user and password match. An unknown user is
// checked against a dummy hash of the highest cost in the file, so both
// answers cost one bcrypt comparison.
func (c *Credentials) Check(user, password string) bool {
	hash, known := c.hashes[user]
	if !known {
		hash = c.dummy
	}
	ok := bcrypt.CompareHashAndPassword(hash, []byte(password)) == nil
	return known && ok
}

// Users is the number of users.
func (c *Credentials) Users() int { return len(c.hashes) }

// Source returns the htpasswd data.
type Source func(ctx context.Context) ([]byte, error)

// FileSource reads the htpasswd data from a file, for local runs.
func FileSource(path string) Source {
	return func(context.Context) ([]byte, error) { return os.ReadFile(path) }
}

// Authorizer is the TOKEN authorizer.
type Authorizer struct {
	source Source
	ttl    time.Duration
	now    func() time.Time
	log    *slog.Logger

	mu      sync.Mutex
	creds   *Credentials
	fetched time.Time
}

// Option configures an Authorizer.
type Option func(*Authorizer)

// WithTTL sets how long the parsed secret is kept before it is read again.
// Default: 60 s.
func WithTTL(d time.Duration) Option { return func(a *Authorizer) { a.ttl = d } }

// WithClock sets the clock. Default: time.Now.
func WithClock(now func() time.Time) Option { return func(a *Authorizer) { a.now = now } }

// WithLogger sets where decisions are logged. Default: JSON on stderr.
func WithLogger(l *slog.Logger) Option { return func(a *Authorizer) { a.log = l } }

// New returns an Authorizer that reads the htpasswd data from source.
func New(source Source, opts ...Option) *Authorizer {
	a := &Authorizer{source: source, ttl: time.Minute, now: time.Now, log: slog.New(slog.NewJSONHandler(os.Stderr, nil))}
	for _, o := range opts {
		o(a)
	}
	return a
}

// credentials returns the parsed secret, reading it again after the TTL.
// A failed refresh keeps the last good copy.
func (a *Authorizer) credentials(ctx context.Context) (*Credentials, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.creds != nil && a.now().Sub(a.fetched) < a.ttl {
		return a.creds, nil
	}
	data, err := a.source(ctx)
	if err == nil {
		var c *Credentials
		if c, err = ParseHtpasswd(data); err == nil {
			a.creds, a.fetched = c, a.now()
			return c, nil
		}
	}
	if a.creds != nil {
		a.log.LogAttrs(ctx, slog.LevelError, "refreshing the credentials failed; the last good copy stays", slog.String("error", err.Error()))
		a.fetched = a.now() // retry after another TTL, not at every request
		return a.creds, nil
	}
	return nil, fmt.Errorf("basicauth: read the credentials: %w", err)
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
