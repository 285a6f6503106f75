package apigwlocal

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"
)

// fixedStream answers every invocation with the bytes that aws-lambda-go's
// streaming response produces for res, then fails with tail (nil: a clean
// end).
type fixedStream struct {
	res  func() *events.APIGatewayProxyStreamingResponse // a fresh one each time: it is read once
	raw  []byte                                          // used instead of res when set
	tail error
}

func (f fixedStream) Invoke(context.Context, []byte) ([]byte, error) {
	return nil, errors.New("not buffered")
}

func (f fixedStream) InvokeStream(context.Context, []byte) (io.ReadCloser, error) {
	var r io.Reader = bytes.NewReader(f.raw)
	if f.raw == nil {
		r = f.res()
	}
	if f.tail != nil {
		r = io.MultiReader(r, errReader{f.tail})
	}
	return io.NopCloser(r), nil
}

type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }

func TestStreamPrelude(t *testing.T) {
	binary := []byte{0, 1, 2, 0, 0, 0, 0, 0, 0, 0, 0, 255, 254}
	inv := fixedStream{res: func() *events.APIGatewayProxyStreamingResponse {
		return &events.APIGatewayProxyStreamingResponse{
			StatusCode:        201,
			Headers:           map[string]string{"Content-Type": "application/octet-stream", "X-One": "1"},
			MultiValueHeaders: map[string][]string{"X-Many": {"a", "b"}},
			Cookies:           []string{"a=1; Path=/", "b=2; Path=/"},
			Body:              bytes.NewReader(binary),
		}
	}}
	g := New(inv, Config{StageURL: true, Streaming: true})
	w := httptest.NewRecorder()
	g.ServeHTTP(w, httptest.NewRequest("GET", "/prod/x", nil))
	res := w.Result()
	if res.StatusCode != 201 || !bytes.Equal(w.Body.Bytes(), binary) {
		t.Errorf("got %d %v, want 201 and the body byte-exact (NULs inside it included)", res.StatusCode, w.Body.Bytes())
	}
	h := res.Header
	if h.Get("X-One") != "1" || strings.Join(h.Values("X-Many"), ",") != "a,b" ||
		strings.Join(h.Values("Set-Cookie"), "|") != "a=1; Path=/|b=2; Path=/" || h.Get("Content-Length") != "" {
		t.Errorf("headers: got %v", h)
	}

	t.Run("HEAD", func(t *testing.T) {
		w := httptest.NewRecorder()
		g.ServeHTTP(w, httptest.NewRequest("HEAD", "/prod/x", nil))
		if w.Code != 201 || w.Body.Len() != 0 {
			t.Errorf("got %d with %d bytes", w.Code, w.Body.Len())
		}
	})
	t.Run("a buffered answer behind a STREAM integration", func(t *testing.T) {
		g := New(fixedStream{raw: []byte(`{"statusCode":200,"body":"hello"}`)}, Config{StageURL: true, Streaming: true})
		w := httptest.NewRecorder()
		g.ServeHTTP(w, httptest.NewRequest("GET", "/prod/x", nil))
		if w.Code != 502 || w.Body.String() != `{"message":"Internal server error"}` {
			t.Errorf("got %d %s, want API Gateway's 502", w.Code, w.Body.String())
		}
	})
	t.Run("an error mid-stream cuts the response", func(t *testing.T) {
		inv := fixedStream{res: func() *events.APIGatewayProxyStreamingResponse {
			return &events.APIGatewayProxyStreamingResponse{StatusCode: 200, Body: strings.NewReader("partial")}
		}, tail: errors.New("boom")}
		srv := httptest.NewServer(New(inv, Config{StageURL: true, Streaming: true}))
		defer srv.Close()
		res, err := http.Get(srv.URL + "/prod/x")
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		body, err := io.ReadAll(res.Body)
		if string(body) != "partial" || err == nil {
			t.Errorf("got %q, %v; want the first bytes, then a broken stream", body, err)
		}
	})
}
