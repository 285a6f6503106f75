package originverify

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/config"
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

// DefaultSecretsManager is [SecretsManager] with a client from the default
// AWS configuration (in Lambda: the function's role, its region, and
// AWS_ENDPOINT_URL_SECRETS_MANAGER when set), made on the first fetch.
func DefaultSecretsManager(secretID string) Source {
	var (
		mu  sync.Mutex
		src Source
	)
	return func(ctx context.Context) (Values, error) {
		mu.Lock()
		if src == nil {
			cfg, err := config.LoadDefaultConfig(ctx)
			if err != nil {
				mu.Unlock()
				return Values{}, fmt.Errorf("AWS configuration for secret %s: %w", secretID, err)
			}
			src = SecretsManager(secretsmanager.NewFromConfig(cfg), secretID)
		}
		s := src
		mu.Unlock()
		return s(ctx)
	}
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
