package lambdaweb_test

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"

	"github.com/goapigw/webapp/infra/lambdaweb"
)

// Another CDK app embeds the construct: a stack with the Go function at
// ./function of the module, served at the stage URL. The README shows this code.
func ExampleNewWebApp() {
	app := awscdk.NewApp(nil)
	stack := awscdk.NewStack(app, jsii.String("ShopStack"), nil)

	web := lambdaweb.NewWebApp(stack, jsii.String("Web"), &lambdaweb.WebAppProps{
		ModuleDir:  jsii.String("../.."),      // the directory with go.mod; default "."
		Entry:      jsii.String("./function"), // the main package to build
		MemorySize: jsii.Number(512),
		Environment: &map[string]*string{
			"GREETING": jsii.String("hello"),
		},
	})
	web.Function.AddEnvironment(jsii.String("STAGE"), jsii.String("prod"), nil)

	app.Synth(nil)
	fmt.Println(*web.Function.Runtime().Name(), *web.Function.Architecture().Name())
	// Output: provided.al2023 arm64
}
