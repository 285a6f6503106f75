// Package guard runs AWS Control Tower's proactive controls (cfn-guard 3.1.1
// and the rules that npm's @cdklabs/cdk-validator-cfnguard ships) over
// synthesized templates, for the tests.
//
// A finding is a control (such as CT.LAMBDA.PR.3) that a resource fails.
// The construct acknowledges a finding that does not apply in the
// resource's metadata, beside its cdk-nag acknowledgements:
//
//	"guard": {"SuppressedRules": ["CT.LAMBDA.PR.3"], "Reasons": {"CT.LAMBDA.PR.3": "why"}}
//
// Findings without an acknowledgement (with a reason) fail the test. The
// Control Tower rules do not read that metadata themselves; this package
// does, so that the reasons live with the resources.
package guard

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"testing"
)

// Finding is a control a resource fails.
type Finding struct {
	Control  string // "CT.LAMBDA.PR.3"
	Rule     string // the guard rule's name
	Resource string // logical ID
	Reason   string // the acknowledgement's reason; "" when unacknowledged
}

func (f Finding) String() string { return f.Control + " on " + f.Resource + " (" + f.Rule + ")" }

// Package is the npm package's directory below the repository root.
const Package = "node_modules/@cdklabs/cdk-validator-cfnguard"

// binary finds cfn-guard for this machine in the npm package.
func binary(root string) (string, error) {
	arch := map[string]string{"amd64": "x86_64", "arm64": "aarch64"}[runtime.GOARCH]
	p := filepath.Join(root, Package, "bin", "ubuntu", arch, "cfn-guard")
	if _, err := os.Stat(p); err != nil {
		return "", fmt.Errorf("cfn-guard is not installed (%v): make test installs it with npm ci (package.json pins @cdklabs/cdk-validator-cfnguard)", err)
	}
	return p, nil
}

var (
	controlRE  = regexp.MustCompile(`\[(CT\.[A-Z0-9]+\.PR\.\d+)\]`)
	resourceRE = regexp.MustCompile(`"path":"/Resources/([A-Za-z0-9]+)`)
)

// Check runs every Control Tower rule over the template at path and returns
// the findings, acknowledged or not.
func Check(root, template string) ([]Finding, error) {
	bin, err := binary(root)
	if err != nil {
		return nil, err
	}
	rules := filepath.Join(root, Package, "rules", "control-tower", "cfn-guard")
	cmd := exec.Command(bin, "validate", "-r", rules, "-d", template, "-o", "json", "-S", "none", "-z")
	out, err := cmd.Output()
	// cfn-guard exits 19 when a rule fails; the JSON says which.
	if ee, ok := err.(*exec.ExitError); ok && ee.ExitCode() == 19 {
		err = nil
	}
	if err != nil {
		return nil, fmt.Errorf("cfn-guard on %s: %w\n%s", template, err, out)
	}
	var reports []struct {
		NotCompliant []struct {
			Rule json.RawMessage `json:"Rule"`
		} `json:"not_compliant"`
	}
	if err := json.Unmarshal(out, &reports); err != nil {
		return nil, fmt.Errorf("read cfn-guard's report: %w", err)
	}
	acks, err := acknowledgements(template)
	if err != nil {
		return nil, err
	}
	var findings []Finding
	for _, r := range reports {
		for _, nc := range r.NotCompliant {
			var rule struct{ Name string }
			_ = json.Unmarshal(nc.Rule, &rule)
			compact := compactJSON(nc.Rule)
			controls := controlRE.FindStringSubmatch(compact)
			control := rule.Name
			if controls != nil {
				control = controls[1]
			}
			var resources []string
			for _, m := range resourceRE.FindAllStringSubmatch(compact, -1) {
				resources = append(resources, m[1])
			}
			slices.Sort(resources)
			for _, res := range slices.Compact(resources) {
				findings = append(findings, Finding{Control: control, Rule: rule.Name, Resource: res, Reason: acks[res][control]})
			}
		}
	}
	slices.SortFunc(findings, func(a, b Finding) int { return strings.Compare(a.String(), b.String()) })
	return findings, nil
}

func compactJSON(raw json.RawMessage) string {
	var v any
	_ = json.Unmarshal(raw, &v)
	b, _ := json.Marshal(v)
	return string(b)
}

// acknowledgements reads resource → control → reason from the template.
func acknowledgements(template string) (map[string]map[string]string, error) {
	b, err := os.ReadFile(template)
	if err != nil {
		return nil, err
	}
	var t struct {
		Resources map[string]struct {
			Metadata struct {
				Guard struct {
					SuppressedRules []string
					Reasons         map[string]string
				} `json:"guard"`
			}
		}
	}
	if err := json.Unmarshal(b, &t); err != nil {
		return nil, fmt.Errorf("template %s: %w", template, err)
	}
	acks := map[string]map[string]string{}
	for id, r := range t.Resources {
		for _, rule := range r.Metadata.Guard.SuppressedRules {
			if acks[id] == nil {
				acks[id] = map[string]string{}
			}
			acks[id][rule] = r.Metadata.Guard.Reasons[rule]
		}
	}
	return acks, nil
}

// RequireAcknowledged fails the test for every finding of template that
// has no acknowledgement with a reason, and returns the acknowledged ones.
func RequireAcknowledged(tb testing.TB, root, template string) []Finding {
	tb.Helper()
	findings, err := Check(root, template)
	if err != nil {
		tb.Fatal(err)
	}
	var acked []Finding
	for _, f := range findings {
		if strings.TrimSpace(f.Reason) == "" {
			tb.Errorf("proactive control %s fails on %s (guard rule %s) in %s: fix it, or acknowledge it with a reason in the resource's guard metadata",
				f.Control, f.Resource, f.Rule, filepath.Base(template))
			continue
		}
		acked = append(acked, f)
	}
	return acked
}
