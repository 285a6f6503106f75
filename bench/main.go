package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/goapigw/webapp/infra/gobuild"
	"github.com/goapigw/webapp/infra/lambdalocal"
)

// root is the main module, seen from this directory.
const root = ".."

func main() {
	log.SetFlags(0)
	var doc bytes.Buffer
	fmt.Fprintf(&doc, "# Benchmark results\n\nWritten by `make bench` (bench) on %s.\nMachine: %s, %d cores, %s.\n\n",
		time.Now().UTC().Format("2006-01-02"), cpuModel(), runtime.NumCPU(), runtime.Version())

	log.Println("regression cases against the peers")
	doc.WriteString(regressionTable())

	log.Println("adapter benchmarks (go test -bench, 6 runs each at GOMAXPROCS 1 and 2)")
	raw, err := exec.Command("go", "test", "-run", "^$", "-bench", "Adapters", "-benchmem", "-count", "6", "-cpu", "1,2", ".").CombinedOutput()
	if err != nil {
		log.Fatalf("go test -bench: %v\n%s", err, raw)
	}
	benchFile := filepath.Join(os.TempDir(), "benchcmp.txt")
	if err := os.WriteFile(benchFile, raw, 0o644); err != nil {
		log.Fatal(err)
	}
	stat, err := exec.Command("go", "tool", "benchstat", "-col", "/adapter", benchFile).CombinedOutput()
	if err != nil {
		log.Fatalf("benchstat: %v\n%s", err, stat)
	}
	fmt.Fprintf(&doc, "## Adapters: event JSON in, response JSON out\n\nThe same handler (the sample app, a form POST, and `/ping`, which writes four bytes and so shows the adapter's own cost) and the same events behind each adapter, called as the Lambda runtime calls it (`Invoke`). `-2` rows ran at GOMAXPROCS=2; the others at 1, which `restproxy.Start` sets for a 1,024 MB function (Lambda gives about one vCPU per 1,769 MB).\n\n```\n%s```\n\n", stat)

	log.Println("the status metrics in the request line (go test -bench RequestLine)")
	raw, err = exec.Command("go", "test", "-run", "^$", "-bench", "RequestLine", "-benchmem", "-count", "6", "-cpu", "1", ".").CombinedOutput()
	if err != nil {
		log.Fatalf("go test -bench RequestLine: %v\n%s", err, raw)
	}
	if err := os.WriteFile(benchFile, raw, 0o644); err != nil {
		log.Fatal(err)
	}
	stat, err = exec.Command("go", "tool", "benchstat", "-col", "/metrics", benchFile).CombinedOutput()
	if err != nil {
		log.Fatalf("benchstat: %v\n%s", err, stat)
	}
	fmt.Fprintf(&doc, "## Status metrics: the embedded-metric document in the request line\n\nThe `/ping` request with its request line written as JSON to `io.Discard`, without and with the status metrics (`restproxy.WithStatusMetrics`); the difference is what the metrics cost a request.\n\n```\n%s```\n\n", stat)
	fmt.Print(string(stat))

	log.Println("checking a sign-in session per request (go test -bench SessionCheck ./function/login)")
	cmd := exec.Command("go", "test", "-run", "^$", "-bench", "SessionCheck", "-benchmem", "-count", "6", "-cpu", "1", "./function/login")
	cmd.Dir = root
	raw, err = cmd.CombinedOutput()
	if err != nil {
		log.Fatalf("go test -bench SessionCheck: %v\n%s", err, raw)
	}
	if err := os.WriteFile(benchFile, raw, 0o644); err != nil {
		log.Fatal(err)
	}
	stat, err = exec.Command("go", "tool", "benchstat", benchFile).CombinedOutput()
	if err != nil {
		log.Fatalf("benchstat: %v\n%s", err, stat)
	}
	fmt.Fprintf(&doc, "## Sign-in: checking the session of a request\n\nWhat `login.Wrap` adds to a request with a valid session cookie: read it, open it (AES-256-GCM), decode, check its times, put the user in the context. No call to the provider.\n\n```\n%s```\n\n", stat)
	fmt.Print(string(stat))

	log.Println("bootstrap sizes")
	doc.WriteString(sizes())

	log.Println("streaming vs buffered: time to first byte and peak RSS")
	st, err := streamingTable()
	if err != nil {
		log.Fatal(err)
	}
	doc.WriteString(st)
	fmt.Print(st)

	log.Println("the basic-auth authorizer: size, cold and warm invocations")
	at, err := authorizerTable(21)
	if err != nil {
		log.Fatal(err)
	}
	doc.WriteString(at)
	fmt.Print(at)

	log.Println("cold starts under the Lambda runtime interface emulator")
	cold, err := coldStarts(21)
	if err != nil {
		log.Fatal(err)
	}
	doc.WriteString(cold)

	if err := os.WriteFile("RESULTS.md", doc.Bytes(), 0o644); err != nil {
		log.Fatal(err)
	}
	fmt.Print(doc.String())
	log.Println("wrote bench/RESULTS.md")
}

func cpuModel() string {
	b, _ := os.ReadFile("/proc/cpuinfo")
	for line := range strings.SplitSeq(string(b), "\n") {
		if name, ok := strings.CutPrefix(line, "model name"); ok {
			return strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(name), ":"))
		}
	}
	return runtime.GOARCH
}

func sizes() string {
	var b strings.Builder
	b.WriteString("## Bootstrap size\n\n`./function` built by the construct's recipe (`gobuild.Build`: static, stripped, `-trimpath`, `lambda.norpc`).\n\n| GOARCH | bytes | MB |\n|---|---:|---:|\n")
	dir, err := os.MkdirTemp("", "benchcmp-size-")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	for _, arch := range []string{"arm64", "amd64"} {
		out := filepath.Join(dir, "bootstrap-"+arch)
		if err := (gobuild.Build{ModuleDir: root, Entry: "./function", GOARCH: arch}).Run(out); err != nil {
			log.Fatal(err)
		}
		st, err := os.Stat(out)
		if err != nil {
			log.Fatal(err)
		}
		fmt.Fprintf(&b, "| %s | %d | %.2f |\n", arch, st.Size(), float64(st.Size())/1e6)
	}
	return b.String() + "\n"
}

// coldStarts starts each bootstrap n times under a fresh emulator, alternating
// ours with a hello-world aws-lambda-go function built with the same flags,
// and reports the median INIT duration of each.
func coldStarts(n int) (string, error) {
	dir, err := os.MkdirTemp("", "benchcmp-cold-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(dir)
	rie, err := lambdalocal.EmulatorBinary()
	if err != nil {
		return "", err
	}
	here, _ := os.Getwd()
	builds := []struct{ name, module, entry string }{
		{"this project's ./function", root, "./function"},
		{"hello-world aws-lambda-go", here, "./testdata/hello"},
	}
	bins := make([]string, len(builds))
	for i, b := range builds {
		bins[i] = filepath.Join(dir, strconv.Itoa(i), "bootstrap")
		if err := os.MkdirAll(filepath.Dir(bins[i]), 0o755); err != nil {
			return "", err
		}
		if err := (gobuild.Build{ModuleDir: b.module, Entry: b.entry, GOARCH: runtime.GOARCH}).Run(bins[i]); err != nil {
			return "", err
		}
	}
	event, err := os.ReadFile(filepath.Join(root, "function", "restproxy", "testdata", "events", "stage-root.json"))
	if err != nil {
		return "", err
	}
	durations := make([][]float64, len(builds))
	for range n {
		for i := range builds {
			d, err := coldStart(rie, bins[i], event)
			if err != nil {
				return "", fmt.Errorf("%s: %w", builds[i].name, err)
			}
			durations[i] = append(durations[i], d)
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "## Cold start\n\nINIT duration reported by the Lambda runtime interface emulator (`INIT REPORT`), %d cold starts each, alternating, on this machine (%s). The emulator is not Lambda: compare the two rows, not the numbers with AWS's.\n\n| bootstrap | median ms | min ms | max ms |\n|---|---:|---:|---:|\n", n, runtime.GOARCH)
	meds := make([]float64, len(builds))
	for i, bd := range builds {
		slices.Sort(durations[i])
		meds[i] = durations[i][len(durations[i])/2]
		fmt.Fprintf(&b, "| %s | %.2f | %.2f | %.2f |\n", bd.name, meds[i], durations[i][0], durations[i][len(durations[i])-1])
	}
	fmt.Fprintf(&b, "\nRatio of the medians: %.2f× the hello-world floor.\n", meds[0]/meds[1])
	return b.String(), nil
}

// coldStart runs one bootstrap under a fresh emulator, invokes it once and
// returns the INIT duration in milliseconds.
func coldStart(rie, bootstrap string, event []byte) (float64, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	inits := make(chan float64, 1)
	emu, err := lambdalocal.StartEmulator(ctx, lambdalocal.EmulatorConfig{
		Binary: rie, Bootstrap: bootstrap,
		Env: []string{"AWS_LAMBDA_FUNCTION_MEMORY_SIZE=1024", "AWS_LAMBDA_FUNCTION_TIMEOUT=30"},
		OnInit: func(ms float64) {
			select {
			case inits <- ms:
			default:
			}
		},
	})
	if err != nil {
		return 0, err
	}
	defer emu.Close()
	if _, err := emu.RIE.Invoke(ctx, event); err != nil {
		return 0, err
	}
	select {
	case d := <-inits:
		return d, nil
	case <-time.After(5 * time.Second):
		return 0, errors.New("no INIT REPORT from the emulator")
	}
}
