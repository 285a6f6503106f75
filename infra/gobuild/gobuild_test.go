package gobuild

import (
	"bytes"
	"fmt"
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
	// The function tree, and the repository's packages it imports.
	for _, tree := range []string{"function", "internal/awslimits"} {
		copyTree(tb, filepath.Join("..", "..", tree), filepath.Join(dst, tree))
	}
	return dst
}

// copyTree copies the files below src to dst.
func copyTree(tb testing.TB, src, dst string) {
	tb.Helper()
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		target := filepath.Join(dst, rel)
		if d.IsDir() {
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

// writeFiles writes name → content pairs below dir.
func writeFiles(tb testing.TB, dir string, files map[string]string) {
	tb.Helper()
	for name, content := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			tb.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			tb.Fatal(err)
		}
	}
}

// twoModules lays out an app module whose main package imports a library
// module next to it, wired either by a replace directive or by a go.work
// file in the parent directory. It returns the app's directory.
func twoModules(tb testing.TB, workspace bool) string {
	tb.Helper()
	root := tb.TempDir()
	gomod := "module example.com/app\n\ngo 1.26\n\nrequire example.com/lib v0.0.0\n"
	if !workspace {
		gomod += "\nreplace example.com/lib => ../lib\n"
	}
	writeFiles(tb, root, map[string]string{
		"app/go.mod":      gomod,
		"app/main.go":     "package main\n\nimport \"example.com/lib\"\n\nfunc main() { println(lib.Greeting) }\n",
		"lib/go.mod":      "module example.com/lib\n\ngo 1.26\n",
		"lib/lib.go":      "package lib\n\nconst Greeting = \"hello\"\n",
		"lib/lib_test.go": "package lib\n",
	})
	if workspace {
		writeFiles(tb, root, map[string]string{"go.work": "go 1.26\n\nuse (\n\t./app\n\t./lib\n)\n"})
	}
	return filepath.Join(root, "app")
}

func appHash(tb testing.TB, dir, arch string) string {
	tb.Helper()
	h, err := Build{ModuleDir: dir, Entry: ".", GOARCH: arch}.SourceHash()
	if err != nil {
		tb.Fatal(err)
	}
	return h
}

// TestSourceHashInputs changes one input of the binary at a time: each must
// give a new hash, and a change that cannot reach the binary must not.
func TestSourceHashInputs(t *testing.T) {
	tests := []struct {
		name      string
		workspace bool
		arch      string
		change    func(t *testing.T, app string)
		wantSame  bool
	}{
		{name: "GOFLAGS", arch: "arm64", change: func(t *testing.T, _ string) { t.Setenv("GOFLAGS", "-gcflags=all=-N") }},
		{name: "GOEXPERIMENT", arch: "arm64", change: func(t *testing.T, _ string) { t.Setenv("GOEXPERIMENT", "jsonv2") }},
		{name: "GOARM64 on arm64", arch: "arm64", change: func(t *testing.T, _ string) { t.Setenv("GOARM64", "v8.2") }},
		{name: "GOAMD64 on amd64", arch: "amd64", change: func(t *testing.T, _ string) { t.Setenv("GOAMD64", "v3") }},
		{name: "GOAMD64 on arm64", arch: "arm64", change: func(t *testing.T, _ string) { t.Setenv("GOAMD64", "v3") }, wantSame: true},
		{name: "replaced module outside the app", arch: "arm64", change: func(t *testing.T, app string) {
			appendTo(t, filepath.Join(app, "..", "lib", "lib.go"), "\nconst Other = 1\n")
		}},
		{name: "replaced module's go.mod", arch: "arm64", change: func(t *testing.T, app string) {
			appendTo(t, filepath.Join(app, "..", "lib", "go.mod"), "\n// changed\n")
		}},
		{name: "replaced module's test file", arch: "arm64", change: func(t *testing.T, app string) {
			appendTo(t, filepath.Join(app, "..", "lib", "lib_test.go"), "\n// changed\n")
		}, wantSame: true},
		{name: "workspace module", workspace: true, arch: "arm64", change: func(t *testing.T, app string) {
			appendTo(t, filepath.Join(app, "..", "lib", "lib.go"), "\nconst Other = 1\n")
		}},
		{name: "go.work", workspace: true, arch: "arm64", change: func(t *testing.T, app string) {
			appendTo(t, filepath.Join(app, "..", "go.work"), "\n// changed\n")
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			app := twoModules(t, tt.workspace)
			before := appHash(t, app, tt.arch)
			tt.change(t, app)
			after := appHash(t, app, tt.arch)
			if (after == before) != tt.wantSame {
				t.Errorf("hash after changing %s: same=%v, want same=%v", tt.name, after == before, tt.wantSame)
			}
		})
	}
}

func TestSourceHashMatchesWorkspaceAndReplace(t *testing.T) {
	// The same sources reached two ways are two different builds (go.work is
	// an input); each is stable when nothing changes.
	for _, ws := range []bool{false, true} {
		app := twoModules(t, ws)
		if a, b := appHash(t, app, "arm64"), appHash(t, app, "arm64"); a != b {
			t.Errorf("workspace=%v: two hashes of unchanged sources: %s, %s", ws, a, b)
		}
	}
}

func TestGOARCH(t *testing.T) {
	tests := []struct{ lambda, want string }{{"arm64", "arm64"}, {"x86_64", "amd64"}}
	for _, tt := range tests {
		if got := GOARCH(tt.lambda); got != tt.want {
			t.Errorf("GOARCH(%q): got %q, want %q", tt.lambda, got, tt.want)
		}
	}
}

func TestModuleDir(t *testing.T) {
	app := twoModules(t, false)
	got, err := ModuleDir(app, "example.com/lib")
	if want := filepath.Join(filepath.Dir(app), "lib"); err != nil || realPath(got) != realPath(want) {
		t.Errorf("the replaced module: got %q, %v; want %q", got, err, want)
	}
	if got, err := ModuleDir(app, "example.com/app"); err != nil || realPath(got) != realPath(app) {
		t.Errorf("the main module: got %q, %v; want %q", got, err, app)
	}
	if _, err := ModuleDir(app, "example.com/nowhere"); err == nil || !strings.Contains(err.Error(), "find module example.com/nowhere") {
		t.Errorf("a module not in go.mod: got %v", err)
	}
}

// TestKeepPaths: a deployed bootstrap names no directory of the machine that
// built it; a local one keeps them, and so shares the build cache with the
// CDK app's own compile.
func TestKeepPaths(t *testing.T) {
	dir := t.TempDir()
	for name, text := range map[string]string{
		"go.mod":     "module example.com/keep\n\ngo 1.26\n",
		"fn/main.go": "package main\n\nfunc main() { panic(\"where\") }\n",
	} {
		if err := os.MkdirAll(filepath.Join(dir, filepath.Dir(name)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, keep := range []bool{false, true} {
		t.Run(fmt.Sprintf("KeepPaths %t", keep), func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "bootstrap")
			if err := (Build{ModuleDir: dir, Entry: "./fn", GOARCH: "amd64", KeepPaths: keep}).Run(out); err != nil {
				t.Fatal(err)
			}
			bin, err := os.ReadFile(out)
			if err != nil {
				t.Fatal(err)
			}
			if got := bytes.Contains(bin, []byte(dir)); got != keep {
				t.Errorf("the binary names %s: got %t, want %t", dir, got, keep)
			}
		})
	}
}
