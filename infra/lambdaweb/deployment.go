package lambdaweb

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatchactions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscodedeploy"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/interfaces/interfacesawscloudwatch"
	"github.com/aws/jsii-runtime-go"

	"github.com/goapigw/webapp/function/restproxy"
	"github.com/goapigw/webapp/infra/gobuild"
)

// DeploymentProps shifts each deploy's traffic to the new code in steps:
// every change publishes a function version, the alias "live" (which both
// API methods invoke) points at it through a CodeDeploy deployment, a
// pre-traffic hook smoke-tests the new version first, and alarms on the new
// version alone roll the deployment back.
type DeploymentProps struct {
	// Config is how CodeDeploy shifts traffic: one of CDK's predefined
	// configurations (awscodedeploy.LambdaDeploymentConfig_LINEAR_10PERCENT_EVERY_1MINUTE()...)
	// or a custom awscodedeploy.LambdaDeploymentConfig.
	// Default: awscodedeploy.LambdaDeploymentConfig_CANARY_10PERCENT_5MINUTES().
	Config awscodedeploy.ILambdaDeploymentConfig
	// SmokeTests are the GET requests the pre-traffic hook sends to the new
	// version, each with the status it must answer; any other answer, an
	// error or a timeout fails the deployment before any traffic moves.
	// Default: "/" answering 200.
	SmokeTests *[]*SmokeTest
}

// SmokeTest is one request of the pre-traffic hook.
type SmokeTest struct {
	// Path is the path (and query) under the API, such as "/healthz".
	// Required.
	Path *string
	// Status is the status the new version must answer.
	// Default: 200.
	Status *float64
}

// AliasName is the alias that both methods invoke with Deployment.
const AliasName = "live"

// DeployHookEntry is the pre-traffic hook's main package in this module.
const DeployHookEntry = "./function/deployhook"

// deployHookPrincipal is the user the smoke events are signed in as.
const deployHookPrincipal = "deployhook"

// deploymentConfigs are CDK's predefined configurations by CodeDeploy's
// names, for configuration by name such as cdk.json's.
var deploymentConfigs = map[string]func() awscodedeploy.ILambdaDeploymentConfig{
	"AllAtOnce":                     awscodedeploy.LambdaDeploymentConfig_ALL_AT_ONCE,
	"Canary10Percent5Minutes":       awscodedeploy.LambdaDeploymentConfig_CANARY_10PERCENT_5MINUTES,
	"Canary10Percent10Minutes":      awscodedeploy.LambdaDeploymentConfig_CANARY_10PERCENT_10MINUTES,
	"Canary10Percent15Minutes":      awscodedeploy.LambdaDeploymentConfig_CANARY_10PERCENT_15MINUTES,
	"Canary10Percent30Minutes":      awscodedeploy.LambdaDeploymentConfig_CANARY_10PERCENT_30MINUTES,
	"Linear10PercentEvery1Minute":   awscodedeploy.LambdaDeploymentConfig_LINEAR_10PERCENT_EVERY_1MINUTE,
	"Linear10PercentEvery2Minutes":  awscodedeploy.LambdaDeploymentConfig_LINEAR_10PERCENT_EVERY_2MINUTES,
	"Linear10PercentEvery3Minutes":  awscodedeploy.LambdaDeploymentConfig_LINEAR_10PERCENT_EVERY_3MINUTES,
	"Linear10PercentEvery10Minutes": awscodedeploy.LambdaDeploymentConfig_LINEAR_10PERCENT_EVERY_10MINUTES,
}

// DeploymentConfigNamed is CDK's predefined configuration of that
// CodeDeploy name ("Canary10Percent5Minutes", "AllAtOnce"...); ok is false
// for a name it does not know.
func DeploymentConfigNamed(name string) (awscodedeploy.ILambdaDeploymentConfig, bool) {
	f, ok := deploymentConfigs[name]
	if !ok {
		return nil, false
	}
	return f(), true
}

// DeploymentConfigNames lists the names DeploymentConfigNamed knows.
func DeploymentConfigNames() string {
	names := make([]string, 0, len(deploymentConfigs))
	for n := range deploymentConfigs {
		names = append(names, n)
	}
	sort.Strings(names)
	return strings.Join(names, ", ")
}

func (p *DeploymentProps) defaults() *DeploymentProps {
	if p == nil {
		return nil
	}
	d := *p
	if d.Config == nil {
		d.Config = awscodedeploy.LambdaDeploymentConfig_CANARY_10PERCENT_5MINUTES()
	}
	tests := []*SmokeTest{{Path: jsii.String("/")}}
	if d.SmokeTests != nil {
		tests = *d.SmokeTests
	}
	out := make([]*SmokeTest, len(tests))
	for i, t := range tests {
		c := SmokeTest{}
		if t != nil {
			c = *t
		}
		if c.Status == nil {
			c.Status = jsii.Number(200)
		}
		out[i] = &c
	}
	d.SmokeTests = &out
	return &d
}

func (p *DeploymentProps) validate(bad func(string, ...any)) {
	if len(*p.SmokeTests) == 0 {
		bad("Deployment.SmokeTests is empty: the pre-traffic hook needs at least one request; leave it nil for \"/\" answering 200")
	}
	for i, t := range *p.SmokeTests {
		switch {
		case t.Path == nil:
			bad("Deployment.SmokeTests[%d].Path is not set: give a path such as \"/healthz\"", i)
		case !unresolved(t.Path) && !strings.HasPrefix(*t.Path, "/"):
			bad("Deployment.SmokeTests[%d].Path %q is not an absolute path: start it with \"/\", such as \"/%s\"", i, *t.Path, *t.Path)
		}
		if !unresolved(t.Status) && (*t.Status < 100 || *t.Status > 599 || *t.Status != float64(int(*t.Status))) {
			bad("Deployment.SmokeTests[%d].Status %v is not an HTTP status: use a whole number from 100 to 599, such as 200", i, *t.Status)
		}
	}
}

// addDeployment publishes the function's version, the alias and the
// deployment group with its alarms and hook; it returns the alias, which
// the API's methods then invoke.
func (w *WebApp) addDeployment(p WebAppProps, stageName string, signedIn bool) awslambda.Alias {
	d := p.Deployment
	// currentVersion's logical ID is a hash of the function's
	// configuration (code, environment, memory, timeout...), so a change of
	// configuration alone publishes a new version too.
	w.Version = w.Function.CurrentVersion()
	w.Alias = awslambda.NewAlias(w, jsii.String("Alias"), &awslambda.AliasProps{
		AliasName:   jsii.String(AliasName),
		Version:     w.Version,
		Description: jsii.String("What the API invokes; CodeDeploy moves it to each new version"),
	})
	w.DeploymentHook = w.addDeployHook(d, stageName, signedIn, p.LogRetention, p.LogLevel)

	w.DeploymentAlarms = w.deploymentAlarms(p)
	for _, a := range w.DeploymentAlarms {
		if p.Monitoring != nil && p.Monitoring.AlarmTopic != nil {
			action := awscloudwatchactions.NewSnsAction(p.Monitoring.AlarmTopic)
			a.AddAlarmAction(action)
			a.AddOkAction(action)
		} else {
			acknowledgeGuard(a, "CT.CLOUDWATCH.PR.1", "CodeDeploy watches this alarm itself and rolls the deployment back; set Monitoring.AlarmTopic to be told as well.")
		}
	}
	alarms := make([]interfacesawscloudwatch.IAlarmRef, len(w.DeploymentAlarms))
	for i, a := range w.DeploymentAlarms {
		alarms[i] = a
	}
	w.DeploymentGroup = awscodedeploy.NewLambdaDeploymentGroup(w, jsii.String("DeploymentGroup"), &awscodedeploy.LambdaDeploymentGroupProps{
		Alias:            w.Alias,
		DeploymentConfig: d.Config,
		Alarms:           &alarms,
		PreHook:          w.DeploymentHook,
		AutoRollback: &awscodedeploy.AutoRollbackConfig{
			FailedDeployment: jsii.Bool(true), StoppedDeployment: jsii.Bool(true), DeploymentInAlarm: jsii.Bool(true),
		},
	})
	if role := w.DeploymentGroup.Role(); role != nil {
		acknowledge(role, "AwsSolutions-IAM4",
			"AWSCodeDeployRoleForLambdaLimited is the policy AWS provides for CodeDeploy's Lambda deployments: it may update aliases and invoke only functions named CodeDeployHook_*, and read alarms.",
			"Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSCodeDeployRoleForLambdaLimited")
	}
	if role := w.DeploymentGroup.Role(); role != nil {
		if policy := role.Node().TryFindChild(jsii.String("DefaultPolicy")); policy != nil {
			hookID := *awscdk.Stack_Of(w).GetLogicalId(cfnOf(w.DeploymentHook))
			acknowledge(policy, "AwsSolutions-IAM5",
				"CDK's grant to CodeDeploy to invoke the pre-traffic hook covers the hook function's qualified ARNs (function:*); the hook is this construct's own function.",
				"Resource::<"+hookID+".Arn>:*")
		}
	}
	// The hook may invoke the new version and nothing else.
	w.DeploymentHook.AddToRolePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Actions:   jsii.Strings("lambda:InvokeFunction"),
		Resources: &[]*string{w.Version.FunctionArn()},
	}))
	return w.Alias
}

// addDeployHook creates the pre-traffic hook: the Go program in
// function/deployhook, built from this module like the authorizer.
func (w *WebApp) addDeployHook(d *DeploymentProps, stageName string, signedIn bool, retention awslogs.RetentionDays, level awslambda.ApplicationLogLevel) awslambda.Function {
	logs := awslogs.NewLogGroup(w, jsii.String("DeployHookLogs"), &awslogs.LogGroupProps{Retention: retention})
	acknowledgeLogGroup(logs, retention)
	role := lambdaRole(w, "DeployHookRole", "Runs the pre-traffic hook: invokes the new version, reports to CodeDeploy.")
	logs.GrantWrite(role)
	dir, err := gobuild.ModuleDir("", moduleOfThisPackage)
	if err != nil {
		panic(fmt.Errorf("lambdaweb: build the pre-traffic hook: %w", err))
	}
	type smoke struct {
		Path   string `json:"path"`
		Status int    `json:"status"`
	}
	var tests []smoke
	for _, t := range *d.SmokeTests {
		tests = append(tests, smoke{Path: *t.Path, Status: int(*t.Status)})
	}
	raw, _ := json.Marshal(tests)
	env := map[string]*string{
		"DEPLOY_HOOK_TARGET":      w.Version.FunctionArn(),
		"DEPLOY_HOOK_SMOKE_TESTS": jsii.String(string(raw)),
		"DEPLOY_HOOK_STAGE":       jsii.String(stageName),
	}
	if signedIn {
		env["DEPLOY_HOOK_PRINCIPAL"] = jsii.String(deployHookPrincipal)
	}
	fnProps := awslambda.FunctionProps{
		Runtime:      awslambda.Runtime_PROVIDED_AL2023(),
		Handler:      jsii.String("bootstrap"),
		Architecture: awslambda.Architecture_ARM_64(),
		MemorySize:   jsii.Number(128),
		// Each smoke request may take 30 s; the hook reports 5 s before
		// its own deadline whatever happens.
		Timeout:     awscdk.Duration_Seconds(jsii.Number(60 + 30*len(tests))),
		Code:        goCode(gobuild.Build{ModuleDir: dir, Entry: DeployHookEntry, GOARCH: "arm64"}),
		Environment: &env,
		LogGroup:    logs,
		Role:        role,
		Description: jsii.String("Pre-traffic hook: smoke-tests the new version of the Go web app before CodeDeploy shifts traffic"),
	}
	setLogging(&fnProps, level)
	fn := awslambda.NewFunction(w, jsii.String("DeployHook"), &fnProps)
	fn.Node().AddDependency(role)
	acknowledgeGuard(fn, "CT.LAMBDA.PR.3", guardNoVPC)
	return fn
}

// deploymentAlarms watch the new version alone: its share of 5xx answers
// (the adapter's metric, per version), its Lambda errors and its p99
// duration, over one-minute periods, so that a canary's few minutes see
// them.
func (w *WebApp) deploymentAlarms(p WebAppProps) []awscloudwatch.Alarm {
	// Monitoring's defaults: 1 %, and 80 % of the integration timeout
	// (24 s when that is a token).
	rate, latency := 0.01, awscdk.Duration_Seconds(jsii.Number(24))
	if !unresolved(p.IntegrationTimeout) {
		latency = awscdk.Duration_Millis(jsii.Number(*p.IntegrationTimeout.ToMilliseconds(nil) * 0.8))
	}
	if m := p.Monitoring; m != nil {
		if m.ServerErrorRate != nil {
			rate = *m.ServerErrorRate
		}
		if m.LatencyThreshold != nil {
			latency = m.LatencyThreshold
		}
	}
	minute := awscdk.Duration_Minutes(jsii.Number(1))
	version := w.Version.Version()
	lambdaDims := map[string]*string{
		"FunctionName":    w.Function.FunctionName(),
		"Resource":        awscdk.Fn_Join(jsii.String(":"), &[]*string{w.Function.FunctionName(), jsii.String(AliasName)}),
		"ExecutedVersion": version,
	}
	serverErrors := awscloudwatch.NewMetric(&awscloudwatch.MetricProps{
		Namespace:  jsii.String(restproxy.MetricNamespace),
		MetricName: jsii.String(restproxy.MetricServerErrors),
		DimensionsMap: &map[string]*string{
			restproxy.MetricFunctionDimension: w.Function.FunctionName(),
			restproxy.MetricVersionDimension:  version,
		},
		Statistic: jsii.String("Average"),
		Period:    minute,
	})
	errs := awscloudwatch.NewMetric(&awscloudwatch.MetricProps{
		Namespace: jsii.String("AWS/Lambda"), MetricName: jsii.String("Errors"),
		DimensionsMap: &lambdaDims, Statistic: jsii.String("Sum"), Period: minute,
	})
	duration := awscloudwatch.NewMetric(&awscloudwatch.MetricProps{
		Namespace: jsii.String("AWS/Lambda"), MetricName: jsii.String("Duration"),
		DimensionsMap: &lambdaDims, Statistic: jsii.String("p99"), Period: minute,
	})
	notBreaching := awscloudwatch.TreatMissingData_NOT_BREACHING
	return []awscloudwatch.Alarm{
		awscloudwatch.NewAlarm(w, jsii.String("DeploymentServerErrors"), &awscloudwatch.AlarmProps{
			AlarmDescription:   jsii.String(fmt.Sprintf("The new version answers more than %g %% of its requests with 5xx (2 of 3 minutes): CodeDeploy rolls the deployment back", rate*100)),
			Metric:             serverErrors,
			Threshold:          jsii.Number(rate),
			ComparisonOperator: awscloudwatch.ComparisonOperator_GREATER_THAN_THRESHOLD,
			EvaluationPeriods:  jsii.Number(3), DatapointsToAlarm: jsii.Number(2),
			TreatMissingData: notBreaching,
		}),
		awscloudwatch.NewAlarm(w, jsii.String("DeploymentErrors"), &awscloudwatch.AlarmProps{
			AlarmDescription:   jsii.String("The new version fails invocations (crashes, timeouts): CodeDeploy rolls the deployment back"),
			Metric:             errs,
			Threshold:          jsii.Number(0),
			ComparisonOperator: awscloudwatch.ComparisonOperator_GREATER_THAN_THRESHOLD,
			EvaluationPeriods:  jsii.Number(1),
			TreatMissingData:   notBreaching,
		}),
		awscloudwatch.NewAlarm(w, jsii.String("DeploymentLatency"), &awscloudwatch.AlarmProps{
			AlarmDescription:   jsii.String(fmt.Sprintf("The new version's p99 duration is above %g ms (2 of 3 minutes): CodeDeploy rolls the deployment back", *latency.ToMilliseconds(nil))),
			Metric:             duration,
			Threshold:          latency.ToMilliseconds(nil),
			ComparisonOperator: awscloudwatch.ComparisonOperator_GREATER_THAN_THRESHOLD,
			EvaluationPeriods:  jsii.Number(3), DatapointsToAlarm: jsii.Number(2),
			TreatMissingData: notBreaching,
		}),
	}
}
