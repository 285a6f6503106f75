// Package golden compares test output with golden files and rewrites them
// when the test binary runs with -update (make golden). It is shared by the
// tests of the function and of the infrastructure.
package golden

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"
)

// Update is the -update flag of every test binary that imports the package.
var Update = flag.Bool("update", false, "rewrite golden files in testdata")

// Check fails the test when got differs from the file at path; with -update it
// first writes got there.
func Check(tb testing.TB, path string, got []byte) {
	tb.Helper()
	if *Update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			tb.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			tb.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		tb.Fatalf("%v (run make golden)", err)
	}
	if !bytes.Equal(got, want) {
		tb.Errorf("output differs from %s; check the change, then run make golden.\ngot:\n%s\nwant:\n%s", path, got, want)
	}
}
