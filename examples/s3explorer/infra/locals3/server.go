package locals3

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// Module and Version pin the server.
const (
	Module  = "github.com/versity/versitygw"
	Version = "v1.8.0"
)

// The local server's root credentials and region: not secrets, the server
// only listens on loopback.
const (
	AccessKey = "explorer-local"
	SecretKey = "explorer-local-secret"
	Region    = "us-east-1"
)

// Binary returns the pinned versitygw for this machine, building it into
// the user cache directory the first time. The build runs outside any
// module (GOWORK and GOFLAGS off), so it leaves the caller's go.mod alone.
func Binary() (string, error) {
	cache, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("find a cache directory for versitygw: %w", err)
	}
	dir := filepath.Join(cache, "goapigw-webapp", "versitygw", Version, runtime.GOOS+"-"+runtime.GOARCH)
	bin := filepath.Join(dir, "versitygw")
	if info, err := os.Stat(bin); err == nil && info.Mode().IsRegular() {
		return bin, nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("create %s: %w", dir, err)
	}
	unlock, err := lock(filepath.Join(dir, ".build.lock"))
	if err != nil {
		return "", fmt.Errorf("lock %s: %w", dir, err)
	}
	defer unlock()
	if info, err := os.Stat(bin); err == nil && info.Mode().IsRegular() {
		return bin, nil // built by another process while this one waited
	}
	// Install into a fresh directory, then rename: an interrupted build
	// never leaves a half-written binary behind.
	tmp, err := os.MkdirTemp(dir, "build-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(tmp)
	goBin, err := exec.LookPath("go")
	if err != nil {
		return "", errors.New("building versitygw needs the go command on PATH")
	}
	cmd := exec.Command(goBin, "install", Module+"/cmd/versitygw@"+Version)
	cmd.Dir = tmp
	cmd.Env = append(os.Environ(), "GOBIN="+tmp, "GOWORK=off", "GOFLAGS=", "CGO_ENABLED=0")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("build versitygw %s@%s: %w\n%s", Module, Version, err, stderr.Bytes())
	}
	if err := os.Rename(filepath.Join(tmp, "versitygw"), bin); err != nil {
		return "", fmt.Errorf("install versitygw: %w", err)
	}
	return bin, nil
}

// Server is a running versitygw.
type Server struct {
	// URL is its endpoint, such as "http://127.0.0.1:41234".
	URL string
	cmd *exec.Cmd
	out bytes.Buffer
}

// Start runs versitygw on a free loopback port (or addr, such as
// "127.0.0.1:9000") with its buckets in dir, and waits until it answers.
func Start(dir, addr string) (*Server, error) {
	bin, err := Binary()
	if err != nil {
		return nil, err
	}
	if addr == "" {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, fmt.Errorf("find a free port: %w", err)
		}
		addr = l.Addr().String()
		l.Close()
	}
	s := &Server{URL: "http://" + addr}
	s.cmd = exec.Command(bin, "--access", AccessKey, "--secret", SecretKey, "--region", Region,
		"--port", addr, "--quiet", "posix", dir)
	s.cmd.Stdout, s.cmd.Stderr = &s.out, &s.out
	dieWithParent(s.cmd)
	if err := s.cmd.Start(); err != nil {
		return nil, fmt.Errorf("start versitygw: %w", err)
	}
	done := make(chan error, 1)
	go func() { done <- s.cmd.Wait() }()
	deadline := time.Now().Add(20 * time.Second)
	for {
		resp, err := http.Get(s.URL + "/")
		if err == nil {
			resp.Body.Close()
			return s, nil
		}
		select {
		case err := <-done:
			return nil, fmt.Errorf("versitygw exited: %v\n%s", err, s.out.Bytes())
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			s.Stop()
			return nil, fmt.Errorf("versitygw did not answer at %s within 20 s\n%s", s.URL, s.out.Bytes())
		}
	}
}

// Stop ends the server.
func (s *Server) Stop() {
	if s.cmd.Process != nil {
		_ = s.cmd.Process.Kill()
	}
}

// Client is an S3 client for the server: its credentials, path-style
// addressing.
func (s *Server) Client() *s3.Client {
	return s3.New(s3.Options{
		Region:       Region,
		BaseEndpoint: aws.String(s.URL),
		UsePathStyle: true,
		Credentials:  credentials.NewStaticCredentialsProvider(AccessKey, SecretKey, ""),
	})
}

// Env is the function's environment for the server, as the runner's
// -env-vars file sets it.
func (s *Server) Env() map[string]string {
	return map[string]string{
		"AWS_ENDPOINT_URL_S3":    s.URL,
		"EXPLORER_S3_PATH_STYLE": "true",
		"AWS_ACCESS_KEY_ID":      AccessKey,
		"AWS_SECRET_ACCESS_KEY":  SecretKey,
		"AWS_REGION":             Region,
	}
}

// Wait blocks until ctx ends, then stops the server.
func (s *Server) Wait(ctx context.Context) {
	<-ctx.Done()
	s.Stop()
}
