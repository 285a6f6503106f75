package main

import (
	"strings"
	"testing"
	"time"
)

// TestFunctionLogLevelThroughTheStack runs slowfn with the template's
// LoggingConfig: the runner passes the level as Lambda would, the adapter
// leaves out the lines below it, and -v shows each line's level.
func TestFunctionLogLevelThroughTheStack(t *testing.T) {
	tests := []struct {
		level       string
		wantRequest bool
	}{
		{level: "INFO", wantRequest: true},
		{level: "WARN", wantRequest: false},
	}
	for _, tt := range tests {
		t.Run(tt.level, func(t *testing.T) {
			a := slowApp(false, 3*time.Second)
			a.Function.LogFormat, a.Function.LogLevel = "JSON", tt.level
			var logs lockedBuffer
			s, _ := runningWith(t, a, func(c *stackConfig) { c.Verbose, c.Log = true, &logs })
			get(t, s.StageURL+"late-panic", "")
			get(t, s.StageURL+"fast", "")
			const panicLine = "λ ERROR handler panicked panic=\"after the headers\""
			deadline := time.Now().Add(10 * time.Second)
			for !strings.Contains(logs.String(), panicLine) && time.Now().Before(deadline) {
				time.Sleep(20 * time.Millisecond) // the line crosses a pipe
			}
			out := logs.String()
			if !strings.Contains(out, panicLine) {
				t.Errorf("no %q line at %s:\n%s", panicLine, tt.level, out)
			}
			if got := strings.Contains(out, "λ INFO  request method=GET path=/prod/fast status=200"); got != tt.wantRequest {
				t.Errorf("INFO request line shown: got %v, want %v at %s:\n%s", got, tt.wantRequest, tt.level, out)
			}
			if strings.Contains(out, `"level":`) {
				t.Errorf("a raw JSON line reached the terminal, want it formatted:\n%s", out)
			}
		})
	}
}
