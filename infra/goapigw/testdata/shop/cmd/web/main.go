// Command web is the shop's storefront: an ordinary net/http app that the
// restproxy adapter serves from Lambda.
package main

import (
	"fmt"
	"net/http"
	"os"
	"time"

	"github.com/goapigw/webapp/function/restproxy"
)

func main() {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		home := restproxy.PrefixFromContext(r.Context()) + "/"
		fmt.Fprintf(w, "<h1>The shop</h1><a href=%q>home</a> <a href=%q>sign in</a>\n", home, home+"login")
	})
	mux.HandleFunc("GET /login", func(w http.ResponseWriter, r *http.Request) {
		http.SetCookie(w, &http.Cookie{Name: "session", Value: "s1", Path: "/", HttpOnly: true})
		http.SetCookie(w, &http.Cookie{Name: "theme", Value: "dark", Path: "/"})
		http.Redirect(w, r, "/account", http.StatusFound)
	})
	mux.HandleFunc("GET /account", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, "your account")
	})
	// An answer that takes a while, and a variable the CDK app sets from its
	// context: a reload neither cuts the one nor misses the other.
	mux.HandleFunc("GET /slow", func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(2 * time.Second)
		fmt.Fprintln(w, "a slow answer, complete")
	})
	mux.HandleFunc("GET /greeting", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "greeting=%s\n", os.Getenv("GREETING"))
	})
	restproxy.Start(mux)
}
