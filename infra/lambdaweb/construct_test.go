package lambdaweb_test

import (
	"fmt"
	"path/filepath"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsssm"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/goapigw/webapp/infra/lambdaweb"
	"github.com/goapigw/webapp/internal/cdkjson"
)

// TestWebAppIsAConstruct: users hang their own resources under a WebApp,
// ask for its stack and depend on it. Each of these panicked inside jsii
// while the WebApp only wrapped a construct it had made.
func TestWebAppIsAConstruct(t *testing.T) {
	ctx := cdkjson.FeatureFlags(t, filepath.Join(moduleDir, "cdk.json"))
	ctx["aws:cdk:bundling-stacks"] = []string{}
	app := awscdk.NewApp(&awscdk.AppProps{Context: &ctx, Outdir: jsii.String(t.TempDir())})
	stack := awscdk.NewStack(app, jsii.String("Test"), nil)
	web := lambdaweb.NewWebApp(stack, jsii.String("WebApp"), &lambdaweb.WebAppProps{ModuleDir: jsii.String(moduleDir)})
	other := constructs.NewConstruct(stack, jsii.String("Other"))

	for _, c := range []struct {
		name string
		use  func()
	}{
		{"a resource scoped under it", func() {
			awsssm.NewStringParameter(web, jsii.String("Url"), &awsssm.StringParameterProps{StringValue: web.StageUrl})
		}},
		{"a plain construct scoped under it", func() { constructs.NewConstruct(web, jsii.String("Mine")) }},
		{"Stack_Of", func() {
			if got := awscdk.Stack_Of(web); *got.StackName() != "Test" {
				t.Errorf("Stack_Of(web) = %s, want Test", *got.StackName())
			}
		}},
		{"a dependency on it", func() { other.Node().AddDependency(web) }},
		{"its node", func() {
			if got := *web.Node().Path(); got != "Test/WebApp" {
				t.Errorf("path %q, want Test/WebApp", got)
			}
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			defer func() {
				if r := recover(); r != nil {
					t.Fatalf("panicked: %v", r)
				}
			}()
			c.use()
		})
	}

	tmpl := assertions.Template_FromStack(stack, nil)
	params := tmpl.FindResources(jsii.String("AWS::SSM::Parameter"), nil)
	if len(*params) != 1 {
		t.Fatalf("got %d SSM parameters, want 1", len(*params))
	}
	for id := range *params {
		// The logical ID follows the path Test/WebApp/Url.
		if want := "WebAppUrl"; len(id) < len(want) || id[:len(want)] != want {
			t.Errorf("parameter's logical ID %q does not start with %q: it is not under the WebApp", id, want)
		}
	}
	if got, want := fmt.Sprint(len(web.Urls())), "1"; got != want {
		t.Errorf("Urls() has %s URLs, want %s (the stage URL)", got, want)
	}
}
