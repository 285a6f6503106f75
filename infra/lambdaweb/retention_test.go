package lambdaweb

import (
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
)

func TestLogRetention(t *testing.T) {
	tests := []struct {
		days int
		want awslogs.RetentionDays
		ok   bool
	}{
		{1, awslogs.RetentionDays_ONE_DAY, true},
		{30, awslogs.RetentionDays_ONE_MONTH, true},
		{365, awslogs.RetentionDays_ONE_YEAR, true},
		{3653, awslogs.RetentionDays_TEN_YEARS, true},
		{10, "", false},
		{0, "", false},
	}
	for _, tt := range tests {
		got, ok := LogRetention(tt.days)
		if got != tt.want || ok != tt.ok {
			t.Errorf("LogRetention(%d): got %q, %v; want %q, %v", tt.days, got, ok, tt.want, tt.ok)
		}
		if tt.ok {
			if days, ok := LogRetentionDays(got); !ok || days != tt.days {
				t.Errorf("LogRetentionDays(%q): got %d, %v; want %d", got, days, ok, tt.days)
			}
		}
	}
	if days, ok := LogRetentionDays(awslogs.RetentionDays_INFINITE); !ok || days < 3653 {
		t.Errorf("INFINITE: got %d, %v; want longer than ten years", days, ok)
	}
	if want := "1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 3653"; ValidRetentionDays() != want {
		t.Errorf("ValidRetentionDays: got %q, want %q", ValidRetentionDays(), want)
	}
}
