package lambdaweb_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestReadmeSnippetIsTheExample keeps the README's embedding snippet equal to
// ExampleNewWebApp, which make test compiles and runs.
func TestReadmeSnippetIsTheExample(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join(moduleDir, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, after, ok := strings.Cut(string(readme), "## Embed the construct")
	if !ok {
		t.Fatal("README has no embedding section")
	}
	_, block, ok := strings.Cut(after, "```go\n")
	if !ok {
		t.Fatal("README's embedding section has no Go snippet")
	}
	snippet, _, _ := strings.Cut(block, "```")

	example, err := os.ReadFile("example_test.go")
	if err != nil {
		t.Fatal(err)
	}
	_, body, _ := strings.Cut(string(example), "func ExampleNewWebApp() {\n")
	body, _, _ = strings.Cut(body, "\tfmt.Println")

	norm := func(s string) string {
		var lines []string
		for l := range strings.SplitSeq(s, "\n") {
			if l = strings.TrimSpace(l); l != "" {
				lines = append(lines, l)
			}
		}
		return strings.Join(lines, "\n")
	}
	if got, want := norm(snippet), norm(body); got != want {
		t.Errorf("README snippet differs from ExampleNewWebApp:\nREADME:\n%s\n\nexample:\n%s", got, want)
	}
}
