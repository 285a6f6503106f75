package lambdalocal

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// rtfn builds testdata/rtfn once for this machine.
var rtfn = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "rtfn-")
	if err != nil {
		return "", err
	}
	out := filepath.Join(dir, "bootstrap")
	cmd := exec.Command("go", "build", "-o", out, "./testdata/rtfn")
	if b, err := cmd.CombinedOutput(); err != nil {
		return "", errors.New(string(b))
	}
	return out, nil
})

func bootstrap(tb testing.TB) string {
	tb.Helper()
	p, err := rtfn()
	if err != nil {
		tb.Fatalf("build testdata/rtfn: %v", err)
	}
	return p
}

const testTimeout = 2 * time.Second

// runtimes starts the function under the RIE and under the RuntimeAPI, both
// with the same timeout.
func runtimes(tb testing.TB) map[string]interface {
	Invoke(context.Context, []byte) ([]byte, error)
} {
	tb.Helper()
	rie, err := EmulatorBinary()
	if err != nil {
		tb.Fatal(err)
	}
	// Each runtime gets its own copy: the RIE and our runtime must not share
	// a working directory's state.
	bin := bootstrap(tb)
	emu, err := StartEmulator(context.Background(), EmulatorConfig{Binary: rie, Bootstrap: bin,
		Env: []string{"AWS_LAMBDA_FUNCTION_TIMEOUT=2", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE=128"}})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(emu.Close)
	api, err := StartRuntimeAPI(RuntimeConfig{Bootstrap: bin, Timeout: testTimeout, Env: []string{"AWS_LAMBDA_FUNCTION_MEMORY_SIZE=128"}})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(api.Close)
	return map[string]interface {
		Invoke(context.Context, []byte) ([]byte, error)
	}{"RIE": emu.RIE, "RuntimeAPI": api}
}

// outcome is what the gateway makes of an invocation's result: an answer,
// or a function error (its message). Both invokers return a function error
// as its error document, as the Lambda Invoke API does; the RIE answers a
// timeout with a plain-text line instead. The gateway answers 502 for all of
// them.
type outcome struct {
	ok   bool   // an answer, not a function error
	body string // the answer, or the error's message
}

func classify(out []byte, err error) outcome {
	if err != nil {
		return outcome{body: "invoke error: " + err.Error()}
	}
	var fe struct {
		Message string `json:"errorMessage"`
	}
	if json.Unmarshal(out, &fe) == nil && fe.Message != "" {
		return outcome{body: fe.Message}
	}
	if bytes.HasPrefix(out, []byte("Task timed out")) {
		return outcome{body: string(bytes.TrimSpace(out))}
	}
	return outcome{ok: true, body: string(out)}
}

// TestRuntimeAPIMatchesTheRIE runs every case both runtimes can serve and
// requires the same outcome: the RIE is the reference.
func TestRuntimeAPIMatchesTheRIE(t *testing.T) {
	rts := runtimes(t)
	cases := []struct {
		name    string
		payload string
		check   func(t *testing.T, o outcome)
	}{
		{name: "echo", payload: `{"mode":"echo","n":1}`, check: func(t *testing.T, o outcome) {
			if !o.ok || o.body != `{"echo":{"mode":"echo","n":1}}` {
				t.Errorf("got %+v", o)
			}
		}},
		{name: "function error", payload: `{"mode":"error"}`, check: func(t *testing.T, o outcome) {
			if o.ok || o.body != "boom" {
				t.Errorf("got %+v", o)
			}
		}},
		{name: "small stream, read whole", payload: `{"mode":"stream","n":3}`, check: func(t *testing.T, o outcome) {
			if !o.ok || o.body != "chunk 1\nchunk 2\nchunk 3\n" {
				t.Errorf("got %+v", o)
			}
		}},
		{name: "environment", payload: `{"mode":"env"}`, check: func(t *testing.T, o outcome) {
			if !o.ok || o.body != `{"deadlineSet":"1","timeout":"2"}` {
				t.Errorf("got %+v", o)
			}
		}},
		{name: "panic, then serves again", payload: `{"mode":"panic"}`, check: func(t *testing.T, o outcome) {
			if o.ok || o.body != "kaboom" {
				t.Errorf("got %+v", o)
			}
		}},
		{name: "after the panic", payload: `{"mode":"echo"}`, check: func(t *testing.T, o outcome) {
			if !o.ok {
				t.Errorf("got %+v", o)
			}
		}},
		{name: "timeout, then serves again", payload: `{"mode":"sleep","delayMs":3000}`, check: func(t *testing.T, o outcome) {
			if o.ok || o.body != "Task timed out after 2.00 seconds" {
				t.Errorf("got %+v", o)
			}
		}},
		{name: "after the timeout", payload: `{"mode":"echo"}`, check: func(t *testing.T, o outcome) {
			if !o.ok {
				t.Errorf("got %+v", o)
			}
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := map[string]outcome{}
			for name, rt := range rts {
				ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
				out, err := rt.Invoke(ctx, []byte(c.payload))
				// The pinned RIE resets its runtime after a timeout in the
				// background, and on a busy machine may refuse the next
				// invocation with ErrGateCanceled until it is done; the
				// reference is what it answers once reset.
				for i := 0; name == "RIE" && i < 20 && err == nil && bytes.Contains(out, []byte("ErrGateCanceled")); i++ {
					time.Sleep(50 * time.Millisecond)
					out, err = rt.Invoke(ctx, []byte(c.payload))
				}
				cancel()
				got[name] = classify(out, err)
				t.Run(name, func(t *testing.T) { c.check(t, got[name]) })
			}
			if got["RIE"] != got["RuntimeAPI"] {
				t.Errorf("outcomes differ:\nRIE        %+v\nRuntimeAPI %+v", got["RIE"], got["RuntimeAPI"])
			}
		})
	}
}

// TestRuntimeAPIStreams reads a slow stream's first chunk while the
// function is still writing: the RIE cannot do that.
func TestRuntimeAPIStreams(t *testing.T) {
	api, err := StartRuntimeAPI(RuntimeConfig{Bootstrap: bootstrap(t), Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer api.Close()
	start := time.Now()
	res, err := api.InvokeStream(context.Background(), []byte(`{"mode":"stream","n":4,"delayMs":400}`))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	buf := make([]byte, 64)
	n, err := res.Body.Read(buf)
	first := time.Since(start)
	if err != nil || string(buf[:n]) != "chunk 1\n" {
		t.Fatalf("first read: %q, %v", buf[:n], err)
	}
	rest, err := io.ReadAll(res.Body)
	all := time.Since(start)
	if err != nil || string(rest) != "chunk 2\nchunk 3\nchunk 4\n" || !res.Streamed {
		t.Fatalf("rest: %q, %v, streamed %v", rest, err, res.Streamed)
	}
	if first >= 400*time.Millisecond || all < 1200*time.Millisecond {
		t.Errorf("first chunk after %v, all after %v: want the first before the second's 400 ms delay", first, all)
	}
	t.Logf("first chunk after %v, the whole stream after %v", first, all)
}

func TestRuntimeAPIStreamErrors(t *testing.T) {
	api, err := StartRuntimeAPI(RuntimeConfig{Bootstrap: bootstrap(t), Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer api.Close()
	t.Run("error trailer", func(t *testing.T) {
		res, err := api.InvokeStream(context.Background(), []byte(`{"mode":"streamerr","n":2}`))
		if err != nil {
			t.Fatal(err)
		}
		body, err := io.ReadAll(res.Body)
		var fe *FunctionError
		if string(body) != "chunk 1\nchunk 2\n" || !errors.As(err, &fe) || fe.Message != "the stream broke" {
			t.Errorf("got %q, %v; want two chunks, then the function's error", body, err)
		}
	})
	t.Run("timeout mid-stream", func(t *testing.T) {
		res, err := api.InvokeStream(context.Background(), []byte(`{"mode":"stream","n":10,"delayMs":300}`))
		if err != nil {
			t.Fatal(err)
		}
		body, err := io.ReadAll(res.Body)
		var fe *FunctionError
		if !errors.As(err, &fe) || fe.Type != "Sandbox.Timedout" || !bytes.HasPrefix(body, []byte("chunk 1\n")) || bytes.Contains(body, []byte("chunk 10")) {
			t.Errorf("got %q, %v; want a cut stream and the timeout", body, err)
		}
		// The next invocation gets a new runtime.
		out, err := api.Invoke(context.Background(), []byte(`{"mode":"echo"}`))
		if err != nil || !bytes.HasPrefix(out, []byte(`{"echo"`)) {
			t.Errorf("after the timeout: %s, %v", out, err)
		}
	})
	t.Run("a runtime on its way out is replaced", func(t *testing.T) {
		// After a panic aws-lambda-go reports the error, then exits; the
		// next invocation may arrive before it is gone, and must be served.
		for i := range 10 {
			if out, err := api.Invoke(context.Background(), []byte(`{"mode":"panic"}`)); classify(out, err).body != "kaboom" {
				t.Fatalf("panic %d: %s, %v", i, out, err)
			}
			out, err := api.Invoke(context.Background(), []byte(`{"mode":"echo"}`))
			if err != nil || !bytes.HasPrefix(out, []byte(`{"echo"`)) {
				t.Fatalf("invocation %d after a panic: %s, %v", i, out, err)
			}
		}
	})
	t.Run("process exits", func(t *testing.T) {
		out, err := api.Invoke(context.Background(), []byte(`{"mode":"exit"}`))
		if o := classify(out, err); o.ok || !strings.Contains(o.body, "Runtime exited") {
			t.Errorf("got %+v", o)
		}
		out, err = api.Invoke(context.Background(), []byte(`{"mode":"echo"}`))
		if err != nil || !bytes.HasPrefix(out, []byte(`{"echo"`)) {
			t.Errorf("after the crash: %s, %v", out, err)
		}
	})
}

func TestRuntimeAPICloseLeavesNoProcess(t *testing.T) {
	api, err := StartRuntimeAPI(RuntimeConfig{Bootstrap: bootstrap(t)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := api.Invoke(context.Background(), []byte(`{}`)); err != nil {
		t.Fatal(err)
	}
	pgid := api.PGID()
	api.Close()
	time.Sleep(100 * time.Millisecond)
	if err := syscall.Kill(-pgid, 0); err != syscall.ESRCH {
		t.Errorf("the bootstrap is still running after Close (kill -0: %v)", err)
	}
}

// TestLongLogLine prints a 2 MiB line from the function: the runtime must
// keep reading its output (cutting the line), and the function serving.
func TestLongLogLine(t *testing.T) {
	const n = 2 << 20
	for name, start := range map[string]func(t *testing.T, onLine func(string)) interface {
		Invoke(context.Context, []byte) ([]byte, error)
	}{
		"RuntimeAPI": func(t *testing.T, onLine func(string)) interface {
			Invoke(context.Context, []byte) ([]byte, error)
		} {
			api, err := StartRuntimeAPI(RuntimeConfig{Bootstrap: bootstrap(t), Timeout: 5 * time.Second, OnLine: onLine})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(api.Close)
			return api
		},
		"RIE": func(t *testing.T, onLine func(string)) interface {
			Invoke(context.Context, []byte) ([]byte, error)
		} {
			rie, err := EmulatorBinary()
			if err != nil {
				t.Fatal(err)
			}
			emu, err := StartEmulator(context.Background(), EmulatorConfig{Binary: rie, Bootstrap: bootstrap(t),
				Env: []string{"AWS_LAMBDA_FUNCTION_TIMEOUT=5"}, OnLine: onLine})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(emu.Close)
			return emu.RIE
		},
	} {
		t.Run(name, func(t *testing.T) {
			var mu sync.Mutex
			var long []string
			rt := start(t, func(line string) {
				if strings.HasPrefix(line, "xxxx") {
					mu.Lock()
					long = append(long, line)
					mu.Unlock()
				}
			})
			for i, payload := range []string{`{"mode":"bigline","n":2097152}`, `{"mode":"bigline","n":2097152}`, `{"mode":"echo"}`} {
				ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
				out, err := rt.Invoke(ctx, []byte(payload))
				cancel()
				if o := classify(out, err); !o.ok {
					t.Fatalf("invocation %d (%s): got %+v, want an answer", i, payload, o)
				}
			}
			// The output is read apart from the answers: give the reader a
			// moment to hand on the last long line.
			for deadline := time.Now().Add(2 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
				mu.Lock()
				n := len(long)
				mu.Unlock()
				if n >= 2 {
					break
				}
			}
			mu.Lock()
			defer mu.Unlock()
			if len(long) != 2 {
				t.Fatalf("got %d long lines, want 2", len(long))
			}
			want := fmt.Sprintf("… (%d bytes cut)", n-maxLineBytes)
			if l := long[0]; len(l) > maxLineBytes+100 || !strings.HasSuffix(l, want) {
				t.Errorf("got a line of %d bytes ending %q, want %d bytes and %q", len(l), l[max(0, len(l)-40):], maxLineBytes, want)
			}
		})
	}
}
