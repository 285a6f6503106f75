package restproxy

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/goapigw/webapp/function/originverify"
)

const (
	testSecret   = "current-0123456789abcdef"
	testPrevious = "previous-0123456789abcdef"
)

func staticSecret(v originverify.Values, err error) originverify.Source {
	return func(context.Context) (originverify.Values, error) { return v, err }
}

// stageDomain is the domain name API Gateway reports for a request to the
// API's execute-api endpoint, where CloudFront sends its requests.
const stageDomain = "a1b2c3d4e5.execute-api.eu-west-1.amazonaws.com"

// originEvent is an event whose headers fields are given as JSON, received
// at domain (requestContext.domainName).
func originEvent(headers, domain string) []byte {
	return []byte(`{"resource":"/{proxy+}","path":"/x","httpMethod":"GET","pathParameters":{"proxy":"x"},` +
		headers + `"requestContext":{"path":"/prod/x","stage":"prod","domainName":"` + domain + `"}}`)
}

func TestOriginVerification(t *testing.T) {
	tests := []struct {
		name       string
		headers    string
		source     originverify.Source
		wantStatus int
		wantBody   string
		wantLog    string
		domain     string // default stageDomain
	}{
		{name: "current value", headers: `"headers":{"X-Origin-Verify":"` + testSecret + `"},`, wantStatus: 200, wantBody: "app"},
		{name: "previous value, during a rotation", headers: `"multiValueHeaders":{"x-origin-verify":["` + testPrevious + `"]},`, wantStatus: 200, wantBody: "app"},
		{name: "no header", wantStatus: 403, wantBody: msgForbiddenOrigin + "\n", wantLog: `"reason":"no header"`},
		{name: "wrong value", headers: `"headers":{"X-Origin-Verify":"guess-0123456789abcdef"},`, wantStatus: 403, wantBody: msgForbiddenOrigin + "\n", wantLog: `"reason":"wrong value"`},
		{
			name:       "a right and a wrong spelling",
			headers:    `"multiValueHeaders":{"X-Origin-Verify":["` + testSecret + `"],"x-origin-verify":["guess-0123456789abcdef"]},`,
			wantStatus: 403, wantBody: msgForbiddenOrigin + "\n", wantLog: `"reason":"several values"`,
		},
		{name: "no header, event without a domain name", domain: "-", wantStatus: 403, wantBody: msgForbiddenOrigin + "\n", wantLog: `"reason":"no header"`},
		{name: "no header at a custom domain: a door of its own", domain: "app.example.com", wantStatus: 200, wantBody: "app"},
		{name: "spoofed header at a custom domain is still removed", headers: `"headers":{"X-Origin-Verify":"guess"},`, domain: "app.example.com", wantStatus: 200, wantBody: "app"},
		{name: "an execute-api name in upper case is the endpoint", domain: "A1B2C3D4E5.EXECUTE-API.eu-west-1.amazonaws.com", wantStatus: 403, wantBody: msgForbiddenOrigin + "\n", wantLog: `"reason":"no header"`},
		{
			name:       "secret unreadable: fail closed",
			headers:    `"headers":{"X-Origin-Verify":"` + testSecret + `"},`,
			source:     staticSecret(originverify.Values{}, errors.New("AccessDeniedException")),
			wantStatus: 503, wantBody: msgOriginUnavailable + "\n", wantLog: "AccessDeniedException",
		},
	}
	for _, tt := range tests {
		for _, stream := range []bool{false, true} {
			name := tt.name + map[bool]string{false: " (buffered)", true: " (streamed)"}[stream]
			t.Run(name, func(t *testing.T) {
				src := tt.source
				if src == nil {
					src = staticSecret(originverify.Values{Current: testSecret, Previous: testPrevious}, nil)
				}
				logs := newLogLines()
				logger := slog.New(slog.NewJSONHandler(logs, nil))
				var sawHeader []string
				app := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					sawHeader = append(sawHeader, r.Header.Values(OriginVerifyHeader)...)
					e, _ := RequestFromContext(r.Context())
					for k, v := range e.Headers {
						if strings.EqualFold(k, OriginVerifyHeader) {
							sawHeader = append(sawHeader, v)
						}
					}
					for k, vs := range e.MultiValueHeaders {
						if strings.EqualFold(k, OriginVerifyHeader) {
							sawHeader = append(sawHeader, vs...)
						}
					}
					_, _ = io.WriteString(w, "app")
				})
				h := Wrap(app, WithLogger(logger), WithResponseStreaming(stream),
					WithOriginVerifier(originverify.New(src, originverify.WithLogger(logger))))
				var status int
				var body, contentType string
				domain := cmp.Or(tt.domain, stageDomain)
				if domain == "-" {
					domain = ""
				}
				payload := originEvent(tt.headers, domain)
				if stream {
					st := decodeStreamed(t, invokeStream(t, h, payload))
					status, body, contentType = st.StatusCode, string(st.body), strings.Join(st.MultiValueHeaders["Content-Type"], ",")
				} else {
					res := invoke(t, h, payload)
					status, body, contentType = res.StatusCode, res.Body, strings.Join(res.MultiValueHeaders["Content-Type"], ",")
				}
				if status != tt.wantStatus || body != tt.wantBody {
					t.Errorf("got %d %q, want %d %q", status, body, tt.wantStatus, tt.wantBody)
				}
				if status != 200 && !strings.HasPrefix(contentType, "text/plain") {
					t.Errorf("Content-Type: got %q, want text/plain", contentType)
				}
				if len(sawHeader) != 0 {
					t.Errorf("the app saw %s: %q, want it removed", OriginVerifyHeader, sawHeader)
				}
				got := logs.waitFor(t, `"msg":"request"`)
				if !strings.Contains(got, tt.wantLog) {
					t.Errorf("log lacks %s:\n%s", tt.wantLog, got)
				}
				if strings.Contains(got, "0123456789abcdef") {
					t.Errorf("log shows a header value:\n%s", got)
				}
				if n := strings.Count(got, "\n"); tt.wantStatus != 200 && n != 2 {
					t.Errorf("got %d log lines, want the refusal and the request line:\n%s", n, got)
				}
			})
		}
	}
}

// TestOriginHeaderRemovedWithoutVerifier: the header never reaches the
// app, even when the function does not check it.
func TestOriginHeaderRemovedWithoutVerifier(t *testing.T) {
	app := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		e, _ := RequestFromContext(r.Context())
		_ = json.NewEncoder(w).Encode([]any{r.Header.Values(OriginVerifyHeader), e.Headers, e.MultiValueHeaders})
	})
	res := invoke(t, quietHandler(app), originEvent(`"headers":{"X-Origin-Verify":"s3cret","A":"1"},"multiValueHeaders":{"x-origin-verify":["s3cret"],"A":["1"]},`, stageDomain))
	if strings.Contains(res.Body, "s3cret") || !strings.Contains(res.Body, `"A"`) {
		t.Errorf("got %s, want the other headers only", res.Body)
	}
}

func TestOriginVerifierFromEnv(t *testing.T) {
	file := filepath.Join(t.TempDir(), "origin")
	if err := os.WriteFile(file, []byte(testSecret+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, arn, file string
		wantNil         bool
		wantOK          bool // the test secret passes
	}{
		{name: "neither", wantNil: true},
		{name: "file", file: file, wantOK: true},
		{name: "file wins over the ARN", arn: "arn:aws:secretsmanager:eu-west-1:123456789012:secret:x", file: file, wantOK: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv(OriginVerifySecretArnEnv, tt.arn)
			t.Setenv(OriginVerifySecretFileEnv, tt.file)
			v := originVerifierFromEnv(slog.New(slog.DiscardHandler))
			if (v == nil) != tt.wantNil {
				t.Fatalf("got verifier %v, want nil %v", v, tt.wantNil)
			}
			if v == nil {
				return
			}
			if ok, err := v.Check(context.Background(), testSecret); ok != tt.wantOK || err != nil {
				t.Errorf("got %v, %v; want %v", ok, err, tt.wantOK)
			}
		})
	}
	t.Run("ARN: Secrets Manager at AWS_ENDPOINT_URL_SECRETS_MANAGER", func(t *testing.T) {
		srv := fakeSecretsManagerServer(t)
		t.Setenv(OriginVerifySecretFileEnv, "")
		t.Setenv(OriginVerifySecretArnEnv, "arn:aws:secretsmanager:eu-west-1:123456789012:secret:origin")
		t.Setenv("AWS_ENDPOINT_URL_SECRETS_MANAGER", srv)
		t.Setenv("AWS_REGION", "eu-west-1")
		t.Setenv("AWS_ACCESS_KEY_ID", "AKIDTEST")
		t.Setenv("AWS_SECRET_ACCESS_KEY", "test")
		t.Setenv("AWS_SESSION_TOKEN", "")
		v := originVerifierFromEnv(slog.New(slog.DiscardHandler))
		for _, tc := range []struct {
			value string
			want  bool
		}{{testSecret, true}, {testPrevious, true}, {"guess", false}} {
			if ok, err := v.Check(context.Background(), tc.value); ok != tc.want || err != nil {
				t.Errorf("%s: got %v, %v; want %v", tc.value, ok, err, tc.want)
			}
		}
	})
}

// fakeSecretsManagerServer answers GetSecretValue in Secrets Manager's
// JSON protocol with testSecret (AWSCURRENT) and testPrevious
// (AWSPREVIOUS); it returns its URL.
func fakeSecretsManagerServer(tb testing.TB) string {
	tb.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var in struct{ SecretId, VersionStage string }
		if r.Header.Get("X-Amz-Target") != "secretsmanager.GetSecretValue" || json.NewDecoder(r.Body).Decode(&in) != nil {
			http.Error(w, `{"__type":"InvalidRequestException","message":"unexpected"}`, http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		values := map[string]string{"AWSCURRENT": testSecret, "AWSPREVIOUS": testPrevious}
		v, ok := values[in.VersionStage]
		if !ok {
			w.WriteHeader(http.StatusBadRequest)
			_, _ = io.WriteString(w, `{"__type":"ResourceNotFoundException","message":"no such stage"}`)
			return
		}
		_ = json.NewEncoder(w).Encode(map[string]string{"ARN": in.SecretId, "SecretString": v})
	}))
	tb.Cleanup(srv.Close)
	return srv.URL
}
