package awslimits

import "time"

// Lambda's limits ("Lambda quotas", Lambda developer guide).
const (
	// LambdaSyncPayloadBytes is the largest synchronous invocation payload,
	// each way: "6 MB each for request and response". Lambda (and its
	// runtime interface emulator) accepts a response of up to 6 MiB plus 100
	// bytes of framing, 6,291,556 bytes, and refuses one byte more.
	LambdaSyncPayloadBytes = 6_291_556

	// LambdaStreamedResponseBytes is the largest streamed response: "200 MB
	// for each request" with response streaming.
	LambdaStreamedResponseBytes = 200 << 20

	// LambdaMaxTimeout is the longest a function may run: 900 seconds.
	LambdaMaxTimeout = 900 * time.Second
)

// API Gateway REST API limits ("Amazon API Gateway quotas", API Gateway
// developer guide, and "Stream the integration response for your proxy
// integrations in API Gateway").
const (
	// APIGatewayPayloadBytes is the largest request payload a REST API
	// accepts: 10 MB.
	APIGatewayPayloadBytes = 10 << 20

	// APIGatewayDefaultIntegrationTimeout is the integration timeout of a
	// buffered REST API, and the most it may be raised to without a quota
	// increase: 29 seconds.
	APIGatewayDefaultIntegrationTimeout = 29 * time.Second

	// APIGatewayMaxStreamTimeout is the longest integration timeout of a
	// streamed response: 15 minutes.
	APIGatewayMaxStreamTimeout = 15 * time.Minute

	// APIGatewayStreamFullSpeedBytes is how much of a streamed response API
	// Gateway sends without bandwidth limit: the first 10 MB.
	APIGatewayStreamFullSpeedBytes = 10 << 20

	// APIGatewayStreamThrottledBytesPerSecond is the bandwidth of a streamed
	// response past APIGatewayStreamFullSpeedBytes: 2 MB/s.
	APIGatewayStreamThrottledBytesPerSecond = 2 << 20

	// APIGatewayAuthorizerTimeout is how long API Gateway waits for a Lambda
	// authorizer before answering 500: 10 seconds.
	APIGatewayAuthorizerTimeout = 10 * time.Second

	// APIGatewayMaxAuthorizerCacheTTL is the longest an authorizer's answer
	// may be cached: 3600 seconds.
	APIGatewayMaxAuthorizerCacheTTL = 3600 * time.Second
)
