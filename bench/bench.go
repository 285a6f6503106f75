package main

import (
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"time"

	"github.com/akrylysov/algnhsa"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/awslabs/aws-lambda-go-api-proxy/httpadapter"

	"github.com/goapigw/webapp/function/restproxy"
	"github.com/goapigw/webapp/function/web"
)

// fataler is the part of testing.TB the helpers need, so that the command
// can use them too.
type fataler interface {
	Fatal(args ...any)
}

// handler is the same app for every adapter: the sample page, its assets,
// a form POST that answers with a small HTML fragment, and /ping, which does
// almost nothing and so shows the adapters' own cost.
func handler(tb fataler) http.Handler {
	app, err := web.New()
	if err != nil {
		tb.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/", app)
	mux.HandleFunc("GET /ping", func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, "pong")
	})
	mux.HandleFunc("POST /days", func(w http.ResponseWriter, r *http.Request) {
		days, err := web.DaysSince(r.PostFormValue("date"), time.Now())
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		if err != nil {
			w.WriteHeader(http.StatusBadRequest)
			_, _ = io.WriteString(w, err.Error())
			return
		}
		fmt.Fprintf(w, "You're <strong>%d</strong> days young!", days)
	})
	return mux
}

// adapters are the contenders, each as the Lambda runtime calls it.
func adapters(h http.Handler) []struct {
	name string
	h    lambda.Handler
} {
	return []struct {
		name string
		h    lambda.Handler
	}{
		{"restproxy", restproxy.Wrap(h, restproxy.WithLogger(slog.New(slog.DiscardHandler)))},
		{"api-proxy", lambda.NewHandler(httpadapter.New(h).ProxyWithContext)},
		{"algnhsa", algnhsa.New(h, nil)},
	}
}

func fixture(tb fataler, name string) []byte {
	b, err := os.ReadFile(filepath.Join("..", "function", "restproxy", "testdata", "events", name+".json"))
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// events are the benchmark's requests: the page at the stage URL, the
// architecture picture, and the form POST (a base64 body, as "*/*" sends it).
func events(tb fataler, h http.Handler) []struct {
	name    string
	payload []byte
} {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	m := regexp.MustCompile(`<img src="/assets/([^"]+)"`).FindStringSubmatch(rec.Body.String())
	if m == nil {
		tb.Fatal("no picture in the page")
	}
	var img map[string]any
	if err := json.Unmarshal(fixture(tb, "image-get"), &img); err != nil {
		tb.Fatal(err)
	}
	img["path"] = "/assets/" + m[1]
	img["pathParameters"] = map[string]any{"proxy": "assets/" + m[1]}
	img["requestContext"].(map[string]any)["path"] = "/prod/assets/" + m[1]
	imgPayload, _ := json.Marshal(img)
	var ping map[string]any
	if err := json.Unmarshal(fixture(tb, "stage-get"), &ping); err != nil {
		tb.Fatal(err)
	}
	ping["path"], ping["pathParameters"] = "/ping", map[string]any{"proxy": "ping"}
	ping["requestContext"].(map[string]any)["path"] = "/prod/ping"
	pingPayload, _ := json.Marshal(ping)
	return []struct {
		name    string
		payload []byte
	}{
		{"page", fixture(tb, "stage-root")},
		{"image", imgPayload},
		{"form", fixture(tb, "form-post")},
		{"ping", pingPayload},
	}
}
