package lambdaweb

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

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"
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
}

// Flags are the go build flags of every bootstrap: a static, stripped,
// reproducible binary without the RPC shim that provided runtimes don't need.
var Flags = []string{"-trimpath", "-tags", "lambda.norpc", "-ldflags=-s -w", "-buildvcs=false"}

func goCommand() (string, error) {
	p, err := exec.LookPath("go")
	if err != nil {
		return "", errors.New("lambdaweb: building the Go function needs the go command on PATH (install Go 1.26 or later from https://go.dev/dl/): " + err.Error())
	}
	return p, nil
}

func (b Build) env() []string {
	return append(os.Environ(), "GOOS=linux", "GOARCH="+b.GOARCH, "CGO_ENABLED=0")
}

// Run compiles the bootstrap to output (a file path).
func (b Build) Run(output string) error {
	goBin, err := goCommand()
	if err != nil {
		return err
	}
	args := append([]string{"build"}, Flags...)
	args = append(args, "-o", output, b.Entry)
	cmd := exec.Command(goBin, args...)
	cmd.Dir = b.ModuleDir
	cmd.Env = b.env()
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("lambdaweb: go build %s (GOARCH=%s) in %s: %w\n%s", b.Entry, b.GOARCH, b.ModuleDir, err, stderr.Bytes())
	}
	return nil
}

// listedPackage is the part of `go list -json` output the hash needs.
type listedPackage struct {
	Dir        string
	ImportPath string
	Standard   bool
	Module     *struct{ Path, Dir string }
	GoFiles    []string
	CgoFiles   []string
	SFiles     []string
	EmbedFiles []string
}

// SourceHash hashes everything the bootstrap is built from: the Go and
// embedded files of every package of the main module that the entry depends
// on, go.mod, go.sum, the Go version and the build settings. Paths are
// relative to the module, so the same sources hash the same in any checkout.
// Dependencies outside the module are pinned by go.sum.
func (b Build) SourceHash() (string, error) {
	goBin, err := goCommand()
	if err != nil {
		return "", err
	}
	cmd := exec.Command(goBin, "list", "-deps", "-json", b.Entry)
	cmd.Dir = b.ModuleDir
	cmd.Env = b.env()
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("lambdaweb: go list %s in %s: %w\n%s", b.Entry, b.ModuleDir, err, stderr.Bytes())
	}
	modDir, err := filepath.Abs(b.ModuleDir)
	if err != nil {
		return "", err
	}
	if resolved, err := filepath.EvalSymlinks(modDir); err == nil {
		modDir = resolved
	}

	files := []string{"go.mod", "go.sum"}
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		var p listedPackage
		if err := dec.Decode(&p); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			return "", fmt.Errorf("lambdaweb: read go list output: %w", err)
		}
		if p.Standard || p.Module == nil || !sameDir(p.Module.Dir, modDir) {
			continue
		}
		for _, list := range [][]string{p.GoFiles, p.CgoFiles, p.SFiles, p.EmbedFiles} {
			for _, f := range list {
				rel, err := filepath.Rel(modDir, filepath.Join(p.Dir, f))
				if err != nil {
					return "", err
				}
				files = append(files, filepath.ToSlash(rel))
			}
		}
	}
	slices.Sort(files)
	files = slices.Compact(files)

	h := sha256.New()
	ver, _ := exec.Command(goBin, "env", "GOVERSION").Output()
	fmt.Fprintf(h, "go %s\nGOOS=linux GOARCH=%s CGO_ENABLED=0 entry=%s flags=%q\n", bytes.TrimSpace(ver), b.GOARCH, b.Entry, Flags)
	for _, rel := range files {
		data, err := os.ReadFile(filepath.Join(modDir, filepath.FromSlash(rel)))
		if err != nil {
			if rel == "go.sum" && errors.Is(err, os.ErrNotExist) {
				continue // a module without dependencies has none
			}
			return "", fmt.Errorf("lambdaweb: hash %s: %w", rel, err)
		}
		sum := sha256.Sum256(data)
		fmt.Fprintf(h, "%s %x\n", rel, sum)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

func sameDir(a, b string) bool {
	if r, err := filepath.EvalSymlinks(a); err == nil {
		a = r
	}
	return filepath.Clean(a) == filepath.Clean(b)
}

// bundler implements awscdk.ILocalBundling: it builds the bootstrap with the
// local Go toolchain, so synth needs no Docker.
type bundler struct {
	build Build
}

// TryBundle implements awscdk.ILocalBundling.
func (b *bundler) TryBundle(outputDir *string, _ *awscdk.BundlingOptions) *bool {
	if err := b.build.Run(filepath.Join(*outputDir, "bootstrap")); err != nil {
		// A false answer would make the CDK fall back to Docker, which
		// users do not have; fail with the compiler's message instead.
		panic(err)
	}
	return jsii.Bool(true)
}

// goarch maps a Lambda architecture name to GOARCH.
func goarch(lambdaArch string) string {
	if strings.Contains(lambdaArch, "x86") {
		return "amd64"
	}
	return "arm64"
}
