package basicauth

import (
	"log/slog"
	"time"
)

// The refresh-failure metric: every failed read or refused parse of the
// secret is one log line in CloudWatch's embedded metric format, which
// CloudWatch Logs turns into a data point without an API call. The
// lambdaweb construct's Monitoring alarms on its Sum.
const (
	MetricNamespace       = "WebApp/BasicAuth"
	MetricRefreshFailures = "SecretRefreshFailures" // Count, 1 per failed refresh
	MetricDimension       = "FunctionName"          // the authorizer function's name
)

// emf is the "_aws" member of an embedded-metric-format log line.
type emf struct {
	Timestamp         int64          `json:"Timestamp"` // milliseconds since the epoch
	CloudWatchMetrics []emfDirective `json:"CloudWatchMetrics"`
}

type emfDirective struct {
	Namespace  string      `json:"Namespace"`
	Dimensions [][]string  `json:"Dimensions"`
	Metrics    []emfMetric `json:"Metrics"`
}

type emfMetric struct {
	Name string `json:"Name"`
	Unit string `json:"Unit"`
}

// refreshFailureMetric is the attributes that make a JSON log line one
// data point of the refresh-failure metric.
func refreshFailureMetric(at time.Time, function string) []slog.Attr {
	return []slog.Attr{
		slog.Any("_aws", emf{Timestamp: at.UnixMilli(), CloudWatchMetrics: []emfDirective{{
			Namespace:  MetricNamespace,
			Dimensions: [][]string{{MetricDimension}},
			Metrics:    []emfMetric{{Name: MetricRefreshFailures, Unit: "Count"}},
		}}}),
		slog.String(MetricDimension, function),
		slog.Int(MetricRefreshFailures, 1),
	}
}
