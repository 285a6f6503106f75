package restproxy

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/lambdacontext"
)

// logHelperEnv marks the test binary run as TestLogHelperProcess's child.
const logHelperEnv = "RESTPROXY_LOG_HELPER"

// TestLogHelperProcess is not a test: run by TestDefaultLoggerFollowsLambda
// in a process of its own (aws-lambda-go reads the log variables once, at
// start), it serves one good request and one that panics through the
// default logger, which writes to standard output.
func TestLogHelperProcess(t *testing.T) {
	if os.Getenv(logHelperEnv) != "1" {
		return // not a skip: nothing is missing, the work is in the child
	}
	h := Wrap(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/cookies") {
			panic("boom")
		}
		_, _ = io.WriteString(w, "ok")
	}))
	ctx := lambdacontext.NewContext(context.Background(), &lambdacontext.LambdaContext{AwsRequestID: "req-42"})
	for _, fixture := range []string{"stage-get", "multi-value"} {
		if _, err := h.Invoke(ctx, readFixture(t, fixture)); err != nil {
			t.Fatal(err)
		}
	}
}

// TestDefaultLoggerFollowsLambda runs the adapter's default logger under
// the variables Lambda sets from the function's LoggingConfig.
func TestDefaultLoggerFollowsLambda(t *testing.T) {
	tests := []struct {
		name        string
		env         []string // AWS_LAMBDA_LOG_* as Lambda sets them
		wantJSON    bool
		wantRequest bool // the INFO access line
	}{
		{name: "text by default", env: nil, wantJSON: false, wantRequest: true},
		{name: "JSON at INFO", env: []string{"AWS_LAMBDA_LOG_FORMAT=JSON", "AWS_LAMBDA_LOG_LEVEL=INFO"}, wantJSON: true, wantRequest: true},
		{name: "JSON at WARN", env: []string{"AWS_LAMBDA_LOG_FORMAT=JSON", "AWS_LAMBDA_LOG_LEVEL=WARN"}, wantJSON: true, wantRequest: false},
		{name: "text at WARN", env: []string{"AWS_LAMBDA_LOG_FORMAT=TEXT", "AWS_LAMBDA_LOG_LEVEL=WARN"}, wantJSON: false, wantRequest: false},
		{name: "JSON at DEBUG", env: []string{"AWS_LAMBDA_LOG_FORMAT=JSON", "AWS_LAMBDA_LOG_LEVEL=DEBUG"}, wantJSON: true, wantRequest: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lines := runLogHelper(t, tt.env)
			var request, panicked int
			for _, line := range lines {
				if tt.wantJSON {
					var m map[string]any
					if err := json.Unmarshal([]byte(line), &m); err != nil {
						t.Errorf("line is not JSON: %q", line)
						continue
					}
					if m["requestId"] != "req-42" || m["timestamp"] == nil {
						t.Errorf("line lacks requestId req-42 or the timestamp: %q", line)
					}
					switch {
					case m["message"] == "request" && m["level"] == "INFO":
						request++
						if m["_aws"] == nil {
							t.Errorf("JSON request line without the status metrics' _aws document: %q", line)
						}
					case m["message"] == "handler panicked" && m["level"] == "ERROR":
						panicked++
					}
					continue
				}
				if strings.Contains(line, "_aws") {
					t.Errorf("text line carries a metric document nothing reads: %q", line)
				}
				if strings.HasPrefix(line, "{") {
					t.Errorf("got a JSON line, want text: %q", line)
				}
				if !strings.Contains(line, "requestId=req-42") {
					t.Errorf("line lacks requestId=req-42: %q", line)
				}
				switch {
				case strings.Contains(line, "level=INFO message=request "):
					request++
				case strings.Contains(line, `level=ERROR message="handler panicked"`):
					panicked++
				}
			}
			want := 0
			if tt.wantRequest {
				want = 2 // a panic's 500 gets its access line too
			}
			if request != want {
				t.Errorf("INFO request lines: got %d, want %d\n%s", request, want, strings.Join(lines, "\n"))
			}
			if panicked != 1 {
				t.Errorf("ERROR panic lines: got %d, want 1\n%s", panicked, strings.Join(lines, "\n"))
			}
		})
	}
}

// runLogHelper runs TestLogHelperProcess with env and returns the log
// lines it wrote: its standard output without the test runner's own.
func runLogHelper(tb testing.TB, env []string) []string {
	tb.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestLogHelperProcess$", "-test.count=1")
	cmd.Env = append([]string{logHelperEnv + "=1"}, env...)
	cmd.Stderr = io.Discard
	out, err := cmd.Output()
	if err != nil {
		tb.Fatalf("helper process: %v\n%s", err, out)
	}
	var lines []string
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		if line != "PASS" && !strings.HasPrefix(line, "ok ") && line != "" {
			lines = append(lines, line)
		}
	}
	return lines
}
