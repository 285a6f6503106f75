// Command skipsummary reads the output of `go test -v` and prints one line
// per reason tests were skipped, such as
//
//	5 browser tests skipped: chromium is not installed; apt-get install -y chromium
//
// or "no test skipped", so that `make test` does not let a skipped test pass
// for a passed one. A skip message of the form "<kind> test skipped: <why>"
// is counted as a <kind> test; any other message is given whole.
//
//	go run ./internal/skipsummary bin/test.log
package main
