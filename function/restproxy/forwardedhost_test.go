package restproxy

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/goapigw/webapp/function/originverify"
)

// TestForwardedHost: behind CloudFront the API sees its own Host; the
// viewer's comes in X-Forwarded-Host, which the adapter honours only when
// the origin secret proved that CloudFront sent the request, as one valid
// host. Anyone may call a stage URL without origin verification with any
// header, so there it is dropped.
func TestForwardedHost(t *testing.T) {
	const api = "a1b2c3d4e5.execute-api.eu-west-1.amazonaws.com"
	const secret = "0123456789abcdef0123456789abcdef"
	file := filepath.Join(t.TempDir(), "origin-secret")
	if err := os.WriteFile(file, []byte(secret), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name       string
		verifier   bool
		secret     string
		domainName string
		host       string
		forwarded  []string
		wantStatus int
		wantHost   string
		wantHeader string // X-Forwarded-Host as the app sees it
	}{
		{name: "CloudFront", verifier: true, secret: secret, domainName: api, host: api, forwarded: []string{"www.example.com"}, wantHost: "www.example.com", wantHeader: "www.example.com"},
		{name: "CloudFront default name", verifier: true, secret: secret, domainName: api, host: api, forwarded: []string{"d111111abcdef8.cloudfront.net"}, wantHost: "d111111abcdef8.cloudfront.net", wantHeader: "d111111abcdef8.cloudfront.net"},
		{name: "local CloudFront door, with port", verifier: true, secret: secret, host: "origin.local", forwarded: []string{"127.0.0.1:3002"}, wantHost: "127.0.0.1:3002", wantHeader: "127.0.0.1:3002"},
		{name: "CloudFront without it", verifier: true, secret: secret, domainName: api, host: api, wantHost: api},
		{name: "stage URL without origin verification", domainName: api, host: api, forwarded: []string{"attacker.example"}, wantHost: api},
		{name: "stage URL with a wrong secret", verifier: true, secret: "guess", domainName: api, host: api, forwarded: []string{"attacker.example"}, wantStatus: 403},
		{name: "custom domain", verifier: true, domainName: "app.example.com", host: "app.example.com", forwarded: []string{"evil.example"}, wantHost: "app.example.com"},
		{name: "two values", verifier: true, secret: secret, domainName: api, host: api, forwarded: []string{"a.example", "b.example"}, wantHost: api},
		{name: "a path in it", verifier: true, secret: secret, domainName: api, host: api, forwarded: []string{"evil.example/x"}, wantHost: api},
		{name: "a user in it", verifier: true, secret: secret, domainName: api, host: api, forwarded: []string{"user@evil.example"}, wantHost: api},
		{name: "empty", verifier: true, secret: secret, domainName: api, host: api, forwarded: []string{""}, wantHost: api},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var gotHost, gotHeader string
			app := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				gotHost, gotHeader = r.Host, r.Header.Get(ForwardedHostHeader)
			})
			var opts []Option
			if tt.verifier {
				opts = append(opts, WithOriginVerifier(originverify.New(originverify.File(file))))
			}
			e := &events.APIGatewayProxyRequest{
				Resource: "/", Path: "/", HTTPMethod: "GET",
				MultiValueHeaders: map[string][]string{"Host": {tt.host}},
				RequestContext:    events.APIGatewayProxyRequestContext{Stage: "prod", Path: "/prod/", DomainName: tt.domainName},
			}
			if tt.forwarded != nil {
				e.MultiValueHeaders["X-Forwarded-Host"] = tt.forwarded
			}
			if tt.secret != "" {
				e.MultiValueHeaders[OriginVerifyHeader] = []string{tt.secret}
			}
			res, err := quietHandler(app, opts...).ServeEvent(context.Background(), e)
			if err != nil {
				t.Fatal(err)
			}
			if want := max(tt.wantStatus, 200); res.StatusCode != want {
				t.Fatalf("status: got %d, want %d", res.StatusCode, want)
			}
			if tt.wantStatus == 0 && (gotHost != tt.wantHost || gotHeader != tt.wantHeader) {
				t.Errorf("got Host %q and X-Forwarded-Host %q, want %q and %q", gotHost, gotHeader, tt.wantHost, tt.wantHeader)
			}
		})
	}
}
