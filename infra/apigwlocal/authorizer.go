package apigwlocal

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"path"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/events"
)

// TokenAuthorizer is a Lambda TOKEN authorizer as API Gateway calls it: the
// identity source's value (the Authorization header) and the method ARN
// in, a principal, a policy and a context out.
type TokenAuthorizer struct {
	// Invoker runs the authorizer function.
	Invoker Invoker
	// CacheTTL is how long an allowed token's answer is kept, for every
	// path: API Gateway's authorizer result cache. Zero turns it off.
	CacheTTL time.Duration
	// Realm goes in the WWW-Authenticate header of the 401 answers, as the
	// construct's gateway responses put it; "" sends none.
	Realm string
	// OnInvoke, if set, is told each time the authorizer function runs.
	OnInvoke func()

	mu    sync.Mutex
	cache map[string]cachedAuth
}

type cachedAuth struct {
	res     *events.APIGatewayCustomAuthorizerResponse
	expires time.Time
}

// Errors API Gateway answers for an authorizer.
var (
	errUnauthorized = &gatewayError{status: http.StatusUnauthorized, kind: "UnauthorizedException", message: "Unauthorized"}
	errAccessDenied = &gatewayError{status: http.StatusForbidden, kind: "AccessDeniedException", message: "User is not authorized to access this resource"}
)

func authorizerError(cause error) *gatewayError {
	return &gatewayError{status: http.StatusInternalServerError, kind: "AuthorizerConfigurationException", message: "", cause: cause}
}

// authorize applies the authorizer to r: the principal and context to put
// in the event, or the gateway error to answer with. cached reports
// whether the answer came from the cache.
func (a *TokenAuthorizer) authorize(ctx context.Context, r *http.Request, methodArn string) (map[string]any, bool, error) {
	token := r.Header.Get("Authorization")
	if token == "" {
		// No identity source: API Gateway refuses without calling it.
		return nil, false, errUnauthorized
	}
	now := time.Now()
	a.mu.Lock()
	c, ok := a.cache[token]
	a.mu.Unlock()
	cached := ok && now.Before(c.expires)
	var res *events.APIGatewayCustomAuthorizerResponse
	if cached {
		res = c.res
	} else {
		var err error
		if res, err = a.invoke(ctx, token, methodArn); err != nil {
			return nil, false, err
		}
		if a.CacheTTL > 0 {
			a.mu.Lock()
			if a.cache == nil {
				a.cache = map[string]cachedAuth{}
			}
			a.cache[token] = cachedAuth{res: res, expires: now.Add(a.CacheTTL)}
			a.mu.Unlock()
		}
	}
	if !allows(res.PolicyDocument, methodArn) {
		return nil, cached, errAccessDenied
	}
	auth := map[string]any{"principalId": res.PrincipalID}
	for k, v := range res.Context {
		auth[k] = v
	}
	return auth, cached, nil
}

func (a *TokenAuthorizer) invoke(ctx context.Context, token, methodArn string) (*events.APIGatewayCustomAuthorizerResponse, error) {
	if a.OnInvoke != nil {
		a.OnInvoke()
	}
	payload, err := json.Marshal(events.APIGatewayCustomAuthorizerRequest{Type: "TOKEN", AuthorizationToken: token, MethodArn: methodArn})
	if err != nil {
		return nil, authorizerError(err)
	}
	out, err := a.Invoker.Invoke(ctx, payload)
	if err != nil {
		return nil, authorizerError(err)
	}
	var fe struct {
		Message string `json:"errorMessage"`
	}
	if json.Unmarshal(out, &fe) == nil && fe.Message != "" {
		if fe.Message == "Unauthorized" {
			return nil, errUnauthorized
		}
		return nil, authorizerError(errors.New("authorizer error: " + fe.Message))
	}
	var res events.APIGatewayCustomAuthorizerResponse
	if err := json.Unmarshal(out, &res); err != nil || res.PrincipalID == "" {
		return nil, authorizerError(fmt.Errorf("malformed authorizer response (principal %q): %v", res.PrincipalID, err))
	}
	return &res, nil
}

// allows reports whether a policy allows invoking methodArn: an Allow
// statement whose resource matches it (with * and ? as IAM has them) and
// no Deny that does.
func allows(p events.APIGatewayCustomAuthorizerPolicy, methodArn string) bool {
	allowed := false
	for _, st := range p.Statement {
		for _, res := range st.Resource {
			if !arnMatch(res, methodArn) {
				continue
			}
			switch st.Effect {
			case "Deny":
				return false
			case "Allow":
				allowed = true
			}
		}
	}
	return allowed
}

// arnMatch matches an IAM resource pattern, where * spans any characters,
// slashes included.
func arnMatch(pattern, arn string) bool {
	// path.Match's * stops at "/": turn the pattern's slashes into a byte
	// that neither side has, so that * spans them.
	const sep = "\x00"
	ok, err := path.Match(strings.ReplaceAll(pattern, "/", sep), strings.ReplaceAll(arn, "/", sep))
	return err == nil && ok
}

// methodArn is the ARN API Gateway gives the authorizer for a request.
func (g *Gateway) methodArn(method, resourcePath string) string {
	return "arn:aws:execute-api:local:123456789012:" + g.cfg.APIID + "/" + g.cfg.Stage + "/" + method + resourcePath
}

// apiRelative is the request's path within the API, as the method ARN has
// it: without the stage or the base path.
func (g *Gateway) apiRelative(e *events.APIGatewayProxyRequest) string {
	p := e.Path
	if !g.cfg.StageURL && g.cfg.BasePath != "" {
		p = strings.TrimPrefix(p, "/"+g.cfg.BasePath)
	}
	if p == "" {
		p = "/"
	}
	return p
}
