// Package basicauth is the HTTP Basic authentication of an API Gateway REST
// API: a Lambda TOKEN authorizer that checks the Authorization header
// against htpasswd lines with bcrypt hashes (as `htpasswd -nbB` writes them),
// kept in a Secrets Manager secret or, locally, a file.
//
// The rules that make it safe:
//   - Only bcrypt hashes are accepted; a plaintext or other hash in the
//     secret is an error that names the line number, never its content.
//   - The answer's timing does not tell which user names exist. A password
//     is checked with bcrypt's constant-time comparison, and an unknown user
//     is checked against a dummy hash of the same cost as every known one:
//     a file whose hashes have different costs is refused (the error names
//     the users of each cost), since no single dummy could match them all.
//   - The cost is at most MaxCost (12: about 250 ms a check at 256 MB); a
//     higher one is refused with the htpasswd -C command that fixes it, so a
//     file cannot push the authorizer past its 10 s timeout. The dummy hash
//     is made once per cost per process, outside the lock that guards the
//     parsed secret.
//   - A removal always takes effect. The parsed secret is kept for a TTL
//     (60 s by default), then read again. A secret that is read but refused
//     (a line that is not bcrypt, mixed or too high costs, no users) lets
//     nobody in until it is fixed: the copy before it is dropped at once,
//     never kept. A secret that cannot be read (an outage, throttling)
//     leaves the last good copy serving for MaxStale (15 min) after it was
//     read, or the TTL if longer; then nobody gets in until it is read
//     again. Nobody getting in is an error, which API Gateway answers with
//     500, not 401: the browser does not prompt for a password that cannot
//     help. A failed refresh is retried after RetryAfterFailure (10 s).
//     API Gateway's own cache of allowed tokens (the construct's
//     ResultsCacheTtl) adds to these bounds for a token it already holds.
//   - Every failed refresh is logged at level ERROR with the metric
//     MetricRefreshFailures (namespace MetricNamespace, dimension
//     FunctionName) in CloudWatch's embedded metric format: CloudWatch
//     Logs makes it a data point, no API call; the lambdaweb construct's
//     Monitoring alarms on it.
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
