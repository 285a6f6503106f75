package web_test

import (
	"flag"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/goapigw/webapp/function/restproxy"
	"github.com/goapigw/webapp/function/web"
	"github.com/goapigw/webapp/function/web/webtest"
	"github.com/goapigw/webapp/infra/apigwlocal"
)

// TestBrowser drives the page in headless Chromium behind every front door of
// the adapter, in process: the API Gateway emulator builds the events and the
// adapter serves them, as in Lambda.
func TestBrowser(t *testing.T) {
	chromium := webtest.Chromium(t)
	app, err := web.New()
	if err != nil {
		t.Fatal(err)
	}
	fn := restproxy.Wrap(app, restproxy.WithLogger(slog.New(slog.DiscardHandler)))
	doors := []struct {
		name string
		cfg  apigwlocal.Config
		path string
	}{
		{name: "custom domain", cfg: apigwlocal.Config{}, path: "/"},
		{name: "stage URL", cfg: apigwlocal.Config{StageURL: true}, path: "/prod/"},
		{name: "stage URL without slash", cfg: apigwlocal.Config{StageURL: true}, path: "/prod"},
		{name: "base path", cfg: apigwlocal.Config{BasePath: "shop"}, path: "/shop/"},
	}
	for _, d := range doors {
		t.Run(d.name, func(t *testing.T) {
			var mu sync.Mutex
			var served []int
			d.cfg.BinaryMediaTypes = []string{"*/*"}
			d.cfg.OnInvoke = func(i apigwlocal.Invocation) {
				mu.Lock()
				defer mu.Unlock()
				served = append(served, i.Status)
			}
			srv := httptest.NewServer(apigwlocal.New(fn, d.cfg))
			defer srv.Close()
			cost := webtest.Check(t, chromium, srv.URL+d.path, time.Now(), func() []int {
				mu.Lock()
				defer mu.Unlock()
				return append([]int(nil), served...)
			})
			if cost.FirstRequests > 3+strings.Count(d.name, "without slash") || cost.FirstBytes > 100_000 {
				t.Errorf("first view: %d requests, %.0f bytes; want at most 3 (plus the redirect) and 100 KB", cost.FirstRequests, cost.FirstBytes)
			}
			fmt.Printf("page cost (%s, %s): %s\n", d.name, d.path, cost)
			if d.name == "stage URL" && updating() {
				webtest.Screenshot(t, chromium, srv.URL+d.path+"?date=1993-01-01", filepath.Join("testdata", "screenshot.png"))
			}
		})
	}
	t.Run("JavaScript off", func(t *testing.T) {
		srv := httptest.NewServer(apigwlocal.New(fn, apigwlocal.Config{StageURL: true, BinaryMediaTypes: []string{"*/*"}}))
		defer srv.Close()
		webtest.CheckWithoutScript(t, chromium, srv.URL+"/prod/", time.Now())
	})
}

// updating reports whether -update was given (the flag lives in web_test.go).
func updating() bool {
	f := flag.Lookup("update")
	return f != nil && f.Value.String() == "true"
}
