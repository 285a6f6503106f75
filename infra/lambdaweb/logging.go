//lint:file-ignore SA1019 the escape hatch may set the deprecated LogFormat and *LogLevel strings, which CDK still honours: mergeLogging must see them.

package lambdaweb

import (
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
)

// systemLogLevel is the level of Lambda's own log lines that reach
// CloudWatch. INFO keeps START, END and REPORT: REPORT is the only record,
// per invocation, of the billed duration, the memory used and a cold
// start's init time; WARN would save three short lines per invocation and
// lose them.
const systemLogLevel = awslambda.SystemLogLevel_INFO

// setLogging gives fn JSON logs at the application level level: CloudWatch
// can filter them by level, and Lambda tells the code the level and the
// format (AWS_LAMBDA_LOG_LEVEL, AWS_LAMBDA_LOG_FORMAT).
func setLogging(fn *awslambda.FunctionProps, level awslambda.ApplicationLogLevel) {
	fn.LoggingFormat = awslambda.LoggingFormat_JSON
	fn.ApplicationLogLevelV2 = level
	fn.SystemLogLevelV2 = systemLogLevel
}

// mergeLogging settles the logging fields after the escape hatch o was
// copied over fn. A deprecated string field set in o replaces its V2 twin
// (Lambda's Function takes one of the two, not both), and a format other
// than JSON drops the levels o did not set (Lambda filters by level only
// JSON logs, and CDK refuses a level without the JSON format).
func mergeLogging(fn, o *awslambda.FunctionProps) {
	if o.LogFormat != nil && o.LoggingFormat == "" {
		fn.LoggingFormat = ""
	}
	if o.ApplicationLogLevel != nil && o.ApplicationLogLevelV2 == "" {
		fn.ApplicationLogLevelV2 = ""
	}
	if o.SystemLogLevel != nil && o.SystemLogLevelV2 == "" {
		fn.SystemLogLevelV2 = ""
	}
	json := fn.LoggingFormat == awslambda.LoggingFormat_JSON ||
		(fn.LoggingFormat == "" && fn.LogFormat != nil && *fn.LogFormat == "JSON")
	if !json {
		if o.ApplicationLogLevelV2 == "" {
			fn.ApplicationLogLevelV2 = ""
		}
		if o.SystemLogLevelV2 == "" {
			fn.SystemLogLevelV2 = ""
		}
	}
}

// logLevels are Lambda's application log levels, most detail first.
var logLevels = []awslambda.ApplicationLogLevel{
	awslambda.ApplicationLogLevel_TRACE, awslambda.ApplicationLogLevel_DEBUG, awslambda.ApplicationLogLevel_INFO,
	awslambda.ApplicationLogLevel_WARN, awslambda.ApplicationLogLevel_ERROR, awslambda.ApplicationLogLevel_FATAL,
}

// LogLevel is the application log level named name ("INFO", "warn"...),
// for configuration by name such as cdk.json's; ok is false for a name
// Lambda does not know.
func LogLevel(name string) (level awslambda.ApplicationLogLevel, ok bool) {
	for _, l := range logLevels {
		if strings.EqualFold(name, string(l)) {
			return l, true
		}
	}
	return "", false
}

// ValidLogLevels lists the names LogLevel accepts, for messages.
func ValidLogLevels() string {
	names := make([]string, len(logLevels))
	for i, l := range logLevels {
		names[i] = string(l)
	}
	return strings.Join(names, ", ")
}
