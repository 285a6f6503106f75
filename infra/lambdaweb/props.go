package lambdaweb

import (
	"errors"
	"fmt"
	"maps"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigateway"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscertificatemanager"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudfront"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsroute53"
	"github.com/aws/jsii-runtime-go"

	"github.com/goapigw/webapp/function/restproxy"
)

// WebAppProps configures a WebApp. Every field is optional.
type WebAppProps struct {
	// Entry is the Go main package that becomes the function, relative to
	// ModuleDir.
	// Default: "./function".
	Entry *string
	// ModuleDir is the directory of the Go module (the one holding go.mod)
	// that contains Entry.
	// Default: the directory the CDK app runs in.
	ModuleDir *string
	// MemorySize is the function's memory in MB, 128 to 10240; CPU grows
	// with it.
	// Default: 1024.
	MemorySize *float64
	// Timeout is the function's timeout, 1 s to 900 s. API Gateway stops
	// waiting after IntegrationTimeout whatever this says.
	// Default: 30 seconds.
	Timeout awscdk.Duration
	// Architecture is the function's processor.
	// Default: awslambda.Architecture_ARM_64() (cheaper, and starts faster).
	Architecture awslambda.Architecture
	// Environment holds the function's environment variables.
	// Default: none.
	Environment *map[string]*string
	// LogRetention is how long the function's and the API's logs are kept.
	// Default: awslogs.RetentionDays_ONE_MONTH.
	LogRetention awslogs.RetentionDays
	// StageName is the API's stage, the first path segment of the stage URL.
	// Default: "prod".
	StageName *string
	// IntegrationTimeout is how long API Gateway waits for the function:
	// at most 29 s for a buffered API, and up to 15 minutes, the longest a
	// stream may last, with ResponseStreaming. It must be below Timeout so
	// that API Gateway, not Lambda, gives up first.
	// Default: 29 seconds.
	IntegrationTimeout awscdk.Duration
	// ResponseStreaming sets both methods' integrations to response transfer
	// mode STREAM (API Gateway calls InvokeWithResponseStream) and tells the
	// adapter to answer in the streaming format. Gained: responses above
	// Lambda's 6 MB (up to 200 MB), integration timeouts up to 15 minutes,
	// bytes reaching the client as the handler writes them. Lost: API
	// caching, API Gateway's own content encoding and response mapping
	// templates (the construct uses none of them); past 10 MB API Gateway
	// streams at 2 MB/s, past 6 MB Lambda bills the streamed bytes, and a
	// stream idle for 5 minutes (30 s behind an edge-optimized endpoint) is
	// closed. Not every region has Lambda response streaming yet.
	// Default: false (buffered), the mode every region and every Lambda
	// handler supports.
	ResponseStreaming *bool
	// ThrottlingRateLimit is the stage's steady request rate per second.
	// Default: 50.
	ThrottlingRateLimit *float64
	// ThrottlingBurstLimit is the stage's burst of requests.
	// Default: 100.
	ThrottlingBurstLimit *float64
	// CloudWatchRole creates a role that lets API Gateway write the stage's
	// execution and access logs, and sets it as the account's (one setting
	// per account and region). Several stacks in one account each set it
	// to a role of their own, all equivalent, and each role is retained
	// when its stack is destroyed, so no stage is left pointing at a
	// deleted role; the last deploy's role is the one in use. With false,
	// the account must already have a role set, or the stage's logging
	// fails to deploy.
	// Default: true.
	CloudWatchRole *bool
	// CustomDomain serves the API under your own domain name.
	// Default: none.
	CustomDomain *CustomDomainProps
	// CloudFront puts a CloudFront distribution in front of the API, which
	// redirects HTTP to HTTPS.
	// Default: none.
	CloudFront *CloudFrontProps
	// Tracing turns on AWS X-Ray tracing for the stage and the functions.
	// Default: false.
	Tracing *bool
	// ReservedConcurrency reserves, and caps, the function's concurrent
	// executions: a ceiling on cost and on what a flood of requests can
	// start (beyond it, requests get 429s). At least 1.
	// Default: none (the account's unreserved pool).
	ReservedConcurrency *float64
	// Monitoring adds CloudWatch alarms on the API's 5XX rate and p99
	// latency and on the function's errors and throttles, notifying an
	// optional SNS topic, and a dashboard.
	// Default: none.
	Monitoring *MonitoringProps
	// Waf attaches an AWS WAF web ACL to the stage (an existing one, or a
	// minimal one the construct creates) and, with CloudFront, an existing
	// CLOUDFRONT-scope one to the distribution.
	// Default: none.
	Waf *WafProps
	// BasicAuth asks for a user name and password on every path (HTTP Basic
	// authentication, checked by a Go Lambda authorizer against bcrypt
	// hashes in Secrets Manager).
	// Default: none (public).
	BasicAuth *BasicAuthProps
	// FunctionProps is an escape hatch for the Lambda function. Environment
	// is merged with the construct's variables (a key set here wins; the
	// integration timeout variable stays unless set here); every other
	// field set here replaces the construct's choice. Code, Runtime and
	// Handler cannot be set: the construct builds Entry. The merged result
	// is validated like the props (MemorySize, Timeout, Architecture, which
	// also decides the binary's GOARCH).
	// Default: none.
	FunctionProps *awslambda.FunctionProps
	// RestApiProps is an escape hatch for the REST API. DeployOptions is
	// merged field by field with the construct's stage options (access logs,
	// throttling, StageName); every other field set here replaces the
	// construct's choice. DisableExecuteApiEndpoint set here also removes
	// the StageUrl output. BinaryMediaTypes must keep "*/*".
	// Default: none.
	RestApiProps *awsapigateway.RestApiProps
}

// CustomDomainProps configures a regional custom domain for the API.
type CustomDomainProps struct {
	// DomainName is the domain, in lower case, such as "app.example.com".
	// Required.
	DomainName *string
	// Certificate is an ACM certificate for DomainName in the stack's region.
	// Required.
	Certificate awscertificatemanager.ICertificate
	// BasePath maps the API under a path of the domain, such as "shop" for
	// https://example.com/shop/; no leading slash.
	// Default: "" (the domain's root).
	BasePath *string
	// HostedZone, when given, gets alias A and AAAA records for DomainName.
	// Default: no records.
	HostedZone awsroute53.IHostedZone
	// DisableExecuteApiEndpoint turns the stage URL off, so the API is only
	// reachable through the domain. Not possible together with CloudFront.
	// Default: false.
	DisableExecuteApiEndpoint *bool
}

// CloudFrontProps configures a CloudFront distribution in front of the API.
type CloudFrontProps struct {
	// DomainNames are alternate domain names (aliases) for the distribution.
	// Default: none (the distribution's cloudfront.net name).
	DomainNames *[]*string
	// Certificate covers DomainNames; CloudFront needs it in us-east-1.
	// Default: none (required with DomainNames).
	Certificate awscertificatemanager.ICertificate
	// HostedZone, when given, gets alias A and AAAA records for each of
	// DomainNames.
	// Default: no records.
	HostedZone awsroute53.IHostedZone
	// EnableLogging writes standard access logs to a bucket the construct
	// creates (encrypted, TLS-only, logs expire after 90 days).
	// Default: false.
	EnableLogging *bool
	// PriceClass limits the edge locations.
	// Default: awscloudfront.PriceClass_PRICE_CLASS_100.
	PriceClass awscloudfront.PriceClass
}

// defaults returns a copy of p (nil allowed) with every default filled in; the
// caller's props are never written.
func (p *WebAppProps) defaults() WebAppProps {
	var d WebAppProps
	if p != nil {
		d = *p
	}
	if d.Entry == nil {
		d.Entry = jsii.String("./function")
	}
	if d.ModuleDir == nil {
		d.ModuleDir = jsii.String(".")
	}
	if d.MemorySize == nil {
		d.MemorySize = jsii.Number(1024)
	}
	if d.Timeout == nil {
		d.Timeout = awscdk.Duration_Seconds(jsii.Number(30))
	}
	if d.Architecture == nil {
		d.Architecture = awslambda.Architecture_ARM_64()
	}
	if d.LogRetention == "" {
		d.LogRetention = awslogs.RetentionDays_ONE_MONTH
	}
	if d.StageName == nil {
		d.StageName = jsii.String("prod")
	}
	if d.ResponseStreaming == nil {
		d.ResponseStreaming = jsii.Bool(false)
	}
	if d.IntegrationTimeout == nil {
		d.IntegrationTimeout = awscdk.Duration_Seconds(jsii.Number(29))
	}
	if d.ThrottlingRateLimit == nil {
		d.ThrottlingRateLimit = jsii.Number(50)
	}
	if d.ThrottlingBurstLimit == nil {
		d.ThrottlingBurstLimit = jsii.Number(100)
	}
	if d.CloudWatchRole == nil {
		d.CloudWatchRole = jsii.Bool(true)
	}
	if d.CustomDomain != nil {
		cd := *d.CustomDomain
		if cd.BasePath == nil {
			cd.BasePath = jsii.String("")
		}
		d.CustomDomain = &cd
	}
	d.BasicAuth = d.BasicAuth.defaults()
	d.Monitoring = d.Monitoring.defaults(d.IntegrationTimeout)
	d.Waf = d.Waf.defaults()
	if d.Tracing == nil {
		d.Tracing = jsii.Bool(false)
	}
	if d.CloudFront != nil {
		cf := *d.CloudFront
		if cf.PriceClass == "" {
			cf.PriceClass = awscloudfront.PriceClass_PRICE_CLASS_100
		}
		d.CloudFront = &cf
	}
	return d
}

func resolved(s *string) bool {
	return s != nil && !unresolved(s)
}

// unresolved reports whether v is a CDK token, whose value is only known at
// deploy time and cannot be checked here.
func unresolved(v any) bool {
	return *awscdk.Token_IsUnresolved(v)
}

var (
	domainRE   = regexp.MustCompile(`^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$`)
	basePathRE = regexp.MustCompile(`^[a-zA-Z0-9$_.+!*'()-]+(/[a-zA-Z0-9$_.+!*'()-]+)*$`)
	arnRegion  = regexp.MustCompile(`^arn:aws[a-z-]*:acm:([a-z0-9-]+):`)
)

// functionProps is the construct's choice for the function, with the
// escape hatch merged in. Code, LogGroup and Role are set later: they are
// resources, created only after validation.
func (p WebAppProps) functionProps() awslambda.FunctionProps {
	env := map[string]*string{}
	if !unresolved(p.IntegrationTimeout) {
		// The adapter answers 504 before API Gateway gives up.
		env[IntegrationTimeoutEnv] = jsii.String(strconv.Itoa(int(*p.IntegrationTimeout.ToMilliseconds(nil))))
	}
	if *p.ResponseStreaming {
		// The adapter must answer in the integration's format.
		env[TransferModeEnv] = jsii.String("STREAM")
	}
	if p.Environment != nil {
		maps.Copy(env, *p.Environment)
	}
	fn := awslambda.FunctionProps{
		Runtime:                      awslambda.Runtime_PROVIDED_AL2023(),
		Handler:                      jsii.String("bootstrap"),
		Architecture:                 p.Architecture,
		MemorySize:                   p.MemorySize,
		Timeout:                      p.Timeout,
		Description:                  jsii.String("Go net/http app (" + *p.Entry + ") behind API Gateway"),
		ReservedConcurrentExecutions: p.ReservedConcurrency,
	}
	if *p.Tracing {
		fn.Tracing = awslambda.Tracing_ACTIVE
	}
	if o := p.FunctionProps; o != nil {
		override(&fn, o)
		if o.Environment != nil {
			maps.Copy(env, *o.Environment)
		}
	}
	fn.Environment = &env
	return fn
}

// restApiProps is the construct's choice for the REST API, with the escape
// hatch merged in. The access log destination is set later: it is a
// resource, created only after validation.
func (p WebAppProps) restApiProps() awsapigateway.RestApiProps {
	disable := p.CustomDomain != nil && p.CustomDomain.DisableExecuteApiEndpoint != nil && *p.CustomDomain.DisableExecuteApiEndpoint
	stage := awsapigateway.StageOptions{
		StageName: p.StageName,
		AccessLogFormat: awsapigateway.AccessLogFormat_JsonWithStandardFields(&awsapigateway.JsonWithStandardFieldProps{
			Caller: jsii.Bool(true), HttpMethod: jsii.Bool(true), Ip: jsii.Bool(true), Protocol: jsii.Bool(true),
			RequestTime: jsii.Bool(true), ResourcePath: jsii.Bool(true), ResponseLength: jsii.Bool(true),
			Status: jsii.Bool(true), User: jsii.Bool(true),
		}),
		LoggingLevel:         awsapigateway.MethodLoggingLevel_ERROR,
		TracingEnabled:       p.Tracing,
		MetricsEnabled:       jsii.Bool(true),
		ThrottlingRateLimit:  p.ThrottlingRateLimit,
		ThrottlingBurstLimit: p.ThrottlingBurstLimit,
	}
	// Every stack that sets the account's logging role keeps its role when
	// it is destroyed: another stack's stage may point at it.
	var roleRemoval awscdk.RemovalPolicy
	if p.CloudWatchRole != nil && *p.CloudWatchRole {
		roleRemoval = awscdk.RemovalPolicy_RETAIN
	}
	api := awsapigateway.RestApiProps{
		CloudWatchRoleRemovalPolicy: roleRemoval,
		Description:                 jsii.String("Serves the Go web app from Lambda."),
		BinaryMediaTypes:            jsii.Strings("*/*"),
		EndpointConfiguration:       &awsapigateway.EndpointConfiguration{Types: &[]awsapigateway.EndpointType{awsapigateway.EndpointType_REGIONAL}},
		CloudWatchRole:              p.CloudWatchRole,
		DisableExecuteApiEndpoint:   jsii.Bool(disable),
	}
	if o := p.RestApiProps; o != nil {
		override(&api, o)
		override(&stage, o.DeployOptions)
	}
	api.DeployOptions = &stage
	return api
}

// override copies every non-zero field of src (a *T) over dst (a *T).
func override[T any](dst *T, src *T) {
	if src == nil {
		return
	}
	d, s := reflect.ValueOf(dst).Elem(), reflect.ValueOf(src).Elem()
	for i := range s.NumField() {
		if f := s.Field(i); !f.IsZero() {
			d.Field(i).Set(f)
		}
	}
}

// validate checks the defaulted props and the merged function and API
// props; each message names the prop that set the value (the escape hatch's
// field when it did), the bad value and the fix. Unresolved tokens are not
// checked.
func (p *WebAppProps) validate(fn *awslambda.FunctionProps, api *awsapigateway.RestApiProps) error {
	d := p
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	fo := d.FunctionProps
	if fo == nil {
		fo = &awslambda.FunctionProps{}
	}
	ao := d.RestApiProps
	if ao == nil {
		ao = &awsapigateway.RestApiProps{}
	}
	so := ao.DeployOptions
	if so == nil {
		so = &awsapigateway.StageOptions{}
	}
	name := func(plain, hatch string, fromHatch bool) string {
		if fromHatch {
			return hatch
		}
		return plain
	}

	if fo.Code != nil || fo.Runtime != nil || fo.Handler != nil {
		bad("FunctionProps sets Code, Runtime or Handler: the construct builds the Go main package at Entry for provided.al2023; set Entry (and ModuleDir) instead")
	}
	memName := name("MemorySize", "FunctionProps.MemorySize", fo.MemorySize != nil)
	if m := *fn.MemorySize; !unresolved(fn.MemorySize) && (m < 128 || m > 10240 || m != float64(int(m))) {
		bad("%s %v is out of range: Lambda takes a whole number of MB from 128 to 10240", memName, m)
	}
	timeoutName := name("Timeout", "FunctionProps.Timeout", fo.Timeout != nil)
	timeoutOK := false
	if !unresolved(fn.Timeout) {
		if s := *fn.Timeout.ToMilliseconds(nil) / 1000; s < 1 || s > 900 {
			bad("%s %v s is out of range: Lambda allows 1 to 900 seconds", timeoutName, s)
		} else {
			timeoutOK = true
		}
	}
	if !unresolved(d.IntegrationTimeout) {
		ms := *d.IntegrationTimeout.ToMilliseconds(nil)
		switch {
		case ms < 50:
			bad("IntegrationTimeout %v ms is too short: API Gateway needs at least 50 ms", ms)
		case ms > 29000 && !*d.ResponseStreaming:
			bad("IntegrationTimeout %v s is above the 29 s a buffered REST API allows: set ResponseStreaming to true (a stream may last up to 15 minutes), or keep it at 29 s or less", ms/1000)
		case ms > 900000:
			bad("IntegrationTimeout %v s is above 15 minutes, the longest API Gateway lets a stream last: use at most 900 s", ms/1000)
		case timeoutOK && ms >= *fn.Timeout.ToMilliseconds(nil):
			bad("IntegrationTimeout %v s is not below the function's %s %v s: API Gateway would still wait after Lambda stopped the function; lower IntegrationTimeout or raise %s",
				ms/1000, timeoutName, *fn.Timeout.ToMilliseconds(nil)/1000, timeoutName)
		}
	}
	if v := (*fn.Environment)[IntegrationTimeoutEnv]; fo.Environment != nil && (*fo.Environment)[IntegrationTimeoutEnv] != nil && resolved(v) {
		if n, err := strconv.Atoi(*v); err != nil || n <= 0 {
			bad("FunctionProps.Environment[%s] %q is not a number of milliseconds: leave it out (the construct sets it from IntegrationTimeout) or give a positive whole number", IntegrationTimeoutEnv, *v)
		}
	}
	if v := (*fn.Environment)[TransferModeEnv]; fo.Environment != nil && (*fo.Environment)[TransferModeEnv] != nil && resolved(v) {
		if want := map[bool]string{true: "STREAM", false: "BUFFERED"}[*d.ResponseStreaming]; !strings.EqualFold(*v, want) {
			bad("FunctionProps.Environment[%s] %q contradicts ResponseStreaming %v: the function would answer in the other mode's format and API Gateway would fail every request; leave it out (the construct sets it)", TransferModeEnv, *v, *d.ResponseStreaming)
		}
	}
	stageName := api.DeployOptions.StageName
	if resolved(stageName) && !regexp.MustCompile(`^[a-zA-Z0-9_-]{1,128}$`).MatchString(*stageName) {
		bad("%s %q is not a valid stage name: use letters, digits, '-' and '_' (for example \"prod\")",
			name("StageName", "RestApiProps.DeployOptions.StageName", so.StageName != nil), *stageName)
	}
	if api.BinaryMediaTypes == nil || !slices.ContainsFunc(*api.BinaryMediaTypes, func(s *string) bool { return s != nil && *s == "*/*" }) {
		bad("RestApiProps.BinaryMediaTypes %v drops \"*/*\": without it API Gateway turns images and other binary answers into base64 text; keep \"*/*\" in the list", strs(deref(api.BinaryMediaTypes)))
	}
	if resolved(d.Entry) && strings.TrimSpace(*d.Entry) == "" {
		bad("Entry is empty: name the Go main package to build, such as \"./function\"")
	}
	if disabled := api.DisableExecuteApiEndpoint; disabled != nil && *disabled {
		endpointName := name("CustomDomain.DisableExecuteApiEndpoint", "RestApiProps.DisableExecuteApiEndpoint", ao.DisableExecuteApiEndpoint != nil)
		switch {
		case d.CloudFront != nil:
			bad("%s is true but CloudFront is set: CloudFront reaches the API through its execute-api endpoint; keep the endpoint or drop CloudFront", endpointName)
		case d.CustomDomain == nil:
			bad("%s is true without CustomDomain: nothing could reach the API; set CustomDomain or keep the endpoint", endpointName)
		}
	}

	if cd := d.CustomDomain; cd != nil {
		switch {
		case cd.DomainName == nil && cd.Certificate != nil:
			bad("CustomDomain.Certificate is set but CustomDomain.DomainName is not: set the domain the certificate covers, or drop the certificate")
		case cd.DomainName != nil && cd.Certificate == nil:
			bad("CustomDomain.DomainName %q has no CustomDomain.Certificate: give an ACM certificate for it in the stack's region", *cd.DomainName)
		case cd.DomainName == nil:
			bad("CustomDomain is set without DomainName and Certificate: set both, or leave CustomDomain nil")
		}
		if resolved(cd.DomainName) {
			name := *cd.DomainName
			switch {
			case name != strings.ToLower(name):
				bad("CustomDomain.DomainName %q has upper-case letters: API Gateway needs %q", name, strings.ToLower(name))
			case !domainRE.MatchString(name):
				bad("CustomDomain.DomainName %q is not a domain name: use a name such as \"app.example.com\"", name)
			}
		}
		if resolved(cd.BasePath) && *cd.BasePath != "" {
			bp := *cd.BasePath
			switch {
			case strings.HasPrefix(bp, "/"):
				bad("CustomDomain.BasePath %q starts with a slash: write it without one, as %q", bp, strings.Trim(bp, "/"))
			case strings.HasSuffix(bp, "/") || !basePathRE.MatchString(bp) || !restproxy.ValidPrefix("/"+bp):
				bad("CustomDomain.BasePath %q is not a valid base path: use path segments such as \"shop\" or \"shop/v1\"", bp)
			}
		}
	}

	if d.BasicAuth != nil {
		d.BasicAuth.validate(bad)
	}
	if d.Monitoring != nil {
		d.Monitoring.validate(bad)
	}
	if d.Waf != nil {
		d.Waf.validate(bad, d.CloudFront != nil)
	}
	if rc := fn.ReservedConcurrentExecutions; rc != nil && !unresolved(rc) && (*rc < 1 || *rc != float64(int(*rc))) {
		bad("%s %v is not a whole number of executions of at least 1: 0 would stop the function; leave it unset for no limit",
			name("ReservedConcurrency", "FunctionProps.ReservedConcurrentExecutions", fo.ReservedConcurrentExecutions != nil), *rc)
	}
	if cf := d.CloudFront; cf != nil {
		hasNames := cf.DomainNames != nil && len(*cf.DomainNames) > 0
		switch {
		case hasNames && cf.Certificate == nil:
			bad("CloudFront.DomainNames %v have no CloudFront.Certificate: give an ACM certificate in us-east-1 that covers them", strs(*cf.DomainNames))
		case !hasNames && cf.Certificate != nil:
			bad("CloudFront.Certificate is set without CloudFront.DomainNames: add the domain names it covers, or drop it")
		}
		if hasNames {
			seen := map[string]bool{}
			for i, n := range *cf.DomainNames {
				switch {
				case n == nil:
					bad("CloudFront.DomainNames[%d] is nil: give a domain name such as \"www.example.com\"", i)
				case !resolved(n) && cf.HostedZone != nil:
					bad("CloudFront.DomainNames[%d] is a token, and CloudFront.HostedZone needs literal names: its records are named after them; give the names, or drop HostedZone and create the records yourself", i)
				case resolved(n) && (*n != strings.ToLower(*n) || !domainRE.MatchString(*n)):
					bad("CloudFront.DomainNames has %q: use lower-case domain names such as \"www.example.com\"", *n)
				case resolved(n) && seen[*n]:
					bad("CloudFront.DomainNames has %q twice: list each name once", *n)
				}
				if n != nil {
					seen[*n] = true
				}
			}
		}
		if cf.Certificate != nil {
			arn := cf.Certificate.CertificateArn()
			if resolved(arn) {
				if m := arnRegion.FindStringSubmatch(*arn); m != nil && m[1] != "us-east-1" {
					bad("CloudFront.Certificate %s is in %s: CloudFront only uses certificates in us-east-1; request or import one there", *arn, m[1])
				}
			}
		}
		if cf.HostedZone != nil && !hasNames {
			bad("CloudFront.HostedZone is set without CloudFront.DomainNames: add the names to create records for, or drop it")
		}
	}
	if len(errs) == 0 {
		return nil
	}
	return fmt.Errorf("lambdaweb: invalid WebAppProps: %w", errors.Join(errs...))
}

func deref[T any](p *[]T) []T {
	if p == nil {
		return nil
	}
	return *p
}

func strs(p []*string) []string {
	out := make([]string, len(p))
	for i, s := range p {
		if s != nil {
			out[i] = *s
		}
	}
	return out
}
