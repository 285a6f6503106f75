// Command run is `make run`: it starts the local S3 server (versitygw, see
// package locals3) on 127.0.0.1:9100 with its data in local/data, seeds the
// sample bucket the first time, writes local/env.json for the runner's
// -env-vars (the endpoint, path-style addressing and the local server's
// credentials; no AWS credentials of yours) and serves the app with
// `go tool goapigw -env-vars local/env.json -users local/users`, passing
// on its own arguments. Ctrl-C stops both.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"example.com/s3explorer/infra/locals3"
)

// options are where run keeps things; tests give their own.
type options struct {
	Addr    string // the S3 server's address
	DataDir string // its objects
	EnvFile string // the -env-vars file written for the runner
	Users   string // the -users file
	// Ready, if set, is told the S3 server's URL once it is seeded.
	Ready func(url string)
	// Output receives the runner's output. Default: this process's.
	Output io.Writer
}

var defaults = options{Addr: "127.0.0.1:9100", DataDir: "local/data", EnvFile: "local/env.json", Users: "local/users"}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, defaults, os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "run:", err)
		os.Exit(1)
	}
}

// run serves until ctx ends or the runner exits.
func run(ctx context.Context, o options, args []string) error {
	if err := os.MkdirAll(o.DataDir, 0o755); err != nil {
		return err
	}
	start := time.Now()
	fmt.Fprintf(os.Stderr, "local S3: versitygw %s on %s, data in %s (the first build takes minutes)\n", locals3.Version, o.Addr, o.DataDir)
	srv, err := locals3.Start(o.DataDir, o.Addr)
	if err != nil {
		return err
	}
	defer srv.Stop()
	c := srv.Client()
	if _, err := c.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String(locals3.SampleBucket)}); err != nil {
		fmt.Fprintf(os.Stderr, "local S3: seeding %s with %d objects\n", locals3.SampleBucket, locals3.LogCount+5)
		if err := locals3.Seed(ctx, c, locals3.SampleBucket); err != nil {
			return err
		}
	}
	fmt.Fprintf(os.Stderr, "local S3: ready in %v\n", time.Since(start).Round(time.Millisecond))
	if o.Ready != nil {
		o.Ready(srv.URL)
	}
	env, err := json.MarshalIndent(map[string]any{"Parameters": srv.Env()}, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(o.EnvFile, append(env, '\n'), 0o600); err != nil {
		return err
	}
	goBin, err := exec.LookPath("go")
	if err != nil {
		return errors.New("the go command is not on PATH")
	}
	flags := []string{"tool", "goapigw", "-env-vars", o.EnvFile}
	if o.Users != "" {
		abs, _ := filepath.Abs(o.Users)
		flags = append(flags, "-users", abs)
	}
	cmd := exec.Command(goBin, append(flags, args...)...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	if o.Output != nil {
		cmd.Stdin, cmd.Stdout, cmd.Stderr = nil, o.Output, o.Output
	}
	if err := cmd.Start(); err != nil {
		return err
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		_ = cmd.Process.Signal(os.Interrupt)
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
		}
		return nil
	}
}
