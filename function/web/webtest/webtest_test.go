package webtest

import (
	"fmt"
	"runtime"
	"testing"
)

// stopTB records how a test ended: Skip and Fatal stop the goroutine as
// testing's do.
type stopTB struct {
	testing.TB
	how, msg string
}

func (s *stopTB) Helper() {}
func (s *stopTB) Skip(args ...any) {
	s.how, s.msg = "skip", fmt.Sprint(args...)
	runtime.Goexit()
}
func (s *stopTB) Fatal(args ...any) {
	s.how, s.msg = "fatal", fmt.Sprint(args...)
	runtime.Goexit()
}

func TestChromiumMissing(t *testing.T) {
	tests := []struct {
		ci, want string
	}{
		{ci: "", want: "skip"},
		{ci: "false", want: "skip"},
		{ci: "true", want: "fatal"},
		{ci: "1", want: "fatal"},
	}
	for _, tt := range tests {
		t.Run("CI="+tt.ci, func(t *testing.T) {
			t.Setenv("PATH", t.TempDir()) // no chromium on it
			t.Setenv("CI", tt.ci)
			tb := &stopTB{TB: t}
			done := make(chan string, 1)
			go func() {
				defer func() { done <- tb.how }()
				p := Chromium(tb)
				tb.how = "found " + p
			}()
			if got := <-done; got != tt.want {
				t.Errorf("got %s (%q), want %s", got, tb.msg, tt.want)
			}
			if tt.want == "skip" && tb.msg != SkipMessage {
				t.Errorf("skip message: got %q, want %q", tb.msg, SkipMessage)
			}
		})
	}
}
