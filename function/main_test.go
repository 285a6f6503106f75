package main

import (
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestLocalMode starts the real binary outside Lambda: with no
// AWS_LAMBDA_RUNTIME_API it serves the app over plain HTTP on PORT.
func TestLocalMode(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "bootstrap")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	_, port, _ := net.SplitHostPort(l.Addr().String())
	l.Close()

	cmd := exec.Command(bin)
	cmd.Env = append(os.Environ(), "PORT="+port, "AWS_LAMBDA_RUNTIME_API=")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })

	url := "http://127.0.0.1:" + port + "/"
	var res *http.Response
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if res, err = http.Get(url); err == nil {
			break
		}
	}
	if err != nil {
		t.Fatalf("local server never answered at %s: %v", url, err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	if res.StatusCode != 200 || !strings.Contains(string(body), "<h1>Hello World!</h1>") {
		t.Errorf("GET /: got %d\n%s", res.StatusCode, body)
	}
}
