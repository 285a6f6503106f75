package login

import (
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/goapigw/webapp/function/originverify"
)

// Source reads a secret's values, the current one first. For session
// secrets every value decrypts and the first encrypts; for the client
// secret only the first is used.
type Source func(ctx context.Context) ([]string, error)

// SecretsManagerAPI is the part of the Secrets Manager client a source
// needs.
type SecretsManagerAPI = originverify.SecretsManagerAPI

// SecretsManager reads the string values of a secret's AWSCURRENT and
// AWSPREVIOUS versions (a secret never rotated has no previous one). A
// session secret rotated by Secrets Manager therefore keeps every session
// sealed with the previous value readable.
func SecretsManager(client SecretsManagerAPI, secretID string) Source {
	return fromValues(originverify.SecretsManager(client, secretID))
}

// DefaultSecretsManager is [SecretsManager] with the client that
// originverify.DefaultSecretsManager makes from the environment Lambda gives
// a function (AWS_REGION and the role's credentials), without the SDK's
// config package. Pass it the secret's ARN, which the construct puts in
// the function's environment; the secret itself never is.
func DefaultSecretsManager(secretID string) Source {
	return fromValues(originverify.DefaultSecretsManager(secretID))
}

func fromValues(src originverify.Source) Source {
	return func(ctx context.Context) ([]string, error) {
		v, err := src(ctx)
		if err != nil {
			return nil, err
		}
		if v.Previous != "" && v.Previous != v.Current {
			return []string{v.Current, v.Previous}, nil
		}
		return []string{v.Current}, nil
	}
}

// File reads the values from a file, one a line (blank lines skipped), for
// local runs.
func File(path string) Source {
	return func(context.Context) ([]string, error) {
		b, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("read secret file: %w", err)
		}
		var vs []string
		for line := range strings.Lines(string(b)) {
			if line = strings.TrimRight(line, "\r\n"); line != "" {
				vs = append(vs, line)
			}
		}
		if len(vs) == 0 {
			return nil, fmt.Errorf("secret file %s is empty", path)
		}
		return vs, nil
	}
}

// Static is a Source of fixed values.
func Static(values ...string) Source {
	return func(context.Context) ([]string, error) { return values, nil }
}
