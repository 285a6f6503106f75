// Package lambdaweb provides WebApp, a CDK construct that serves a Go net/http
// app from AWS Lambda (provided.al2023) behind an API Gateway REST API, with an
// optional regional custom domain and an optional CloudFront distribution.
//
// The construct compiles the Go main package itself during synthesis with the
// local Go toolchain (GOOS=linux, CGO_ENABLED=0, -tags lambda.norpc, stripped,
// -trimpath): no Docker and no separate build step. The asset hash covers the
// Go and embedded files of every package of the module that the main package
// imports, go.mod, go.sum, the Go version and the build flags, with paths
// relative to the module, so the same sources give the same hash in any
// checkout and a changed embedded file gives a new one. Stacks that the CDK CLI
// is not bundling (its aws:cdk:bundling-stacks context) are not compiled.
//
// What it provisions:
//   - a REST API with "/" and "/{proxy+}", both ANY, as Lambda proxy
//     integrations with an explicit integration timeout (29 s by default), binary
//     media type "*/*", a regional endpoint, and a stage ("prod" by default) with
//     JSON access logs, ERROR execution logs, metrics and throttling;
//   - the function: 1024 MB, 30 s and arm64 by default, its own log group with a
//     retention, a role that may write to that log group only, and the
//     integration timeout in APIGW_INTEGRATION_TIMEOUT_MS so that the adapter
//     answers 504 before API Gateway gives up;
//   - with CustomDomain: a regional domain name with TLS 1.2, a base-path
//     mapping (the root by default) and, given a hosted zone, alias A/AAAA
//     records;
//   - with CloudFront: a distribution that redirects HTTP to HTTPS, passes every
//     method, query string and cookie through uncached to the stage, adds
//     security headers, and sends the origin header X-Forwarded-Prefix: / so
//     the function knows its links start at the root.
//
// Props are validated before anything is created: a bad value panics with a
// message that names the prop, the value and the fix. Values that are CDK
// tokens are not checked. Defaults are applied to a copy of the props.
//
// Rules of cdk-nag's AwsSolutions pack that do not apply are acknowledged in
// the resources' metadata with a reason, so a stack using the construct passes
// a cdk-nag check without suppressions of its own.
package lambdaweb
