package lambdaweb

import (
	"strconv"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
)

// retentions pairs each CloudWatch Logs retention with its days, in order:
// the one table behind LogRetention and LogRetentionDays. (The Go enum's
// values are names, not numbers.)
var retentions = []struct {
	days int
	r    awslogs.RetentionDays
}{
	{1, awslogs.RetentionDays_ONE_DAY}, {3, awslogs.RetentionDays_THREE_DAYS}, {5, awslogs.RetentionDays_FIVE_DAYS},
	{7, awslogs.RetentionDays_ONE_WEEK}, {14, awslogs.RetentionDays_TWO_WEEKS}, {30, awslogs.RetentionDays_ONE_MONTH},
	{60, awslogs.RetentionDays_TWO_MONTHS}, {90, awslogs.RetentionDays_THREE_MONTHS}, {120, awslogs.RetentionDays_FOUR_MONTHS},
	{150, awslogs.RetentionDays_FIVE_MONTHS}, {180, awslogs.RetentionDays_SIX_MONTHS}, {365, awslogs.RetentionDays_ONE_YEAR},
	{400, awslogs.RetentionDays_THIRTEEN_MONTHS}, {545, awslogs.RetentionDays_EIGHTEEN_MONTHS}, {731, awslogs.RetentionDays_TWO_YEARS},
	{1096, awslogs.RetentionDays_THREE_YEARS}, {1827, awslogs.RetentionDays_FIVE_YEARS}, {3653, awslogs.RetentionDays_TEN_YEARS},
}

// LogRetention is the retention of days days, for configuration in days
// (such as cdk.json's logRetentionDays); false when CloudWatch has none of
// that length. ValidRetentionDays lists the lengths it has.
func LogRetention(days int) (awslogs.RetentionDays, bool) {
	for _, e := range retentions {
		if e.days == days {
			return e.r, true
		}
	}
	return "", false
}

// LogRetentionDays is the length of r in days; RetentionDays_INFINITE is
// longer than any, and an unknown value reports false.
func LogRetentionDays(r awslogs.RetentionDays) (int, bool) {
	if r == awslogs.RetentionDays_INFINITE {
		return 1 << 30, true
	}
	for _, e := range retentions {
		if e.r == r {
			return e.days, true
		}
	}
	return 0, false
}

// ValidRetentionDays lists the retention lengths CloudWatch Logs has, in
// days: "1, 3, 5, …, 3653".
func ValidRetentionDays() string {
	days := make([]string, len(retentions))
	for i, e := range retentions {
		days[i] = strconv.Itoa(e.days)
	}
	return strings.Join(days, ", ")
}
