//go:build !race

// The race detector allocates on its own; allocation counts are measured
// without it.

package restproxy

import (
	"io"
	"log/slog"
	"net/http"
	"testing"
)

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
