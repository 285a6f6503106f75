package restproxy_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"

	"github.com/goapigw/webapp/function/restproxy"
)

// A handler builds links from the public prefix, so they work under the stage
// URL ("/prod/..."), a custom domain ("/...") and a base path ("/shop/...").
func Example() {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /hello", func(w http.ResponseWriter, r *http.Request) {
		prefix := restproxy.PrefixFromContext(r.Context())
		fmt.Fprintf(w, "path %s, home at %s/", r.URL.Path, prefix)
	})
	h := restproxy.Wrap(mux, restproxy.WithLogger(slog.New(slog.DiscardHandler)))

	// In a Lambda function: restproxy.Start(mux). Here, one stage-URL event.
	event := `{"resource":"/{proxy+}","path":"/hello","httpMethod":"GET",
		"pathParameters":{"proxy":"hello"},
		"requestContext":{"path":"/prod/hello","stage":"prod"}}`
	out, _ := h.Invoke(context.Background(), []byte(event))
	var res struct {
		StatusCode int    `json:"statusCode"`
		Body       string `json:"body"`
	}
	_ = json.Unmarshal(out, &res)
	fmt.Println(res.StatusCode, res.Body)
	// Output: 200 path /hello, home at /prod/
}
