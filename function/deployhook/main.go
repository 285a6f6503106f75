package main

import (
	"context"
	"encoding/json"
	"log/slog"
	"os"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/codedeploy"
	awslambda "github.com/aws/aws-sdk-go-v2/service/lambda"
)

func main() {
	log := lambdacontext.NewLogger()
	h, err := fromEnv(context.Background(), log)
	if err != nil {
		// Without a hook nothing reports: CodeDeploy fails the deployment
		// after its timeout. Log why, loudly.
		log.Error("deployhook: cannot start", "error", err.Error())
		os.Exit(1)
	}
	lambda.Start(h.Handle)
}

// fromEnv builds the hook from the environment the construct sets.
func fromEnv(ctx context.Context, log *slog.Logger) (*Hook, error) {
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		return nil, err
	}
	tests := []SmokeTest{{Path: "/", Status: 200}}
	if raw := os.Getenv("DEPLOY_HOOK_SMOKE_TESTS"); raw != "" {
		tests = nil
		if err := json.Unmarshal([]byte(raw), &tests); err != nil {
			return nil, err
		}
	}
	return &Hook{
		Lambda:       awslambda.NewFromConfig(cfg),
		CodeDeploy:   codedeploy.NewFromConfig(cfg),
		Target:       os.Getenv("DEPLOY_HOOK_TARGET"),
		Tests:        tests,
		Stage:        os.Getenv("DEPLOY_HOOK_STAGE"),
		Principal:    os.Getenv("DEPLOY_HOOK_PRINCIPAL"),
		Log:          log,
		ReportMargin: 5 * time.Second,
		PerTest:      30 * time.Second,
	}, nil
}
