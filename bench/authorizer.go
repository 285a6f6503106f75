package main

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/goapigw/webapp/infra/gobuild"
	"github.com/goapigw/webapp/infra/lambdalocal"
)

// authorizerTable measures the basic-auth authorizer: its stripped size,
// and under the RIE the INIT of a cold start, the first invocation and the
// warm ones, each checking a password against a bcrypt hash of cost 5
// (htpasswd -B's default) and 10 (bcrypt's).
func authorizerTable(n int) (string, error) {
	dir, err := os.MkdirTemp("", "bench-authorizer-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(dir)
	var b strings.Builder
	b.WriteString("## Basic-auth authorizer\n\n`./function/authorizer` built by the construct's recipe, under the pinned RIE on this machine, reading an htpasswd file. INIT is the emulator's INIT REPORT; invocations are timed at the caller and include one bcrypt comparison.\n\n")
	for _, arch := range []string{"arm64", "amd64"} {
		out := filepath.Join(dir, arch)
		if err := (gobuild.Build{ModuleDir: root, Entry: "./function/authorizer", GOARCH: arch}).Run(out); err != nil {
			return "", err
		}
		info, err := os.Stat(out)
		if err != nil {
			return "", err
		}
		fmt.Fprintf(&b, "- bootstrap %s: %.2f MB\n", arch, float64(info.Size())/1e6)
	}
	b.WriteString("\n| bcrypt cost | INIT ms | first invocation ms | warm median ms | warm max ms |\n|---:|---:|---:|---:|---:|\n")
	bin := filepath.Join(dir, "bootstrap")
	if err := (gobuild.Build{ModuleDir: root, Entry: "./function/authorizer", GOARCH: runtime.GOARCH}).Run(bin); err != nil {
		return "", err
	}
	rie, err := lambdalocal.EmulatorBinary()
	if err != nil {
		return "", err
	}
	for _, cost := range []int{5, 10} {
		hash, err := bcrypt.GenerateFromPassword([]byte("s3cret"), cost)
		if err != nil {
			return "", err
		}
		users := filepath.Join(dir, fmt.Sprintf("users-%d", cost))
		if err := os.WriteFile(users, []byte("alice:$2y$"+strings.TrimPrefix(string(hash), "$2a$")+"\n"), 0o600); err != nil {
			return "", err
		}
		row, err := authorizerRow(rie, bin, users, n)
		if err != nil {
			return "", fmt.Errorf("cost %d: %w", cost, err)
		}
		fmt.Fprintf(&b, "| %d | %s |\n", cost, row)
	}
	return b.String() + "\n", nil
}

func authorizerRow(rie, bin, users string, n int) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	inits := make(chan float64, 1)
	emu, err := lambdalocal.StartEmulator(ctx, lambdalocal.EmulatorConfig{Binary: rie, Bootstrap: bin,
		Env: []string{"AWS_LAMBDA_FUNCTION_MEMORY_SIZE=256", "AWS_LAMBDA_FUNCTION_TIMEOUT=10", "BASIC_AUTH_HTPASSWD_FILE=" + users},
		OnInit: func(ms float64) {
			select {
			case inits <- ms:
			default:
			}
		}})
	if err != nil {
		return "", err
	}
	defer emu.Close()
	event, _ := json.Marshal(map[string]string{"type": "TOKEN", "methodArn": "arn:aws:execute-api:local:123456789012:api/prod/GET/",
		"authorizationToken": "Basic " + base64.StdEncoding.EncodeToString([]byte("alice:s3cret"))})
	var times []float64
	for i := range n + 1 {
		start := time.Now()
		out, err := emu.RIE.Invoke(ctx, event)
		if err != nil {
			return "", err
		}
		if !strings.Contains(string(out), `"principalId":"alice"`) {
			return "", fmt.Errorf("invocation %d did not allow: %s", i, out)
		}
		times = append(times, float64(time.Since(start).Microseconds())/1000)
	}
	var initMs float64
	select {
	case initMs = <-inits:
	case <-time.After(5 * time.Second):
		return "", fmt.Errorf("no INIT REPORT")
	}
	warm := slices.Clone(times[1:])
	slices.Sort(warm)
	return fmt.Sprintf("%.2f | %.2f | %.2f | %.2f", initMs, times[0], warm[len(warm)/2], warm[len(warm)-1]), nil
}
