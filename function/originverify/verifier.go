package originverify

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"
)

// Timing of the cache; see the package documentation.
const (
	// RefreshInterval is how long fetched values are used before they are
	// fetched again.
	RefreshInterval = 5 * time.Minute
	// RetryInterval is the least time between two fetches that are not
	// scheduled: after a mismatch or a failed fetch.
	RetryInterval = 30 * time.Second
	// MaxStale is how long after the last successful fetch its values
	// stay in use while fetches fail.
	MaxStale = 15 * time.Minute
	// FetchTimeout bounds one fetch, so that a hung secret store does not
	// use up the request's integration timeout.
	FetchTimeout = 5 * time.Second
)

// ErrUnavailable marks a check that could not be made: the verifier holds
// no usable values. The request must be refused (fail closed).
var ErrUnavailable = errors.New("origin secret unavailable")

// Verifier checks presented header values against a secret's values. It
// is safe for concurrent use.
type Verifier struct {
	src Source
	log *slog.Logger

	mu          sync.Mutex
	vals        Values
	have        bool      // vals are usable
	fetchedAt   time.Time // last successful fetch
	attemptedAt time.Time // last fetch, successful or not
	lastErr     error     // of the last fetch
}

// Option configures a Verifier.
type Option func(*Verifier)

// WithLogger sets where a failed fetch is logged while older values stay in
// use. Default: slog.Default().
func WithLogger(l *slog.Logger) Option {
	return func(v *Verifier) {
		if l != nil {
			v.log = l
		}
	}
}

// New returns a Verifier of the values src fetches. Nothing is fetched
// until the first check.
func New(src Source, opts ...Option) *Verifier {
	v := &Verifier{src: src, log: slog.Default()}
	for _, o := range opts {
		o(v)
	}
	return v
}

// Check reports whether presented is the secret's current or previous
// value. An error wraps [ErrUnavailable]: no values could be read, and the
// request must be refused. An empty presented value never matches.
func (v *Verifier) Check(ctx context.Context, presented string) (bool, error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	now := time.Now()
	due := !v.have || now.Sub(v.fetchedAt) >= RefreshInterval
	// After a failed fetch, wait RetryInterval before the next.
	if due && (v.lastErr == nil || now.Sub(v.attemptedAt) >= RetryInterval) {
		v.fetchLocked(ctx, now)
	}
	if v.have && v.lastErr != nil && now.Sub(v.fetchedAt) >= MaxStale {
		v.vals, v.have = Values{}, false
	}
	if !v.have {
		return false, fmt.Errorf("%w: %w", ErrUnavailable, v.lastErr)
	}
	if v.match(presented) {
		return true, nil
	}
	// A rotation may have happened since the last fetch.
	if now.Sub(v.attemptedAt) >= RetryInterval {
		v.fetchLocked(ctx, now)
		if !v.have {
			return false, fmt.Errorf("%w: %w", ErrUnavailable, v.lastErr)
		}
		return v.match(presented), nil
	}
	return false, nil
}

// fetchLocked fetches the values. When the fetch fails, the values held
// stay until MaxStale after the last successful fetch.
func (v *Verifier) fetchLocked(ctx context.Context, now time.Time) {
	v.attemptedAt = now
	fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), FetchTimeout)
	defer cancel()
	vals, err := v.src(fctx)
	if err == nil && vals.Current == "" {
		err = errors.New("the secret has no current value")
	}
	v.lastErr = err
	switch {
	case err == nil:
		v.vals, v.have, v.fetchedAt = vals, true, now
	case v.have && now.Sub(v.fetchedAt) < MaxStale:
		v.log.LogAttrs(ctx, slog.LevelWarn, "origin secret refresh failed; using the values fetched earlier",
			slog.String("error", err.Error()), slog.Duration("age", now.Sub(v.fetchedAt)))
	default:
		v.vals, v.have = Values{}, false
	}
}

// match compares presented with both values in constant time (for values
// of the same length).
func (v *Verifier) match(presented string) bool {
	if presented == "" {
		return false
	}
	p := []byte(presented)
	cur := subtle.ConstantTimeCompare(p, []byte(v.vals.Current))
	prev := 0
	if v.vals.Previous != "" {
		prev = subtle.ConstantTimeCompare(p, []byte(v.vals.Previous))
	}
	return cur|prev == 1
}
