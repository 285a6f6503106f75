package restproxy

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambdacontext"

	"github.com/goapigw/webapp/internal/golden"
)

// echo answers with what the handler saw, so that tests can check the
// request conversion through the response conversion.
var echo = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	_, hasEvent := RequestFromContext(r.Context())
	w.Header().Set("Content-Type", "application/json")
	w.Header().Add("Set-Cookie", "a=1; Path=/")
	w.Header().Add("Set-Cookie", "b=2; Path=/")
	_ = json.NewEncoder(w).Encode(map[string]any{
		"method":        r.Method,
		"path":          r.URL.Path,
		"rawPath":       r.URL.RawPath,
		"requestURI":    r.RequestURI,
		"query":         r.URL.RawQuery,
		"host":          r.Host,
		"remoteAddr":    r.RemoteAddr,
		"tls":           r.TLS != nil,
		"proto":         r.Proto,
		"prefix":        PrefixFromContext(r.Context()),
		"forwarded":     r.Header.Get("X-Forwarded-Prefix"),
		"contentLength": r.ContentLength,
		"cookie":        r.Header.Get("Cookie"),
		"multi":         r.Header.Values("X-Multi"),
		"body":          string(body),
		"hasEvent":      hasEvent,
	})
})

func readFixture(tb testing.TB, name string) []byte {
	tb.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "events", name+".json"))
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

func quietHandler(h http.Handler, opts ...Option) *Handler {
	return Wrap(h, append([]Option{WithLogger(slog.New(slog.DiscardHandler))}, opts...)...)
}

func invoke(tb testing.TB, h *Handler, payload []byte) events.APIGatewayProxyResponse {
	tb.Helper()
	ctx := lambdacontext.NewContext(context.Background(), &lambdacontext.LambdaContext{AwsRequestID: "test-request"})
	out, err := h.Invoke(ctx, payload)
	if err != nil {
		tb.Fatalf("Invoke: %v", err)
	}
	var res events.APIGatewayProxyResponse
	if err := json.Unmarshal(out, &res); err != nil {
		tb.Fatalf("response is not JSON: %v\n%s", err, out)
	}
	return res
}

func decodeEcho(tb testing.TB, res events.APIGatewayProxyResponse) map[string]any {
	tb.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(res.Body), &m); err != nil {
		tb.Fatalf("body is not the echo JSON: %v\n%s", err, res.Body)
	}
	return m
}

func TestFrontDoors(t *testing.T) {
	tests := []struct {
		fixture     string
		wantPath    string
		wantRawPath string
		wantPrefix  string
		wantQuery   string
		wantHost    string
	}{
		{fixture: "stage-get", wantPath: "/a/b", wantPrefix: "/prod", wantQuery: "q=x+y&tag=1&tag=2", wantHost: "a1b2c3d4e5.execute-api.eu-west-1.amazonaws.com"},
		{fixture: "stage-root", wantPath: "/", wantPrefix: "/prod", wantHost: "a1b2c3d4e5.execute-api.eu-west-1.amazonaws.com"},
		{fixture: "custom-domain", wantPath: "/a/b", wantPrefix: "", wantHost: "app.example.com"},
		{fixture: "base-path", wantPath: "/a/b", wantPrefix: "/shop", wantHost: "example.com"},
		{fixture: "base-path-root", wantPath: "/", wantPrefix: "/shop", wantHost: "example.com"},
		{fixture: "base-path-apiary", wantPath: "/apiary", wantPrefix: "/api", wantHost: "example.com"},
		{fixture: "custom-domain-apiary", wantPath: "/apiary", wantPrefix: "", wantHost: "app.example.com"},
		{fixture: "cloudfront", wantPath: "/a/b", wantPrefix: "", wantHost: "a1b2c3d4e5.execute-api.eu-west-1.amazonaws.com"},
		{fixture: "cloudfront-spoofed-prefix", wantPath: "/a/b", wantPrefix: "/prod", wantHost: "a1b2c3d4e5.execute-api.eu-west-1.amazonaws.com"},
		{fixture: "encoded-path", wantPath: "/files/café/a/b c/", wantRawPath: "/files/caf%C3%A9/a%2Fb%20c/", wantPrefix: "/prod", wantHost: "a1b2c3d4e5.execute-api.eu-west-1.amazonaws.com"},
		{fixture: "nested-resource", wantPath: "/items/42/parts/x/y", wantRawPath: "/items/42/parts/x%2Fy", wantPrefix: "/prod", wantHost: "a1b2c3d4e5.execute-api.eu-west-1.amazonaws.com"},
		{fixture: "console-test", wantPath: "/a/b", wantPrefix: "", wantHost: "testPrefix.testDomainName"},
		{fixture: "sam-aws-proxy", wantPath: "/path/to/resource", wantPrefix: "/prod", wantQuery: "foo=bar", wantHost: "1234567890.execute-api.us-east-1.amazonaws.com"},
	}
	h := quietHandler(echo)
	for _, tt := range tests {
		t.Run(tt.fixture, func(t *testing.T) {
			res := invoke(t, h, readFixture(t, tt.fixture))
			if res.StatusCode != http.StatusOK {
				t.Fatalf("status: got %d, want 200; body %s", res.StatusCode, res.Body)
			}
			m := decodeEcho(t, res)
			for field, want := range map[string]string{
				"path": tt.wantPath, "rawPath": tt.wantRawPath, "prefix": tt.wantPrefix, "query": tt.wantQuery, "host": tt.wantHost,
			} {
				if got := m[field]; got != want {
					t.Errorf("%s: got %q, want %q", field, got, want)
				}
			}
			wantForwarded := tt.wantPrefix
			if got := m["forwarded"]; got != wantForwarded {
				t.Errorf("X-Forwarded-Prefix: got %q, want %q", got, wantForwarded)
			}
			if m["hasEvent"] != true {
				t.Error("RequestFromContext: no event in the request context")
			}
		})
	}
}

func TestGolden(t *testing.T) {
	entries, err := os.ReadDir(filepath.Join("testdata", "events"))
	if err != nil {
		t.Fatal(err)
	}
	h := quietHandler(echo)
	for _, e := range entries {
		name := strings.TrimSuffix(e.Name(), ".json")
		t.Run(name, func(t *testing.T) {
			res := invoke(t, h, readFixture(t, name))
			got, err := json.MarshalIndent(res, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, '\n')
			golden.Check(t, filepath.Join("testdata", "golden", name+".json"), got)
		})
	}
}

func TestStageRootWithoutSlashRedirects(t *testing.T) {
	tests := []struct {
		name       string
		method     string
		wantStatus int
	}{
		{name: "GET", method: "GET", wantStatus: http.StatusMovedPermanently},
		{name: "HEAD", method: "HEAD", wantStatus: http.StatusMovedPermanently},
		{name: "POST", method: "POST", wantStatus: http.StatusPermanentRedirect},
	}
	h := quietHandler(echo)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var e map[string]any
			if err := json.Unmarshal(readFixture(t, "stage-root-noslash"), &e); err != nil {
				t.Fatal(err)
			}
			e["httpMethod"] = tt.method
			payload, _ := json.Marshal(e)
			res := invoke(t, h, payload)
			if res.StatusCode != tt.wantStatus {
				t.Errorf("status: got %d, want %d", res.StatusCode, tt.wantStatus)
			}
			if got, want := res.MultiValueHeaders["Location"], []string{"/prod/?date=1993-01-01"}; !equal(got, want) {
				t.Errorf("Location: got %q, want %q", got, want)
			}
		})
	}
}

func equal(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestLocationRewrite(t *testing.T) {
	tests := []struct {
		name     string
		fixture  string
		location string
		want     string
	}{
		{name: "stage, path-absolute", fixture: "stage-get", location: "/x", want: "/prod/x"},
		{name: "stage, already prefixed", fixture: "stage-get", location: "/prod/x", want: "/prod/x"},
		{name: "stage, prefix itself", fixture: "stage-get", location: "/prod", want: "/prod"},
		{name: "stage, prefix then query", fixture: "stage-get", location: "/prod?a=1", want: "/prod?a=1"},
		{name: "stage, look-alike is not the prefix", fixture: "stage-get", location: "/production", want: "/prod/production"},
		{name: "stage, relative (http.Redirect resolves it)", fixture: "stage-get", location: "x", want: "/prod/a/x"},
		{name: "stage, absolute URL", fixture: "stage-get", location: "https://example.org/x", want: "https://example.org/x"},
		{name: "stage, scheme-relative", fixture: "stage-get", location: "//example.org/x", want: "//example.org/x"},
		{name: "stage, backslash trick", fixture: "stage-get", location: "/\\example.org", want: "/\\example.org"},
		{name: "custom domain", fixture: "custom-domain", location: "/x", want: "/x"},
		{name: "base path", fixture: "base-path", location: "/?a=b", want: "/shop/?a=b"},
		{name: "cloudfront", fixture: "cloudfront", location: "/x", want: "/x"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := quietHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				http.Redirect(w, r, tt.location, http.StatusSeeOther)
			}))
			res := invoke(t, h, readFixture(t, tt.fixture))
			if got := res.MultiValueHeaders["Location"]; len(got) != 1 || got[0] != tt.want {
				t.Errorf("Location: got %q, want %q", got, tt.want)
			}
		})
	}
}

// TestPeerRegressions covers bugs that aws-lambda-go-api-proxy and algnhsa
// have; see the package benchmarks for the side-by-side comparison.
func TestPeerRegressions(t *testing.T) {
	t.Run("no write is 200", func(t *testing.T) {
		res := invoke(t, quietHandler(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {})), readFixture(t, "stage-get"))
		if res.StatusCode != http.StatusOK || res.Body != "" {
			t.Errorf("got %d %q, want 200 with an empty body", res.StatusCode, res.Body)
		}
	})
	t.Run("write without WriteHeader is 200", func(t *testing.T) {
		res := invoke(t, quietHandler(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "<p>hi</p>") })), readFixture(t, "stage-get"))
		if res.StatusCode != http.StatusOK {
			t.Errorf("status: got %d, want 200", res.StatusCode)
		}
		if got, want := res.MultiValueHeaders["Content-Type"], []string{"text/html; charset=utf-8"}; !equal(got, want) {
			t.Errorf("sniffed Content-Type: got %q, want %q", got, want)
		}
	})
	t.Run("query order is stable", func(t *testing.T) {
		h := quietHandler(echo)
		payload := readFixture(t, "multi-value")
		first := decodeEcho(t, invoke(t, h, payload))["query"]
		if first != "a=1&a=2&b=%26%3D%2B&%C3%BC=%C3%B6" {
			t.Fatalf("query: got %q", first)
		}
		for range 20 {
			if got := decodeEcho(t, invoke(t, h, payload))["query"]; got != first {
				t.Fatalf("query changed between runs: %q then %q", first, got)
			}
		}
	})
	t.Run("every Set-Cookie kept", func(t *testing.T) {
		res := invoke(t, quietHandler(echo), readFixture(t, "stage-get"))
		if got, want := res.MultiValueHeaders["Set-Cookie"], []string{"a=1; Path=/", "b=2; Path=/"}; !equal(got, want) {
			t.Errorf("Set-Cookie: got %q, want %q", got, want)
		}
		if len(res.Headers) != 0 {
			t.Errorf("single-value headers: got %v, want none (multiValueHeaders only)", res.Headers)
		}
	})
	t.Run("multi-value headers win", func(t *testing.T) {
		m := decodeEcho(t, invoke(t, quietHandler(echo), readFixture(t, "multi-value")))
		if got := fmt.Sprint(m["multi"]); got != "[one two]" {
			t.Errorf("X-Multi: got %s, want [one two]", got)
		}
	})
}

func TestBodies(t *testing.T) {
	png := []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01")
	tests := []struct {
		name        string
		contentType string
		encoding    string
		body        []byte
		wantBase64  bool
	}{
		{name: "html", contentType: "text/html; charset=utf-8", body: []byte("<h1>café</h1>")},
		{name: "json", contentType: "application/json", body: []byte(`{"a":1}`)},
		{name: "problem json", contentType: "application/problem+json", body: []byte(`{"a":1}`)},
		{name: "javascript", contentType: "text/javascript", body: []byte("let a = 1")},
		{name: "png", contentType: "image/png", body: png, wantBase64: true},
		{name: "sniffed png", body: png, wantBase64: true},
		{name: "gzip text", contentType: "text/html", encoding: "gzip", body: []byte{0x1f, 0x8b, 0x08, 0}, wantBase64: true},
		{name: "text that is not UTF-8", contentType: "text/plain", body: []byte{0xff, 0xfe, 'a'}, wantBase64: true},
		{name: "octet stream", contentType: "application/octet-stream", body: []byte("abc"), wantBase64: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := quietHandler(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
				if tt.contentType != "" {
					w.Header().Set("Content-Type", tt.contentType)
				}
				if tt.encoding != "" {
					w.Header().Set("Content-Encoding", tt.encoding)
				}
				_, _ = w.Write(tt.body)
			}))
			res := invoke(t, h, readFixture(t, "image-get"))
			if res.IsBase64Encoded != tt.wantBase64 {
				t.Fatalf("isBase64Encoded: got %v, want %v", res.IsBase64Encoded, tt.wantBase64)
			}
			got := []byte(res.Body)
			if res.IsBase64Encoded {
				var err error
				if got, err = base64.StdEncoding.DecodeString(res.Body); err != nil {
					t.Fatal(err)
				}
			}
			if !bytes.Equal(got, tt.body) {
				t.Errorf("body: got %q, want %q", got, tt.body)
			}
		})
	}
}

func TestRequestBody(t *testing.T) {
	m := decodeEcho(t, invoke(t, quietHandler(echo), readFixture(t, "form-post")))
	if got, want := m["body"], "date=1993-01-01&note=caf%C3%A9+%26+cr%C3%A8me"; got != want {
		t.Errorf("body: got %q, want %q", got, want)
	}
	if got, want := m["contentLength"], float64(len("date=1993-01-01&note=caf%C3%A9+%26+cr%C3%A8me")); got != want {
		t.Errorf("ContentLength: got %v, want %v", got, want)
	}
	if m["method"] != "POST" || m["tls"] != true || m["remoteAddr"] != "203.0.113.7:0" {
		t.Errorf("method, tls, remoteAddr: got %v %v %v", m["method"], m["tls"], m["remoteAddr"])
	}
}

func TestHeadHasNoBody(t *testing.T) {
	res := invoke(t, quietHandler(echo), readFixture(t, "head-root"))
	if res.StatusCode != http.StatusOK || res.Body != "" {
		t.Errorf("HEAD: got %d with body %q, want 200 with none", res.StatusCode, res.Body)
	}
	if got := res.MultiValueHeaders["Content-Type"]; len(got) != 1 || got[0] != "application/json" {
		t.Errorf("HEAD keeps the headers: Content-Type got %q", got)
	}
}

func TestBadInput(t *testing.T) {
	tests := []struct {
		name     string
		payload  []byte
		wantBody string
	}{
		{name: "empty object", payload: readFixture(t, "empty"), wantBody: "httpMethod is missing"},
		{name: "scheduled event", payload: readFixture(t, "scheduled"), wantBody: `a "aws.events" event`},
		{name: "HTTP API v2", payload: readFixture(t, "http-api-v2"), wantBody: `HTTP API (payload version "2.0")`},
		{name: "array", payload: []byte(`[1,2]`), wantBody: "payload is not a JSON object"},
		{name: "string", payload: []byte(`"GET /"`), wantBody: "payload is not a JSON object"},
		{name: "null", payload: []byte(`null`), wantBody: "httpMethod is missing"},
		{name: "truncated", payload: readFixture(t, "stage-get")[:200], wantBody: "payload is not a JSON object"},
		{name: "invalid base64 body", payload: readFixture(t, "bad-base64"), wantBody: "request body is not valid base64"},
	}
	h := quietHandler(echo)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := invoke(t, h, tt.payload)
			if res.StatusCode != http.StatusBadRequest {
				t.Errorf("status: got %d, want 400", res.StatusCode)
			}
			if !strings.Contains(res.Body, tt.wantBody) {
				t.Errorf("body: got %q, want it to contain %q", res.Body, tt.wantBody)
			}
		})
	}
}

func TestPanicIsA500AndTheNextRequestWorks(t *testing.T) {
	var logs bytes.Buffer
	calls := 0
	h := Wrap(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls++
		if calls == 1 {
			panic("boom")
		}
		_, _ = io.WriteString(w, "ok")
	}), WithLogger(slog.New(slog.NewJSONHandler(&logs, nil))))
	res := invoke(t, h, readFixture(t, "stage-get"))
	if res.StatusCode != http.StatusInternalServerError || strings.Contains(res.Body, "boom") {
		t.Errorf("first: got %d %q, want 500 without the panic value", res.StatusCode, res.Body)
	}
	if !strings.Contains(logs.String(), `"panic":"boom"`) || !strings.Contains(logs.String(), `"requestId":"test-request"`) {
		t.Errorf("log lacks the panic or the request id:\n%s", logs.String())
	}
	if !strings.Contains(logs.String(), "TestPanicIsA500AndTheNextRequestWorks.func1") {
		t.Errorf("logged stack is not the handler's:\n%s", logs.String())
	}
	if res := invoke(t, h, readFixture(t, "stage-get")); res.StatusCode != http.StatusOK || res.Body != "ok" {
		t.Errorf("second: got %d %q, want 200 ok", res.StatusCode, res.Body)
	}
}

func TestTooLargeResponse(t *testing.T) {
	text := bytes.Repeat([]byte("<p>a fairly repetitive page</p>\n"), 7<<20/32)
	noise := make([]byte, 5<<20)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range noise {
		noise[i] = byte(rng.Uint32())
	}
	tests := []struct {
		name        string
		body        []byte
		contentType string
		gzipOK      bool
		wantStatus  int
		wantGzip    bool
	}{
		{name: "text, client takes gzip", body: text, contentType: "text/html", gzipOK: true, wantStatus: 200, wantGzip: true},
		{name: "text, no gzip", body: text, contentType: "text/html", wantStatus: 500},
		{name: "5 MB binary grows past the limit in base64", body: noise, contentType: "application/octet-stream", gzipOK: true, wantStatus: 500},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := quietHandler(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
				w.Header().Set("Content-Type", tt.contentType)
				_, _ = w.Write(tt.body)
			}))
			var e map[string]any
			_ = json.Unmarshal(readFixture(t, "stage-get"), &e)
			if !tt.gzipOK {
				delete(e["headers"].(map[string]any), "Accept-Encoding")
				delete(e["multiValueHeaders"].(map[string]any), "Accept-Encoding")
			}
			payload, _ := json.Marshal(e)
			out, err := h.Invoke(context.Background(), payload)
			if err != nil {
				t.Fatal(err)
			}
			if len(out) > MaxResponseBytes {
				t.Errorf("encoded response: got %d bytes, over the %d limit", len(out), MaxResponseBytes)
			}
			var res events.APIGatewayProxyResponse
			_ = json.Unmarshal(out, &res)
			if res.StatusCode != tt.wantStatus {
				t.Fatalf("status: got %d, want %d", res.StatusCode, tt.wantStatus)
			}
			if tt.wantStatus == 500 && !strings.Contains(res.Body, "too large") {
				t.Errorf("body: got %q, want it to say the response is too large", res.Body)
			}
			if tt.wantGzip {
				raw, _ := base64.StdEncoding.DecodeString(res.Body)
				zr, err := gzip.NewReader(bytes.NewReader(raw))
				if err != nil {
					t.Fatal(err)
				}
				got, _ := io.ReadAll(zr)
				if !bytes.Equal(got, tt.body) {
					t.Error("gunzipped body differs from what the handler wrote")
				}
			}
		})
	}
}

func TestTimeout(t *testing.T) {
	tests := []struct {
		name    string
		handler http.HandlerFunc
	}{
		{name: "handler that watches its context", handler: func(w http.ResponseWriter, r *http.Request) {
			<-r.Context().Done()
			http.Error(w, "cancelled", http.StatusServiceUnavailable)
		}},
		{name: "handler that ignores it", handler: func(w http.ResponseWriter, r *http.Request) {
			time.Sleep(2 * time.Second)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := quietHandler(tt.handler, WithIntegrationTimeout(600*time.Millisecond))
			start := time.Now()
			res := invoke(t, h, readFixture(t, "stage-get"))
			if res.StatusCode != http.StatusGatewayTimeout {
				t.Errorf("status: got %d, want 504", res.StatusCode)
			}
			if took := time.Since(start); took >= 600*time.Millisecond {
				t.Errorf("answered after %v, want before the 600ms integration timeout", took)
			}
		})
	}
	t.Run("lambda deadline", func(t *testing.T) {
		h := quietHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() }), WithIntegrationTimeout(0))
		ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
		defer cancel()
		out, err := h.Invoke(ctx, readFixture(t, "stage-get"))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Contains(out, []byte(`"statusCode":504`)) {
			t.Errorf("got %s, want a 504", out)
		}
		if ctx.Err() != nil {
			t.Error("answered after the Lambda deadline, want before it")
		}
	})
}

func TestLogLine(t *testing.T) {
	var logs bytes.Buffer
	h := Wrap(echo, WithLogger(slog.New(slog.NewJSONHandler(&logs, nil))))
	var e map[string]any
	_ = json.Unmarshal(readFixture(t, "multi-value"), &e)
	e["headers"].(map[string]any)["Authorization"] = "Bearer s3cr3t-token"
	payload, _ := json.Marshal(e)
	invoke(t, h, payload)
	var line map[string]any
	if err := json.Unmarshal(logs.Bytes(), &line); err != nil {
		t.Fatalf("want one JSON line, got %q: %v", logs.String(), err)
	}
	for k, want := range map[string]any{"method": "GET", "path": "/prod/cookies", "status": float64(200), "requestId": "test-request"} {
		if line[k] != want {
			t.Errorf("%s: got %v, want %v", k, line[k], want)
		}
	}
	if _, ok := line["duration_ms"]; !ok {
		t.Error("duration_ms missing")
	}
	for _, secret := range []string{"s3cr3t", "session=abc", "%26%3D", "&=+"} {
		if strings.Contains(logs.String(), secret) {
			t.Errorf("log line contains %q:\n%s", secret, logs.String())
		}
	}
}

func TestServeEvent(t *testing.T) {
	var e events.APIGatewayProxyRequest
	if err := json.Unmarshal(readFixture(t, "base-path"), &e); err != nil {
		t.Fatal(err)
	}
	res, err := quietHandler(echo).ServeEvent(context.Background(), &e)
	if err != nil {
		t.Fatal(err)
	}
	if m := decodeEcho(t, *res); m["prefix"] != "/shop" {
		t.Errorf("prefix: got %v, want /shop", m["prefix"])
	}
	res, err = quietHandler(echo).ServeEvent(context.Background(), &events.APIGatewayProxyRequest{})
	if err != nil || res.StatusCode != http.StatusBadRequest {
		t.Errorf("empty event: got %v, %v; want a 400", res, err)
	}
}

func FuzzInvoke(f *testing.F) {
	entries, _ := os.ReadDir(filepath.Join("testdata", "events"))
	for _, e := range entries {
		f.Add(readFixture(f, strings.TrimSuffix(e.Name(), ".json")))
	}
	f.Add([]byte(`{"httpMethod":"GET","resource":"/{proxy+}","path":"/%zz","requestContext":{"path":"/prod/%zz"}}`))
	f.Add([]byte(`{"httpMethod":"get","resource":"/{a}/{b+}","pathParameters":{"a":"..","b":"//x"},"path":"//x"}`))
	h := quietHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/next", http.StatusFound)
	}))
	f.Fuzz(func(t *testing.T, payload []byte) {
		out, err := h.Invoke(context.Background(), payload)
		if err != nil {
			t.Fatalf("Invoke returned an error instead of a response: %v", err)
		}
		var res events.APIGatewayProxyResponse
		if err := json.Unmarshal(out, &res); err != nil || res.StatusCode < 200 || res.StatusCode > 599 {
			t.Fatalf("not a proxy response: %s", out)
		}
		if loc := res.MultiValueHeaders["Location"]; len(loc) == 1 && strings.HasPrefix(loc[0], "//") {
			t.Fatalf("Location %q leaves the host", loc[0])
		}
	})
}

// FuzzAppendJSONString checks the hand-written string encoder against
// encoding/json: any input gives valid JSON that decodes to what
// encoding/json's own encoding decodes to.
func FuzzAppendJSONString(f *testing.F) {
	for _, s := range []string{"", "plain", "quote \" and \\ backslash", "tab\tnew\nline\r", "\x00\x1f\x7f", "café ☕", "bad \xff\xfe utf-8", "\u2028\u2029", "<script>&amp;</script>"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ours := appendJSONString(nil, s)
		var got string
		if err := json.Unmarshal(ours, &got); err != nil {
			t.Fatalf("invalid JSON %q for %q: %v", ours, s, err)
		}
		theirs, _ := json.Marshal(s)
		var want string
		_ = json.Unmarshal(theirs, &want)
		if got != want {
			t.Fatalf("%q decodes to %q, encoding/json's to %q", s, got, want)
		}
	})
}

func TestAppendResponse(t *testing.T) {
	h := http.Header{"Set-Cookie": {"a=1", "b=2"}, "Content-Type": {"text/plain"}, "X-Odd": {"tab\there \xff"}}
	tests := []struct {
		name   string
		status int
		body   []byte
		b64    bool
	}{
		{name: "text", status: 201, body: []byte("héllo \"world\"\n")},
		{name: "binary", status: 200, body: []byte{0, 1, 2, 0xff, 0xfe}, b64: true},
		{name: "empty", status: 204},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := appendResponse(nil, tt.status, h, tt.body, tt.b64)
			var res events.APIGatewayProxyResponse
			if err := json.Unmarshal(out, &res); err != nil {
				t.Fatalf("invalid JSON: %v\n%s", err, out)
			}
			body := []byte(res.Body)
			if res.IsBase64Encoded {
				body, _ = base64.StdEncoding.DecodeString(res.Body)
			}
			if res.StatusCode != tt.status || res.IsBase64Encoded != tt.b64 || !bytes.Equal(body, tt.body) {
				t.Errorf("got %d %v %q, want %d %v %q", res.StatusCode, res.IsBase64Encoded, body, tt.status, tt.b64, tt.body)
			}
			if got := res.MultiValueHeaders["Set-Cookie"]; len(got) != 2 {
				t.Errorf("Set-Cookie: got %q", got)
			}
			if got := res.MultiValueHeaders["X-Odd"]; len(got) != 1 || got[0] != "tab\there \ufffd" {
				t.Errorf("X-Odd: got %q", got)
			}
		})
	}
}

func TestProcsForMemory(t *testing.T) {
	tests := []struct {
		mb, cpus, want int
	}{
		{mb: 128, cpus: 2, want: 1},
		{mb: 1024, cpus: 2, want: 1},
		{mb: 1769, cpus: 2, want: 1},
		{mb: 1770, cpus: 2, want: 2},
		{mb: 10240, cpus: 6, want: 6},
		{mb: 10240, cpus: 2, want: 2},
		{mb: 0, cpus: 2, want: 2},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%dMB_%dcpus", tt.mb, tt.cpus), func(t *testing.T) {
			if got := procsForMemory(tt.mb, tt.cpus); got != tt.want {
				t.Errorf("got %d, want %d", got, tt.want)
			}
		})
	}
}

// usedFields is what the adapter reads of an event.
func usedFields(e *inbound) []any {
	c := e.RequestContext
	return []any{e.Resource, e.Path, e.HTTPMethod, e.Headers, e.MultiValueHeaders, e.QueryStringParameters,
		e.MultiValueQueryStringParameters, e.PathParameters, e.Body, e.IsBase64Encoded, e.Version, e.RouteKey, e.Source,
		c.Path, c.Stage, c.DomainName, c.RequestID, c.Protocol, c.ResourcePath, c.HTTPMethod, c.APIID,
		c.Identity.SourceIP, c.Identity.UserAgent, c.Authorizer["principalId"]}
}

// FuzzDecodeEvent checks the fast decoder against encoding/json: the same
// success or failure, and the same values in every field the adapter uses.
func FuzzDecodeEvent(f *testing.F) {
	entries, _ := os.ReadDir(filepath.Join("testdata", "events"))
	for _, e := range entries {
		f.Add(readFixture(f, strings.TrimSuffix(e.Name(), ".json")))
	}
	for _, s := range []string{
		`{"httpMethod":"GET","HTTPMETHOD":"POST"}`, `{"headers":{"a":"1"},"headers":{"b":"2"}}`,
		`{"path":"\ud83d\ude00 \u00e9 \/ \"q\""}`, `{"path":"\ud800"}`, `{"body":"\xff"}`, `{"isBase64Encoded":"true"}`,
		`{"requestContext":{"identity":{"sourceIp":1}}}`, `{"multiValueHeaders":{"a":null,"b":[]}}`, `null`, `[]`, `{"a":1e400}`,
		`{"path":"/a"} x`, "{\"path\":\"a\tb\"}", `{"x":01}`, `{"x":1.}`, `{"x":-}`, `{"x":[1,]}`, `{"x":{"a":1,}}`,
		`{"x":` + strings.Repeat("[", 100) + strings.Repeat("]", 100) + `}`, `{"requestContext":{"requestTimeEpoch":1.5}}`,
		`{"requestContext":{"requestTimeEpoch":-0,"authorizer":[]}}`, `{"x":tru}`, `{"x":nul}`, "\t{ }\n",
		`{"requestContext":{"authorizer":{"principalId":"zo\u00eb","user":"x","integrationLatency":3}}}`,
		`{"requestContext":{"authorizer":{"principalId":42}}}`, `{"requestContext":{"authorizer":{"principalId":"a","principalId":"b"}}}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, payload []byte) { agreesWithEncodingJSON(t, payload) })
}

func TestRequestFromContextHasTheWholeEvent(t *testing.T) {
	var e map[string]any
	_ = json.Unmarshal(readFixture(t, "stage-get"), &e)
	e["requestContext"].(map[string]any)["authorizer"] = map[string]any{"principalId": "user-1", "claims": map[string]any{"sub": "abc"}}
	e["stageVariables"] = map[string]any{"color": "blue"}
	payload, _ := json.Marshal(e)
	h := quietHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ev, ok := RequestFromContext(r.Context())
		if !ok {
			http.Error(w, "no event", 500)
			return
		}
		fmt.Fprint(w, ev.RequestContext.Authorizer["principalId"], " ", ev.StageVariables["color"], " ", ev.RequestContext.AccountID)
	}))
	if res := invoke(t, h, payload); res.Body != "user-1 blue 123456789012" {
		t.Errorf("got %q, want the authorizer, stage variables and account", res.Body)
	}
}

func TestParseForwardedPrefix(t *testing.T) {
	tests := []struct {
		header string
		want   string
		wantOK bool
	}{
		{header: "/", want: "", wantOK: true},
		{header: "/app", want: "/app", wantOK: true},
		{header: "/app/", want: "/app", wantOK: true},
		{header: " /shop/v1 ", want: "/shop/v1", wantOK: true},
		{header: ""},
		{header: "app"},
		{header: "//evil.example"},
		{header: "https://evil.example/"},
		{header: "/a/../b"},
		{header: "/./a"},
		{header: "/%2e%2e"},
		{header: "/a%2Fb"},
		{header: "/a b"},
		{header: `/a"><script>`},
		{header: "/" + strings.Repeat("a", 300)},
	}
	for _, tt := range tests {
		t.Run(tt.header, func(t *testing.T) {
			got, ok := parseForwardedPrefix(tt.header)
			if got != tt.want || ok != tt.wantOK {
				t.Errorf("got %q, %v; want %q, %v", got, ok, tt.want, tt.wantOK)
			}
		})
	}
}

func TestIntegrationTimeoutFromEnvironment(t *testing.T) {
	tests := []struct {
		value string
		want  time.Duration
	}{
		{value: "600", want: 600 * time.Millisecond},
		{value: "", want: DefaultIntegrationTimeout},
		{value: "soon", want: DefaultIntegrationTimeout},
		{value: "-5", want: DefaultIntegrationTimeout},
	}
	for _, tt := range tests {
		t.Run(tt.value, func(t *testing.T) {
			t.Setenv(IntegrationTimeoutEnv, tt.value)
			if got := Wrap(echo).timeout; got != tt.want {
				t.Errorf("timeout: got %v, want %v", got, tt.want)
			}
			if got := Wrap(echo, WithIntegrationTimeout(time.Second)).timeout; got != time.Second {
				t.Errorf("an explicit option: got %v, want 1s", got)
			}
		})
	}
}
