package restproxy

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambdacontext"
)

// streamed is a streaming answer as API Gateway reads it: the prelude
// decoded from the bytes aws-lambda-go's type produces, then the body.
type streamed struct {
	StatusCode        int                 `json:"statusCode"`
	Headers           map[string]string   `json:"headers"`
	MultiValueHeaders map[string][]string `json:"multiValueHeaders"`
	Cookies           []string            `json:"cookies"`
	body              []byte
	err               error // how the body ended, if not cleanly
}

var delimiter = make([]byte, 8)

// decodeStreamed reads r (an *events.APIGatewayProxyStreamingResponse) the
// way API Gateway does: JSON prelude, eight NUL bytes, raw body.
func decodeStreamed(tb testing.TB, r io.Reader) streamed {
	tb.Helper()
	raw, err := io.ReadAll(r)
	prelude, body, ok := bytes.Cut(raw, delimiter)
	if !ok {
		tb.Fatalf("no 8-NUL delimiter after the prelude in %q", raw[:min(len(raw), 200)])
	}
	var s streamed
	if err := json.Unmarshal(prelude, &s); err != nil {
		tb.Fatalf("prelude is not JSON: %v\n%s", err, prelude)
	}
	s.body, s.err = body, err
	return s
}

func invokeStream(tb testing.TB, h *Handler, payload []byte) *events.APIGatewayProxyStreamingResponse {
	tb.Helper()
	ctx := lambdacontext.NewContext(context.Background(), &lambdacontext.LambdaContext{AwsRequestID: "test-request"})
	res, err := h.InvokeStream(ctx, payload)
	if err != nil {
		tb.Fatalf("InvokeStream: %v", err)
	}
	if got := res.ContentType(); got != "application/vnd.awslambda.http-integration-response" {
		tb.Errorf("content type: got %q", got)
	}
	return res
}

// TestStreamingMatchesBuffered serves every fixture event in both modes with
// the same handler: status, headers and body bytes must agree.
func TestStreamingMatchesBuffered(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "events", "*.json"))
	if err != nil || len(files) < 10 {
		t.Fatalf("fixtures: %v %v", files, err)
	}
	picture := bytes.Repeat([]byte{0x89, 'P', 'N', 'G', 0, 0xff}, 1000)
	mux := http.NewServeMux()
	mux.Handle("/", echo)
	mux.HandleFunc("/assets/", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "image/png")
		_, _ = w.Write(picture)
	})
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".json")
		t.Run(name, func(t *testing.T) {
			payload := readFixture(t, name)
			buf := invoke(t, quietHandler(mux), payload)
			st := decodeStreamed(t, invokeStream(t, quietHandler(mux), payload))
			if st.err != nil {
				t.Fatalf("stream ended with %v", st.err)
			}
			want := []byte(buf.Body)
			if buf.IsBase64Encoded {
				want, _ = base64.StdEncoding.DecodeString(buf.Body)
			}
			if st.StatusCode != buf.StatusCode {
				t.Errorf("status: got %d, want %d as buffered", st.StatusCode, buf.StatusCode)
			}
			if !bytes.Equal(st.body, want) {
				t.Errorf("body: got %d bytes %q, want %d bytes as buffered", len(st.body), st.body[:min(len(st.body), 80)], len(want))
			}
			for k, vs := range buf.MultiValueHeaders {
				if got := st.MultiValueHeaders[k]; strings.Join(got, "\n") != strings.Join(vs, "\n") {
					t.Errorf("header %s: got %q, want %q", k, got, vs)
				}
			}
			if len(st.MultiValueHeaders) != len(buf.MultiValueHeaders) {
				t.Errorf("headers: got %v, want %v", st.MultiValueHeaders, buf.MultiValueHeaders)
			}
		})
	}
}

// stageEventFor is a stage-URL event for method and path.
func stageEventFor(method, path string) string {
	return `{"resource":"/{proxy+}","path":"` + path + `","httpMethod":"` + method + `","pathParameters":{"proxy":"` + strings.TrimPrefix(path, "/") +
		`"},"requestContext":{"path":"/prod` + path + `","stage":"prod"}}`
}

func TestStreamingRules(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("/go", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/there", http.StatusFound) })
	mux.HandleFunc("/quiet", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) })
	mux.HandleFunc("/early", func(w http.ResponseWriter, r *http.Request) { panic("before headers") })
	mux.HandleFunc("/late", func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, "partial")
		w.(http.Flusher).Flush()
		panic("after headers")
	})
	mux.HandleFunc("/flush", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		if err := http.NewResponseController(w).Flush(); err != nil {
			t.Errorf("ResponseController.Flush: %v", err)
		}
		_, _ = io.WriteString(w, "data: 1\n\n")
	})
	mux.HandleFunc("/sniff", func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, "<html><p>hi") })
	tests := []struct {
		name, method, path string
		wantStatus         int
		wantBody           string
		wantHeader         [2]string
		wantErr            error
	}{
		{name: "redirect gets the prefix", method: "GET", path: "/go", wantStatus: 302, wantHeader: [2]string{"Location", "/prod/there"}, wantBody: "<a href=\"/there\">Found</a>.\n\n"},
		{name: "no body", method: "GET", path: "/quiet", wantStatus: 204},
		{name: "HEAD has no body", method: "HEAD", path: "/sniff", wantStatus: 200, wantHeader: [2]string{"Content-Type", "text/html; charset=utf-8"}},
		{name: "content type sniffed", method: "GET", path: "/sniff", wantStatus: 200, wantBody: "<html><p>hi", wantHeader: [2]string{"Content-Type", "text/html; charset=utf-8"}},
		{name: "flush sends headers", method: "GET", path: "/flush", wantStatus: 200, wantBody: "data: 1\n\n", wantHeader: [2]string{"Content-Type", "text/event-stream"}},
		{name: "panic before headers", method: "GET", path: "/early", wantStatus: 500, wantBody: msgPanic + "\n"},
		{name: "panic after headers", method: "GET", path: "/late", wantStatus: 200, wantBody: "partial", wantErr: errStreamPanic},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := decodeStreamed(t, invokeStream(t, quietHandler(mux), []byte(stageEventFor(tt.method, tt.path))))
			if st.StatusCode != tt.wantStatus || string(st.body) != tt.wantBody {
				t.Errorf("got %d %q, want %d %q", st.StatusCode, st.body, tt.wantStatus, tt.wantBody)
			}
			if k := tt.wantHeader[0]; k != "" && strings.Join(st.MultiValueHeaders[k], ",") != tt.wantHeader[1] {
				t.Errorf("%s: got %q, want %q", k, st.MultiValueHeaders[k], tt.wantHeader[1])
			}
			if !errors.Is(st.err, tt.wantErr) {
				t.Errorf("end of stream: got %v, want %v", st.err, tt.wantErr)
			}
		})
	}
	t.Run("bare prefix redirect", func(t *testing.T) {
		st := decodeStreamed(t, invokeStream(t, quietHandler(mux), readFixture(t, "stage-root-noslash")))
		if st.StatusCode != 301 || st.MultiValueHeaders["Location"][0] != "/prod/?date=1993-01-01" {
			t.Errorf("got %d %v", st.StatusCode, st.MultiValueHeaders)
		}
	})
	t.Run("not a REST event", func(t *testing.T) {
		st := decodeStreamed(t, invokeStream(t, quietHandler(mux), []byte(`{"version":"2.0","routeKey":"GET /"}`)))
		if st.StatusCode != 400 || !strings.Contains(string(st.body), "HTTP API") {
			t.Errorf("got %d %q", st.StatusCode, st.body)
		}
	})
}

// TestStreamingFirstBytesBeforeTheEnd reads the first bytes while the
// handler is still running.
func TestStreamingFirstBytesBeforeTheEnd(t *testing.T) {
	release := make(chan struct{})
	h := quietHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, "first line\n")
		<-release
		_, _ = io.WriteString(w, "second line\n")
	}))
	res := invokeStream(t, h, []byte(stageEventFor("GET", "/progress")))
	// Through the prelude and its delimiter to the first body bytes.
	buf := make([]byte, 4096)
	var got []byte
	for !bytes.Contains(got, []byte("first line\n")) {
		n, err := res.Read(buf)
		if err != nil {
			t.Fatalf("read before the handler finished: %v (got %q)", err, got)
		}
		got = append(got, buf[:n]...)
	}
	close(release)
	rest, err := io.ReadAll(res)
	if err != nil || string(rest) != "second line\n" {
		t.Errorf("rest: got %q, %v", rest, err)
	}
}

func TestStreamingDeadlines(t *testing.T) {
	t.Run("before headers: 504", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			h := quietHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				<-r.Context().Done()
			}), WithIntegrationTimeout(2*time.Second))
			start := time.Now()
			st := decodeStreamed(t, invokeStream(t, h, []byte(stageEventFor("GET", "/slow"))))
			if st.StatusCode != 504 || string(st.body) != msgTimeout+"\n" {
				t.Errorf("got %d %q, want the 504", st.StatusCode, st.body)
			}
			if took := time.Since(start); took != 2*time.Second-timeoutMargin {
				t.Errorf("504 after %v, want %v", took, 2*time.Second-timeoutMargin)
			}
		})
	})
	t.Run("after headers: the stream is cut and the context cancelled", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			cancelled := make(chan struct{})
			h := quietHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				for i := 0; ; i++ {
					if _, err := io.WriteString(w, "tick\n"); err != nil {
						break
					}
					select {
					case <-r.Context().Done():
						close(cancelled)
						return
					case <-time.After(time.Second):
					}
				}
			}), WithIntegrationTimeout(10*time.Second))
			st := decodeStreamed(t, invokeStream(t, h, []byte(stageEventFor("GET", "/ticks"))))
			<-cancelled
			if !errors.Is(st.err, errStreamDeadline) {
				t.Errorf("end of stream: got %v, want the deadline error", st.err)
			}
			if n := strings.Count(string(st.body), "tick\n"); n != 10 {
				t.Errorf("ticks before the cut: got %d, want 10 (one a second for 9.75 s)", n)
			}
		})
	})
}

// TestStreamingMemoryStaysBounded streams 50 MB through a slow reader: the
// heap never holds more than a few of the handler's 64 KB writes.
func TestStreamingMemoryStaysBounded(t *testing.T) {
	const total, chunk = 50 << 20, 64 << 10
	h := quietHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/octet-stream")
		b := make([]byte, chunk)
		for sent := 0; sent < total; sent += chunk {
			if _, err := w.Write(b); err != nil {
				return
			}
		}
	}))
	runtime.GC()
	var base runtime.MemStats
	runtime.ReadMemStats(&base)
	res := invokeStream(t, h, []byte(stageEventFor("GET", "/big")))
	buf := make([]byte, 32<<10)
	var n int64
	var peak uint64
	for i := 0; ; i++ {
		m, err := res.Read(buf)
		n += int64(m)
		if i%256 == 0 {
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			peak = max(peak, ms.HeapAlloc)
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	if n < total {
		t.Fatalf("read %d bytes, want at least %d", n, total)
	}
	grew := int64(peak) - int64(base.HeapAlloc)
	if grew > 8<<20 {
		t.Errorf("heap grew by %d bytes while streaming 50 MB; want it bounded (under 8 MB)", grew)
	}
	t.Logf("streamed %d bytes; heap grew by at most %.1f MB", n, float64(grew)/(1<<20))
}

func TestStreamingModeFromTheEnvironment(t *testing.T) {
	t.Setenv(TransferModeEnv, "STREAM")
	if !Wrap(echo).Streaming() {
		t.Error("STREAM in the environment: want streaming")
	}
	t.Setenv(TransferModeEnv, "BUFFERED")
	if Wrap(echo).Streaming() {
		t.Error("BUFFERED in the environment: want buffered")
	}
	os.Unsetenv(TransferModeEnv)
	if Wrap(echo).Streaming() || !Wrap(echo, WithResponseStreaming(true)).Streaming() {
		t.Error("default buffered, WithResponseStreaming(true) streams")
	}
}
