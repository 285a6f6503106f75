// Package originverify checks the secret origin header that a CloudFront
// distribution sends, so that a function behind both CloudFront and a public
// API Gateway stage answers only requests that came through the
// distribution.
//
// A [Verifier] holds the accepted values of the secret: its current value
// and, so that a rotation never refuses a request CloudFront signed a moment
// earlier, its previous one (Secrets Manager's AWSCURRENT and AWSPREVIOUS
// stages). It compares in constant time and caches the values:
//   - they are fetched on the first check, then again every [RefreshInterval];
//   - a value that matches neither makes it fetch again, at most once per
//     [RetryInterval], so a rotation is picked up within seconds while a flood
//     of bad requests cannot hammer Secrets Manager;
//   - when a fetch fails, the values it holds stay in use until [MaxStale]
//     after the last successful fetch (the failure is logged); without
//     usable values every check fails closed with an error.
//
// The adapter (restproxy.WithOriginVerifier) answers 403 to a mismatch and
// 503 to an error, and removes the header before the app sees it.
package originverify
