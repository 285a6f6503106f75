package guard

import (
	"os"
	"path/filepath"
	"testing"
)

const root = "../.."

func write(tb testing.TB, body string) string {
	tb.Helper()
	p := filepath.Join(tb.TempDir(), "t.template.json")
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		tb.Fatal(err)
	}
	return p
}

// TestCheckFindsAndHonoursAcknowledgements shows that the run can fail: a
// log group kept 7 days fails CT.CLOUDWATCH.PR.2 until its metadata says
// why, and an acknowledgement without a reason does not count.
func TestCheckFindsAndHonoursAcknowledgements(t *testing.T) {
	tests := []struct {
		name       string
		metadata   string
		wantReason string
	}{
		{name: "unacknowledged", metadata: `{}`, wantReason: ""},
		{name: "acknowledged", metadata: `{"guard":{"SuppressedRules":["CT.CLOUDWATCH.PR.2"],"Reasons":{"CT.CLOUDWATCH.PR.2":"a choice"}}}`, wantReason: "a choice"},
		{name: "acknowledged without a reason", metadata: `{"guard":{"SuppressedRules":["CT.CLOUDWATCH.PR.2"]}}`, wantReason: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tmpl := write(t, `{"Resources":{"Logs":{"Type":"AWS::Logs::LogGroup","Properties":{"RetentionInDays":7},"Metadata":`+tt.metadata+`}}}`)
			findings, err := Check(root, tmpl)
			if err != nil {
				t.Fatal(err)
			}
			var got *Finding
			for i, f := range findings {
				if f.Control == "CT.CLOUDWATCH.PR.2" && f.Resource == "Logs" {
					got = &findings[i]
				}
			}
			if got == nil {
				t.Fatalf("no CT.CLOUDWATCH.PR.2 finding on Logs in %v", findings)
			}
			if got.Reason != tt.wantReason {
				t.Errorf("reason: got %q, want %q", got.Reason, tt.wantReason)
			}
		})
	}
	t.Run("compliant", func(t *testing.T) {
		findings, err := Check(root, write(t, `{"Resources":{"Logs":{"Type":"AWS::Logs::LogGroup","Properties":{"RetentionInDays":400,"KmsKeyId":"arn:aws:kms:eu-west-1:111111111111:key/k"}}}}`))
		if err != nil || len(findings) != 0 {
			t.Errorf("got %v, %v; want no finding", findings, err)
		}
	})
}
