// Package gobuild compiles a Go main package into a Lambda bootstrap for
// provided.al2023 and hashes what that binary is built from. The construct's
// bundling (package lambdaweb) and the local stack both use it, so what runs
// locally is built the way cdk deploy builds it.
//
// The recipe: GOOS=linux, GOARCH from the function's architecture,
// CGO_ENABLED=0, and [Flags] (-trimpath, -tags lambda.norpc, stripped,
// -buildvcs=false). Anything else the go command reads from the environment
// or from `go env -w` (GOFLAGS, GOEXPERIMENT, a workspace) applies as it
// would to go build, and so it is part of [Build.SourceHash]. A local run
// keeps paths ([Build.KeepPaths]: no -trimpath), the one difference, so
// that its build reuses what compiling the CDK app put in the build cache.
//
// The package needs only the standard library: a tool that imports it does
// not compile the CDK.
package gobuild
