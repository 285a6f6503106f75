package main

import (
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/goapigw/webapp/infra/assembly"
)

// localAccount is the account the pseudo parameter AWS::AccountId stands for
// when the stack pins none.
const localAccount = "000000000000"

// envVars is an -env-vars file, as sam local start-api reads it: an object
// whose keys are "Parameters" (every function) or a function (its logical
// ID, its construct path, or its WebApp's construct path), each holding
// variables to set or override.
type envVars struct {
	file string
	sets map[string]map[string]string
}

// readEnvVars reads an -env-vars file. As SAM does, a number or a boolean
// is taken as its text, and null, an object or a list as "" (with a
// warning, returned).
func readEnvVars(file string) (envVars, []string, error) {
	b, err := os.ReadFile(file)
	if err != nil {
		return envVars{}, nil, fmt.Errorf("-env-vars: %w", err)
	}
	var raw map[string]map[string]json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return envVars{}, nil, fmt.Errorf(`-env-vars %s: %w (want {"Parameters": {"NAME": "value"}, "<logical ID or construct path>": {...}})`, file, err)
	}
	ev := envVars{file: file, sets: map[string]map[string]string{}}
	var warnings []string
	for key, vars := range raw {
		ev.sets[key] = map[string]string{}
		for name, v := range vars {
			var s string
			var x any
			_ = json.Unmarshal(v, &x)
			switch x := x.(type) {
			case string:
				s = x
			case float64, bool:
				s = strings.TrimSpace(string(v))
			default:
				warnings = append(warnings, fmt.Sprintf("-env-vars %s: %s.%s is not a string, number or boolean; it is set to \"\", as SAM does", file, key, name))
			}
			ev.sets[key][name] = s
		}
	}
	return ev, warnings, nil
}

// forFunction is what the file sets for one function, from the least
// specific key to the most: Parameters, then the WebApp's construct path,
// then the function's logical ID, then its construct path. It returns the
// variables and the keys it used.
func (ev envVars) forFunction(keys ...string) map[string]string {
	out := map[string]string{}
	for _, k := range append([]string{"Parameters"}, keys...) {
		if k != "" {
			maps.Copy(out, ev.sets[k])
		}
	}
	return out
}

// lambdaName is the function's name locally: the template's FunctionName,
// else what CloudFormation would start it with ("<stack>-<logical ID>",
// without the random suffix it adds), at most 64 characters.
func lambdaName(fn assembly.Function, stackName, logicalID string) string {
	if fn.Name != "" {
		return fn.Name
	}
	name := logicalID
	if stackName != "" {
		name = stackName + "-" + logicalID
	}
	if len(name) > 64 {
		name = name[:64]
	}
	return name
}

// prepareEnvironment settles the environments of app's functions for a
// local run: it resolves the template's variables (pseudo parameters with
// shellRegion, the region -aws-credentials takes from the shell, if any,
// else the stack's pinned region, else "local"; the stack's pinned account,
// else localAccount), adds what Lambda tells a function about itself (its
// name, its log group, the region), applies -env-vars, and writes to out
// what it could not resolve and which names -env-vars set, never their
// values.
func prepareEnvironment(app *assembly.WebApp, shellRegion string, ev envVars, out io.Writer) {
	p := app.Pseudo(assembly.Pseudo{Region: "local", AccountID: localAccount})
	p.Region = cmp.Or(shellRegion, p.Region)
	app.Resolve(p)
	type fnOf struct {
		fn        *assembly.Function
		role      string
		logicalID string
		keys      []string
		skip      []string // unresolved variables the runner stands in for
	}
	fns := []fnOf{{fn: &app.Function, role: "the function", logicalID: app.Record.Function,
		keys: []string{app.Construct, app.Record.Function, app.Function.Path}, skip: append([]string{originVerifySecretArnEnv}, loginVars...)}}
	if app.AuthorizerFunction != nil && app.Authorizer != nil {
		fns = append(fns, fnOf{fn: app.AuthorizerFunction, role: "the authorizer", logicalID: app.Authorizer.Function,
			keys: []string{app.Authorizer.Function, app.AuthorizerFunction.Path}, skip: []string{"BASIC_AUTH_SECRET_ID"}})
	}
	known := map[string]bool{"Parameters": true}
	for _, f := range fns {
		env := map[string]string{}
		name := lambdaName(*f.fn, app.StackName, f.logicalID)
		env["AWS_LAMBDA_FUNCTION_NAME"] = name
		env["AWS_LAMBDA_LOG_GROUP_NAME"] = cmp.Or(f.fn.LogGroup, "/aws/lambda/"+name)
		env["AWS_REGION"], env["AWS_DEFAULT_REGION"] = p.Region, p.Region
		maps.Copy(env, f.fn.Environment)
		set := ev.forFunction(f.keys...)
		maps.Copy(env, set)
		f.fn.Environment = env
		for _, k := range f.keys {
			known[k] = k != ""
		}
		if len(set) > 0 {
			fmt.Fprintf(out, "      -env-vars %s sets %s for %s\n", ev.file, strings.Join(slices.Sorted(maps.Keys(set)), ", "), f.role)
		}
		for _, k := range f.fn.Unresolved {
			if _, ok := set[k]; ok || slices.Contains(f.skip, k) {
				continue
			}
			fmt.Fprintf(out, "      not resolved locally: %s (%s) of %s: set it with -env-vars\n", k, cmp.Or(f.fn.UnresolvedWhy[k], "resolved at deploy"), f.role)
		}
		// A variable -env-vars sets is resolved now.
		f.fn.Unresolved = slices.DeleteFunc(slices.Clone(f.fn.Unresolved), func(k string) bool { _, ok := set[k]; return ok })
	}
	for _, k := range slices.Sorted(maps.Keys(ev.sets)) {
		if !known[k] {
			fmt.Fprintf(out, "      warning: -env-vars %s names %q, which is not a function of %s (keys: Parameters, %s, %s, %s); ignored\n",
				ev.file, k, app.Construct, app.Construct, app.Record.Function, cmp.Or(app.Function.Path, strconv.Quote("")))
		}
	}
}
