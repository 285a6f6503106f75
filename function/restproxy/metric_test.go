package restproxy

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"testing"
	"time"
)

// TestStatusMetricInRequestLine: the request line of each answer, in both
// modes, is one embedded-metric-format document whose metrics say the
// answer's class, per function name and version.
func TestStatusMetricInRequestLine(t *testing.T) {
	t.Setenv("AWS_LAMBDA_FUNCTION_NAME", "GoWebApp-prod-Web")
	t.Setenv("AWS_LAMBDA_FUNCTION_VERSION", "7")
	app := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/down":
			w.WriteHeader(http.StatusServiceUnavailable)
		case "/missing":
			w.WriteHeader(http.StatusNotFound)
		}
		_, _ = io.WriteString(w, "answer")
	})
	tests := []struct {
		path         string
		status       int
		want5, want4 float64
	}{
		{"/", 200, 0, 0},
		{"/down", 503, 1, 0},
		{"/missing", 404, 0, 1},
	}
	for _, stream := range []bool{false, true} {
		for _, tt := range tests {
			name := "buffered"
			if stream {
				name = "streaming"
			}
			t.Run(name+tt.path, func(t *testing.T) {
				var logs bytes.Buffer
				h := Wrap(app, WithLogger(slog.New(slog.NewJSONHandler(&logs, nil))), WithStatusMetrics(true), WithResponseStreaming(stream))
				before := time.Now().UnixMilli()
				payload := []byte(stageEventFor("GET", tt.path))
				if stream {
					if st := decodeStreamed(t, invokeStream(t, h, payload)); st.StatusCode != tt.status {
						t.Fatalf("status: got %d, want %d", st.StatusCode, tt.status)
					}
				} else if res := invoke(t, h, payload); res.StatusCode != tt.status {
					t.Fatalf("status: got %d, want %d", res.StatusCode, tt.status)
				}
				line := requestLine(t, logs.Bytes())
				checkEMF(t, line, before)
				if line["FunctionName"] != "GoWebApp-prod-Web" || line["FunctionVersion"] != "7" {
					t.Errorf("dimensions: got FunctionName %v, FunctionVersion %v, want GoWebApp-prod-Web, 7", line["FunctionName"], line["FunctionVersion"])
				}
				if line["5xx"] != tt.want5 || line["4xx"] != tt.want4 {
					t.Errorf("metrics: got 5xx %v, 4xx %v, want %v, %v", line["5xx"], line["4xx"], tt.want5, tt.want4)
				}
				if line["status"] != float64(tt.status) {
					t.Errorf("status in the line: got %v, want %d", line["status"], tt.status)
				}
			})
		}
	}
}

// TestStatusMetricDefault: the document is there by default only with
// Lambda's JSON log format, and WithStatusMetrics(false) or a logger of
// the app's own leave it out.
func TestStatusMetricDefault(t *testing.T) {
	ok := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {})
	tests := []struct {
		name   string
		format string
		opts   []Option
		want   bool
	}{
		{"JSON log format", "JSON", nil, true},
		{"text log format", "Text", nil, false},
		{"JSON, turned off", "JSON", []Option{WithStatusMetrics(false)}, false},
		{"own logger", "JSON", []Option{WithLogger(slog.New(slog.DiscardHandler))}, false},
		{"own logger, turned on", "", []Option{WithLogger(slog.New(slog.DiscardHandler)), WithStatusMetrics(true)}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("AWS_LAMBDA_LOG_FORMAT", tt.format)
			if got := Wrap(ok, tt.opts...).metrics != nil; got != tt.want {
				t.Errorf("metrics on: got %v, want %v", got, tt.want)
			}
		})
	}
}

func requestLine(tb testing.TB, logs []byte) map[string]any {
	tb.Helper()
	for raw := range bytes.Lines(logs) {
		var m map[string]any
		if err := json.Unmarshal(raw, &m); err != nil {
			tb.Fatalf("log line is not JSON: %v: %s", err, raw)
		}
		if m["msg"] == "request" {
			return m
		}
	}
	tb.Fatalf("no request line in %s", logs)
	return nil
}

// checkEMF checks line against CloudWatch's embedded metric format: a
// timestamp, one directive whose dimensions and metrics are members of
// the line, numbers for the metrics and strings for the dimensions.
func checkEMF(tb testing.TB, line map[string]any, notBefore int64) {
	tb.Helper()
	raw, _ := json.Marshal(line["_aws"])
	var doc struct {
		Timestamp         int64
		CloudWatchMetrics []struct {
			Namespace  string
			Dimensions [][]string
			Metrics    []struct{ Name, Unit string }
		}
	}
	if err := json.Unmarshal(raw, &doc); err != nil || len(doc.CloudWatchMetrics) != 1 {
		tb.Fatalf("_aws: got %s (%v), want one metric directive", raw, err)
	}
	if doc.Timestamp < notBefore || doc.Timestamp > time.Now().UnixMilli() {
		tb.Errorf("Timestamp: got %d, want the request's time in Unix ms (after %d)", doc.Timestamp, notBefore)
	}
	d := doc.CloudWatchMetrics[0]
	if d.Namespace != MetricNamespace {
		tb.Errorf("Namespace: got %q, want %q", d.Namespace, MetricNamespace)
	}
	if len(d.Dimensions) != 1 || !slices.Equal(d.Dimensions[0], []string{MetricFunctionDimension, MetricVersionDimension}) {
		tb.Errorf("Dimensions: got %v, want [[FunctionName FunctionVersion]]", d.Dimensions)
	}
	for _, dim := range d.Dimensions[0] {
		if _, ok := line[dim].(string); !ok {
			tb.Errorf("dimension %s: got %v, want a string member", dim, line[dim])
		}
	}
	var names []string
	for _, m := range d.Metrics {
		names = append(names, m.Name)
		if _, ok := line[m.Name].(float64); !ok || m.Unit != "Count" {
			tb.Errorf("metric %s: got value %v unit %q, want a number, Count", m.Name, line[m.Name], m.Unit)
		}
	}
	if !slices.Equal(names, []string{MetricServerErrors, MetricClientErrors}) {
		tb.Errorf("metrics: got %v, want [5xx 4xx]", names)
	}
}

// metricAllocBound is the most allocations the status metrics may add to
// a request: the document's boxed value and its encoded bytes (the JSON
// handler encodes a json.Marshaler through encoding/json).
const metricAllocBound = 3

// TestStatusMetricAllocations holds the metrics to metricAllocBound
// allocations per request over the same request without them.
func TestStatusMetricAllocations(t *testing.T) {
	app := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, "pong") })
	payload := []byte(stageEventFor("GET", "/ping"))
	allocs := func(on bool) float64 {
		h := Wrap(app, WithLogger(slog.New(slog.NewJSONHandler(io.Discard, nil))), WithStatusMetrics(on))
		return testing.AllocsPerRun(200, func() { _ = invoke(t, h, payload) })
	}
	off, on := allocs(false), allocs(true)
	t.Logf("allocations per request: %.0f without the metrics, %.0f with them", off, on)
	if on-off > metricAllocBound {
		t.Errorf("the metrics add %.0f allocations per request, want at most %d", on-off, metricAllocBound)
	}
}

// BenchmarkRequestLine is the request line alone, as Lambda's JSON log
// format writes it, without and with the status metrics: the difference
// is their cost per request.
func BenchmarkRequestLine(b *testing.B) {
	req, _ := http.NewRequest("GET", "/ping", nil)
	for _, on := range []bool{false, true} {
		h := Wrap(http.NotFoundHandler(), WithLogger(slog.New(slog.NewJSONHandler(io.Discard, nil))), WithStatusMetrics(on))
		b.Run("metrics="+map[bool]string{false: "off", true: "on"}[on], func(b *testing.B) {
			b.ReportAllocs()
			start := time.Now()
			for b.Loop() {
				_, _ = h.logged(b.Context(), req, start, "/prod/ping", slog.String("requestId", "r"), 503, 4, nil)
			}
		})
	}
}
