package lambdaweb

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudfront"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/jsii-runtime-go"

	"github.com/goapigw/webapp/internal/awslimits"
)

// defaults returns a copy of p (nil allowed) with every default filled in; the
// caller's props are never written.
func (p *WebAppProps) defaults() WebAppProps {
	var d WebAppProps
	if p != nil {
		d = *p
	}
	if d.Entry == nil {
		d.Entry = jsii.String("./function")
	}
	if d.ModuleDir == nil {
		d.ModuleDir = jsii.String(".")
	}
	if d.MemorySize == nil {
		d.MemorySize = jsii.Number(1024)
	}
	if d.Timeout == nil {
		d.Timeout = awscdk.Duration_Seconds(jsii.Number(30))
	}
	if d.Architecture == nil {
		d.Architecture = awslambda.Architecture_ARM_64()
	}
	if d.LogRetention == "" {
		d.LogRetention = awslogs.RetentionDays_ONE_MONTH
	}
	if d.LogLevel == "" {
		d.LogLevel = awslambda.ApplicationLogLevel_INFO
	}
	if d.StageName == nil {
		d.StageName = jsii.String("prod")
	}
	if d.ResponseStreaming == nil {
		d.ResponseStreaming = jsii.Bool(false)
	}
	if d.IntegrationTimeout == nil {
		d.IntegrationTimeout = awscdk.Duration_Seconds(jsii.Number(awslimits.APIGatewayDefaultIntegrationTimeout.Seconds()))
	}
	if d.ThrottlingRateLimit == nil {
		d.ThrottlingRateLimit = jsii.Number(50)
	}
	if d.ThrottlingBurstLimit == nil {
		d.ThrottlingBurstLimit = jsii.Number(100)
	}
	if d.CloudWatchRole == nil {
		d.CloudWatchRole = jsii.Bool(true)
	}
	if d.CustomDomain != nil {
		cd := *d.CustomDomain
		if cd.BasePath == nil {
			cd.BasePath = jsii.String("")
		}
		d.CustomDomain = &cd
	}
	d.BasicAuth = d.BasicAuth.defaults()
	d.Login = d.Login.defaults()
	d.Monitoring = d.Monitoring.defaults(d.IntegrationTimeout)
	d.Waf = d.Waf.defaults()
	d.Deployment = d.Deployment.defaults()
	if d.Tracing == nil {
		d.Tracing = jsii.Bool(false)
	}
	if d.CloudFront != nil {
		cf := *d.CloudFront
		if cf.PriceClass == "" {
			cf.PriceClass = awscloudfront.PriceClass_PRICE_CLASS_100
		}
		if cf.AllowDirectAccess == nil {
			cf.AllowDirectAccess = jsii.Bool(false)
		}
		d.CloudFront = &cf
	}
	return d
}
