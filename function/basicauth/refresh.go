package basicauth

import (
	"context"
	"fmt"
	"log/slog"
	"time"
)

// MaxStale bounds how long a good copy of the secret serves while the
// secret cannot be read (a Secrets Manager outage, throttling, a revoked
// permission): MaxStale after it was read, or the TTL if that is longer.
// After that the authorizer refuses everyone until it reads the secret
// again, so a removed user is out within that bound whatever happens.
const MaxStale = 15 * time.Minute

// RetryAfterFailure is how soon a failed refresh is tried again, or the TTL
// if that is shorter: soon enough that a fixed secret is picked up within
// seconds, rarely enough not to add to a throttling.
const RetryAfterFailure = 10 * time.Second

// credentials returns the parsed secret, reading it again after the TTL.
// A secret that cannot be read leaves the last good copy serving for
// MaxStale at most; a secret that is read but refused (it does not parse)
// drops the copy at once: a bad file never keeps a removed user in.
func (a *Authorizer) credentials(ctx context.Context) (*Credentials, error) {
	if c, err, ok := a.current(); ok {
		return c, err
	}
	a.refresh.Lock()
	defer a.refresh.Unlock()
	if c, err, ok := a.current(); ok { // refreshed while this request waited
		return c, err
	}
	// The read and the parse (bcrypt work for a new cost) hold a.refresh
	// only, never a.mu.
	data, err := a.source(ctx)
	if err != nil {
		return a.unreadable(ctx, err)
	}
	c, err := ParseHtpasswd(data)
	if err != nil {
		return a.refused(ctx, err)
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	now := a.now()
	a.creds, a.readAt, a.failure, a.next = c, now, nil, now.Add(a.ttl)
	return c, nil
}

// current returns the state, and false when it is time to read the secret.
func (a *Authorizer) current() (*Credentials, error, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.next.IsZero() || !a.now().Before(a.next) {
		return nil, nil, false
	}
	return a.creds, a.failure, true
}

// unreadable handles a secret that could not be read: the last good copy
// serves until it is MaxStale old, then nobody gets in.
func (a *Authorizer) unreadable(ctx context.Context, err error) (*Credentials, error) {
	a.mu.Lock()
	now := a.now()
	retry := now.Add(min(a.ttl, RetryAfterFailure))
	var until time.Time
	if a.creds != nil {
		until = a.readAt.Add(max(a.ttl, MaxStale))
		if now.Before(until) {
			a.next = retry
			if until.Before(retry) {
				a.next = until
			}
		} else {
			a.creds = nil
		}
	}
	if a.creds == nil {
		a.failure = fmt.Errorf("basicauth: read the credentials: %w", err)
		a.next = retry
	}
	c, failure := a.creds, a.failure
	a.mu.Unlock()

	switch {
	case c != nil:
		a.refreshFailed(ctx, now, "unreadable", "the secret cannot be read; the last good copy serves until "+until.UTC().Format(time.RFC3339), err)
	case !until.IsZero():
		a.refreshFailed(ctx, now, "unreadable", fmt.Sprintf("the secret cannot be read and the last good copy is older than %v: everyone is refused until it can be read", max(a.ttl, MaxStale)), err)
	default:
		a.refreshFailed(ctx, now, "unreadable", "the secret cannot be read: everyone is refused until it can be", err)
	}
	return c, failure
}

// refused handles a secret that was read but does not parse: nobody gets
// in until it is fixed. Applying the lines that parse would guess at what
// the operator meant; refusing everyone never lets in a user the current
// secret does not, and nobody misses the failure.
func (a *Authorizer) refused(ctx context.Context, err error) (*Credentials, error) {
	a.mu.Lock()
	now := a.now()
	a.creds = nil
	a.failure = fmt.Errorf("basicauth: the secret is refused, and everyone with it: %w", err)
	a.next = now.Add(min(a.ttl, RetryAfterFailure))
	failure := a.failure
	a.mu.Unlock()
	a.refreshFailed(ctx, now, "refused", "the secret does not parse: everyone is refused until it is fixed", err)
	return nil, failure
}

// refreshFailed logs a failed refresh with the refresh-failure metric.
func (a *Authorizer) refreshFailed(ctx context.Context, at time.Time, kind, msg string, err error) {
	attrs := append([]slog.Attr{slog.String("failure", kind), slog.String("error", err.Error())}, refreshFailureMetric(at, a.function)...)
	a.log.LogAttrs(ctx, slog.LevelError, msg, attrs...)
}
