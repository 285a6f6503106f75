// Package assembly reads what the WebApp construct (package lambdaweb)
// records in a synthesized CDK cloud assembly, so that local tools can find
// every WebApp of any CDK app and run it as deployed.
//
// The construct writes one [Record] as metadata under [MetadataKey] on its
// REST API resource: its construct path, the Go main package and module it
// builds, and the logical ID of its function. [Read] walks an assembly
// directory (cdk.out, nested stages included), and returns every WebApp it
// finds, each with the API and function settings read from its stack's
// template: stage, resources, binary media types, integration timeout,
// memory, timeout, architecture and environment.
//
// The package needs only the standard library, so that a command that uses
// it does not compile the CDK; the construct imports it for the key and the
// record type, so the writer and the reader cannot drift apart.
package assembly
