package assembly

import (
	"maps"
	"slices"
	"testing"
)

func TestResolveEnvironment(t *testing.T) {
	apps, err := ReadTemplate("testdata/env.template.json")
	if err != nil {
		t.Fatal(err)
	}
	if len(apps) != 1 {
		t.Fatalf("got %d WebApps, want 1", len(apps))
	}
	fn := apps[0].Function
	if fn.Path != "EnvStack/Web/Function" || fn.LogGroup != "/app/web" || fn.Name != "" {
		t.Errorf("got path %q, log group %q, name %q; want EnvStack/Web/Function, /app/web, \"\"", fn.Path, fn.LogGroup, fn.Name)
	}
	tests := []struct {
		name         string
		pseudo       Pseudo
		want         map[string]string
		wantUnresolv map[string]string
	}{
		{name: "local", pseudo: Pseudo{Region: "local", AccountID: "000000000000", StackName: "EnvStack"}, want: map[string]string{
			"LITERAL": "plain", "NUMBER": "42", "REGION": "local", "TOPIC_ARN": "arn:aws:sns:local:000000000000:alerts",
			"SUBBED": "EnvStack-hello-${Literal}", "SUB_WITH_VARS": "me@amazonaws.com", "GREETING": "hello",
		}},
		{name: "China", pseudo: Pseudo{Region: "cn-north-1", AccountID: "111111111111"}, want: map[string]string{
			"LITERAL": "plain", "NUMBER": "42", "REGION": "cn-north-1", "TOPIC_ARN": "arn:aws-cn:sns:cn-north-1:111111111111:alerts",
			"SUB_WITH_VARS": "me@amazonaws.com.cn", "GREETING": "hello",
		}, wantUnresolv: map[string]string{"SUBBED": "Ref AWS::StackName"}},
	}
	common := map[string]string{
		"REQUIRED": "Ref Required, a parameter without a default", "VERSION": "Ref BootstrapVersion, an SSM parameter read at deploy",
		"BUCKET": "Ref Bucket", "BUCKET_ARN": "Fn::GetAtt Bucket.Arn", "BUCKET_URL": "Ref Bucket", "BUCKET_SUB": "Ref Bucket",
		"SECRET": "a dynamic reference, resolved at deploy", "IMPORTED": "Fn::ImportValue, another stack's output",
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fn.Resolve(tt.pseudo)
			if !maps.Equal(fn.Environment, tt.want) {
				t.Errorf("got environment %v, want %v", fn.Environment, tt.want)
			}
			want := maps.Clone(common)
			maps.Copy(want, tt.wantUnresolv)
			if !maps.Equal(fn.UnresolvedWhy, want) {
				t.Errorf("got unresolved %v, want %v", fn.UnresolvedWhy, want)
			}
			if names := slices.Sorted(maps.Keys(want)); !slices.Equal(fn.Unresolved, names) {
				t.Errorf("got Unresolved %v, want %v", fn.Unresolved, names)
			}
		})
	}
}

func TestResolveLeavesAFunctionNotReadFromATemplate(t *testing.T) {
	fn := Function{Environment: map[string]string{"A": "b"}}
	fn.Resolve(DefaultPseudo)
	if !maps.Equal(fn.Environment, map[string]string{"A": "b"}) {
		t.Errorf("got %v, want it unchanged", fn.Environment)
	}
}
