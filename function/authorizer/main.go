// Command authorizer is the Basic authentication authorizer that the
// lambdaweb construct attaches to both methods of the API (package
// basicauth). It reads the htpasswd secret named by BASIC_AUTH_SECRET_ID or,
// for local runs, the file BASIC_AUTH_HTPASSWD_FILE.
package main

import (
	"context"
	"log/slog"
	"os"
	"strconv"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/goapigw/webapp/function/basicauth"
)

func main() {
	// Decisions and errors go through Lambda's logger: JSON at the level
	// the function's LoggingConfig sets (AWS_LAMBDA_LOG_FORMAT and
	// AWS_LAMBDA_LOG_LEVEL), each line with its requestId.
	log := lambdacontext.NewLogger()
	slog.SetDefault(log)
	fatal := func(msg string, args ...any) {
		log.Error(msg, args...)
		os.Exit(1)
	}
	var source basicauth.Source
	if file := os.Getenv("BASIC_AUTH_HTPASSWD_FILE"); file != "" {
		source = basicauth.FileSource(file)
	} else {
		id := os.Getenv("BASIC_AUTH_SECRET_ID")
		if id == "" {
			fatal("authorizer: BASIC_AUTH_SECRET_ID is not set: the lambdaweb construct sets it to the htpasswd secret")
		}
		cfg, err := config.LoadDefaultConfig(context.Background())
		if err != nil {
			fatal("authorizer: AWS configuration", "error", err.Error())
		}
		source = basicauth.SecretSource(secretsmanager.NewFromConfig(cfg), id)
	}
	opts := []basicauth.Option{basicauth.WithLogger(log)}
	if s, err := strconv.Atoi(os.Getenv("BASIC_AUTH_SECRET_TTL_SECONDS")); err == nil && s >= 0 {
		opts = append(opts, basicauth.WithTTL(time.Duration(s)*time.Second))
	}
	lambda.Start(basicauth.New(source, opts...).Handle)
}
