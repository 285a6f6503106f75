package lambdaweb

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigateway"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscertificatemanager"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudfront"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsroute53"
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
	// LogLevel is the least severe application log line that Lambda sends
	// to CloudWatch: the function's and the authorizer's logs are JSON
	// (LoggingConfig LogFormat JSON), so CloudWatch can filter them by
	// level, and Lambda tells the code the level in AWS_LAMBDA_LOG_LEVEL
	// (the adapter's logger honours it, see restproxy.Start). Lambda's own
	// lines (START, END, REPORT with duration and memory) stay at INFO.
	// FunctionProps.LoggingFormat, ApplicationLogLevelV2 and
	// SystemLogLevelV2 (or their deprecated string forms) replace these
	// choices for the function.
	// Default: awslambda.ApplicationLogLevel_INFO.
	LogLevel awslambda.ApplicationLogLevel
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
	// Login signs each person in with their own account, through a Cognito
	// user pool (created, or an existing one) or any OpenID Connect
	// provider; package function/login does it in the function. Not
	// together with BasicAuth.
	// Default: none (public).
	Login *LoginProps
	// Deployment deploys each change through a CodeDeploy deployment
	// instead of at once: every change publishes a function version, both
	// methods invoke the alias "live", a pre-traffic hook smoke-tests the
	// new version, and CodeDeploy shifts traffic (a canary of 10 % for 5
	// minutes by default), rolling back when the new version's 5xx share,
	// errors or p99 duration raise an alarm (thresholds from Monitoring
	// where set) or the hook fails. See the README's "Safe deploys".
	// Default: none (each deploy replaces the code for every request at once).
	Deployment *DeploymentProps
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
	// AllowDirectAccess keeps the stage URL open to callers that skip the
	// distribution. By default the distribution sends a secret
	// X-Origin-Verify origin header, generated by the stack in Secrets
	// Manager (the template holds only a reference to it), and the function
	// answers 403 to any request at the API's execute-api endpoint without
	// it, so nobody can skip the HTTPS redirect, the security headers or the
	// distribution's web ACL. A CustomDomain is a door of its own and stays
	// open either way.
	// Default: false.
	AllowDirectAccess *bool
	// OriginSecretVersionId is the version of the origin secret that the
	// distribution sends. To rotate the secret, put a new value in it (the
	// function then accepts the new and the previous value) and deploy with
	// this set to the VersionId that put-secret-value printed: the template
	// changes, so CloudFormation updates the distribution with the new value.
	// Default: none (the secret's current value when the distribution was
	// created or last updated).
	OriginSecretVersionId *string
}
