package restproxy

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/aws/aws-lambda-go/lambdacontext"
)

// bothModes serves payload with h buffered and streamed and returns the
// multiValueHeaders of each answer as the adapter encoded them: the proxy
// response JSON and the stream's JSON prelude.
func bothModes(tb testing.TB, h http.Handler, payload []byte) (buffered, streamedHeaders map[string][]string) {
	tb.Helper()
	ctx := lambdacontext.NewContext(context.Background(), &lambdacontext.LambdaContext{AwsRequestID: "test-request"})
	out, err := quietHandler(h).Invoke(ctx, payload)
	if err != nil {
		tb.Fatalf("Invoke: %v", err)
	}
	var res struct {
		Headers           map[string]string   `json:"headers"`
		MultiValueHeaders map[string][]string `json:"multiValueHeaders"`
	}
	if err := json.Unmarshal(out, &res); err != nil {
		tb.Fatalf("response is not JSON: %v\n%s", err, out)
	}
	if len(res.Headers) != 0 {
		tb.Errorf("buffered: got single-value headers %q, want multiValueHeaders only", res.Headers)
	}
	st := decodeStreamed(tb, invokeStream(tb, quietHandler(h, WithResponseStreaming(true)), payload))
	return res.MultiValueHeaders, st.MultiValueHeaders
}

// TestResponseHeadersAreSanitized checks the adapter's own output in both
// modes: a header value cannot add a header or split the response, and a
// field with an invalid name does not leave, as with net/http.
func TestResponseHeadersAreSanitized(t *testing.T) {
	tests := []struct {
		name   string
		set    func(h http.Header, v string)
		query  string
		key    string
		want   []string // nil: the key must be absent
		absent []string // keys that must not appear
	}{
		{
			name:   "echoed value with CRLF",
			set:    func(h http.Header, v string) { h.Set("X-Echo", v) },
			query:  "a\r\nSet-Cookie: evil=1",
			key:    "X-Echo",
			want:   []string{"a  Set-Cookie: evil=1"},
			absent: []string{"Set-Cookie"},
		},
		{
			name:  "Location with CRLF, after the prefix rewrite",
			set:   func(h http.Header, v string) { h.Set("Location", "/next"+v) },
			query: "\r\nSet-Cookie: evil=1",
			key:   "Location",
			want:  []string{"/prod/next  Set-Cookie: evil=1"},
		},
		{
			name:  "lone LF and CR, leading and trailing space trimmed",
			set:   func(h http.Header, v string) { h.Set("X-Echo", v) },
			query: "\n\t x\ry \r\n",
			key:   "X-Echo",
			want:  []string{"x y"},
		},
		{
			name: "every Set-Cookie value",
			set: func(h http.Header, v string) {
				h.Add("Set-Cookie", "a=1")
				h.Add("Set-Cookie", "b="+v)
			},
			query: "2\r\nX-Injected: 1",
			key:   "Set-Cookie",
			want:  []string{"a=1", "b=2  X-Injected: 1"},
		},
		{
			name:   "invalid name dropped",
			set:    func(h http.Header, v string) { h["X-Bad\r\nSet-Cookie: evil"] = []string{"1"} },
			key:    "X-Bad\r\nSet-Cookie: evil",
			absent: []string{"Set-Cookie"},
		},
		{
			name: "name with a space or colon dropped",
			set: func(h http.Header, v string) {
				h["X-A B"] = []string{"1"}
				h["X-A:"] = []string{"1"}
				h[""] = []string{"1"}
			},
			key:    "X-A B",
			absent: []string{"X-A:", ""},
		},
		{
			name: "valid non-canonical name kept",
			set:  func(h http.Header, v string) { h["x-lower_#"] = []string{"ok"} },
			key:  "x-lower_#",
			want: []string{"ok"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				tt.set(w.Header(), r.URL.Query().Get("v"))
				w.Header().Set("Content-Type", "text/plain")
				_, _ = io.WriteString(w, "ok")
			})
			q, _ := json.Marshal(tt.query)
			payload := []byte(`{"resource":"/{proxy+}","path":"/echo","httpMethod":"GET","pathParameters":{"proxy":"echo"},` +
				`"queryStringParameters":{"v":` + string(q) + `},"requestContext":{"path":"/prod/echo","stage":"prod"}}`)
			buffered, streamed := bothModes(t, h, payload)
			for mode, got := range map[string]map[string][]string{"buffered": buffered, "streamed": streamed} {
				if v, ok := got[tt.key]; !reflect.DeepEqual(v, tt.want) || ok != (tt.want != nil) {
					t.Errorf("%s: %q: got %q (present %v), want %q", mode, tt.key, v, ok, tt.want)
				}
				for _, k := range tt.absent {
					if v, ok := got[k]; ok {
						t.Errorf("%s: got %q: %q, want no such header", mode, k, v)
					}
				}
			}
		})
	}
}

// wireHeader is what net/http's header writer sends for h, parsed back.
func wireHeader(tb testing.TB, h http.Header) map[string][]string {
	tb.Helper()
	var b bytes.Buffer
	if err := h.Write(&b); err != nil {
		tb.Fatal(err)
	}
	out := map[string][]string{}
	for line := range strings.SplitSeq(strings.TrimSuffix(b.String(), "\r\n"), "\r\n") {
		if line == "" {
			continue
		}
		k, v, ok := strings.Cut(line, ": ")
		if !ok {
			tb.Fatalf("net/http wrote %q", line)
		}
		out[k] = append(out[k], v)
	}
	return out
}

// FuzzResponseHeaders checks both modes against net/http's own header
// writer: the same names, the same values.
func FuzzResponseHeaders(f *testing.F) {
	for _, s := range [][3]string{
		{"X-Echo", "a\r\nSet-Cookie: evil=1", " b "},
		{"Set-Cookie", "a=1\n", "\rb=2"},
		{"X-Bad Name", "1", "2"},
		{"x-lower", "\t\x00\x7f tab\t", "\r\n"},
		{"X:Colon", "v", "w"},
		{"X-Ütf8", "é", "ü"},
	} {
		f.Add(s[0], s[1], s[2])
	}
	f.Fuzz(func(t *testing.T, key, v1, v2 string) {
		if !utf8.ValidString(key) || !utf8.ValidString(v1) || !utf8.ValidString(v2) {
			return // JSON carries text: invalid UTF-8 becomes U+FFFD, as tested elsewhere
		}
		switch http.CanonicalHeaderKey(key) {
		case "Content-Type", "Content-Length", "Location", "Content-Encoding":
			return // headers the adapter itself sets or rewrites
		}
		written := http.Header{key: {v1, v2}, "Content-Type": {"text/plain"}}
		want := wireHeader(t, written)
		h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			for k, vs := range written {
				w.Header()[k] = append([]string(nil), vs...)
			}
			_, _ = io.WriteString(w, "ok")
		})
		buffered, streamed := bothModes(t, h, []byte(stageEventFor("GET", "/x")))
		if !reflect.DeepEqual(buffered, want) {
			t.Errorf("buffered: got %q, net/http writes %q", buffered, want)
		}
		if !reflect.DeepEqual(streamed, want) {
			t.Errorf("streamed: got %q, net/http writes %q", streamed, want)
		}
	})
}

// TestRequestHeaderCaseVariants serves events whose header keys differ
// only in case: the handler sees the same header on every run, whatever
// the order in which the maps are read.
func TestRequestHeaderCaseVariants(t *testing.T) {
	tests := []struct {
		name       string
		headers    string // the event's JSON fields
		wantMulti  []string
		wantPrefix string
	}{
		{
			name:      "multiValueHeaders spellings merge in key order",
			headers:   `"multiValueHeaders":{"x-multi":["c"],"X-Multi":["a","b"],"X-MULTI":["0"]}`,
			wantMulti: []string{"0", "a", "b", "c"}, wantPrefix: "/prod",
		},
		{
			name:      "headers spellings merge in key order",
			headers:   `"headers":{"x-multi":"b","X-Multi":"a"}`,
			wantMulti: []string{"a", "b"}, wantPrefix: "/prod",
		},
		{
			name:      "multiValueHeaders win over headers under any spelling",
			headers:   `"headers":{"X-Multi":"single"},"multiValueHeaders":{"x-multi":["multi"]}`,
			wantMulti: []string{"multi"}, wantPrefix: "/prod",
		},
		{
			name:      "a null multiValueHeaders entry leaves the name to headers",
			headers:   `"headers":{"x-multi":"single"},"multiValueHeaders":{"X-Multi":null}`,
			wantMulti: []string{"single"}, wantPrefix: "/prod",
		},
		{
			name:       "one forwarded prefix is honoured",
			headers:    `"multiValueHeaders":{"x-forwarded-prefix":["/app"]}`,
			wantPrefix: "/app",
		},
		{
			name:       "two spellings of the forwarded prefix are ambiguous: the event's prefix stands",
			headers:    `"multiValueHeaders":{"X-Forwarded-Prefix":["/app"],"x-forwarded-prefix":["/"]}`,
			wantPrefix: "/prod",
		},
		{
			name:       "the same in headers",
			headers:    `"headers":{"X-Forwarded-Prefix":"/","x-forwarded-prefix":"/app"}`,
			wantPrefix: "/prod",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			payload := []byte(`{"resource":"/{proxy+}","path":"/x","httpMethod":"GET","pathParameters":{"proxy":"x"},` +
				tt.headers + `,"requestContext":{"path":"/prod/x","stage":"prod"}}`)
			h := quietHandler(echo)
			// Go randomises map order: a winner picked by it shows up
			// within a few runs.
			for range 64 {
				m := decodeEcho(t, invoke(t, h, payload))
				var multi []string
				vs, _ := m["multi"].([]any)
				for _, v := range vs {
					multi = append(multi, v.(string))
				}
				if !reflect.DeepEqual(multi, tt.wantMulti) || m["prefix"] != tt.wantPrefix || m["forwarded"] != tt.wantPrefix {
					t.Fatalf("got X-Multi %q, prefix %q, X-Forwarded-Prefix %q; want %q, %q, %q",
						multi, m["prefix"], m["forwarded"], tt.wantMulti, tt.wantPrefix, tt.wantPrefix)
				}
			}
		})
	}
}
