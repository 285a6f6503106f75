// Command slowfn is a test function for the local stack: "/slow" takes longer
// than the test's integration timeout, everything else answers at once.
package main

import (
	"io"
	"net/http"
	"time"

	"github.com/goapigw/webapp/function/restproxy"
)

func main() {
	mux := http.NewServeMux()
	mux.HandleFunc("/slow", func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-time.After(3 * time.Second):
		case <-r.Context().Done():
		}
		_, _ = io.WriteString(w, "finally")
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, "fast") })
	restproxy.Start(mux)
}
