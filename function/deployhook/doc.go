// Command deployhook is the pre-traffic hook of the lambdaweb construct's
// Deployment: CodeDeploy invokes it after publishing the new version of the
// web app's function and before shifting any traffic to it. It sends an API
// Gateway REST proxy event for each smoke test straight to the new version
// (lambda:Invoke on the version's ARN, never through API Gateway), compares
// the status with the expected one, and reports Succeeded or Failed with
// codedeploy:PutLifecycleEventHookExecutionStatus. A failure logs the path,
// the status and the start of the answer's body.
//
// It always reports: each invocation has a budget that ends well before
// the hook's own deadline, a panic is recovered, and every one of them is
// a Failed report, so a deployment never waits the hour CodeDeploy gives a
// silent hook. Only a report that CodeDeploy refuses is returned as an
// error (Lambda then retries the asynchronous invocation).
//
// # The smoke event and sign-in
//
// The event is one that API Gateway could not have produced for a caller:
// requestContext.domainName is "deployhook.invalid" (an .invalid name
// exists nowhere, so no custom domain can carry it; the adapter treats it
// like a custom domain and does not ask for CloudFront's origin header),
// and with BasicAuth or Login the event carries
// requestContext.authorizer.principalId = DEPLOY_HOOK_PRINCIPAL, which
// restproxy.PrincipalFromContext and identity.UserFromContext read as the
// signed-in user. Nothing on the internet can send such an event: API
// Gateway builds requestContext itself (a caller's headers and body never
// reach it), and it sets authorizer.principalId only from the stack's own
// authorizer's answer. The only way in is lambda:InvokeFunction on the
// function, which the construct grants to API Gateway (through the API's
// methods, whose events API Gateway builds) and to this hook (on the one
// new version). Whoever else may invoke the function in the account could
// send any event at all; that is an IAM boundary, not the app's.
//
// Environment (set by the construct):
//
//	DEPLOY_HOOK_TARGET      the new version's ARN (changes on every deploy)
//	DEPLOY_HOOK_SMOKE_TESTS JSON [{"path":"/","status":200}, …]
//	DEPLOY_HOOK_STAGE       the API's stage name, for requestContext
//	DEPLOY_HOOK_PRINCIPAL   the principal to sign the event in as; unset: none
package main
