package lambdaweb

import (
	"path/filepath"

	"github.com/aws/aws-cdk-go/awscdk/v2"
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
