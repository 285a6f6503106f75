package main

import (
	"encoding/json"
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/jsii-runtime-go"

	"github.com/goapigw/webapp/infra/lambdaweb"
)

// newExplorerStack is the explorer's stack: the WebApp (response streaming
// on, so downloads pass 6 MB; sign-in with a created Cognito pool) and its
// function's grants on the configured buckets.
func newExplorerStack(scope awscdk.App, id string, cfg Config) awscdk.Stack {
	stack := awscdk.NewStack(scope, jsii.String(id), nil)
	buckets := make([]map[string]string, len(cfg.Buckets))
	for i, b := range cfg.Buckets {
		buckets[i] = map[string]string{"name": b.Name}
		if b.Prefix != "" {
			buckets[i]["prefix"] = b.Prefix
		}
	}
	envBuckets, err := json.Marshal(buckets)
	if err != nil {
		panic(err)
	}
	web := lambdaweb.NewWebApp(stack, jsii.String("Explorer"), &lambdaweb.WebAppProps{
		Entry:             jsii.String("./function"),
		MemorySize:        jsii.Number(512),
		ResponseStreaming: jsii.Bool(true),
		// A 200 MB download at API Gateway's 2 MB/s past the first 10 MB
		// takes about 100 s; larger ones get a presigned URL.
		IntegrationTimeout: awscdk.Duration_Minutes(jsii.Number(3)),
		Timeout:            awscdk.Duration_Minutes(jsii.Number(4)),
		Environment:        &map[string]*string{"EXPLORER_BUCKETS": jsii.String(string(envBuckets))},
		Login:              &lambdaweb.LoginProps{DomainPrefix: jsii.String(cfg.LoginDomainPrefix)},
		// A download may hold an instance for 100 s; the cap keeps a
		// burst of them from taking the account's concurrency.
		ReservedConcurrency: jsii.Number(20),
	})
	for i, b := range cfg.Buckets {
		grantBucket(web, i, b)
	}
	return stack
}

// grantBucket lets the function do what the explorer does on one bucket,
// and nothing more: list it (under its prefix), read, write, delete and tag
// its objects (under its prefix), and use its KMS key through S3.
func grantBucket(web *lambdaweb.WebApp, i int, b BucketConfig) {
	bucket := awss3.Bucket_FromBucketName(web, jsii.String(fmt.Sprintf("Bucket%d", i)), jsii.String(b.Name))
	list := &awsiam.PolicyStatementProps{
		Actions:   jsii.Strings("s3:ListBucket"),
		Resources: jsii.Strings(*bucket.BucketArn()),
	}
	if b.Prefix != "" {
		list.Conditions = &map[string]any{"StringLike": map[string]any{"s3:prefix": []string{b.Prefix + "*"}}}
	}
	web.Function.AddToRolePolicy(awsiam.NewPolicyStatement(list))
	web.Function.AddToRolePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Actions:   jsii.Strings("s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:GetObjectTagging", "s3:PutObjectTagging"),
		Resources: jsii.Strings(*bucket.ArnForObjects(jsii.String(b.Prefix + "*"))),
	}))
	if b.KmsKeyArn != "" {
		web.Function.AddToRolePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Actions:   jsii.Strings("kms:Decrypt", "kms:GenerateDataKey"),
			Resources: jsii.Strings(b.KmsKeyArn),
			Conditions: &map[string]any{"StringEquals": map[string]any{
				"kms:ViaService": fmt.Sprintf("s3.%s.amazonaws.com", *awscdk.Stack_Of(web).Region()),
			}},
		}))
	}
}
