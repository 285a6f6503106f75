package lambdalocal

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"

	"github.com/goapigw/webapp/internal/awslimits"
)

// MaxPayloadBytes is Lambda's limit for a synchronous invocation's response
// (and request). It comes from AWS's documentation, never from the adapter
// these runtimes check.
const MaxPayloadBytes = awslimits.LambdaSyncPayloadBytes

// EmulatorModule and EmulatorVersion pin the AWS Lambda Runtime Interface
// Emulator that local runs use. Users' modules never require it: it is built
// once per version into the user cache directory.
const (
	EmulatorModule  = "github.com/aws/aws-lambda-runtime-interface-emulator"
	EmulatorVersion = "v0.0.0-20261030222936-bef5c4ba774d"
)

// EmulatorBinary returns the pinned emulator for this machine, building it
// with `go install` into the user cache directory the first time. The build
// runs outside any module (GOWORK and GOFLAGS off), so it works from any
// directory and leaves the caller's go.mod alone.
func EmulatorBinary() (string, error) {
	cache, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("find a cache directory for the Lambda runtime interface emulator: %w", err)
	}
	dir := filepath.Join(cache, "goapigw-webapp", "aws-lambda-rie", EmulatorVersion, runtime.GOOS+"-"+runtime.GOARCH)
	bin := filepath.Join(dir, "aws-lambda-rie")
	if info, err := os.Stat(bin); err == nil && info.Mode().IsRegular() {
		return bin, nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("create %s: %w", dir, err)
	}
	// Install into a fresh directory, then rename: a concurrent or
	// interrupted build never leaves a half-written binary behind.
	tmp, err := os.MkdirTemp(dir, "build-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(tmp)
	goBin, err := exec.LookPath("go")
	if err != nil {
		return "", errors.New("building the Lambda runtime interface emulator needs the go command on PATH")
	}
	cmd := exec.Command(goBin, "install", EmulatorModule+"/cmd/aws-lambda-rie@"+EmulatorVersion)
	cmd.Dir = tmp
	cmd.Env = append(os.Environ(), "GOBIN="+tmp, "GOWORK=off", "GOFLAGS=", "CGO_ENABLED=0",
		"GOOS="+runtime.GOOS, "GOARCH="+runtime.GOARCH)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("build the Lambda runtime interface emulator %s@%s: %w\n%s", EmulatorModule, EmulatorVersion, err, stderr.Bytes())
	}
	if err := os.Rename(filepath.Join(tmp, "aws-lambda-rie"), bin); err != nil {
		return "", fmt.Errorf("install the Lambda runtime interface emulator: %w", err)
	}
	return bin, nil
}
