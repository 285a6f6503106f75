package lambdaweb

import (
	"fmt"
	"reflect"
	"strconv"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigateway"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssecretsmanager"
	"github.com/aws/jsii-runtime-go"

	"github.com/goapigw/webapp/infra/assembly"
	"github.com/goapigw/webapp/infra/gobuild"
)

// BasicAuthProps puts HTTP Basic authentication in front of every path:
// a Go TOKEN authorizer checks the Authorization header against htpasswd
// lines with bcrypt hashes in a Secrets Manager secret.
type BasicAuthProps struct {
	// Realm is what the browser's login prompt shows: printable ASCII,
	// no quotes or backslashes, at most 100 characters.
	// Default: "Restricted".
	Realm *string
	// Secret holds the users, one `htpasswd -nbB USER PASSWORD` line each.
	// The authorizer may read this secret only.
	// Default: a new secret, empty but for a comment, whose name is the
	// stack output BasicAuthSecretName; fill it before anyone can log in.
	Secret awssecretsmanager.ISecret
	// ResultsCacheTtl is how long API Gateway keeps an allowed token's
	// answer, for every path of the API; 0 asks the authorizer every time.
	// At most 1 hour.
	// Default: 5 minutes.
	ResultsCacheTtl awscdk.Duration
	// SecretCacheTtl is how long the authorizer keeps the parsed secret: a
	// changed secret takes effect within it (plus ResultsCacheTtl for a
	// token already cached). A secret that does not parse lets nobody in
	// until it is fixed; while the secret cannot be read, the last good copy
	// serves for 15 minutes after it was read (or SecretCacheTtl, if
	// longer), then nobody gets in. Each failed refresh is a data point of
	// the metric WebApp/BasicAuth SecretRefreshFailures, which Monitoring
	// alarms on.
	// Default: 60 seconds.
	SecretCacheTtl awscdk.Duration
}

// The metric the authorizer writes for each failed refresh of the secret,
// in CloudWatch's embedded metric format (package basicauth's Metric…
// constants; a test keeps the two in step).
const (
	authMetricNamespace = "WebApp/BasicAuth"
	authMetricFailures  = "SecretRefreshFailures"
	authMetricDimension = "FunctionName"
)

// AuthorizerEntry is the authorizer's main package in this module.
const AuthorizerEntry = "./function/authorizer"

// moduleOfThisPackage is this module's path, from the package's own.
var moduleOfThisPackage = strings.TrimSuffix(reflect.TypeFor[WebApp]().PkgPath(), "/infra/lambdaweb")

func (p *BasicAuthProps) defaults() *BasicAuthProps {
	if p == nil {
		return nil
	}
	d := *p
	if d.Realm == nil {
		d.Realm = jsii.String("Restricted")
	}
	if d.ResultsCacheTtl == nil {
		d.ResultsCacheTtl = awscdk.Duration_Minutes(jsii.Number(5))
	}
	if d.SecretCacheTtl == nil {
		d.SecretCacheTtl = awscdk.Duration_Seconds(jsii.Number(60))
	}
	return &d
}

func (p *BasicAuthProps) validate(bad func(string, ...any)) {
	if resolved(p.Realm) {
		r := *p.Realm
		ok := r != "" && len(r) <= 100
		for _, c := range r {
			if c < ' ' || c > '~' || c == '"' || c == '\'' || c == '\\' {
				ok = false
			}
		}
		if !ok {
			bad("BasicAuth.Realm %q cannot go in a WWW-Authenticate header: use 1 to 100 printable ASCII characters without quotes or backslashes, such as \"Staff only\"", r)
		}
	}
	if !unresolved(p.ResultsCacheTtl) {
		if s := *p.ResultsCacheTtl.ToSeconds(nil); s < 0 || s > 3600 {
			bad("BasicAuth.ResultsCacheTtl %v s is out of range: API Gateway caches an authorizer's answer for 0 (off) to 3600 seconds", s)
		}
	}
	if !unresolved(p.SecretCacheTtl) {
		if s := *p.SecretCacheTtl.ToSeconds(nil); s < 0 || s > 3600 {
			bad("BasicAuth.SecretCacheTtl %v s is out of range: use 0 (read the secret every time) to 3600 seconds", s)
		}
	}
}

// addBasicAuth provisions the authorizer and returns it for the methods.
func (w *WebApp) addBasicAuth(ba *BasicAuthProps, logRetention awslogs.RetentionDays, logLevel awslambda.ApplicationLogLevel, tracing bool) awsapigateway.IAuthorizer {
	scope := w
	w.AuthSecret = ba.Secret
	if w.AuthSecret == nil {
		secret := awssecretsmanager.NewSecret(scope, jsii.String("AuthSecret"), &awssecretsmanager.SecretProps{
			Description: jsii.String("Basic authentication users: one `htpasswd -nbB USER PASSWORD` line each (bcrypt only)."),
			// Not a secret: a placeholder that the authorizer reads as "no
			// users", so nobody gets in until the operator fills it.
			SecretStringValue: awscdk.SecretValue_UnsafePlainText(jsii.String("# no users yet: put htpasswd -nbB lines here\n")),
		})
		acknowledge(secret, "AwsSolutions-SMG4",
			"It holds bcrypt hashes of passwords that people choose; the operator rotates them with htpasswd, and Secrets Manager's rotation has no way to.")
		w.AuthSecret = secret
		awscdk.NewCfnOutput(scope, jsii.String("BasicAuthSecretName"), &awscdk.CfnOutputProps{
			Value: secret.SecretName(), Description: jsii.String("Fill with htpasswd -nbB lines: aws secretsmanager put-secret-value --secret-id NAME --secret-string file://users.htpasswd"),
		})
	}

	logs := awslogs.NewLogGroup(scope, jsii.String("AuthorizerLogs"), &awslogs.LogGroupProps{Retention: logRetention})
	acknowledgeLogGroup(logs, logRetention)
	role := lambdaRole(scope, "AuthorizerRole", "Runs the basic-auth authorizer: its own logs and one secret, read only.")
	logs.GrantWrite(role)
	w.AuthSecret.GrantRead(role, nil)

	// The authorizer is built from this module, wherever the CDK app's
	// build keeps it: the checkout, a replace directory or the module cache.
	dir, err := gobuild.ModuleDir("", moduleOfThisPackage)
	if err != nil {
		panic(fmt.Errorf("lambdaweb: build the basic-auth authorizer: %w", err))
	}
	fnTracing := awslambda.Tracing_DISABLED
	if tracing {
		fnTracing = awslambda.Tracing_ACTIVE
	}
	fnProps := awslambda.FunctionProps{
		Tracing:      fnTracing,
		Runtime:      awslambda.Runtime_PROVIDED_AL2023(),
		Handler:      jsii.String("bootstrap"),
		Architecture: awslambda.Architecture_ARM_64(),
		MemorySize:   jsii.Number(256), // bcrypt is CPU work; 256 MB gets twice 128's CPU
		Timeout:      awscdk.Duration_Seconds(jsii.Number(10)),
		Code:         goCode(gobuild.Build{ModuleDir: dir, Entry: AuthorizerEntry, GOARCH: "arm64"}),
		Environment: &map[string]*string{
			"BASIC_AUTH_SECRET_ID":          w.AuthSecret.SecretArn(),
			"BASIC_AUTH_SECRET_TTL_SECONDS": jsii.String(strconv.Itoa(int(*ba.SecretCacheTtl.ToSeconds(nil)))),
		},
		LogGroup:    logs,
		Role:        role,
		Description: jsii.String("Basic authentication for the Go web app (htpasswd, bcrypt)"),
	}
	setLogging(&fnProps, logLevel)
	w.Authorizer = awslambda.NewFunction(scope, jsii.String("AuthorizerFunction"), &fnProps)
	w.Authorizer.Node().AddDependency(role)
	acknowledgeGuard(w.Authorizer, "CT.LAMBDA.PR.3", guardNoVPC)
	if tracing {
		acknowledgeTracing(role)
	}

	auth := awsapigateway.NewTokenAuthorizer(scope, jsii.String("Authorizer"), &awsapigateway.TokenAuthorizerProps{
		Handler:         w.Authorizer,
		IdentitySource:  awsapigateway.IdentitySource_Header(jsii.String("Authorization")),
		ResultsCacheTtl: ba.ResultsCacheTtl,
	})
	// A missing header and wrong credentials both get 401 with the realm,
	// so browsers show their login prompt; never cached on the way.
	headers := &map[string]*string{
		"WWW-Authenticate": jsii.String(`'Basic realm="` + *ba.Realm + `", charset="UTF-8"'`),
		"Cache-Control":    jsii.String("'no-store'"),
	}
	// A slice, not a map: the order decides the deployment's logical ID.
	for _, r := range []struct {
		id  string
		typ awsapigateway.ResponseType
	}{
		{"Unauthorized", awsapigateway.ResponseType_UNAUTHORIZED()},
		{"AccessDenied", awsapigateway.ResponseType_ACCESS_DENIED()},
	} {
		w.RestApi.AddGatewayResponse(jsii.String(r.id), &awsapigateway.GatewayResponseOptions{
			Type: r.typ, StatusCode: jsii.String("401"), ResponseHeaders: headers,
			Templates: &map[string]*string{"application/json": jsii.String(`{"message":"Unauthorized"}`)},
		})
	}
	return auth
}

// authRecord tells local tools how to run the authorizer.
func (w *WebApp) authRecord(ba *BasicAuthProps) *assembly.AuthorizerRecord {
	fn, ok := w.Authorizer.Node().DefaultChild().(awscdk.CfnResource)
	if !ok {
		return nil
	}
	rec := &assembly.AuthorizerRecord{Module: moduleOfThisPackage, Entry: AuthorizerEntry,
		Function: *awscdk.Stack_Of(w).GetLogicalId(fn)}
	if resolved(ba.Realm) {
		rec.Realm = *ba.Realm
	}
	if !unresolved(ba.ResultsCacheTtl) {
		rec.CacheSeconds = int(*ba.ResultsCacheTtl.ToSeconds(nil))
	}
	return rec
}
