package lambdaweb

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigateway"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudfront"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
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

func acknowledgeAPI(api awsapigateway.RestApi, basicAuth, waf bool) {
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
