package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/goapigw/webapp/infra/assembly"
)

// writeFile writes content to a file in a fresh directory and returns its path.
func writeFile(tb testing.TB, name, content string) string {
	tb.Helper()
	p := filepath.Join(tb.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		tb.Fatal(err)
	}
	return p
}

func TestReadEnvVars(t *testing.T) {
	tests := []struct {
		name, content string
		want          map[string]map[string]string
		wantWarning   string
		wantErr       string
	}{
		{name: "strings, numbers, booleans", content: `{"Parameters": {"A": "a", "N": 42, "F": 1.5, "B": true}, "WebFunction": {"A": "b"}}`,
			want: map[string]map[string]string{"Parameters": {"A": "a", "N": "42", "F": "1.5", "B": "true"}, "WebFunction": {"A": "b"}}},
		{name: "an object is blank, as in SAM", content: `{"Parameters": {"O": {"x": 1}}}`,
			want: map[string]map[string]string{"Parameters": {"O": ""}}, wantWarning: "Parameters.O is not a string, number or boolean"},
		{name: "bad JSON", content: `{"Parameters": {"A": "a",}}`, wantErr: "-env-vars {file}: invalid character"},
		{name: "not an object of objects", content: `{"Parameters": "a"}`, wantErr: "-env-vars {file}: json: cannot unmarshal"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			file := writeFile(t, "env.json", tt.content)
			ev, warnings, err := readEnvVars(file)
			if tt.wantErr != "" {
				if want := strings.ReplaceAll(tt.wantErr, "{file}", file); err == nil || !strings.Contains(err.Error(), want) {
					t.Fatalf("got %v, want an error containing %q", err, want)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			for k, vars := range tt.want {
				for name, v := range vars {
					if got, ok := ev.sets[k][name]; !ok || got != v {
						t.Errorf("%s.%s: got %q, want %q", k, name, got, v)
					}
				}
			}
			if got := strings.Join(warnings, "\n"); !strings.Contains(got, tt.wantWarning) || (tt.wantWarning == "") != (got == "") {
				t.Errorf("warnings: got %q, want %q", got, tt.wantWarning)
			}
		})
	}
}

// TestEnvironmentFromTheTemplateThroughTheStack reads a template as the
// runner does, applies an -env-vars file, and reads the running bootstrap's
// environment: the template's resolved variables, Lambda's own, the file's
// overrides, none of the test's own; the startup output names what is not
// resolved and which names the file set, never a value from the file.
func TestEnvironmentFromTheTemplateThroughTheStack(t *testing.T) {
	t.Setenv("MY_SHELL_VAR", "x")
	t.Setenv("AWS_ENDPOINT_URL_S3", "http://from-the-shell")
	apps, err := assembly.ReadTemplate("testdata/env.template.json")
	if err != nil {
		t.Fatal(err)
	}
	app := apps[0]
	app.StackName = "EnvStack"
	ev, _, err := readEnvVars(writeFile(t, "env.json", `{
		"Parameters": {"AWS_ENDPOINT_URL_S3": "http://127.0.0.1:4566", "GREETING": "global", "BUCKET": "from-parameters"},
		"EnvStack/Web": {"GREETING": "webapp"},
		"WebFunction": {"BUCKET": "local-bucket-s3cr3t"},
		"EnvStack/Web/Function": {"SECRET": "per-path-s3cr3t"},
		"Elsewhere": {"X": "y"}
	}`))
	if err != nil {
		t.Fatal(err)
	}
	var startup strings.Builder
	prepareEnvironment(&app, "", ev, &startup)
	s, _ := running(t, app)
	if res, body := get(t, s.DomainURL, ""); res.StatusCode != 200 {
		t.Fatalf("got %d %q, want 200", res.StatusCode, body)
	}
	env := environ(t, s.pgid())
	want := map[string]string{
		// The template's, resolved.
		"LITERAL": "plain", "NUMBER": "42", "REGION": "local", "TOPIC_ARN": "arn:aws:sns:local:000000000000:alerts",
		"SUBBED": "EnvStack-hello-${Literal}", "SUB_WITH_VARS": "me@amazonaws.com",
		// -env-vars: global, then the WebApp's path, the logical ID, the function's path.
		"AWS_ENDPOINT_URL_S3": "http://127.0.0.1:4566", "GREETING": "webapp", "BUCKET": "local-bucket-s3cr3t", "SECRET": "per-path-s3cr3t",
		// Lambda's.
		"AWS_LAMBDA_FUNCTION_NAME": "EnvStack-WebFunction", "AWS_LAMBDA_LOG_GROUP_NAME": "/app/web", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "256",
		"AWS_LAMBDA_FUNCTION_VERSION": "$LATEST", "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand", "AWS_REGION": "local", "AWS_DEFAULT_REGION": "local",
		"TZ": ":UTC", "LANG": "en_US.UTF-8", "PATH": "/usr/local/bin:/usr/bin/:/bin:/opt/bin", "LAMBDA_RUNTIME_DIR": "/var/runtime", "_HANDLER": "bootstrap",
	}
	for k, v := range want {
		if env[k] != v {
			t.Errorf("%s: got %q, want %q", k, env[k], v)
		}
	}
	for _, k := range []string{"LAMBDA_TASK_ROOT", "LD_LIBRARY_PATH", "AWS_LAMBDA_LOG_STREAM_NAME", "AWS_LAMBDA_RUNTIME_API"} {
		if env[k] == "" {
			t.Errorf("%s is not set, want Lambda's value", k)
		}
	}
	for _, k := range []string{"MY_SHELL_VAR", "HOME", "REMOVED", "REQUIRED", "IMPORTED", "X"} {
		if v, ok := env[k]; ok {
			t.Errorf("%s=%q reached the function, want it absent", k, v)
		}
	}
	out := startup.String()
	for _, line := range []string{
		"not resolved locally: REQUIRED (Ref Required, a parameter without a default) of the function: set it with -env-vars",
		"not resolved locally: BUCKET_ARN (Fn::GetAtt Bucket.Arn) of the function: set it with -env-vars",
		"not resolved locally: IMPORTED (Fn::ImportValue, another stack's output)",
		"sets AWS_ENDPOINT_URL_S3, BUCKET, GREETING, SECRET for the function",
		`names "Elsewhere", which is not a function of EnvStack/Web`,
	} {
		if !strings.Contains(out, line) {
			t.Errorf("startup output lacks %q:\n%s", line, out)
		}
	}
	for _, v := range []string{"s3cr3t", "4566", "not resolved locally: BUCKET ", "not resolved locally: SECRET "} {
		if strings.Contains(out, v) {
			t.Errorf("startup output holds %q, a value from -env-vars or a variable it set:\n%s", v, out)
		}
	}
}
