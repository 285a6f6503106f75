package explorer

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/aws/smithy-go"
)

func TestExplainNamesTheActionAndTheBucket(t *testing.T) {
	tests := []struct {
		name       string
		err        error
		wantStatus int
		want       []string
	}{
		{"access denied", &smithy.GenericAPIError{Code: "AccessDenied", Message: "Access Denied"}, 403,
			[]string{"refused s3:GetObject on bucket finance-reports", "cdk.json"}},
		{"kms", &smithy.GenericAPIError{Code: "AccessDenied", Message: "User: arn:aws:sts::1:assumed-role/x is not authorized to perform: kms:Decrypt"}, 403,
			[]string{"KMS key", "kms:Decrypt", "finance-reports"}},
		{"kms disabled", &smithy.GenericAPIError{Code: "KMS.DisabledException", Message: "key is disabled"}, 403, []string{"KMS key"}},
		{"no such key", fmt.Errorf("wrapped: %w", &smithy.GenericAPIError{Code: "NoSuchKey"}), 404, []string{"no object \"monthly/x.csv\""}},
		{"no such bucket", &smithy.GenericAPIError{Code: "NoSuchBucket"}, 404, []string{"Bucket finance-reports does not exist"}},
		{"throttled", &smithy.GenericAPIError{Code: "SlowDown", Message: "Please reduce your request rate."}, 502, []string{"SlowDown", "s3:GetObject on bucket finance-reports"}},
		{"no api error", errors.New("dial tcp: connection refused"), 502, []string{"s3:GetObject on bucket finance-reports", "the function's log"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := explain("s3:GetObject", "finance-reports", "monthly/x.csv", tt.err)
			if p.Status != tt.wantStatus {
				t.Errorf("status: got %d, want %d", p.Status, tt.wantStatus)
			}
			for _, w := range tt.want {
				if !strings.Contains(p.Advice, w) {
					t.Errorf("advice %q lacks %q", p.Advice, w)
				}
			}
			// S3's message (the account, the role's session, the key) is
			// for the log: every reader sees the page.
			if m := tt.err.Error(); strings.Contains(p.Advice, "arn:aws:sts") || strings.Contains(p.Advice, "connection refused") || strings.Contains(p.Advice, "reduce your request rate") {
				t.Errorf("advice %q repeats S3's message %q", p.Advice, m)
			}
		})
	}
}

func TestHumanSize(t *testing.T) {
	for n, want := range map[int64]string{0: "0 B", 1023: "1023 B", 1024: "1.0 KiB", 7 << 20: "7.0 MiB", 5 << 30: "5.0 GiB"} {
		if got := humanSize(n); got != want {
			t.Errorf("humanSize(%d): got %q, want %q", n, got, want)
		}
	}
}

func TestFirstInvalidUTF8(t *testing.T) {
	for in, want := range map[string]int{"": -1, "plain": -1, "Grüße": -1, "caf\xe9": 3, "\xff": 0, "ok\xe2\x82": 2} {
		if got := firstInvalidUTF8([]byte(in)); got != want {
			t.Errorf("firstInvalidUTF8(%q): got %d, want %d", in, got, want)
		}
	}
}
