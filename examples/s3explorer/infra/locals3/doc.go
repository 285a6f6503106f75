// Package locals3 runs a real S3-compatible server on this machine for the
// explorer's local runs and tests: versitygw (github.com/versity/versitygw,
// Apache-2.0) with its posix backend, built once per version with `go
// install` into the user cache directory, listening on loopback only, with
// its objects in a directory of files. [Seed] fills a bucket with the
// sample data the README describes.
//
// The first build takes minutes (about 3 minutes on a busy 2-core machine
// with an empty module cache); later runs start in well under a second.
package locals3
