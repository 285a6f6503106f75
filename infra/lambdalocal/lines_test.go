package lambdalocal

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"testing"
)

func TestReadLines(t *testing.T) {
	long := strings.Repeat("y", maxLineBytes+10)
	tests := []struct {
		name string
		in   string
		want []string
	}{
		{name: "lines", in: "a\nb\r\nc", want: []string{"a", "b", "c"}},
		{name: "empty lines", in: "\n\nx\n", want: []string{"", "", "x"}},
		{name: "exactly the limit", in: strings.Repeat("z", maxLineBytes-1) + "\nnext\n", want: []string{strings.Repeat("z", maxLineBytes-1), "next"}},
		{name: "long line, cut", in: long + "\nnext\n", want: []string{long[:maxLineBytes] + "… (10 bytes cut)", "next"}},
		{name: "long line without an end", in: long, want: []string{long[:maxLineBytes] + "… (10 bytes cut)"}},
		{name: "2 MiB line", in: strings.Repeat("w", 2<<20) + "\nok\n", want: []string{strings.Repeat("w", maxLineBytes) + fmt.Sprintf("… (%d bytes cut)", 2<<20-maxLineBytes), "ok"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pr, pw := io.Pipe()
			go func() {
				// Small writes, as a process writes its output.
				for s := tt.in; s != ""; {
					n := min(len(s), 4096)
					_, _ = pw.Write([]byte(s[:n]))
					s = s[n:]
				}
				pw.Close()
			}()
			var got []string
			readLines(pr, func(l string) { got = append(got, l) })
			if !slices.Equal(got, tt.want) {
				t.Errorf("got %d lines %.80q, want %d lines %.80q", len(got), got, len(tt.want), tt.want)
			}
		})
	}
}
