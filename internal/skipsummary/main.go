package main

import (
	"fmt"
	"os"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: skipsummary TEST-LOG (the output of go test -v)")
		os.Exit(2)
	}
	f, err := os.Open(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, "skipsummary:", err)
		os.Exit(1)
	}
	defer f.Close()
	reasons, err := summarize(f)
	if err != nil {
		fmt.Fprintln(os.Stderr, "skipsummary:", err)
		os.Exit(1)
	}
	if len(reasons) == 0 {
		fmt.Println("no test skipped")
	}
	for _, r := range reasons {
		fmt.Println(r)
	}
}
