// Command infra is the shop's CDK app: one stack with two WebApps, each
// nested in a construct of its own.
package main

import (
	"strconv"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsssm"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/goapigw/webapp/infra/lambdaweb"
)

func main() {
	defer jsii.Close()
	app := awscdk.NewApp(nil)
	stack := awscdk.NewStack(app, jsii.String("ShopStack"), nil)

	// The storefront's greeting comes from the context: "greeting" in
	// cdk.json, or `cdk synth -c greeting=...`.
	env := map[string]*string{}
	if v, ok := app.Node().TryGetContext(jsii.String("greeting")).(string); ok {
		env["GREETING"] = jsii.String(v)
	}
	storefront := constructs.NewConstruct(stack, jsii.String("Storefront"))
	web := lambdaweb.NewWebApp(storefront, jsii.String("Web"), &lambdaweb.WebAppProps{
		Entry:       jsii.String("./cmd/web"),
		MemorySize:  jsii.Number(512),
		Environment: &env,
	})
	// The shop's own resource, under its WebApp: the storefront's URL for
	// other teams to look up.
	awsssm.NewStringParameter(web, jsii.String("UrlParameter"), &awsssm.StringParameterProps{
		ParameterName: jsii.String("/shop/storefront-url"),
		StringValue:   web.StageUrl,
	})

	// The back office overrides the function through the escape hatch; its
	// timeout can be changed with `cdk synth -c adminTimeoutSeconds=N`.
	timeout := 60.0
	if v, ok := app.Node().TryGetContext(jsii.String("adminTimeoutSeconds")).(string); ok {
		timeout, _ = strconv.ParseFloat(v, 64)
	}
	backoffice := constructs.NewConstruct(stack, jsii.String("Backoffice"))
	lambdaweb.NewWebApp(backoffice, jsii.String("Admin"), &lambdaweb.WebAppProps{
		Entry:       jsii.String("./cmd/admin"),
		Environment: &map[string]*string{"ROLE": jsii.String("admin")},
		FunctionProps: &awslambda.FunctionProps{
			Architecture: awslambda.Architecture_X86_64(),
			Timeout:      awscdk.Duration_Seconds(jsii.Number(timeout)),
			Environment:  &map[string]*string{"EXTRA": jsii.String("x")},
		},
	})

	app.Synth(nil)
}
