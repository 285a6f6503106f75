package main

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/goapigw/webapp/infra/assembly"
)

func TestLocalOriginSecret(t *testing.T) {
	tests := []struct {
		name string
		fn   assembly.Function
		want bool // a secret and its file
	}{
		{name: "ARN resolved at deploy", fn: assembly.Function{Environment: map[string]string{"A": "1"}, Unresolved: []string{"B", originVerifySecretArnEnv}}, want: true},
		{name: "ARN as a string", fn: assembly.Function{Environment: map[string]string{"A": "1", originVerifySecretArnEnv: "arn:aws:secretsmanager:eu-west-1:111111111111:secret:x"}, Unresolved: []string{"B"}}, want: true},
		{name: "no origin verification", fn: assembly.Function{Environment: map[string]string{"A": "1"}, Unresolved: []string{"B"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			fn, secret, err := localOriginSecret(tt.fn, dir)
			if err != nil {
				t.Fatal(err)
			}
			if fn.Environment["A"] != "1" || !slices.Contains(fn.Unresolved, "B") {
				t.Errorf("the other variables changed: %+v", fn)
			}
			file, set := fn.Environment[originVerifySecretFileEnv]
			if !tt.want {
				if secret != "" || set {
					t.Errorf("got secret %t and %s=%q, want neither", secret != "", originVerifySecretFileEnv, file)
				}
				return
			}
			if len(secret) < 32 || !set || filepath.Dir(file) != dir {
				t.Fatalf("got a secret of %d characters and %s=%q, want 32+ and a file in %s", len(secret), originVerifySecretFileEnv, file, dir)
			}
			if _, ok := fn.Environment[originVerifySecretArnEnv]; ok || slices.Contains(fn.Unresolved, originVerifySecretArnEnv) {
				t.Errorf("the ARN variable stayed: %+v", fn)
			}
			if _, ok := tt.fn.Environment[originVerifySecretFileEnv]; ok {
				t.Errorf("the template's function was changed in place")
			}
			info, err := os.Stat(file)
			if err != nil {
				t.Fatal(err)
			}
			if info.Mode().Perm() != 0o600 {
				t.Errorf("the secret file's mode: got %v, want 0600", info.Mode().Perm())
			}
			if b, _ := os.ReadFile(file); string(b) != secret {
				t.Errorf("the file does not hold the secret")
			}
			if _, again, _ := localOriginSecret(tt.fn, t.TempDir()); again == secret {
				t.Errorf("two runs got the same secret")
			}
		})
	}
}

// TestCloudFrontOnlyThroughTheDoors serves the prod stack, whose construct
// turns origin verification on: the CloudFront door sends the run's secret
// and gets the page; the stage URL, which a caller could use to skip the
// distribution, gets the adapter's 403; the custom domain, a door of its
// own, gets the page. The secret never shows in the stack's log.
func TestCloudFrontOnlyThroughTheDoors(t *testing.T) {
	app := prodApp(t)
	if !verifiesOrigin(app.Function) {
		t.Fatalf("the prod function does not verify the origin: %+v", app.Function.Environment)
	}
	var logs lockedBuffer
	work := t.TempDir()
	s, _ := runningWith(t, app, func(c *stackConfig) { c.CloudFrontAddr = "127.0.0.1:0"; c.Log = &logs; c.WorkDir = work })
	for _, door := range []struct {
		name, url string
		status    int
		body      string
	}{
		{"CloudFront", s.CloudFrontURL, 200, "<html"},
		{"stage URL", s.StageURL, 403, "Forbidden: this API answers only through its CloudFront distribution"},
		{"custom domain", s.DomainURL, 200, "<html"},
	} {
		t.Run(door.name, func(t *testing.T) {
			res, body := fetch(t, "GET", door.url)
			if res.StatusCode != door.status || !strings.Contains(string(body), door.body) {
				t.Errorf("GET %s: got %d %.100q, want %d with %q", door.url, res.StatusCode, body, door.status, door.body)
			}
		})
	}
	secret, err := os.ReadFile(filepath.Join(work, "origin-verify-secret"))
	if err != nil || len(secret) == 0 {
		t.Fatalf("the run's secret file: %v", err)
	}
	if strings.Contains(logs.String(), string(secret)) {
		t.Error("the stack's log shows the origin secret")
	}
}
