package main

import (
	"os"
	"slices"
	"strings"
	"testing"
)

func TestSummarize(t *testing.T) {
	tests := []struct {
		name string
		log  string
		want []string
	}{
		{name: "go test -v of browser tests without chromium, and others", log: "testdata/test.log", want: []string{
			"5 browser tests skipped: chromium is not installed; apt-get install -y chromium",
			"1 test skipped: load test skipped in -short mode", // not of the form "<kind> test skipped: <why>"
			"1 test skipped: needs a database",
			"1 test skipped: no reason given",
		}},
		{name: "nothing skipped", log: "", want: nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var in string
			if tt.log != "" {
				b, err := os.ReadFile(tt.log)
				if err != nil {
					t.Fatal(err)
				}
				in = string(b)
			}
			reasons, err := summarize(strings.NewReader(in))
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, r := range reasons {
				got = append(got, r.String())
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
		})
	}
}
