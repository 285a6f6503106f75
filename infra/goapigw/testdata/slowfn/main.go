// Command slowfn is a test function for the local stack: "/slow" takes longer
// than the test's integration timeout, "/big" streams a deterministic body
// of n bytes, "/lines" writes a line every 300 ms, "/late-panic" panics after
// its first bytes, "/sleep?ms=" answers after ms milliseconds; everything
// else answers at once.
package main

import (
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/goapigw/webapp/function/restproxy"
)

// Pattern is byte i of /big's body.
func pattern(i int) byte { return byte(i*7 + i/251) }

func main() {
	mux := http.NewServeMux()
	mux.HandleFunc("/slow", func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-time.After(3 * time.Second):
		case <-r.Context().Done():
		}
		_, _ = io.WriteString(w, "finally")
	})
	mux.HandleFunc("/big", func(w http.ResponseWriter, r *http.Request) {
		n, _ := strconv.Atoi(r.URL.Query().Get("n"))
		w.Header().Set("Content-Type", "application/octet-stream")
		buf := make([]byte, 64<<10)
		for sent := 0; sent < n; {
			m := min(len(buf), n-sent)
			for i := range m {
				buf[i] = pattern(sent + i)
			}
			if _, err := w.Write(buf[:m]); err != nil {
				return
			}
			sent += m
		}
	})
	mux.HandleFunc("/lines", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		for i := 1; i <= 5; i++ {
			_, _ = io.WriteString(w, "line "+strconv.Itoa(i)+"\n")
			_ = http.NewResponseController(w).Flush()
			time.Sleep(300 * time.Millisecond)
		}
	})
	mux.HandleFunc("/late-panic", func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, "the start")
		_ = http.NewResponseController(w).Flush()
		panic("after the headers")
	})
	mux.HandleFunc("/sleep", func(w http.ResponseWriter, r *http.Request) {
		ms, _ := strconv.Atoi(r.URL.Query().Get("ms"))
		time.Sleep(time.Duration(ms) * time.Millisecond)
		_, _ = io.WriteString(w, "slept "+strconv.Itoa(ms)+" ms")
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, "fast") })
	restproxy.Start(mux)
}
