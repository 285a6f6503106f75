//lint:file-ignore SA1019 tests that the deprecated escape-hatch fields still work.

package lambdaweb_test

import (
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/jsii-runtime-go"

	"github.com/goapigw/webapp/infra/lambdaweb"
)

// TestLoggingConfig checks the functions' LoggingConfig: JSON with the
// LogLevel prop as the application level, and the escape hatch's fields
// replacing the construct's.
func TestLoggingConfig(t *testing.T) {
	tests := []struct {
		name  string
		props *lambdaweb.WebAppProps
		want  map[string]any // the function's LoggingConfig
	}{
		{name: "default", props: nil,
			want: map[string]any{"LogFormat": "JSON", "ApplicationLogLevel": "INFO", "SystemLogLevel": "INFO"}},
		{name: "LogLevel", props: &lambdaweb.WebAppProps{LogLevel: awslambda.ApplicationLogLevel_WARN},
			want: map[string]any{"LogFormat": "JSON", "ApplicationLogLevel": "WARN", "SystemLogLevel": "INFO"}},
		{name: "escape hatch levels win", props: &lambdaweb.WebAppProps{LogLevel: awslambda.ApplicationLogLevel_WARN,
			FunctionProps: &awslambda.FunctionProps{ApplicationLogLevelV2: awslambda.ApplicationLogLevel_DEBUG, SystemLogLevelV2: awslambda.SystemLogLevel_WARN}},
			want: map[string]any{"LogFormat": "JSON", "ApplicationLogLevel": "DEBUG", "SystemLogLevel": "WARN"}},
		{name: "escape hatch text format drops the levels", props: &lambdaweb.WebAppProps{
			FunctionProps: &awslambda.FunctionProps{LoggingFormat: awslambda.LoggingFormat_TEXT}},
			want: map[string]any{"LogFormat": "Text"}},
		{name: "deprecated string fields replace their twins", props: &lambdaweb.WebAppProps{
			FunctionProps: &awslambda.FunctionProps{LogFormat: jsii.String("JSON"), ApplicationLogLevel: jsii.String("ERROR")}},
			want: map[string]any{"LogFormat": "JSON", "ApplicationLogLevel": "ERROR", "SystemLogLevel": "INFO"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tmpl, _, _ := synth(t, stackOptions{}, func(awscdk.Stack) *lambdaweb.WebAppProps { return tt.props })
			hasResource(t, tmpl, "AWS::Lambda::Function", match(map[string]any{"LoggingConfig": tt.want}))
		})
	}

	t.Run("basic-auth authorizer", func(t *testing.T) {
		tmpl, _, _ := synth(t, stackOptions{}, func(awscdk.Stack) *lambdaweb.WebAppProps {
			return &lambdaweb.WebAppProps{LogLevel: awslambda.ApplicationLogLevel_ERROR, BasicAuth: &lambdaweb.BasicAuthProps{}}
		})
		fns := assertions.Template_FromJSON(&tmpl, nil).FindResources(jsii.String("AWS::Lambda::Function"), match(map[string]any{
			"Properties": map[string]any{"LoggingConfig": map[string]any{"LogFormat": "JSON", "ApplicationLogLevel": "ERROR", "SystemLogLevel": "INFO"}},
		}))
		if got := len(*fns); got != 2 {
			t.Errorf("functions with JSON logs at ERROR: got %d, want 2 (the app and the authorizer)", got)
		}
	})
}

func TestLogLevel(t *testing.T) {
	tests := []struct {
		name   string
		want   awslambda.ApplicationLogLevel
		wantOK bool
	}{
		{"INFO", awslambda.ApplicationLogLevel_INFO, true},
		{"warn", awslambda.ApplicationLogLevel_WARN, true},
		{"Trace", awslambda.ApplicationLogLevel_TRACE, true},
		{"FATAL", awslambda.ApplicationLogLevel_FATAL, true},
		{"WARNING", "", false},
		{"", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := lambdaweb.LogLevel(tt.name)
			if got != tt.want || ok != tt.wantOK {
				t.Errorf("LogLevel(%q): got %q, %v; want %q, %v", tt.name, got, ok, tt.want, tt.wantOK)
			}
		})
	}
}
