package lambdalocal

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
)

// maxLineBytes is the longest line of output handed on whole: a longer one
// is cut to its first maxLineBytes and a note of how many bytes were cut.
// (CloudWatch Logs keeps at most 256 KB of an event; a terminal needs less.)
const maxLineBytes = 64 << 10

// readLines hands each line of r to line, without its line ending, until r
// ends. A line of any length is read to its end, so the writer never blocks
// on a reader that gave up: a function whose output nobody reads stops at
// its next write.
func readLines(r io.Reader, line func(string)) {
	br := bufio.NewReaderSize(r, maxLineBytes)
	for {
		b, err := br.ReadSlice('\n')
		if err == bufio.ErrBufferFull {
			head := string(b)
			cut := 0
			for err == bufio.ErrBufferFull {
				b, err = br.ReadSlice('\n')
				cut += len(bytes.TrimSuffix(bytes.TrimSuffix(b, []byte("\n")), []byte("\r")))
			}
			line(fmt.Sprintf("%s… (%d bytes cut)", head, cut))
		} else if len(b) > 0 {
			line(string(bytes.TrimSuffix(bytes.TrimSuffix(b, []byte("\n")), []byte("\r"))))
		}
		if err != nil {
			// io.EOF, or a read error of the pipe: keep the writer going.
			_, _ = io.Copy(io.Discard, r)
			return
		}
	}
}
