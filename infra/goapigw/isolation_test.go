package main

import (
	"encoding/base64"
	"io"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/goapigw/webapp/infra/assembly"
)

// TestDoorsAnswerOnlyLoopbackHosts sends each door requests with the Host a
// DNS-rebinding page would send: they must get 421, not the app.
func TestDoorsAnswerOnlyLoopbackHosts(t *testing.T) {
	a := slowApp(true, 3*time.Second)
	a.CloudFront = &assembly.CloudFront{CachingDisabled: true}
	s, _ := runningWith(t, a, func(c *stackConfig) { c.CloudFrontAddr = "127.0.0.1:0" })
	hosts := []struct {
		host string
		ok   bool
	}{
		{"localhost", true}, {"localhost:{port}", true}, {"127.0.0.1:{port}", true}, {"127.0.0.2", true}, {"[::1]:{port}", true},
		{"evil.example", false}, {"evil.example:{port}", false}, {"localhost.evil.example", false},
		{"127.0.0.1.nip.io:{port}", false}, {"0.0.0.0:{port}", false},
	}
	for name, door := range map[string]string{"stage": s.StageURL, "domain": s.DomainURL, "CloudFront": s.CloudFrontURL} {
		u, err := url.Parse(door)
		if err != nil {
			t.Fatal(err)
		}
		port := u.Port()
		for _, h := range hosts {
			host := strings.ReplaceAll(h.host, "{port}", port)
			t.Run(name+"/"+host, func(t *testing.T) {
				req, _ := http.NewRequest("GET", door, nil)
				req.Host = host
				res, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				body, _ := io.ReadAll(res.Body)
				res.Body.Close()
				reached := res.StatusCode == 200 && string(body) == "fast"
				if h.ok && !reached {
					t.Errorf("got %d %q, want the app's 200 \"fast\"", res.StatusCode, body)
				}
				if !h.ok && (res.StatusCode != http.StatusMisdirectedRequest || reached) {
					t.Errorf("got %d %q, want 421", res.StatusCode, body)
				}
			})
		}
	}
}

// TestFunctionEnvironmentThroughTheStack reads the environments of the
// app's and the authorizer's bootstraps: the template's variables and
// Lambda's, none of the shell's, credentials only with -aws-credentials and
// only for the app.
func TestFunctionEnvironmentThroughTheStack(t *testing.T) {
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIATESTTESTTEST")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "test-secret")
	t.Setenv("AWS_SESSION_TOKEN", "test-session")
	t.Setenv("AWS_REGION", "eu-west-1")
	t.Setenv("MY_SHELL_VAR", "x")
	a := slowApp(false, 3*time.Second)
	a.Function.Environment["TEMPLATE_VAR"] = "from-template"
	a.Function.Unresolved = []string{originVerifySecretArnEnv}
	a.Authorizer = &assembly.AuthorizerRecord{Module: "github.com/goapigw/webapp", Entry: "./function/authorizer", Realm: "Test"}
	a.AuthorizerFunction = &assembly.Function{MemorySize: 128, Timeout: 5 * time.Second, Environment: map[string]string{"AUTH_TEMPLATE_VAR": "a"}}
	users := htpasswdFile(t, map[string]string{"alice": "pw-0123456789"})
	auth := "Basic " + base64.StdEncoding.EncodeToString([]byte("alice:pw-0123456789"))
	creds, err := shellCredentials(os.Getenv)
	if err != nil {
		t.Fatal(err)
	}
	for _, withCreds := range []bool{false, true} {
		t.Run("aws-credentials="+strconv.FormatBool(withCreds), func(t *testing.T) {
			var logs lockedBuffer
			s, _ := runningWith(t, a, func(c *stackConfig) {
				c.Htpasswd, c.Verbose, c.Log = users, true, &logs
				if withCreds {
					c.Credentials = creds
				}
			})
			if res, body := get(t, s.DomainURL, auth); res.StatusCode != 200 {
				t.Fatalf("got %d %q, want 200", res.StatusCode, body)
			}
			app, authz := environ(t, s.pgid()), environ(t, s.authPGID())
			for name, env := range map[string]map[string]string{"app": app, "authorizer": authz} {
				for _, k := range []string{"MY_SHELL_VAR", "HOME", "GOCACHE", "GOFLAGS", "PWD", "SHELL"} {
					if v, ok := env[k]; ok {
						t.Errorf("%s: %s=%q reached the function, want it absent", name, k, v)
					}
				}
				if env["TZ"] != ":UTC" || env["LAMBDA_TASK_ROOT"] == "" {
					t.Errorf("%s: TZ %q, LAMBDA_TASK_ROOT %q: want Lambda's variables", name, env["TZ"], env["LAMBDA_TASK_ROOT"])
				}
			}
			if app["TEMPLATE_VAR"] != "from-template" || app["AWS_LAMBDA_FUNCTION_NAME"] != "local-web-app" || app["APIGW_INTEGRATION_TIMEOUT_MS"] != "3000" {
				t.Errorf("app: the template's variables are missing: %v", app)
			}
			if authz["AUTH_TEMPLATE_VAR"] != "a" || authz["BASIC_AUTH_HTPASSWD_FILE"] != users {
				t.Errorf("authorizer: the template's variables are missing: %v", authz)
			}
			if _, ok := authz["AWS_SECRET_ACCESS_KEY"]; ok {
				t.Errorf("authorizer: got AWS credentials, want none")
			}
			wantKey, wantRegion := "", "local"
			if withCreds {
				wantKey, wantRegion = "test-secret", "eu-west-1"
			}
			if app["AWS_SECRET_ACCESS_KEY"] != wantKey || app["AWS_REGION"] != wantRegion {
				t.Errorf("app: AWS_SECRET_ACCESS_KEY %q, AWS_REGION %q; want %q, %q", app["AWS_SECRET_ACCESS_KEY"], app["AWS_REGION"], wantKey, wantRegion)
			}
			// Origin verification: a file for the secret, not the ARN.
			file := app[originVerifySecretFileEnv]
			secret, err := os.ReadFile(file)
			if err != nil || len(secret) < 32 {
				t.Fatalf("app: %s=%q: %v, want a file of the secret", originVerifySecretFileEnv, file, err)
			}
			if _, ok := app[originVerifySecretArnEnv]; ok {
				t.Errorf("app: %s is set, want it replaced by the file", originVerifySecretArnEnv)
			}
			if strings.Contains(logs.String(), string(secret)) || strings.Contains(logs.String(), "test-secret") {
				t.Errorf("a secret is in the log:\n%s", logs.String())
			}
		})
	}
}

// environ reads the environment of process pid.
func environ(tb testing.TB, pid int) map[string]string {
	tb.Helper()
	raw, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/environ")
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
