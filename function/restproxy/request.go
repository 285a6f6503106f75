package restproxy

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/base64"
	"errors"
	"fmt"
	"maps"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/aws/aws-lambda-go/events"
)

// inbound is the REST proxy event plus the fields that identify other event
// kinds, so that a wrong event gets a precise reason instead of a guess.
type inbound struct {
	events.APIGatewayProxyRequest
	Version  string `json:"version"`
	RouteKey string `json:"routeKey"`
	Source   string `json:"source"`
}

// errBadEvent marks input that is not a usable REST proxy event: the caller
// answers 400 with the wrapped message.
var errBadEvent = errors.New("bad event")

func badEvent(format string, args ...any) error {
	return fmt.Errorf("%w: %s", errBadEvent, fmt.Sprintf(format, args...))
}

// check tells why an event is not a REST proxy event, or nil when it is one.
func (e *inbound) check() error {
	switch {
	case e.Source != "":
		return badEvent("a %q event, not an API Gateway REST proxy event", e.Source)
	case e.RouteKey != "" || e.Version == "2.0":
		return badEvent("an HTTP API (payload version %q) event; this function serves a REST API proxy integration", e.Version)
	case e.HTTPMethod == "":
		return badEvent("not an API Gateway REST proxy event: httpMethod is missing")
	case e.Resource == "" && e.Path == "":
		return badEvent("not an API Gateway REST proxy event: resource and path are missing")
	}
	return nil
}

// route is where a request points: the API-relative path (decoded and, when
// it differs from the default encoding, raw) and the public mount prefix.
type route struct {
	path    string // API-relative, decoded: "/a/b"
	rawPath string // API-relative as sent, when escapes matter: "/a%2Fb"
	prefix  string // public mount prefix, "" or "/prod"
	bare    bool   // the viewer asked for the prefix without its trailing slash
}

// resolve works out the route of an event; see the package doc for the rules.
func resolve(e *events.APIGatewayProxyRequest, forwardedPrefix string) route {
	rel := relativePath(e.Resource, e.PathParameters)
	if rel == "" {
		rel = e.Path
	}
	if rel == "" || rel[0] != '/' {
		rel = "/" + rel
	}
	// SAM's sample events carry "/path" in pathParameters.proxy, which API
	// Gateway never does; do not let it turn into a "//" path.
	if strings.HasPrefix(rel, "//") && !strings.Contains(e.Path, "//") {
		rel = rel[1:]
	}
	r := route{path: rel}
	if raw := escapedSuffix(e.Path, rel); raw != "" {
		r.rawPath = raw
	}
	escaped := r.rawPath
	if escaped == "" {
		escaped = (&url.URL{Path: rel}).EscapedPath()
	}

	viewer := e.RequestContext.Path
	if viewer == "" {
		viewer = e.Path
	}
	switch {
	case strings.HasSuffix(viewer, escaped) && boundary(viewer, len(viewer)-len(escaped)):
		r.prefix = viewer[:len(viewer)-len(escaped)]
	case rel == "/" && viewer != "/" && ValidPrefix(viewer):
		// "/prod": the root resource reached without its slash.
		r.prefix, r.bare = viewer, true
	}
	if forwardedPrefix != "" {
		if p, ok := parseForwardedPrefix(forwardedPrefix); ok {
			r.prefix = p
			r.bare = false
		}
	}
	if !ValidPrefix(r.prefix) {
		r.prefix, r.bare = "", false
	}
	if r.rawPath == escaped && r.rawPath == (&url.URL{Path: rel}).EscapedPath() {
		r.rawPath = ""
	}
	return r
}

// boundary reports whether cutting s at i splits it between path segments.
func boundary(s string, i int) bool {
	return i == 0 || (i > 0 && i <= len(s) && s[i] == '/')
}

// relativePath substitutes path parameters into a resource template such as
// "/{proxy+}" or "/items/{id}". It returns "" when a parameter is missing, so
// the caller can fall back to the event path.
func relativePath(resource string, params map[string]string) string {
	if resource == "" {
		return ""
	}
	if !strings.Contains(resource, "{") {
		return resource
	}
	var b strings.Builder
	rest := resource
	for {
		open := strings.IndexByte(rest, '{')
		if open < 0 {
			b.WriteString(rest)
			return b.String()
		}
		end := strings.IndexByte(rest[open:], '}')
		if end < 0 {
			return ""
		}
		name := strings.TrimSuffix(rest[open+1:open+end], "+")
		v, ok := params[name]
		if !ok {
			return ""
		}
		b.WriteString(rest[:open])
		b.WriteString(v)
		rest = rest[open+end+1:]
	}
}

// escapedSuffix finds the tail of the percent-encoded event path that decodes
// to rel, so that escapes such as %2F survive. It returns "" when none does.
func escapedSuffix(eventPath, rel string) string {
	if !strings.Contains(eventPath, "%") {
		if strings.HasSuffix(eventPath, rel) {
			return eventPath[len(eventPath)-len(rel):]
		}
		return ""
	}
	for i := 0; i < len(eventPath); i++ {
		if eventPath[i] != '/' {
			continue
		}
		if dec, err := url.PathUnescape(eventPath[i:]); err == nil && dec == rel {
			return eventPath[i:]
		}
	}
	return ""
}

const maxPrefixLen = 256

// ValidPrefix accepts "" or a clean absolute path without a trailing slash,
// made of the characters stage names and base paths may have (letters,
// digits and -._~$+!*'()): it ends up in Location headers and links, and no
// escape can smuggle a ".." or a "/" into it.
func ValidPrefix(p string) bool {
	if p == "" {
		return true
	}
	if len(p) > maxPrefixLen || p[0] != '/' || strings.HasSuffix(p, "/") {
		return false
	}
	for seg := range strings.SplitSeq(p[1:], "/") {
		if seg == "" || seg == "." || seg == ".." {
			return false
		}
		for i := 0; i < len(seg); i++ {
			c := seg[i]
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("-._~$+!*'()", c) >= 0) {
				return false
			}
		}
	}
	return true
}

// parseForwardedPrefix reads the X-Forwarded-Prefix form that a CloudFront
// origin header sends: "/" for the root or "/app" (a trailing slash is fine).
func parseForwardedPrefix(v string) (string, bool) {
	v = strings.TrimSpace(v)
	if v == "" || v[0] != '/' {
		return "", false
	}
	p := strings.TrimSuffix(v, "/")
	if !ValidPrefix(p) {
		return "", false
	}
	return p, true
}

// eventHeader merges an event's two header maps into the request's header,
// the same whatever the maps' iteration order:
//   - multiValueHeaders win: headers only fills in a name that has no
//     non-null multiValueHeaders entry under any spelling;
//   - within one map, the values of keys that differ only in case (such as
//     "X-Forwarded-Prefix" and "x-forwarded-prefix") are merged under the
//     canonical key, in byte order of the keys as sent.
//
// The value slices are the event's own, not copies, except where keys merge.
func eventHeader(multi map[string][]string, single map[string]string) http.Header {
	header := make(http.Header, max(len(multi), len(single)))
	var clash []string
	for k, vs := range multi {
		if vs == nil {
			continue
		}
		ck := http.CanonicalHeaderKey(k)
		if _, dup := header[ck]; dup {
			clash = append(clash, ck)
		}
		header[ck] = vs
	}
	for _, ck := range clash {
		header[ck] = nil
		for _, k := range spellings(multi, ck) {
			header[ck] = append(header[ck], multi[k]...)
		}
	}
	var extra http.Header // names only the single-value map has
	clash = clash[:0]
	for k, v := range single {
		ck := http.CanonicalHeaderKey(k)
		if _, ok := header[ck]; ok {
			continue
		}
		if extra == nil {
			extra = make(http.Header)
		}
		if _, dup := extra[ck]; dup {
			clash = append(clash, ck)
		}
		extra[ck] = []string{v}
	}
	for _, ck := range clash {
		extra[ck] = nil
		for _, k := range spellings(single, ck) {
			extra[ck] = append(extra[ck], single[k])
		}
	}
	maps.Copy(header, extra)
	return header
}

// spellings returns the keys of m whose canonical form is ck, sorted.
func spellings[V any](m map[string]V, ck string) []string {
	var keys []string
	for k := range m {
		if http.CanonicalHeaderKey(k) == ck {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	return keys
}

// newRequest builds the *http.Request that the handler sees.
func newRequest(ctx context.Context, e *events.APIGatewayProxyRequest) (*http.Request, route, error) {
	header := eventHeader(e.MultiValueHeaders, e.Headers)
	// A prefix is one value: several (from keys that differ in case, or a
	// repeated header) are ambiguous, and the event's own prefix stands.
	var forwarded string
	if vs := header[PrefixHeader]; len(vs) == 1 {
		forwarded = vs[0]
	}
	rt := resolve(e, forwarded)

	query := make(url.Values, max(len(e.MultiValueQueryStringParameters), len(e.QueryStringParameters)))
	for k, vs := range e.MultiValueQueryStringParameters {
		query[k] = vs
	}
	for k, v := range e.QueryStringParameters {
		if query[k] == nil {
			query[k] = []string{v}
		}
	}

	u := &url.URL{Path: rt.path, RawPath: rt.rawPath, RawQuery: query.Encode()}

	var body []byte
	if e.IsBase64Encoded {
		b, err := base64.StdEncoding.DecodeString(e.Body)
		if err != nil {
			return nil, rt, badEvent("request body is not valid base64")
		}
		body = b
	} else {
		body = []byte(e.Body)
	}

	method := strings.ToUpper(e.HTTPMethod)
	r, err := http.NewRequestWithContext(ctx, method, u.String(), bytes.NewReader(body))
	if err != nil {
		return nil, rt, badEvent("cannot build a request for %s %q: %v", method, u.Path, err)
	}
	r.URL = u
	r.RequestURI = u.RequestURI()
	r.Header = header
	r.ContentLength = int64(len(body))
	if len(body) == 0 {
		r.Body = http.NoBody
	}
	if cl := header.Get("Content-Length"); cl != "" {
		if n, err := strconv.ParseInt(cl, 10, 64); err == nil && n != r.ContentLength {
			header.Set("Content-Length", strconv.FormatInt(r.ContentLength, 10))
		}
	}
	r.Host = header.Get("Host")
	if r.Host == "" {
		r.Host = e.RequestContext.DomainName
	}
	r.Header.Del("Host")
	// CloudFront reaches the API with the API's own Host; the construct's
	// viewer-request function names the viewer's in X-Forwarded-Host. It
	// is honoured at the execute-api endpoint only (a custom domain's Host
	// is the viewer's already), as one valid host, and dropped otherwise.
	if fh := header.Values(ForwardedHostHeader); len(fh) == 1 && !customDomain(e.RequestContext.DomainName) && validHost(fh[0]) {
		r.Host = fh[0]
	} else {
		r.Header.Del(ForwardedHostHeader)
	}
	if ip := e.RequestContext.Identity.SourceIP; ip != "" {
		r.RemoteAddr = net.JoinHostPort(ip, "0")
	}
	if p := e.RequestContext.Protocol; strings.HasPrefix(p, "HTTP/") {
		if major, minor, ok := http.ParseHTTPVersion(p); ok {
			r.Proto, r.ProtoMajor, r.ProtoMinor = p, major, minor
		}
	}
	if strings.EqualFold(header.Get("X-Forwarded-Proto"), "https") {
		r.TLS = &tls.ConnectionState{HandshakeComplete: true, ServerName: r.Host}
	}
	// The header always tells the truth the adapter worked out: a caller's
	// own value never reaches the handler unchecked.
	if rt.prefix == "" {
		r.Header.Del(PrefixHeader)
	} else {
		r.Header.Set(PrefixHeader, rt.prefix)
	}
	return r, rt, nil
}

// validHost accepts a host name or address with an optional port, as a Host
// header carries it: letters, digits, '-', '.', and ':' with brackets for
// IPv6, at most 255 bytes.
func validHost(h string) bool {
	if h == "" || len(h) > 255 {
		return false
	}
	for i := 0; i < len(h); i++ {
		c := h[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '.' || c == ':' || c == '[' || c == ']') {
			return false
		}
	}
	return true
}
