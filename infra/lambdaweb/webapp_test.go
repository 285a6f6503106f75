package lambdaweb_test

import (
	"debug/elf"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigateway"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscertificatemanager"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscognito"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsroute53"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssecretsmanager"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/aws-cdk-go/awscdk/v2/cxapi"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"

	"github.com/goapigw/webapp/infra/assembly"
	"github.com/goapigw/webapp/infra/lambdaweb"
	"github.com/goapigw/webapp/internal/cdkjson"
	"github.com/goapigw/webapp/internal/golden"
	"github.com/goapigw/webapp/internal/guard"
)

// moduleDir is this repository's root: the construct builds ./function from it.
const moduleDir = "../.."

type stackOptions struct {
	bundle bool   // compile the function (off: the template is the same, synth is faster)
	region string // the stack's region; "" for an environment-agnostic stack
}

// synth builds a stack with one WebApp, synthesizes it with CloudFormation
// schema validation on (a finding fails the test) and returns its template.
func synth(tb testing.TB, opts stackOptions, props func(awscdk.Stack) *lambdaweb.WebAppProps) (map[string]any, awscdk.Stack, cxapi.CloudAssembly) {
	tb.Helper()
	ctx := cdkjson.FeatureFlags(tb, filepath.Join(moduleDir, "cdk.json"))
	if ctx["@aws-cdk/core:validateAgainstDefaultRules"] != true {
		tb.Fatal("cdk.json must set @aws-cdk/core:validateAgainstDefaultRules so findings are errors")
	}
	if !opts.bundle {
		ctx["aws:cdk:bundling-stacks"] = []string{}
	}
	app := awscdk.NewApp(&awscdk.AppProps{Context: &ctx, Outdir: jsii.String(tb.TempDir())})
	var env *awscdk.Environment
	if opts.region != "" {
		env = &awscdk.Environment{Account: jsii.String("111111111111"), Region: jsii.String(opts.region)}
	}
	stack := awscdk.NewStack(app, jsii.String("Test"), &awscdk.StackProps{Env: env})
	p := props(stack)
	if p != nil && p.ModuleDir == nil {
		p.ModuleDir = jsii.String(moduleDir)
	}
	if p == nil {
		p = &lambdaweb.WebAppProps{ModuleDir: jsii.String(moduleDir)}
	}
	lambdaweb.NewWebApp(stack, jsii.String("WebApp"), p)
	awscdk.Aspects_Of(app).Add(cdknag.NewAwsSolutionsChecks(&cdknag.NagPackProps{Verbose: jsii.Bool(true)}), nil)
	asm := app.Synth(nil)
	errs := assertions.Annotations_FromStack(stack).FindError(jsii.String("*"), assertions.Match_StringLikeRegexp(jsii.String("AwsSolutions-.*")))
	for _, e := range *errs {
		finding, _ := json.Marshal(e)
		tb.Errorf("cdk-nag: %s", finding)
	}
	raw, err := json.Marshal(asm.GetStackByName(stack.StackName()).Template())
	if err != nil {
		tb.Fatal(err)
	}
	var tmpl map[string]any
	if err := json.Unmarshal(raw, &tmpl); err != nil {
		tb.Fatal(err)
	}
	return tmpl, stack, asm
}

func certificate(scope awscdk.Stack, id, region string) awscertificatemanager.ICertificate {
	return awscertificatemanager.Certificate_FromCertificateArn(scope, jsii.String(id),
		jsii.String("arn:aws:acm:"+region+":111111111111:certificate/00000000-0000-4000-8000-00000000000"+id[len(id)-1:]))
}

func zone(scope awscdk.Stack) awsroute53.IHostedZone {
	return awsroute53.HostedZone_FromHostedZoneAttributes(scope, jsii.String("Zone"), &awsroute53.HostedZoneAttributes{
		HostedZoneId: jsii.String("Z0000000000000EXAMPLE"), ZoneName: jsii.String("example.com"),
	})
}

// configurations are the snapshot cases: each golden file pins one template.
var configurations = []struct {
	name  string
	props func(awscdk.Stack) *lambdaweb.WebAppProps
}{
	{name: "default", props: func(awscdk.Stack) *lambdaweb.WebAppProps { return nil }},
	{name: "custom-domain", props: func(s awscdk.Stack) *lambdaweb.WebAppProps {
		return &lambdaweb.WebAppProps{CustomDomain: &lambdaweb.CustomDomainProps{
			DomainName: jsii.String("app.example.com"), Certificate: certificate(s, "Cert1", "eu-west-1"), HostedZone: zone(s),
		}}
	}},
	{name: "base-path", props: func(s awscdk.Stack) *lambdaweb.WebAppProps {
		return &lambdaweb.WebAppProps{CustomDomain: &lambdaweb.CustomDomainProps{
			DomainName: jsii.String("example.com"), Certificate: certificate(s, "Cert1", "eu-west-1"), BasePath: jsii.String("shop"),
			DisableExecuteApiEndpoint: jsii.Bool(true),
		}}
	}},
	{name: "cloudfront", props: func(s awscdk.Stack) *lambdaweb.WebAppProps {
		return &lambdaweb.WebAppProps{CloudFront: &lambdaweb.CloudFrontProps{}}
	}},
	{name: "all-options", props: func(s awscdk.Stack) *lambdaweb.WebAppProps {
		z := zone(s)
		return &lambdaweb.WebAppProps{
			MemorySize:           jsii.Number(2048),
			Timeout:              awscdk.Duration_Seconds(jsii.Number(60)),
			Architecture:         awslambda.Architecture_X86_64(),
			Environment:          &map[string]*string{"GREETING": jsii.String("hello")},
			StageName:            jsii.String("live"),
			IntegrationTimeout:   awscdk.Duration_Seconds(jsii.Number(20)),
			ThrottlingRateLimit:  jsii.Number(10),
			ThrottlingBurstLimit: jsii.Number(20),
			CloudWatchRole:       jsii.Bool(false),
			CustomDomain: &lambdaweb.CustomDomainProps{
				DomainName: jsii.String("app.example.com"), Certificate: certificate(s, "Cert1", "eu-west-1"),
				BasePath: jsii.String("shop/v1"), HostedZone: z,
			},
			CloudFront: &lambdaweb.CloudFrontProps{
				DomainNames: jsii.Strings("www.example.com", "example.com"), Certificate: certificate(s, "Cert2", "us-east-1"),
				HostedZone: z, EnableLogging: jsii.Bool(true),
			},
			FunctionProps: &awslambda.FunctionProps{ReservedConcurrentExecutions: jsii.Number(5)},
		}
	}},
	{name: "basic-auth", props: func(s awscdk.Stack) *lambdaweb.WebAppProps {
		return &lambdaweb.WebAppProps{
			BasicAuth:  &lambdaweb.BasicAuthProps{Realm: jsii.String("Staff only")},
			CloudFront: &lambdaweb.CloudFrontProps{},
		}
	}},
	{name: "login", props: func(s awscdk.Stack) *lambdaweb.WebAppProps {
		// A synth-only configuration: cdk.json's environments keep basic
		// auth until the local runner serves Login.
		return &lambdaweb.WebAppProps{
			Login: &lambdaweb.LoginProps{DomainPrefix: jsii.String("shop-staging")},
			CustomDomain: &lambdaweb.CustomDomainProps{
				DomainName: jsii.String("app.example.com"), Certificate: certificate(s, "Cert1", "eu-west-1"), BasePath: jsii.String("shop"),
			},
			CloudFront: &lambdaweb.CloudFrontProps{
				DomainNames: jsii.Strings("www.example.com", "example.com"), Certificate: certificate(s, "Cert2", "us-east-1"),
			},
		}
	}},
	{name: "operations", props: func(s awscdk.Stack) *lambdaweb.WebAppProps {
		return &lambdaweb.WebAppProps{
			Tracing:             jsii.Bool(true),
			ReservedConcurrency: jsii.Number(20),
			Monitoring:          &lambdaweb.MonitoringProps{AlarmTopic: awssns.NewTopic(s, jsii.String("Alarms"), &awssns.TopicProps{EnforceSSL: jsii.Bool(true)})},
			Waf:                 &lambdaweb.WafProps{Create: jsii.Bool(true)},
		}
	}},
	{name: "deployment", props: func(s awscdk.Stack) *lambdaweb.WebAppProps {
		return &lambdaweb.WebAppProps{
			Deployment: &lambdaweb.DeploymentProps{},
			BasicAuth:  &lambdaweb.BasicAuthProps{},
			CustomDomain: &lambdaweb.CustomDomainProps{
				DomainName: jsii.String("app.example.com"), Certificate: certificate(s, "Cert1", "eu-west-1"),
			},
			CloudFront: &lambdaweb.CloudFrontProps{},
			Monitoring: &lambdaweb.MonitoringProps{
				ServerErrorRate: jsii.Number(0.05), Dashboard: jsii.Bool(false),
				AlarmTopic: awssns.NewTopic(s, jsii.String("Alarms"), &awssns.TopicProps{EnforceSSL: jsii.Bool(true)}),
			},
		}
	}},
	{name: "streaming", props: func(s awscdk.Stack) *lambdaweb.WebAppProps {
		return &lambdaweb.WebAppProps{
			ResponseStreaming:  jsii.Bool(true),
			IntegrationTimeout: awscdk.Duration_Minutes(jsii.Number(5)),
			Timeout:            awscdk.Duration_Minutes(jsii.Number(6)),
		}
	}},
}

// configuration returns the props of the named configuration.
func configuration(tb testing.TB, name string) func(awscdk.Stack) *lambdaweb.WebAppProps {
	tb.Helper()
	for _, c := range configurations {
		if c.name == name {
			return c.props
		}
	}
	tb.Fatalf("no configuration %q", name)
	return nil
}

var hashRE = regexp.MustCompile(`[0-9a-f]{64}`)

func TestSnapshots(t *testing.T) {
	for _, c := range configurations {
		t.Run(c.name, func(t *testing.T) {
			tmpl, _, _ := synth(t, stackOptions{region: "eu-west-1"}, c.props)
			got, err := json.MarshalIndent(tmpl, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			got = hashRE.ReplaceAll(got, []byte("ASSET_HASH"))
			got = append(got, '\n')
			golden.Check(t, filepath.Join("testdata", c.name+".template.json"), got)
		})
	}
}

func match(v any) *map[string]any {
	b, _ := json.Marshal(v)
	var m map[string]any
	_ = json.Unmarshal(b, &m)
	return &m
}

func hasResource(tb testing.TB, tmpl map[string]any, typ string, props any) {
	tb.Helper()
	defer func() {
		if r := recover(); r != nil {
			tb.Errorf("%s: %v", typ, r)
		}
	}()
	assertions.Template_FromJSON(&tmpl, nil).HasResourceProperties(jsii.String(typ), props)
}

func TestDefaults(t *testing.T) {
	tmpl, _, _ := synth(t, stackOptions{}, func(awscdk.Stack) *lambdaweb.WebAppProps { return nil })
	hasResource(t, tmpl, "AWS::Lambda::Function", match(map[string]any{
		"Runtime": "provided.al2023", "Handler": "bootstrap", "MemorySize": 1024, "Timeout": 30, "Architectures": []string{"arm64"},
		"Environment": map[string]any{"Variables": map[string]any{"APIGW_INTEGRATION_TIMEOUT_MS": "29000"}},
	}))
	hasResource(t, tmpl, "AWS::ApiGateway::RestApi", match(map[string]any{
		"BinaryMediaTypes": []string{"*/*"}, "EndpointConfiguration": map[string]any{"Types": []string{"REGIONAL"}},
	}))
	methods := assertions.Template_FromJSON(&tmpl, nil).FindResources(jsii.String("AWS::ApiGateway::Method"), nil)
	if got := len(*methods); got != 2 {
		t.Errorf("methods: got %d, want 2 (/ and /{proxy+})", got)
	}
	for id, m := range *methods {
		props := (*m)["Properties"].(map[string]any)
		integ := props["Integration"].(map[string]any)
		if props["HttpMethod"] != "ANY" || integ["Type"] != "AWS_PROXY" || integ["TimeoutInMillis"] != float64(29000) {
			t.Errorf("method %s: got %v, want ANY with an AWS_PROXY integration timing out at 29000 ms", id, props)
		}
	}
	hasResource(t, tmpl, "AWS::ApiGateway::Resource", match(map[string]any{"PathPart": "{proxy+}"}))
	hasResource(t, tmpl, "AWS::ApiGateway::Stage", match(map[string]any{
		"StageName": "prod",
		"MethodSettings": []any{map[string]any{"LoggingLevel": "ERROR", "ThrottlingRateLimit": 50, "ThrottlingBurstLimit": 100,
			"HttpMethod": "*", "ResourcePath": "/*", "MetricsEnabled": true, "DataTraceEnabled": false}},
	}))
	hasResource(t, tmpl, "AWS::Logs::LogGroup", match(map[string]any{"RetentionInDays": 30}))
	outputs := tmpl["Outputs"].(map[string]any)
	if len(outputs) != 1 || !strings.Contains(keys(outputs), "StageUrl") {
		t.Errorf("outputs: got %s, want only the stage URL", keys(outputs))
	}
	for _, absent := range []string{"AWS::ApiGateway::DomainName", "AWS::CloudFront::Distribution", "AWS::Route53::RecordSet"} {
		if n := len(*assertions.Template_FromJSON(&tmpl, nil).FindResources(jsii.String(absent), nil)); n != 0 {
			t.Errorf("%s: got %d, want none by default", absent, n)
		}
	}
	// The function's role may only write to its own log group.
	hasResource(t, tmpl, "AWS::IAM::Role", match(map[string]any{"ManagedPolicyArns": nil}))
}

func keys(m map[string]any) string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	return strings.Join(ks, ",")
}

// bootstrapOf returns the bundled bootstrap of the function's asset.
func bootstrapOf(tb testing.TB, asm cxapi.CloudAssembly, tmpl map[string]any) string {
	tb.Helper()
	for _, r := range tmpl["Resources"].(map[string]any) {
		res := r.(map[string]any)
		if res["Type"] != "AWS::Lambda::Function" {
			continue
		}
		key := res["Properties"].(map[string]any)["Code"].(map[string]any)["S3Key"].(string)
		return filepath.Join(*asm.Directory(), "asset."+strings.TrimSuffix(key, ".zip"), "bootstrap")
	}
	tb.Fatal("no Lambda function in the template")
	return ""
}

func TestBundlesALinuxBinaryOfTheArchitecture(t *testing.T) {
	tests := []struct {
		name        string
		props       *lambdaweb.WebAppProps
		wantMachine elf.Machine
	}{
		{name: "arm64", props: &lambdaweb.WebAppProps{Architecture: awslambda.Architecture_ARM_64()}, wantMachine: elf.EM_AARCH64},
		{name: "x86_64", props: &lambdaweb.WebAppProps{Architecture: awslambda.Architecture_X86_64()}, wantMachine: elf.EM_X86_64},
		{name: "x86_64 through the escape hatch", props: &lambdaweb.WebAppProps{
			FunctionProps: &awslambda.FunctionProps{Architecture: awslambda.Architecture_X86_64()},
		}, wantMachine: elf.EM_X86_64},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tmpl, _, asm := synth(t, stackOptions{bundle: true}, func(awscdk.Stack) *lambdaweb.WebAppProps { return tt.props })
			f, err := elf.Open(bootstrapOf(t, asm, tmpl))
			if err != nil {
				t.Fatalf("bundled bootstrap: %v", err)
			}
			defer f.Close()
			if f.Machine != tt.wantMachine || f.Class != elf.ELFCLASS64 || f.OSABI != elf.ELFOSABI_NONE {
				t.Errorf("bootstrap: got %v %v %v, want a 64-bit Linux %v binary", f.Machine, f.Class, f.OSABI, tt.wantMachine)
			}
			if f.Section(".interp") != nil {
				t.Error("bootstrap is dynamically linked; want static (CGO_ENABLED=0)")
			}
			if f.Section(".symtab") != nil {
				t.Error("bootstrap has a symbol table; want it stripped (-s -w)")
			}
		})
	}
}

func TestSkipsBundlingForStacksNotBeingBundled(t *testing.T) {
	tmpl, _, asm := synth(t, stackOptions{bundle: false}, func(awscdk.Stack) *lambdaweb.WebAppProps { return nil })
	if _, err := os.Stat(bootstrapOf(t, asm, tmpl)); !os.IsNotExist(err) {
		t.Errorf("bootstrap built although aws:cdk:bundling-stacks excludes the stack (stat: %v)", err)
	}
}

// panicMessage runs f and returns what it panicked with, or "".
func panicMessage(f func()) (msg string) {
	defer func() {
		if r := recover(); r != nil {
			if err, ok := r.(error); ok {
				msg = err.Error()
			} else {
				msg = strings.TrimSpace(strings.SplitN(fmtAny(r), "\n", 2)[0])
			}
		}
	}()
	f()
	return ""
}

func fmtAny(v any) string {
	b, _ := json.Marshal(v)
	if s, ok := v.(string); ok {
		return s
	}
	return string(b)
}

func TestValidation(t *testing.T) {
	const prefix = "lambdaweb: invalid WebAppProps: "
	tests := []struct {
		name  string
		props func(awscdk.Stack) *lambdaweb.WebAppProps
		want  string
	}{
		{name: "certificate without domain", props: func(s awscdk.Stack) *lambdaweb.WebAppProps {
			return &lambdaweb.WebAppProps{CustomDomain: &lambdaweb.CustomDomainProps{Certificate: certificate(s, "Cert1", "eu-west-1")}}
		}, want: "CustomDomain.Certificate is set but CustomDomain.DomainName is not: set the domain the certificate covers, or drop the certificate"},
		{name: "domain without certificate", props: func(s awscdk.Stack) *lambdaweb.WebAppProps {
			return &lambdaweb.WebAppProps{CustomDomain: &lambdaweb.CustomDomainProps{DomainName: jsii.String("app.example.com")}}
		}, want: `CustomDomain.DomainName "app.example.com" has no CustomDomain.Certificate: give an ACM certificate for it in the stack's region`},
		{name: "upper-case domain", props: func(s awscdk.Stack) *lambdaweb.WebAppProps {
			return &lambdaweb.WebAppProps{CustomDomain: &lambdaweb.CustomDomainProps{DomainName: jsii.String("App.Example.com"), Certificate: certificate(s, "Cert1", "eu-west-1")}}
		}, want: `CustomDomain.DomainName "App.Example.com" has upper-case letters: API Gateway needs "app.example.com"`},
		{name: "unknown log level", props: func(awscdk.Stack) *lambdaweb.WebAppProps {
			return &lambdaweb.WebAppProps{LogLevel: "VERBOSE"}
		}, want: `LogLevel "VERBOSE" is not a Lambda application log level: use one of TRACE, DEBUG, INFO, WARN, ERROR, FATAL`},
		{name: "Login custom domain certificate outside us-east-1", props: func(s awscdk.Stack) *lambdaweb.WebAppProps {
			return &lambdaweb.WebAppProps{Login: &lambdaweb.LoginProps{Domain: &lambdaweb.LoginDomainProps{DomainName: jsii.String("login.example.com"), Certificate: certificate(s, "Cert1", "eu-west-1")}}}
		}, want: "Login.Domain.Certificate arn:aws:acm:eu-west-1:111111111111:certificate/00000000-0000-4000-8000-000000000001 is in eu-west-1: Cognito's custom domains use certificates in us-east-1; request or import one there"},
		{name: "Login OIDC with a pool", props: func(s awscdk.Stack) *lambdaweb.WebAppProps {
			return &lambdaweb.WebAppProps{Login: &lambdaweb.LoginProps{DomainPrefix: jsii.String("shop"), Oidc: &lambdaweb.OidcProps{
				Issuer: jsii.String("https://idp.example.com"), ClientId: jsii.String("app"),
				ClientSecret: awssecretsmanager.Secret_FromSecretNameV2(s, jsii.String("Idp"), jsii.String("idp")),
			}}}
		}, want: "Login.DomainPrefix, Domain, SelfSignUp, Mfa and RemovalPolicy configure a pool the construct creates, but Login.UserPool or Login.Oidc is set: configure those on your provider and drop them here"},
		{name: "Login with BasicAuth", props: func(awscdk.Stack) *lambdaweb.WebAppProps {
			return &lambdaweb.WebAppProps{BasicAuth: &lambdaweb.BasicAuthProps{}, Login: &lambdaweb.LoginProps{DomainPrefix: jsii.String("shop")}}
		}, want: "BasicAuth and Login are both set: an app signs people in one way; drop BasicAuth (Login signs each person in with their own account) or drop Login"},
		{name: "Login without a domain", props: func(awscdk.Stack) *lambdaweb.WebAppProps {
			return &lambdaweb.WebAppProps{Login: &lambdaweb.LoginProps{}}
		}, want: `Login.DomainPrefix is not set: the created user pool needs a managed-login domain; give a prefix such as "shop-staging" (https://shop-staging.auth.REGION.amazoncognito.com), or Login.Domain`},
		{name: "Login prefix format", props: func(awscdk.Stack) *lambdaweb.WebAppProps {
			return &lambdaweb.WebAppProps{Login: &lambdaweb.LoginProps{DomainPrefix: jsii.String("Shop_1")}}
		}, want: `Login.DomainPrefix "Shop_1" is not a Cognito domain prefix: use 1 to 63 lower-case letters, digits and hyphens, not starting or ending with a hyphen, such as "shop-staging"`},
		{name: "Login prefix ends with a hyphen", props: func(awscdk.Stack) *lambdaweb.WebAppProps {
			return &lambdaweb.WebAppProps{Login: &lambdaweb.LoginProps{DomainPrefix: jsii.String("shop-")}}
		}, want: `Login.DomainPrefix "shop-" is not a Cognito domain prefix: use 1 to 63 lower-case letters, digits and hyphens, not starting or ending with a hyphen, such as "shop-staging"`},
		{name: "Login prefix reserved word", props: func(awscdk.Stack) *lambdaweb.WebAppProps {
			return &lambdaweb.WebAppProps{Login: &lambdaweb.LoginProps{DomainPrefix: jsii.String("shop-cognito")}}
		}, want: `Login.DomainPrefix "shop-cognito" contains "cognito", which Cognito reserves: choose a prefix without "aws", "amazon" or "cognito"`},
		{name: "Login OIDC issuer over http", props: func(s awscdk.Stack) *lambdaweb.WebAppProps {
			return &lambdaweb.WebAppProps{Login: &lambdaweb.LoginProps{Oidc: &lambdaweb.OidcProps{
				Issuer: jsii.String("http://idp.example.com"), ClientId: jsii.String("app"),
				ClientSecret: awssecretsmanager.Secret_FromSecretNameV2(s, jsii.String("Idp"), jsii.String("idp")),
			}}}
		}, want: `Login.Oidc.Issuer "http://idp.example.com" is not an https URL: OpenID Connect discovery and the ID token's iss need https; give it as https://…`},
		{name: "Login pool without its domain", props: func(s awscdk.Stack) *lambdaweb.WebAppProps {
			return &lambdaweb.WebAppProps{Login: &lambdaweb.LoginProps{UserPool: awscognito.UserPool_FromUserPoolId(s, jsii.String("Pool"), jsii.String("eu-west-1_EXAMPLE"))}}
		}, want: "Login.UserPool is set without Login.UserPoolDomain: managed login needs the pool's domain; give it (awscognito.UserPoolDomain_FromDomainName) too"},
		{name: "Login ID token validity", props: func(awscdk.Stack) *lambdaweb.WebAppProps {
			return &lambdaweb.WebAppProps{Login: &lambdaweb.LoginProps{DomainPrefix: jsii.String("shop"), IdTokenValidity: awscdk.Duration_Days(jsii.Number(2))}}
		}, want: "Login.IdTokenValidity 2880 min is out of range: Cognito allows 5 minutes to 1 day"},
		{name: "Login refresh token validity", props: func(awscdk.Stack) *lambdaweb.WebAppProps {
			return &lambdaweb.WebAppProps{Login: &lambdaweb.LoginProps{DomainPrefix: jsii.String("shop"), RefreshTokenValidity: awscdk.Duration_Minutes(jsii.Number(30))}}
		}, want: "Login.RefreshTokenValidity 30 min is out of range: Cognito allows 60 minutes to 3650 days"},
		{name: "Login refresh shorter than the ID token", props: func(awscdk.Stack) *lambdaweb.WebAppProps {
			return &lambdaweb.WebAppProps{Login: &lambdaweb.LoginProps{DomainPrefix: jsii.String("shop"), IdTokenValidity: awscdk.Duration_Hours(jsii.Number(2)), RefreshTokenValidity: awscdk.Duration_Hours(jsii.Number(1))}}
		}, want: "Login.RefreshTokenValidity 60 min is shorter than the ID or access token's: raise it or shorten those"},
		{name: "Login environment of our own", props: func(awscdk.Stack) *lambdaweb.WebAppProps {
			return &lambdaweb.WebAppProps{Login: &lambdaweb.LoginProps{DomainPrefix: jsii.String("shop")}, Environment: &map[string]*string{"LOGIN_CLIENT_ID": jsii.String("x")}}
		}, want: "Environment[LOGIN_CLIENT_ID] is set: the construct sets it with Login; leave it out"},
		{name: "memory too small", props: func(awscdk.Stack) *lambdaweb.WebAppProps {
			return &lambdaweb.WebAppProps{MemorySize: jsii.Number(64)}
		}, want: "MemorySize 64 is out of range: Lambda takes a whole number of MB from 128 to 10240"},
		{name: "memory too large", props: func(awscdk.Stack) *lambdaweb.WebAppProps {
			return &lambdaweb.WebAppProps{MemorySize: jsii.Number(10241)}
		}, want: "MemorySize 10241 is out of range: Lambda takes a whole number of MB from 128 to 10240"},
		{name: "timeout zero", props: func(awscdk.Stack) *lambdaweb.WebAppProps {
			return &lambdaweb.WebAppProps{Timeout: awscdk.Duration_Millis(jsii.Number(500))}
		}, want: "Timeout 0.5 s is out of range: Lambda allows 1 to 900 seconds"},
		{name: "timeout too long", props: func(awscdk.Stack) *lambdaweb.WebAppProps {
			return &lambdaweb.WebAppProps{Timeout: awscdk.Duration_Minutes(jsii.Number(16))}
		}, want: "Timeout 960 s is out of range: Lambda allows 1 to 900 seconds"},
		{name: "base path with a leading slash", props: func(s awscdk.Stack) *lambdaweb.WebAppProps {
			return &lambdaweb.WebAppProps{CustomDomain: &lambdaweb.CustomDomainProps{DomainName: jsii.String("example.com"), Certificate: certificate(s, "Cert1", "eu-west-1"), BasePath: jsii.String("/shop")}}
		}, want: `CustomDomain.BasePath "/shop" starts with a slash: write it without one, as "shop"`},
		{name: "CloudFront aliases without certificate", props: func(awscdk.Stack) *lambdaweb.WebAppProps {
			return &lambdaweb.WebAppProps{CloudFront: &lambdaweb.CloudFrontProps{DomainNames: jsii.Strings("www.example.com")}}
		}, want: "CloudFront.DomainNames [www.example.com] have no CloudFront.Certificate: give an ACM certificate in us-east-1 that covers them"},
		{name: "CloudFront certificate outside us-east-1", props: func(s awscdk.Stack) *lambdaweb.WebAppProps {
			return &lambdaweb.WebAppProps{CloudFront: &lambdaweb.CloudFrontProps{DomainNames: jsii.Strings("www.example.com"), Certificate: certificate(s, "Cert2", "eu-west-1")}}
		}, want: "CloudFront.Certificate arn:aws:acm:eu-west-1:111111111111:certificate/00000000-0000-4000-8000-000000000002 is in eu-west-1: CloudFront only uses certificates in us-east-1; request or import one there"},
		{name: "endpoint disabled with CloudFront", props: func(s awscdk.Stack) *lambdaweb.WebAppProps {
			return &lambdaweb.WebAppProps{
				CustomDomain: &lambdaweb.CustomDomainProps{DomainName: jsii.String("example.com"), Certificate: certificate(s, "Cert1", "eu-west-1"), DisableExecuteApiEndpoint: jsii.Bool(true)},
				CloudFront:   &lambdaweb.CloudFrontProps{},
			}
		}, want: "CustomDomain.DisableExecuteApiEndpoint is true but CloudFront is set: CloudFront reaches the API through its execute-api endpoint; keep the endpoint or drop CloudFront"},
		{name: "escape hatch timeout out of range", props: func(awscdk.Stack) *lambdaweb.WebAppProps {
			return &lambdaweb.WebAppProps{FunctionProps: &awslambda.FunctionProps{Timeout: awscdk.Duration_Seconds(jsii.Number(5000))}}
		}, want: "FunctionProps.Timeout 5000 s is out of range: Lambda allows 1 to 900 seconds"},
		{name: "escape hatch timeout below the integration timeout", props: func(awscdk.Stack) *lambdaweb.WebAppProps {
			return &lambdaweb.WebAppProps{FunctionProps: &awslambda.FunctionProps{Timeout: awscdk.Duration_Seconds(jsii.Number(20))}}
		}, want: "IntegrationTimeout 29 s is not below the function's FunctionProps.Timeout 20 s: API Gateway would still wait after Lambda stopped the function; lower IntegrationTimeout or raise FunctionProps.Timeout"},
		{name: "integration timeout equal to the timeout", props: func(awscdk.Stack) *lambdaweb.WebAppProps {
			return &lambdaweb.WebAppProps{Timeout: awscdk.Duration_Seconds(jsii.Number(29))}
		}, want: "IntegrationTimeout 29 s is not below the function's Timeout 29 s: API Gateway would still wait after Lambda stopped the function; lower IntegrationTimeout or raise Timeout"},
		{name: "escape hatch memory", props: func(awscdk.Stack) *lambdaweb.WebAppProps {
			return &lambdaweb.WebAppProps{MemorySize: jsii.Number(512), FunctionProps: &awslambda.FunctionProps{MemorySize: jsii.Number(64)}}
		}, want: "FunctionProps.MemorySize 64 is out of range: Lambda takes a whole number of MB from 128 to 10240"},
		{name: "escape hatch code", props: func(awscdk.Stack) *lambdaweb.WebAppProps {
			return &lambdaweb.WebAppProps{FunctionProps: &awslambda.FunctionProps{Handler: jsii.String("main")}}
		}, want: "FunctionProps sets Code, Runtime or Handler: the construct builds the Go main package at Entry for provided.al2023; set Entry (and ModuleDir) instead"},
		{name: "escape hatch integration timeout variable", props: func(awscdk.Stack) *lambdaweb.WebAppProps {
			return &lambdaweb.WebAppProps{FunctionProps: &awslambda.FunctionProps{Environment: &map[string]*string{"APIGW_INTEGRATION_TIMEOUT_MS": jsii.String("29s")}}}
		}, want: `FunctionProps.Environment[APIGW_INTEGRATION_TIMEOUT_MS] "29s" is not a number of milliseconds: leave it out (the construct sets it from IntegrationTimeout) or give a positive whole number`},
		{name: "escape hatch stage name", props: func(awscdk.Stack) *lambdaweb.WebAppProps {
			return &lambdaweb.WebAppProps{RestApiProps: &awsapigateway.RestApiProps{DeployOptions: &awsapigateway.StageOptions{StageName: jsii.String("v 1")}}}
		}, want: `RestApiProps.DeployOptions.StageName "v 1" is not a valid stage name: use letters, digits, '-' and '_' (for example "prod")`},
		{name: "escape hatch binary media types", props: func(awscdk.Stack) *lambdaweb.WebAppProps {
			return &lambdaweb.WebAppProps{RestApiProps: &awsapigateway.RestApiProps{BinaryMediaTypes: jsii.Strings("image/png")}}
		}, want: `RestApiProps.BinaryMediaTypes [image/png] drops "*/*": without it API Gateway turns images and other binary answers into base64 text; keep "*/*" in the list`},
		{name: "escape hatch disables the only door", props: func(awscdk.Stack) *lambdaweb.WebAppProps {
			return &lambdaweb.WebAppProps{RestApiProps: &awsapigateway.RestApiProps{DisableExecuteApiEndpoint: jsii.Bool(true)}}
		}, want: "RestApiProps.DisableExecuteApiEndpoint is true without CustomDomain: nothing could reach the API; set CustomDomain or keep the endpoint"},
		{name: "escape hatch disables CloudFront's origin", props: func(awscdk.Stack) *lambdaweb.WebAppProps {
			return &lambdaweb.WebAppProps{CloudFront: &lambdaweb.CloudFrontProps{}, RestApiProps: &awsapigateway.RestApiProps{DisableExecuteApiEndpoint: jsii.Bool(true)}}
		}, want: "RestApiProps.DisableExecuteApiEndpoint is true but CloudFront is set: CloudFront reaches the API through its execute-api endpoint; keep the endpoint or drop CloudFront"},
		{name: "CloudFront name twice", props: func(s awscdk.Stack) *lambdaweb.WebAppProps {
			return &lambdaweb.WebAppProps{CloudFront: &lambdaweb.CloudFrontProps{DomainNames: jsii.Strings("a.example.com", "a.example.com"), Certificate: certificate(s, "Cert2", "us-east-1")}}
		}, want: `CloudFront.DomainNames has "a.example.com" twice: list each name once`},
		{name: "base path the adapter would not honour", props: func(s awscdk.Stack) *lambdaweb.WebAppProps {
			return &lambdaweb.WebAppProps{CustomDomain: &lambdaweb.CustomDomainProps{DomainName: jsii.String("example.com"), Certificate: certificate(s, "Cert1", "eu-west-1"), BasePath: jsii.String("shop/./v1")}}
		}, want: `CustomDomain.BasePath "shop/./v1" is not a valid base path: use path segments such as "shop" or "shop/v1"`},
		{name: "buffered integration above 29 s", props: func(awscdk.Stack) *lambdaweb.WebAppProps {
			return &lambdaweb.WebAppProps{IntegrationTimeout: awscdk.Duration_Seconds(jsii.Number(60)), Timeout: awscdk.Duration_Seconds(jsii.Number(90))}
		}, want: "IntegrationTimeout 60 s is above the 29 s a buffered REST API allows: set ResponseStreaming to true (a stream may last up to 15 minutes), or keep it at 29 s or less"},
		{name: "stream above 15 minutes", props: func(awscdk.Stack) *lambdaweb.WebAppProps {
			return &lambdaweb.WebAppProps{ResponseStreaming: jsii.Bool(true), IntegrationTimeout: awscdk.Duration_Seconds(jsii.Number(901)), Timeout: awscdk.Duration_Seconds(jsii.Number(900))}
		}, want: "IntegrationTimeout 901 s is above 15 minutes, the longest API Gateway lets a stream last: use at most 900 s"},
		{name: "stream longer than the function", props: func(awscdk.Stack) *lambdaweb.WebAppProps {
			return &lambdaweb.WebAppProps{ResponseStreaming: jsii.Bool(true), IntegrationTimeout: awscdk.Duration_Seconds(jsii.Number(120))}
		}, want: "IntegrationTimeout 120 s is not below the function's Timeout 30 s: API Gateway would still wait after Lambda stopped the function; lower IntegrationTimeout or raise Timeout"},
		{name: "escape hatch contradicts the transfer mode", props: func(awscdk.Stack) *lambdaweb.WebAppProps {
			return &lambdaweb.WebAppProps{FunctionProps: &awslambda.FunctionProps{Environment: &map[string]*string{"APIGW_RESPONSE_TRANSFER_MODE": jsii.String("STREAM")}}}
		}, want: `FunctionProps.Environment[APIGW_RESPONSE_TRANSFER_MODE] "STREAM" contradicts ResponseStreaming false: the function would answer in the other mode's format and API Gateway would fail every request; leave it out (the construct sets it)`},
		{name: "Environment contradicts the transfer mode", props: func(awscdk.Stack) *lambdaweb.WebAppProps {
			return &lambdaweb.WebAppProps{ResponseStreaming: jsii.Bool(true), Environment: &map[string]*string{"APIGW_RESPONSE_TRANSFER_MODE": jsii.String("BUFFERED")}}
		}, want: `Environment[APIGW_RESPONSE_TRANSFER_MODE] "BUFFERED" contradicts ResponseStreaming true: the function would answer in the other mode's format and API Gateway would fail every request; leave it out (the construct sets it)`},
		{name: "Environment transfer mode as a token", props: func(s awscdk.Stack) *lambdaweb.WebAppProps {
			mode := awscdk.NewCfnParameter(s, jsii.String("Mode"), nil)
			return &lambdaweb.WebAppProps{Environment: &map[string]*string{"APIGW_RESPONSE_TRANSFER_MODE": mode.ValueAsString()}}
		}, want: `Environment[APIGW_RESPONSE_TRANSFER_MODE] is a token: the function's transfer mode must be known at synth to agree with the integrations'; leave it out (the construct sets it from ResponseStreaming)`},
		{name: "Environment integration timeout variable not a number", props: func(awscdk.Stack) *lambdaweb.WebAppProps {
			return &lambdaweb.WebAppProps{Environment: &map[string]*string{"APIGW_INTEGRATION_TIMEOUT_MS": jsii.String("29s")}}
		}, want: `Environment[APIGW_INTEGRATION_TIMEOUT_MS] "29s" is not a number of milliseconds: leave it out (the construct sets it from IntegrationTimeout) or give a positive whole number`},
		{name: "Environment integration timeout variable above the integration's", props: func(awscdk.Stack) *lambdaweb.WebAppProps {
			return &lambdaweb.WebAppProps{IntegrationTimeout: awscdk.Duration_Seconds(jsii.Number(10)), Environment: &map[string]*string{"APIGW_INTEGRATION_TIMEOUT_MS": jsii.String("29000")}}
		}, want: `Environment[APIGW_INTEGRATION_TIMEOUT_MS] "29000" is above IntegrationTimeout (10000 ms): API Gateway would give up before the adapter answers 504; leave it out or give at most 10000`},
		{name: "escape hatch integration timeout variable above the integration's", props: func(awscdk.Stack) *lambdaweb.WebAppProps {
			return &lambdaweb.WebAppProps{FunctionProps: &awslambda.FunctionProps{Environment: &map[string]*string{"APIGW_INTEGRATION_TIMEOUT_MS": jsii.String("60000")}}}
		}, want: `FunctionProps.Environment[APIGW_INTEGRATION_TIMEOUT_MS] "60000" is above IntegrationTimeout (29000 ms): API Gateway would give up before the adapter answers 504; leave it out or give at most 29000`},
		{name: "Environment sets the origin secret", props: func(awscdk.Stack) *lambdaweb.WebAppProps {
			return &lambdaweb.WebAppProps{CloudFront: &lambdaweb.CloudFrontProps{}, Environment: &map[string]*string{"ORIGIN_VERIFY_SECRET_FILE": jsii.String("/tmp/x")}}
		}, want: `Environment[ORIGIN_VERIFY_SECRET_FILE] is set: the construct sets the origin secret with CloudFront, and a value of your own would answer CloudFront 403 or open the API; leave it out (CloudFront.AllowDirectAccess turns the check off)`},
		{name: "origin secret version with direct access", props: func(awscdk.Stack) *lambdaweb.WebAppProps {
			return &lambdaweb.WebAppProps{CloudFront: &lambdaweb.CloudFrontProps{AllowDirectAccess: jsii.Bool(true), OriginSecretVersionId: jsii.String("a1b2c3d4-5678-90ab-cdef-EXAMPLE11111")}}
		}, want: `CloudFront.OriginSecretVersionId is set but CloudFront.AllowDirectAccess is true: there is no origin secret to pin; drop one of them`},
		{name: "origin secret version not an ID", props: func(awscdk.Stack) *lambdaweb.WebAppProps {
			return &lambdaweb.WebAppProps{CloudFront: &lambdaweb.CloudFrontProps{OriginSecretVersionId: jsii.String("AWSCURRENT")}}
		}, want: `CloudFront.OriginSecretVersionId "AWSCURRENT" is not a secret version ID: give the VersionId that aws secretsmanager put-secret-value printed`},
		{name: "realm with a quote", props: func(awscdk.Stack) *lambdaweb.WebAppProps {
			return &lambdaweb.WebAppProps{BasicAuth: &lambdaweb.BasicAuthProps{Realm: jsii.String(`Bob's "app"`)}}
		}, want: `BasicAuth.Realm "Bob's \"app\"" cannot go in a WWW-Authenticate header: use 1 to 100 printable ASCII characters without quotes or backslashes, such as "Staff only"`},
		{name: "authorizer cache too long", props: func(awscdk.Stack) *lambdaweb.WebAppProps {
			return &lambdaweb.WebAppProps{BasicAuth: &lambdaweb.BasicAuthProps{ResultsCacheTtl: awscdk.Duration_Hours(jsii.Number(2))}}
		}, want: "BasicAuth.ResultsCacheTtl 7200 s is out of range: API Gateway caches an authorizer's answer for 0 (off) to 3600 seconds"},
		{name: "reserved concurrency zero", props: func(awscdk.Stack) *lambdaweb.WebAppProps {
			return &lambdaweb.WebAppProps{ReservedConcurrency: jsii.Number(0)}
		}, want: "ReservedConcurrency 0 is not a whole number of executions of at least 1: 0 would stop the function; leave it unset for no limit"},
		{name: "WAF with nothing to attach", props: func(awscdk.Stack) *lambdaweb.WebAppProps {
			return &lambdaweb.WebAppProps{Waf: &lambdaweb.WafProps{}}
		}, want: "Waf is set without WebAclArn, CloudFrontWebAclArn or Create: name a web ACL, set Create to true, or leave Waf nil"},
		{name: "WAF for a distribution that is not there", props: func(awscdk.Stack) *lambdaweb.WebAppProps {
			return &lambdaweb.WebAppProps{Waf: &lambdaweb.WafProps{CloudFrontWebAclArn: jsii.String("arn:aws:wafv2:us-east-1:111111111111:global/webacl/x/1")}}
		}, want: "Waf.CloudFrontWebAclArn is set without CloudFront: there is no distribution to attach it to; set CloudFront or drop it"},
		{name: "error rate as a percentage", props: func(awscdk.Stack) *lambdaweb.WebAppProps {
			return &lambdaweb.WebAppProps{Monitoring: &lambdaweb.MonitoringProps{ServerErrorRate: jsii.Number(5)}}
		}, want: "Monitoring.ServerErrorRate 5 is not a share of requests: use a number between 0 and 1, such as 0.01 for 1 %"},
		{name: "two problems at once", props: func(awscdk.Stack) *lambdaweb.WebAppProps {
			return &lambdaweb.WebAppProps{MemorySize: jsii.Number(100), StageName: jsii.String("my stage")}
		}, want: "MemorySize 100 is out of range: Lambda takes a whole number of MB from 128 to 10240\n" +
			`StageName "my stage" is not a valid stage name: use letters, digits, '-' and '_' (for example "prod")`},
	}
	app := awscdk.NewApp(&awscdk.AppProps{Context: &map[string]any{"aws:cdk:bundling-stacks": []string{}}})
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stack := awscdk.NewStack(app, jsii.String(fmt.Sprintf("Validation%d", i)), nil)
			props := tt.props(stack)
			props.ModuleDir = jsii.String(moduleDir)
			got := panicMessage(func() { lambdaweb.NewWebApp(stack, jsii.String("WebApp"), props) })
			if got != prefix+tt.want {
				t.Errorf("panic:\ngot  %q\nwant %q", got, prefix+tt.want)
			}
		})
	}
	t.Run("tokens are not checked", func(t *testing.T) {
		stack := awscdk.NewStack(app, jsii.String("Tokens"), nil)
		memory := awscdk.NewCfnParameter(stack, jsii.String("Memory"), &awscdk.CfnParameterProps{Type: jsii.String("Number")})
		domain := awscdk.NewCfnParameter(stack, jsii.String("Domain"), nil)
		got := panicMessage(func() {
			lambdaweb.NewWebApp(stack, jsii.String("WebApp"), &lambdaweb.WebAppProps{
				ModuleDir:  jsii.String(moduleDir),
				MemorySize: memory.ValueAsNumber(),
				CustomDomain: &lambdaweb.CustomDomainProps{
					DomainName: domain.ValueAsString(), Certificate: certificate(stack, "Cert1", "eu-west-1"),
				},
			})
		})
		if got != "" {
			t.Errorf("panic: got %q, want none for token values", got)
		}
	})
}

func TestPropsAreNotModified(t *testing.T) {
	app := awscdk.NewApp(&awscdk.AppProps{Context: &map[string]any{"aws:cdk:bundling-stacks": []string{}}})
	stack := awscdk.NewStack(app, jsii.String("Copy"), nil)
	cd := &lambdaweb.CustomDomainProps{DomainName: jsii.String("app.example.com"), Certificate: certificate(stack, "Cert1", "eu-west-1")}
	props := &lambdaweb.WebAppProps{ModuleDir: jsii.String(moduleDir), CustomDomain: cd, CloudFront: &lambdaweb.CloudFrontProps{}}
	w := lambdaweb.NewWebApp(stack, jsii.String("WebApp"), props)
	if props.MemorySize != nil || props.StageName != nil || props.Entry != nil || cd.BasePath != nil || props.CloudFront.PriceClass != "" {
		t.Error("NewWebApp wrote defaults into the caller's props")
	}
	if w.Function == nil || w.RestApi == nil || w.DomainName == nil || w.Distribution == nil || w.LogGroup == nil ||
		w.StageUrl == nil || w.CustomDomainUrl == nil || w.CloudFrontUrl == nil {
		t.Error("an exported resource or URL is nil although its option is on")
	}
	if *w.CustomDomainUrl != "https://app.example.com/" {
		t.Errorf("CustomDomainUrl: got %q, want https://app.example.com/", *w.CustomDomainUrl)
	}
}

func TestMissingGo(t *testing.T) {
	app := awscdk.NewApp(nil)
	stack := awscdk.NewStack(app, jsii.String("NoGo"), nil)
	t.Setenv("PATH", t.TempDir())
	got := panicMessage(func() {
		lambdaweb.NewWebApp(stack, jsii.String("WebApp"), &lambdaweb.WebAppProps{ModuleDir: jsii.String(moduleDir)})
	})
	if !strings.HasPrefix(got, "gobuild: building the Go function needs the go command on PATH") {
		t.Errorf("panic: got %q, want it to say that Go is missing", got)
	}
}

func TestSchemaValidationCatchesABadProperty(t *testing.T) {
	ctx := map[string]any{"@aws-cdk/core:validateAgainstDefaultRules": true, "aws:cdk:bundling-stacks": []string{}}
	app := awscdk.NewApp(&awscdk.AppProps{Context: &ctx, Outdir: jsii.String(t.TempDir())})
	stack := awscdk.NewStack(app, jsii.String("Bad"), nil)
	w := lambdaweb.NewWebApp(stack, jsii.String("WebApp"), &lambdaweb.WebAppProps{ModuleDir: jsii.String(moduleDir)})
	w.Function.Node().DefaultChild().(awscdk.CfnResource).AddPropertyOverride(jsii.String("MemorySize"), "lots")
	got := panicMessage(func() { app.Synth(nil) })
	if !strings.Contains(got, "Validation failed") {
		t.Errorf("synth of a template with MemorySize \"lots\": got %q, want a validation failure", got)
	}
}

func TestCustomDomainAndCloudFront(t *testing.T) {
	tmpl, _, _ := synth(t, stackOptions{region: "eu-west-1"}, configuration(t, "all-options"))
	hasResource(t, tmpl, "AWS::ApiGateway::DomainName", match(map[string]any{
		"DomainName": "app.example.com", "SecurityPolicy": "TLS_1_2",
		"EndpointConfiguration":  map[string]any{"Types": []string{"REGIONAL"}},
		"RegionalCertificateArn": "arn:aws:acm:eu-west-1:111111111111:certificate/00000000-0000-4000-8000-000000000001",
	}))
	hasResource(t, tmpl, "AWS::ApiGateway::BasePathMapping", match(map[string]any{"BasePath": "shop/v1"}))
	hasResource(t, tmpl, "AWS::Route53::RecordSet", match(map[string]any{"Name": "app.example.com.", "Type": "AAAA"}))
	hasResource(t, tmpl, "AWS::Route53::RecordSet", match(map[string]any{"Name": "www.example.com.", "Type": "A"}))
	hasResource(t, tmpl, "AWS::Lambda::Function", match(map[string]any{
		"MemorySize": 2048, "Timeout": 60, "Architectures": []string{"x86_64"}, "ReservedConcurrentExecutions": 5,
		"Environment": map[string]any{"Variables": map[string]any{"GREETING": "hello", "APIGW_INTEGRATION_TIMEOUT_MS": "20000"}},
	}))
	hasResource(t, tmpl, "AWS::ApiGateway::Stage", match(map[string]any{"StageName": "live"}))
	methods := assertions.Template_FromJSON(&tmpl, nil).FindResources(jsii.String("AWS::ApiGateway::Method"), nil)
	for id, m := range *methods {
		if got := (*m)["Properties"].(map[string]any)["Integration"].(map[string]any)["TimeoutInMillis"]; got != float64(20000) {
			t.Errorf("method %s: integration timeout %v, want 20000", id, got)
		}
	}
	if n := len(*assertions.Template_FromJSON(&tmpl, nil).FindResources(jsii.String("AWS::ApiGateway::Account"), nil)); n != 0 {
		t.Errorf("CloudWatchRole false: got %d AWS::ApiGateway::Account, want none", n)
	}

	dists := assertions.Template_FromJSON(&tmpl, nil).FindResources(jsii.String("AWS::CloudFront::Distribution"), nil)
	if len(*dists) != 1 {
		t.Fatalf("distributions: got %d, want 1", len(*dists))
	}
	for _, d := range *dists {
		cfg := (*d)["Properties"].(map[string]any)["DistributionConfig"].(map[string]any)
		behavior := cfg["DefaultCacheBehavior"].(map[string]any)
		origin := cfg["Origins"].([]any)[0].(map[string]any)
		for _, c := range []struct {
			name      string
			got, want any
		}{
			{"viewer protocol policy", behavior["ViewerProtocolPolicy"], "redirect-to-https"},
			{"allowed methods", len(behavior["AllowedMethods"].([]any)), 7},
			{"cache policy (the construct's, honouring Cache-Control)", behavior["CachePolicyId"], map[string]any{"Ref": cachePolicyID(t, tmpl)}},
			{"origin request policy (AllViewerExceptHostHeader)", behavior["OriginRequestPolicyId"], "b689b0a8-53d0-40ab-baf2-68738e2966ac"},
			{"response headers policy (SecurityHeadersPolicy)", behavior["ResponseHeadersPolicyId"], "67f7725c-6f97-4210-82d7-5512b31e9d03"},
			{"HTTP versions", cfg["HttpVersion"], "http2and3"},
			{"aliases", len(cfg["Aliases"].([]any)), 2},
			{"minimum TLS", cfg["ViewerCertificate"].(map[string]any)["MinimumProtocolVersion"], "TLSv1.2_2021"},
			{"prefix header", origin["OriginCustomHeaders"].([]any)[0], map[string]any{"HeaderName": "X-Forwarded-Prefix", "HeaderValue": "/"}},
			{"origin secret header", origin["OriginCustomHeaders"].([]any)[1].(map[string]any)["HeaderName"], "X-Origin-Verify"},
			{"origin protocol", origin["CustomOriginConfig"].(map[string]any)["OriginProtocolPolicy"], "https-only"},
		} {
			if !reflect.DeepEqual(c.got, c.want) {
				t.Errorf("%s: got %v, want %v", c.name, c.got, c.want)
			}
		}
		if _, ok := cfg["Logging"]; !ok {
			t.Error("EnableLogging: the distribution has no logging configuration")
		}
	}
	hasResource(t, tmpl, "AWS::S3::Bucket", match(map[string]any{
		"OwnershipControls": map[string]any{"Rules": []any{map[string]any{"ObjectOwnership": "ObjectWriter"}}},
	}))
	outputs := tmpl["Outputs"].(map[string]any)
	for _, want := range []string{"StageUrl", "CustomDomainUrl", "CloudFrontUrl"} {
		if !strings.Contains(keys(outputs), want) {
			t.Errorf("outputs %s lack %s", keys(outputs), want)
		}
	}
}

func stageOutput(tmpl map[string]any) bool {
	outputs, _ := tmpl["Outputs"].(map[string]any)
	return strings.Contains(keys(outputs), "StageUrl")
}

// TestEscapeHatchesMerge checks that the escape hatches add to the
// construct's decisions where the README says they merge, and replace them
// where it says they replace.
func TestEscapeHatchesMerge(t *testing.T) {
	tmpl, _, _ := synth(t, stackOptions{}, func(s awscdk.Stack) *lambdaweb.WebAppProps {
		return &lambdaweb.WebAppProps{
			Environment: &map[string]*string{"GREETING": jsii.String("hello"), "SHARED": jsii.String("from props")},
			FunctionProps: &awslambda.FunctionProps{
				Environment:                  &map[string]*string{"EXTRA": jsii.String("x"), "SHARED": jsii.String("from the escape hatch")},
				Timeout:                      awscdk.Duration_Seconds(jsii.Number(60)),
				ReservedConcurrentExecutions: jsii.Number(3),
			},
			RestApiProps: &awsapigateway.RestApiProps{
				Description:   jsii.String("mine"),
				DeployOptions: &awsapigateway.StageOptions{TracingEnabled: jsii.Bool(true), ThrottlingRateLimit: jsii.Number(7)},
			},
		}
	})
	hasResource(t, tmpl, "AWS::Lambda::Function", match(map[string]any{
		"Timeout": 60, "MemorySize": 1024, "ReservedConcurrentExecutions": 3,
		"Environment": map[string]any{"Variables": map[string]any{
			"APIGW_INTEGRATION_TIMEOUT_MS": "29000", "GREETING": "hello", "EXTRA": "x", "SHARED": "from the escape hatch",
		}},
	}))
	hasResource(t, tmpl, "AWS::ApiGateway::RestApi", match(map[string]any{"Description": "mine", "BinaryMediaTypes": []string{"*/*"}}))
	hasResource(t, tmpl, "AWS::ApiGateway::Stage", match(map[string]any{
		"StageName": "prod", "TracingEnabled": true,
		"AccessLogSetting": assertions.Match_ObjectLike(&map[string]any{"Format": assertions.Match_AnyValue()}),
		"MethodSettings":   []any{assertions.Match_ObjectLike(&map[string]any{"ThrottlingRateLimit": 7, "ThrottlingBurstLimit": 100, "LoggingLevel": "ERROR"})},
	}))

	t.Run("integration timeout variable set by the escape hatch", func(t *testing.T) {
		tmpl, _, _ := synth(t, stackOptions{}, func(awscdk.Stack) *lambdaweb.WebAppProps {
			return &lambdaweb.WebAppProps{FunctionProps: &awslambda.FunctionProps{
				Environment: &map[string]*string{"APIGW_INTEGRATION_TIMEOUT_MS": jsii.String("10000")},
			}}
		})
		hasResource(t, tmpl, "AWS::Lambda::Function", match(map[string]any{
			"Environment": map[string]any{"Variables": map[string]any{"APIGW_INTEGRATION_TIMEOUT_MS": "10000"}},
		}))
	})
	t.Run("endpoint disabled through RestApiProps", func(t *testing.T) {
		tmpl, _, _ := synth(t, stackOptions{}, func(s awscdk.Stack) *lambdaweb.WebAppProps {
			return &lambdaweb.WebAppProps{
				CustomDomain: &lambdaweb.CustomDomainProps{DomainName: jsii.String("app.example.com"), Certificate: certificate(s, "Cert1", "eu-west-1")},
				RestApiProps: &awsapigateway.RestApiProps{DisableExecuteApiEndpoint: jsii.Bool(true)},
			}
		})
		hasResource(t, tmpl, "AWS::ApiGateway::RestApi", match(map[string]any{"DisableExecuteApiEndpoint": true}))
		if stageOutput(tmpl) {
			t.Errorf("outputs: got %s, want no StageUrl with the endpoint disabled", keys(tmpl["Outputs"].(map[string]any)))
		}
	})
	t.Run("own log group and role", func(t *testing.T) {
		tmpl, _, _ := synth(t, stackOptions{}, func(s awscdk.Stack) *lambdaweb.WebAppProps {
			lg := awslogs.NewLogGroup(s, jsii.String("Mine"), &awslogs.LogGroupProps{Retention: awslogs.RetentionDays_ONE_WEEK})
			return &lambdaweb.WebAppProps{FunctionProps: &awslambda.FunctionProps{LogGroup: lg}}
		})
		groups := assertions.Template_FromJSON(&tmpl, nil).FindResources(jsii.String("AWS::Logs::LogGroup"), nil)
		for id := range *groups {
			if strings.Contains(id, "FunctionLogs") {
				t.Errorf("log group %s created although FunctionProps.LogGroup replaces it", id)
			}
		}
		hasResource(t, tmpl, "AWS::IAM::Policy", match(map[string]any{
			"PolicyDocument": assertions.Match_ObjectLike(&map[string]any{"Statement": []any{
				assertions.Match_ObjectLike(&map[string]any{
					"Action":   []string{"logs:CreateLogStream", "logs:PutLogEvents"},
					"Resource": map[string]any{"Fn::GetAtt": []any{assertions.Match_StringLikeRegexp(jsii.String("^Mine")), "Arn"}},
				}),
			}}),
		}))
	})
}

// recordSets returns the logical IDs of the template's Route 53 records by
// "name type".
func recordSets(tmpl map[string]any) map[string]string {
	out := map[string]string{}
	for id, r := range tmpl["Resources"].(map[string]any) {
		res := r.(map[string]any)
		if res["Type"] != "AWS::Route53::RecordSet" {
			continue
		}
		p := res["Properties"].(map[string]any)
		out[fmt.Sprint(p["Name"], " ", p["Type"])] = id
	}
	return out
}

// TestAliasRecordIDsFollowTheNames reorders CloudFront.DomainNames: every
// record keeps its logical ID, so a deploy replaces no DNS record.
func TestAliasRecordIDsFollowTheNames(t *testing.T) {
	ids := func(names ...string) map[string]string {
		tmpl, _, _ := synth(t, stackOptions{region: "eu-west-1"}, func(s awscdk.Stack) *lambdaweb.WebAppProps {
			return &lambdaweb.WebAppProps{CloudFront: &lambdaweb.CloudFrontProps{
				DomainNames: jsii.Strings(names...), Certificate: certificate(s, "Cert2", "us-east-1"), HostedZone: zone(s),
			}}
		})
		return recordSets(tmpl)
	}
	a := ids("www.example.com", "example.com")
	b := ids("example.com", "www.example.com")
	if len(a) != 4 {
		t.Fatalf("records: got %v, want A and AAAA for each of two names", a)
	}
	if !reflect.DeepEqual(a, b) {
		t.Errorf("logical IDs after reordering DomainNames:\ngot  %v\nwant %v", b, a)
	}
}

// TestRecordsItselfForLocalTools checks the metadata that package assembly
// reads: WebApps nested in other constructs, two in one stack, one in a
// second stack and one in a stack inside a stage are all found, each with
// its own path.
func TestRecordsItselfForLocalTools(t *testing.T) {
	app := awscdk.NewApp(&awscdk.AppProps{Context: &map[string]any{"aws:cdk:bundling-stacks": []string{}}, Outdir: jsii.String(t.TempDir())})
	props := func() *lambdaweb.WebAppProps {
		return &lambdaweb.WebAppProps{ModuleDir: jsii.String(moduleDir), Entry: jsii.String("./function")}
	}
	stack := awscdk.NewStack(app, jsii.String("ShopStack"), nil)
	lambdaweb.NewWebApp(constructs.NewConstruct(stack, jsii.String("Storefront")), jsii.String("Web"), props())
	lambdaweb.NewWebApp(constructs.NewConstruct(stack, jsii.String("Backoffice")), jsii.String("Admin"), props())
	lambdaweb.NewWebApp(awscdk.NewStack(app, jsii.String("Other"), nil), jsii.String("Site"), props())
	stage := awscdk.NewStage(app, jsii.String("Beta"), nil)
	lambdaweb.NewWebApp(awscdk.NewStack(stage, jsii.String("ShopStack"), nil), jsii.String("Web"), props())
	asm := app.Synth(nil)

	apps, err := assembly.Read(*asm.Directory())
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, a := range apps {
		got = append(got, a.Stack+" "+a.Construct)
		if a.ModuleDir != "../.." || a.Module != "github.com/goapigw/webapp" || a.Entry != "./function" || a.API.Stage != "prod" || a.Function.MemorySize != 1024 {
			t.Errorf("%s: got %+v", a.Construct, a)
		}
	}
	want := []string{
		"Beta/ShopStack Beta/ShopStack/Web",
		"Other Other/Site",
		"ShopStack ShopStack/Backoffice/Admin",
		"ShopStack ShopStack/Storefront/Web",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("WebApps read back:\ngot  %q\nwant %q", got, want)
	}
	a, err := assembly.Select(apps, "Beta/ShopStack", "")
	if err != nil || a.Construct != "Beta/ShopStack/Web" || !strings.HasPrefix(a.Record.Function, "WebFunction") {
		t.Errorf("Select in the stage's stack: got %+v, %v", a.Record, err)
	}
}

func TestResponseStreaming(t *testing.T) {
	tmpl, _, _ := synth(t, stackOptions{region: "eu-west-1"}, func(awscdk.Stack) *lambdaweb.WebAppProps {
		return &lambdaweb.WebAppProps{
			ResponseStreaming: jsii.Bool(true), IntegrationTimeout: awscdk.Duration_Minutes(jsii.Number(5)), Timeout: awscdk.Duration_Minutes(jsii.Number(6)),
		}
	})
	methods := assertions.Template_FromJSON(&tmpl, nil).FindResources(jsii.String("AWS::ApiGateway::Method"), nil)
	if len(*methods) != 2 {
		t.Fatalf("methods: got %d, want 2", len(*methods))
	}
	for id, m := range *methods {
		integ := (*m)["Properties"].(map[string]any)["Integration"].(map[string]any)
		uri, _ := json.Marshal(integ["Uri"])
		if integ["ResponseTransferMode"] != "STREAM" || integ["TimeoutInMillis"] != float64(300000) ||
			!strings.Contains(string(uri), "lambda:path/2021-11-15/functions/") || !strings.Contains(string(uri), "/response-streaming-invocations") {
			t.Errorf("method %s: got mode %v, timeout %v, URI %s; want STREAM, 300000 ms and the InvokeWithResponseStream URI", id, integ["ResponseTransferMode"], integ["TimeoutInMillis"], uri)
		}
	}
	hasResource(t, tmpl, "AWS::Lambda::Function", match(map[string]any{
		"Timeout":     360,
		"Environment": map[string]any{"Variables": map[string]any{"APIGW_RESPONSE_TRANSFER_MODE": "STREAM", "APIGW_INTEGRATION_TIMEOUT_MS": "300000"}},
	}))
	// The local stack reads the mode back.
	t.Run("buffered by default", func(t *testing.T) {
		tmpl, _, _ := synth(t, stackOptions{}, func(awscdk.Stack) *lambdaweb.WebAppProps { return nil })
		for id, m := range *assertions.Template_FromJSON(&tmpl, nil).FindResources(jsii.String("AWS::ApiGateway::Method"), nil) {
			integ := (*m)["Properties"].(map[string]any)["Integration"].(map[string]any)
			if integ["ResponseTransferMode"] != "BUFFERED" {
				t.Errorf("method %s: got %v, want BUFFERED", id, integ["ResponseTransferMode"])
			}
		}
		vars := assertions.Template_FromJSON(&tmpl, nil).FindResources(jsii.String("AWS::Lambda::Function"), nil)
		for _, f := range *vars {
			env, _ := json.Marshal((*f)["Properties"].(map[string]any)["Environment"])
			if strings.Contains(string(env), "APIGW_RESPONSE_TRANSFER_MODE") {
				t.Errorf("buffered function environment: got %s, want no transfer mode variable", env)
			}
		}
	})
}

func TestBasicAuth(t *testing.T) {
	tmpl, _, _ := synth(t, stackOptions{region: "eu-west-1"}, configuration(t, "basic-auth"))
	tp := assertions.Template_FromJSON(&tmpl, nil)
	authorizers := tp.FindResources(jsii.String("AWS::ApiGateway::Authorizer"), nil)
	if len(*authorizers) != 1 {
		t.Fatalf("authorizers: got %d, want 1", len(*authorizers))
	}
	var authID string
	for id := range *authorizers {
		authID = id
	}
	hasResource(t, tmpl, "AWS::ApiGateway::Authorizer", match(map[string]any{
		"Type": "TOKEN", "IdentitySource": "method.request.header.Authorization", "AuthorizerResultTtlInSeconds": 300,
	}))
	for id, m := range *tp.FindResources(jsii.String("AWS::ApiGateway::Method"), nil) {
		p := (*m)["Properties"].(map[string]any)
		if p["AuthorizationType"] != "CUSTOM" || !reflect.DeepEqual(p["AuthorizerId"], map[string]any{"Ref": authID}) {
			t.Errorf("method %s: got %v %v, want the authorizer", id, p["AuthorizationType"], p["AuthorizerId"])
		}
	}
	for _, typ := range []string{"UNAUTHORIZED", "ACCESS_DENIED"} {
		hasResource(t, tmpl, "AWS::ApiGateway::GatewayResponse", match(map[string]any{
			"ResponseType": typ, "StatusCode": "401",
			"ResponseParameters": map[string]any{
				"gatewayresponse.header.WWW-Authenticate": `'Basic realm="Staff only", charset="UTF-8"'`,
				"gatewayresponse.header.Cache-Control":    "'no-store'",
			},
		}))
	}
	// The authorizer's role reads that one secret and writes its own logs.
	var secretID string
	for id := range *tp.FindResources(jsii.String("AWS::SecretsManager::Secret"), nil) {
		if strings.HasPrefix(id, "WebAppAuthSecret") {
			secretID = id
		}
	}
	var logsID string
	for id := range *tp.FindResources(jsii.String("AWS::Logs::LogGroup"), nil) {
		if strings.HasPrefix(id, "WebAppAuthorizerLogs") {
			logsID = id
		}
	}
	hasResource(t, tmpl, "AWS::IAM::Policy", match(map[string]any{
		"PolicyDocument": map[string]any{"Version": "2012-10-17", "Statement": []any{
			map[string]any{"Action": []string{"logs:CreateLogStream", "logs:PutLogEvents"}, "Effect": "Allow",
				"Resource": map[string]any{"Fn::GetAtt": []string{logsID, "Arn"}}},
			map[string]any{"Action": []string{"secretsmanager:DescribeSecret", "secretsmanager:GetSecretValue"}, "Effect": "Allow",
				"Resource": map[string]any{"Ref": secretID}},
		}},
	}))
	hasResource(t, tmpl, "AWS::Lambda::Function", match(map[string]any{
		"Runtime": "provided.al2023", "MemorySize": 256, "Architectures": []string{"arm64"},
		"Environment": map[string]any{"Variables": map[string]any{"BASIC_AUTH_SECRET_ID": map[string]any{"Ref": secretID}, "BASIC_AUTH_SECRET_TTL_SECONDS": "60"}},
	}))
	if out, _ := json.Marshal(tmpl["Outputs"]); !strings.Contains(string(out), "BasicAuthSecretName") {
		t.Errorf("outputs: got %s, want the created secret's name", out)
	}
	// CloudFront forwards Authorization by keying its cache on it.
	hasResource(t, tmpl, "AWS::CloudFront::CachePolicy", match(map[string]any{"CachePolicyConfig": assertions.Match_ObjectLike(&map[string]any{
		"DefaultTTL": 0, "MaxTTL": 1, "MinTTL": 0,
		"ParametersInCacheKeyAndForwardedToOrigin": assertions.Match_ObjectLike(&map[string]any{
			"HeadersConfig": map[string]any{"HeaderBehavior": "whitelist", "Headers": []string{"Authorization"}},
		}),
	})}))
	// APIG4 is met, not acknowledged; COG4 keeps a reason of its own.
	raw, _ := json.Marshal(tmpl)
	if strings.Contains(string(raw), "AwsSolutions-APIG4") {
		t.Error("APIG4 is acknowledged although the methods have an authorizer")
	}
	if !strings.Contains(string(raw), "Basic authentication by a Lambda TOKEN authorizer") {
		t.Error("COG4's acknowledgement does not say why basic auth stands in for Cognito")
	}

	t.Run("public apps keep the acknowledgements", func(t *testing.T) {
		tmpl, _, _ := synth(t, stackOptions{}, func(awscdk.Stack) *lambdaweb.WebAppProps { return nil })
		raw, _ := json.Marshal(tmpl)
		if !strings.Contains(string(raw), "AwsSolutions-APIG4") || strings.Contains(string(raw), "AWS::ApiGateway::Authorizer") {
			t.Error("a public app: want APIG4 acknowledged and no authorizer")
		}
	})
	t.Run("an existing secret, caching off", func(t *testing.T) {
		tmpl, _, _ := synth(t, stackOptions{region: "eu-west-1"}, func(s awscdk.Stack) *lambdaweb.WebAppProps {
			secret := awssecretsmanager.Secret_FromSecretNameV2(s, jsii.String("Users"), jsii.String("team/users"))
			return &lambdaweb.WebAppProps{BasicAuth: &lambdaweb.BasicAuthProps{Secret: secret, ResultsCacheTtl: awscdk.Duration_Seconds(jsii.Number(0))}}
		})
		tp := assertions.Template_FromJSON(&tmpl, nil)
		if n := len(*tp.FindResources(jsii.String("AWS::SecretsManager::Secret"), nil)); n != 0 {
			t.Errorf("secrets created: %d, want none with an existing one", n)
		}
		hasResource(t, tmpl, "AWS::ApiGateway::Authorizer", match(map[string]any{"AuthorizerResultTtlInSeconds": 0}))
		hasResource(t, tmpl, "AWS::ApiGateway::GatewayResponse", match(map[string]any{"ResponseParameters": assertions.Match_ObjectLike(&map[string]any{
			"gatewayresponse.header.WWW-Authenticate": `'Basic realm="Restricted", charset="UTF-8"'`,
		})}))
	})
}

// cachePolicyID is the logical ID of the template's only cache policy.
func cachePolicyID(tb testing.TB, tmpl map[string]any) string {
	tb.Helper()
	var ids []string
	for id := range *assertions.Template_FromJSON(&tmpl, nil).FindResources(jsii.String("AWS::CloudFront::CachePolicy"), nil) {
		ids = append(ids, id)
	}
	if len(ids) != 1 {
		tb.Fatalf("cache policies: got %v, want one", ids)
	}
	return ids[0]
}

// TestEdgeCachePolicy checks the policy that lets CloudFront keep what the
// app marks cacheable, and nothing else; with basic auth, keyed by the
// credentials for no longer than the authorizer's cache.
func TestEdgeCachePolicy(t *testing.T) {
	tests := []struct {
		name        string
		props       func(awscdk.Stack) *lambdaweb.WebAppProps
		wantHeaders any
		wantMaxTTL  float64
	}{
		{name: "public", props: configuration(t, "cloudfront"), wantHeaders: map[string]any{"HeaderBehavior": "none"}, wantMaxTTL: 31536000},
		{name: "basic auth", props: configuration(t, "basic-auth"), wantHeaders: map[string]any{"HeaderBehavior": "whitelist", "Headers": []any{"Authorization"}}, wantMaxTTL: 300},
		{name: "basic auth, authorizer cache off", props: func(s awscdk.Stack) *lambdaweb.WebAppProps {
			return &lambdaweb.WebAppProps{CloudFront: &lambdaweb.CloudFrontProps{}, BasicAuth: &lambdaweb.BasicAuthProps{ResultsCacheTtl: awscdk.Duration_Seconds(jsii.Number(0))}}
		}, wantHeaders: map[string]any{"HeaderBehavior": "whitelist", "Headers": []any{"Authorization"}}, wantMaxTTL: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tmpl, _, _ := synth(t, stackOptions{region: "eu-west-1"}, tt.props)
			res := tmpl["Resources"].(map[string]any)[cachePolicyID(t, tmpl)].(map[string]any)
			cfg := res["Properties"].(map[string]any)["CachePolicyConfig"].(map[string]any)
			key := cfg["ParametersInCacheKeyAndForwardedToOrigin"].(map[string]any)
			for _, c := range []struct {
				name      string
				got, want any
			}{
				{"min TTL", cfg["MinTTL"], float64(0)},
				{"default TTL (nothing unmarked is kept)", cfg["DefaultTTL"], float64(0)},
				{"max TTL", cfg["MaxTTL"], tt.wantMaxTTL},
				{"headers in the key", key["HeadersConfig"], tt.wantHeaders},
				{"query strings in the key", key["QueryStringsConfig"], map[string]any{"QueryStringBehavior": "all"}},
				{"cookies not in the key", key["CookiesConfig"], map[string]any{"CookieBehavior": "none"}},
			} {
				if !reflect.DeepEqual(c.got, c.want) {
					t.Errorf("%s: got %v, want %v", c.name, c.got, c.want)
				}
			}
		})
	}
}

func TestOperations(t *testing.T) {
	tmpl, _, _ := synth(t, stackOptions{region: "eu-west-1"}, configuration(t, "operations"))
	tp := assertions.Template_FromJSON(&tmpl, nil)
	hasResource(t, tmpl, "AWS::Lambda::Function", match(map[string]any{"TracingConfig": map[string]any{"Mode": "Active"}, "ReservedConcurrentExecutions": 20}))
	hasResource(t, tmpl, "AWS::ApiGateway::Stage", match(map[string]any{"TracingEnabled": true}))
	alarms := tp.FindResources(jsii.String("AWS::CloudWatch::Alarm"), nil)
	want := map[string]bool{"5XXError": false, "Latency": false, "Errors": false, "Throttles": false}
	for id, a := range *alarms {
		p := (*a)["Properties"].(map[string]any)
		name, _ := p["MetricName"].(string)
		if _, ok := want[name]; !ok {
			t.Errorf("alarm %s on %q: not one of the four", id, name)
			continue
		}
		want[name] = true
		if len(p["AlarmActions"].([]any)) != 1 || len(p["OKActions"].([]any)) != 1 {
			t.Errorf("alarm %s: actions %v %v, want the topic for ALARM and OK", id, p["AlarmActions"], p["OKActions"])
		}
		if name == "Latency" && (p["Threshold"] != float64(23200) || p["ExtendedStatistic"] != "p99") {
			t.Errorf("latency alarm: threshold %v on %v, want 23200 ms (80 %% of 29 s) on p99", p["Threshold"], p["ExtendedStatistic"])
		}
		if name == "5XXError" && (p["Threshold"] != 0.01 || p["Statistic"] != "Average") {
			t.Errorf("5XX alarm: %v on %v, want a 1 %% rate", p["Threshold"], p["Statistic"])
		}
	}
	for name, seen := range want {
		if !seen {
			t.Errorf("no alarm on %s", name)
		}
	}
	tp.ResourceCountIs(jsii.String("AWS::CloudWatch::Dashboard"), jsii.Number(1))
	hasResource(t, tmpl, "AWS::WAFv2::WebACL", match(map[string]any{"Scope": "REGIONAL", "DefaultAction": map[string]any{"Allow": map[string]any{}}}))
	acl, _ := json.Marshal(tp.FindResources(jsii.String("AWS::WAFv2::WebACL"), nil))
	if !strings.Contains(string(acl), "AWSManagedRulesCommonRuleSet") || !strings.Contains(string(acl), `"RateBasedStatement":{"AggregateKeyType":"IP","Limit":1000}`) {
		t.Errorf("web ACL: want the common rule set and a 1000-per-IP rate rule:\n%s", acl)
	}
	tp.ResourceCountIs(jsii.String("AWS::WAFv2::WebACLAssociation"), jsii.Number(1))
	raw, _ := json.Marshal(tmpl)
	if strings.Contains(string(raw), "AwsSolutions-APIG3") {
		t.Error("APIG3 is acknowledged although a web ACL is attached")
	}

	t.Run("off by default", func(t *testing.T) {
		tmpl, _, _ := synth(t, stackOptions{}, func(awscdk.Stack) *lambdaweb.WebAppProps { return nil })
		tp := assertions.Template_FromJSON(&tmpl, nil)
		for _, typ := range []string{"AWS::CloudWatch::Alarm", "AWS::CloudWatch::Dashboard", "AWS::WAFv2::WebACL", "AWS::WAFv2::WebACLAssociation"} {
			tp.ResourceCountIs(jsii.String(typ), jsii.Number(0))
		}
		hasResource(t, tmpl, "AWS::ApiGateway::Stage", match(map[string]any{"TracingEnabled": false}))
		fns, _ := json.Marshal(tp.FindResources(jsii.String("AWS::Lambda::Function"), nil))
		if strings.Contains(string(fns), "TracingConfig") || strings.Contains(string(fns), "ReservedConcurrentExecutions") {
			t.Errorf("function: want no tracing and no reserved concurrency by default: %s", fns)
		}
	})
	t.Run("existing web ACLs", func(t *testing.T) {
		tmpl, _, _ := synth(t, stackOptions{region: "eu-west-1"}, func(s awscdk.Stack) *lambdaweb.WebAppProps {
			return &lambdaweb.WebAppProps{
				CloudFront: &lambdaweb.CloudFrontProps{},
				Waf: &lambdaweb.WafProps{
					WebAclArn:           jsii.String("arn:aws:wafv2:eu-west-1:111111111111:regional/webacl/app/1"),
					CloudFrontWebAclArn: jsii.String("arn:aws:wafv2:us-east-1:111111111111:global/webacl/edge/2"),
				},
			}
		})
		tp := assertions.Template_FromJSON(&tmpl, nil)
		tp.ResourceCountIs(jsii.String("AWS::WAFv2::WebACL"), jsii.Number(0))
		hasResource(t, tmpl, "AWS::WAFv2::WebACLAssociation", match(map[string]any{"WebACLArn": "arn:aws:wafv2:eu-west-1:111111111111:regional/webacl/app/1"}))
		hasResource(t, tmpl, "AWS::CloudFront::Distribution", match(map[string]any{"DistributionConfig": assertions.Match_ObjectLike(&map[string]any{
			"WebACLId": "arn:aws:wafv2:us-east-1:111111111111:global/webacl/edge/2",
		})}))
		raw, _ := json.Marshal(tmpl)
		if strings.Contains(string(raw), "AwsSolutions-CFR2") || strings.Contains(string(raw), "AwsSolutions-APIG3") {
			t.Error("WAF acknowledgements kept although both web ACLs are attached")
		}
	})
}

// TestTwoStacksInOneAccount synthesizes two environments side by side in one
// account and region: each sets the account's logging role to a role of its
// own, and both the role and the setting outlive their stack, so
// destroying one leaves the other's stage logging working.
func TestTwoStacksInOneAccount(t *testing.T) {
	ctx := cdkjson.FeatureFlags(t, filepath.Join(moduleDir, "cdk.json"))
	ctx["aws:cdk:bundling-stacks"] = []string{}
	app := awscdk.NewApp(&awscdk.AppProps{Context: &ctx, Outdir: jsii.String(t.TempDir())})
	env := &awscdk.Environment{Account: jsii.String("111111111111"), Region: jsii.String("eu-west-1")}
	var stacks []awscdk.Stack
	for _, name := range []string{"AppDev", "AppProd"} {
		st := awscdk.NewStack(app, jsii.String(name), &awscdk.StackProps{Env: env})
		lambdaweb.NewWebApp(st, jsii.String("WebApp"), &lambdaweb.WebAppProps{ModuleDir: jsii.String(moduleDir)})
		stacks = append(stacks, st)
	}
	app.Synth(nil)
	var policies []string
	for _, st := range stacks {
		tmpl := assertions.Template_FromStack(st, nil)
		for _, typ := range []string{"AWS::ApiGateway::Account", "AWS::IAM::Role"} {
			for id, r := range *tmpl.FindResources(jsii.String(typ), nil) {
				if typ == "AWS::IAM::Role" && !strings.Contains(id, "CloudWatchRole") {
					continue
				}
				if (*r)["DeletionPolicy"] != "Retain" || (*r)["UpdateReplacePolicy"] != "Retain" {
					t.Errorf("%s %s: deletion %v, replace %v; want both Retain", *st.StackName(), id, (*r)["DeletionPolicy"], (*r)["UpdateReplacePolicy"])
				}
				if typ == "AWS::IAM::Role" {
					b, _ := json.Marshal((*r)["Properties"])
					policies = append(policies, string(b))
				}
			}
		}
		tmpl.ResourceCountIs(jsii.String("AWS::ApiGateway::Account"), jsii.Number(1))
	}
	if len(policies) != 2 || policies[0] != policies[1] {
		t.Errorf("the two stacks' logging roles differ, so the account's setting would depend on which deployed last:\n%v", policies)
	}
}

// TestProactiveControls runs AWS Control Tower's proactive controls over
// every configuration's template: each finding is fixed or acknowledged
// with a reason in the resource's metadata.
func TestProactiveControls(t *testing.T) {
	for _, c := range configurations {
		t.Run(c.name, func(t *testing.T) {
			_, stack, asm := synth(t, stackOptions{region: "eu-west-1"}, c.props)
			tmpl := filepath.Join(*asm.Directory(), *stack.TemplateFile())
			acked := guard.RequireAcknowledged(t, moduleDir, tmpl)
			t.Logf("%d findings, all acknowledged: %v", len(acked), acked)
		})
	}
}
