package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"
)

// testConfig is two buckets, one limited to a prefix and encrypted with a
// KMS key.
var testConfig = Config{
	Buckets: []BucketConfig{
		{Name: "explorer-sample"},
		{Name: "finance-reports", Prefix: "monthly/", KmsKeyArn: "arn:aws:kms:eu-west-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab"},
	},
	LoginDomainPrefix: "explorer-test",
}

// synth returns the stack's template without compiling the function.
func synth(t *testing.T, cfg Config) map[string]any {
	t.Helper()
	t.Chdir("..") // the CDK app runs where cdk.json is
	app := awscdk.NewApp(&awscdk.AppProps{Context: &map[string]any{"aws:cdk:bundling-stacks": []string{}}})
	stack := newExplorerStack(app, "S3Explorer", cfg)
	return *assertions.Template_FromStack(stack, nil).ToJSON()
}

type statement struct {
	Effect    string
	Action    any
	Resource  any
	Condition map[string]map[string]any
}

func strs(v any) []string {
	switch v := v.(type) {
	case string:
		return []string{v}
	case []any:
		var out []string
		for _, x := range v {
			b, _ := json.Marshal(x)
			out = append(out, strings.Trim(string(b), `"`))
		}
		return out
	}
	b, _ := json.Marshal(v)
	return []string{string(b)}
}

func TestIAMGrantsOnlyTheConfiguredBuckets(t *testing.T) {
	defer jsii.Close()
	tmpl := synth(t, testConfig)
	var stmts []statement
	for _, r := range tmpl["Resources"].(map[string]any) {
		res := r.(map[string]any)
		if res["Type"] != "AWS::IAM::Policy" {
			continue
		}
		b, _ := json.Marshal(res["Properties"].(map[string]any)["PolicyDocument"].(map[string]any)["Statement"])
		var s []statement
		if err := json.Unmarshal(b, &s); err != nil {
			t.Fatal(err)
		}
		stmts = append(stmts, s...)
	}
	found := map[string]bool{}
	for _, s := range stmts {
		actions := strs(s.Action)
		s3orKMS := false
		for _, a := range actions {
			if strings.HasPrefix(a, "s3:") || strings.HasPrefix(a, "kms:") {
				s3orKMS = true
			}
			if a == "s3:ListAllMyBuckets" || strings.Contains(a, "*") {
				t.Errorf("action %q is granted: want only named actions, no ListAllMyBuckets", a)
			}
		}
		if !s3orKMS {
			continue
		}
		for _, res := range strs(s.Resource) {
			if res == "*" {
				t.Errorf("%v is granted on *: want the configured buckets and keys only", actions)
			}
			switch {
			case strings.Contains(res, ":s3:::explorer-sample/*"):
				found["sample objects"] = true
			case strings.Contains(res, ":s3:::explorer-sample"):
				found["sample bucket"] = true
			case strings.Contains(res, ":s3:::finance-reports/monthly/*"):
				found["finance objects under the prefix"] = true
			case strings.Contains(res, ":s3:::finance-reports"):
				found["finance bucket"] = true
				if got := s.Condition["StringLike"]["s3:prefix"]; got == nil || strs(got)[0] != "monthly/*" {
					t.Errorf("ListBucket on finance-reports: got condition %v, want s3:prefix monthly/*", s.Condition)
				}
			case res == testConfig.Buckets[1].KmsKeyArn:
				found["kms key"] = true
				if strings.Join(actions, ",") != "kms:Decrypt,kms:GenerateDataKey" {
					t.Errorf("on the KMS key: got %v, want kms:Decrypt and kms:GenerateDataKey", actions)
				}
			case strings.Contains(res, "secretsmanager") || strings.Contains(res, "Secret"):
			default:
				t.Errorf("%v is granted on %s, which is not a configured bucket or key", actions, res)
			}
		}
	}
	for _, want := range []string{"sample objects", "sample bucket", "finance objects under the prefix", "finance bucket", "kms key"} {
		if !found[want] {
			t.Errorf("no grant on the %s", want)
		}
	}
}

func TestConfigRefusesBadEntries(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
		want string
	}{
		{"no buckets", Config{LoginDomainPrefix: "x"}, "buckets is empty"},
		{"bad name", Config{Buckets: []BucketConfig{{Name: "My_Bucket"}}, LoginDomainPrefix: "x"}, `buckets[0].name "My_Bucket" is not an S3 bucket name`},
		{"twice", Config{Buckets: []BucketConfig{{Name: "abc"}, {Name: "abc"}}, LoginDomainPrefix: "x"}, "listed twice"},
		{"wildcard prefix", Config{Buckets: []BucketConfig{{Name: "abc", Prefix: "a*"}}, LoginDomainPrefix: "x"}, "holds a wildcard"},
		{"prefix without a slash", Config{Buckets: []BucketConfig{{Name: "abc", Prefix: "monthly"}}, LoginDomainPrefix: "x"}, `buckets[0].prefix "monthly" does not end with a slash`},
		{"alias for key", Config{Buckets: []BucketConfig{{Name: "abc", KmsKeyArn: "arn:aws:kms:eu-west-1:111111111111:alias/x"}}, LoginDomainPrefix: "x"}, "is not a KMS key ARN"},
		{"no login", Config{Buckets: []BucketConfig{{Name: "abc"}}}, "loginDomainPrefix is not set"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.cfg.validate()
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %v, want an error containing %q", err, tt.want)
			}
		})
	}
	if err := testConfig.validate(); err != nil {
		t.Errorf("the test config: got %v, want no error", err)
	}
}
