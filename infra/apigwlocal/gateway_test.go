package apigwlocal

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/goapigw/webapp/function/restproxy"
)

func fixture(tb testing.TB, name string) *events.APIGatewayProxyRequest {
	tb.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "function", "restproxy", "testdata", "events", name+".json"))
	if err != nil {
		tb.Fatal(err)
	}
	var e events.APIGatewayProxyRequest
	if err := json.Unmarshal(b, &e); err != nil {
		tb.Fatal(err)
	}
	return &e
}

// TestEventsMatchAdapterFixtures checks that the emulator builds, for the
// request a viewer makes, the same routing fields as the adapter's fixture
// for that front door: one builds what the other reads.
func TestEventsMatchAdapterFixtures(t *testing.T) {
	tests := []struct {
		fixture string
		cfg     Config
		target  string
	}{
		{fixture: "stage-get", cfg: Config{StageURL: true}, target: "/prod/a/b?q=x+y&tag=1&tag=2"},
		{fixture: "stage-root", cfg: Config{StageURL: true}, target: "/prod/"},
		{fixture: "stage-root-noslash", cfg: Config{StageURL: true}, target: "/prod?date=1993-01-01"},
		{fixture: "custom-domain", cfg: Config{}, target: "/a/b"},
		{fixture: "base-path", cfg: Config{BasePath: "shop"}, target: "/shop/a/b"},
		{fixture: "base-path-root", cfg: Config{BasePath: "shop"}, target: "/shop/"},
		{fixture: "base-path-apiary", cfg: Config{BasePath: "api"}, target: "/api/apiary"},
		{fixture: "encoded-path", cfg: Config{StageURL: true}, target: "/prod/files/caf%C3%A9/a%2Fb%20c/"},
		{fixture: "image-get", cfg: Config{StageURL: true}, target: "/prod/assets/arch.png"},
	}
	for _, tt := range tests {
		t.Run(tt.fixture, func(t *testing.T) {
			want := fixture(t, tt.fixture)
			g := New(nil, tt.cfg)
			r := httptest.NewRequest(want.HTTPMethod, tt.target, nil)
			got, err := g.Event(r, "00000000-0000-0000-0000-000000000000")
			if err != nil {
				t.Fatal(err)
			}
			for _, f := range []struct {
				name      string
				got, want any
			}{
				{"path", got.Path, want.Path},
				{"requestContext.path", got.RequestContext.Path, want.RequestContext.Path},
				{"resource", got.Resource, want.Resource},
				{"pathParameters", got.PathParameters, want.PathParameters},
				{"multiValueQueryStringParameters", got.MultiValueQueryStringParameters, want.MultiValueQueryStringParameters},
				{"stage", got.RequestContext.Stage, want.RequestContext.Stage},
				// The adapter tells the doors apart by it (origin verification).
				{"requestContext.domainName at the execute-api endpoint", executeAPI(got.RequestContext.DomainName), executeAPI(want.RequestContext.DomainName)},
			} {
				if !reflect.DeepEqual(f.got, f.want) {
					t.Errorf("%s: got %#v, want %#v", f.name, f.got, f.want)
				}
			}
		})
	}
}

func TestGatewayAnswers(t *testing.T) {
	quiet := restproxy.WithLogger(slog.New(slog.DiscardHandler))
	png := []byte("\x89PNG\r\n\x1a\n\x00binary\xff")
	mux := http.NewServeMux()
	mux.HandleFunc("/img", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "image/png")
		_, _ = w.Write(png)
	})
	mux.HandleFunc("/echo", func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		_, _ = w.Write(b)
	})
	mux.HandleFunc("/where", func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, r.URL.Path+" "+restproxy.PrefixFromContext(r.Context()))
	})
	fn := restproxy.Wrap(mux, quiet, restproxy.WithIntegrationTimeout(0))

	tests := []struct {
		name       string
		cfg        Config
		inv        Invoker
		method     string
		target     string
		body       []byte
		wantStatus int
		wantBody   []byte
	}{
		{name: "stage door", cfg: Config{StageURL: true}, method: "GET", target: "/prod/where", wantStatus: 200, wantBody: []byte("/where /prod")},
		{name: "base path door", cfg: Config{BasePath: "shop"}, method: "GET", target: "/shop/where", wantStatus: 200, wantBody: []byte("/where /shop")},
		{name: "custom domain door", cfg: Config{}, method: "GET", target: "/where", wantStatus: 200, wantBody: []byte("/where ")},
		{name: "outside the stage", cfg: Config{StageURL: true}, method: "GET", target: "/other/where", wantStatus: 403, wantBody: []byte(`{"message":"Forbidden"}`)},
		{name: "stage look-alike", cfg: Config{StageURL: true}, method: "GET", target: "/production", wantStatus: 403, wantBody: []byte(`{"message":"Forbidden"}`)},
		{name: "outside the base path", cfg: Config{BasePath: "shop"}, method: "GET", target: "/where", wantStatus: 403, wantBody: []byte(`{"message":"Forbidden"}`)},
		{name: "no matching resource", cfg: Config{StageURL: true, Resources: []string{"/"}}, method: "GET", target: "/prod/where", wantStatus: 403, wantBody: []byte(`{"message":"Missing Authentication Token"}`)},
		{name: "binary response is decoded", cfg: Config{StageURL: true}, method: "GET", target: "/prod/img", wantStatus: 200, wantBody: png},
		{name: "binary request body", cfg: Config{StageURL: true, BinaryMediaTypes: []string{"*/*"}}, method: "POST", target: "/prod/echo", body: png, wantStatus: 200, wantBody: png},
		{name: "text request body", cfg: Config{StageURL: true}, method: "POST", target: "/prod/echo", body: []byte("a=b"), wantStatus: 200, wantBody: []byte("a=b")},
		{name: "integration timeout", cfg: Config{StageURL: true, IntegrationTimeout: 200 * time.Millisecond}, inv: invokerFunc(func(ctx context.Context, _ []byte) ([]byte, error) {
			<-ctx.Done() // a function that outlives the gateway's patience
			return nil, ctx.Err()
		}), method: "GET", target: "/prod/slow", wantStatus: 504, wantBody: []byte(`{"message":"Endpoint request timed out"}`)},
		{name: "function error", cfg: Config{StageURL: true}, inv: invokerFunc(func(context.Context, []byte) ([]byte, error) {
			return []byte(`{"errorMessage":"boom","errorType":"Runtime.ExitError"}`), nil
		}), method: "GET", target: "/prod/", wantStatus: 502, wantBody: []byte(`{"message":"Internal server error"}`)},
		{name: "malformed response", cfg: Config{StageURL: true}, inv: invokerFunc(func(context.Context, []byte) ([]byte, error) {
			return []byte(`not json`), nil
		}), method: "GET", target: "/prod/", wantStatus: 502, wantBody: []byte(`{"message":"Internal server error"}`)},
		{name: "invoke fails", cfg: Config{StageURL: true}, inv: invokerFunc(func(context.Context, []byte) ([]byte, error) {
			return nil, errors.New("connection refused")
		}), method: "GET", target: "/prod/", wantStatus: 502, wantBody: []byte(`{"message":"Internal server error"}`)},
		{name: "Lambda throttles", cfg: Config{StageURL: true}, inv: invokerFunc(func(context.Context, []byte) ([]byte, error) {
			return nil, fmt.Errorf("invoke: %w", errThrottled{})
		}), method: "GET", target: "/prod/", wantStatus: 500, wantBody: []byte(`{"message":"Internal server error"}`)},
		{name: "request over 10 MB", cfg: Config{StageURL: true}, method: "POST", target: "/prod/echo", body: bytes.Repeat([]byte("a"), MaxRequestBytes+1), wantStatus: 413, wantBody: []byte(`{"message":"Request Too Long"}`)},
		{name: "event over 6 MB", cfg: Config{StageURL: true}, method: "POST", target: "/prod/echo", body: bytes.Repeat([]byte("a"), 7<<20), wantStatus: 413, wantBody: []byte(`{"message":"Request Too Long"}`)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inv := tt.inv
			if inv == nil {
				inv = fn
			}
			var seen []Invocation
			tt.cfg.OnInvoke = func(i Invocation) { seen = append(seen, i) }
			g := New(inv, tt.cfg)
			rec := httptest.NewRecorder()
			g.ServeHTTP(rec, httptest.NewRequest(tt.method, tt.target, bytes.NewReader(tt.body)))
			if rec.Code != tt.wantStatus {
				t.Errorf("status: got %d, want %d", rec.Code, tt.wantStatus)
			}
			if !bytes.Equal(rec.Body.Bytes(), tt.wantBody) {
				t.Errorf("body: got %q, want %q", truncate(rec.Body.String()), truncate(string(tt.wantBody)))
			}
			if len(seen) != 1 || seen[0].Status != tt.wantStatus {
				t.Errorf("OnInvoke: got %+v, want one call with status %d", seen, tt.wantStatus)
			}
		})
	}
}

func truncate(s string) string {
	if len(s) > 80 {
		return s[:80] + "…"
	}
	return s
}

type invokerFunc func(context.Context, []byte) ([]byte, error)

func (f invokerFunc) Invoke(ctx context.Context, p []byte) ([]byte, error) { return f(ctx, p) }

func TestMatch(t *testing.T) {
	resources := []string{"/", "/{proxy+}", "/items/{id}", "/items/new"}
	tests := []struct {
		path       string
		wantRes    string
		wantParams map[string]string
	}{
		{path: "/", wantRes: "/"},
		{path: "/a", wantRes: "/{proxy+}", wantParams: map[string]string{"proxy": "a"}},
		{path: "/a/b/", wantRes: "/{proxy+}", wantParams: map[string]string{"proxy": "a/b/"}},
		{path: "/items/7", wantRes: "/items/{id}", wantParams: map[string]string{"id": "7"}},
		{path: "/items/new", wantRes: "/items/new"},
		{path: "/items/7/x", wantRes: "/{proxy+}", wantParams: map[string]string{"proxy": "items/7/x"}},
	}
	for _, tt := range tests {
		t.Run(strings.ReplaceAll(tt.path, "/", "_"), func(t *testing.T) {
			res, params, ok := match(resources, tt.path)
			if !ok || res != tt.wantRes || !reflect.DeepEqual(params, tt.wantParams) {
				t.Errorf("got %q %v %v, want %q %v", res, params, ok, tt.wantRes, tt.wantParams)
			}
		})
	}
}

// TestInvocationPathHasNoQuery: what the access log prints leaves out the
// query string, where tokens and personal data travel.
func TestInvocationPathHasNoQuery(t *testing.T) {
	ok := invokerFunc(func(context.Context, []byte) ([]byte, error) { return []byte(`{"statusCode":200}`), nil })
	tests := []struct{ target, want string }{
		{"/prod/where?token=s3cret&x=1", "/prod/where"},
		{"/prod/a%20b?email=a%40b.example", "/prod/a%20b"},
		{"/prod/?", "/prod/"},
		{"/prod/plain", "/prod/plain"},
	}
	for _, tt := range tests {
		t.Run(tt.target, func(t *testing.T) {
			var got string
			g := New(ok, Config{StageURL: true, OnInvoke: func(i Invocation) { got = i.Path }})
			g.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", tt.target, nil))
			if got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func executeAPI(domain string) bool { return strings.Contains(domain, ".execute-api.") }

// errThrottled is a runtime's throttle error, as lambdalocal.ErrThrottled
// is: known by its Throttled method.
type errThrottled struct{}

func (errThrottled) Error() string   { return "TooManyRequestsException: Rate Exceeded." }
func (errThrottled) Throttled() bool { return true }

// throttledStream is a StreamInvoker whose every invocation is throttled.
type throttledStream struct{}

func (throttledStream) Invoke(context.Context, []byte) ([]byte, error) { return nil, errThrottled{} }
func (throttledStream) InvokeStream(context.Context, []byte) (io.ReadCloser, error) {
	return nil, errThrottled{}
}

// TestThrottledInvocation: when Lambda throttles, API Gateway answers 500
// {"message":"Internal server error"} in both transfer modes, and the
// invocation's error says why.
func TestThrottledInvocation(t *testing.T) {
	for _, streaming := range []bool{false, true} {
		t.Run(fmt.Sprintf("streaming=%v", streaming), func(t *testing.T) {
			var seen Invocation
			g := New(throttledStream{}, Config{StageURL: true, Streaming: streaming, OnInvoke: func(i Invocation) { seen = i }})
			w := httptest.NewRecorder()
			g.ServeHTTP(w, httptest.NewRequest("GET", "/prod/x", nil))
			if w.Code != 500 || w.Body.String() != `{"message":"Internal server error"}` {
				t.Errorf("got %d %s, want 500 {\"message\":\"Internal server error\"}", w.Code, w.Body.String())
			}
			if !Throttled(seen.Err) {
				t.Errorf("the invocation's error %v does not say it was throttled", seen.Err)
			}
		})
	}
	if Throttled(errors.New("TooManyRequestsException")) {
		t.Error("an error without a Throttled method counts as throttled")
	}
}
