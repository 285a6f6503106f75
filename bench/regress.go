package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
)

type proxyResponse struct {
	StatusCode        int                 `json:"statusCode"`
	Headers           map[string]string   `json:"headers"`
	MultiValueHeaders map[string][]string `json:"multiValueHeaders"`
	Body              string              `json:"body"`
}

func (r proxyResponse) header(k string) []string {
	if v := r.MultiValueHeaders[k]; len(v) > 0 {
		return v
	}
	if v, ok := r.Headers[k]; ok {
		return []string{v}
	}
	return nil
}

type fatal struct{}

func (fatal) Fatal(args ...any) { panic(fmt.Sprint(args...)) }

// regressionTable runs the adapter's regression cases against every adapter
// and returns a Markdown table of the outcomes.
func regressionTable() string {
	pathEcho := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, r.URL.EscapedPath())
	})
	queryEcho := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, r.URL.RawQuery)
	})
	redirect := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/x", http.StatusFound)
	})
	silent := http.HandlerFunc(func(http.ResponseWriter, *http.Request) {})
	cookies := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Add("Set-Cookie", "a=1")
		w.Header().Add("Set-Cookie", "b=2")
		_, _ = io.WriteString(w, "ok")
	})
	cases := []struct {
		name    string
		h       http.Handler
		fixture string
		check   func(run func() proxyResponse) (bool, string)
	}{
		{"base path \"shop\": handler sees /a/b", pathEcho, "base-path", func(run func() proxyResponse) (bool, string) {
			r := run()
			return r.Body == "/a/b", r.Body
		}},
		{"base path \"api\", request /api/apiary: handler sees /apiary", pathEcho, "base-path-apiary", func(run func() proxyResponse) (bool, string) {
			r := run()
			return r.Body == "/apiary", r.Body
		}},
		{"%2F stays encoded", pathEcho, "encoded-path", func(run func() proxyResponse) (bool, string) {
			r := run()
			return r.Body == "/files/caf%C3%A9/a%2Fb%20c/", r.Body
		}},
		{"redirect to /x at the stage URL lands on /prod/x", redirect, "stage-get", func(run func() proxyResponse) (bool, string) {
			loc := strings.Join(run().header("Location"), ",")
			return loc == "/prod/x", loc
		}},
		{"/prod without slash redirects to /prod/", pathEcho, "stage-root-noslash", func(run func() proxyResponse) (bool, string) {
			r := run()
			return r.StatusCode == 301 || r.StatusCode == 308, fmt.Sprint(r.StatusCode)
		}},
		{"handler that writes nothing gets 200", silent, "stage-get", func(run func() proxyResponse) (bool, string) {
			r := run()
			if r.StatusCode < 0 {
				return false, r.Body
			}
			return r.StatusCode == 200, fmt.Sprint(r.StatusCode)
		}},
		{"query order is the same in 20 runs", queryEcho, "multi-value", func(run func() proxyResponse) (bool, string) {
			seen := map[string]bool{}
			for range 20 {
				seen[run().Body] = true
			}
			return len(seen) == 1, fmt.Sprintf("%d orders", len(seen))
		}},
		{"both Set-Cookie headers kept", cookies, "stage-get", func(run func() proxyResponse) (bool, string) {
			c := run().header("Set-Cookie")
			return len(c) == 2, fmt.Sprintf("%d cookies", len(c))
		}},
	}
	var b strings.Builder
	b.WriteString("## Regression cases\n\nThe adapter's regression cases run against each adapter; ✗ shows what the handler got instead.\n\n| case |")
	names := []string{}
	for _, a := range adapters(http.NotFoundHandler()) {
		names = append(names, a.name)
		b.WriteString(" " + a.name + " |")
	}
	b.WriteString("\n|---|" + strings.Repeat("---|", len(names)) + "\n")
	for _, c := range cases {
		b.WriteString("| " + c.name + " |")
		payload := fixture(fatal{}, c.fixture)
		for _, a := range adapters(c.h) {
			run := func() proxyResponse {
				out, err := a.h.Invoke(context.Background(), payload)
				var r proxyResponse
				if err == nil {
					err = json.Unmarshal(out, &r)
				}
				if err != nil {
					r.StatusCode, r.Body = -1, "error: "+err.Error()
				}
				return r
			}
			ok, got := c.check(run)
			if ok {
				b.WriteString(" ✓ |")
			} else {
				fmt.Fprintf(&b, " ✗ `%s` |", strings.ReplaceAll(truncate(got), "|", "\\|"))
			}
		}
		b.WriteString("\n")
	}
	return b.String() + "\n"
}

func truncate(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}
