package lambdaweb

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/goapigw/webapp/infra/gobuild"
	"github.com/goapigw/webapp/infra/lambdalocal"
)

// TestDeployHookUnderTheRIE runs the pre-traffic hook the construct bundles
// (DeployHookEntry, built by the bundler's recipe) under the real Lambda
// Runtime Interface Emulator, with the AWS SDK pointed at local stand-ins
// for Lambda's Invoke and CodeDeploy's PutLifecycleEventHookExecutionStatus
// (AWS_ENDPOINT_URL_LAMBDA, AWS_ENDPOINT_URL_CODEDEPLOY), and checks what it
// reports for a healthy version, one answering 500, and an invoke error,
// each well within its deadline.
func TestDeployHookUnderTheRIE(t *testing.T) {
	rie, err := lambdalocal.EmulatorBinary()
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(t.TempDir(), "bootstrap")
	if err := (gobuild.Build{ModuleDir: "../..", Entry: DeployHookEntry, GOARCH: runtime.GOARCH}).Run(bin); err != nil {
		t.Fatal(err)
	}

	// The new version, as Lambda's Invoke answers for it.
	var mu sync.Mutex
	var answer func(w http.ResponseWriter, payload []byte)
	var invoked []string
	lambdaAPI := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		payload, _ := io.ReadAll(r.Body)
		mu.Lock()
		invoked = append(invoked, r.URL.Path)
		a := answer
		mu.Unlock()
		a(w, payload)
	}))
	t.Cleanup(lambdaAPI.Close)
	var reported []string
	codeDeploy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var in struct{ DeploymentId, LifecycleEventHookExecutionId, Status string }
		_ = json.NewDecoder(r.Body).Decode(&in)
		mu.Lock()
		reported = append(reported, r.Header.Get("X-Amz-Target")+" "+in.DeploymentId+"/"+in.LifecycleEventHookExecutionId+"="+in.Status)
		mu.Unlock()
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		fmt.Fprintf(w, `{"lifecycleEventHookExecutionId":%q}`, in.LifecycleEventHookExecutionId)
	}))
	t.Cleanup(codeDeploy.Close)

	const target = "arn:aws:lambda:eu-west-1:111111111111:function:GoWebApp-prod-Function:7"
	emu, err := lambdalocal.StartEmulator(context.Background(), lambdalocal.EmulatorConfig{Binary: rie, Bootstrap: bin, Env: []string{
		"AWS_LAMBDA_FUNCTION_NAME=GoWebApp-prod-DeployHook", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE=128", "AWS_LAMBDA_FUNCTION_TIMEOUT=20",
		"AWS_REGION=eu-west-1", "AWS_ACCESS_KEY_ID=AKIDLOCAL", "AWS_SECRET_ACCESS_KEY=local-secret", "AWS_MAX_ATTEMPTS=1",
		"AWS_ENDPOINT_URL_LAMBDA=" + lambdaAPI.URL, "AWS_ENDPOINT_URL_CODEDEPLOY=" + codeDeploy.URL,
		"DEPLOY_HOOK_TARGET=" + target, "DEPLOY_HOOK_STAGE=prod", `DEPLOY_HOOK_SMOKE_TESTS=[{"path":"/","status":200}]`,
		"AWS_LAMBDA_LOG_FORMAT=JSON",
	}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(emu.Close)

	proxyAnswer := func(status int) func(http.ResponseWriter, []byte) {
		return func(w http.ResponseWriter, payload []byte) {
			var e struct {
				Path           string
				RequestContext struct{ DomainName string } `json:"requestContext"`
			}
			_ = json.Unmarshal(payload, &e)
			fmt.Fprintf(w, `{"statusCode":%d,"body":"answer of %s via %s"}`, status, e.Path, e.RequestContext.DomainName)
		}
	}
	tests := []struct {
		name   string
		answer func(http.ResponseWriter, []byte)
		want   string
	}{
		{name: "healthy version", answer: proxyAnswer(200), want: "Succeeded"},
		{name: "version answering 500", answer: proxyAnswer(500), want: "Failed"},
		{name: "invoke error", answer: func(w http.ResponseWriter, _ []byte) {
			w.Header().Set("X-Amzn-ErrorType", "ServiceException")
			w.WriteHeader(http.StatusInternalServerError)
			_, _ = io.WriteString(w, `{"Message":"Lambda is unavailable"}`)
		}, want: "Failed"},
		{name: "function error", answer: func(w http.ResponseWriter, _ []byte) {
			w.Header().Set("X-Amz-Function-Error", "Unhandled")
			_, _ = io.WriteString(w, `{"errorMessage":"boom","errorType":"Panic"}`)
		}, want: "Failed"},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mu.Lock()
			answer, invoked, reported = tt.answer, nil, nil
			mu.Unlock()
			ids := fmt.Sprintf(`{"DeploymentId":"d-%d","LifecycleEventHookExecutionId":"hook-%d"}`, i, i)
			start := time.Now()
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			out, err := emu.RIE.Invoke(ctx, []byte(ids))
			took := time.Since(start)
			if err != nil {
				t.Fatalf("invoke the hook: %v", err)
			}
			mu.Lock()
			defer mu.Unlock()
			want := fmt.Sprintf("CodeDeploy_20141006.PutLifecycleEventHookExecutionStatus d-%d/hook-%d=%s", i, i, tt.want)
			if len(reported) != 1 || reported[0] != want {
				t.Errorf("reported %q, want [%q] (the hook answered %s)", reported, want, out)
			}
			if len(invoked) == 0 || !strings.HasSuffix(invoked[0], "/functions/"+strings.ReplaceAll(target, ":", "%3A")+"/invocations") &&
				!strings.HasSuffix(invoked[0], "/functions/"+target+"/invocations") {
				t.Errorf("invoked %q, want the new version %s", invoked, target)
			}
			fmt.Printf("deploy hook under the RIE (%s): reported %s in %.0f ms\n", tt.name, tt.want, float64(took.Microseconds())/1000)
		})
	}
}
