package restproxy

import (
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"mime"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
	"unsafe"

	"github.com/goapigw/webapp/internal/awslimits"
)

// MaxResponseBytes is the largest synchronous response Lambda accepts: the
// encoded JSON of the proxy response must fit in it. It is
// [awslimits.LambdaSyncPayloadBytes], kept here for API compatibility.
const MaxResponseBytes = awslimits.LambdaSyncPayloadBytes

// responseWriter buffers what the handler writes; Lambda needs the whole
// response at once.
type responseWriter struct {
	header      http.Header
	status      int
	wroteHeader bool
	body        bytes.Buffer
}

func newResponseWriter() *responseWriter {
	return &responseWriter{header: make(http.Header)}
}

func (w *responseWriter) Header() http.Header { return w.header }

func (w *responseWriter) WriteHeader(status int) {
	if w.wroteHeader {
		return
	}
	if informational(status) {
		return
	}
	w.status = status
	w.wroteHeader = true
}

// informational reports whether status is a 1xx that net/http lets a
// handler send before the real status; a proxy response, buffered or
// streamed, can only carry the final one, so both writers drop these.
func informational(status int) bool {
	return status >= 100 && status < 200 && status != http.StatusSwitchingProtocols
}

func (w *responseWriter) Write(p []byte) (int, error) {
	w.beforeWrite(len(p))
	return w.body.Write(p)
}

// WriteString lets io.WriteString skip a copy.
func (w *responseWriter) WriteString(s string) (int, error) {
	w.beforeWrite(len(s))
	return w.body.WriteString(s)
}

// beforeWrite sends the implicit 200 and, on the first write, sizes the
// buffer from a declared Content-Length so a large body is not copied as the
// buffer doubles.
func (w *responseWriter) beforeWrite(n int) {
	if !w.wroteHeader {
		w.WriteHeader(http.StatusOK)
	}
	if w.body.Cap() == 0 {
		if cl, err := strconv.Atoi(w.header.Get("Content-Length")); err == nil && cl > n && cl <= MaxResponseBytes {
			w.body.Grow(cl)
		}
	}
}

// statusCode is the status the response goes out with.
func (w *responseWriter) statusCode() int {
	if w.status == 0 {
		return http.StatusOK // wrote nothing at all: net/http answers 200 too
	}
	return w.status
}

// Flush is a no-op: the response leaves when the handler returns. It exists so
// handlers that flush through http.ResponseController keep working.
func (w *responseWriter) Flush() {}

// encodeResponse writes what the handler wrote as the proxy response JSON.
// It appends straight from the buffered body, without the intermediate
// strings that encoding/json needs: a large image is copied once, as base64.
func (w *responseWriter) encodeResponse(method string) []byte {
	body := w.body.Bytes()
	if method == http.MethodHead {
		body = nil
	}
	h := w.header
	// As in net/http, a Content-Type key with no value means "do not sniff".
	if _, set := h["Content-Type"]; !set && len(body) > 0 {
		h.Set("Content-Type", http.DetectContentType(body))
	}
	h.Del("Content-Length") // API Gateway sets its own
	text := len(body) == 0 || (isText(h) && utf8.Valid(body))
	size := 96 + len(body)
	if !text {
		size += len(body) / 2
	}
	for k, vs := range h {
		size += len(k) + 8
		for _, v := range vs {
			size += len(v) + 4
		}
	}
	return appendResponse(make([]byte, 0, size), w.statusCode(), h, body, !text)
}

// appendResponse appends the JSON of a proxy response with
// multiValueHeaders only, so that every Set-Cookie survives. The headers
// are written as net/http would write them (see cleanHeader): invalid names
// dropped, CR and LF in values replaced.
func appendResponse(dst []byte, status int, h http.Header, body []byte, b64 bool) []byte {
	dst = append(dst, `{"statusCode":`...)
	dst = strconv.AppendInt(dst, int64(status), 10)
	dst = append(dst, `,"multiValueHeaders":{`...)
	keys := make([]string, 0, len(h))
	for k := range h {
		if validFieldName(k) {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	for i, k := range keys {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = appendJSONString(dst, k)
		dst = append(dst, ":["...)
		for j, v := range h[k] {
			if j > 0 {
				dst = append(dst, ',')
			}
			dst = appendJSONString(dst, cleanValue(v))
		}
		dst = append(dst, ']')
	}
	dst = append(dst, `},"body":`...)
	if b64 {
		dst = append(dst, '"')
		dst = base64.StdEncoding.AppendEncode(dst, body)
		dst = append(dst, `","isBase64Encoded":true}`...)
		return dst
	}
	// A view, not a copy, of a text body that may be megabytes long: the
	// buffer is not written while it is encoded.
	dst = appendJSONString(dst, unsafe.String(unsafe.SliceData(body), len(body)))
	return append(dst, `,"isBase64Encoded":false}`...)
}

const hexDigits = "0123456789abcdef"

// appendJSONString appends s as a JSON string. Invalid UTF-8 becomes U+FFFD,
// as encoding/json does.
func appendJSONString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch c {
			case '"', '\\':
				dst = append(dst, '\\', c)
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
			i += size
			start = i
			continue
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

// isText reports whether a body of this type can travel as a JSON string.
// Anything else, and anything content-encoded, goes base64 so that API
// Gateway returns the exact bytes (the API has binary media type "*/*").
func isText(h http.Header) bool {
	if h.Get("Content-Encoding") != "" {
		return false
	}
	mt, _, err := mime.ParseMediaType(h.Get("Content-Type"))
	if err != nil {
		return false
	}
	if strings.HasPrefix(mt, "text/") || strings.HasSuffix(mt, "+json") || strings.HasSuffix(mt, "+xml") {
		return true
	}
	switch mt {
	case "application/json", "application/xml", "application/javascript", "application/ecmascript",
		"application/x-javascript", "application/yaml", "application/x-yaml", "application/x-www-form-urlencoded",
		"image/svg+xml":
		return true
	}
	return false
}

// AcceptsGzip reports whether request headers h allow a gzip-encoded
// answer (RFC 9110, 12.5.3): an explicit "gzip" entry decides by its q value;
// without one, a "*" entry does; q=0 refuses. The adapter uses it to fit a
// large response into Lambda's limit; an app that compresses its own answers
// can use it so that both follow one rule.
func AcceptsGzip(h http.Header) bool {
	gzipQ, starQ := -1.0, -1.0
	for _, v := range h.Values("Accept-Encoding") {
		for part := range strings.SplitSeq(v, ",") {
			name, params, _ := strings.Cut(part, ";")
			name = strings.TrimSpace(name)
			q := 1.0
			for param := range strings.SplitSeq(params, ";") {
				k, val, _ := strings.Cut(strings.TrimSpace(param), "=")
				if strings.EqualFold(strings.TrimSpace(k), "q") {
					f, err := strconv.ParseFloat(strings.TrimSpace(val), 64)
					if err != nil || f < 0 || f > 1 {
						f = 0 // a malformed weight is not consent
					}
					q = f
				}
			}
			switch {
			case strings.EqualFold(name, "gzip"), strings.EqualFold(name, "x-gzip"):
				gzipQ = max(gzipQ, q)
			case name == "*":
				starQ = max(starQ, q)
			}
		}
	}
	if gzipQ >= 0 {
		return gzipQ > 0
	}
	return starQ > 0
}

// encode returns the handler's response as proxy response JSON. When Lambda
// would refuse its size, it gzips the body for a client that accepts gzip,
// and otherwise returns the error that says how large it was.
func encode(w *responseWriter, req *http.Request) ([]byte, *tooLargeError) {
	out := w.encodeResponse(req.Method)
	if len(out) <= MaxResponseBytes {
		return out, nil
	}
	if w.header.Get("Content-Encoding") == "" && AcceptsGzip(req.Header) && req.Method != http.MethodHead {
		var zb bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&zb, gzip.BestSpeed)
		_, _ = zw.Write(w.body.Bytes())
		_ = zw.Close()
		w.header.Set("Content-Encoding", "gzip")
		w.header.Add("Vary", "Accept-Encoding")
		w.body = zb
		if zout := w.encodeResponse(req.Method); len(zout) <= MaxResponseBytes {
			return zout, nil
		}
	}
	return nil, &tooLargeError{size: len(out)}
}

type tooLargeError struct{ size int }

func (e *tooLargeError) Error() string {
	return "response is " + strconv.Itoa(e.size) + " bytes encoded; Lambda's limit is " +
		strconv.Itoa(MaxResponseBytes) + " bytes"
}
