package lambdaweb_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"

	"github.com/goapigw/webapp/infra/lambdaweb"
)

// resourcesOf returns the template's resources of one type, by logical ID.
func resourcesOf(tmpl map[string]any, typ string) map[string]map[string]any {
	out := map[string]map[string]any{}
	for id, r := range tmpl["Resources"].(map[string]any) {
		if m := r.(map[string]any); m["Type"] == typ {
			out[id] = m
		}
	}
	return out
}

// TestOriginVerification: with CloudFront, the stage URL answers only the
// distribution. The stack generates a secret, the distribution sends it as
// X-Origin-Verify through a dynamic reference, the function is told the
// secret's ARN and may read that secret only; no value is in the template.
func TestOriginVerification(t *testing.T) {
	tmpl, _, _ := synth(t, stackOptions{}, configuration(t, "cloudfront"))

	secrets := resourcesOf(tmpl, "AWS::SecretsManager::Secret")
	if len(secrets) != 1 {
		t.Fatalf("got %d secrets, want 1 (the origin secret)", len(secrets))
	}
	var secretID string
	for id, s := range secrets {
		secretID = id
		props := s["Properties"].(map[string]any)
		if _, ok := props["SecretString"]; ok {
			t.Errorf("the origin secret has a SecretString in the template: %v; want one generated at deploy time", props["SecretString"])
		}
		gen, _ := props["GenerateSecretString"].(map[string]any)
		if gen == nil || gen["PasswordLength"] != float64(48) || gen["ExcludePunctuation"] != true {
			t.Errorf("GenerateSecretString = %v, want 48 characters without punctuation", gen)
		}
	}

	dists := resourcesOf(tmpl, "AWS::CloudFront::Distribution")
	if len(dists) != 1 {
		t.Fatalf("got %d distributions, want 1", len(dists))
	}
	for _, d := range dists {
		origins := d["Properties"].(map[string]any)["DistributionConfig"].(map[string]any)["Origins"].([]any)
		headers := map[string]any{}
		for _, h := range origins[0].(map[string]any)["OriginCustomHeaders"].([]any) {
			h := h.(map[string]any)
			headers[h["HeaderName"].(string)] = h["HeaderValue"]
		}
		value, err := json.Marshal(headers["X-Origin-Verify"])
		if err != nil || headers["X-Origin-Verify"] == nil {
			t.Fatalf("origin custom headers %v have no X-Origin-Verify", headers)
		}
		// {"Fn::Join":["",["{{resolve:secretsmanager:",{"Ref":"<secret>"},":SecretString:::}}"]]}
		got := string(value)
		for _, want := range []string{`{{resolve:secretsmanager:`, `{"Ref":"` + secretID + `"}`, `:SecretString:::}}`} {
			if !strings.Contains(got, want) {
				t.Errorf("X-Origin-Verify = %s, want a dynamic reference holding %s", got, want)
			}
		}
		if headers["X-Forwarded-Prefix"] != "/" {
			t.Errorf("X-Forwarded-Prefix = %v, want /", headers["X-Forwarded-Prefix"])
		}
	}

	hasResource(t, tmpl, "AWS::Lambda::Function", match(map[string]any{
		"Environment": map[string]any{"Variables": map[string]any{"ORIGIN_VERIFY_SECRET_ARN": map[string]any{"Ref": secretID}}},
	}))
	hasResource(t, tmpl, "AWS::IAM::Policy", assertions.Match_ObjectLike(&map[string]any{
		"PolicyDocument": map[string]any{"Statement": assertions.Match_ArrayWith(&[]any{assertions.Match_ObjectLike(&map[string]any{
			"Action":   []any{"secretsmanager:DescribeSecret", "secretsmanager:GetSecretValue"},
			"Effect":   "Allow",
			"Resource": map[string]any{"Ref": secretID},
		})})},
	}))

	t.Run("pinned version", func(t *testing.T) {
		const version = "a1b2c3d4-5678-90ab-cdef-EXAMPLE11111"
		tmpl, _, _ := synth(t, stackOptions{}, func(awscdk.Stack) *lambdaweb.WebAppProps {
			return &lambdaweb.WebAppProps{CloudFront: &lambdaweb.CloudFrontProps{OriginSecretVersionId: jsii.String(version)}}
		})
		raw, _ := json.Marshal(resourcesOf(tmpl, "AWS::CloudFront::Distribution"))
		if want := ":SecretString:::" + version + "}}"; !strings.Contains(string(raw), want) {
			t.Errorf("distribution %s does not pin the version: want %s", raw, want)
		}
	})

	t.Run("direct access allowed", func(t *testing.T) {
		tmpl, _, _ := synth(t, stackOptions{}, func(awscdk.Stack) *lambdaweb.WebAppProps {
			return &lambdaweb.WebAppProps{CloudFront: &lambdaweb.CloudFrontProps{AllowDirectAccess: jsii.Bool(true)}}
		})
		if n := len(resourcesOf(tmpl, "AWS::SecretsManager::Secret")); n != 0 {
			t.Errorf("got %d secrets, want none", n)
		}
		raw, _ := json.Marshal(tmpl)
		for _, unwanted := range []string{"X-Origin-Verify", "ORIGIN_VERIFY_SECRET_ARN"} {
			if strings.Contains(string(raw), unwanted) {
				t.Errorf("the template mentions %s with AllowDirectAccess", unwanted)
			}
		}
	})

	t.Run("without CloudFront", func(t *testing.T) {
		tmpl, _, _ := synth(t, stackOptions{}, func(awscdk.Stack) *lambdaweb.WebAppProps { return nil })
		raw, _ := json.Marshal(tmpl)
		if strings.Contains(string(raw), "ORIGIN_VERIFY") {
			t.Error("a stack without CloudFront tells the function to verify the origin")
		}
	})
}

// TestWafRateRuleBehindCloudFront: behind CloudFront every request reaches
// the stage from CloudFront's addresses, so the created ACL's rate rule
// counts the viewer's forwarded address instead of the source IP.
func TestWafRateRuleBehindCloudFront(t *testing.T) {
	rate := func(tb testing.TB, props func(awscdk.Stack) *lambdaweb.WebAppProps) map[string]any {
		tmpl, _, _ := synth(tb, stackOptions{}, props)
		for _, acl := range resourcesOf(tmpl, "AWS::WAFv2::WebACL") {
			for _, r := range acl["Properties"].(map[string]any)["Rules"].([]any) {
				if st, ok := r.(map[string]any)["Statement"].(map[string]any)["RateBasedStatement"]; ok {
					return st.(map[string]any)
				}
			}
		}
		tb.Fatal("no rate-based rule")
		return nil
	}
	for _, tt := range []struct {
		name  string
		props func(awscdk.Stack) *lambdaweb.WebAppProps
		want  string
	}{
		{"stage only", func(awscdk.Stack) *lambdaweb.WebAppProps {
			return &lambdaweb.WebAppProps{Waf: &lambdaweb.WafProps{Create: jsii.Bool(true)}}
		}, `{"AggregateKeyType":"IP","Limit":1000}`},
		{"behind CloudFront", func(awscdk.Stack) *lambdaweb.WebAppProps {
			return &lambdaweb.WebAppProps{Waf: &lambdaweb.WafProps{Create: jsii.Bool(true)}, CloudFront: &lambdaweb.CloudFrontProps{}}
		}, `{"AggregateKeyType":"FORWARDED_IP","ForwardedIPConfig":{"FallbackBehavior":"NO_MATCH","HeaderName":"X-Forwarded-For"},"Limit":1000}`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, _ := json.Marshal(rate(t, tt.props))
			if string(got) != tt.want {
				t.Errorf("rate statement\ngot  %s\nwant %s", got, tt.want)
			}
		})
	}
}
