package main

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"

	"github.com/goapigw/webapp/internal/cdkjson"
	"github.com/goapigw/webapp/internal/guard"
)

// cdkContext reads cdk.json's context, as the CLI passes it to the app.
func cdkContext(tb testing.TB) map[string]any {
	tb.Helper()
	return cdkjson.Context(tb, filepath.Join("..", "cdk.json"))
}

// TestEveryEnvironment synthesizes each environment of cdk.json with
// CloudFormation schema validation and cdk-nag's AwsSolutions checks: zero
// errors, no AWS account involved.
func TestEveryEnvironment(t *testing.T) {
	ctx := cdkContext(t)
	if ctx["@aws-cdk/core:validateAgainstDefaultRules"] != true {
		t.Fatal("cdk.json must set @aws-cdk/core:validateAgainstDefaultRules so findings are errors")
	}
	ctx["aws:cdk:bundling-stacks"] = []string{} // the construct tests check bundling
	t.Chdir("..")                               // where cdk runs the app
	app := awscdk.NewApp(&awscdk.AppProps{Context: &ctx, Outdir: jsii.String(t.TempDir())})
	if err := build(app); err != nil {
		t.Fatal(err)
	}
	awscdk.Aspects_Of(app).Add(cdknag.NewAwsSolutionsChecks(&cdknag.NagPackProps{Verbose: jsii.Bool(true)}), nil)
	asm := app.Synth(nil) // panics on a validation finding

	envs := ctx["environments"].(map[string]any)
	if len(*asm.Stacks()) != len(envs) {
		t.Errorf("stacks: got %d, want one per environment (%d)", len(*asm.Stacks()), len(envs))
	}
	for name := range envs {
		t.Run(name, func(t *testing.T) {
			stack, ok := app.Node().TryFindChild(jsii.String(StackPrefix + name)).(awscdk.Stack)
			if !ok {
				t.Fatalf("no stack %s%s", StackPrefix, name)
			}
			for _, e := range *assertions.Annotations_FromStack(stack).FindError(jsii.String("*"), assertions.Match_StringLikeRegexp(jsii.String("AwsSolutions-.*"))) {
				finding, _ := json.Marshal(e)
				t.Errorf("cdk-nag: %s", finding)
			}
			// AWS Control Tower's proactive controls: fixed or acknowledged.
			acked := guard.RequireAcknowledged(t, ".", filepath.Join(*asm.Directory(), *stack.TemplateFile())) // the test runs in the repository root
			controls := map[string]bool{}
			for _, f := range acked {
				controls[f.Control] = true
			}
			fmt.Printf("proactive controls (%s): %d findings acknowledged, on %d controls\n", name, len(acked), len(controls))
			tmpl := assertions.Template_FromStack(stack, nil)
			env := envs[name].(map[string]any)
			_, auth := env["basicAuth"]
			functions, authorizers := 1, 0
			if auth {
				functions, authorizers = 2, 1 // the app and the authorizer
			}
			pools := 0
			if l, ok := env["login"].(map[string]any); ok && l["oidc"] == nil {
				// CDK's custom resource that reads the app client's secret
				// at deploy time, for the Secrets Manager copy.
				functions++
				if l["userPoolId"] == nil {
					pools = 1
				}
			}
			tmpl.ResourceCountIs(jsii.String("AWS::Cognito::UserPool"), jsii.Number(float64(pools)))
			groups := 0
			if _, ok := env["deployment"]; ok {
				functions, groups = functions+1, 1 // the pre-traffic hook; CodeDeploy shifts the alias
			}
			tmpl.ResourceCountIs(jsii.String("AWS::CodeDeploy::DeploymentGroup"), jsii.Number(float64(groups)))
			tmpl.ResourceCountIs(jsii.String("AWS::Lambda::Function"), jsii.Number(float64(functions)))
			tmpl.ResourceCountIs(jsii.String("AWS::ApiGateway::Authorizer"), jsii.Number(float64(authorizers)))
			tmpl.ResourceCountIs(jsii.String("AWS::ApiGateway::RestApi"), jsii.Number(1))
			mode := "BUFFERED"
			if env["responseStreaming"] == true {
				mode = "STREAM"
			}
			for id, m := range *tmpl.FindResources(jsii.String("AWS::ApiGateway::Method"), nil) {
				if got := (*m)["Properties"].(map[string]any)["Integration"].(map[string]any)["ResponseTransferMode"]; got != mode {
					t.Errorf("method %s: transfer mode %v, want %s", id, got, mode)
				}
			}
		})
	}

	for name, want := range map[string]bool{"dev": false, "staging": true, "prod": false} {
		_, got := envs[name].(map[string]any)["basicAuth"]
		if got != want {
			t.Errorf("%s: basic auth %v, want %v (dev stays public, staging asks)", name, got, want)
		}
	}
	if _, ok := envs["team"].(map[string]any)["login"]; !ok {
		t.Error("team: no login; the team's internal app signs people in")
	}
	for _, name := range []string{"dev", "staging", "team", "prod"} {
		if envs[name].(map[string]any)["responseStreaming"] != true {
			t.Errorf("%s does not stream", name)
		}
	}

	prod := assertions.Template_FromStack(app.Node().TryFindChild(jsii.String(StackPrefix+"prod")).(awscdk.Stack), nil)
	prod.HasResourceProperties(jsii.String("AWS::ApiGateway::DomainName"), &map[string]any{
		"DomainName": "app.example.com", "SecurityPolicy": "TLS_1_2",
	})
	prod.HasResourceProperties(jsii.String("AWS::CloudFront::Distribution"), assertions.Match_ObjectLike(&map[string]any{
		"DistributionConfig": assertions.Match_ObjectLike(&map[string]any{
			"Aliases": []string{"www.example.com"},
			"Origins": []any{assertions.Match_ObjectLike(&map[string]any{
				// The prefix, and the origin secret that keeps the stage
				// URL closed to callers that skip the distribution.
				"OriginCustomHeaders": []any{
					map[string]any{"HeaderName": "X-Forwarded-Prefix", "HeaderValue": "/"},
					assertions.Match_ObjectLike(&map[string]any{"HeaderName": "X-Origin-Verify"}),
				},
			})},
		}),
	}))
	// Production readiness: alarms to the ops topic, tracing, a cost
	// ceiling, and a cache policy that keeps the hashed assets at the edge.
	prod.ResourceCountIs(jsii.String("AWS::CloudWatch::Alarm"), jsii.Number(4+3)) // Monitoring's, and the three that roll a deployment back
	prod.HasResourceProperties(jsii.String("AWS::CloudWatch::Alarm"), assertions.Match_ObjectLike(&map[string]any{
		"MetricName": "5XXError", "AlarmActions": []any{"arn:aws:sns:eu-west-1:111111111111:ops-alarms"},
	}))
	prod.ResourceCountIs(jsii.String("AWS::CloudWatch::Dashboard"), jsii.Number(1))
	prod.HasResourceProperties(jsii.String("AWS::ApiGateway::Stage"), assertions.Match_ObjectLike(&map[string]any{"TracingEnabled": true}))
	prod.HasResourceProperties(jsii.String("AWS::Lambda::Function"), assertions.Match_ObjectLike(&map[string]any{
		"TracingConfig": map[string]any{"Mode": "Active"}, "ReservedConcurrentExecutions": 100,
	}))
	prod.HasResourceProperties(jsii.String("AWS::CloudFront::CachePolicy"), assertions.Match_ObjectLike(&map[string]any{
		"CachePolicyConfig": assertions.Match_ObjectLike(&map[string]any{"DefaultTTL": 0, "MaxTTL": 31536000}),
	}))

	// The origin path is "/" and the stage, cut from the stage URL.
	dists := prod.FindResources(jsii.String("AWS::CloudFront::Distribution"), nil)
	for _, d := range *dists {
		b, _ := json.Marshal((*d)["Properties"])
		if !strings.Contains(string(b), `"OriginPath":{"Fn::Join":["",["/",{"Fn::Select":[3,{"Fn::Split":["/",{"Fn::Join":["",["https://",{"Ref":"WebAppApi`) {
			t.Errorf("origin path is not the stage of the stage URL: %s", b)
		}
	}
}

func TestEnvironmentErrors(t *testing.T) {
	tests := []struct {
		name string
		envs map[string]any
		want string
	}{
		{name: "no environments", envs: nil, want: `cdk.json has no context "environments"`},
		{name: "typo in a key", envs: map[string]any{"dev": map[string]any{"memorySise": 512}}, want: `cdk.json environment "dev": json: unknown field "memorySise"`},
		{name: "unknown architecture", envs: map[string]any{"dev": map[string]any{"architecture": "riscv"}}, want: `environment "dev": architecture "riscv" is unknown: use "arm64" or "x86_64"`},
		{name: "unknown retention", envs: map[string]any{"dev": map[string]any{"logRetentionDays": 10}}, want: `environment "dev": logRetentionDays 10 is not a CloudWatch retention`},
		{name: "unknown login MFA", envs: map[string]any{"dev": map[string]any{"login": map[string]any{"domainPrefix": "shop", "mfa": "sms"}}}, want: `environment "dev": login.mfa "sms" is unknown: use "off", "optional" or "required"`},
		{name: "unknown login removal policy", envs: map[string]any{"dev": map[string]any{"login": map[string]any{"domainPrefix": "shop", "removalPolicy": "snapshot"}}}, want: `environment "dev": login.removalPolicy "snapshot" is unknown: use "retain" or "destroy" (throwaway environments only)`},
		{name: "unknown log level", envs: map[string]any{"dev": map[string]any{"logLevel": "verbose"}}, want: `environment "dev": logLevel "verbose" is not a Lambda application log level: use one of TRACE, DEBUG, INFO, WARN, ERROR, FATAL`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := map[string]any{"aws:cdk:bundling-stacks": []string{}}
			if tt.envs != nil {
				ctx["environments"] = tt.envs
			}
			err := build(awscdk.NewApp(&awscdk.AppProps{Context: &ctx}))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %v, want an error containing %q", err, tt.want)
			}
		})
	}
}

// TestLoginEnvironment: cdk.json's "login" key reaches the construct (no
// environment of cdk.json uses it yet: the local runner does not serve Login).
func TestLoginEnvironment(t *testing.T) {
	ctx := map[string]any{"aws:cdk:bundling-stacks": []string{}, "environments": map[string]any{
		"pr": map[string]any{"login": map[string]any{"domainPrefix": "shop-pr-17", "removalPolicy": "destroy", "mfa": "required"}},
	}}
	t.Chdir("..") // the CDK app runs in the module's root
	app := awscdk.NewApp(&awscdk.AppProps{Context: &ctx})
	if err := build(app); err != nil {
		t.Fatal(err)
	}
	stack := app.Node().FindChild(jsii.String(StackPrefix + "pr")).(awscdk.Stack)
	tmpl := assertions.Template_FromStack(stack, nil)
	tmpl.HasResource(jsii.String("AWS::Cognito::UserPool"), map[string]any{
		"DeletionPolicy": "Delete",
		"Properties":     map[string]any{"MfaConfiguration": "ON", "DeletionProtection": "INACTIVE"},
	})
	tmpl.HasResourceProperties(jsii.String("AWS::Cognito::UserPoolDomain"), map[string]any{"Domain": "shop-pr-17"})
}
