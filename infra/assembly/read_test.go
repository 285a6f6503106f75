package assembly

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestSelect(t *testing.T) {
	apps := []WebApp{
		{Record: Record{Construct: "A/Web", Entry: "./web"}, Stack: "A", StackName: "a-prod"},
		{Record: Record{Construct: "A/Admin", Entry: "./admin"}, Stack: "A", StackName: "a-prod"},
		{Record: Record{Construct: "B/Web", Entry: "./web"}, Stack: "B", StackName: "B"},
	}
	tests := []struct {
		name, stack, construct string
		want                   string // the chosen construct, or "error: " and part of the message
	}{
		{name: "by construct", construct: "A/Admin", want: "A/Admin"},
		{name: "by construct with slashes", construct: "/B/Web/", want: "B/Web"},
		{name: "by stack", stack: "B", want: "B/Web"},
		{name: "by CloudFormation stack name", stack: "a-prod", construct: "A/Web", want: "A/Web"},
		{name: "ambiguous", want: "error: 3 WebApps match; choose one with -stack and -construct:\n  -stack A -construct A/Web  (./web)"},
		{name: "ambiguous stack", stack: "A", want: `error: 2 WebApps match -stack "A"; choose one`},
		{name: "unknown", construct: "C/Web", want: "error: no WebApp matches -construct \"C/Web\"; there are:\n  -stack A -construct A/Web  (./web)\n  -stack A -construct A/Admin  (./admin)\n  -stack B -construct B/Web  (./web)\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, err := Select(apps, tt.stack, tt.construct)
			if want, ok := strings.CutPrefix(tt.want, "error: "); ok {
				if err == nil || !strings.Contains(err.Error(), want) {
					t.Errorf("got %v, %v; want an error containing %q", a.Construct, err, want)
				}
				return
			}
			if err != nil || a.Construct != tt.want {
				t.Errorf("got %q, %v; want %q", a.Construct, err, tt.want)
			}
		})
	}
	if _, err := Select(nil, "", ""); err == nil || !strings.Contains(err.Error(), "no WebApp construct") {
		t.Errorf("empty assembly: got %v", err)
	}
}

func TestReadNeedsAManifest(t *testing.T) {
	if _, err := Read(t.TempDir()); err == nil || !strings.Contains(err.Error(), "manifest.json") {
		t.Errorf("Read of an empty directory: got %v, want it to name manifest.json", err)
	}
}

func TestReadFunctionReservedConcurrency(t *testing.T) {
	tests := []struct {
		name, props string
		want        int
	}{
		{"reserved", `{"ReservedConcurrentExecutions": 2}`, 2},
		{"none", `{}`, 0},
		{"resolved at deploy", `{"ReservedConcurrentExecutions": {"Ref": "Cap"}}`, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			all := map[string]cfnResource{"Fn": {Type: "AWS::Lambda::Function", Properties: []byte(tt.props)}}
			f, err := readFunction(all, nil, "Fn")
			if err != nil {
				t.Fatal(err)
			}
			if f.ReservedConcurrency != tt.want {
				t.Errorf("got %d, want %d", f.ReservedConcurrency, tt.want)
			}
		})
	}
}

// TestDeploymentTemplateServesTheFunction: with the construct's
// Deployment, both methods invoke the alias "live" and the template holds a
// version and a second function (the pre-traffic hook). The local runner
// still finds the app's own function, whose code is the newest, and
// serves both paths with it; the alias and the versions play no part.
func TestDeploymentTemplateServesTheFunction(t *testing.T) {
	apps, err := ReadTemplate(filepath.Join("..", "lambdaweb", "testdata", "deployment.template.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(apps) != 1 {
		t.Fatalf("web apps: got %d, want 1", len(apps))
	}
	a := apps[0]
	if a.Record.Function != "WebAppFunction611CC907" || a.Function.MemorySize != 1024 {
		t.Errorf("function: got %s (%d MB), want the app's function WebAppFunction611CC907 (1024 MB)", a.Record.Function, a.Function.MemorySize)
	}
	if _, hook := a.Function.Environment["DEPLOY_HOOK_TARGET"]; hook {
		t.Error("the runner picked the pre-traffic hook")
	}
	if !slices.Equal(a.API.Resources, []string{"/", "/{proxy+}"}) && !slices.Equal(a.API.Resources, []string{"/{proxy+}", "/"}) {
		t.Errorf("API resources: got %v, want / and /{proxy+}", a.API.Resources)
	}
}
