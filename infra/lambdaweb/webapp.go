package lambdaweb

import (
	"path/filepath"
	"reflect"
	"strconv"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigateway"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudfront"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudfrontorigins"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsroute53"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsroute53targets"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3assets"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// PrefixHeader is the origin custom header CloudFront sends to tell the
// function its public mount prefix; "/" means the site root. The function's
// adapter (package restproxy) reads it.
const PrefixHeader = "X-Forwarded-Prefix"

// EntryMetadataKey is the function resource's metadata key that holds Entry,
// the module-relative main package, for tools that rebuild the function.
const EntryMetadataKey = "lambdaweb:entry"

// IntegrationTimeoutEnv is the function's environment variable that holds
// the API's integration timeout in milliseconds; restproxy reads it.
const IntegrationTimeoutEnv = "APIGW_INTEGRATION_TIMEOUT_MS"

// WebApp is a Go net/http app on Lambda behind an API Gateway REST API, with
// an optional custom domain and an optional CloudFront distribution.
type WebApp struct {
	constructs.Construct

	// Function is the Lambda function running the Go bootstrap.
	Function awslambda.Function
	// LogGroup holds the function's logs.
	LogGroup awslogs.LogGroup
	// AccessLogGroup holds the API stage's JSON access logs.
	AccessLogGroup awslogs.LogGroup
	// RestApi is the API with "/" and "/{proxy+}" routed to Function.
	RestApi awsapigateway.RestApi
	// DomainName is the custom domain; nil without CustomDomain.
	DomainName awsapigateway.DomainName
	// Distribution is the CloudFront distribution; nil without CloudFront.
	Distribution awscloudfront.Distribution

	// StageUrl is the stage URL, "https://{id}.execute-api.{region}.amazonaws.com/{stage}/";
	// nil when the execute-api endpoint is disabled.
	StageUrl *string
	// CustomDomainUrl is "https://{domain}/{basePath}/"; nil without CustomDomain.
	CustomDomainUrl *string
	// CloudFrontUrl is the distribution's URL (its first alias, if any); nil
	// without CloudFront.
	CloudFrontUrl *string
}

// NewWebApp provisions the app; props may be nil. It compiles the Go main
// package during synthesis with the local Go toolchain (no Docker), for the
// function's architecture.
func NewWebApp(scope constructs.Construct, id *string, props *WebAppProps) *WebApp {
	p := props.defaults()
	if err := p.validate(); err != nil {
		panic(err)
	}
	c := constructs.NewConstruct(scope, id)
	w := &WebApp{Construct: c}

	w.LogGroup = awslogs.NewLogGroup(c, jsii.String("FunctionLogs"), &awslogs.LogGroupProps{
		Retention: p.LogRetention,
	})
	// A role of our own, allowed to write to this log group only, instead of
	// the managed policy that may write to every log group of the account.
	role := awsiam.NewRole(c, jsii.String("ServiceRole"), &awsiam.RoleProps{
		AssumedBy:   awsiam.NewServicePrincipal(jsii.String("lambda.amazonaws.com"), nil),
		Description: jsii.String("Runs the Go web app; writes its own logs only."),
	})
	w.LogGroup.GrantWrite(role)

	arch := p.Architecture
	if p.FunctionProps != nil && p.FunctionProps.Architecture != nil {
		arch = p.FunctionProps.Architecture // the escape hatch decides what runs
	}
	build := Build{ModuleDir: *p.ModuleDir, Entry: *p.Entry, GOARCH: goarch(*arch.Name())}
	hash, err := build.SourceHash()
	if err != nil {
		panic(err)
	}
	moduleDir, err := filepath.Abs(build.ModuleDir)
	if err != nil {
		panic(err)
	}
	code := awslambda.Code_FromAsset(jsii.String(moduleDir), &awss3assets.AssetOptions{
		AssetHash:     jsii.String(hash),
		AssetHashType: awscdk.AssetHashType_CUSTOM,
		Bundling: &awscdk.BundlingOptions{
			// Never pulled: local bundling always succeeds or fails loudly.
			Image: awscdk.DockerImage_FromRegistry(jsii.String("scratch")),
			Local: &bundler{build: build},
		},
	})

	fnProps := awslambda.FunctionProps{
		Runtime:      awslambda.Runtime_PROVIDED_AL2023(),
		Handler:      jsii.String("bootstrap"),
		Code:         code,
		Architecture: p.Architecture,
		MemorySize:   p.MemorySize,
		Timeout:      p.Timeout,
		Environment:  functionEnvironment(p),
		LogGroup:     w.LogGroup,
		Role:         role,
		Description:  jsii.String("Go net/http app (" + *p.Entry + ") behind API Gateway"),
	}
	override(&fnProps, p.FunctionProps)
	w.Function = awslambda.NewFunction(c, jsii.String("Function"), &fnProps)
	w.Function.Node().AddDependency(role)
	if res, ok := w.Function.Node().DefaultChild().(awscdk.CfnResource); ok {
		// Tells local tooling which main package the asset was built from.
		res.AddMetadata(jsii.String(EntryMetadataKey), p.Entry)
	}

	w.AccessLogGroup = awslogs.NewLogGroup(c, jsii.String("AccessLogs"), &awslogs.LogGroupProps{
		Retention: p.LogRetention,
	})
	disableEndpoint := p.CustomDomain != nil && p.CustomDomain.DisableExecuteApiEndpoint != nil && *p.CustomDomain.DisableExecuteApiEndpoint
	apiProps := awsapigateway.RestApiProps{
		Description:               jsii.String("Serves the Go web app from Lambda."),
		BinaryMediaTypes:          jsii.Strings("*/*"),
		EndpointConfiguration:     &awsapigateway.EndpointConfiguration{Types: &[]awsapigateway.EndpointType{awsapigateway.EndpointType_REGIONAL}},
		CloudWatchRole:            p.CloudWatchRole,
		DisableExecuteApiEndpoint: jsii.Bool(disableEndpoint),
		DeployOptions: &awsapigateway.StageOptions{
			StageName:            p.StageName,
			AccessLogDestination: awsapigateway.NewLogGroupLogDestination(w.AccessLogGroup),
			AccessLogFormat: awsapigateway.AccessLogFormat_JsonWithStandardFields(&awsapigateway.JsonWithStandardFieldProps{
				Caller: jsii.Bool(true), HttpMethod: jsii.Bool(true), Ip: jsii.Bool(true), Protocol: jsii.Bool(true),
				RequestTime: jsii.Bool(true), ResourcePath: jsii.Bool(true), ResponseLength: jsii.Bool(true),
				Status: jsii.Bool(true), User: jsii.Bool(true),
			}),
			LoggingLevel:         awsapigateway.MethodLoggingLevel_ERROR,
			MetricsEnabled:       jsii.Bool(true),
			ThrottlingRateLimit:  p.ThrottlingRateLimit,
			ThrottlingBurstLimit: p.ThrottlingBurstLimit,
		},
	}
	override(&apiProps, p.RestApiProps)
	w.RestApi = awsapigateway.NewRestApi(c, jsii.String("Api"), &apiProps)
	// RestApi adds an "Endpoint" output of its own; StageUrl below replaces
	// it, so that a disabled endpoint has no output and the names are ours.
	w.RestApi.Node().TryRemoveChild(jsii.String("Endpoint"))

	integration := awsapigateway.NewLambdaIntegration(w.Function, &awsapigateway.LambdaIntegrationOptions{
		Proxy:   jsii.Bool(true),
		Timeout: p.IntegrationTimeout,
	})
	w.RestApi.Root().AddMethod(jsii.String("ANY"), integration, nil)
	w.RestApi.Root().AddResource(jsii.String("{proxy+}"), nil).AddMethod(jsii.String("ANY"), integration, nil)
	acknowledgeAPI(w.RestApi)

	if !disableEndpoint {
		w.StageUrl = w.RestApi.Url()
		awscdk.NewCfnOutput(c, jsii.String("StageUrl"), &awscdk.CfnOutputProps{
			Value: w.StageUrl, Description: jsii.String("The API's stage URL"),
		})
	}
	if p.CustomDomain != nil {
		w.addCustomDomain(p.CustomDomain)
	}
	if p.CloudFront != nil {
		w.addCloudFront(p.CloudFront)
	}
	return w
}

func (w *WebApp) addCustomDomain(cd *CustomDomainProps) {
	// jsii needs the construct itself as scope, not the Go struct around it.
	scope := w.Construct
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

func (w *WebApp) addCloudFront(cf *CloudFrontProps) {
	// jsii needs the construct itself as scope, not the Go struct around it.
	scope := w.Construct
	origin := awscloudfrontorigins.NewRestApiOrigin(w.RestApi, &awscloudfrontorigins.RestApiOriginProps{
		// The function cannot tell CloudFront from the stage URL by the
		// event; this header tells it that the public prefix is the root.
		CustomHeaders: &map[string]*string{PrefixHeader: jsii.String("/")},
		ReadTimeout:   awscdk.Duration_Seconds(jsii.Number(30)),
	})
	props := &awscloudfront.DistributionProps{
		Comment: jsii.String("Go web app: HTTPS in front of the REST API"),
		DefaultBehavior: &awscloudfront.BehaviorOptions{
			Origin:               origin,
			ViewerProtocolPolicy: awscloudfront.ViewerProtocolPolicy_REDIRECT_TO_HTTPS,
			AllowedMethods:       awscloudfront.AllowedMethods_ALLOW_ALL(),
			// The app sets its own Cache-Control; CloudFront passes every
			// request through, with its query string and cookies.
			CachePolicy: awscloudfront.CachePolicy_CACHING_DISABLED(),
			// Forwarding the viewer's Host makes execute-api answer 403.
			OriginRequestPolicy:   awscloudfront.OriginRequestPolicy_ALL_VIEWER_EXCEPT_HOST_HEADER(),
			ResponseHeadersPolicy: awscloudfront.ResponseHeadersPolicy_SECURITY_HEADERS(),
			Compress:              jsii.Bool(true),
		},
		HttpVersion:            awscloudfront.HttpVersion_HTTP2_AND_3,
		PriceClass:             cf.PriceClass,
		MinimumProtocolVersion: awscloudfront.SecurityPolicyProtocol_TLS_V1_2_2021,
	}
	if cf.DomainNames != nil && len(*cf.DomainNames) > 0 {
		props.DomainNames = cf.DomainNames
		props.Certificate = cf.Certificate
	}
	if cf.EnableLogging != nil && *cf.EnableLogging {
		bucket := awss3.NewBucket(scope, jsii.String("CloudFrontLogs"), &awss3.BucketProps{
			// CloudFront standard logging writes with ACLs.
			ObjectOwnership:   awss3.ObjectOwnership_OBJECT_WRITER,
			BlockPublicAccess: awss3.BlockPublicAccess_BLOCK_ALL(),
			Encryption:        awss3.BucketEncryption_S3_MANAGED,
			EnforceSSL:        jsii.Bool(true),
			LifecycleRules:    &[]*awss3.LifecycleRule{{Expiration: awscdk.Duration_Days(jsii.Number(90))}},
		})
		acknowledge(bucket, "AwsSolutions-S1", "This bucket receives CloudFront's access logs; logging its own access would log the logs.")
		props.EnableLogging = jsii.Bool(true)
		props.LogBucket = bucket
	}
	w.Distribution = awscloudfront.NewDistribution(scope, jsii.String("Distribution"), props)
	acknowledgeDistribution(w.Distribution, props.DomainNames != nil, props.EnableLogging != nil)

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
		for i, name := range *cf.DomainNames {
			id := "CloudFrontAlias" + strconv.Itoa(i)
			awsroute53.NewARecord(scope, jsii.String(id+"A"), &awsroute53.ARecordProps{Zone: cf.HostedZone, RecordName: name, Target: target})
			awsroute53.NewAaaaRecord(scope, jsii.String(id+"AAAA"), &awsroute53.AaaaRecordProps{Zone: cf.HostedZone, RecordName: name, Target: target})
		}
	}
}

// functionEnvironment is the function's environment: the props' variables
// and, unless it is a token, the integration timeout, so that the adapter
// (restproxy) answers 504 before API Gateway gives up. The caller's map is
// not written.
func functionEnvironment(p WebAppProps) *map[string]*string {
	env := map[string]*string{}
	if !unresolved(p.IntegrationTimeout) {
		env[IntegrationTimeoutEnv] = jsii.String(strconv.Itoa(int(*p.IntegrationTimeout.ToMilliseconds(nil))))
	}
	if p.Environment != nil {
		for k, v := range *p.Environment {
			env[k] = v
		}
	}
	return &env
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
