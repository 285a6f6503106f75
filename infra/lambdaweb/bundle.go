package lambdaweb

import (
	"path/filepath"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3assets"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/goapigw/webapp/infra/gobuild"
)

// bundler implements awscdk.ILocalBundling: it builds the bootstrap with the
// local Go toolchain, so synth needs no Docker.
type bundler struct {
	build gobuild.Build
}

// TryBundle implements awscdk.ILocalBundling.
func (b *bundler) TryBundle(outputDir *string, _ *awscdk.BundlingOptions) *bool {
	if err := b.build.Run(filepath.Join(*outputDir, "bootstrap")); err != nil {
		// A false answer would make the CDK fall back to Docker, which
		// users do not have; fail with the compiler's message instead.
		panic(err)
	}
	return jsii.Bool(true)
}

// goCode is the Lambda code of a Go main package: an asset of its module,
// hashed by what the binary is built from, bundled with the local Go
// toolchain. The app's function and the authorizer both use it.
func goCode(build gobuild.Build) awslambda.Code {
	hash, err := build.SourceHash()
	if err != nil {
		panic(err)
	}
	dir, err := filepath.Abs(build.ModuleDir)
	if err != nil {
		panic(err)
	}
	return awslambda.Code_FromAsset(jsii.String(dir), &awss3assets.AssetOptions{
		AssetHash:     jsii.String(hash),
		AssetHashType: awscdk.AssetHashType_CUSTOM,
		Bundling: &awscdk.BundlingOptions{
			// Never pulled: local bundling always succeeds or fails loudly.
			Image: awscdk.DockerImage_FromRegistry(jsii.String("scratch")),
			Local: &bundler{build: build},
		},
	})
}

// lambdaRole is a role for one of the construct's functions, with no
// permission until the caller grants it some (its own log group, first).
func lambdaRole(scope constructs.Construct, id, description string) awsiam.Role {
	return awsiam.NewRole(scope, jsii.String(id), &awsiam.RoleProps{
		AssumedBy:   awsiam.NewServicePrincipal(jsii.String("lambda.amazonaws.com"), nil),
		Description: jsii.String(description),
	})
}
