package gobuild

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
)

// Build describes one compilation of a Go main package into a Lambda
// bootstrap: the same recipe serves the construct's bundling and local runs.
type Build struct {
	// ModuleDir is the directory holding go.mod.
	ModuleDir string
	// Entry is the main package, relative to ModuleDir, such as "./function".
	Entry string
	// GOARCH is "arm64" or "amd64".
	GOARCH string
	// KeepPaths builds without -trimpath, for a local run: the packages
	// then come from the build cache that compiling the CDK app (go run)
	// filled, where -trimpath would compile every one of them again (on a
	// first run on 2 cores, about 50 s of the function's build instead of
	// about 15 s), and a stack trace names the developer's own files. A
	// deployed bootstrap never keeps paths.
	KeepPaths bool
}

// Flags are the go build flags of every bootstrap: a static, stripped,
// reproducible binary without the RPC shim that provided runtimes don't need.
var Flags = []string{"-trimpath", "-tags", "lambda.norpc", "-ldflags=-s -w", "-buildvcs=false"}

// GOARCH maps a Lambda architecture name ("arm64", "x86_64") to GOARCH.
func GOARCH(lambdaArchitecture string) string {
	if strings.Contains(lambdaArchitecture, "x86") {
		return "amd64"
	}
	return "arm64"
}

func goCommand() (string, error) {
	p, err := exec.LookPath("go")
	if err != nil {
		return "", errors.New("gobuild: building the Go function needs the go command on PATH (install Go 1.26 or later from https://go.dev/dl/): " + err.Error())
	}
	return p, nil
}

func (b Build) env() []string {
	return append(os.Environ(), "GOOS=linux", "GOARCH="+b.GOARCH, "CGO_ENABLED=0")
}

func (b Build) command(goBin string, args ...string) *exec.Cmd {
	cmd := exec.Command(goBin, args...)
	cmd.Dir = b.ModuleDir
	cmd.Env = b.env()
	return cmd
}

// Run compiles the bootstrap to output (a file path).
func (b Build) Run(output string) error {
	goBin, err := goCommand()
	if err != nil {
		return err
	}
	args := append([]string{"build"}, Flags...)
	if b.KeepPaths {
		args = slices.DeleteFunc(args, func(f string) bool { return f == "-trimpath" })
	}
	args = append(args, "-o", output, b.Entry)
	cmd := b.command(goBin, args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("gobuild: go build %s (GOARCH=%s) in %s: %w\n%s", b.Entry, b.GOARCH, b.ModuleDir, err, stderr.Bytes())
	}
	return nil
}

// ModuleDir finds where the go command keeps module for a build in dir
// ("" for the current directory): the main module, a replace directory or
// the module cache. The construct builds its own authorizer from there, and
// the local stack finds the same directory the same way.
func ModuleDir(dir, module string) (string, error) {
	goBin, err := goCommand()
	if err != nil {
		return "", err
	}
	cmd := exec.Command(goBin, "list", "-m", "-f", "{{.Dir}}", module)
	cmd.Dir = dir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("gobuild: find module %s: %w\n%s", module, err, stderr.Bytes())
	}
	found := strings.TrimSpace(string(out))
	if found == "" {
		return "", fmt.Errorf("gobuild: module %s has no directory (is it in go.mod?)", module)
	}
	return found, nil
}

// listedPackage is the part of `go list -json` output the hash needs.
type listedPackage struct {
	Dir        string
	ImportPath string
	Standard   bool
	Module     *listedModule
	GoFiles    []string
	CgoFiles   []string
	SFiles     []string
	EmbedFiles []string
}

type listedModule struct {
	Path    string
	Dir     string
	GoMod   string
	Main    bool
	Replace *listedModule
}

// hashedEnv are the go env settings that change the binary besides GOOS,
// GOARCH and CGO_ENABLED, which the build fixes. They are read with `go env`,
// so values from `go env -w` count as well as the environment's.
var hashedEnv = []string{"GOVERSION", "GOFLAGS", "GOEXPERIMENT", "GOFIPS140", "GOAMD64", "GOARM64", "GOWORK", "GOMODCACHE"}

// SourceHash hashes everything the bootstrap is built from:
//   - the Go, assembly and embedded files of every package the entry depends
//     on whose source is not a pinned module in the module cache: the main
//     module, workspace modules and local replace directories;
//   - go.mod and go.sum of each such module, go.work and go.work.sum;
//   - the Go version, the build flags and the go env settings that change
//     the binary (GOFLAGS, GOEXPERIMENT, GOFIPS140, GOAMD64 or GOARM64).
//
// Modules in the module cache are pinned by go.sum. Paths are relative to
// ModuleDir, so the same sources hash the same in any checkout; test files
// and testdata are not inputs and do not change it.
func (b Build) SourceHash() (string, error) {
	in, err := b.Inputs()
	if err != nil {
		return "", err
	}
	rels := make([]string, 0, len(in.Files))
	for _, f := range in.Files {
		rel, err := filepath.Rel(in.ModuleDir, f)
		if err != nil {
			return "", err
		}
		rels = append(rels, filepath.ToSlash(rel))
	}
	slices.Sort(rels)
	rels = slices.Compact(rels)

	h := sha256.New()
	fmt.Fprintf(h, "GOOS=linux GOARCH=%s CGO_ENABLED=0 entry=%s flags=%q\n", b.GOARCH, b.Entry, Flags)
	for _, k := range hashedEnv {
		switch {
		case k == "GOMODCACHE" || k == "GOWORK":
			continue // locations, not inputs; the files they hold are hashed
		case k == "GOAMD64" && b.GOARCH != "amd64", k == "GOARM64" && b.GOARCH != "arm64":
			continue // no effect on this architecture
		}
		fmt.Fprintf(h, "%s=%q\n", k, in.env[k])
	}
	for _, rel := range rels {
		data, err := os.ReadFile(filepath.Join(in.ModuleDir, filepath.FromSlash(rel)))
		if err != nil {
			if errors.Is(err, os.ErrNotExist) && (strings.HasSuffix(rel, ".sum") || strings.HasSuffix(rel, "go.mod")) {
				continue // a module without dependencies has no go.sum
			}
			return "", fmt.Errorf("gobuild: hash %s: %w", rel, err)
		}
		sum := sha256.Sum256(data)
		fmt.Fprintf(h, "%s %x\n", rel, sum)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// Inputs are the files a bootstrap is built from, as [Build.SourceHash]
// hashes them: a watcher rebuilds when one of them changes.
type Inputs struct {
	// ModuleDir is the build's module directory, absolute, links resolved.
	ModuleDir string
	// Files are absolute paths, links resolved: the Go, assembly and
	// embedded files of the packages outside the module cache, and the
	// go.mod, go.sum (and go.work, go.work.sum) that pin the others. A
	// go.sum may not exist.
	Files []string
	// PackageDirs are the directories of those packages, where a new Go
	// file joins the build.
	PackageDirs []string
	env         map[string]string
}

// Inputs lists what the bootstrap is built from with go list.
func (b Build) Inputs() (Inputs, error) {
	goBin, err := goCommand()
	if err != nil {
		return Inputs{}, err
	}
	modDir, err := filepath.Abs(b.ModuleDir)
	if err != nil {
		return Inputs{}, err
	}
	modDir = realPath(modDir)

	envOut, err := b.output(b.command(goBin, append([]string{"env", "-json"}, hashedEnv...)...))
	if err != nil {
		return Inputs{}, err
	}
	var goEnv map[string]string
	if err := json.Unmarshal(envOut, &goEnv); err != nil {
		return Inputs{}, fmt.Errorf("gobuild: read go env: %w", err)
	}
	modCache := realPath(goEnv["GOMODCACHE"])

	listOut, err := b.output(b.command(goBin, "list", "-deps", "-json", "-tags", "lambda.norpc", b.Entry))
	if err != nil {
		return Inputs{}, err
	}
	files := []string{filepath.Join(modDir, "go.mod"), filepath.Join(modDir, "go.sum")}
	if w := goEnv["GOWORK"]; w != "" && w != "off" {
		files = append(files, w, w+".sum")
	}
	var dirs []string
	dec := json.NewDecoder(bytes.NewReader(listOut))
	for {
		var p listedPackage
		if err := dec.Decode(&p); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			return Inputs{}, fmt.Errorf("gobuild: read go list output: %w", err)
		}
		if p.Standard || p.Module == nil || (modCache != "" && within(realPath(p.Dir), modCache)) {
			continue
		}
		m := p.Module
		if m.Replace != nil {
			m = m.Replace
		}
		if m.Dir != "" {
			files = append(files, filepath.Join(m.Dir, "go.mod"), filepath.Join(m.Dir, "go.sum"))
		}
		dirs = append(dirs, realPath(p.Dir))
		for _, list := range [][]string{p.GoFiles, p.CgoFiles, p.SFiles, p.EmbedFiles} {
			for _, f := range list {
				files = append(files, filepath.Join(p.Dir, f))
			}
		}
	}
	for i, f := range files {
		files[i] = realPath(f)
	}
	slices.Sort(files)
	slices.Sort(dirs)
	return Inputs{ModuleDir: modDir, Files: slices.Compact(files), PackageDirs: slices.Compact(dirs), env: goEnv}, nil
}

func (b Build) output(cmd *exec.Cmd) ([]byte, error) {
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("gobuild: %s in %s: %w\n%s", strings.Join(cmd.Args, " "), b.ModuleDir, err, stderr.Bytes())
	}
	return out, nil
}

// realPath resolves symbolic links where it can, so that a module reached
// through a link hashes like the same module reached directly.
func realPath(p string) string {
	if p == "" {
		return ""
	}
	if r, err := filepath.EvalSymlinks(p); err == nil {
		return r
	}
	return filepath.Clean(p)
}

// within reports whether path p is dir or below it.
func within(p, dir string) bool {
	rel, err := filepath.Rel(dir, p)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
}
