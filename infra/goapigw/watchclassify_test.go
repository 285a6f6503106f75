package main

import (
	"testing"

	"github.com/goapigw/webapp/infra/gobuild"
)

func TestWatchClassify(t *testing.T) {
	// The shop's layout: the CDK app and the function's module are one
	// directory; the function is ./cmd/web, which embeds static/.
	w := &watcher{appDir: "/app", output: "/app/cdk.out", in: gobuild.Inputs{
		ModuleDir:   "/app",
		Files:       []string{"/app/go.mod", "/app/go.sum", "/app/cmd/web/main.go", "/app/cmd/web/static/app.css", "/mod/restproxy/proxy.go"},
		PackageDirs: []string{"/app/cmd/web", "/mod/restproxy"},
	}}
	for _, c := range []struct {
		path string
		want change
	}{
		{"/app/cmd/web/main.go", rebuild},
		{"/app/cmd/web/new.go", rebuild},
		{"/app/cmd/web/static/app.css", rebuild},
		{"/app/cmd/web/static/new.js", rebuild},
		{"/mod/restproxy/proxy.go", rebuild},
		{"/app/go.mod", rebuild | resynth},
		{"/app/go.sum", rebuild | resynth},
		{"/app/cdk.json", resynth},
		{"/app/infra/main.go", resynth},
		{"/app/cmd/admin/main.go", resynth},
		{"/app/cmd/web/main_test.go", noChange},
		{"/app/infra/main_test.go", noChange},
		{"/app/README.md", noChange},
		{"/app/cmd/web/notes.txt", noChange},
		{"/elsewhere/x.go", noChange},
	} {
		t.Run(c.path, func(t *testing.T) {
			if got := w.classify(c.path); got != c.want {
				t.Errorf("got %v, want %v", got, c.want)
			}
		})
	}
	// With -template, no CDK app is watched.
	w.appDir = ""
	if got := w.classify("/app/infra/main.go"); got != noChange {
		t.Errorf("-template, the CDK app's file: got %v, want nothing", got)
	}
}

func TestWatchIgnores(t *testing.T) {
	for _, c := range []struct {
		path string
		want bool
	}{
		{"/app/cmd/web/main.go", false},
		{"/app/cdk.json", false},
		{"/app/cmd/web/4913", true},
		{"/app/cmd/web/main.go~", true},
		{"/app/cmd/web/.main.go.swp", true},
		{"/app/cmd/web/.main.go.swx", true},
		{"/app/cmd/web/.#main.go", true},
		{"/app/cmd/web/#main.go#", true},
		{"/app/cmd/web/main.go.tmp", true},
		{"/app/cmd/web/.main.go.kate-swp", true},
		{"/app/cmd/web/main.go___jb_tmp___", true},
	} {
		t.Run(c.path, func(t *testing.T) {
			if got := ignored(c.path); got != c.want {
				t.Errorf("got %v, want %v", got, c.want)
			}
		})
	}
	for _, c := range []struct {
		name string
		want bool
	}{
		{"cdk.out", true}, {"node_modules", true}, {".git", true}, {"bin", true}, {".idea", true},
		{"cmd", false}, {"static", false},
	} {
		if got := ignoredDir(c.name); got != c.want {
			t.Errorf("ignoredDir(%q): got %v, want %v", c.name, got, c.want)
		}
	}
}
