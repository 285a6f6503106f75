package restproxy

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"
)

func TestAcceptsGzip(t *testing.T) {
	tests := []struct {
		name   string
		values []string
		want   bool
	}{
		{name: "absent", values: nil, want: false},
		{name: "empty", values: []string{""}, want: false},
		{name: "gzip", values: []string{"gzip"}, want: true},
		{name: "browser list", values: []string{"gzip, deflate, br, zstd"}, want: true},
		{name: "upper case", values: []string{"GZIP"}, want: true},
		{name: "x-gzip", values: []string{"x-gzip"}, want: true},
		{name: "weighted", values: []string{"br;q=1.0, gzip;q=0.5"}, want: true},
		{name: "refused", values: []string{"gzip;q=0"}, want: false},
		{name: "refused with spaces", values: []string{"gzip ; q=0.000"}, want: false},
		{name: "star", values: []string{"*"}, want: true},
		{name: "star refused", values: []string{"*;q=0"}, want: false},
		{name: "gzip refused, star allowed", values: []string{"gzip;q=0, *"}, want: false},
		{name: "gzip allowed, star refused", values: []string{"*;q=0, gzip"}, want: true},
		{name: "identity only", values: []string{"identity"}, want: false},
		{name: "malformed weight", values: []string{"gzip;q=lots"}, want: false},
		{name: "weight above one", values: []string{"gzip;q=2"}, want: false},
		{name: "two header lines", values: []string{"br", "gzip"}, want: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := http.Header{"Accept-Encoding": tt.values}
			if got := AcceptsGzip(h); got != tt.want {
				t.Errorf("AcceptsGzip(%q): got %v, want %v", tt.values, got, tt.want)
			}
		})
	}
}

func TestValidPrefix(t *testing.T) {
	tests := []struct {
		prefix string
		want   bool
	}{
		{"", true},
		{"/prod", true},
		{"/shop/v1", true},
		{"/shop$1", true},
		{"/a-b_c.d~e+f!g*h'i(j)", true},
		{"/", false},
		{"prod", false},
		{"/prod/", false},
		{"//evil.example", false},
		{"/a//b", false},
		{"/./a", false},
		{"/a/..", false},
		{"/a%2Fb", false},
		{"/a b", false},
		{"/a\"b", false},
		{"/" + string(make([]byte, 256)), false},
	}
	for _, tt := range tests {
		if got := ValidPrefix(tt.prefix); got != tt.want {
			t.Errorf("ValidPrefix(%q): got %v, want %v", tt.prefix, got, tt.want)
		}
	}
}

// TestRequestLogSwitch checks that WithRequestLog(false) drops the per-request
// line and keeps error lines.
func TestRequestLogSwitch(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("/ok", func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte("ok")) })
	mux.HandleFunc("/panic", func(http.ResponseWriter, *http.Request) { panic("boom") })
	event := func(path string) []byte {
		return []byte(`{"resource":"/{proxy+}","path":"` + path + `","httpMethod":"GET","pathParameters":{"proxy":"` + path[1:] + `"},"requestContext":{"path":"/prod` + path + `","stage":"prod"}}`)
	}
	tests := []struct {
		name     string
		opts     []Option
		path     string
		wantMsgs []string
	}{
		{name: "default, success", path: "/ok", wantMsgs: []string{"request"}},
		{name: "off, success", opts: []Option{WithRequestLog(false)}, path: "/ok", wantMsgs: nil},
		{name: "off, panic", opts: []Option{WithRequestLog(false)}, path: "/panic", wantMsgs: []string{"handler panicked"}},
		{name: "on, panic", opts: []Option{WithRequestLog(true)}, path: "/panic", wantMsgs: []string{"handler panicked", "request"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			opts := append([]Option{WithLogger(slog.New(slog.NewJSONHandler(&buf, nil)))}, tt.opts...)
			if _, err := Wrap(mux, opts...).Invoke(context.Background(), event(tt.path)); err != nil {
				t.Fatal(err)
			}
			var got []string
			dec := json.NewDecoder(&buf)
			for dec.More() {
				var line struct{ Msg string }
				if err := dec.Decode(&line); err != nil {
					t.Fatal(err)
				}
				got = append(got, line.Msg)
			}
			if !slices.Equal(got, tt.wantMsgs) {
				t.Errorf("log messages: got %q, want %q", got, tt.wantMsgs)
			}
		})
	}
}

// TestDecoderKnowsEveryEventField ties the fast decoder's key list to
// aws-lambda-go's event types: an upgrade that adds or renames a field of
// the REST proxy event, its request context or its identity fails here
// until the decoder (decode.go) handles it.
func TestDecoderKnowsEveryEventField(t *testing.T) {
	var names []string
	var walk func(typ reflect.Type, path string)
	walk = func(typ reflect.Type, path string) {
		for i := range typ.NumField() {
			f := typ.Field(i)
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if name == "" || name == "-" {
				t.Errorf("%s.%s has no JSON name; the decoder cannot know it", path, f.Name)
				continue
			}
			names = append(names, name)
			// The decoder reads these objects field by field; anything else
			// nested (authorizer, clientCert) it hands whole to encoding/json.
			if ft := f.Type; ft.Kind() == reflect.Struct && (name == "requestContext" || name == "identity") {
				walk(ft, path+"."+name)
			}
		}
	}
	walk(reflect.TypeFor[events.APIGatewayProxyRequest](), "APIGatewayProxyRequest")
	for _, n := range names {
		if !slices.Contains(known, n) {
			t.Errorf("aws-lambda-go's REST proxy event has field %q, which the fast decoder does not know: read or skip it in decode.go and add it to known", n)
		}
	}
	// And no stale names: each known key is an event field or one of the
	// keys that identify other event kinds.
	for _, k := range known {
		if !slices.Contains(names, k) && !slices.Contains([]string{"version", "routeKey", "source"}, k) {
			t.Errorf("the decoder knows %q, which aws-lambda-go's event no longer has", k)
		}
	}
}

func TestPrincipalFromContext(t *testing.T) {
	tests := []struct {
		name       string
		authorizer string
		want       string
		wantOK     bool
	}{
		{name: "basic auth user", authorizer: `,"authorizer":{"principalId":"zoë","user":"zoë","integrationLatency":12}`, want: "zoë", wantOK: true},
		{name: "no authorizer", authorizer: ``, wantOK: false},
		{name: "empty principal", authorizer: `,"authorizer":{"principalId":""}`, wantOK: false},
		{name: "not a string", authorizer: `,"authorizer":{"principalId":42}`, wantOK: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got string
			var gotOK bool
			h := Wrap(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				got, gotOK = PrincipalFromContext(r.Context())
			}), WithLogger(slog.New(slog.DiscardHandler)))
			event := `{"resource":"/","path":"/","httpMethod":"GET","requestContext":{"path":"/prod/","stage":"prod"` + tt.authorizer + `}}`
			if _, err := h.Invoke(context.Background(), []byte(event)); err != nil {
				t.Fatal(err)
			}
			if got != tt.want || gotOK != tt.wantOK {
				t.Errorf("got %q, %v; want %q, %v", got, gotOK, tt.want, tt.wantOK)
			}
		})
	}
	if _, ok := PrincipalFromContext(context.Background()); ok {
		t.Error("outside Lambda: want no principal")
	}
}
