package main

import (
	"strings"
	"testing"
)

// TestStreamingTable runs the streaming measurement once (it takes a few
// seconds) and checks the table has every row, measured.
func TestStreamingTable(t *testing.T) {
	if testing.Short() {
		t.Skip("measures real runtimes")
	}
	table, err := streamingTable()
	if err != nil {
		t.Fatal(err)
	}
	for _, row := range []string{"| 1 MB | ", "| 10 MB | ", "| 50 MB | "} {
		if !strings.Contains(table, row) {
			t.Errorf("no row %q in\n%s", row, table)
		}
	}
	if strings.Contains(table, "| 0.0 ms") {
		t.Errorf("a time was not measured:\n%s", table)
	}
	t.Log("\n" + table)
}

// TestAuthorizerTable measures the authorizer a few times and checks that
// every figure was measured.
func TestAuthorizerTable(t *testing.T) {
	if testing.Short() {
		t.Skip("measures real runtimes")
	}
	table, err := authorizerTable(3)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"bootstrap arm64: ", "bootstrap amd64: ", "| 5 | ", "| 10 | "} {
		if !strings.Contains(table, want) {
			t.Errorf("no %q in\n%s", want, table)
		}
	}
	t.Log("\n" + table)
}
