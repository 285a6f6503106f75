// Package apigwlocal emulates an API Gateway REST API with Lambda proxy
// integrations on loopback, for local runs and tests: a [Gateway] is an
// http.Handler that turns each HTTP request into the REST proxy event (payload
// 1.0) that API Gateway would send, hands it to an [Invoker] (a runtime of
// package lambdalocal, or an in-process handler), and applies API Gateway's
// rules to the answer.
//
// A Gateway serves one front door, chosen by [Config]: the stage URL
// ("/prod/..."; requests outside the stage get API Gateway's 403) or a custom
// domain with an optional base path, whose event keeps the base path in
// "path" exactly as AWS does. What it reproduces:
//   - path, requestContext.path, resource and decoded pathParameters from the
//     API's resource templates ("/", "/{proxy+}", "/items/{id}");
//   - headers and query strings in both single- and multi-value forms, with
//     decoded query values; requestContext with requestId, sourceIp, stage;
//   - request bodies base64-encoded when their Content-Type matches a binary
//     media type ("*/*" matches every body);
//   - on the way back: base64 decoding, multiValueHeaders, a 504 {"message":
//     "Endpoint request timed out"} after the integration timeout, the 10 MB
//     request and 6 MB Lambda payload limits, and a 502 {"message": "Internal
//     server error"} for a failed or malformed invocation, a 500 with the
//     same body when Lambda throttles it (an Invoker's error that
//     [Throttled] recognizes, such as lambdalocal.ErrThrottled);
//   - response transfer mode STREAM ([Config].Streaming, with a
//     [StreamInvoker]): the streaming format's prelude, the body forwarded as
//     it arrives, the 200 MB limit, the idle timeout and, optionally, the
//     2 MB/s past the first 10 MB;
//   - a Lambda TOKEN authorizer ([TokenAuthorizer]) on the Authorization
//     header: its 10 s timeout, its policy checked against the method ARN,
//     its result cache, and the 401/403 answers.
//
// The limits come from package awslimits (AWS's documentation), never from
// the adapter the gateway checks. [Invocation].Path, for access logs, has no
// query string.
//
// A Gateway answers whatever Host a request names, as a handler in tests
// must; a server that listens on a port wraps it so that it answers only
// loopback hosts (the local stack does).
//
// It is not a full API Gateway: no REQUEST authorizers, usage plans, API
// keys, mapping templates or caching.
package apigwlocal
