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
//     method, query string and cookie to the stage, keeps at the edge only what
//     the app's Cache-Control marks cacheable, adds security headers, and sends
//     the origin header X-Forwarded-Prefix: / so the function knows its links
//     start at the root;
//   - with ResponseStreaming: STREAM integrations (InvokeWithResponseStream),
//     integration timeouts up to 15 minutes, and APIGW_RESPONSE_TRANSFER_MODE
//     so that the adapter answers in the streaming format;
//   - with BasicAuth: a Go TOKEN authorizer on both methods, built from this
//     module, reading htpasswd lines (bcrypt) from one Secrets Manager secret,
//     and 401 gateway responses with WWW-Authenticate;
//   - with Login: a Cognito user pool (or an existing one, or any OpenID
//     Connect provider), a managed-login domain, an app client with the
//     authorization-code grant only whose callback and sign-out URLs are every
//     front door's, the client secret and a generated session key in Secrets
//     Manager, and LOGIN_* variables with their ARNs for package
//     function/login, which may read those two secrets only;
//   - with Deployment: a function version per change (the version's
//     logical ID hashes the function's configuration, so a configuration-only
//     change publishes one too), the alias "live" that both methods invoke
//     and that API Gateway's permissions name, a CodeDeploy deployment group
//     (canary 10 % for 5 minutes by default) that rolls back on alarms on the
//     new version alone (the adapter's 5xx share, Lambda errors, p99
//     duration) and on a failed pre-traffic hook (function/deployhook, built
//     from this module, which may invoke the new version only);
//   - with Tracing, ReservedConcurrency, Monitoring and Waf: X-Ray, a cap on
//     concurrency, alarms and a dashboard, and web ACLs.
//
// The escape hatches (FunctionProps, RestApiProps) are merged first; props
// and the merged result are validated before anything is created: a bad
// value panics with a message that names the prop, the value and the fix.
// Values that are CDK tokens are not checked. Defaults are applied to a copy
// of the props.
//
// The construct records what local tools need (package assembly) as
// lambdaweb:webapp metadata on its REST API. Rules of cdk-nag's AwsSolutions
// pack and AWS Control Tower's proactive controls that do not apply are
// acknowledged in the resources' metadata with a reason, so a stack using the
// construct passes both checks without suppressions of its own.
package lambdaweb
