package main

import (
	"cmp"
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/fsnotify/fsnotify"

	"github.com/goapigw/webapp/infra/assembly"
	"github.com/goapigw/webapp/infra/gobuild"
)

// debounce is how long the watcher waits after a change for the next one:
// an editor's save is several events (a temporary file, a rename, a chmod).
const debounce = 100 * time.Millisecond

// watchConfig says what the watcher watches besides the function's module.
type watchConfig struct {
	// AppDir is the CDK app's directory (where cdk.json is); "" watches
	// only the function (with -template).
	AppDir string
	// Output is the cloud assembly's directory, which synthesis writes.
	Output string
	// Resynth synthesizes the CDK app again and picks the WebApp to serve;
	// it is called after a change to the CDK app.
	Resynth func(ctx context.Context) (assembly.WebApp, error)
	// OnReady, if set, is called once the watcher watches.
	OnReady func()
}

// change is what a changed file asks for.
type change int

const (
	noChange change = 0
	rebuild  change = 1 << iota // the function's bootstrap
	resynth                     // the CDK app's template
)

// watcher follows the files of the function's module and of the CDK app.
type watcher struct {
	s      *stack
	cfg    watchConfig
	fsw    *fsnotify.Watcher
	appDir string // absolute, links resolved; "" without
	output string
	mu     sync.Mutex
	in     gobuild.Inputs // the function's build inputs, refreshed after each build
}

// watch rebuilds the function when its sources change and re-synthesizes
// when the CDK app changes, until ctx ends.
func (s *stack) watch(ctx context.Context, cfg watchConfig) error {
	fsw, err := fsnotify.NewWatcher()
	if err != nil {
		return fmt.Errorf("watch: %w", err)
	}
	defer fsw.Close()
	w := &watcher{s: s, cfg: cfg, fsw: fsw}
	app := s.app()
	modDir, err := moduleDir(app, s.cfg.AppDir)
	if err != nil {
		return err
	}
	roots := []string{realAbs(modDir)}
	if cfg.AppDir != "" {
		w.appDir = realAbs(cfg.AppDir)
		w.output = realAbs(cmp.Or(cfg.Output, filepath.Join(cfg.AppDir, "cdk.out")))
		roots = append(roots, w.appDir)
	}
	for _, r := range roots {
		if err := w.addTree(r); err != nil {
			return err
		}
	}
	w.refreshInputs()
	if cfg.OnReady != nil {
		cfg.OnReady()
	}

	builds := make(chan time.Time, 1) // each pending build carries one hold of the gate
	synths := make(chan time.Time, 1)
	// The listing is refreshed after each build (an edit may import
	// another package), beside the next build rather than before it.
	relist := make(chan struct{}, 1)
	var wg sync.WaitGroup
	defer wg.Wait()
	wg.Go(func() {
		for range relist {
			w.refreshInputs()
		}
	})
	wg.Go(func() {
		defer close(relist)
		for since := range builds {
			s.rebuild(since)
			select {
			case relist <- struct{}{}:
			default:
			}
		}
	})
	wg.Go(func() {
		for since := range synths {
			start := time.Now()
			next, err := cfg.Resynth(ctx)
			if ctx.Err() != nil {
				return
			}
			if err != nil {
				s.logf("%s synth failed, still serving the previous template: %s", time.Now().Format("15:04:05"), indentMore(err.Error()))
				continue
			}
			s.apply(next, since, time.Since(start))
			w.refreshInputs()
		}
	})
	defer close(synths)
	defer close(builds)

	timer := time.NewTimer(time.Hour)
	timer.Stop()
	var pending change
	var since time.Time
	held := false
	for {
		select {
		case <-ctx.Done():
			if held {
				s.gate.cancel()
			}
			return nil
		case err, ok := <-fsw.Errors:
			if !ok {
				return nil
			}
			s.logf("%s watch: %v", time.Now().Format("15:04:05"), err)
		case ev, ok := <-fsw.Events:
			if !ok {
				return nil
			}
			if ignored(ev.Name) || w.isOutput(ev.Name) {
				continue
			}
			if ev.Has(fsnotify.Create) {
				if fi, err := os.Lstat(ev.Name); err == nil && fi.IsDir() {
					if !ignoredDir(filepath.Base(ev.Name)) {
						_ = w.addTree(ev.Name) // a new directory, and what it already holds
					}
					continue
				}
			}
			if ev.Op == fsnotify.Chmod {
				continue
			}
			c := w.classify(ev.Name)
			if c == noChange {
				continue
			}
			if pending == noChange {
				since = time.Now()
			}
			pending |= c
			if c&rebuild != 0 && !held {
				// Requests wait from the first event of the save.
				s.gate.hold()
				held = true
			}
			timer.Reset(debounce)
		case <-timer.C:
			if pending&rebuild != 0 {
				select {
				case builds <- since:
				default:
					s.gate.cancel() // a pending build takes these sources too
				}
				held = false
			}
			if pending&resynth != 0 {
				select {
				case synths <- since:
				default:
				}
			}
			pending = noChange
		}
	}
}

// addTree watches dir and every directory under it that is not ignored.
func (w *watcher) addTree(dir string) error {
	return filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if p == dir {
				return err
			}
			return nil
		}
		if !d.IsDir() {
			return nil
		}
		if p != dir && (ignoredDir(d.Name()) || w.isOutput(p)) {
			return fs.SkipDir
		}
		if err := w.fsw.Add(p); err != nil {
			return fmt.Errorf("watch %s: %w", p, err)
		}
		return nil
	})
}

func (w *watcher) isOutput(p string) bool {
	return w.output != "" && within(p, w.output)
}

func (w *watcher) refreshInputs() {
	app := w.s.app()
	dir, err := moduleDir(app, w.s.cfg.AppDir)
	if err != nil {
		return
	}
	in, err := gobuild.Build{ModuleDir: dir, Entry: app.Entry, GOARCH: runtime.GOARCH}.Inputs()
	if err != nil {
		return // a broken module: keep what the last good listing said
	}
	w.mu.Lock()
	w.in = in
	w.mu.Unlock()
}

// classify says what a change to the file at p asks for: a rebuild for a
// file the bootstrap is built from (a Go file of one of its packages, an
// embedded file, go.mod, go.sum), a new synthesis for cdk.json and the CDK
// app's other Go files and modules. Test files, testdata and files of
// neither ask for nothing.
func (w *watcher) classify(p string) change {
	w.mu.Lock()
	in := w.in
	w.mu.Unlock()
	base := filepath.Base(p)
	var c change
	inApp := w.appDir != "" && within(p, w.appDir)
	switch {
	case strings.HasSuffix(base, "_test.go"):
		return noChange
	case inApp && p == filepath.Join(w.appDir, "cdk.json"):
		return resynth
	case base == "go.mod" || base == "go.sum" || base == "go.work" || base == "go.work.sum":
		if slices.Contains(in.Files, p) {
			c |= rebuild
		}
		if inApp {
			c |= resynth
		}
		return c
	case slices.Contains(in.Files, p):
		return rebuild
	case strings.HasSuffix(base, ".go"):
		if slices.Contains(in.PackageDirs, filepath.Dir(p)) {
			return rebuild // a new file of one of its packages
		}
		if inApp {
			return resynth
		}
		return noChange
	}
	// A new file in an embedded directory.
	for _, f := range in.Files {
		switch filepath.Ext(f) {
		case ".go", ".s", ".mod", ".sum", ".work":
			continue // not an embedded file
		}
		if d := filepath.Dir(f); !slices.Contains(in.PackageDirs, d) && within(p, d) {
			return rebuild
		}
	}
	return noChange
}

// ignoredDir names directories the watcher skips: the cloud assembly,
// dependencies, version control, build output, test data, hidden ones.
func ignoredDir(name string) bool {
	switch name {
	case "cdk.out", "node_modules", ".git", "bin", "testdata", "vendor":
		return true
	}
	return strings.HasPrefix(name, ".")
}

// ignored reports whether a path names an editor's temporary or backup
// file. (The watcher watches no ignored directory, so no event comes from
// one.)
func ignored(p string) bool {
	base := filepath.Base(p)
	switch {
	case base == "4913", // vim's probe of a directory's permissions
		strings.HasPrefix(base, "."),                                 // .#x (Emacs locks), .x.swp (vim), .x.kate-swp, .DS_Store
		strings.HasPrefix(base, "#") && strings.HasSuffix(base, "#"), // Emacs auto-save
		strings.HasSuffix(base, "~"),
		strings.HasSuffix(base, ".swp"), strings.HasSuffix(base, ".swx"), strings.HasSuffix(base, ".swo"),
		strings.HasSuffix(base, ".tmp"), strings.HasSuffix(base, ".bak"),
		strings.HasSuffix(base, "___jb_tmp___"), strings.HasSuffix(base, "___jb_old___"): // JetBrains
		return true
	}
	return false
}

// realAbs is p absolute with its links resolved, as the watcher's events
// and the go command's listing name files.
func realAbs(p string) string {
	abs, err := filepath.Abs(p)
	if err != nil {
		return p
	}
	if r, err := filepath.EvalSymlinks(abs); err == nil {
		return r
	}
	return abs
}

// within reports whether path p is dir or below it.
func within(p, dir string) bool {
	rel, err := filepath.Rel(dir, p)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
}
