package main

import (
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"time"

	"github.com/goapigw/webapp/infra/assembly"
)

// app is the WebApp served now.
func (s *stack) app() assembly.WebApp {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.cfg.App
}

// rebuild builds the function again after a change to its code and swaps
// the new generation in: calls that run finish on the old one. The caller
// holds the gate (requests wait for the build); rebuild releases it with
// the build's outcome. since is when the change was seen.
func (s *stack) rebuild(since time.Time) {
	s.reloadMu.Lock()
	defer s.reloadMu.Unlock()
	app := s.app()
	start := time.Now()
	bootstrap, err := s.buildBootstrap(app)
	build := time.Since(start)
	if err == nil {
		var env environment
		if env, err = s.startEnvironment(bootstrap, s.fn); err == nil {
			s.inv.swap(removingBuild{env, bootstrap, s.cfg.WorkDir})
			if app.CloudFront != nil {
				err = s.serve(app) // the distribution's cache starts empty
			}
		}
	}
	s.gate.release(err)
	if err != nil {
		s.logf("%s build failed: %s", time.Now().Format("15:04:05"), indentMore(err.Error()))
		return
	}
	s.logf("%s reloaded %s in %.1f s (build %.1f s)", time.Now().Format("15:04:05"), app.Entry, time.Since(since).Seconds(), build.Seconds())
}

// apply serves next, the WebApp as a new synthesis of the CDK app has it,
// if it differs from the one served: a new generation of the function with
// its environment, the authorizer if its settings changed, and the doors
// with their configuration on the same ports. If next cannot be served,
// the old one stays. synth is how long the synthesis took.
func (s *stack) apply(next assembly.WebApp, since time.Time, synth time.Duration) {
	s.reloadMu.Lock()
	defer s.reloadMu.Unlock()
	cur := s.app()
	now := func() string { return time.Now().Format("15:04:05") }
	changes := describeChange(cur, next)
	if len(changes) == 0 {
		s.logf("%s re-synthesized in %.1f s: %s is unchanged", now(), synth.Seconds(), cur.Construct)
		return
	}
	if err := errors.Join(checkAuth(next, s.cfg.Htpasswd), checkLogin(next, s.cfg.Users)); err != nil {
		s.logf("%s reload failed, still serving the previous template: %v", now(), err)
		return
	}
	s.gate.hold()
	start := time.Now()
	bootstrap, err := s.buildBootstrap(next)
	build := time.Since(start)
	if err != nil {
		s.gate.release(err)
		s.logf("%s build failed: %s", now(), indentMore(err.Error()))
		return
	}
	fn, secret, err := localOriginSecret(next.Function, s.cfg.WorkDir)
	if err == nil {
		fn, err = s.withLogin(fn)
	}
	var env, authEnv environment
	if err == nil {
		env, err = s.startEnvironment(bootstrap, fn)
	}
	authChanged := !reflect.DeepEqual(cur.Authorizer, next.Authorizer) || !reflect.DeepEqual(cur.AuthorizerFunction, next.AuthorizerFunction)
	if err == nil && authChanged && next.Authorizer != nil {
		if authEnv, err = s.startAuthorizer(next); err != nil {
			env.Close()
		}
	}
	if err != nil {
		s.gate.cancel()
		s.logf("%s reload failed, still serving the previous template: %v", now(), err)
		return
	}
	s.fn, s.originSecret = fn, secret
	s.inv.swap(removingBuild{env, bootstrap, s.cfg.WorkDir})
	if authChanged {
		switch {
		case authEnv == nil && s.auth != nil:
			s.auth.Close()
			s.auth = nil
		case s.auth == nil && authEnv != nil:
			s.auth = newSwapInvoker(authEnv)
		case authEnv != nil:
			s.auth.swap(authEnv)
		}
	}
	err = s.serve(next)
	if err == nil {
		err = s.configureLogin()
	}
	s.gate.release(nil)
	if err != nil {
		s.logf("%s reload: %v", now(), err)
	}
	s.logf("%s reloaded %s from the CDK app in %.1f s (synth %.1f s, build %.1f s): %s", now(), next.Construct,
		time.Since(since).Seconds(), synth.Seconds(), build.Seconds(), strings.Join(changes, "; "))
	if cur.API.Stage != next.API.Stage || (cur.CloudFront == nil) != (next.CloudFront == nil) {
		s.mu.Lock()
		urls := fmt.Sprintf("  stage URL      %s\n  custom domain  %s", s.StageURL, s.DomainURL)
		if s.CloudFrontURL != "" {
			urls += "\n  CloudFront     " + s.CloudFrontURL
		}
		s.mu.Unlock()
		s.logf("%s", urls)
	}
}

// describeChange names what differs between two WebApps' local
// configurations; nothing when they run the same.
func describeChange(a, b assembly.WebApp) []string {
	var out []string
	if a.Construct != b.Construct || a.Stack != b.Stack {
		out = append(out, fmt.Sprintf("now serving %s", b.Construct))
	}
	if a.API.Stage != b.API.Stage {
		out = append(out, fmt.Sprintf("stage %s → %s", a.API.Stage, b.API.Stage))
	}
	var env []string
	for k := range maps.Keys(b.Function.Environment) {
		if v, ok := a.Function.Environment[k]; !ok {
			env = append(env, "+"+k)
		} else if v != b.Function.Environment[k] {
			env = append(env, "~"+k)
		}
	}
	for k := range maps.Keys(a.Function.Environment) {
		if _, ok := b.Function.Environment[k]; !ok {
			env = append(env, "-"+k)
		}
	}
	if len(env) > 0 {
		slices.Sort(env)
		out = append(out, "environment "+strings.Join(env, " ")) // names only: values may be secrets
	}
	if (a.CloudFront == nil) != (b.CloudFront == nil) {
		out = append(out, fmt.Sprintf("distribution: %v", b.CloudFront != nil))
	}
	if !reflect.DeepEqual(a.Authorizer, b.Authorizer) || !reflect.DeepEqual(a.AuthorizerFunction, b.AuthorizerFunction) {
		out = append(out, "authorizer")
	}
	if len(out) == 0 && !reflect.DeepEqual(a, b) {
		// Memory, timeout, routes, asset, template path: the function
		// runs again with them.
		out = append(out, "function or API settings")
	}
	return out
}

// removingBuild is a generation whose bootstrap directory goes when it
// stops (the first build's stays: it is the work directory).
type removingBuild struct {
	environment
	bootstrap, work string
}

func (r removingBuild) Close() {
	r.environment.Close()
	if dir := filepath.Dir(r.bootstrap); filepath.Clean(dir) != filepath.Clean(r.work) {
		_ = os.RemoveAll(dir)
	}
}

func (r removingBuild) PGID() int {
	if p, ok := r.environment.(interface{ PGID() int }); ok {
		return p.PGID()
	}
	return 0
}

// indentMore indents the lines after the first, under a log line.
func indentMore(s string) string {
	return strings.ReplaceAll(strings.TrimRight(s, "\n"), "\n", "\n      ")
}
