package main

import (
	"fmt"
	"maps"
	"slices"

	"github.com/goapigw/webapp/function/restproxy"
	"github.com/goapigw/webapp/infra/assembly"
)

// The adapter's contract for origin verification: the distribution sends
// the secret in restproxy.OriginVerifyHeader; the function reads it from the
// file named by restproxy.OriginVerifySecretFileEnv, or from Secrets Manager
// by the ARN in restproxy.OriginVerifySecretArnEnv, which the construct sets.
const (
	originVerifyHeader        = restproxy.OriginVerifyHeader
	originVerifySecretFileEnv = restproxy.OriginVerifySecretFileEnv
	originVerifySecretArnEnv  = restproxy.OriginVerifySecretArnEnv
)

// verifiesOrigin reports whether the function checks CloudFront's origin
// header: the construct gave it the secret's ARN.
func verifiesOrigin(fn assembly.Function) bool {
	_, set := fn.Environment[originVerifySecretArnEnv]
	return set || slices.Contains(fn.Unresolved, originVerifySecretArnEnv)
}

// localOriginSecret stands in for the stack's origin-verification secret,
// whose ARN only resolves at deploy: for a function that checks the origin
// header, it generates a random secret for this run, writes it to a 0600
// file in dir, and returns the function with ORIGIN_VERIFY_SECRET_FILE
// naming that file in place of the ARN, and the secret for the CloudFront
// door to send. A function that does not check gets itself and "". The
// secret is never printed.
func localOriginSecret(fn assembly.Function, dir string) (assembly.Function, string, error) {
	if !verifiesOrigin(fn) {
		return fn, "", nil
	}
	secret := randomHex(32)
	file, err := writeSecret(dir, "origin-verify-secret", secret)
	if err != nil {
		return fn, "", fmt.Errorf("the origin-verification secret: %w", err)
	}
	fn.Environment = maps.Clone(fn.Environment)
	if fn.Environment == nil {
		fn.Environment = map[string]string{}
	}
	delete(fn.Environment, originVerifySecretArnEnv)
	fn.Environment[originVerifySecretFileEnv] = file
	fn.Unresolved = slices.DeleteFunc(slices.Clone(fn.Unresolved), func(k string) bool { return k == originVerifySecretArnEnv })
	return fn, secret, nil
}
