// Command bench measures the restproxy adapter against its Go peers
// (aws-lambda-go-api-proxy's httpadapter and algnhsa) with the same handler and
// the same events, as the Lambda runtime sees them (event JSON in, response
// JSON out), checks the peers against the adapter's regression cases, reports
// the size of the stripped bootstrap and its cold start under the Lambda
// runtime interface emulator, and writes RESULTS.md. `make bench` runs it.
package main
