package lambdaweb

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigateway"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudfront"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudfrontorigins"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscodedeploy"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscognito"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsroute53"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsroute53targets"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssecretsmanager"
	"github.com/aws/aws-cdk-go/awscdk/v2/awswafv2"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/goapigw/webapp/function/restproxy"
	"github.com/goapigw/webapp/infra/assembly"
	"github.com/goapigw/webapp/infra/gobuild"
)

// PrefixHeader is the origin custom header CloudFront sends to tell the
// function its public mount prefix; "/" means the site root. It is the
// adapter's own constant (package restproxy), so the two cannot drift apart.
const PrefixHeader = restproxy.PrefixHeader

// IntegrationTimeoutEnv is the function's environment variable that holds
// the API's integration timeout in milliseconds; the adapter reads it.
const IntegrationTimeoutEnv = restproxy.IntegrationTimeoutEnv

// TransferModeEnv is the function's environment variable that tells the
// adapter the integration's response transfer mode; the construct sets it
// to "STREAM" with ResponseStreaming.
const TransferModeEnv = restproxy.TransferModeEnv

// MetadataKey is the metadata key, on the REST API resource, under which the
// construct records what local tools need to rebuild and run the WebApp
// (see package assembly).
const MetadataKey = assembly.MetadataKey

// WebApp is a Go net/http app on Lambda behind an API Gateway REST API, with
// an optional custom domain and an optional CloudFront distribution.
type WebApp struct {
	constructs.Construct

	// Function is the Lambda function running the Go bootstrap.
	Function awslambda.Function
	// LogGroup holds the function's logs; nil when FunctionProps.LogGroup
	// replaces it.
	LogGroup awslogs.LogGroup
	// AccessLogGroup holds the API stage's JSON access logs; nil when
	// RestApiProps.DeployOptions.AccessLogDestination replaces it.
	AccessLogGroup awslogs.LogGroup
	// RestApi is the API with "/" and "/{proxy+}" routed to Function.
	RestApi awsapigateway.RestApi
	// DomainName is the custom domain; nil without CustomDomain.
	DomainName awsapigateway.DomainName
	// Distribution is the CloudFront distribution; nil without CloudFront.
	Distribution awscloudfront.Distribution
	// ViewerHostFunction is the distribution's viewer-request function: it
	// sets X-Forwarded-Host (restproxy.ForwardedHostHeader) to the viewer's
	// Host; nil without CloudFront.
	ViewerHostFunction awscloudfront.Function
	// CachePolicy is the distribution's cache policy, which honours the
	// app's Cache-Control; nil without CloudFront.
	CachePolicy awscloudfront.CachePolicy
	// Authorizer is the basic-auth authorizer function; nil without BasicAuth.
	Authorizer awslambda.Function
	// AuthSecret holds the basic-auth users; nil without BasicAuth.
	AuthSecret awssecretsmanager.ISecret
	// UserPool is the user pool the construct created for Login; nil
	// without Login, or with an existing pool or Oidc.
	UserPool awscognito.UserPool
	// UserPoolDomain is the created pool's managed-login domain; nil unless
	// UserPool is set.
	UserPoolDomain awscognito.UserPoolDomain
	// UserPoolClient is the app client the construct added to the pool
	// (created or existing); nil without Login or with Oidc.
	UserPoolClient awscognito.UserPoolClient
	// LoginClientSecret holds the client secret the function reads (a copy
	// of the Cognito client's, or Oidc.ClientSecret); nil without Login.
	LoginClientSecret awssecretsmanager.ISecret
	// SessionSecret seals the session cookies; nil without Login.
	SessionSecret awssecretsmanager.ISecret
	// LoginCallbackUrls are the callback URLs registered (or, with Oidc,
	// to register), one per front door; nil without Login.
	LoginCallbackUrls []*string
	// WebAcl is the web ACL the construct created; nil unless Waf.Create.
	WebAcl awswafv2.CfnWebACL
	// Version is the function version this deploy published; nil without
	// Deployment.
	Version awslambda.Version
	// Alias is "live", which both methods invoke; nil without Deployment.
	Alias awslambda.Alias
	// DeploymentGroup shifts Alias to each new Version; nil without
	// Deployment.
	DeploymentGroup awscodedeploy.LambdaDeploymentGroup
	// DeploymentHook is the pre-traffic hook; nil without Deployment.
	DeploymentHook awslambda.Function
	// DeploymentAlarms roll a deployment back; empty without Deployment.
	DeploymentAlarms []awscloudwatch.Alarm
	// Alarms are the CloudWatch alarms; empty without Monitoring.
	Alarms []awscloudwatch.Alarm
	// Dashboard is the CloudWatch dashboard; nil without Monitoring or
	// with Monitoring.Dashboard false.
	Dashboard awscloudwatch.Dashboard

	// StageUrl is the stage URL, "https://{id}.execute-api.{region}.amazonaws.com/{stage}/";
	// nil when the execute-api endpoint is disabled.
	StageUrl *string
	// CustomDomainUrl is "https://{domain}/{basePath}/"; nil without CustomDomain.
	CustomDomainUrl *string
	// CloudFrontUrl is the distribution's URL (its first alias, if any); nil
	// without CloudFront.
	CloudFrontUrl *string
	// OriginSecret holds the value CloudFront sends in the X-Origin-Verify
	// origin header and the function checks; nil without CloudFront or
	// with CloudFront.AllowDirectAccess.
	OriginSecret awssecretsmanager.ISecret

	// originVerified: the stage URL answers only CloudFront.
	originVerified bool
	// cloudFrontAliases are the distribution's domain names; nil without.
	cloudFrontAliases *[]*string
}

// NewWebApp provisions the app; props may be nil. It compiles the Go main
// package during synthesis with the local Go toolchain (no Docker), for the
// function's architecture. The escape hatches are merged first, then every
// rule is checked on the result; bad props panic before anything is created.
func NewWebApp(scope constructs.Construct, id *string, props *WebAppProps) *WebApp {
	p := props.defaults()
	fnProps := p.functionProps()
	apiProps := p.restApiProps()
	if err := p.validate(&fnProps, &apiProps); err != nil {
		panic(err)
	}
	w := &WebApp{}
	// A construct of its own (jsii's override pattern), so that a WebApp
	// is a scope for the user's resources, a dependency, and a node that
	// Stack_Of and friends understand.
	constructs.NewConstruct_Override(w, scope, id)

	if fnProps.LogGroup == nil {
		w.LogGroup = awslogs.NewLogGroup(w, jsii.String("FunctionLogs"), &awslogs.LogGroupProps{Retention: p.LogRetention})
		fnProps.LogGroup = w.LogGroup
	}
	var role awsiam.Role
	if fnProps.Role == nil {
		// A role of our own, allowed to write to the function's log group
		// only, instead of the managed policy that may write to every log
		// group of the account.
		role = lambdaRole(w, "ServiceRole", "Runs the Go web app; writes its own logs only.")
		if w.LogGroup != nil {
			w.LogGroup.GrantWrite(role)
		} else {
			role.AddToPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
				Actions:   jsii.Strings("logs:CreateLogStream", "logs:PutLogEvents"),
				Resources: jsii.Strings(*fnProps.LogGroup.LogGroupRef().LogGroupArn),
			}))
		}
		fnProps.Role = role
	}

	if p.CloudFront != nil && !*p.CloudFront.AllowDirectAccess {
		w.addOriginSecret()
		env := *fnProps.Environment
		env[restproxy.OriginVerifySecretArnEnv] = w.OriginSecret.SecretArn()
	}
	fnProps.Code = goCode(gobuild.Build{ModuleDir: *p.ModuleDir, Entry: *p.Entry, GOARCH: gobuild.GOARCH(*fnProps.Architecture.Name())})
	w.Function = awslambda.NewFunction(w, jsii.String("Function"), &fnProps)
	acknowledgeGuard(w.Function, "CT.LAMBDA.PR.3", guardNoVPC)
	if w.OriginSecret != nil {
		w.OriginSecret.GrantRead(w.Function, nil)
	}
	if w.LogGroup != nil {
		acknowledgeLogGroup(w.LogGroup, p.LogRetention)
	}
	if role != nil {
		w.Function.Node().AddDependency(role)
		if *p.Tracing {
			acknowledgeTracing(role)
		}
	}

	if apiProps.DeployOptions.AccessLogDestination == nil {
		w.AccessLogGroup = awslogs.NewLogGroup(w, jsii.String("AccessLogs"), &awslogs.LogGroupProps{Retention: p.LogRetention})
		acknowledgeLogGroup(w.AccessLogGroup, p.LogRetention)
		apiProps.DeployOptions.AccessLogDestination = awsapigateway.NewLogGroupLogDestination(w.AccessLogGroup)
	}
	w.RestApi = awsapigateway.NewRestApi(w, jsii.String("Api"), &apiProps)
	// RestApi adds an "Endpoint" output of its own; StageUrl below replaces
	// it, so that a disabled endpoint has no output and the names are ours.
	w.RestApi.Node().TryRemoveChild(jsii.String("Endpoint"))

	mode := awsapigateway.ResponseTransferMode_BUFFERED
	if *p.ResponseStreaming {
		mode = awsapigateway.ResponseTransferMode_STREAM
	}
	var target awslambda.IFunction = w.Function
	if p.Deployment != nil {
		// Both methods invoke the alias (the integration URI and the
		// permissions name its ARN), so CodeDeploy's shift is the traffic's.
		target = w.addDeployment(p, *apiProps.DeployOptions.StageName, p.BasicAuth != nil || p.Login != nil)
	}
	integration := awsapigateway.NewLambdaIntegration(target, &awsapigateway.LambdaIntegrationOptions{
		Proxy:                jsii.Bool(true),
		Timeout:              p.IntegrationTimeout,
		ResponseTransferMode: mode,
	})
	var methodOptions *awsapigateway.MethodOptions
	if p.BasicAuth != nil {
		methodOptions = &awsapigateway.MethodOptions{
			Authorizer:        w.addBasicAuth(p.BasicAuth, p.LogRetention, p.LogLevel, *p.Tracing),
			AuthorizationType: awsapigateway.AuthorizationType_CUSTOM,
		}
	}
	w.RestApi.Root().AddMethod(jsii.String("ANY"), integration, methodOptions)
	w.RestApi.Root().AddResource(jsii.String("{proxy+}"), nil).AddMethod(jsii.String("ANY"), integration, methodOptions)
	acknowledgeAPI(w.RestApi, p.BasicAuth != nil, p.Login != nil, p.Waf != nil && (p.Waf.WebAclArn != nil || *p.Waf.Create))
	if api := apiProps.DeployOptions.TracingEnabled; api == nil || !*api {
		acknowledgeGuard(w.RestApi.DeploymentStage(), "CT.APIGATEWAY.PR.2", guardTracing)
	}
	if p.Waf != nil {
		w.addWaf(p.Waf, p.CloudFront != nil)
	}
	if p.Monitoring != nil {
		w.addMonitoring(p.Monitoring)
	}

	if !*apiProps.DisableExecuteApiEndpoint {
		w.StageUrl = w.RestApi.Url()
		awscdk.NewCfnOutput(w, jsii.String("StageUrl"), &awscdk.CfnOutputProps{
			Value: w.StageUrl, Description: jsii.String("The API's stage URL"),
		})
	}
	if p.CustomDomain != nil {
		w.addCustomDomain(p.CustomDomain)
	}
	if p.CloudFront != nil {
		var loginStage *string
		if p.Login != nil {
			loginStage = apiProps.DeployOptions.StageName
		}
		w.addCloudFront(p.CloudFront, *p.ResponseStreaming, p.BasicAuth, p.Waf, loginStage)
	}
	if p.Login != nil {
		w.addLogin(p.Login, apiProps.DeployOptions.StageName)
	}
	pinPermissions(w)
	w.record(p)
	return w
}

// record writes, on the REST API resource, what local tools need to find and
// rebuild this WebApp (package assembly reads it).
func (w *WebApp) record(p WebAppProps) {
	api, ok := w.RestApi.Node().DefaultChild().(awscdk.CfnResource)
	fn, ok2 := w.Function.Node().DefaultChild().(awscdk.CfnResource)
	if !ok || !ok2 {
		return
	}
	rec := assembly.Record{
		Construct: *w.Node().Path(),
		ModuleDir: recordedDir(*p.ModuleDir),
		Module:    modulePath(*p.ModuleDir),
		Entry:     *p.Entry,
		Function:  *awscdk.Stack_Of(w).GetLogicalId(fn),
	}
	if w.Distribution != nil {
		if d, ok := w.Distribution.Node().DefaultChild().(awscdk.CfnResource); ok {
			rec.Distribution = *awscdk.Stack_Of(w).GetLogicalId(d)
		}
		rec.ViewerHostHeader = restproxy.ForwardedHostHeader
	}
	if p.BasicAuth != nil {
		rec.Authorizer = w.authRecord(p.BasicAuth)
	}
	rec.Login = p.Login != nil
	// The record's own JSON form, so that the writer and package assembly,
	// which reads it back, share one set of field names.
	raw, err := json.Marshal(rec)
	if err != nil {
		panic(err)
	}
	var meta map[string]any
	if err := json.Unmarshal(raw, &meta); err != nil {
		panic(err)
	}
	api.AddMetadata(jsii.String(MetadataKey), meta)
}

// recordedDir is ModuleDir as the template records it: relative to the
// directory the CDK app runs in, with forward slashes, so that the same
// checkout gives the same template anywhere.
func recordedDir(dir string) string {
	if filepath.IsAbs(dir) {
		if wd, err := os.Getwd(); err == nil {
			if rel, err := filepath.Rel(wd, dir); err == nil {
				dir = rel
			}
		}
	}
	return filepath.ToSlash(filepath.Clean(dir))
}

// modulePath reads the module path from dir's go.mod; "" when it cannot.
func modulePath(dir string) string {
	b, err := os.ReadFile(filepath.Join(dir, "go.mod"))
	if err != nil {
		return ""
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		if rest, ok := strings.CutPrefix(strings.TrimSpace(line), "module"); ok && rest != "" && (rest[0] == ' ' || rest[0] == '\t') {
			return strings.Trim(strings.TrimSpace(rest), `"`)
		}
	}
	return ""
}

func (w *WebApp) addCustomDomain(cd *CustomDomainProps) {
	scope := w
	w.DomainName = awsapigateway.NewDomainName(scope, jsii.String("Domain"), &awsapigateway.DomainNameProps{
		DomainName:     cd.DomainName,
		Certificate:    cd.Certificate,
		EndpointType:   awsapigateway.EndpointType_REGIONAL,
		SecurityPolicy: awsapigateway.SecurityPolicy_TLS_1_2,
	})
	var basePath *string
	if *cd.BasePath != "" {
		basePath = cd.BasePath
	}
	awsapigateway.NewBasePathMapping(scope, jsii.String("BasePathMapping"), &awsapigateway.BasePathMappingProps{
		DomainName: w.DomainName,
		RestApi:    w.RestApi,
		Stage:      w.RestApi.DeploymentStage(),
		BasePath:   basePath,
	})
	suffix := "/"
	if basePath != nil {
		suffix += *basePath + "/"
	}
	if unresolved(cd.DomainName) {
		w.CustomDomainUrl = awscdk.Fn_Join(jsii.String(""), &[]*string{jsii.String("https://"), cd.DomainName, jsii.String(suffix)})
	} else {
		w.CustomDomainUrl = jsii.String("https://" + *cd.DomainName + suffix)
	}
	awscdk.NewCfnOutput(scope, jsii.String("CustomDomainUrl"), &awscdk.CfnOutputProps{
		Value: w.CustomDomainUrl, Description: jsii.String("The app's URL on the custom domain"),
	})
	if cd.HostedZone != nil {
		target := awsroute53.RecordTarget_FromAlias(awsroute53targets.NewApiGatewayDomain(w.DomainName))
		awsroute53.NewARecord(scope, jsii.String("DomainAliasA"), &awsroute53.ARecordProps{Zone: cd.HostedZone, RecordName: cd.DomainName, Target: target})
		awsroute53.NewAaaaRecord(scope, jsii.String("DomainAliasAAAA"), &awsroute53.AaaaRecordProps{Zone: cd.HostedZone, RecordName: cd.DomainName, Target: target})
	}
}

func (w *WebApp) addCloudFront(cf *CloudFrontProps, streaming bool, auth *BasicAuthProps, waf *WafProps, stageName *string) {
	scope := w
	// CloudFront waits this long for the first byte and between bytes. A
	// stream may take longer to start; 60 s is the most CloudFront allows
	// without a quota increase.
	readTimeout := 30.0
	if streaming {
		readTimeout = 60
	}
	// The function cannot tell CloudFront from the stage URL by the event;
	// this header tells it that the public prefix is the root.
	headers := map[string]*string{PrefixHeader: jsii.String("/")}
	if w.OriginSecret != nil {
		// A dynamic reference: CloudFormation puts the value in the
		// distribution at deploy time; the template holds only the ARN.
		headers[restproxy.OriginVerifyHeader] = awscdk.SecretValue_SecretsManager(w.OriginSecret.SecretArn(),
			&awscdk.SecretsManagerSecretOptions{VersionId: cf.OriginSecretVersionId}).UnsafeUnwrap()
	}
	var origin awscloudfront.IOrigin
	if stageName == nil {
		origin = awscloudfrontorigins.NewRestApiOrigin(w.RestApi, &awscloudfrontorigins.RestApiOriginProps{
			CustomHeaders: &headers,
			ReadTimeout:   awscdk.Duration_Seconds(jsii.Number(readTimeout)),
		})
	} else {
		// With Login, the app client lists the distribution's domain, and
		// the function the client: an origin that refers to the stage
		// resource (as RestApiOrigin's does) would close a cycle through
		// the deployment, the methods and the function. The same origin,
		// from the API's id and the stage's name.
		origin = awscloudfrontorigins.NewHttpOrigin(awscdk.Fn_Join(jsii.String(""), &[]*string{
			w.RestApi.RestApiId(), jsii.String(".execute-api."), awscdk.Aws_REGION(), jsii.String("."), awscdk.Aws_URL_SUFFIX(),
		}), &awscloudfrontorigins.HttpOriginProps{
			OriginPath:         jsii.String("/" + *stageName),
			ProtocolPolicy:     awscloudfront.OriginProtocolPolicy_HTTPS_ONLY,
			OriginSslProtocols: &[]awscloudfront.OriginSslPolicy{awscloudfront.OriginSslPolicy_TLS_V1_2},
			CustomHeaders:      &headers,
			ReadTimeout:        awscdk.Duration_Seconds(jsii.Number(readTimeout)),
		})
	}
	w.CachePolicy = awscloudfront.NewCachePolicy(scope, jsii.String("CachePolicy"), edgeCachePolicy(auth))
	// API Gateway needs its own Host, so CloudFront cannot pass the
	// viewer's on; this function names it in X-Forwarded-Host, which the
	// adapter makes the request's Host (sign-in callbacks, absolute URLs).
	w.ViewerHostFunction = awscloudfront.NewFunction(scope, jsii.String("ViewerHostFunction"), &awscloudfront.FunctionProps{
		Code:    awscloudfront.FunctionCode_FromInline(jsii.String(viewerHostCode)),
		Runtime: awscloudfront.FunctionRuntime_JS_2_0(),
		Comment: jsii.String("Copies the viewer's Host to " + restproxy.ForwardedHostHeader + " for the app"),
	})
	props := &awscloudfront.DistributionProps{
		Comment: jsii.String("Go web app: HTTPS in front of the REST API"),
		DefaultBehavior: &awscloudfront.BehaviorOptions{
			Origin:               origin,
			ViewerProtocolPolicy: awscloudfront.ViewerProtocolPolicy_REDIRECT_TO_HTTPS,
			AllowedMethods:       awscloudfront.AllowedMethods_ALLOW_ALL(),
			CachePolicy:          w.CachePolicy,
			// Forwarding the viewer's Host makes execute-api answer 403.
			OriginRequestPolicy:   awscloudfront.OriginRequestPolicy_ALL_VIEWER_EXCEPT_HOST_HEADER(),
			ResponseHeadersPolicy: awscloudfront.ResponseHeadersPolicy_SECURITY_HEADERS(),
			Compress:              jsii.Bool(true),
			FunctionAssociations: &[]*awscloudfront.FunctionAssociation{{
				Function: w.ViewerHostFunction, EventType: awscloudfront.FunctionEventType_VIEWER_REQUEST,
			}},
		},
		HttpVersion: awscloudfront.HttpVersion_HTTP2_AND_3,
		PriceClass:  cf.PriceClass,
	}
	if cf.DomainNames != nil && len(*cf.DomainNames) > 0 {
		props.DomainNames = cf.DomainNames
		w.cloudFrontAliases = cf.DomainNames
		props.Certificate = cf.Certificate
		// The default *.cloudfront.net certificate's policy is fixed; the
		// minimum applies only with a certificate of one's own.
		props.MinimumProtocolVersion = awscloudfront.SecurityPolicyProtocol_TLS_V1_2_2021
	}
	var edgeAcl bool
	if waf != nil && waf.CloudFrontWebAclArn != nil {
		props.WebAclId = waf.CloudFrontWebAclArn
		edgeAcl = true
	}
	if cf.EnableLogging != nil && *cf.EnableLogging {
		bucket := awss3.NewBucket(scope, jsii.String("CloudFrontLogs"), &awss3.BucketProps{
			// CloudFront standard logging writes with ACLs.
			ObjectOwnership:   awss3.ObjectOwnership_OBJECT_WRITER,
			BlockPublicAccess: awss3.BlockPublicAccess_BLOCK_ALL(),
			Encryption:        awss3.BucketEncryption_S3_MANAGED,
			EnforceSSL:        jsii.Bool(true),
			Versioned:         jsii.Bool(true),
			LifecycleRules: &[]*awss3.LifecycleRule{{
				Expiration:                  awscdk.Duration_Days(jsii.Number(90)),
				NoncurrentVersionExpiration: awscdk.Duration_Days(jsii.Number(1)),
			}},
		})
		acknowledgeGuard(bucket, "CT.S3.PR.2", "This bucket receives CloudFront's access logs; logging its own access would log the logs.")
		acknowledgeGuard(bucket, "CT.S3.PR.4", "Nothing reacts to new log files; event notifications would have no subscriber.")
		acknowledgeGuard(bucket, "CT.S3.PR.9", "Object Lock would keep access logs past their 90-day expiry; they are operational logs, not records to preserve.")
		acknowledgeGuard(bucket, "CT.S3.PR.10", "CloudFront standard logging cannot deliver to a bucket encrypted with SSE-KMS; the bucket uses SSE-S3.")
		acknowledge(bucket, "AwsSolutions-S1", "This bucket receives CloudFront's access logs; logging its own access would log the logs.")
		props.EnableLogging = jsii.Bool(true)
		props.LogBucket = bucket
	}
	w.Distribution = awscloudfront.NewDistribution(scope, jsii.String("Distribution"), props)
	acknowledgeDistribution(w.Distribution, props.DomainNames != nil, props.EnableLogging != nil, edgeAcl)
	acknowledgeGuard(w.Distribution, "CT.CLOUDFRONT.PR.1",
		"The origin is an app that answers / itself; a default root object would rewrite / to a file the app does not have.")
	acknowledgeGuard(w.Distribution, "CT.CLOUDFRONT.PR.4",
		"The one origin is this stack's API; failover needs a second deployment in another region, which is a choice beyond this construct.")
	if props.EnableLogging == nil {
		acknowledgeGuard(w.Distribution, "CT.CLOUDFRONT.PR.5", "Access logging is off by choice (CloudFront.EnableLogging); the API stage keeps JSON access logs of every request.")
	}
	if props.DomainNames == nil {
		const defaultCert = "Without aliases the distribution uses the default *.cloudfront.net certificate, whose protocol and SNI settings CloudFront fixes; with CloudFront.DomainNames the construct sets an ACM certificate, SNI and TLSv1.2_2021."
		for _, control := range []string{"CT.CLOUDFRONT.PR.6", "CT.CLOUDFRONT.PR.7", "CT.CLOUDFRONT.PR.9"} {
			acknowledgeGuard(w.Distribution, control, defaultCert)
		}
	}

	if props.DomainNames != nil {
		w.CloudFrontUrl = jsii.String("https://" + *(*cf.DomainNames)[0] + "/")
	} else {
		w.CloudFrontUrl = awscdk.Fn_Join(jsii.String(""), &[]*string{jsii.String("https://"), w.Distribution.DistributionDomainName(), jsii.String("/")})
	}
	awscdk.NewCfnOutput(scope, jsii.String("CloudFrontUrl"), &awscdk.CfnOutputProps{
		Value: w.CloudFrontUrl, Description: jsii.String("The app's URL through CloudFront"),
	})
	if cf.HostedZone != nil {
		target := awsroute53.RecordTarget_FromAlias(awsroute53targets.NewCloudFrontTarget(w.Distribution))
		for _, name := range *cf.DomainNames {
			// Named after the domain, not its position: reordering
			// DomainNames must not replace DNS records.
			id := "CloudFrontAlias-" + *name + "-"
			awsroute53.NewARecord(scope, jsii.String(id+"A"), &awsroute53.ARecordProps{Zone: cf.HostedZone, RecordName: name, Target: target})
			awsroute53.NewAaaaRecord(scope, jsii.String(id+"AAAA"), &awsroute53.AaaaRecordProps{Zone: cf.HostedZone, RecordName: name, Target: target})
		}
	}
}

// viewerHostCode is the viewer-request function (cloudfront-js-2.0): it
// overwrites any X-Forwarded-Host the viewer sent with the Host it asked for.
const viewerHostCode = `function handler(event) {
  var request = event.request;
  if (request.headers.host) {
    request.headers['x-forwarded-host'] = { value: request.headers.host.value };
  } else {
    delete request.headers['x-forwarded-host'];
  }
  return request;
}`

// edgeCachePolicy honours the origin's Cache-Control: an answer marked
// cacheable (the app's hashed assets: public, max-age=31536000, immutable)
// is kept at the edge and shared; one that says no-cache, no-store or
// private, or says nothing (the default TTL is 0), reaches the function on
// every request, as HTML does, revalidating with its ETag. The query string
// is part of the key; cookies and the other headers are forwarded by the
// origin request policy without splitting the cache.
//
// With basic auth the Authorization header joins the key: CloudFront
// forwards it only then (an origin request policy may not), and a cached
// answer can then only reach a viewer who sent the very same credentials.
// Such answers are kept no longer than the authorizer's results are cached
// (at least a second, which a header in the key needs), so the edge never
// honours a credential longer than API Gateway itself does.
func edgeCachePolicy(auth *BasicAuthProps) *awscloudfront.CachePolicyProps {
	p := &awscloudfront.CachePolicyProps{
		Comment:             jsii.String("Honours the app's Cache-Control; caches nothing it does not mark cacheable"),
		MinTtl:              awscdk.Duration_Seconds(jsii.Number(0)),
		DefaultTtl:          awscdk.Duration_Seconds(jsii.Number(0)),
		MaxTtl:              awscdk.Duration_Days(jsii.Number(365)),
		HeaderBehavior:      awscloudfront.CacheHeaderBehavior_None(),
		QueryStringBehavior: awscloudfront.CacheQueryStringBehavior_All(),
		CookieBehavior:      awscloudfront.CacheCookieBehavior_None(),
		// Compress is on: CloudFront keeps one copy per encoding.
		EnableAcceptEncodingGzip:   jsii.Bool(true),
		EnableAcceptEncodingBrotli: jsii.Bool(true),
	}
	if auth != nil {
		p.Comment = jsii.String("Honours the app's Cache-Control, keyed by Authorization (basic auth), for at most the authorizer's cache TTL")
		p.HeaderBehavior = awscloudfront.CacheHeaderBehavior_AllowList(jsii.String("Authorization"))
		maxTtl := awscdk.Duration_Seconds(jsii.Number(1))
		if !unresolved(auth.ResultsCacheTtl) && *auth.ResultsCacheTtl.ToSeconds(nil) > 1 {
			maxTtl = auth.ResultsCacheTtl
		}
		p.MaxTtl = maxTtl
	}
	return p
}

// Urls returns the URLs the app answers at, one per front door: the stage
// URL (unless the execute-api endpoint is disabled, or CloudFront-only
// access closes it), the custom domain's URL and the distribution's URL.
func (w *WebApp) Urls() []*string {
	var urls []*string
	if w.StageUrl != nil && !w.originVerified {
		urls = append(urls, w.StageUrl)
	}
	for _, u := range []*string{w.CustomDomainUrl, w.CloudFrontUrl} {
		if u != nil {
			urls = append(urls, u)
		}
	}
	return urls
}

// addOriginSecret creates the secret CloudFront sends in the origin header
// and the function checks: a random value Secrets Manager generates at
// deploy time, so no synthesized file ever holds it.
func (w *WebApp) addOriginSecret() {
	secret := awssecretsmanager.NewSecret(w, jsii.String("OriginSecret"), &awssecretsmanager.SecretProps{
		Description: jsii.String("The X-Origin-Verify value CloudFront sends to the API; the function answers requests at the execute-api endpoint only when they carry it."),
		GenerateSecretString: &awssecretsmanager.SecretStringGenerator{
			PasswordLength: jsii.Number(48), ExcludePunctuation: jsii.Bool(true), IncludeSpace: jsii.Bool(false),
		},
	})
	acknowledge(secret, "AwsSolutions-SMG4",
		"CloudFront takes a new origin header value only on a deploy, so the secret is rotated with one (CloudFront.OriginSecretVersionId, README); the function accepts the previous value meanwhile.")
	w.OriginSecret = secret
	w.originVerified = true
}
