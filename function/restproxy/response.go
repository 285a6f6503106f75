package restproxy

import (
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"encoding/json"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/aws/aws-lambda-go/events"
)

// MaxResponseBytes is the largest synchronous response Lambda accepts: the
// encoded JSON of the proxy response must fit in it.
const MaxResponseBytes = 6_291_556

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
	// 1xx are informational: net/http lets a handler send several before the
	// real status, and a proxy response can only carry the final one.
	if status >= 100 && status < 200 && status != http.StatusSwitchingProtocols {
		return
	}
	w.status = status
	w.wroteHeader = true
}

func (w *responseWriter) Write(p []byte) (int, error) {
	if !w.wroteHeader {
		w.WriteHeader(http.StatusOK)
	}
	return w.body.Write(p)
}

// WriteString lets io.WriteString skip a copy.
func (w *responseWriter) WriteString(s string) (int, error) {
	if !w.wroteHeader {
		w.WriteHeader(http.StatusOK)
	}
	return w.body.WriteString(s)
}

// Flush is a no-op: the response leaves when the handler returns. It exists so
// handlers that flush through http.ResponseController keep working.
func (w *responseWriter) Flush() {}

// proxyResponse turns what the handler wrote into the proxy response.
func (w *responseWriter) proxyResponse(method string) *events.APIGatewayProxyResponse {
	status := w.status
	if status == 0 {
		status = http.StatusOK // wrote nothing at all: net/http answers 200 too
	}
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
	res := &events.APIGatewayProxyResponse{
		StatusCode:        status,
		MultiValueHeaders: map[string][]string(h),
	}
	if len(body) == 0 {
		return res
	}
	if isText(h) && utf8.Valid(body) {
		res.Body = string(body)
	} else {
		res.Body = base64.StdEncoding.EncodeToString(body)
		res.IsBase64Encoded = true
	}
	return res
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

// acceptsGzip reports whether an Accept-Encoding value allows gzip.
func acceptsGzip(h http.Header) bool {
	for _, v := range h.Values("Accept-Encoding") {
		for part := range strings.SplitSeq(v, ",") {
			name, params, _ := strings.Cut(strings.TrimSpace(part), ";")
			name = strings.TrimSpace(name)
			if !strings.EqualFold(name, "gzip") && name != "*" {
				continue
			}
			q := strings.TrimSpace(params)
			if v, ok := strings.CutPrefix(q, "q="); ok {
				if f, err := strconv.ParseFloat(v, 64); err == nil && f == 0 {
					continue
				}
			}
			return true
		}
	}
	return false
}

// encode marshals a response, shrinking or replacing it when Lambda would
// refuse its size. It reports the size of the body the handler wrote and
// whether the answer had to be replaced by an error.
func encode(res *events.APIGatewayProxyResponse, w *responseWriter, req *http.Request) ([]byte, error) {
	out, err := json.Marshal(res)
	if err != nil {
		return nil, err
	}
	if len(out) <= MaxResponseBytes {
		return out, nil
	}
	if w.header.Get("Content-Encoding") == "" && acceptsGzip(req.Header) && req.Method != http.MethodHead {
		var zb bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&zb, gzip.BestSpeed)
		_, _ = zw.Write(w.body.Bytes())
		_ = zw.Close()
		w.header.Set("Content-Encoding", "gzip")
		w.header.Add("Vary", "Accept-Encoding")
		w.body = zb
		zres := w.proxyResponse(req.Method)
		zres.StatusCode = res.StatusCode
		if out, err = json.Marshal(zres); err != nil {
			return nil, err
		}
		if len(out) <= MaxResponseBytes {
			*res = *zres
			return out, nil
		}
	}
	return nil, &tooLargeError{size: len(out)}
}

type tooLargeError struct{ size int }

func (e *tooLargeError) Error() string {
	return "response is " + strconv.Itoa(e.size) + " bytes encoded; Lambda's limit is " +
		strconv.Itoa(MaxResponseBytes) + " bytes"
}
