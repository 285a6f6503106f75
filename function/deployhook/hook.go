package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"runtime/debug"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/codedeploy"
	cdtypes "github.com/aws/aws-sdk-go-v2/service/codedeploy/types"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
)

// SmokeTest is one request of the hook and the status it expects.
type SmokeTest struct {
	Path   string `json:"path"`
	Status int    `json:"status"`
}

// Event is what CodeDeploy sends a lifecycle hook.
type Event struct {
	DeploymentID                  string `json:"DeploymentId"`
	LifecycleEventHookExecutionID string `json:"LifecycleEventHookExecutionId"`
}

// Invoker is the part of the Lambda client the hook uses.
type Invoker interface {
	Invoke(context.Context, *lambda.InvokeInput, ...func(*lambda.Options)) (*lambda.InvokeOutput, error)
}

// Reporter is the part of the CodeDeploy client the hook uses.
type Reporter interface {
	PutLifecycleEventHookExecutionStatus(context.Context, *codedeploy.PutLifecycleEventHookExecutionStatusInput, ...func(*codedeploy.Options)) (*codedeploy.PutLifecycleEventHookExecutionStatusOutput, error)
}

// Hook runs the smoke tests and reports.
type Hook struct {
	Lambda     Invoker
	CodeDeploy Reporter
	Target     string // the new version's ARN
	Tests      []SmokeTest
	Stage      string
	Principal  string // "" for an event without an authorizer
	Log        *slog.Logger
	// ReportMargin is kept free before the deadline for the report.
	ReportMargin time.Duration
	// PerTest caps each invocation.
	PerTest time.Duration
}

// Handle runs the smoke tests against the target and reports the outcome;
// it returns an error only when the report itself fails.
func (h *Hook) Handle(ctx context.Context, e Event) error {
	start := time.Now()
	status := cdtypes.LifecycleEventStatusFailed
	func() {
		defer func() {
			if v := recover(); v != nil {
				h.Log.Error("deployhook: panic; reporting Failed", "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
			}
		}()
		runCtx := ctx
		if d, ok := ctx.Deadline(); ok {
			var cancel context.CancelFunc
			runCtx, cancel = context.WithDeadline(ctx, d.Add(-h.ReportMargin))
			defer cancel()
		}
		if err := h.run(runCtx); err != nil {
			h.Log.Error("deployhook: smoke test failed; reporting Failed", "target", h.Target, "error", err.Error())
			return
		}
		status = cdtypes.LifecycleEventStatusSucceeded
	}()
	// The report gets a context of its own: the tests' may be spent.
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), h.ReportMargin)
	defer cancel()
	_, err := h.CodeDeploy.PutLifecycleEventHookExecutionStatus(rctx, &codedeploy.PutLifecycleEventHookExecutionStatusInput{
		DeploymentId:                  aws.String(e.DeploymentID),
		LifecycleEventHookExecutionId: aws.String(e.LifecycleEventHookExecutionID),
		Status:                        status,
	})
	h.Log.Info("deployhook: reported", "deploymentId", e.DeploymentID, "status", string(status),
		"target", h.Target, "duration_ms", time.Since(start).Milliseconds())
	if err != nil {
		return fmt.Errorf("report %s for deployment %s: %w", status, e.DeploymentID, err)
	}
	return nil
}

func (h *Hook) run(ctx context.Context) error {
	if h.Target == "" {
		return errors.New("no target version (DEPLOY_HOOK_TARGET is empty)")
	}
	if len(h.Tests) == 0 {
		return errors.New("no smoke tests")
	}
	for _, t := range h.Tests {
		if err := h.one(ctx, t); err != nil {
			return err
		}
	}
	return nil
}

// one invokes the target with t's event and checks the answer.
func (h *Hook) one(ctx context.Context, t SmokeTest) error {
	payload, err := SmokeEvent(t.Path, h.Stage, h.Principal)
	if err != nil {
		return fmt.Errorf("smoke test %s: %w", t.Path, err)
	}
	ctx, cancel := context.WithTimeout(ctx, h.PerTest)
	defer cancel()
	t0 := time.Now()
	out, err := h.Lambda.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String(h.Target), Payload: payload})
	if err != nil {
		return fmt.Errorf("smoke test %s: invoke %s: %w", t.Path, h.Target, err)
	}
	if out.FunctionError != nil {
		return fmt.Errorf("smoke test %s: the function failed (%s): %s", t.Path, *out.FunctionError, clip(out.Payload))
	}
	status, body, err := answer(out.Payload)
	if err != nil {
		return fmt.Errorf("smoke test %s: %w", t.Path, err)
	}
	if status != t.Status {
		return fmt.Errorf("smoke test %s: got status %d, want %d; body: %s", t.Path, status, t.Status, clip([]byte(body)))
	}
	h.Log.Info("deployhook: smoke test passed", "path", t.Path, "status", status, "duration_ms", time.Since(t0).Milliseconds())
	return nil
}

// answer reads the status and body of the adapter's answer, in the
// buffered proxy format or the streaming one (a JSON prelude, eight NUL
// bytes, the body).
func answer(raw []byte) (int, string, error) {
	prelude, body, streamed := strings.Cut(string(raw), "\x00\x00\x00\x00\x00\x00\x00\x00")
	var res struct {
		StatusCode int    `json:"statusCode"`
		Body       string `json:"body"`
	}
	if err := json.Unmarshal([]byte(prelude), &res); err != nil || res.StatusCode == 0 {
		return 0, "", fmt.Errorf("the answer is not a proxy response: %s", clip(raw))
	}
	if !streamed {
		body = res.Body
	}
	return res.StatusCode, body, nil
}

// SmokeEvent is the REST proxy event (payload 1.0) for a GET of path, as API
// Gateway sends it for the stage URL, but at the domain
// "deployhook.invalid" that no API Gateway event can carry (see doc.go).
func SmokeEvent(path, stage, principal string) ([]byte, error) {
	u, err := url.Parse(path)
	if err != nil || !strings.HasPrefix(u.Path, "/") {
		return nil, fmt.Errorf("path %q is not an absolute path", path)
	}
	resource, params := "/", map[string]string(nil)
	if u.Path != "/" {
		resource, params = "/{proxy+}", map[string]string{"proxy": strings.TrimPrefix(u.Path, "/")}
	}
	var query map[string][]string
	if u.RawQuery != "" {
		query = u.Query()
	}
	rc := map[string]any{
		"resourcePath": resource, "httpMethod": "GET", "path": "/" + stage + u.Path, "stage": stage,
		"domainName": Domain, "requestId": "deployhook", "protocol": "HTTP/1.1",
		"identity": map[string]any{"sourceIp": "127.0.0.1", "userAgent": "deployhook"},
	}
	if principal != "" {
		rc["authorizer"] = map[string]any{"principalId": principal}
	}
	return json.Marshal(map[string]any{
		"resource": resource, "path": u.Path, "httpMethod": "GET",
		"multiValueHeaders": map[string][]string{
			"Host": {Domain}, "User-Agent": {"deployhook"}, "Accept": {"*/*"}, "X-Forwarded-Proto": {"https"},
		},
		"multiValueQueryStringParameters": query,
		"pathParameters":                  params,
		"requestContext":                  rc,
		"isBase64Encoded":                 false,
	})
}

// Domain is the smoke event's domain: an .invalid name (RFC 2606), which
// no custom domain can have.
const Domain = "deployhook.invalid"

func clip(b []byte) string {
	const n = 300
	if len(b) > n {
		return string(b[:n]) + "…"
	}
	return string(b)
}
