package lambdaweb

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigateway"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"

	"github.com/goapigw/webapp/function/restproxy"
)

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
	d.validateAdapterEnv(fn, fo, bad)
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
	if d.Login != nil {
		d.Login.validate(bad, d.BasicAuth != nil)
		for _, key := range loginEnv {
			if d.Environment != nil && (*d.Environment)[key] != nil || fo.Environment != nil && (*fo.Environment)[key] != nil {
				bad("%s[%s] is set: the construct sets it with Login; leave it out", map[bool]string{true: "FunctionProps.Environment", false: "Environment"}[fo.Environment != nil && (*fo.Environment)[key] != nil], key)
			}
		}
	}
	if d.Monitoring != nil {
		d.Monitoring.validate(bad)
	}
	if d.Waf != nil {
		d.Waf.validate(bad, d.CloudFront != nil)
	}
	if d.Deployment != nil {
		d.Deployment.validate(bad)
		if fn.LoggingFormat != awslambda.LoggingFormat_JSON {
			bad("FunctionProps.LoggingFormat is %q with Deployment: the rollback alarm on the new version's 5xx answers reads the adapter's metric, which only JSON log lines carry; leave LoggingFormat unset (JSON)", fn.LoggingFormat)
		}
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
		if cf.OriginSecretVersionId != nil && *cf.AllowDirectAccess {
			bad("CloudFront.OriginSecretVersionId is set but CloudFront.AllowDirectAccess is true: there is no origin secret to pin; drop one of them")
		}
		if v := cf.OriginSecretVersionId; resolved(v) && !regexp.MustCompile(`^[a-zA-Z0-9-]{32,64}$`).MatchString(*v) {
			bad("CloudFront.OriginSecretVersionId %q is not a secret version ID: give the VersionId that aws secretsmanager put-secret-value printed", *v)
		}
		if cf.HostedZone != nil && !hasNames {
			bad("CloudFront.HostedZone is set without CloudFront.DomainNames: add the names to create records for, or drop it")
		}
	}
	if _, ok := LogLevel(string(d.LogLevel)); !ok {
		bad("LogLevel %q is not a Lambda application log level: use one of %s", d.LogLevel, ValidLogLevels())
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

// validateAdapterEnv checks the variables that tell the adapter how API
// Gateway calls it, in the merged environment, whichever prop set them
// (Environment or FunctionProps.Environment): a function told another
// transfer mode than its integrations' fails every request, and one told a
// longer integration timeout answers after API Gateway gave up.
func (d *WebAppProps) validateAdapterEnv(fn *awslambda.FunctionProps, fo *awslambda.FunctionProps, bad func(string, ...any)) {
	source := func(key string) string {
		if fo.Environment != nil && (*fo.Environment)[key] != nil {
			return "FunctionProps.Environment"
		}
		return "Environment"
	}
	env := *fn.Environment
	if v, ok := env[IntegrationTimeoutEnv]; ok && (d.Environment != nil && (*d.Environment)[IntegrationTimeoutEnv] != nil || fo.Environment != nil && (*fo.Environment)[IntegrationTimeoutEnv] != nil) {
		name := source(IntegrationTimeoutEnv)
		limit := int64(-1)
		if !unresolved(d.IntegrationTimeout) {
			limit = int64(*d.IntegrationTimeout.ToMilliseconds(nil))
		}
		switch n, err := strconv.ParseInt(deref1(v), 10, 64); {
		case v == nil || unresolved(v):
			bad("%s[%s] is a token: the adapter's deadline must be known at synth to agree with the integration's; leave it out (the construct sets it from IntegrationTimeout)", name, IntegrationTimeoutEnv)
		case err != nil || n <= 0:
			bad("%s[%s] %q is not a number of milliseconds: leave it out (the construct sets it from IntegrationTimeout) or give a positive whole number", name, IntegrationTimeoutEnv, *v)
		case limit > 0 && n > limit:
			bad("%s[%s] %q is above IntegrationTimeout (%d ms): API Gateway would give up before the adapter answers 504; leave it out or give at most %d", name, IntegrationTimeoutEnv, *v, limit, limit)
		}
	}
	for _, key := range []string{restproxy.OriginVerifySecretArnEnv, restproxy.OriginVerifySecretFileEnv} {
		if d.Environment != nil && (*d.Environment)[key] != nil || fo.Environment != nil && (*fo.Environment)[key] != nil {
			bad("%s[%s] is set: the construct sets the origin secret with CloudFront, and a value of your own would answer CloudFront 403 or open the API; leave it out (CloudFront.AllowDirectAccess turns the check off)", source(key), key)
		}
	}
	if v, ok := env[TransferModeEnv]; ok && (d.Environment != nil && (*d.Environment)[TransferModeEnv] != nil || fo.Environment != nil && (*fo.Environment)[TransferModeEnv] != nil) {
		name := source(TransferModeEnv)
		want := map[bool]string{true: "STREAM", false: "BUFFERED"}[*d.ResponseStreaming]
		switch {
		case v == nil || unresolved(v):
			bad("%s[%s] is a token: the function's transfer mode must be known at synth to agree with the integrations'; leave it out (the construct sets it from ResponseStreaming)", name, TransferModeEnv)
		case !strings.EqualFold(*v, want):
			bad("%s[%s] %q contradicts ResponseStreaming %v: the function would answer in the other mode's format and API Gateway would fail every request; leave it out (the construct sets it)", name, TransferModeEnv, *v, *d.ResponseStreaming)
		}
	}
}

func deref1(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
