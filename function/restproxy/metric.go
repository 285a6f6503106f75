package restproxy

import (
	"log/slog"
	"os"
	"strconv"
	"time"
)

// The status metrics: every request line carries a CloudWatch
// embedded-metric-format document, so CloudWatch Logs turns the line into
// one data point of each metric below, per function version, with no API
// call and nothing added to the response's path but the bytes of the line.
const (
	MetricNamespace    = "WebApp/Requests"
	MetricServerErrors = "5xx" // 1 for an answer of 500 to 599, else 0 (Unit Count)
	MetricClientErrors = "4xx" // 1 for an answer of 400 to 499, else 0 (Unit Count)
	// MetricFunctionDimension and MetricVersionDimension are the metrics'
	// dimensions: the function's name and the version that answered
	// (AWS_LAMBDA_FUNCTION_VERSION: "$LATEST" unless invoked through a
	// version or an alias).
	MetricFunctionDimension = "FunctionName"
	MetricVersionDimension  = "FunctionVersion"
)

// Each metric is 0 or 1 per request, so its statistics answer the
// questions a deployment asks of one version: Average is the share of
// requests in the class, Sum their count, SampleCount the requests.

// WithStatusMetrics turns the status metrics in the request line on or
// off. They need the line to be JSON (CloudWatch extracts metrics from
// JSON log lines only) and the request log on ([WithRequestLog]).
// Default: on when the default logger writes JSON, that is when Lambda
// set AWS_LAMBDA_LOG_FORMAT=JSON (the lambdaweb construct's LoggingConfig),
// and off otherwise, so a text log never carries a document nothing reads.
func WithStatusMetrics(on bool) Option {
	return func(h *Handler) { h.metricsSet, h.metricsOn = true, on }
}

// statusMetrics holds what is the same in every document: its fixed JSON
// after the timestamp, and the dimension attributes.
type statusMetrics struct {
	tail     []byte // the directive: `,"CloudWatchMetrics":[…]}`
	function slog.Attr
	version  slog.Attr
}

func newStatusMetrics() *statusMetrics {
	tail := `,"CloudWatchMetrics":[{"Namespace":` + strconv.Quote(MetricNamespace) +
		`,"Dimensions":[[` + strconv.Quote(MetricFunctionDimension) + `,` + strconv.Quote(MetricVersionDimension) + `]]` +
		`,"Metrics":[{"Name":` + strconv.Quote(MetricServerErrors) + `,"Unit":"Count"},{"Name":` + strconv.Quote(MetricClientErrors) + `,"Unit":"Count"}]}]}`
	return &statusMetrics{
		tail:     []byte(tail),
		function: slog.String(MetricFunctionDimension, envOr("AWS_LAMBDA_FUNCTION_NAME", "local")),
		version:  slog.String(MetricVersionDimension, envOr("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")),
	}
}

func envOr(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}

// emfDoc is the "_aws" member of one line.
type emfDoc struct {
	at   int64 // Unix milliseconds
	tail []byte
}

// MarshalJSON writes the document without reflection.
func (d emfDoc) MarshalJSON() ([]byte, error) {
	b := make([]byte, 0, len(`{"Timestamp":`)+20+len(d.tail))
	b = append(b, `{"Timestamp":`...)
	b = strconv.AppendInt(b, d.at, 10)
	return append(b, d.tail...), nil
}

// appendAttrs adds the document, its dimensions and the metrics of status
// to attrs.
func (m *statusMetrics) appendAttrs(attrs []slog.Attr, at time.Time, status int) []slog.Attr {
	return append(attrs,
		slog.Any("_aws", emfDoc{at: at.UnixMilli(), tail: m.tail}),
		m.function, m.version,
		slog.Int(MetricServerErrors, classOf(status, 5)),
		slog.Int(MetricClientErrors, classOf(status, 4)),
	)
}

// classOf is 1 when status is in class c (4 for 4xx), else 0.
func classOf(status, c int) int {
	if status/100 == c {
		return 1
	}
	return 0
}
