package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/codedeploy"
	awslambda "github.com/aws/aws-sdk-go-v2/service/lambda"

	"github.com/goapigw/webapp/function/identity"
	"github.com/goapigw/webapp/function/originverify"
	"github.com/goapigw/webapp/function/restproxy"
)

// codeDeployStandIn answers PutLifecycleEventHookExecutionStatus as
// CodeDeploy does (JSON 1.1) and records the statuses reported.
type codeDeployStandIn struct {
	mu       sync.Mutex
	statuses []string
}

func (c *codeDeployStandIn) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if got := r.Header.Get("X-Amz-Target"); got != "CodeDeploy_20141006.PutLifecycleEventHookExecutionStatus" {
		http.Error(w, "unexpected target "+got, http.StatusBadRequest)
		return
	}
	var in struct{ DeploymentId, LifecycleEventHookExecutionId, Status string }
	_ = json.NewDecoder(r.Body).Decode(&in)
	c.mu.Lock()
	c.statuses = append(c.statuses, in.DeploymentId+"/"+in.LifecycleEventHookExecutionId+"="+in.Status)
	c.mu.Unlock()
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	_, _ = io.WriteString(w, `{"lifecycleEventHookExecutionId":"`+in.LifecycleEventHookExecutionId+`"}`)
}

// lambdaStandIn answers Invoke (POST /2015-03-31/functions/NAME/invocations)
// by running the payload through fn, the way Lambda returns a function's
// answer, and records the function names invoked.
func lambdaStandIn(tb testing.TB, fn func(payload []byte) ([]byte, int)) (*httptest.Server, *[]string) {
	var mu sync.Mutex
	var names []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name, ok := strings.CutPrefix(r.URL.EscapedPath(), "/2015-03-31/functions/")
		name, ok2 := strings.CutSuffix(name, "/invocations")
		if !ok || !ok2 {
			http.Error(w, "unexpected path "+r.URL.Path, http.StatusNotFound)
			return
		}
		name, _ = url.PathUnescape(name)
		mu.Lock()
		names = append(names, name)
		mu.Unlock()
		payload, _ := io.ReadAll(r.Body)
		out, code := fn(payload)
		w.WriteHeader(code)
		_, _ = w.Write(out)
	}))
	tb.Cleanup(srv.Close)
	return srv, &names
}

const target = "arn:aws:lambda:eu-west-1:111111111111:function:GoWebApp-prod-Web:7"

func newHook(lambdaURL, codeDeployURL string, logs io.Writer) *Hook {
	cfg := aws.Config{Region: "eu-west-1", Credentials: aws.AnonymousCredentials{}, RetryMaxAttempts: 1}
	return &Hook{
		Lambda: awslambda.NewFromConfig(cfg, func(o *awslambda.Options) { o.BaseEndpoint = aws.String(lambdaURL) }),
		CodeDeploy: codedeploy.NewFromConfig(cfg, func(o *codedeploy.Options) {
			o.BaseEndpoint = aws.String(codeDeployURL)
		}),
		Target: target, Tests: []SmokeTest{{Path: "/", Status: 200}, {Path: "/healthz?deep=1", Status: 200}},
		Stage: "prod", Log: slog.New(slog.NewJSONHandler(logs, nil)),
		ReportMargin: 2 * time.Second, PerTest: 500 * time.Millisecond,
	}
}

// app is the new version's handler behind the real adapter, which checks
// the origin secret (CloudFront in front) as a deployed function does.
func app(tb testing.TB, status int) func([]byte) ([]byte, int) {
	secret := filepath.Join(tb.TempDir(), "origin-secret")
	if err := os.WriteFile(secret, []byte("s3cret"), 0o600); err != nil {
		tb.Fatal(err)
	}
	h := restproxy.Wrap(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if u, ok := identity.UserFromContext(r.Context()); !ok || u.Subject != "deployhook" {
			http.Error(w, "not signed in", http.StatusUnauthorized)
			return
		}
		w.WriteHeader(status)
		_, _ = io.WriteString(w, "answer of "+r.URL.Path)
	}), restproxy.WithLogger(slog.New(slog.DiscardHandler)),
		restproxy.WithOriginVerifier(originverify.New(originverify.File(secret))))
	return func(payload []byte) ([]byte, int) {
		out, err := h.Invoke(context.Background(), payload)
		if err != nil {
			return []byte(`{"errorMessage":"` + err.Error() + `"}`), 200
		}
		return out, 200
	}
}

func TestHookReports(t *testing.T) {
	tests := []struct {
		name    string
		fn      func(testing.TB) func([]byte) ([]byte, int)
		want    string
		wantLog string
	}{
		{"healthy version", func(tb testing.TB) func([]byte) ([]byte, int) { return app(tb, 200) }, "Succeeded", `smoke test passed","path":"/healthz?deep=1"`},
		{"version answering 500", func(tb testing.TB) func([]byte) ([]byte, int) { return app(tb, 500) }, "Failed", `got status 500, want 200; body: answer of /`},
		{"invoke error", func(testing.TB) func([]byte) ([]byte, int) {
			return func([]byte) ([]byte, int) {
				return []byte(`{"Type":"User","message":"Function not found: ` + target + `"}`), 404
			}
		}, "Failed", `invoke ` + target},
		{"function error", func(testing.TB) func([]byte) ([]byte, int) {
			return func([]byte) ([]byte, int) { return []byte(`{"errorMessage":"boom"}`), 200 }
		}, "Failed", `not a proxy response`},
		{"version that hangs", func(testing.TB) func([]byte) ([]byte, int) {
			return func([]byte) ([]byte, int) { time.Sleep(time.Second); return nil, 200 }
		}, "Failed", `context deadline exceeded`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lam, names := lambdaStandIn(t, tt.fn(t))
			cd := &codeDeployStandIn{}
			cdSrv := httptest.NewServer(cd)
			defer cdSrv.Close()
			var logs bytes.Buffer
			h := newHook(lam.URL, cdSrv.URL, &logs)
			h.Principal = "deployhook"
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			start := time.Now()
			if err := h.Handle(ctx, Event{DeploymentID: "d-1", LifecycleEventHookExecutionID: "e-1"}); err != nil {
				t.Fatalf("Handle: %v", err)
			}
			took := time.Since(start)
			t.Logf("%s: reported in %v", tt.name, took.Round(time.Millisecond))
			if want := []string{"d-1/e-1=" + tt.want}; strings.Join(cd.statuses, ",") != want[0] {
				t.Errorf("reports: got %v, want %v", cd.statuses, want)
			}
			if !strings.Contains(logs.String(), tt.wantLog) {
				t.Errorf("log: got %s, want it to contain %s", logs.String(), tt.wantLog)
			}
			if len(*names) == 0 || (*names)[0] != target {
				t.Errorf("invoked: got %v, want %s", *names, target)
			}
			if took > 5*time.Second {
				t.Errorf("took %v: the hook must report well before its deadline", took)
			}
		})
	}
}

// panicky is an Invoker that panics.
type panicky struct{}

func (panicky) Invoke(context.Context, *awslambda.InvokeInput, ...func(*awslambda.Options)) (*awslambda.InvokeOutput, error) {
	panic("boom")
}

func TestHookReportsFailedOnPanicAndNearTheDeadline(t *testing.T) {
	cd := &codeDeployStandIn{}
	cdSrv := httptest.NewServer(cd)
	defer cdSrv.Close()
	var logs bytes.Buffer
	h := newHook("http://127.0.0.1:1", cdSrv.URL, &logs)
	h.Lambda = panicky{}
	if err := h.Handle(context.Background(), Event{DeploymentID: "d-2", LifecycleEventHookExecutionID: "e-2"}); err != nil {
		t.Fatalf("Handle: %v", err)
	}
	// A deadline already inside the report margin: no test runs, the
	// report still goes out.
	lam, _ := lambdaStandIn(t, app(t, 200))
	h = newHook(lam.URL, cdSrv.URL, &logs)
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if err := h.Handle(ctx, Event{DeploymentID: "d-3", LifecycleEventHookExecutionID: "e-3"}); err != nil {
		t.Fatalf("Handle: %v", err)
	}
	if got, want := strings.Join(cd.statuses, ","), "d-2/e-2=Failed,d-3/e-3=Failed"; got != want {
		t.Errorf("reports: got %s, want %s", got, want)
	}
}

func TestHookReturnsTheReportError(t *testing.T) {
	lam, _ := lambdaStandIn(t, app(t, 200))
	cdSrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		w.WriteHeader(400)
		_, _ = io.WriteString(w, `{"__type":"LifecycleEventAlreadyCompletedException","message":"done"}`)
	}))
	defer cdSrv.Close()
	h := newHook(lam.URL, cdSrv.URL, io.Discard)
	if err := h.Handle(context.Background(), Event{DeploymentID: "d-4", LifecycleEventHookExecutionID: "e-4"}); err == nil || !strings.Contains(err.Error(), "LifecycleEventAlreadyCompleted") {
		t.Errorf("Handle: got %v, want the report's error", err)
	}
}

func TestSmokeEventIsOneAPIGatewayCannotSend(t *testing.T) {
	raw, err := SmokeEvent("/a/b?x=1", "prod", "")
	if err != nil {
		t.Fatal(err)
	}
	var e struct {
		Resource       string
		Path           string
		RequestContext map[string]any
	}
	_ = json.Unmarshal(raw, &e)
	if e.Resource != "/{proxy+}" || e.Path != "/a/b" || e.RequestContext["domainName"] != Domain || e.RequestContext["authorizer"] != nil {
		t.Errorf("event: got %s", raw)
	}
	if _, err := SmokeEvent("a", "prod", ""); err == nil {
		t.Error("relative path: got no error")
	}
}
