package lambdalocal

import (
	"crypto/rand"
	"encoding/hex"
	"maps"
	"slices"
	"strings"
	"time"
)

// Lambda's defined runtime environment variables for provided.al2023 ("Using
// Lambda environment variables", Lambda developer guide), with /var/task
// where the local bootstrap is. AWS_EXECUTION_ENV is not among them: Lambda
// does not define it for OS-only runtimes.
const (
	lambdaPath          = "/usr/local/bin:/usr/bin/:/bin:/opt/bin"
	lambdaLibraryPath   = "/var/lang/lib:/lib64:/usr/lib64:/var/runtime:/var/runtime/lib:{task}:{task}/lib:/opt/lib"
	lambdaRuntimeDir    = "/var/runtime"
	lambdaDefaultRegion = "us-east-1"
)

// functionEnv is the whole environment of a function's runtime: the
// variables Lambda defines for every function (the task root being
// taskRoot), overridden by given (the template's variables and what the
// caller knows of the function: AWS_LAMBDA_FUNCTION_NAME, its memory, its
// region...), overridden by forced (the runtime's own, such as
// AWS_LAMBDA_RUNTIME_API). Nothing comes from this process's environment:
// the developer's shell, its AWS credentials and its HOME stay out, as they
// are out of a function in Lambda; a caller that wants credentials in must
// put them in given.
func functionEnv(taskRoot string, given []string, forced ...string) []string {
	env := map[string]string{}
	set := func(kvs []string) {
		for _, kv := range kvs {
			if k, v, ok := strings.Cut(kv, "="); ok && k != "" {
				env[k] = v
			}
		}
	}
	set(given)
	name := env["AWS_LAMBDA_FUNCTION_NAME"]
	if name == "" {
		name = "function"
	}
	region := env["AWS_REGION"]
	if region == "" {
		region = lambdaDefaultRegion
	}
	var id [16]byte
	_, _ = rand.Read(id[:])
	env = map[string]string{
		"AWS_LAMBDA_FUNCTION_NAME":        name,
		"AWS_LAMBDA_FUNCTION_VERSION":     "$LATEST",
		"AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "128",
		"AWS_LAMBDA_INITIALIZATION_TYPE":  "on-demand",
		"AWS_LAMBDA_LOG_GROUP_NAME":       "/aws/lambda/" + name,
		"AWS_LAMBDA_LOG_STREAM_NAME":      time.Now().UTC().Format("2006/01/02") + "/[$LATEST]" + hex.EncodeToString(id[:]),
		"AWS_REGION":                      region,
		"AWS_DEFAULT_REGION":              region,
		"TZ":                              ":UTC",
		"LANG":                            "en_US.UTF-8",
		"PATH":                            lambdaPath,
		"LD_LIBRARY_PATH":                 strings.ReplaceAll(lambdaLibraryPath, "{task}", taskRoot),
		"LAMBDA_TASK_ROOT":                taskRoot,
		"LAMBDA_RUNTIME_DIR":              lambdaRuntimeDir,
		"_HANDLER":                        "bootstrap",
	}
	set(given)
	set(forced)
	env["LAMBDA_TASK_ROOT"] = taskRoot
	out := make([]string, 0, len(env))
	for _, k := range slices.Sorted(maps.Keys(env)) {
		out = append(out, k+"="+env[k])
	}
	return out
}
