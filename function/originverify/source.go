package originverify

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
)

// Values are the secret's accepted values. Previous is "" when the secret
// has no previous version.
type Values struct {
	Current, Previous string
}

// Source fetches the secret's values.
type Source func(ctx context.Context) (Values, error)

// SecretsManagerAPI is the part of the Secrets Manager client a source
// needs.
type SecretsManagerAPI interface {
	GetSecretValue(ctx context.Context, in *secretsmanager.GetSecretValueInput, opts ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error)
}

// SecretsManager reads the string value of the secret's AWSCURRENT and
// AWSPREVIOUS versions; a secret without a previous version is fine.
func SecretsManager(client SecretsManagerAPI, secretID string) Source {
	return func(ctx context.Context) (Values, error) {
		current, err := stage(ctx, client, secretID, "AWSCURRENT")
		if err != nil {
			return Values{}, err
		}
		if current == "" {
			return Values{}, fmt.Errorf("secret %s: the current version has no string value", secretID)
		}
		previous, err := stage(ctx, client, secretID, "AWSPREVIOUS")
		if err != nil {
			if rnf := (*types.ResourceNotFoundException)(nil); !errors.As(err, &rnf) {
				return Values{}, err
			}
			previous = "" // never rotated
		}
		return Values{Current: current, Previous: previous}, nil
	}
}

func stage(ctx context.Context, client SecretsManagerAPI, secretID, versionStage string) (string, error) {
	out, err := client.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: &secretID, VersionStage: &versionStage})
	if err != nil {
		return "", fmt.Errorf("read secret %s (%s): %w", secretID, versionStage, err)
	}
	if out.SecretString == nil {
		return "", nil
	}
	return *out.SecretString, nil
}

// DefaultSecretsManager is [SecretsManager] with a client made from the
// environment Lambda gives a function: AWS_REGION, the role's credentials
// in AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN, and
// AWS_ENDPOINT_URL_SECRETS_MANAGER (or AWS_ENDPOINT_URL) when set, as the
// SDK's default configuration would honour them. It does without the SDK's
// config package, which would make the function's binary a third larger
// for shared config files and credential chains a function never uses.
func DefaultSecretsManager(secretID string) Source {
	opts := secretsmanager.Options{
		Region:      os.Getenv("AWS_REGION"),
		Credentials: aws.CredentialsProviderFunc(envCredentials),
	}
	if ep := cmp.Or(os.Getenv("AWS_ENDPOINT_URL_SECRETS_MANAGER"), os.Getenv("AWS_ENDPOINT_URL")); ep != "" {
		opts.BaseEndpoint = &ep
	}
	return SecretsManager(secretsmanager.New(opts), secretID)
}

// envCredentials reads the credentials Lambda puts in the environment.
func envCredentials(context.Context) (aws.Credentials, error) {
	c := aws.Credentials{
		AccessKeyID:     os.Getenv("AWS_ACCESS_KEY_ID"),
		SecretAccessKey: os.Getenv("AWS_SECRET_ACCESS_KEY"),
		SessionToken:    os.Getenv("AWS_SESSION_TOKEN"),
		Source:          "environment",
	}
	if c.AccessKeyID == "" || c.SecretAccessKey == "" {
		return aws.Credentials{}, errors.New("no AWS credentials in the environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY)")
	}
	return c, nil
}

// File reads the value from a file, for local runs: its whole content but
// the trailing line break. It has no previous value.
func File(path string) Source {
	return func(context.Context) (Values, error) {
		b, err := os.ReadFile(path)
		if err != nil {
			return Values{}, fmt.Errorf("read origin secret file: %w", err)
		}
		v := strings.TrimRight(string(b), "\r\n")
		if v == "" {
			return Values{}, fmt.Errorf("origin secret file %s is empty", path)
		}
		return Values{Current: v}, nil
	}
}
