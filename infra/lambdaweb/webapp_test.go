package lambdaweb_test

import (
	"debug/elf"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscertificatemanager"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsroute53"
	"github.com/aws/aws-cdk-go/awscdk/v2/cxapi"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"

	"github.com/goapigw/webapp/infra/lambdaweb"
	"github.com/goapigw/webapp/internal/golden"
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
	ctx := map[string]any{"@aws-cdk/core:validateAgainstDefaultRules": true}
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
		{name: "two problems at once", props: func(awscdk.Stack) *lambdaweb.WebAppProps {
			return &lambdaweb.WebAppProps{MemorySize: jsii.Number(100), StageName: jsii.String("my stage")}
		}, want: "MemorySize 100 is out of range: Lambda takes a whole number of MB from 128 to 10240\n" +
			`StageName "my stage" is not a valid stage name: use letters, digits, '-' and '_' (for example "prod")`},
	}
	app := awscdk.NewApp(&awscdk.AppProps{Context: &map[string]any{"aws:cdk:bundling-stacks": []string{}}})
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stack := awscdk.NewStack(app, jsii.String("Validation"+string(rune('A'+i))), nil)
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
	if !strings.HasPrefix(got, "lambdaweb: building the Go function needs the go command on PATH") {
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
	tmpl, _, _ := synth(t, stackOptions{region: "eu-west-1"}, configurations[4].props) // all-options
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
			{"cache policy (CachingDisabled)", behavior["CachePolicyId"], "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"},
			{"origin request policy (AllViewerExceptHostHeader)", behavior["OriginRequestPolicyId"], "b689b0a8-53d0-40ab-baf2-68738e2966ac"},
			{"response headers policy (SecurityHeadersPolicy)", behavior["ResponseHeadersPolicyId"], "67f7725c-6f97-4210-82d7-5512b31e9d03"},
			{"HTTP versions", cfg["HttpVersion"], "http2and3"},
			{"aliases", len(cfg["Aliases"].([]any)), 2},
			{"minimum TLS", cfg["ViewerCertificate"].(map[string]any)["MinimumProtocolVersion"], "TLSv1.2_2021"},
			{"prefix header", origin["OriginCustomHeaders"], []any{map[string]any{"HeaderName": "X-Forwarded-Prefix", "HeaderValue": "/"}}},
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
