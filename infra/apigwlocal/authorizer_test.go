package apigwlocal

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
)

// fakeAuthorizer allows "Basic good" for the whole stage and refuses the
// rest, counting its invocations.
type fakeAuthorizer struct {
	calls    atomic.Int32
	resource string
}

func (f *fakeAuthorizer) Invoke(_ context.Context, payload []byte) ([]byte, error) {
	f.calls.Add(1)
	var req events.APIGatewayCustomAuthorizerRequest
	_ = json.Unmarshal(payload, &req)
	switch req.AuthorizationToken {
	case "Basic good":
		return json.Marshal(events.APIGatewayCustomAuthorizerResponse{
			PrincipalID: "alice", Context: map[string]any{"user": "alice"},
			PolicyDocument: events.APIGatewayCustomAuthorizerPolicy{Version: "2012-10-17", Statement: []events.IAMPolicyStatement{
				{Action: []string{"execute-api:Invoke"}, Effect: "Allow", Resource: []string{f.resource}},
			}},
		})
	case "Basic broken":
		return []byte(`{"errorMessage":"boom","errorType":"errorString"}`), nil
	}
	return []byte(`{"errorMessage":"Unauthorized","errorType":"errorString"}`), nil
}

// principalEcho answers with the principal the event carries.
type principalEcho struct{}

func (principalEcho) Invoke(_ context.Context, payload []byte) ([]byte, error) {
	var e events.APIGatewayProxyRequest
	_ = json.Unmarshal(payload, &e)
	b, _ := json.Marshal(events.APIGatewayProxyResponse{StatusCode: 200, Body: principalOf(e)})
	return b, nil
}

func principalOf(e events.APIGatewayProxyRequest) string {
	p, _ := e.RequestContext.Authorizer["principalId"].(string)
	u, _ := e.RequestContext.Authorizer["user"].(string)
	return p + "/" + u
}

func TestTokenAuthorizer(t *testing.T) {
	tests := []struct {
		name, resource string
		ttl            time.Duration
		header         string
		wantStatus     int
		wantBody       string
		wantCalls      int32 // after two identical requests
	}{
		{name: "no header: 401 without calling the authorizer", resource: "arn:aws:execute-api:local:123456789012:local/prod/*", header: "", wantStatus: 401, wantBody: `{"message":"Unauthorized"}`, wantCalls: 0},
		{name: "wrong credentials: 401", resource: "arn:aws:execute-api:local:123456789012:local/prod/*", header: "Basic bad", wantStatus: 401, wantBody: `{"message":"Unauthorized"}`, wantCalls: 2},
		{name: "allowed, cached", resource: "arn:aws:execute-api:local:123456789012:local/prod/*", ttl: time.Minute, header: "Basic good", wantStatus: 200, wantBody: "alice/alice", wantCalls: 1},
		{name: "allowed, cache off", resource: "arn:aws:execute-api:local:123456789012:local/prod/*", header: "Basic good", wantStatus: 200, wantBody: "alice/alice", wantCalls: 2},
		{name: "a policy for the first path only denies the next", resource: "arn:aws:execute-api:local:123456789012:local/prod/GET/a", ttl: time.Minute, header: "Basic good", wantStatus: 401, wantBody: `{"message":"Unauthorized"}`, wantCalls: 1},
		{name: "an authorizer failure: 500", resource: "*", header: "Basic broken", wantStatus: 500, wantCalls: 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fa := &fakeAuthorizer{resource: tt.resource}
			g := New(principalEcho{}, Config{StageURL: true, Authorizer: &TokenAuthorizer{Invoker: fa, CacheTTL: tt.ttl, Realm: "Staff"}})
			var res *http.Response
			var body string
			for _, target := range []string{"/prod/a", "/prod/b/c"} {
				r := httptest.NewRequest("GET", target, nil)
				if tt.header != "" {
					r.Header.Set("Authorization", tt.header)
				}
				w := httptest.NewRecorder()
				g.ServeHTTP(w, r)
				res, body = w.Result(), w.Body.String()
			}
			if res.StatusCode != tt.wantStatus || (tt.wantBody != "" && body != tt.wantBody) {
				t.Errorf("got %d %q, want %d %q", res.StatusCode, body, tt.wantStatus, tt.wantBody)
			}
			if tt.wantStatus == 401 && res.Header.Get("WWW-Authenticate") != `Basic realm="Staff", charset="UTF-8"` {
				t.Errorf("WWW-Authenticate: got %q", res.Header.Get("WWW-Authenticate"))
			}
			if got := fa.calls.Load(); got != tt.wantCalls {
				t.Errorf("authorizer calls: got %d, want %d", got, tt.wantCalls)
			}
		})
	}
}

func TestArnMatch(t *testing.T) {
	arn := "arn:aws:execute-api:local:123456789012:local/prod/GET/a/b"
	for pattern, want := range map[string]bool{
		"arn:aws:execute-api:local:123456789012:local/prod/*":     true,
		"arn:aws:execute-api:local:123456789012:local/prod/GET/a": false,
		"arn:aws:execute-api:local:123456789012:local/dev/*":      false,
		"*":                                     true,
		"arn:aws:execute-api:*:*:local/*/GET/*": true,
	} {
		if got := arnMatch(pattern, arn); got != want {
			t.Errorf("arnMatch(%q): got %v, want %v", pattern, got, want)
		}
	}
}

// deadlineInvoker records how long its context gave it.
type deadlineInvoker struct{ budget time.Duration }

func (d *deadlineInvoker) Invoke(ctx context.Context, _ []byte) ([]byte, error) {
	if dl, ok := ctx.Deadline(); ok {
		d.budget = time.Until(dl)
	}
	return []byte(`{"errorMessage":"Unauthorized"}`), nil
}

// TestAuthorizerTimeout: API Gateway waits 10 s for a Lambda authorizer,
// whatever the integration timeout.
func TestAuthorizerTimeout(t *testing.T) {
	for _, integration := range []time.Duration{5 * time.Second, 29 * time.Second, 60 * time.Second} {
		t.Run(integration.String(), func(t *testing.T) {
			auth := &deadlineInvoker{}
			g := New(principalEcho{}, Config{StageURL: true, IntegrationTimeout: integration, Authorizer: &TokenAuthorizer{Invoker: auth}})
			r := httptest.NewRequest("GET", "/prod/", nil)
			r.Header.Set("Authorization", "Basic x")
			g.ServeHTTP(httptest.NewRecorder(), r)
			want := 10 * time.Second
			if auth.budget > want || auth.budget < want-time.Second {
				t.Errorf("the authorizer got %v, want %v", auth.budget, want)
			}
		})
	}
}
