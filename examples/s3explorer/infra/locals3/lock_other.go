//go:build !unix

package locals3

func lock(string) (func(), error) { return func() {}, nil }
