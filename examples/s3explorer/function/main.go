// Command function is the S3 explorer's Lambda function: the explorer app,
// behind sign-in (login.FromEnv, from the construct's Login prop), served
// by the restproxy adapter with response streaming.
//
// Its environment: EXPLORER_BUCKETS, the buckets as JSON
// ([{"name":"b","prefix":"p/"}], set by the CDK app from cdk.json);
// EXPLORER_S3_PATH_STYLE=true for path-style addressing (a local S3
// server); AWS_ENDPOINT_URL_S3 and the AWS_* credentials as the SDK reads
// them.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"strconv"

	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/goapigw/webapp/function/login"
	"github.com/goapigw/webapp/function/restproxy"

	"example.com/s3explorer/function/explorer"
)

func main() {
	h, err := handler(context.Background())
	if err != nil {
		slog.Error("the explorer did not start", "error", err.Error())
		os.Exit(1)
	}
	restproxy.Start(h)
}

func handler(ctx context.Context) (http.Handler, error) {
	var buckets []explorer.Bucket
	if err := json.Unmarshal([]byte(os.Getenv("EXPLORER_BUCKETS")), &buckets); err != nil {
		return nil, fmt.Errorf("EXPLORER_BUCKETS %q is not a JSON list of {\"name\", \"prefix\"}: %w", os.Getenv("EXPLORER_BUCKETS"), err)
	}
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		return nil, fmt.Errorf("load the AWS configuration: %w", err)
	}
	pathStyle, _ := strconv.ParseBool(os.Getenv("EXPLORER_S3_PATH_STYLE"))
	client := s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = pathStyle })
	app, err := explorer.New(explorer.Config{Buckets: buckets, Client: client})
	if err != nil {
		return nil, err
	}
	signIn, err := login.FromEnv()
	if err != nil {
		return nil, err
	}
	if signIn == nil {
		// The explorer checks groups on every request: without sign-in
		// (or basic auth), it refuses everyone.
		slog.Warn("no sign-in configured (LOGIN_ISSUER unset): every request will be refused")
		return app, nil
	}
	return signIn.Wrap(app), nil
}
