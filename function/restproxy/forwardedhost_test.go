package restproxy

import (
	"context"
	"net/http"
	"testing"

	"github.com/aws/aws-lambda-go/events"
)

// TestForwardedHost: behind CloudFront the API sees its own Host; the
// viewer's comes in X-Forwarded-Host, which the adapter honours at the
// execute-api endpoint only, as one valid host.
func TestForwardedHost(t *testing.T) {
	const api = "a1b2c3d4e5.execute-api.eu-west-1.amazonaws.com"
	tests := []struct {
		name       string
		domainName string
		host       string
		forwarded  []string
		wantHost   string
		wantHeader string // X-Forwarded-Host as the app sees it
	}{
		{name: "CloudFront", domainName: api, host: api, forwarded: []string{"www.example.com"}, wantHost: "www.example.com", wantHeader: "www.example.com"},
		{name: "CloudFront default name", domainName: api, host: api, forwarded: []string{"d111111abcdef8.cloudfront.net"}, wantHost: "d111111abcdef8.cloudfront.net", wantHeader: "d111111abcdef8.cloudfront.net"},
		{name: "local, with port", domainName: "", host: "origin.local", forwarded: []string{"127.0.0.1:3002"}, wantHost: "127.0.0.1:3002", wantHeader: "127.0.0.1:3002"},
		{name: "stage URL without it", domainName: api, host: api, wantHost: api},
		{name: "custom domain ignores it", domainName: "app.example.com", host: "app.example.com", forwarded: []string{"evil.example"}, wantHost: "app.example.com"},
		{name: "two values", domainName: api, host: api, forwarded: []string{"a.example", "b.example"}, wantHost: api},
		{name: "a path in it", domainName: api, host: api, forwarded: []string{"evil.example/x"}, wantHost: api},
		{name: "a user in it", domainName: api, host: api, forwarded: []string{"user@evil.example"}, wantHost: api},
		{name: "empty", domainName: api, host: api, forwarded: []string{""}, wantHost: api},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var gotHost, gotHeader string
			h := quietHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				gotHost, gotHeader = r.Host, r.Header.Get(ForwardedHostHeader)
			}))
			e := &events.APIGatewayProxyRequest{
				Resource: "/", Path: "/", HTTPMethod: "GET",
				MultiValueHeaders: map[string][]string{"Host": {tt.host}},
				RequestContext:    events.APIGatewayProxyRequestContext{Stage: "prod", Path: "/prod/", DomainName: tt.domainName},
			}
			if tt.forwarded != nil {
				e.MultiValueHeaders["X-Forwarded-Host"] = tt.forwarded
			}
			if _, err := h.ServeEvent(context.Background(), e); err != nil {
				t.Fatal(err)
			}
			if gotHost != tt.wantHost || gotHeader != tt.wantHeader {
				t.Errorf("got Host %q and X-Forwarded-Host %q, want %q and %q", gotHost, gotHeader, tt.wantHost, tt.wantHeader)
			}
		})
	}
}
