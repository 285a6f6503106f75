package lambdaweb

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigateway"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudfront"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// acknowledge records, in the CloudFormation metadata that cdk-nag reads, why
// a rule does not apply to a construct's resource; appliesTo narrows it to
// the named findings. Users get the reasons without depending on cdk-nag.
func acknowledge(c constructs.IConstruct, rule, reason string, appliesTo ...string) {
	res, ok := c.Node().DefaultChild().(awscdk.CfnResource)
	if !ok || res == nil {
		return
	}
	var rules []any
	if prev, ok := res.GetMetadata(jsii.String("cdk_nag")).(map[string]any); ok {
		if r, ok := prev["rules_to_suppress"].([]any); ok {
			rules = r
		}
	}
	entry := map[string]any{"id": rule, "reason": reason}
	if len(appliesTo) > 0 {
		entry["applies_to"] = appliesTo
	}
	rules = append(rules, entry)
	res.AddMetadata(jsii.String("cdk_nag"), map[string]any{"rules_to_suppress": rules})
}

func acknowledgeAPI(api awsapigateway.RestApi, basicAuth, login, waf bool) {
	const public = "A public web app: pages are for anyone with the URL; turn on BasicAuth for an internal one."
	acknowledge(api, "AwsSolutions-APIG2",
		"Every path and method goes to one net/http handler that validates its own input; API Gateway has no model of a web app's requests to check.")
	if !waf {
		acknowledge(api.DeploymentStage(), "AwsSolutions-APIG3",
			"WAF costs a fixed monthly fee that an idle app should not pay; the stage is throttled instead. Set Waf when the app needs one.")
	}
	for _, m := range *api.Methods() {
		if basicAuth {
			// APIG4 is met by the Lambda authorizer; COG4 asks for Cognito.
			acknowledge(m, "AwsSolutions-COG4",
				"Basic authentication by a Lambda TOKEN authorizer against bcrypt hashes in Secrets Manager: an internal app's users, not a Cognito user pool.")
			continue
		}
		if login {
			const app = "Login: the app signs people in itself (function/login: an OpenID Connect code flow, then a sealed session cookie checked on every request); API Gateway's authorizers cannot read a cookie session or redirect a browser to sign in."
			acknowledge(m, "AwsSolutions-APIG4", app)
			acknowledge(m, "AwsSolutions-COG4", app)
			continue
		}
		acknowledge(m, "AwsSolutions-APIG4", public)
		acknowledge(m, "AwsSolutions-COG4", public)
	}
	if role := api.Node().TryFindChild(jsii.String("CloudWatchRole")); role != nil {
		acknowledge(role, "AwsSolutions-IAM4",
			"AmazonAPIGatewayPushToCloudWatchLogs is the policy AWS provides for API Gateway's account-wide logging role.",
			"Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs")
	}
}

func acknowledgeDistribution(d awscloudfront.Distribution, hasCertificate, hasLogging, hasWaf bool) {
	acknowledge(d, "AwsSolutions-CFR1", "A web app for anyone with the URL: there is no country to block.")
	if !hasWaf {
		acknowledge(d, "AwsSolutions-CFR2",
			"WAF costs a fixed monthly fee that an idle app should not pay; the API stage is throttled. Set Waf.CloudFrontWebAclArn when the app needs one.")
	}
	if !hasLogging {
		acknowledge(d, "AwsSolutions-CFR3", "Access logging is off by choice (CloudFront.EnableLogging); the API stage keeps JSON access logs.")
	}
	if !hasCertificate {
		acknowledge(d, "AwsSolutions-CFR4",
			"Without aliases the distribution uses the default *.cloudfront.net certificate, whose minimum protocol CloudFront fixes; with aliases TLSv1.2_2021 is set.")
	}
}

// acknowledgeTracing explains the one wildcard X-Ray tracing adds to a
// function's role.
func acknowledgeTracing(role awsiam.Role) {
	if policy := role.Node().TryFindChild(jsii.String("DefaultPolicy")); policy != nil {
		acknowledge(policy, "AwsSolutions-IAM5",
			"X-Ray's PutTraceSegments and PutTelemetryRecords take no resource but *; Tracing adds only these.", "Resource::*")
	}
}

// cfnOf is the CloudFormation resource of c: c itself for an L1 construct,
// else its default child.
func cfnOf(c constructs.IConstruct) awscdk.CfnResource {
	if r, ok := c.(awscdk.CfnResource); ok {
		return r
	}
	r, _ := c.Node().DefaultChild().(awscdk.CfnResource)
	return r
}

// acknowledgeGuard records, in the resource's metadata, why an AWS Control
// Tower proactive control does not apply to it (see internal/guard, which
// the tests run over every template): the rule in guard.SuppressedRules, the
// reason beside it.
func acknowledgeGuard(c constructs.IConstruct, control, reason string) {
	res := cfnOf(c)
	if res == nil {
		return
	}
	var rules []any
	reasons := map[string]any{}
	if prev, ok := res.GetMetadata(jsii.String("guard")).(map[string]any); ok {
		if r, ok := prev["SuppressedRules"].([]any); ok {
			rules = r
		}
		if r, ok := prev["Reasons"].(map[string]any); ok {
			reasons = r
		}
	}
	rules = append(rules, control)
	reasons[control] = reason
	res.AddMetadata(jsii.String("guard"), map[string]any{"SuppressedRules": rules, "Reasons": reasons})
}

// Reasons for the proactive controls the construct does not meet by design.
const (
	guardRetention = "Log retention is a choice (LogRetention, one month by default): these are an app's request and error logs, not an audit trail. Set LogRetention to a year or more where the control applies."
	guardLogKMS    = "CloudWatch Logs encrypts log data at rest with keys it manages; a customer managed KMS key would add a key to administer and pay for, with no reader to keep out."
	guardNoVPC     = "The function reaches no private network resource: a VPC would add NAT cost and cold-start time, and no protection for a web app behind API Gateway."
	guardTracing   = "Tracing is a prop, off by default because X-Ray bills every trace; set Tracing to true to meet this control."
	guardSourceArn = "The permission is limited by SourceArn to this API's execute-api ARN, an Fn::Join that the rule cannot read; in an environment-agnostic stack the account, which SourceAccount would need, is only known at deploy time."
)

// acknowledgeLogGroup explains the log controls a group does not meet.
func acknowledgeLogGroup(lg constructs.IConstruct, retention awslogs.RetentionDays) {
	if days, ok := LogRetentionDays(retention); !ok || days < 365 {
		acknowledgeGuard(lg, "CT.CLOUDWATCH.PR.2", guardRetention)
	}
	acknowledgeGuard(lg, "CT.CLOUDWATCH.PR.3", guardLogKMS)
}

// pinPermissions adds SourceAccount to the Lambda permissions below c when
// the stack's account is known, which meets CT.LAMBDA.PR.2 (the rule cannot
// read SourceArn's Fn::Join); otherwise it acknowledges the control.
func pinPermissions(c constructs.IConstruct) {
	account := awscdk.Stack_Of(c).Account()
	for _, child := range *c.Node().FindAll(constructs.ConstructOrder_PREORDER) {
		perm, ok := child.(awslambda.CfnPermission)
		if !ok {
			continue
		}
		if resolved(account) {
			perm.AddPropertyOverride(jsii.String("SourceAccount"), account)
		} else {
			acknowledgeGuard(perm, "CT.LAMBDA.PR.2", guardSourceArn)
		}
	}
}
