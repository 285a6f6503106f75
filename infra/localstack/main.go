// Command localstack runs a synthesized stack on this machine without Docker:
// the function's real bootstrap under the AWS Lambda Runtime Interface
// Emulator, behind an API Gateway REST emulator with two front doors (the
// stage URL and a custom domain), all configured from the CloudFormation
// template that cdk deploy would use. `make run` starts it.
package main

import (
	"context"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

func main() {
	env := flag.String("env", "dev", "the cdk.json environment to run")
	stagePort := flag.Int("stage-port", 3000, "port of the stage-URL door")
	domainPort := flag.Int("domain-port", 3001, "port of the custom-domain door")
	template := flag.String("template", "", "use this synthesized template instead of synthesizing")
	verbose := flag.Bool("v", false, "also print the function's and the emulator's own log lines")
	flag.Parse()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, *env, *template, *stagePort, *domainPort, *verbose); err != nil {
		fmt.Fprintln(os.Stderr, "localstack:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, env, template string, stagePort, domainPort int, verbose bool) error {
	stackName := "GoWebApp-" + env
	if template == "" {
		template = filepath.Join("cdk.out", stackName+".template.json")
		if err := synthIfStale(ctx, stackName, template); err != nil {
			return err
		}
	}
	a, err := readTemplate(template)
	if err != nil {
		return err
	}
	fmt.Printf("[2/3] %s: %s\n", stackName, a)
	work, err := os.MkdirTemp("", "localstack-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)
	fmt.Printf("[3/3] building %s for this machine and starting it under the Lambda runtime interface emulator\n", a.Function.Entry)
	s, err := startStack(ctx, stackConfig{
		ModuleDir: ".", API: a, WorkDir: work, Log: os.Stdout, Verbose: verbose,
		StageAddr:  fmt.Sprintf("127.0.0.1:%d", stagePort),
		DomainAddr: fmt.Sprintf("127.0.0.1:%d", domainPort),
	})
	if err != nil {
		return err
	}
	defer s.Close()
	fmt.Printf("\nThe %s stack runs locally:\n  stage URL      %s\n  custom domain  %s\nOne line per request below; Ctrl-C stops everything.\n\n", env, s.StageURL, s.DomainURL)
	select {
	case <-ctx.Done():
		fmt.Println("\nstopping")
		return nil
	case <-s.emu.Done():
		return fmt.Errorf("the emulator stopped: %v", s.emu.Err())
	}
}

// synthIfStale runs cdk synth for the stack unless its template is newer
// than everything that shapes it (the infra code, cdk.json, go.mod, go.sum).
func synthIfStale(ctx context.Context, stackName, template string) error {
	if info, err := os.Stat(template); err == nil && !newerThan("infra", info.ModTime(), "cdk.json", "go.mod", "go.sum") {
		fmt.Printf("[1/3] %s is up to date\n", template)
		return nil
	}
	cdk := filepath.Join("node_modules", ".bin", "cdk")
	if _, err := os.Stat(cdk); err != nil {
		return fmt.Errorf("the CDK CLI is not installed (%v): run `make run`, which installs it with npm ci", err)
	}
	fmt.Printf("[1/3] synthesizing %s (the first run compiles aws-cdk-go, about 75 s on 2 cores)\n", stackName)
	start := time.Now()
	cmd := exec.CommandContext(ctx, cdk, "synth", "--quiet", stackName)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	done := make(chan struct{})
	go func() {
		t := time.NewTicker(10 * time.Second)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				fmt.Printf("      still synthesizing, %.0f s\n", time.Since(start).Seconds())
			}
		}
	}()
	err := cmd.Run()
	close(done)
	if err != nil {
		return fmt.Errorf("cdk synth %s: %w", stackName, err)
	}
	fmt.Printf("      synthesized in %.1f s\n", time.Since(start).Seconds())
	return nil
}

// newerThan reports whether a Go file under dir (tests excluded) or one of
// files changed after t.
func newerThan(dir string, t time.Time, files ...string) bool {
	for _, f := range files {
		if info, err := os.Stat(f); err == nil && info.ModTime().After(t) {
			return true
		}
	}
	newer := false
	_ = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go") {
			return nil
		}
		if info, err := d.Info(); err == nil && info.ModTime().After(t) {
			newer = true
			return fs.SkipAll
		}
		return nil
	})
	return newer
}
