package main

import (
	"bufio"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strings"
)

var (
	// "=== RUN   TestX/sub", "=== CONT  TestX": the lines after it are TestX's.
	header = regexp.MustCompile(`^=== (?:RUN|CONT|PAUSE|NAME)\s+(\S+)`)
	// "    --- SKIP: TestX/sub (0.00s)"
	skip = regexp.MustCompile(`^\s*--- SKIP: (\S+) \(`)
	// "    webtest.go:44: chromium is not installed": a test's own message.
	message = regexp.MustCompile(`^\s+[\w.-]+\.go:\d+: (.*)$`)
	// "browser test skipped: why"
	kinded = regexp.MustCompile(`^(\w[\w -]*?) tests? skipped: (.+)$`)
)

// reason is one cause of skips and how many tests it skipped.
type reason struct {
	kind  string // "browser", or "" when the message names none
	why   string
	count int
}

func (r reason) String() string {
	tests := "tests"
	if r.count == 1 {
		tests = "test"
	}
	if r.kind != "" {
		tests = r.kind + " " + tests
	}
	return fmt.Sprintf("%d %s skipped: %s", r.count, tests, r.why)
}

// summarize reads `go test -v` output and returns the reasons for skips,
// most skips first. A test's reason is the last message it logged before
// its --- SKIP line (t.Skip's), or the first one after it (older output).
func summarize(r io.Reader) ([]reason, error) {
	last := map[string]string{} // test → its last message
	current, pendingSkip := "", ""
	var skips []string // message of each skipped test, in order
	record := func(msg string) {
		why := strings.TrimSpace(msg)
		if why == "" {
			why = "no reason given"
		}
		skips = append(skips, why)
	}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 4<<20)
	for sc.Scan() {
		line := sc.Text()
		if m := header.FindStringSubmatch(line); m != nil {
			current = m[1]
			continue
		}
		if m := skip.FindStringSubmatch(line); m != nil {
			if msg, ok := last[m[1]]; ok {
				record(msg)
			} else {
				pendingSkip = m[1] // its message follows
			}
			continue
		}
		if m := message.FindStringSubmatch(line); m != nil {
			if pendingSkip != "" {
				record(m[1])
				pendingSkip = ""
				continue
			}
			if current != "" {
				last[current] = m[1]
			}
			continue
		}
		if pendingSkip != "" && !strings.HasPrefix(line, " ") {
			record("")
			pendingSkip = ""
		}
	}
	if pendingSkip != "" {
		record("")
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read the test log: %w", err)
	}
	byWhy := map[reason]int{}
	for _, msg := range skips {
		k := reason{why: msg}
		if m := kinded.FindStringSubmatch(msg); m != nil {
			k = reason{kind: m[1], why: m[2]}
		}
		byWhy[k]++
	}
	var out []reason
	for k, n := range byWhy {
		k.count = n
		out = append(out, k)
	}
	slices.SortFunc(out, func(a, b reason) int {
		if a.count != b.count {
			return b.count - a.count
		}
		return strings.Compare(a.String(), b.String())
	})
	return out, nil
}
