package main

import (
	"encoding/base64"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/goapigw/webapp/function/web/webtest"
	"github.com/goapigw/webapp/infra/assembly"
)

func prodApp(tb testing.TB) assembly.WebApp {
	tb.Helper()
	a := envApp(tb, "prod")
	if a.CloudFront == nil {
		tb.Fatal("the prod WebApp records no distribution")
	}
	return a
}

// TestCloudFrontCachesHashedAssets has two new viewers load the page
// through the CloudFront door, with the prod template's cache policy and
// with the managed CachingDisabled policy the construct used before: the
// function's invocations per first view are counted.
func TestCloudFrontCachesHashedAssets(t *testing.T) {
	chromium := webtest.Chromium(t)
	tests := []struct {
		name                string
		disabled            bool
		wantFirst, wantNext int
	}{
		{name: "CachingDisabled", disabled: true, wantFirst: 3, wantNext: 3},
		{name: "the construct's policy", disabled: false, wantFirst: 3, wantNext: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			app := prodApp(t)
			cf := *app.CloudFront
			if !tt.disabled && (cf.CachingDisabled || cf.MaxTTL == 0) {
				t.Fatalf("the prod distribution's policy keeps nothing: %+v", cf)
			}
			cf.CachingDisabled = tt.disabled
			app.CloudFront = &cf
			s, sv := runningWith(t, app, func(c *stackConfig) { c.CloudFrontAddr = "127.0.0.1:0" })
			var counts []int
			for range 2 {
				before := len(sv.all())
				webtest.Visit(t, chromium, s.CloudFrontURL)
				counts = append(counts, len(sv.all())-before)
			}
			fmt.Printf("invocations per first view through CloudFront (%s): first viewer %d, second viewer %d\n", tt.name, counts[0], counts[1])
			if counts[0] != tt.wantFirst || counts[1] != tt.wantNext {
				t.Errorf("function invocations: first viewer %d, second %d; want %d and %d", counts[0], counts[1], tt.wantFirst, tt.wantNext)
			}
		})
	}
}

// TestCloudFrontWithBasicAuth puts the CloudFront door, with the policy the
// construct writes for basic auth (keyed on Authorization), in front of the
// staging stack: a cached asset reaches only the credentials that fetched it.
func TestCloudFrontWithBasicAuth(t *testing.T) {
	app := stagingApp(t)
	app.CloudFront = &assembly.CloudFront{MaxTTL: 300 * time.Second, Headers: []string{"Authorization"}, QueryStrings: true,
		OriginHeaders: map[string]string{"X-Forwarded-Prefix": "/"}}
	file := htpasswdFile(t, map[string]string{"alice": "al1ce-pw-Qx", "bob": "b0b-pw-Lm"})
	s, _ := runningWith(t, app, func(c *stackConfig) { c.Htpasswd = file; c.CloudFrontAddr = "127.0.0.1:0" })
	alice := "Basic " + base64.StdEncoding.EncodeToString([]byte("alice:al1ce-pw-Qx"))
	bob := "Basic " + base64.StdEncoding.EncodeToString([]byte("bob:b0b-pw-Lm"))
	wrong := "Basic " + base64.StdEncoding.EncodeToString([]byte("alice:guess"))

	_, page := get(t, s.CloudFrontURL, alice)
	m := regexp.MustCompile(`<script src="([^"]+)"`).FindSubmatch(page)
	if m == nil {
		t.Fatalf("no script on the page:\n%s", page)
	}
	asset := strings.TrimSuffix(s.CloudFrontURL, "/") + string(m[1])
	for _, c := range []struct {
		name, auth string
		status     int
		cache      string
	}{
		{"alice, first", alice, 200, "Miss from cloudfront"},
		{"alice, again", alice, 200, "Hit from cloudfront"},
		{"no credentials", "", 401, "Miss from cloudfront"},
		{"wrong password", wrong, 401, "Miss from cloudfront"},
		{"bob, valid but other credentials", bob, 200, "Miss from cloudfront"},
	} {
		res, _ := get(t, asset, c.auth)
		if res.StatusCode != c.status || res.Header.Get("X-Cache") != c.cache {
			t.Errorf("%s: got %d %q, want %d %q", c.name, res.StatusCode, res.Header.Get("X-Cache"), c.status, c.cache)
		}
	}
}
