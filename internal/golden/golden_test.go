package golden

import (
	"os"
	"path/filepath"
	"testing"
)

// recorder is a testing.TB that remembers whether the check failed.
type recorder struct {
	testing.TB
	failed bool
}

func (r *recorder) Helper()                        {}
func (r *recorder) Errorf(format string, a ...any) { r.failed = true }
func (r *recorder) Fatalf(format string, a ...any) { r.failed = true }

func TestCheck(t *testing.T) {
	path := filepath.Join(t.TempDir(), "out", "file.txt")
	tests := []struct {
		name       string
		update     bool
		got        string
		wantFailed bool
	}{
		{name: "missing file", got: "a", wantFailed: true},
		{name: "update writes it", update: true, got: "a"},
		{name: "same content", got: "a"},
		{name: "different content", got: "b", wantFailed: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			*Update = tt.update
			defer func() { *Update = false }()
			r := &recorder{TB: t}
			Check(r, path, []byte(tt.got))
			if r.failed != tt.wantFailed {
				t.Errorf("failed: got %v, want %v", r.failed, tt.wantFailed)
			}
		})
	}
	if b, _ := os.ReadFile(path); string(b) != "a" {
		t.Errorf("file: got %q, want the updated content", b)
	}
}
