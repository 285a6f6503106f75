package assembly

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// TestReadsLoggingConfig reads the functions' LoggingConfig from the
// construct's own golden template (the app and the basic-auth authorizer),
// and Lambda's default from a template that leaves it out.
func TestReadsLoggingConfig(t *testing.T) {
	golden := filepath.Join("..", "lambdaweb", "testdata", "basic-auth.template.json")
	b, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	bare := filepath.Join(t.TempDir(), "bare.template.json")
	// Drop the logging fields, keep LoggingConfig's LogGroup.
	var tmpl map[string]any
	if err := json.Unmarshal(b, &tmpl); err != nil {
		t.Fatal(err)
	}
	for _, r := range tmpl["Resources"].(map[string]any) {
		if lc, ok := r.(map[string]any)["Properties"].(map[string]any)["LoggingConfig"].(map[string]any); ok {
			delete(lc, "LogFormat")
			delete(lc, "ApplicationLogLevel")
			delete(lc, "SystemLogLevel")
		}
	}
	b, _ = json.Marshal(tmpl)
	if err := os.WriteFile(bare, b, 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name                string
		path                string
		wantFormat, wantLvl string
	}{
		{name: "construct", path: golden, wantFormat: "JSON", wantLvl: "INFO"},
		{name: "left out", path: bare, wantFormat: "Text", wantLvl: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			apps, err := ReadTemplate(tt.path)
			if err != nil {
				t.Fatal(err)
			}
			if len(apps) != 1 || apps[0].AuthorizerFunction == nil {
				t.Fatalf("got %d WebApps, want one with an authorizer", len(apps))
			}
			for name, f := range map[string]Function{"function": apps[0].Function, "authorizer": *apps[0].AuthorizerFunction} {
				if f.LogFormat != tt.wantFormat || f.LogLevel != tt.wantLvl {
					t.Errorf("%s: got format %q level %q, want %q %q", name, f.LogFormat, f.LogLevel, tt.wantFormat, tt.wantLvl)
				}
			}
		})
	}
}
