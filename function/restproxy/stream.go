package restproxy

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"sync"

	"github.com/aws/aws-lambda-go/events"

	"github.com/goapigw/webapp/internal/awslimits"
)

// TransferModeEnv names the environment variable that tells the adapter the
// integration's response transfer mode; "STREAM" turns on streaming. The
// lambdaweb construct sets it, because a function that answers in one mode
// behind an integration of the other breaks.
const TransferModeEnv = "APIGW_RESPONSE_TRANSFER_MODE"

// MaxStreamBytes is the most a streamed response may carry: Lambda's limit
// for InvokeWithResponseStream, [awslimits.LambdaStreamedResponseBytes]. The
// adapter cuts a longer stream with an error rather than let Lambda end it
// without a word.
const MaxStreamBytes = awslimits.LambdaStreamedResponseBytes

// StreamingFromEnv reports whether the environment asks for streaming
// ([TransferModeEnv] is "STREAM"): what [Wrap] assumes without
// [WithResponseStreaming]. An app that shows different pages in each mode
// can ask it too.
func StreamingFromEnv() bool {
	return strings.EqualFold(os.Getenv(TransferModeEnv), "STREAM")
}

// WithResponseStreaming sets the mode [Start] serves in: true answers in the
// streaming format of an integration with ResponseTransferMode STREAM, false
// in the buffered proxy format. It must match the integration.
// Default: streaming when the environment variable [TransferModeEnv] is
// "STREAM".
func WithResponseStreaming(on bool) Option {
	return func(h *Handler) { h.stream = on }
}

// Streaming reports whether [Start] serves h in streaming mode.
func (h *Handler) Streaming() bool { return h.stream }

// InvokeStream serves one REST proxy event in streaming mode: the response's
// status and headers leave at the handler's first Write or Flush (or when it
// returns), and its body as it writes it, through the returned response's
// Body. The aws-lambda-go runtime streams any io.Reader a handler returns, so
//
//	lambda.StartHandlerFunc(restproxy.Wrap(h).InvokeStream)
//
// is what [Start] does in streaming mode. The answers that are not the
// handler's (a rejected event, a panic or the deadline before the headers
// left, the bare-prefix redirect) are complete responses in the same format.
func (h *Handler) InvokeStream(ctx context.Context, payload []byte) (*events.APIGatewayProxyStreamingResponse, error) {
	e, err := decodeEvent(payload)
	if err != nil {
		return h.rejectStream(ctx, badEvent("payload is not a JSON object: %v", err)), nil
	}
	if err := e.check(); err != nil {
		return h.rejectStream(ctx, err), nil
	}
	return h.serveStream(ctx, &e.APIGatewayProxyRequest, &eventSource{payload: payload})
}

// invokeStreamRaw adapts InvokeStream to aws-lambda-go's typed handlers.
func (h *Handler) invokeStreamRaw(ctx context.Context, payload rawPayload) (*events.APIGatewayProxyStreamingResponse, error) {
	return h.InvokeStream(ctx, payload)
}

// rawPayload takes the event's bytes as they are.
type rawPayload []byte

func (p *rawPayload) UnmarshalJSON(b []byte) error {
	*p = append((*p)[:0], b...)
	return nil
}

func (h *Handler) rejectStream(ctx context.Context, err error) *events.APIGatewayProxyStreamingResponse {
	h.log.LogAttrs(ctx, slog.LevelWarn, "rejected event", slog.String("reason", err.Error()), h.requestIDAttr(ctx))
	hd, body := errorParts(err.Error())
	return complete(http.StatusBadRequest, hd, body)
}

// complete is a whole answer in the streaming format.
func complete(status int, h http.Header, body []byte) *events.APIGatewayProxyStreamingResponse {
	h.Del("Content-Length")
	cleanHeader(h)
	return &events.APIGatewayProxyStreamingResponse{
		StatusCode:        status,
		MultiValueHeaders: map[string][]string(h),
		Body:              bytes.NewReader(body),
	}
}

// streamError ends a stream that was cut after its headers left: the
// runtime reports it in the Lambda-Runtime-Function-Error-* trailers, and
// API Gateway cuts the client's response.
type streamError struct{ msg string }

func (e *streamError) Error() string { return e.msg }

var (
	errStreamPanic    = &streamError{"restproxy: the handler panicked after the response started"}
	errStreamAborted  = &streamError{"restproxy: the handler aborted the response (http.ErrAbortHandler)"}
	errStreamDeadline = &streamError{"restproxy: the response was still streaming at the deadline"}
	errStreamTooLarge = &streamError{fmt.Sprintf("restproxy: the response passed Lambda's %d-byte streaming limit", MaxStreamBytes)}
	errStreamGone     = errors.New("restproxy: the response is no longer being sent")
)

func (h *Handler) serveStream(ctx context.Context, e *events.APIGatewayProxyRequest, src *eventSource) (*events.APIGatewayProxyStreamingResponse, error) {
	c, err := h.prepare(ctx, e, src)
	if err != nil {
		if errors.Is(err, errBadEvent) {
			return h.rejectStream(ctx, err), nil
		}
		return nil, err
	}
	if status, msg, ok := h.verifyOrigin(c); !ok {
		defer c.cancel()
		hd, body := errorParts(msg)
		h.requestLine(c, status, 0)
		return complete(status, hd, body), nil
	}
	if c.rt.bare {
		defer c.cancel()
		w := redirectToSlash(c.req, c.rt.prefix)
		h.requestLine(c, w.statusCode(), w.body.Len())
		return complete(w.statusCode(), w.header, w.body.Bytes()), nil
	}

	pr, pw := io.Pipe()
	sw := &streamWriter{header: make(http.Header), head: c.req.Method == http.MethodHead, prefix: c.rt.prefix, pw: pw, ready: make(chan struct{})}
	done := make(chan *handlerPanic, 1)
	go func() {
		defer c.cancel()
		p := h.run(c, sw)
		if !sw.started() {
			switch {
			case p != nil:
				done <- p // serveStream answers 500 for it
				return
			case c.pastDeadline():
				// The handler noticed the deadline before it wrote: the
				// cancelled context makes serveStream answer 504.
				return
			}
		}
		switch {
		case p != nil && p.aborted():
			sw.cut(errStreamAborted)
		case p != nil:
			sw.cut(errStreamPanic)
		case c.pastDeadline():
			sw.cut(errStreamDeadline)
		default:
			sw.finish()
		}
		h.requestLine(c, sw.status, int(sw.bytes()))
	}()

	panicked := func(p *handlerPanic) *events.APIGatewayProxyStreamingResponse {
		status, msg := p.answer()
		hd, body := errorParts(msg)
		h.requestLine(c, status, 0)
		return complete(status, hd, body)
	}
	select {
	case <-sw.ready:
		// The watchdog ends a stream still running at the deadline; the
		// handler's context is cancelled at the same moment.
		go func() {
			<-c.ctx.Done()
			if c.pastDeadline() && sw.cut(errStreamDeadline) {
				h.log.LogAttrs(context.WithoutCancel(c.ctx), slog.LevelError, "stream cut at the deadline",
					slog.String("path", c.publicPath), slog.Int64("bytes", sw.bytes()), c.reqID)
			}
		}()
		return sw.response(pr), nil
	case p := <-done:
		return panicked(p), nil
	case <-c.ctx.Done():
		select {
		case p := <-done:
			// The handler panicked, then its context was cancelled.
			return panicked(p), nil
		default:
		}
		if !sw.abandon() {
			// The headers left at the last moment: stream what there is.
			return sw.response(pr), nil
		}
		hd, body := errorParts(msgTimeout)
		h.requestLine(c, http.StatusGatewayTimeout, 0)
		return complete(http.StatusGatewayTimeout, hd, body), nil
	}
}

// requestLine logs the request in either mode.
func (h *Handler) requestLine(c *call, status, n int) {
	_, _ = h.logged(c.ctx, c.req, c.start, c.publicPath, c.reqID, status, n, nil)
}

// streamWriter is the http.ResponseWriter of streaming mode: the headers
// are fixed at the first Write or Flush, and the body goes through a pipe to
// the runtime, which reads it as the handler writes; nothing is held but the
// bytes of the Write in progress.
type streamWriter struct {
	header http.Header
	head   bool
	prefix string
	pw     *io.PipeWriter
	ready  chan struct{} // closed when the headers are fixed

	mu          sync.Mutex
	status      int
	wroteHeader bool
	sent        http.Header // the headers as they left
	state       streamState
	n           int64
}

type streamState int

const (
	waiting   streamState = iota // headers not sent yet
	streaming                    // headers sent, body flowing
	abandoned                    // the adapter answered for the handler
	ended                        // closed or cut
)

func (w *streamWriter) Header() http.Header { return w.header }

func (w *streamWriter) WriteHeader(status int) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.writeHeaderLocked(status)
}

func (w *streamWriter) writeHeaderLocked(status int) {
	if w.wroteHeader {
		return
	}
	if informational(status) {
		return
	}
	w.status, w.wroteHeader = status, true
}

// startLocked fixes the headers, once; it reports whether the body may
// flow. w.mu must be held.
func (w *streamWriter) startLocked(first []byte) bool {
	switch w.state {
	case streaming:
		return true
	case abandoned, ended:
		return false
	}
	w.writeHeaderLocked(http.StatusOK)
	h := w.header.Clone()
	// As in net/http, a Content-Type key with no value means "do not sniff".
	if _, set := h["Content-Type"]; !set && len(first) > 0 {
		h.Set("Content-Type", http.DetectContentType(first))
	}
	h.Del("Content-Length") // the stream has no length up front
	rewriteLocation(h, w.prefix)
	cleanHeader(h) // as net/http would send them
	w.sent = h
	w.state = streaming
	close(w.ready)
	return true
}

func (w *streamWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	ok := w.startLocked(p)
	if ok && !w.head {
		if w.n+int64(len(p)) > MaxStreamBytes {
			w.mu.Unlock()
			w.cut(errStreamTooLarge)
			return 0, errStreamTooLarge
		}
		w.n += int64(len(p))
	}
	w.mu.Unlock()
	if !ok {
		return 0, errStreamGone
	}
	if w.head {
		return len(p), nil // HEAD: the headers only
	}
	// Blocks until the runtime has read the bytes: the handler runs no
	// further ahead of the network than one Write.
	if _, err := w.pw.Write(p); err != nil {
		return 0, errStreamGone
	}
	return len(p), nil
}

// WriteString lets io.WriteString skip a copy.
func (w *streamWriter) WriteString(s string) (int, error) { return w.Write([]byte(s)) }

// Flush sends the headers if they have not left; written bytes leave at
// once anyway. http.ResponseController.Flush uses it.
func (w *streamWriter) Flush() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.startLocked(nil)
}

// response is the streaming answer whose headers have left: its body is
// what the handler writes into the pipe.
func (w *streamWriter) response(body io.Reader) *events.APIGatewayProxyStreamingResponse {
	return &events.APIGatewayProxyStreamingResponse{StatusCode: w.status, MultiValueHeaders: map[string][]string(w.sent), Body: body}
}

func (w *streamWriter) started() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.state == streaming || w.state == ended
}

// finish sends the headers of a handler that returned without writing and
// ends the body.
func (w *streamWriter) finish() {
	w.mu.Lock()
	w.startLocked(nil)
	live := w.state == streaming
	w.state = ended
	w.mu.Unlock()
	if live {
		_ = w.pw.Close()
	}
}

// cut ends a started stream with err; it reports whether it did.
func (w *streamWriter) cut(err error) bool {
	w.mu.Lock()
	live := w.state == streaming
	if live {
		w.state = ended
	}
	w.mu.Unlock()
	if live {
		_ = w.pw.CloseWithError(err)
	}
	return live
}

// abandon marks a stream whose headers have not left as answered by the
// adapter; it reports false when the headers left first.
func (w *streamWriter) abandon() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.state != waiting {
		return false
	}
	w.state = abandoned
	return true
}

func (w *streamWriter) bytes() int64 {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.n
}

// The writer is what handlers expect of a streaming server.
var (
	_ http.Flusher    = (*streamWriter)(nil)
	_ io.StringWriter = (*streamWriter)(nil)
)
