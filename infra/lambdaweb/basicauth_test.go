package lambdaweb_test

import (
	"encoding/json"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"

	"github.com/goapigw/webapp/function/basicauth"
	"github.com/goapigw/webapp/infra/lambdaweb"
)

// TestAuthSecretRefreshAlarm: with BasicAuth and Monitoring, an alarm
// watches the metric the authorizer writes for each failed refresh of its
// secret (a refused secret lets nobody in; an unreadable one serves a stale
// copy), with the namespace, name and dimension package basicauth writes.
func TestAuthSecretRefreshAlarm(t *testing.T) {
	tests := []struct {
		name      string
		props     *lambdaweb.WebAppProps
		wantAlarm bool
	}{
		{name: "basic auth and monitoring", props: &lambdaweb.WebAppProps{BasicAuth: &lambdaweb.BasicAuthProps{}, Monitoring: &lambdaweb.MonitoringProps{}}, wantAlarm: true},
		{name: "basic auth alone", props: &lambdaweb.WebAppProps{BasicAuth: &lambdaweb.BasicAuthProps{}}},
		{name: "monitoring alone", props: &lambdaweb.WebAppProps{Monitoring: &lambdaweb.MonitoringProps{}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tmpl, _, _ := synth(t, stackOptions{region: "eu-west-1"}, func(awscdk.Stack) *lambdaweb.WebAppProps { p := *tt.props; return &p })
			tp := assertions.Template_FromJSON(&tmpl, nil)
			var found []map[string]any
			for _, a := range *tp.FindResources(jsii.String("AWS::CloudWatch::Alarm"), nil) {
				if p := (*a)["Properties"].(map[string]any); p["MetricName"] == basicauth.MetricRefreshFailures {
					found = append(found, p)
				}
			}
			if !tt.wantAlarm {
				if len(found) != 0 {
					t.Errorf("got %d alarms on %s, want none", len(found), basicauth.MetricRefreshFailures)
				}
				return
			}
			if len(found) != 1 {
				t.Fatalf("got %d alarms on %s, want 1", len(found), basicauth.MetricRefreshFailures)
			}
			var authorizer string
			for id, f := range *tp.FindResources(jsii.String("AWS::Lambda::Function"), nil) {
				if (*f)["Properties"].(map[string]any)["Description"] == "Basic authentication for the Go web app (htpasswd, bcrypt)" {
					authorizer = id
				}
			}
			got, _ := json.Marshal(map[string]any{
				"Namespace": found[0]["Namespace"], "Dimensions": found[0]["Dimensions"], "Statistic": found[0]["Statistic"],
				"Period": found[0]["Period"], "Threshold": found[0]["Threshold"], "ComparisonOperator": found[0]["ComparisonOperator"],
				"EvaluationPeriods": found[0]["EvaluationPeriods"], "TreatMissingData": found[0]["TreatMissingData"],
			})
			want, _ := json.Marshal(map[string]any{
				"Namespace":          basicauth.MetricNamespace,
				"Dimensions":         []any{map[string]any{"Name": basicauth.MetricDimension, "Value": map[string]any{"Ref": authorizer}}},
				"Statistic":          "Sum",
				"Period":             300,
				"Threshold":          1,
				"ComparisonOperator": "GreaterThanOrEqualToThreshold",
				"EvaluationPeriods":  1,
				"TreatMissingData":   "notBreaching",
			})
			if string(got) != string(want) {
				t.Errorf("alarm:\ngot  %s\nwant %s", got, want)
			}
		})
	}
	t.Run("in Alarms", func(t *testing.T) {
		app := awscdk.NewApp(&awscdk.AppProps{Context: &map[string]any{"aws:cdk:bundling-stacks": []string{}}})
		stack := awscdk.NewStack(app, jsii.String("Alarms"), nil)
		w := lambdaweb.NewWebApp(stack, jsii.String("WebApp"), &lambdaweb.WebAppProps{
			ModuleDir: jsii.String(moduleDir), BasicAuth: &lambdaweb.BasicAuthProps{}, Monitoring: &lambdaweb.MonitoringProps{},
		})
		var ids []string
		for _, a := range w.Alarms {
			ids = append(ids, *a.Node().Id())
		}
		if len(ids) == 0 || ids[len(ids)-1] != "AuthSecretRefreshAlarm" {
			t.Errorf("WebApp.Alarms: got %v, want AuthSecretRefreshAlarm last", ids)
		}
	})
}
