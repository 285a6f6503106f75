// Package lambdalocal runs a Lambda function's bootstrap on this machine, the
// way the provided.al2023 runtime runs it: under the AWS Lambda Runtime
// Interface Emulator (RIE), pinned by [EmulatorVersion] and built on first
// use into the user cache directory, so no module that uses this package
// requires the emulator.
//
// [StartEmulator] starts a bootstrap under the emulator on free loopback
// ports, in a process group of its own so that Close leaves no process
// behind, and reports each INIT duration (a cold start). [RIE] invokes it
// through the emulator's invoke endpoint and satisfies the Invoker of
// package apigwlocal. The local stack and the cold-start benchmark both use
// it.
package lambdalocal
