package restproxy

import (
	"bytes"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestErrAbortHandlerIsQuiet: a handler that panics with
// http.ErrAbortHandler aborts its response on purpose, as net/http and chi
// treat it: no stack, no panic line, in either mode.
func TestErrAbortHandlerIsQuiet(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("/early", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Partial", "1")
		panic(http.ErrAbortHandler)
	})
	mux.HandleFunc("/late", func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, "partial")
		w.(http.Flusher).Flush()
		panic(http.ErrAbortHandler)
	})
	tests := []struct {
		name, path string
		stream     bool
		wantStatus int
		wantBody   string
		wantErr    error // how a stream ends
	}{
		{name: "buffered", path: "/early", wantStatus: http.StatusBadGateway, wantBody: msgAborted + "\n"},
		{name: "buffered after a write and a flush", path: "/late", wantStatus: http.StatusBadGateway, wantBody: msgAborted + "\n"},
		{name: "streamed before the headers left", path: "/early", stream: true, wantStatus: http.StatusBadGateway, wantBody: msgAborted + "\n"},
		{name: "streamed after the headers left", path: "/late", stream: true, wantStatus: http.StatusOK, wantBody: "partial", wantErr: errStreamAborted},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			logs := newLogLines()
			h := Wrap(mux, WithLogger(slog.New(slog.NewJSONHandler(logs, nil))), WithResponseStreaming(tt.stream))
			payload := []byte(stageEventFor("GET", tt.path))
			var status int
			var body string
			var header map[string][]string
			var endErr error
			if tt.stream {
				st := decodeStreamed(t, invokeStream(t, h, payload))
				status, body, header, endErr = st.StatusCode, string(st.body), st.MultiValueHeaders, st.err
			} else {
				res := invoke(t, h, payload)
				status, body, header = res.StatusCode, res.Body, res.MultiValueHeaders
			}
			if status != tt.wantStatus || body != tt.wantBody {
				t.Errorf("got %d %q, want %d %q", status, body, tt.wantStatus, tt.wantBody)
			}
			if tt.wantStatus == http.StatusBadGateway && header["X-Partial"] != nil {
				t.Errorf("got the aborted response's header X-Partial, want the adapter's answer only")
			}
			if !errors.Is(endErr, tt.wantErr) {
				t.Errorf("end of stream: got %v, want %v", endErr, tt.wantErr)
			}
			got := logs.waitFor(t, `"msg":"request"`)
			if !strings.Contains(got, `"status":`+strconv.Itoa(tt.wantStatus)) {
				t.Errorf("request line: got %s, want status %d", got, tt.wantStatus)
			}
			for _, bad := range []string{"panic", "goroutine", "abort_test.go"} {
				if strings.Contains(got, bad) {
					t.Errorf("log mentions %q, want only the request line:\n%s", bad, got)
				}
			}
			if n := strings.Count(got, "\n"); n != 1 {
				t.Errorf("got %d log lines, want the request line only:\n%s", n, got)
			}
		})
	}
}

// logLines collects a logger's JSON lines from any goroutine.
type logLines struct {
	mu    sync.Mutex
	buf   bytes.Buffer
	wrote chan struct{}
}

func newLogLines() *logLines { return &logLines{wrote: make(chan struct{}, 64)} }

func (l *logLines) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	defer func() {
		select {
		case l.wrote <- struct{}{}:
		default:
		}
	}()
	return l.buf.Write(p)
}

func (l *logLines) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// waitFor returns the lines once one contains s: a streamed request's line
// is logged when its handler goroutine ends, after the body is read.
func (l *logLines) waitFor(tb testing.TB, s string) string {
	tb.Helper()
	timeout := time.After(10 * time.Second)
	for {
		if got := l.String(); strings.Contains(got, s) {
			return got
		}
		select {
		case <-l.wrote:
		case <-timeout:
			tb.Fatalf("no log line with %s in:\n%s", s, l.String())
		}
	}
}
