package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"
)

// BucketConfig is one entry of cdk.json's "buckets".
type BucketConfig struct {
	// Name of an existing bucket, imported by name. Required.
	Name string `json:"name"`
	// Prefix limits the explorer (and its IAM grants) to keys starting
	// with it, such as "reports/". Default: "", the whole bucket.
	Prefix string `json:"prefix,omitempty"`
	// KmsKeyArn is the bucket's SSE-KMS key; the function gets
	// kms:Decrypt and kms:GenerateDataKey on it, through S3 only.
	// Default: none (SSE-S3).
	KmsKeyArn string `json:"kmsKeyArn,omitempty"`
}

// Config is the explorer's part of cdk.json's context.
type Config struct {
	// Buckets are shown in this order. Required.
	Buckets []BucketConfig `json:"buckets"`
	// LoginDomainPrefix is the Cognito managed-login domain prefix of the
	// user pool the stack creates. Required.
	LoginDomainPrefix string `json:"loginDomainPrefix"`
}

var (
	bucketNameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$`)
	kmsKeyArnRE  = regexp.MustCompile(`^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/[A-Za-z0-9-]+$`)
)

// configFromContext reads "buckets" and "loginDomainPrefix" from the
// context (cdk.json, or -c on the command line) and checks them.
func configFromContext(app awscdk.App) (Config, error) {
	var cfg Config
	raw := map[string]any{}
	for _, k := range []string{"buckets", "loginDomainPrefix"} {
		v := app.Node().TryGetContext(jsii.String(k))
		if s, ok := v.(string); ok && k == "buckets" {
			// -c buckets='[...]' arrives as a string.
			var parsed any
			if err := json.Unmarshal([]byte(s), &parsed); err != nil {
				return cfg, fmt.Errorf("context buckets %q is not JSON: %w", s, err)
			}
			v = parsed
		}
		raw[k] = v
	}
	b, err := json.Marshal(raw)
	if err != nil {
		return cfg, err
	}
	if err := json.Unmarshal(b, &cfg); err != nil {
		return cfg, fmt.Errorf("cdk.json's buckets: %w (want [{\"name\": \"my-bucket\", \"prefix\": \"reports/\", \"kmsKeyArn\": \"arn:aws:kms:...\"}])", err)
	}
	return cfg, cfg.validate()
}

func (c Config) validate() error {
	var errs []error
	if len(c.Buckets) == 0 {
		errs = append(errs, errors.New(`buckets is empty: name at least one bucket in cdk.json, such as "buckets": [{"name": "my-bucket"}]`))
	}
	seen := map[string]bool{}
	for i, b := range c.Buckets {
		switch {
		case !bucketNameRE.MatchString(b.Name) || strings.Contains(b.Name, ".."):
			errs = append(errs, fmt.Errorf("buckets[%d].name %q is not an S3 bucket name: use 3 to 63 lower-case letters, digits, dots and hyphens", i, b.Name))
		case seen[b.Name]:
			errs = append(errs, fmt.Errorf("buckets[%d].name %q is listed twice: list each bucket once", i, b.Name))
		}
		seen[b.Name] = true
		if strings.HasPrefix(b.Prefix, "/") || strings.ContainsAny(b.Prefix, "*?") {
			errs = append(errs, fmt.Errorf("buckets[%d].prefix %q starts with a slash or holds a wildcard: write the key prefix as S3 has it, such as \"reports/\"", i, b.Prefix))
		} else if b.Prefix != "" && !strings.HasSuffix(b.Prefix, "/") {
			// "monthly" would also open "monthly-secret/…", in the app and in IAM.
			errs = append(errs, fmt.Errorf("buckets[%d].prefix %q does not end with a slash: it would also grant keys such as %q; write a folder, such as %q", i, b.Prefix, b.Prefix+"-other/x", b.Prefix+"/"))
		}
		if b.KmsKeyArn != "" && !kmsKeyArnRE.MatchString(b.KmsKeyArn) {
			errs = append(errs, fmt.Errorf("buckets[%d].kmsKeyArn %q is not a KMS key ARN: give arn:aws:kms:REGION:ACCOUNT:key/ID (an alias ARN does not work in a policy)", i, b.KmsKeyArn))
		}
	}
	if c.LoginDomainPrefix == "" {
		errs = append(errs, errors.New(`loginDomainPrefix is not set: give the Cognito managed-login domain prefix in cdk.json, such as "my-team-explorer"`))
	}
	return errors.Join(errs...)
}
