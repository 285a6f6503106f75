// Package basicauth is the HTTP Basic authentication of an API Gateway REST
// API: a Lambda TOKEN authorizer that checks the Authorization header
// against htpasswd lines with bcrypt hashes (as `htpasswd -nbB` writes them),
// kept in a Secrets Manager secret or, locally, a file.
//
// The rules that make it safe:
//   - Only bcrypt hashes are accepted; a plaintext or other hash in the
//     secret is an error that names the line number, never its content.
//   - A password is checked with bcrypt's constant-time comparison, and an
//     unknown user costs the same bcrypt work as a known one, so the
//     answer's timing does not tell which user names exist.
//   - The parsed secret is kept for a short TTL (60 s by default), so a
//     rotation is picked up without a redeploy; when a refresh fails, the
//     last good copy keeps serving and the failure is logged.
//   - An allowed user gets a policy for every method and path of the stage
//     (the authorizer's result is cached per token for the whole API, so a
//     policy for the first request's method ARN alone would deny the next
//     path), with the user name as principal and in the context ("user").
//   - Every refusal is the error "Unauthorized", which API Gateway answers
//     with 401; the construct's gateway responses add WWW-Authenticate so
//     browsers prompt. A malformed header is a refusal, never a crash.
//   - Neither the Authorization header nor any part of it is logged; a
//     refusal logs only its reason, an allowance the user name.
package basicauth
