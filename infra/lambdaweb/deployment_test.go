package lambdaweb_test

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscertificatemanager"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscodedeploy"
	"github.com/aws/jsii-runtime-go"

	"github.com/goapigw/webapp/infra/lambdaweb"
)

func single(tb testing.TB, m map[string]map[string]any, what string) (string, map[string]any) {
	tb.Helper()
	if len(m) != 1 {
		tb.Fatalf("%s: got %d, want 1", what, len(m))
	}
	for id, r := range m {
		return id, r
	}
	return "", nil
}

func jsonOf(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// TestDeployment: with Deployment, in every mode and with every front
// door and sign-in, both methods invoke the alias through the URI of
// their mode, the permissions are on the alias, and CodeDeploy shifts the
// alias with the alarms and the hook.
func TestDeployment(t *testing.T) {
	domain := func(s awscdk.Stack) *lambdaweb.CustomDomainProps {
		return &lambdaweb.CustomDomainProps{DomainName: jsii.String("app.example.com"), Certificate: certificate(s, "Cert1", "eu-west-1")}
	}
	tests := []struct {
		name      string
		props     func(awscdk.Stack) *lambdaweb.WebAppProps
		streaming bool
		config    string
		principal bool
	}{
		{name: "buffered", props: func(s awscdk.Stack) *lambdaweb.WebAppProps { return &lambdaweb.WebAppProps{} }, config: "CodeDeployDefault.LambdaCanary10Percent5Minutes"},
		{name: "streaming", streaming: true, config: "CodeDeployDefault.LambdaAllAtOnce", props: func(s awscdk.Stack) *lambdaweb.WebAppProps {
			return &lambdaweb.WebAppProps{ResponseStreaming: jsii.Bool(true), Deployment: &lambdaweb.DeploymentProps{Config: awscodedeploy.LambdaDeploymentConfig_ALL_AT_ONCE()}}
		}},
		{name: "basic auth, CloudFront, custom domain", principal: true, config: "CodeDeployDefault.LambdaCanary10Percent5Minutes", props: func(s awscdk.Stack) *lambdaweb.WebAppProps {
			return &lambdaweb.WebAppProps{BasicAuth: &lambdaweb.BasicAuthProps{}, CloudFront: &lambdaweb.CloudFrontProps{}, CustomDomain: domain(s)}
		}},
		{name: "streaming, login, CloudFront, custom domain", streaming: true, principal: true, config: "CodeDeployDefault.LambdaLinear10PercentEvery1Minute", props: func(s awscdk.Stack) *lambdaweb.WebAppProps {
			return &lambdaweb.WebAppProps{
				ResponseStreaming: jsii.Bool(true),
				Login:             &lambdaweb.LoginProps{DomainPrefix: jsii.String("shop-staging")},
				CloudFront: &lambdaweb.CloudFrontProps{
					DomainNames: jsii.Strings("www.example.com"), Certificate: awscertificatemanager.Certificate_FromCertificateArn(s, jsii.String("Cert2"), jsii.String("arn:aws:acm:us-east-1:111111111111:certificate/00000000-0000-4000-8000-000000000002")),
				},
				CustomDomain: domain(s),
				Deployment:   &lambdaweb.DeploymentProps{Config: awscodedeploy.LambdaDeploymentConfig_LINEAR_10PERCENT_EVERY_1MINUTE()},
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tmpl, _, _ := synth(t, stackOptions{region: "eu-west-1"}, func(s awscdk.Stack) *lambdaweb.WebAppProps {
				p := tt.props(s)
				if p.Deployment == nil {
					p.Deployment = &lambdaweb.DeploymentProps{}
				}
				return p
			})
			versionID, _ := single(t, resourcesOf(tmpl, "AWS::Lambda::Version"), "versions")
			aliasID, alias := single(t, resourcesOf(tmpl, "AWS::Lambda::Alias"), "aliases")
			if got := jsonOf(alias["Properties"]); !strings.Contains(got, `"FunctionVersion":{"Fn::GetAtt":["`+versionID+`","Version"]}`) || !strings.Contains(got, `"Name":"live"`) {
				t.Errorf("alias: got %s, want live on %s", got, versionID)
			}
			if up := jsonOf(alias["UpdatePolicy"]); !strings.Contains(up, "CodeDeployLambdaAliasUpdate") || !strings.Contains(up, "BeforeAllowTrafficHook") {
				t.Errorf("alias update policy: got %s, want a CodeDeploy update with the hook", up)
			}
			path, suffix := "/2015-03-31/functions/", `"/invocations"`
			if tt.streaming {
				path, suffix = "/2021-11-15/functions/", `"/response-streaming-invocations"`
			}
			methods := resourcesOf(tmpl, "AWS::ApiGateway::Method")
			if len(methods) != 2 {
				t.Fatalf("methods: got %d, want 2", len(methods))
			}
			for id, m := range methods {
				uri := jsonOf(m["Properties"].(map[string]any)["Integration"].(map[string]any)["Uri"])
				if !strings.Contains(uri, path) || !strings.Contains(uri, `{"Ref":"`+aliasID+`"}`) || !strings.Contains(uri, suffix) {
					t.Errorf("method %s: integration URI %s, want %s<alias %s>%s", id, uri, path, aliasID, suffix)
				}
			}
			perms := 0
			for id, p := range resourcesOf(tmpl, "AWS::Lambda::Permission") {
				props := p["Properties"].(map[string]any)
				if props["Principal"] != "apigateway.amazonaws.com" || strings.Contains(jsonOf(props["FunctionName"]), "Authorizer") {
					continue
				}
				perms++
				if fn := jsonOf(props["FunctionName"]); fn != `{"Ref":"`+aliasID+`"}` {
					t.Errorf("permission %s: FunctionName %s, want the alias", id, fn)
				}
			}
			if perms < 2 {
				t.Errorf("API Gateway permissions: got %d, want one per method at least", perms)
			}
			_, group := single(t, resourcesOf(tmpl, "AWS::CodeDeploy::DeploymentGroup"), "deployment groups")
			g := jsonOf(group["Properties"])
			for _, want := range []string{`"DeploymentConfigName":"` + tt.config + `"`, `"DEPLOYMENT_FAILURE"`, `"DEPLOYMENT_STOP_ON_ALARM"`, `"Enabled":true`} {
				if !strings.Contains(g, want) {
					t.Errorf("deployment group: got %s, want %s", g, want)
				}
			}
			if n := strings.Count(g, `"Name":{"Ref":`); n != 3 {
				t.Errorf("deployment group alarms: got %d in %s, want 3", n, g)
			}
			alarms := jsonOf(resourcesOf(tmpl, "AWS::CloudWatch::Alarm"))
			for _, want := range []string{`"MetricName":"5xx","Namespace":"WebApp/Requests"`, `"Name":"FunctionVersion","Value":{"Fn::GetAtt":["` + versionID + `","Version"]}`,
				`"MetricName":"Errors"`, `"Name":"ExecutedVersion"`, `"ExtendedStatistic":"p99"`} {
				if !strings.Contains(alarms, want) {
					t.Errorf("alarms: want %s in %s", want, alarms)
				}
			}
			// The hook, and whether the app trusts its principal (with
			// Login only).
			hook, trusts := "", false
			for _, fn := range resourcesOf(tmpl, "AWS::Lambda::Function") {
				s := jsonOf(fn)
				if strings.Contains(s, "DEPLOY_HOOK_TARGET") {
					hook = s
				}
				if strings.Contains(s, `"LOGIN_TRUSTED_PRINCIPAL":"deployhook"`) {
					trusts = true
				}
			}
			if !strings.Contains(hook, `"DEPLOY_HOOK_TARGET":{"Ref":"`+versionID+`"}`) || strings.Contains(hook, "DEPLOY_HOOK_PRINCIPAL") != tt.principal {
				t.Errorf("hook: got %s, want the version as target, a principal %v", hook, tt.principal)
			}
			if wantTrust := strings.Contains(tt.name, "login"); trusts != wantTrust {
				t.Errorf("the app trusts the hook's principal: got %v, want %v", trusts, wantTrust)
			}
			policies := jsonOf(resourcesOf(tmpl, "AWS::IAM::Policy"))
			if !regexp.MustCompile(`"Action":"lambda:InvokeFunction","Effect":"Allow","Resource":\{"Ref":"` + versionID + `"\}`).MatchString(policies) {
				t.Errorf("the hook may not invoke the new version only: %s", policies)
			}
			if !strings.Contains(policies, `"codedeploy:PutLifecycleEventHookExecutionStatus"`) {
				t.Errorf("the hook may not report: %s", policies)
			}
		})
	}
}

// TestDeploymentPublishesOnConfigurationChange: a change of the
// environment or the memory alone gives a new version (a new logical ID),
// so CloudFormation publishes one rather than failing with "Version
// already exists"; the same props give the same one.
func TestDeploymentPublishesOnConfigurationChange(t *testing.T) {
	version := func(change func(*lambdaweb.WebAppProps)) string {
		tmpl, _, _ := synth(t, stackOptions{region: "eu-west-1"}, func(awscdk.Stack) *lambdaweb.WebAppProps {
			p := &lambdaweb.WebAppProps{Deployment: &lambdaweb.DeploymentProps{}, Environment: &map[string]*string{"GREETING": jsii.String("hello")}}
			change(p)
			return p
		})
		id, _ := single(t, resourcesOf(tmpl, "AWS::Lambda::Version"), "versions")
		return id
	}
	base := version(func(*lambdaweb.WebAppProps) {})
	if again := version(func(*lambdaweb.WebAppProps) {}); again != base {
		t.Errorf("same props: got version %s, want %s", again, base)
	}
	for name, change := range map[string]func(*lambdaweb.WebAppProps){
		"environment": func(p *lambdaweb.WebAppProps) { (*p.Environment)["GREETING"] = jsii.String("hi") },
		"memory":      func(p *lambdaweb.WebAppProps) { p.MemorySize = jsii.Number(2048) },
	} {
		if got := version(change); got == base {
			t.Errorf("%s changed: version %s stayed, want a new one", name, got)
		}
	}
}
