// Package cdkjson reads a cdk.json's context for tests, so that tests
// synthesize with the feature flags the CDK CLI passes to the app.
package cdkjson

import (
	"encoding/json"
	"os"
	"strings"
	"testing"
)

// Context returns the "context" object of the cdk.json at path.
func Context(tb testing.TB, path string) map[string]any {
	tb.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	var cfg struct {
		Context map[string]any `json:"context"`
	}
	if err := json.Unmarshal(b, &cfg); err != nil {
		tb.Fatalf("%s: %v", path, err)
	}
	return cfg.Context
}

// FeatureFlags returns the feature flags (the "@aws-cdk/…" keys) of the
// cdk.json at path.
func FeatureFlags(tb testing.TB, path string) map[string]any {
	tb.Helper()
	flags := map[string]any{}
	for k, v := range Context(tb, path) {
		if strings.HasPrefix(k, "@aws-cdk") {
			flags[k] = v
		}
	}
	if len(flags) < 50 {
		tb.Fatalf("%s has %d feature flags; a cdk init app carries the recommended ones (cdk flags --unstable=flags --set --unconfigured --recommended)", path, len(flags))
	}
	return flags
}
