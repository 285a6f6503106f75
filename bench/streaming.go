package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/goapigw/webapp/infra/gobuild"
	"github.com/goapigw/webapp/infra/lambdalocal"
)

// streamingTable measures time to first byte and the bootstrap's peak RSS
// for 1, 10 and 50 MB answers, streamed (under lambdalocal's Runtime API)
// and buffered (under the RIE, where above 6 MB the adapter's answer is the
// error that names the size). Each measurement starts a fresh runtime, so
// the peak is that one answer's.
func streamingTable() (string, error) {
	dir, err := os.MkdirTemp("", "bench-stream-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(dir)
	bin := filepath.Join(dir, "bootstrap")
	if err := (gobuild.Build{ModuleDir: root, Entry: "./infra/goapigw/testdata/slowfn", GOARCH: runtime.GOARCH}).Run(bin); err != nil {
		return "", err
	}
	rie, err := lambdalocal.EmulatorBinary()
	if err != nil {
		return "", err
	}
	var b strings.Builder
	b.WriteString("## Streaming vs buffered\n\n`infra/goapigw/testdata/slowfn`'s `/big?n=` (a generated body written in 64 KB pieces) behind the adapter, 1,024 MB, each run in a fresh runtime on this machine. Streaming: the local Runtime API, time to the first body byte. Buffered: the pinned RIE, time to the whole answer (above 6 MB the adapter answers 500 with the size, having held the body). Peak RSS is the bootstrap's VmHWM.\n\n| size | streaming TTFB | streaming peak RSS | buffered TTFB | buffered status | buffered peak RSS |\n|---:|---:|---:|---:|---:|---:|\n")
	for _, mb := range []int{1, 10, 50} {
		st, err := measureStream(bin, mb<<20)
		if err != nil {
			return "", fmt.Errorf("streaming %d MB: %w", mb, err)
		}
		bu, err := measureBuffered(rie, bin, mb<<20)
		if err != nil {
			return "", fmt.Errorf("buffered %d MB: %w", mb, err)
		}
		fmt.Fprintf(&b, "| %d MB | %.1f ms | %.1f MB | %.1f ms | %d | %.1f MB |\n", mb, st.ttfb, st.rss, bu.ttfb, bu.status, bu.rss)
	}
	return b.String() + "\n", nil
}

type measured struct {
	ttfb   float64 // ms
	rss    float64 // MB
	status int
}

func bigEvent(n int) []byte {
	return []byte(`{"resource":"/{proxy+}","path":"/big","httpMethod":"GET","pathParameters":{"proxy":"big"},` +
		`"queryStringParameters":{"n":"` + strconv.Itoa(n) + `"},"requestContext":{"path":"/prod/big","stage":"prod"}}`)
}

var benchEnv = []string{"AWS_LAMBDA_FUNCTION_MEMORY_SIZE=1024", "APIGW_INTEGRATION_TIMEOUT_MS=60000"}

func measureStream(bin string, n int) (measured, error) {
	api, err := lambdalocal.StartRuntimeAPI(lambdalocal.RuntimeConfig{Bootstrap: bin, Timeout: time.Minute,
		Env: append(benchEnv, "APIGW_RESPONSE_TRANSFER_MODE=STREAM")})
	if err != nil {
		return measured{}, err
	}
	defer api.Close()
	// A first, small invocation starts the runtime, so INIT is not timed.
	if _, err := api.Invoke(context.Background(), bigEvent(1)); err != nil {
		return measured{}, err
	}
	start := time.Now()
	res, err := api.InvokeStream(context.Background(), bigEvent(n))
	if err != nil {
		return measured{}, err
	}
	defer res.Body.Close()
	// Past the prelude and its eight NUL bytes to the first body byte.
	var m measured
	buf := make([]byte, 32<<10)
	var seen []byte
	for m.ttfb == 0 {
		k, err := res.Body.Read(buf)
		seen = append(seen, buf[:k]...)
		if i := strings.Index(string(seen), "\x00\x00\x00\x00\x00\x00\x00\x00"); i >= 0 && len(seen) > i+8 {
			m.ttfb = float64(time.Since(start).Microseconds()) / 1000
		}
		if err != nil {
			return measured{}, fmt.Errorf("stream ended before its body: %v", err)
		}
	}
	total, err := io.Copy(io.Discard, res.Body)
	if err != nil {
		return measured{}, err
	}
	if got := total + int64(len(seen)); got < int64(n) {
		return measured{}, fmt.Errorf("streamed %d bytes, want %d", got, n)
	}
	m.status = 200
	m.rss, err = vmHWM(api.PGID())
	return m, err
}

func measureBuffered(rie, bin string, n int) (measured, error) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	emu, err := lambdalocal.StartEmulator(ctx, lambdalocal.EmulatorConfig{Binary: rie, Bootstrap: bin,
		Env: append(benchEnv, "AWS_LAMBDA_FUNCTION_TIMEOUT=60")})
	if err != nil {
		return measured{}, err
	}
	defer emu.Close()
	if _, err := emu.RIE.Invoke(ctx, bigEvent(1)); err != nil {
		return measured{}, err
	}
	start := time.Now()
	out, err := emu.RIE.Invoke(ctx, bigEvent(n))
	if err != nil {
		return measured{}, err
	}
	m := measured{ttfb: float64(time.Since(start).Microseconds()) / 1000}
	if s := strings.TrimPrefix(string(out[:min(len(out), 20)]), `{"statusCode":`); len(s) >= 3 {
		m.status, _ = strconv.Atoi(s[:3])
	}
	pid, err := childNamed(emu.PGID(), "bootstrap")
	if err != nil {
		return measured{}, err
	}
	m.rss, err = vmHWM(pid)
	return m, err
}

// vmHWM reads a process's peak resident set in MB.
func vmHWM(pid int) (float64, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0, err
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, err := strconv.ParseFloat(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 64)
			return kb / 1024, err
		}
	}
	return 0, fmt.Errorf("no VmHWM for process %d", pid)
}

// childNamed finds the process named comm that the RIE (pid pgid, which
// leads its group) started.
func childNamed(pgid int, comm string) (int, error) {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return 0, err
	}
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		stat, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue
		}
		// pid (comm) state ppid pgrp ...
		s := string(stat)
		open, end := strings.IndexByte(s, '('), strings.LastIndexByte(s, ')')
		if open < 0 || end < 0 {
			continue
		}
		fields := strings.Fields(s[end+1:])
		// The RIE may give the runtime a group of its own: match the parent
		// (the RIE, whose pid is the group's) or the group.
		if len(fields) > 2 && s[open+1:end] == comm && (fields[1] == strconv.Itoa(pgid) || fields[2] == strconv.Itoa(pgid)) {
			return pid, nil
		}
	}
	return 0, fmt.Errorf("no %s process in group %d", comm, pgid)
}
