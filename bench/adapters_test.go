package main

import (
	"context"
	"encoding/json"
	"testing"
)

func BenchmarkAdapters(b *testing.B) {
	h := handler(b)
	ctx := context.Background()
	for _, e := range events(b, h) {
		for _, a := range adapters(h) {
			b.Run("event="+e.name+"/adapter="+a.name, func(b *testing.B) {
				if _, err := a.h.Invoke(ctx, e.payload); err != nil {
					b.Fatal(err)
				}
				b.ReportAllocs()
				for b.Loop() {
					if _, err := a.h.Invoke(ctx, e.payload); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// TestSameAnswers checks that every adapter answers each benchmark event with
// the status the app gives, so the benchmark compares like with like.
func TestSameAnswers(t *testing.T) {
	h := handler(t)
	for _, e := range events(t, h) {
		for _, a := range adapters(h) {
			out, err := a.h.Invoke(context.Background(), e.payload)
			if err != nil {
				t.Fatalf("%s/%s: %v", e.name, a.name, err)
			}
			var res struct{ StatusCode int }
			_ = json.Unmarshal(out, &res)
			if res.StatusCode != 200 {
				t.Errorf("%s/%s: status %d, want 200", e.name, a.name, res.StatusCode)
			}
		}
	}
}
