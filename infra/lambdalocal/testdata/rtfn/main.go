// Command rtfn is a test function for the two runtimes of package
// lambdalocal: what it does depends on the event's "mode".
package main

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
)

type event struct {
	Mode  string `json:"mode"`
	N     int    `json:"n"`
	Delay int    `json:"delayMs"`
}

// chunks streams n chunks of "chunk k\n", one every delay; with fail, the
// stream ends with an error after the chunks.
type chunks struct {
	n, k  int
	delay time.Duration
	fail  bool
}

func (c *chunks) Read(p []byte) (int, error) {
	if c.k >= c.n {
		if c.fail {
			return 0, errors.New("the stream broke")
		}
		return 0, io.EOF
	}
	if c.k > 0 {
		time.Sleep(c.delay)
	}
	c.k++
	return copy(p, "chunk "+itoa(c.k)+"\n"), nil
}

func itoa(n int) string {
	b, _ := json.Marshal(n)
	return string(b)
}

func handle(ctx context.Context, raw json.RawMessage) (any, error) {
	var e event
	_ = json.Unmarshal(raw, &e)
	switch e.Mode {
	case "error":
		return nil, errors.New("boom")
	case "panic":
		panic("kaboom")
	case "exit":
		os.Exit(3)
	case "sleep":
		time.Sleep(time.Duration(e.Delay) * time.Millisecond)
		return map[string]string{"slept": itoa(e.Delay)}, nil
	case "bigline":
		// One log line of n bytes, then an answer.
		os.Stdout.WriteString(strings.Repeat("x", e.N) + "\n")
		return map[string]int{"printed": e.N}, nil
	case "big":
		return map[string]string{"big": strings.Repeat("x", e.N)}, nil
	case "stream":
		return io.Reader(&chunks{n: e.N, delay: time.Duration(e.Delay) * time.Millisecond}), nil
	case "streamerr":
		return io.Reader(&chunks{n: e.N, delay: time.Duration(e.Delay) * time.Millisecond, fail: true}), nil
	case "env":
		return map[string]string{"timeout": os.Getenv("AWS_LAMBDA_FUNCTION_TIMEOUT"), "deadlineSet": itoa(boolInt(ctx))}, nil
	}
	return map[string]json.RawMessage{"echo": raw}, nil
}

func boolInt(ctx context.Context) int {
	if _, ok := ctx.Deadline(); ok {
		return 1
	}
	return 0
}

func main() { lambda.Start(handle) }
