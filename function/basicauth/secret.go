package basicauth

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
)

// SecretsManagerAPI is the part of the Secrets Manager client the source
// needs.
type SecretsManagerAPI interface {
	GetSecretValue(ctx context.Context, in *secretsmanager.GetSecretValueInput, opts ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error)
}

// SecretSource reads the htpasswd data from a Secrets Manager secret's
// current string value.
func SecretSource(client SecretsManagerAPI, secretID string) Source {
	return func(ctx context.Context) ([]byte, error) {
		out, err := client.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: &secretID})
		if err != nil {
			return nil, fmt.Errorf("read secret %s: %w", secretID, err)
		}
		if out.SecretString == nil {
			return nil, errors.New("secret " + secretID + " has no string value: put the htpasswd lines in it with aws secretsmanager put-secret-value --secret-string file://users.htpasswd")
		}
		return []byte(*out.SecretString), nil
	}
}
