// Command infra is the CDK app: one stack per environment in cdk.json's
// context "environments", each named GoWebApp-<env>, holding one WebApp.
package main

import (
	"fmt"
	"os"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"

	"github.com/goapigw/webapp/infra/lambdaweb"
)

// StackPrefix names the stacks: GoWebApp-dev, GoWebApp-prod.
const StackPrefix = "GoWebApp-"

func main() {
	defer jsii.Close()
	app := awscdk.NewApp(nil)
	if err := build(app); err != nil {
		fmt.Fprintln(os.Stderr, "infra:", err)
		os.Exit(1)
	}
	app.Synth(nil)
}

// build adds a stack per environment to app; only the one go tool goapigw
// serves when it says which (context goapigw:env), as its synthesis needs
// no other.
func build(app awscdk.App) error {
	envs, names, err := environments(app)
	if err != nil {
		return err
	}
	if only, ok := app.Node().TryGetContext(jsii.String("goapigw:env")).(string); ok {
		if _, known := envs[only]; known {
			names = []string{only}
		}
	}
	for _, name := range names {
		e := envs[name]
		stack := awscdk.NewStack(app, jsii.String(StackPrefix+name), &awscdk.StackProps{
			Env:         stackEnv(e),
			Description: jsii.String("Go web app on Lambda behind API Gateway (" + name + ")"),
			Tags:        &map[string]*string{"app": jsii.String("go-web-app"), "environment": jsii.String(name)},
		})
		props, err := e.props(stack, name)
		if err != nil {
			return err
		}
		lambdaweb.NewWebApp(stack, jsii.String("WebApp"), props)
	}
	return nil
}

// stackEnv pins the account and region an environment names; otherwise the
// stack deploys wherever the CLI's credentials point.
func stackEnv(e environment) *awscdk.Environment {
	env := &awscdk.Environment{
		Account: jsii.String(os.Getenv("CDK_DEFAULT_ACCOUNT")),
		Region:  jsii.String(os.Getenv("CDK_DEFAULT_REGION")),
	}
	if e.Account != "" {
		env.Account = jsii.String(e.Account)
	}
	if e.Region != "" {
		env.Region = jsii.String(e.Region)
	}
	if *env.Account == "" {
		env.Account = nil
	}
	if *env.Region == "" {
		env.Region = nil
	}
	return env
}
