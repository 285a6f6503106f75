package lambdaweb

import (
	"maps"
	"reflect"
	"strconv"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigateway"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/jsii-runtime-go"
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
	setLogging(&fn, p.LogLevel)
	if o := p.FunctionProps; o != nil {
		override(&fn, o)
		mergeLogging(&fn, o)
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
