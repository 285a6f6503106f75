package main

import (
	"context"
	"fmt"
	"io"

	"github.com/goapigw/webapp/infra/assembly"
)

// startWatch watches the function's module and, unless -template names the
// template, the CDK app, for the run: see [stack.watch].
func startWatch(ctx context.Context, s *stack, o options, out io.Writer) {
	wc := watchConfig{}
	if o.template == "" {
		cfg, err := readCDKConfig(".")
		if err != nil {
			fmt.Fprintf(out, "watch is off: %v\n", err)
			return
		}
		wc.AppDir, wc.Output = cfg.dir, cfg.output
		wc.Resynth = func(ctx context.Context) (assembly.WebApp, error) { return reselect(ctx, o, out, s.app()) }
		wc.OnReady = func() {
			s.logf("Watching %s and the CDK app: a saved change reloads them (-watch=false turns this off).", s.app().Entry)
		}
	} else {
		wc.OnReady = func() {
			s.logf("Watching %s: a saved change rebuilds it (-watch=false turns this off).", s.app().Entry)
		}
	}
	go func() {
		if err := s.watch(ctx, wc); err != nil {
			s.logf("watch stopped: %v", err)
		}
	}()
}

// reselect synthesizes the CDK app again and picks the WebApp the flags
// choose; when they no longer choose one (the app gained a WebApp), it keeps
// the one being served.
func reselect(ctx context.Context, o options, out io.Writer, cur assembly.WebApp) (assembly.WebApp, error) {
	app, err := find(ctx, o, out)
	if err == nil || o.construct != "" {
		return app, err
	}
	cfg, cerr := readCDKConfig(".")
	if cerr != nil {
		return app, err
	}
	cfg.env, cfg.stack = o.env, o.stack
	if apps, rerr := assembly.Read(cfg.assembly); rerr != nil || stale(cfg, apps) {
		return app, err // the synthesis failed
	}
	o.env, o.stack, o.construct = "", cur.Stack, cur.Construct
	if again, err2 := find(ctx, o, io.Discard); err2 == nil {
		return again, nil
	}
	return app, err
}
