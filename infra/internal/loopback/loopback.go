package loopback

import (
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// Host reports whether an HTTP Host value names the loopback interface:
// "localhost", an IPv4 address in 127.0.0.0/8 or "[::1]", each with an
// optional port. Anything else, an empty Host included, is not.
func Host(host string) bool {
	name := host
	if h, port, err := net.SplitHostPort(host); err == nil {
		if !digits(port) {
			return false
		}
		name = h
	} else if strings.HasPrefix(host, "[") && strings.HasSuffix(host, "]") {
		name = host[1 : len(host)-1]
	} else if strings.Contains(host, ":") {
		return false // an IPv6 address without brackets, or a bad port
	}
	if strings.EqualFold(name, "localhost") {
		return true
	}
	a, err := netip.ParseAddr(name)
	if err != nil || a.Zone() != "" {
		return false
	}
	if a.Is4() {
		return a.IsLoopback()
	}
	// IPv6 only in brackets: SplitHostPort took them off, or the branch
	// above did.
	return a == netip.IPv6Loopback() && strings.HasPrefix(host, "[")
}

func digits(s string) bool {
	if s == "" || len(s) > 5 {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// Handler serves h to requests whose Host is a loopback name (see [Host])
// and answers the others 421 Misdirected Request with a short reason.
func Handler(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !Host(r.Host) {
			Refuse(w)
			return
		}
		h.ServeHTTP(w, r)
	})
}

// Refuse answers 421 Misdirected Request: the Host is not a loopback name.
func Refuse(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Connection", "close")
	w.WriteHeader(http.StatusMisdirectedRequest)
	_, _ = w.Write([]byte("421 Misdirected Request: this local server answers only Host localhost, 127.x.x.x or [::1]\n"))
}
