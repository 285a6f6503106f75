package assembly

import (
	"encoding/json"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// Pseudo is what CloudFormation's pseudo parameters stand for on this
// machine: the region and account a local run pretends to be in.
type Pseudo struct {
	Region, AccountID string
	StackName         string // "" when unknown (a template read alone)
}

// Partition is the partition of the region: aws, aws-cn or aws-us-gov.
func (p Pseudo) Partition() string {
	switch {
	case strings.HasPrefix(p.Region, "cn-"):
		return "aws-cn"
	case strings.HasPrefix(p.Region, "us-gov-"):
		return "aws-us-gov"
	}
	return "aws"
}

func (p Pseudo) urlSuffix() string {
	if p.Partition() == "aws-cn" {
		return "amazonaws.com.cn"
	}
	return "amazonaws.com"
}

// DefaultPseudo is what the pseudo parameters resolve to when nothing else
// is known: the runner's region "local" and an account of zeros.
var DefaultPseudo = Pseudo{Region: "local", AccountID: "000000000000"}

// parameter is a template parameter: its type and default.
type parameter struct {
	Type    string
	Default any
}

// variables is a function's environment as the template writes it, with
// what resolving it needs.
type variables struct {
	raw    map[string]any
	params map[string]parameter
}

// Resolve works out the function's environment variables for a local run
// with pseudo parameters p: literal strings; Ref to AWS::Region,
// AWS::AccountId, AWS::Partition, AWS::URLSuffix, AWS::StackName and
// AWS::NoValue; Ref to a template parameter with a default (not an SSM
// parameter); Fn::Join and Fn::Sub of those. It sets Environment to the
// values it resolved and Unresolved and UnresolvedWhy to the others, such as
// a Ref to a bucket or a secret, which CloudFormation only knows at deploy.
// A Function not read from a template is left as it is.
func (f *Function) Resolve(p Pseudo) {
	if f.vars.raw == nil {
		return
	}
	f.Environment, f.Unresolved, f.UnresolvedWhy = map[string]string{}, nil, map[string]string{}
	for k, v := range f.vars.raw {
		s, why, ok := f.vars.resolve(v, p, 0)
		switch {
		case why != "":
			f.Unresolved = append(f.Unresolved, k)
			f.UnresolvedWhy[k] = why
		case ok:
			f.Environment[k] = s
		}
	}
	slices.Sort(f.Unresolved)
}

// resolve returns v's value; or why it cannot be resolved locally; or ok
// false for AWS::NoValue (no variable at all).
func (vs variables) resolve(v any, p Pseudo, depth int) (s, why string, ok bool) {
	if depth > 16 {
		return "", "an expression nested too deep", false
	}
	switch v := v.(type) {
	case string:
		if strings.Contains(v, "{{resolve:") {
			return "", "a dynamic reference, resolved at deploy", false
		}
		return v, "", true
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64), "", true
	case bool:
		return strconv.FormatBool(v), "", true
	case map[string]any:
		if len(v) != 1 {
			break
		}
		for fn, arg := range v {
			switch fn {
			case "Ref":
				name, _ := arg.(string)
				return vs.ref(name, p)
			case "Fn::Join":
				return vs.join(arg, p, depth)
			case "Fn::Sub":
				return vs.sub(arg, p, depth)
			case "Fn::GetAtt":
				if a, isList := arg.([]any); isList && len(a) == 2 {
					return "", fmt.Sprintf("Fn::GetAtt %v.%v", a[0], a[1]), false
				}
				return "", fmt.Sprintf("Fn::GetAtt %v", arg), false
			case "Fn::ImportValue":
				return "", "Fn::ImportValue, another stack's output", false
			default:
				return "", fn + ", which the runner does not evaluate", false
			}
		}
	}
	b, _ := json.Marshal(v)
	return "", "an expression the runner does not evaluate: " + string(b), false
}

func (vs variables) ref(name string, p Pseudo) (string, string, bool) {
	switch name {
	case "AWS::Region":
		return p.Region, "", true
	case "AWS::AccountId":
		return p.AccountID, "", true
	case "AWS::Partition":
		return p.Partition(), "", true
	case "AWS::URLSuffix":
		return p.urlSuffix(), "", true
	case "AWS::StackName":
		if p.StackName != "" {
			return p.StackName, "", true
		}
	case "AWS::NoValue":
		return "", "", false
	}
	if prm, ok := vs.params[name]; ok {
		if strings.HasPrefix(prm.Type, "AWS::SSM::Parameter::Value") {
			return "", "Ref " + name + ", an SSM parameter read at deploy", false
		}
		if prm.Default != nil {
			s, why, ok := vs.resolve(prm.Default, p, 16)
			if ok && why == "" {
				return s, "", true
			}
		}
		return "", "Ref " + name + ", a parameter without a default", false
	}
	return "", "Ref " + name, false
}

func (vs variables) join(arg any, p Pseudo, depth int) (string, string, bool) {
	a, ok := arg.([]any)
	if !ok || len(a) != 2 {
		return "", "a malformed Fn::Join", false
	}
	sep, ok1 := a[0].(string)
	parts, ok2 := a[1].([]any)
	if !ok1 || !ok2 {
		return "", "Fn::Join of a list the runner does not evaluate", false
	}
	out := make([]string, 0, len(parts))
	for _, part := range parts {
		s, why, ok := vs.resolve(part, p, depth+1)
		if why != "" {
			return "", why, false
		}
		if ok {
			out = append(out, s)
		}
	}
	return strings.Join(out, sep), "", true
}

var subVar = regexp.MustCompile(`\$\{(!?)([^}]*)\}`)

func (vs variables) sub(arg any, p Pseudo, depth int) (string, string, bool) {
	tmpl, isString := arg.(string)
	local := map[string]any{}
	if a, ok := arg.([]any); ok && len(a) == 2 {
		tmpl, isString = a[0].(string)
		m, _ := a[1].(map[string]any)
		maps.Copy(local, m)
	}
	if !isString {
		return "", "a malformed Fn::Sub", false
	}
	var why string
	out := subVar.ReplaceAllStringFunc(tmpl, func(m string) string {
		g := subVar.FindStringSubmatch(m)
		if g[1] == "!" {
			return "${" + g[2] + "}"
		}
		var s, w string
		if v, ok := local[g[2]]; ok {
			s, w, _ = vs.resolve(v, p, depth+1)
		} else if strings.Contains(g[2], ".") {
			w = "Fn::Sub of ${" + g[2] + "}"
		} else {
			s, w, _ = vs.ref(g[2], p)
		}
		if w != "" && why == "" {
			why = w
		}
		return s
	})
	if why != "" {
		return "", why, false
	}
	return out, "", true
}
