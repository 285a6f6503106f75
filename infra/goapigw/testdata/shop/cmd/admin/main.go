// Command admin is the shop's back office; it reports the environment the
// construct gave it, so tests can see the merged escape hatch.
package main

import (
	"fmt"
	"net/http"
	"os"

	"github.com/goapigw/webapp/function/restproxy"
)

func main() {
	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "back office: role=%s extra=%s\n", os.Getenv("ROLE"), os.Getenv("EXTRA"))
	})
	restproxy.Start(mux, restproxy.WithRequestLog(false))
}
