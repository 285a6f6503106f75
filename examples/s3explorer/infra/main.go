// Command infra is the S3 explorer's CDK app: one stack with a WebApp whose
// function may list, read, write and delete objects in exactly the buckets
// (and prefixes) cdk.json names, and use exactly their KMS keys.
package main

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"
)

func main() {
	defer jsii.Close()
	app := awscdk.NewApp(nil)
	cfg, err := configFromContext(app)
	if err != nil {
		panic(err)
	}
	newExplorerStack(app, "S3Explorer", cfg)
	app.Synth(nil)
}
