package main

import (
	"context"
	"io"
	"log/slog"
	"testing"

	"github.com/goapigw/webapp/function/restproxy"
)

// BenchmarkRequestLine measures what the status metrics cost a request:
// the /ping request served with the request line written as JSON (as
// Lambda's JSON log format writes it) to io.Discard, without and with the
// embedded-metric document. The difference of the two rows is the
// metric's cost per request.
func BenchmarkRequestLine(b *testing.B) {
	h := handler(b)
	var ping []byte
	for _, e := range events(b, h) {
		if e.name == "ping" {
			ping = e.payload
		}
	}
	if ping == nil {
		b.Fatal("no ping event")
	}
	ctx := context.Background()
	for _, on := range []bool{false, true} {
		name := "metrics=off"
		if on {
			name = "metrics=on"
		}
		a := restproxy.Wrap(h, restproxy.WithLogger(slog.New(slog.NewJSONHandler(io.Discard, nil))), restproxy.WithStatusMetrics(on))
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := a.Invoke(ctx, ping); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
