// Package lambdalocal runs a Lambda function's bootstrap on this machine, the
// way the provided.al2023 runtime runs it, in one of two ways:
//
//   - [StartRuntimeAPI] serves this package's own Lambda Runtime API (the
//     custom-runtime protocol: invocation/next, /response, /error,
//     init/error) and starts the bootstrap on the first invocation. It hands
//     a streamed response to the caller as the function writes it, which the
//     emulator below cannot; [RuntimeAPI] satisfies the Invoker and
//     StreamInvoker of package apigwlocal.
//   - [StartEmulator] runs the bootstrap under the AWS Lambda Runtime
//     Interface Emulator (RIE), pinned by [EmulatorVersion] and built on
//     first use into the user cache directory, so no module that uses this
//     package requires it. [RIE] invokes it through the emulator's invoke
//     endpoint. It is the reference the Runtime API is tested against.
//
// A [Pool] scales a function as Lambda does: each concurrent invocation
// runs in an execution environment of its own (a RuntimeAPI and its
// bootstrap process, with its own cold start), an idle environment is
// reused before a new one starts (the most recently used first), one idle
// for [PoolConfig].IdleTimeout is stopped, and an invocation beyond
// [PoolConfig].MaxConcurrency (the function's reserved concurrency) fails at
// once with [ErrThrottled], as Lambda throttles a synchronous invocation
// rather than queue it. [Pool.Drain] retires a pool whose function was
// rebuilt: running invocations, streams included, end on it.
//
// Both run the bootstrap in a process group of their own, so that Close
// leaves no process behind, report each INIT duration (a cold start), and
// read the function's output a line at a time, cutting a line longer than
// 64 KiB (and saying how many bytes were cut) but never ceasing to read it.
//
// The function's environment is what Lambda gives it: the variables the
// caller passes (the template's, and the function's name, memory and
// region) and Lambda's defined ones (TZ, LANG, PATH, LD_LIBRARY_PATH,
// LAMBDA_TASK_ROOT, AWS_LAMBDA_LOG_GROUP_NAME, AWS_LAMBDA_RUNTIME_API...).
// Nothing of this process's environment reaches it: not the developer's AWS
// credentials, not HOME or GOCACHE.
//
// Who may reach a running function: the Runtime API listens on a free
// loopback port and answers only requests that name a loopback Host and
// carry, as the first segment of their path, a 256-bit token that only the
// runtime's AWS_LAMBDA_RUNTIME_API holds ("127.0.0.1:PORT/TOKEN";
// aws-lambda-go builds its URLs as "http://" + that + "/2018-06-01/...").
// Another local process (another user's, say) or a DNS-rebinding web page
// that polls invocation/next gets 403 or 421, never an invocation. The token
// keeps out what cannot read the runtime's environment; a process of the
// same user that can read /proc/PID/environ can also read the developer's
// files, and is not kept out. A runtime that reads the variable as bare
// host:port (not aws-lambda-go) cannot use this Runtime API.
//
// The RIE cannot be closed this way: it is a binary this package does not
// control, and it sets AWS_LAMBDA_RUNTIME_API itself. It listens on two free
// loopback ports (its invoke endpoint and its Runtime API) and nothing else,
// but any local process, or a page that rebinds its name to 127.0.0.1 and
// finds the ports, can invoke the function through it (bypassing any
// authorizer in front) or poll its invocation/next and take invocations with
// their headers. Use the RIE for tests and benchmarks, not to serve requests
// that carry real credentials on a shared machine.
package lambdalocal
