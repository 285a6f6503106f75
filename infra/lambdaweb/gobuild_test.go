package lambdaweb

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// copyModule copies what the function is built from (go.mod, go.sum and the
// function tree) into a fresh directory, as a second checkout would have it.
func copyModule(tb testing.TB) string {
	tb.Helper()
	dst := tb.TempDir()
	for _, f := range []string{"go.mod", "go.sum"} {
		b, err := os.ReadFile(filepath.Join("..", "..", f))
		if err != nil {
			tb.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dst, f), b, 0o644); err != nil {
			tb.Fatal(err)
		}
	}
	src := filepath.Join("..", "..", "function")
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		target := filepath.Join(dst, "function", rel)
		if d.IsDir() {
			if d.Name() == "benchcmp" {
				return filepath.SkipDir // a module of its own
			}
			return os.MkdirAll(target, 0o755)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(target, b, 0o644)
	})
	if err != nil {
		tb.Fatal(err)
	}
	return dst
}

func hashOf(tb testing.TB, dir, arch string) string {
	tb.Helper()
	h, err := Build{ModuleDir: dir, Entry: "./function", GOARCH: arch}.SourceHash()
	if err != nil {
		tb.Fatal(err)
	}
	return h
}

func appendTo(tb testing.TB, file, text string) {
	tb.Helper()
	f, err := os.OpenFile(file, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteString(text); err != nil {
		tb.Fatal(err)
	}
}

func TestSourceHash(t *testing.T) {
	a, b := copyModule(t), copyModule(t)
	base := hashOf(t, a, "arm64")
	if got := hashOf(t, b, "arm64"); got != base {
		t.Fatalf("same sources in two directories: got %s and %s, want one hash", base, got)
	}
	if got := hashOf(t, filepath.Join("..", ".."), "arm64"); got != base {
		t.Errorf("the repository and its copy hash differently: %s vs %s", got, base)
	}
	tests := []struct {
		name     string
		change   func(dir string)
		arch     string
		wantSame bool
	}{
		{name: "embedded asset changed", change: func(d string) { appendTo(t, filepath.Join(d, "function/web/assets/app.js"), "\n// changed\n") }, arch: "arm64"},
		{name: "Go source changed", change: func(d string) { appendTo(t, filepath.Join(d, "function/restproxy/doc.go"), "\n// changed\n") }, arch: "arm64"},
		{name: "go.sum changed", change: func(d string) { appendTo(t, filepath.Join(d, "go.sum"), "example.com/x v1.0.0 h1:AAAA=\n") }, arch: "arm64"},
		{name: "other architecture", change: func(string) {}, arch: "amd64"},
		{name: "test file changed", change: func(d string) { appendTo(t, filepath.Join(d, "function/web/web_test.go"), "\n// changed\n") }, arch: "arm64", wantSame: true},
		{name: "testdata changed", change: func(d string) { appendTo(t, filepath.Join(d, "function/web/testdata/home.html"), "x") }, arch: "arm64", wantSame: true},
		{name: "graphviz source changed", change: func(d string) { appendTo(t, filepath.Join(d, "function/web/assets/arch.dot"), "// x\n") }, arch: "arm64", wantSame: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := copyModule(t)
			tt.change(dir)
			got := hashOf(t, dir, tt.arch)
			if (got == base) != tt.wantSame {
				t.Errorf("hash after %s: same=%v, want same=%v", tt.name, got == base, tt.wantSame)
			}
		})
	}
}

func TestBuildFailureNamesTheProblem(t *testing.T) {
	dir := copyModule(t)
	appendTo(t, filepath.Join(dir, "function/main.go"), "\nfunc broken() { undefinedThing() }\n")
	err := Build{ModuleDir: dir, Entry: "./function", GOARCH: "arm64"}.Run(filepath.Join(t.TempDir(), "bootstrap"))
	if err == nil {
		t.Fatal("build of a broken package succeeded")
	}
	if got := err.Error(); !strings.Contains(got, "undefinedThing") || !strings.Contains(got, "go build ./function (GOARCH=arm64)") {
		t.Errorf("error: got %q, want the command and the compiler's message", got)
	}
}
