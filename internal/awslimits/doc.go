// Package awslimits holds the limits AWS documents for Lambda and API
// Gateway REST APIs that both halves of this repository need: the code that
// ships in a function (the adapter) and the code that checks it (the local
// emulators, the construct's validation).
//
// The rule this package exists for: an emulator never reads a limit from the
// code it checks. If the adapter defined the 6 MB response limit and the
// emulator took it from there, a wrong value would pass every local test and
// fail in AWS. Each constant here is copied from AWS's documentation (cited
// beside it) and is the one place either half takes it from.
package awslimits
