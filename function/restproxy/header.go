package restproxy

import (
	"net/http"
	"strings"
)

// Response headers leave the adapter as net/http's HTTP/1 server would write
// them (net/http's Header.writeSubset): a field whose name is not a valid
// token is dropped, and in every value, Set-Cookie included, each CR and LF
// becomes a space and leading and trailing ASCII space (space, tab, CR, LF)
// is trimmed. A handler that copies request input into a header, such as
// w.Header().Set("X-Echo", r.URL.Query().Get("v")) or a Location built from a
// query, cannot add a header or split the response, in either mode.

// validFieldName reports whether name is an RFC 9110 token, the rule of
// golang.org/x/net/http/httpguts.ValidHeaderFieldName that net/http applies.
func validFieldName(name string) bool {
	if name == "" {
		return false
	}
	for i := 0; i < len(name); i++ {
		if !isTokenByte(name[i]) {
			return false
		}
	}
	return true
}

// isTokenByte reports whether c is a tchar (RFC 9110, 5.6.2):
// ALPHA, DIGIT or one of !#$%&'*+-.^_`|~.
func isTokenByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
		strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0
}

// headerNewlineToSpace is net/http's replacer of the same name.
var headerNewlineToSpace = strings.NewReplacer("\n", " ", "\r", " ")

// cleanValue returns v as net/http writes it: CR and LF replaced by spaces,
// then trimmed of leading and trailing ASCII space (net/textproto.TrimString).
// A value that needs neither is returned as it is, without an allocation.
func cleanValue(v string) string {
	if strings.ContainsAny(v, "\r\n") {
		v = headerNewlineToSpace.Replace(v)
	}
	for len(v) > 0 && isASCIISpace(v[0]) {
		v = v[1:]
	}
	for len(v) > 0 && isASCIISpace(v[len(v)-1]) {
		v = v[:len(v)-1]
	}
	return v
}

func isASCIISpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// cleanHeader makes h, which the caller owns, what net/http would send:
// invalid names deleted, every value cleaned.
func cleanHeader(h http.Header) {
	for k, vs := range h {
		if !validFieldName(k) {
			delete(h, k)
			continue
		}
		for i, v := range vs {
			if c := cleanValue(v); c != v {
				vs[i] = c
			}
		}
	}
}
