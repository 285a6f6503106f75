package apigwlocal

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/goapigw/webapp/internal/awslimits"
)

// StreamInvoker runs one invocation whose response the caller reads as the
// function writes it: the streaming format's JSON prelude, eight NUL bytes,
// then the body. A function that ends its stream with an error (the
// runtime's error trailers) fails the last Read.
type StreamInvoker interface {
	InvokeStream(ctx context.Context, payload []byte) (io.ReadCloser, error)
}

// Limits of a streamed response.
const (
	maxPreludeBytes    = 16 << 10                                          // the prelude must come within the first 16 KB
	MaxStreamBytes     = awslimits.LambdaStreamedResponseBytes             // Lambda's limit for a streamed response
	unthrottledBytes   = awslimits.APIGatewayStreamFullSpeedBytes          // API Gateway streams the first 10 MB at full speed
	throttledBytesPerS = awslimits.APIGatewayStreamThrottledBytesPerSecond // and the rest at 2 MB/s
)

// streamCut is a stream that ended badly after its headers left: the
// client's connection is aborted so that it sees a cut response.
type streamCut struct{ cause error }

func (e *streamCut) Error() string { return "stream cut: " + e.cause.Error() }
func (e *streamCut) Unwrap() error { return e.cause }

// prelude is the streaming format's head.
type prelude struct {
	StatusCode        int                 `json:"statusCode"`
	Headers           map[string]string   `json:"headers"`
	MultiValueHeaders map[string][]string `json:"multiValueHeaders"`
	Cookies           []string            `json:"cookies"`
}

var delimiter = make([]byte, 8)

// parsePrelude finds the prelude and its delimiter at the start of head;
// it returns the prelude, the body bytes after it, and whether head held it
// all (false: read more).
func parsePrelude(head []byte) (*prelude, []byte, bool, error) {
	i := bytes.Index(head, delimiter)
	if i < 0 {
		if len(head) > maxPreludeBytes {
			return nil, nil, false, fmt.Errorf("no prelude delimiter in the first %d bytes: is the function answering in the buffered format?", maxPreludeBytes)
		}
		return nil, nil, false, nil
	}
	var p prelude
	if err := json.Unmarshal(head[:i], &p); err != nil {
		return nil, nil, false, fmt.Errorf("the prelude is not JSON: %w", err)
	}
	if p.StatusCode == 0 {
		p.StatusCode = http.StatusOK
	}
	if p.StatusCode < 100 || p.StatusCode > 599 {
		return nil, nil, false, fmt.Errorf("the prelude has statusCode %d", p.StatusCode)
	}
	return &p, head[i+len(delimiter):], true, nil
}

// serveStream invokes in STREAM mode and forwards the body as it arrives.
// The integration timeout bounds the whole stream.
func (g *Gateway) serveStream(w http.ResponseWriter, r *http.Request, reqID string, payload []byte) (int, error) {
	si, ok := g.inv.(StreamInvoker)
	if !ok {
		err := internalError(errors.New("the integration streams, but the invoker cannot"))
		return writeError(w, reqID, err), err
	}
	ctx, cancel := context.WithTimeout(r.Context(), g.cfg.IntegrationTimeout)
	defer cancel()
	body, err := si.InvokeStream(ctx, payload)
	if err != nil {
		err = invokeError(ctx, err)
		return writeError(w, reqID, err), err
	}
	defer body.Close()
	chunks := make(chan chunk, 1)
	stop := make(chan struct{})
	defer close(stop)
	go readChunks(body, chunks, stop)

	idle := time.NewTimer(g.cfg.StreamIdleTimeout)
	defer idle.Stop()
	var (
		p       *prelude
		head    []byte
		pending []byte // body bytes that came with the prelude
		ended   error  // how the body ended, when it did with the prelude
	)
	for p == nil {
		select {
		case c := <-chunks:
			head = append(head, c.data...)
			var done bool
			var perr error
			p, pending, done, perr = parsePrelude(head)
			switch {
			case perr != nil:
				e := internalError(fmt.Errorf("malformed streaming response: %w", perr))
				return writeError(w, reqID, e), e
			case !done && c.err != nil:
				e := internalError(fmt.Errorf("malformed streaming response: it ended before its prelude's delimiter: %v", c.err))
				return writeError(w, reqID, e), e
			}
			ended = c.err
		case <-ctx.Done():
			e := timeoutError(ctx.Err())
			return writeError(w, reqID, e), e
		}
	}

	h := w.Header()
	setHeaders(h, p.Headers, p.MultiValueHeaders, reqID)
	for _, c := range p.Cookies {
		h.Add("Set-Cookie", c)
	}
	w.WriteHeader(p.StatusCode)
	rc := http.NewResponseController(w)
	_ = rc.Flush()
	if r.Method == http.MethodHead {
		return p.StatusCode, nil
	}

	var sent int64
	throttleStart := time.Time{}
	send := func(b []byte) error {
		if len(b) == 0 {
			return nil
		}
		if sent+int64(len(b)) > MaxStreamBytes {
			return fmt.Errorf("the response passed Lambda's %d-byte streaming limit", MaxStreamBytes)
		}
		if g.cfg.StreamThrottle && sent+int64(len(b)) > unthrottledBytes {
			if throttleStart.IsZero() {
				throttleStart = time.Now()
			}
			over := sent + int64(len(b)) - unthrottledBytes
			due := throttleStart.Add(time.Duration(float64(over) / throttledBytesPerS * float64(time.Second)))
			if wait := time.Until(due); wait > 0 {
				select {
				case <-time.After(wait):
				case <-ctx.Done():
					return ctx.Err()
				}
			}
		}
		if _, err := w.Write(b); err != nil {
			return err
		}
		sent += int64(len(b))
		return rc.Flush()
	}
	// forward sends a chunk and says whether the stream is over, and how.
	forward := func(c chunk) (bool, error) {
		if err := send(c.data); err != nil {
			return true, &streamCut{err}
		}
		switch {
		case c.err == io.EOF:
			return true, nil
		case c.err != nil:
			return true, &streamCut{fmt.Errorf("the function ended its stream with an error: %w", c.err)}
		}
		return false, nil
	}
	// What came with the prelude is the body's first chunk.
	if over, err := forward(chunk{data: pending, err: ended}); over {
		return p.StatusCode, err
	}
	for {
		select {
		case c := <-chunks:
			if over, err := forward(c); over {
				return p.StatusCode, err
			}
			// Since Go 1.23 Reset needs no drain, and a receive after a
			// Stop that found the timer fired would block for ever.
			idle.Reset(g.cfg.StreamIdleTimeout)
		case <-idle.C:
			return p.StatusCode, &streamCut{fmt.Errorf("the stream sent nothing for %v", g.cfg.StreamIdleTimeout)}
		case <-ctx.Done():
			if r.Context().Err() != nil {
				return p.StatusCode, r.Context().Err() // the client left
			}
			return p.StatusCode, &streamCut{fmt.Errorf("the stream was still running at the %v integration timeout", g.cfg.IntegrationTimeout)}
		}
	}
}

type chunk struct {
	data []byte
	err  error // io.EOF at a clean end
}

// readChunks forwards what body yields, a read at a time, until its end or
// until stop is closed.
func readChunks(body io.Reader, out chan<- chunk, stop <-chan struct{}) {
	for {
		buf := make([]byte, 32<<10)
		n, err := body.Read(buf)
		if n > 0 || err != nil {
			select {
			case out <- chunk{data: buf[:n], err: err}:
			case <-stop:
				return
			}
		}
		if err != nil {
			return
		}
	}
}
