package lambdalocal

import (
	"context"
	"fmt"
	"io"
	"net"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"syscall"
	"time"
)

// Emulator is a bootstrap running under the Lambda Runtime Interface
// Emulator, on free loopback ports.
type Emulator struct {
	// RIE invokes the function.
	RIE *RIE

	*group
}

// Done is closed when the emulator has exited.
func (e *Emulator) Done() <-chan struct{} { return e.exited }

// Err is how the emulator exited; it is valid once Done is closed.
func (e *Emulator) Err() error { return e.err }

// EmulatorConfig says what to run.
type EmulatorConfig struct {
	Binary    string // the emulator, from EmulatorBinary
	Bootstrap string // the function; its directory is the working directory, as /var/task
	// Env is the function's environment: the template's variables and what
	// the caller knows of the function, such as
	// AWS_LAMBDA_FUNCTION_MEMORY_SIZE=1024 and AWS_LAMBDA_FUNCTION_TIMEOUT=30
	// (the emulator's timeout). Lambda's defined variables are added; nothing
	// of this process's environment reaches the emulator or the function.
	Env []string
	// OnInit, if set, gets the duration of each INIT phase (a cold start)
	// the emulator reports.
	OnInit func(ms float64)
	// OnLine, if set, gets every other line the emulator and the function
	// print.
	OnLine func(line string)
}

// initReport is the emulator's line for a finished INIT phase.
var initReport = regexp.MustCompile(`INIT REPORT\(durationMs: ([0-9.]+)\)`)

// StartEmulator starts the emulator and waits until it accepts invocations.
// The emulator and the bootstrap run in a process group of their own, so
// Close ends both.
func StartEmulator(ctx context.Context, cfg EmulatorConfig) (*Emulator, error) {
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	runtimeAddr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(cfg.Binary, "--runtime-interface-emulator-address", addr, "--runtime-api-address", runtimeAddr, cfg.Bootstrap)
	cmd.Dir = filepath.Dir(cfg.Bootstrap)
	// The emulator hands its whole environment to the function (and sets
	// AWS_LAMBDA_RUNTIME_API itself).
	cmd.Env = functionEnv(cmd.Dir, cfg.Env)
	g, err := startGroup(cmd, cfg.line)
	if err != nil {
		return nil, fmt.Errorf("start the emulator: %w", err)
	}
	e := &Emulator{RIE: &RIE{URL: "http://" + addr}, group: g}
	if err := waitListening(ctx, addr, e); err != nil {
		e.Close()
		return nil, err
	}
	return e, nil
}

// line takes one line the emulator or the function printed.
func (cfg EmulatorConfig) line(line string) {
	if m := initReport.FindStringSubmatch(line); m != nil {
		if f, err := strconv.ParseFloat(m[1], 64); err == nil && cfg.OnInit != nil {
			cfg.OnInit(f)
		}
		return
	}
	if cfg.OnLine != nil {
		cfg.OnLine(line)
	}
}

// PGID is the process group of the emulator and the bootstrap.
func (e *Emulator) PGID() int { return e.cmd.Process.Pid }

// Close ends the emulator and everything it started.
func (e *Emulator) Close() {
	pgid := e.cmd.Process.Pid
	_ = syscall.Kill(-pgid, syscall.SIGTERM)
	select {
	case <-e.exited:
	case <-time.After(2 * time.Second):
		_ = syscall.Kill(-pgid, syscall.SIGKILL)
		<-e.exited
	}
	// The bootstrap may outlive the emulator for a moment; end the group.
	_ = syscall.Kill(-pgid, syscall.SIGKILL)
}

// freeAddr returns a loopback address with a port that was free just now.
func freeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

func waitListening(ctx context.Context, addr string, e *Emulator) error {
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond); err == nil {
			c.Close()
			return nil
		}
		select {
		case <-e.exited:
			return fmt.Errorf("the emulator exited while starting: %v", e.err)
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
	return fmt.Errorf("the emulator did not listen on %s within 10 s", addr)
}

// group is a process started in a process group of its own (so that ending
// the group ends everything it started), its output read line by line. The
// emulator and RuntimeAPI's runtimes are started this way.
type group struct {
	cmd    *exec.Cmd
	exited chan struct{} // closed when the process has exited
	err    error         // its exit, once exited is closed
}

// startGroup starts cmd with its standard output and error going to line,
// a line at a time (see readLines).
func startGroup(cmd *exec.Cmd, line func(string)) (*group, error) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	pr, pw := io.Pipe()
	cmd.Stdout, cmd.Stderr = pw, pw
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	g := &group{cmd: cmd, exited: make(chan struct{})}
	go func() {
		g.err = cmd.Wait()
		pw.Close()
		close(g.exited)
	}()
	go readLines(pr, line)
	return g, nil
}
