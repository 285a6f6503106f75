package lambdalocal

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestRuntimeAPIAdmitsOnlyItsRuntime polls the Runtime API the way another
// local process could while invocations run: it must be refused at once and
// never get an invocation, and the function must answer every one.
func TestRuntimeAPIAdmitsOnlyItsRuntime(t *testing.T) {
	api, err := StartRuntimeAPI(RuntimeConfig{Bootstrap: bootstrap(t), Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer api.Close()
	// Invocations waiting for a runtime, for a thief to take.
	var wg sync.WaitGroup
	answers := make(chan string, 3)
	for i := range 3 {
		wg.Go(func() {
			out, err := api.Invoke(context.Background(), []byte(`{"n":`+strconv.Itoa(i)+`}`))
			answers <- classify(out, err).body
		})
	}
	client := &http.Client{Timeout: 2 * time.Second}
	base := "http://" + api.Addr()
	tests := []struct {
		name, path, host string
		want             int
	}{
		{name: "no token", path: "/2018-06-01/runtime/invocation/next", want: http.StatusForbidden},
		{name: "a wrong token", path: "/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA/2018-06-01/runtime/invocation/next", want: http.StatusForbidden},
		{name: "part of the token", path: "/" + api.token[:min(8, len(api.token))] + "/2018-06-01/runtime/invocation/next", want: http.StatusForbidden},
		{name: "the token in another place", path: "/2018-06-01/" + api.token + "/runtime/invocation/next", want: http.StatusForbidden},
		{name: "the token, a rebinding Host", path: "/" + api.token + "/2018-06-01/runtime/invocation/next", host: "evil.example", want: http.StatusMisdirectedRequest},
		{name: "an answer without the token", path: "/2018-06-01/runtime/invocation/x/response", want: http.StatusForbidden},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			method := http.MethodGet
			if strings.HasSuffix(tt.path, "/response") {
				method = http.MethodPost
			}
			req, err := http.NewRequest(method, base+tt.path, strings.NewReader(`{"stolen":true}`))
			if err != nil {
				t.Fatal(err)
			}
			if tt.host != "" {
				req.Host = tt.host
			}
			res, err := client.Do(req)
			if err != nil {
				t.Fatalf("got %v, want %d at once", err, tt.want)
			}
			body, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if res.StatusCode != tt.want || res.Header.Get("Lambda-Runtime-Aws-Request-Id") != "" {
				t.Errorf("got %d %q (request ID %q), want %d and no invocation", res.StatusCode, body, res.Header.Get("Lambda-Runtime-Aws-Request-Id"), tt.want)
			}
		})
	}
	wg.Wait()
	close(answers)
	for a := range answers {
		if !strings.HasPrefix(a, `{"echo":{"n":`) {
			t.Errorf("an invocation got %q, want the function's echo", a)
		}
	}
}

// TestFunctionEnvironment reads the started bootstrap's environment: what
// the caller gives (the template's variables) and Lambda's own variables,
// and nothing of the shell that started it.
func TestFunctionEnvironment(t *testing.T) {
	t.Setenv("AWS_SECRET_ACCESS_KEY", "test-secret")
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIATESTTESTTEST")
	t.Setenv("MY_SHELL_VAR", "x")
	given := []string{"TEMPLATE_VAR=from-template", "AWS_LAMBDA_FUNCTION_NAME=envfn", "AWS_LAMBDA_FUNCTION_TIMEOUT=5", "AWS_REGION=local"}
	bin := bootstrap(t)
	rie, err := EmulatorBinary()
	if err != nil {
		t.Fatal(err)
	}
	emu, err := StartEmulator(context.Background(), EmulatorConfig{Binary: rie, Bootstrap: bin, Env: given})
	if err != nil {
		t.Fatal(err)
	}
	defer emu.Close()
	api, err := StartRuntimeAPI(RuntimeConfig{Bootstrap: bin, Env: given})
	if err != nil {
		t.Fatal(err)
	}
	defer api.Close()
	for name, rt := range map[string]struct {
		inv interface {
			Invoke(context.Context, []byte) ([]byte, error)
		}
		pgid func() int
	}{"RIE": {emu.RIE, emu.PGID}, "RuntimeAPI": {api, api.PGID}} {
		t.Run(name, func(t *testing.T) {
			if out, err := rt.inv.Invoke(context.Background(), []byte(`{}`)); !classify(out, err).ok {
				t.Fatalf("invoke: %s, %v", out, err)
			}
			env := environOf(t, rt.pgid(), bin)
			for _, k := range []string{"MY_SHELL_VAR", "HOME", "GOCACHE", "GOPATH", "USER", "SHELL", "PWD"} {
				if v, ok := env[k]; ok {
					t.Errorf("%s=%q reached the function, want it absent", k, v)
				}
			}
			for _, k := range []string{"AWS_SECRET_ACCESS_KEY", "AWS_ACCESS_KEY_ID"} {
				if v := env[k]; v != "" {
					t.Errorf("%s=%q reached the function, want it absent or empty", k, v)
				}
			}
			want := map[string]string{
				"TEMPLATE_VAR":                "from-template",
				"AWS_LAMBDA_FUNCTION_NAME":    "envfn",
				"AWS_REGION":                  "local",
				"AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
				"TZ":                          ":UTC",
				"LANG":                        "en_US.UTF-8",
				"PATH":                        "/usr/local/bin:/usr/bin/:/bin:/opt/bin",
				"LAMBDA_TASK_ROOT":            filepath.Dir(bin),
				"LAMBDA_RUNTIME_DIR":          "/var/runtime",
				"_HANDLER":                    "bootstrap",
				"AWS_LAMBDA_LOG_GROUP_NAME":   "/aws/lambda/envfn",
			}
			for k, v := range want {
				if env[k] != v {
					t.Errorf("%s: got %q, want %q", k, env[k], v)
				}
			}
			for _, k := range []string{"AWS_LAMBDA_RUNTIME_API", "AWS_LAMBDA_LOG_STREAM_NAME", "LD_LIBRARY_PATH", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "AWS_DEFAULT_REGION"} {
				if env[k] == "" {
					t.Errorf("%s is unset, want Lambda's value", k)
				}
			}
		})
	}
}

// environOf reads the environment of the process that runs bin: root or
// one of its descendants. (The RIE starts the bootstrap in a process group
// of its own.)
func environOf(tb testing.TB, root int, bin string) map[string]string {
	tb.Helper()
	parent := map[int]int{}
	var runsBin []int
	dirs, _ := filepath.Glob("/proc/[0-9]*")
	for _, d := range dirs {
		pid, _ := strconv.Atoi(filepath.Base(d))
		stat, err := os.ReadFile(filepath.Join(d, "stat"))
		if err != nil {
			continue
		}
		// pid (comm) state ppid ...: comm may hold spaces, so count from
		// its closing parenthesis.
		f := strings.Fields(string(stat[bytes.LastIndexByte(stat, ')')+1:]))
		if len(f) < 2 {
			continue
		}
		parent[pid], _ = strconv.Atoi(f[1])
		if exe, _ := os.Readlink(filepath.Join(d, "exe")); exe == bin {
			runsBin = append(runsBin, pid)
		}
	}
	for _, pid := range runsBin {
		for p := pid; p > 1; p = parent[p] {
			if p != root {
				continue
			}
			raw, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "environ"))
			if err != nil {
				tb.Fatal(err)
			}
			env := map[string]string{}
			for kv := range strings.SplitSeq(strings.TrimRight(string(raw), "\x00"), "\x00") {
				k, v, _ := strings.Cut(kv, "=")
				env[k] = v
			}
			return env
		}
	}
	tb.Fatalf("no process under %d runs %s", root, bin)
	return nil
}
