package lambdaweb

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatchactions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/aws-cdk-go/awscdk/v2/awswafv2"
	"github.com/aws/jsii-runtime-go"
)

// MonitoringProps adds CloudWatch alarms, and a dashboard, for the API and
// the function; with BasicAuth, also an alarm on the authorizer's failed
// refreshes of its secret.
type MonitoringProps struct {
	// AlarmTopic gets each alarm's ALARM and OK notifications.
	// Default: none (the alarms show in the CloudWatch console only).
	AlarmTopic awssns.ITopic
	// ServerErrorRate is the share of requests answered 5XX, over 5 minutes,
	// that raises the ServerErrors alarm (2 of 3 periods).
	// Default: 0.01 (1 %).
	ServerErrorRate *float64
	// LatencyThreshold is the p99 latency, over 5 minutes, that raises the
	// Latency alarm (3 of 3 periods): near it, requests are about to time
	// out. A stream's latency is its whole length.
	// Default: 80 % of IntegrationTimeout.
	LatencyThreshold awscdk.Duration
	// Dashboard creates a CloudWatch dashboard of requests, errors,
	// latency, and the function's duration, errors, throttles and
	// concurrency.
	// Default: true.
	Dashboard *bool
}

// WafProps puts an AWS WAF web ACL in front of the app. A web ACL costs a
// fixed monthly fee whatever the traffic (see the README). aws-cdk-lib has
// no interface for WAFv2 web ACLs (only the L1 CfnWebACL), so existing ones
// are named by ARN.
type WafProps struct {
	// WebAclArn attaches an existing regional web ACL (scope REGIONAL, in
	// the stack's region) to the stage.
	// Default: none.
	WebAclArn *string
	// CloudFrontWebAclArn attaches an existing web ACL of scope CLOUDFRONT
	// (created in us-east-1) to the distribution.
	// Default: none.
	CloudFrontWebAclArn *string
	// Create creates a minimal regional web ACL for the stage, in place of
	// WebAclArn: AWS's managed common rule set and a rate-based rule per
	// client address. Without CloudFront the rule counts the caller's
	// source IP. With CloudFront in front, every request reaches the stage
	// from one of CloudFront's addresses, and counting those would block
	// everyone behind a busy edge location; the rule then counts the first
	// address of X-Forwarded-For, the viewer's as CloudFront forwards it
	// (a request without one is not counted). A viewer can forge that
	// header to spread its requests over made-up addresses: for a limit
	// nobody can evade, attach a CLOUDFRONT-scope web ACL with a rate rule
	// through CloudFrontWebAclArn, which sees the real viewer address.
	// Default: false.
	Create *bool
	// RateLimit is how many requests one client address may make in 5
	// minutes under the created web ACL before it is blocked.
	// Default: 1000.
	RateLimit *float64
}

func (p *MonitoringProps) defaults(integrationTimeout awscdk.Duration) *MonitoringProps {
	if p == nil {
		return nil
	}
	d := *p
	if d.ServerErrorRate == nil {
		d.ServerErrorRate = jsii.Number(0.01)
	}
	if d.LatencyThreshold == nil && !unresolved(integrationTimeout) {
		d.LatencyThreshold = awscdk.Duration_Millis(jsii.Number(*integrationTimeout.ToMilliseconds(nil) * 0.8))
	}
	if d.Dashboard == nil {
		d.Dashboard = jsii.Bool(true)
	}
	return &d
}

func (p *WafProps) defaults() *WafProps {
	if p == nil {
		return nil
	}
	d := *p
	if d.Create == nil {
		d.Create = jsii.Bool(false)
	}
	if d.RateLimit == nil {
		d.RateLimit = jsii.Number(1000)
	}
	return &d
}

func (p *WafProps) validate(bad func(string, ...any), hasCloudFront bool) {
	switch {
	case *p.Create && p.WebAclArn != nil:
		bad("Waf.Create is true and Waf.WebAclArn is set: attach your web ACL or create one, not both")
	case !*p.Create && p.WebAclArn == nil && p.CloudFrontWebAclArn == nil:
		bad("Waf is set without WebAclArn, CloudFrontWebAclArn or Create: name a web ACL, set Create to true, or leave Waf nil")
	case p.CloudFrontWebAclArn != nil && !hasCloudFront:
		bad("Waf.CloudFrontWebAclArn is set without CloudFront: there is no distribution to attach it to; set CloudFront or drop it")
	}
	if !unresolved(p.RateLimit) && (*p.RateLimit < 10 || *p.RateLimit > 2e9) {
		bad("Waf.RateLimit %v is out of range: AWS WAF's rate-based rules take 10 to 2,000,000,000 requests per 5 minutes", *p.RateLimit)
	}
}

func (p *MonitoringProps) validate(bad func(string, ...any)) {
	if !unresolved(p.ServerErrorRate) && (*p.ServerErrorRate <= 0 || *p.ServerErrorRate >= 1) {
		bad("Monitoring.ServerErrorRate %v is not a share of requests: use a number between 0 and 1, such as 0.01 for 1 %%", *p.ServerErrorRate)
	}
}

// addWaf creates or attaches the web ACLs; it returns the ACL for the
// distribution, if any.
func (w *WebApp) addWaf(p *WafProps, behindCloudFront bool) {
	scope := w
	arn := p.WebAclArn
	if *p.Create {
		acl := awswafv2.NewCfnWebACL(scope, jsii.String("WebAcl"), &awswafv2.CfnWebACLProps{
			Scope:         jsii.String("REGIONAL"),
			DefaultAction: &awswafv2.CfnWebACL_DefaultActionProperty{Allow: &awswafv2.CfnWebACL_AllowActionProperty{}},
			VisibilityConfig: &awswafv2.CfnWebACL_VisibilityConfigProperty{
				CloudWatchMetricsEnabled: jsii.Bool(true), SampledRequestsEnabled: jsii.Bool(true), MetricName: jsii.String("webapp"),
			},
			Rules: &[]any{
				&awswafv2.CfnWebACL_RuleProperty{
					Name: jsii.String("aws-common-rule-set"), Priority: jsii.Number(0),
					OverrideAction: &awswafv2.CfnWebACL_OverrideActionProperty{None: map[string]any{}},
					Statement: &awswafv2.CfnWebACL_StatementProperty{ManagedRuleGroupStatement: &awswafv2.CfnWebACL_ManagedRuleGroupStatementProperty{
						VendorName: jsii.String("AWS"), Name: jsii.String("AWSManagedRulesCommonRuleSet"),
					}},
					VisibilityConfig: &awswafv2.CfnWebACL_VisibilityConfigProperty{
						CloudWatchMetricsEnabled: jsii.Bool(true), SampledRequestsEnabled: jsii.Bool(true), MetricName: jsii.String("webapp-common"),
					},
				},
				&awswafv2.CfnWebACL_RuleProperty{
					Name: jsii.String("rate-per-ip"), Priority: jsii.Number(1),
					Action:    &awswafv2.CfnWebACL_RuleActionProperty{Block: &awswafv2.CfnWebACL_BlockActionProperty{}},
					Statement: &awswafv2.CfnWebACL_StatementProperty{RateBasedStatement: rateStatement(p.RateLimit, behindCloudFront)},
					VisibilityConfig: &awswafv2.CfnWebACL_VisibilityConfigProperty{
						CloudWatchMetricsEnabled: jsii.Bool(true), SampledRequestsEnabled: jsii.Bool(true), MetricName: jsii.String("webapp-rate"),
					},
				},
			},
		})
		arn = acl.AttrArn()
		w.WebAcl = acl
	}
	if arn != nil {
		awswafv2.NewCfnWebACLAssociation(scope, jsii.String("WebAclAssociation"), &awswafv2.CfnWebACLAssociationProps{
			ResourceArn: w.RestApi.DeploymentStage().StageArn(),
			WebAclArn:   arn,
		})
	}
}

// rateStatement counts requests per client address: the source IP, or
// behind CloudFront the viewer's address as the first of X-Forwarded-For
// (see WafProps.Create).
func rateStatement(limit *float64, behindCloudFront bool) *awswafv2.CfnWebACL_RateBasedStatementProperty {
	if !behindCloudFront {
		return &awswafv2.CfnWebACL_RateBasedStatementProperty{Limit: limit, AggregateKeyType: jsii.String("IP")}
	}
	return &awswafv2.CfnWebACL_RateBasedStatementProperty{
		Limit: limit, AggregateKeyType: jsii.String("FORWARDED_IP"),
		ForwardedIpConfig: &awswafv2.CfnWebACL_ForwardedIPConfigurationProperty{
			HeaderName: jsii.String("X-Forwarded-For"), FallbackBehavior: jsii.String("NO_MATCH"),
		},
	}
}

// addMonitoring creates the alarms and the dashboard.
func (w *WebApp) addMonitoring(p *MonitoringProps) {
	scope := w
	five := awscdk.Duration_Minutes(jsii.Number(5))
	var action awscloudwatch.IAlarmAction
	if p.AlarmTopic != nil {
		action = awscloudwatchactions.NewSnsAction(p.AlarmTopic)
	}
	alarm := func(id, description string, metric awscloudwatch.IMetric, threshold float64, op awscloudwatch.ComparisonOperator, periods, datapoints float64) {
		a := awscloudwatch.NewAlarm(scope, jsii.String(id), &awscloudwatch.AlarmProps{
			Metric: metric, Threshold: jsii.Number(threshold), ComparisonOperator: op,
			EvaluationPeriods: jsii.Number(periods), DatapointsToAlarm: jsii.Number(datapoints),
			TreatMissingData: awscloudwatch.TreatMissingData_NOT_BREACHING,
			AlarmDescription: jsii.String(description),
		})
		if action != nil {
			a.AddAlarmAction(action)
			a.AddOkAction(action)
		}
		w.Alarms = append(w.Alarms, a)
	}
	alarm("ServerErrorsAlarm", fmt.Sprintf("More than %.1f %% of requests answered 5XX in 2 of 3 five-minute periods.", *p.ServerErrorRate*100),
		w.RestApi.MetricServerError(&awscloudwatch.MetricOptions{Statistic: jsii.String("Average"), Period: five}),
		*p.ServerErrorRate, awscloudwatch.ComparisonOperator_GREATER_THAN_THRESHOLD, 3, 2)
	if p.LatencyThreshold != nil && !unresolved(p.LatencyThreshold) {
		ms := *p.LatencyThreshold.ToMilliseconds(nil)
		alarm("LatencyAlarm", fmt.Sprintf("p99 latency above %.0f ms for 15 minutes: requests are near the integration timeout.", ms),
			w.RestApi.MetricLatency(&awscloudwatch.MetricOptions{Statistic: jsii.String("p99"), Period: five}),
			ms, awscloudwatch.ComparisonOperator_GREATER_THAN_THRESHOLD, 3, 3)
	}
	alarm("FunctionErrorsAlarm", "The function failed (an unhandled error or a timeout) in the last 5 minutes.",
		w.Function.MetricErrors(&awscloudwatch.MetricOptions{Statistic: jsii.String("Sum"), Period: five}),
		1, awscloudwatch.ComparisonOperator_GREATER_THAN_OR_EQUAL_TO_THRESHOLD, 1, 1)
	alarm("FunctionThrottlesAlarm", "Lambda throttled the function in the last 5 minutes: the reserved concurrency or the account's limit is reached.",
		w.Function.MetricThrottles(&awscloudwatch.MetricOptions{Statistic: jsii.String("Sum"), Period: five}),
		1, awscloudwatch.ComparisonOperator_GREATER_THAN_OR_EQUAL_TO_THRESHOLD, 1, 1)
	if w.Authorizer != nil {
		alarm("AuthSecretRefreshAlarm", "The basic-auth authorizer could not refresh its htpasswd secret in the last 5 minutes: it is unreadable (the last good copy serves for 15 minutes at most) or refused (nobody gets in); the authorizer's log says which.",
			awscloudwatch.NewMetric(&awscloudwatch.MetricProps{
				Namespace: jsii.String(authMetricNamespace), MetricName: jsii.String(authMetricFailures),
				DimensionsMap: &map[string]*string{authMetricDimension: w.Authorizer.FunctionName()},
				Statistic:     jsii.String("Sum"), Period: five,
			}),
			1, awscloudwatch.ComparisonOperator_GREATER_THAN_OR_EQUAL_TO_THRESHOLD, 1, 1)
	}

	if !*p.Dashboard {
		return
	}
	w.Dashboard = awscloudwatch.NewDashboard(scope, jsii.String("Dashboard"), &awscloudwatch.DashboardProps{
		DefaultInterval: awscdk.Duration_Hours(jsii.Number(3)),
	})
	graph := func(title string, metrics ...awscloudwatch.IMetric) awscloudwatch.IWidget {
		return awscloudwatch.NewGraphWidget(&awscloudwatch.GraphWidgetProps{Title: jsii.String(title), Left: &metrics, Width: jsii.Number(8)})
	}
	sum := &awscloudwatch.MetricOptions{Statistic: jsii.String("Sum"), Period: five}
	w.Dashboard.AddWidgets(
		graph("Requests", w.RestApi.MetricCount(sum)),
		graph("4XX and 5XX answers", w.RestApi.MetricClientError(sum), w.RestApi.MetricServerError(sum)),
		graph("Latency p50 / p99 (ms)",
			w.RestApi.MetricLatency(&awscloudwatch.MetricOptions{Statistic: jsii.String("p50"), Period: five}),
			w.RestApi.MetricLatency(&awscloudwatch.MetricOptions{Statistic: jsii.String("p99"), Period: five})),
	)
	w.Dashboard.AddWidgets(
		graph("Function duration p99 (ms)", w.Function.MetricDuration(&awscloudwatch.MetricOptions{Statistic: jsii.String("p99"), Period: five})),
		graph("Function errors and throttles", w.Function.MetricErrors(sum), w.Function.MetricThrottles(sum)),
		graph("Concurrent executions", w.Function.Metric(jsii.String("ConcurrentExecutions"), &awscloudwatch.MetricOptions{Statistic: jsii.String("Maximum"), Period: five})),
	)
}
