package main

import (
	"slices"
	"testing"

	"github.com/goapigw/webapp/infra/assembly"
)

func TestFunctionLine(t *testing.T) {
	tests := []struct {
		name, line, want string
	}{
		{name: "adapter's request line",
			line: `{"timestamp":"2026-01-02T03:04:05.678Z","level":"INFO","message":"request","method":"GET","path":"/prod/","status":200,"bytes":1234,"duration_ms":1.5,"requestId":"8f1c"}`,
			want: `INFO  request method=GET path=/prod/ status=200 bytes=1234 duration_ms=1.5 requestId=8f1c`},
		{name: "error with a spaced value",
			line: `{"timestamp":"2026-01-02T03:04:05Z","level":"ERROR","message":"handler panicked","panic":"index out of range","requestId":"8f1c"}`,
			want: `ERROR handler panicked panic="index out of range" requestId=8f1c`},
		{name: "a stack below the line",
			line: `{"level":"ERROR","message":"handler panicked","stack":"goroutine 8 [running]:\nmain.f()\n","requestId":"8f1c"}`,
			want: "ERROR handler panicked requestId=8f1c\n    stack:\n\tgoroutine 8 [running]:\n\tmain.f()"},
		{name: "warn, lower-case level, msg key, nested value",
			line: `{"time":"x","level":"warn","msg":"slow","_aws":{"a": [1, 2]}}`,
			want: `WARN  slow _aws={"a":[1,2]}`},
		{name: "text line", line: `time=2026-01-02T03:04:05Z level=INFO message=request`, want: `time=2026-01-02T03:04:05Z level=INFO message=request`},
		{name: "JSON without a level", line: `{"message":"hi"}`, want: `{"message":"hi"}`},
		{name: "broken JSON", line: `{"level":"INFO","message":`, want: `{"level":"INFO","message":`},
		{name: "JSON array", line: `[1,2]`, want: `[1,2]`},
		{name: "a RIE line", line: `START RequestId: 8f1c Version: $LATEST`, want: `START RequestId: 8f1c Version: $LATEST`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := functionLine(tt.line); got != tt.want {
				t.Errorf("got  %q\nwant %q", got, tt.want)
			}
		})
	}
}

func TestLogEnv(t *testing.T) {
	tests := []struct {
		name string
		fn   assembly.Function
		want []string
	}{
		{name: "JSON at WARN", fn: assembly.Function{LogFormat: "JSON", LogLevel: "WARN"},
			want: []string{"AWS_LAMBDA_LOG_FORMAT=JSON", "AWS_LAMBDA_LOG_LEVEL=WARN"}},
		{name: "JSON, level left out", fn: assembly.Function{LogFormat: "JSON"},
			want: []string{"AWS_LAMBDA_LOG_FORMAT=JSON", "AWS_LAMBDA_LOG_LEVEL=INFO"}},
		{name: "text", fn: assembly.Function{LogFormat: "Text"}, want: nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := logEnv(tt.fn); !slices.Equal(got, tt.want) {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}
