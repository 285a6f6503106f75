package originverify

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
)

// fakeSecretsManager is a secret with versions by stage, counting calls.
type fakeSecretsManager struct {
	mu     sync.Mutex
	stages map[string]string // stage -> value; a missing stage is not found
	err    error             // returned for every call when set
	calls  int
}

func (f *fakeSecretsManager) GetSecretValue(_ context.Context, in *secretsmanager.GetSecretValueInput, _ ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls++
	if f.err != nil {
		return nil, f.err
	}
	stage := "AWSCURRENT"
	if in.VersionStage != nil {
		stage = *in.VersionStage
	}
	v, ok := f.stages[stage]
	if !ok {
		return nil, &types.ResourceNotFoundException{Message: new("Secrets Manager can't find the specified secret value for staging label: " + stage)}
	}
	return &secretsmanager.GetSecretValueOutput{SecretString: &v}, nil
}

func (f *fakeSecretsManager) set(stages map[string]string, err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.stages, f.err = stages, err
}

func (f *fakeSecretsManager) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls
}

func quiet() Option { return WithLogger(slog.New(slog.DiscardHandler)) }

func check(tb testing.TB, v *Verifier, presented string) (bool, error) {
	tb.Helper()
	return v.Check(context.Background(), presented)
}

func TestVerifierValues(t *testing.T) {
	tests := []struct {
		name      string
		stages    map[string]string
		presented string
		want      bool
	}{
		{"current", map[string]string{"AWSCURRENT": "new"}, "new", true},
		{"previous during a rotation", map[string]string{"AWSCURRENT": "new", "AWSPREVIOUS": "old"}, "old", true},
		{"neither", map[string]string{"AWSCURRENT": "new", "AWSPREVIOUS": "old"}, "other", false},
		{"prefix of the value", map[string]string{"AWSCURRENT": "new"}, "ne", false},
		{"empty never matches", map[string]string{"AWSCURRENT": "new"}, "", false},
		{"no previous: empty still does not match", map[string]string{"AWSCURRENT": "new"}, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sm := &fakeSecretsManager{stages: tt.stages}
			got, err := check(t, New(SecretsManager(sm, "arn:secret"), quiet()), tt.presented)
			if err != nil || got != tt.want {
				t.Errorf("got %v, %v; want %v, nil", got, err, tt.want)
			}
		})
	}
}

func TestVerifierFailsClosed(t *testing.T) {
	tests := []struct {
		name   string
		stages map[string]string
		err    error
	}{
		{name: "secret cannot be read", err: errors.New("AccessDeniedException")},
		{name: "no current value", stages: map[string]string{"AWSPREVIOUS": "old"}},
		{name: "empty current value", stages: map[string]string{"AWSCURRENT": ""}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sm := &fakeSecretsManager{stages: tt.stages, err: tt.err}
			got, err := check(t, New(SecretsManager(sm, "arn:secret"), quiet()), "old")
			if got || !errors.Is(err, ErrUnavailable) {
				t.Errorf("got %v, %v; want false, ErrUnavailable", got, err)
			}
		})
	}
}

// TestVerifierCacheTiming walks the cache through a rotation, a flood of
// bad values and a Secrets Manager outage on a fake clock.
func TestVerifierCacheTiming(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		sm := &fakeSecretsManager{stages: map[string]string{"AWSCURRENT": "v1"}}
		v := New(SecretsManager(sm, "arn:secret"), quiet())
		const perFetch = 2 // AWSCURRENT and AWSPREVIOUS
		step := func(name string, after time.Duration, presented string, want bool, wantCalls int) {
			t.Helper()
			time.Sleep(after)
			got, err := check(t, v, presented)
			if err != nil || got != want {
				t.Errorf("%s: got %v, %v; want %v", name, got, err, want)
			}
			if c := sm.count(); c != wantCalls {
				t.Errorf("%s: got %d GetSecretValue calls in all, want %d", name, c, wantCalls)
			}
		}
		step("first check fetches", 0, "v1", true, perFetch)
		step("cached", time.Minute, "v1", true, perFetch)
		for i := range 100 {
			step("a flood of bad values fetches once", time.Millisecond, "bad"+string(rune('a'+i%26)), false, 2*perFetch)
		}
		sm.set(map[string]string{"AWSCURRENT": "v2", "AWSPREVIOUS": "v1"}, nil)
		step("the old value is still the cached current", time.Second, "v1", true, 2*perFetch)
		step("a new value within RetryInterval of the last fetch waits", time.Second, "v2", false, 2*perFetch)
		step("after RetryInterval a mismatch refetches", RetryInterval, "v2", true, 3*perFetch)
		step("the previous value is accepted", time.Second, "v1", true, 3*perFetch)
		step("refreshed after RefreshInterval anyway", RefreshInterval, "v2", true, 4*perFetch)
		sm.set(map[string]string{"AWSCURRENT": "v3", "AWSPREVIOUS": "v2"}, nil)
		step("a scheduled refresh picks up a rotation", RefreshInterval, "v3", true, 5*perFetch)
		if got, _ := check(t, v, "v1"); got {
			t.Errorf("v1, two rotations ago: got accepted, want refused")
		}
	})
}

func TestVerifierOutage(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		sm := &fakeSecretsManager{stages: map[string]string{"AWSCURRENT": "v1"}}
		v := New(SecretsManager(sm, "arn:secret"), quiet())
		if ok, err := check(t, v, "v1"); !ok || err != nil {
			t.Fatalf("before the outage: got %v, %v", ok, err)
		}
		sm.set(nil, errors.New("ThrottlingException"))
		time.Sleep(RefreshInterval)
		if ok, err := check(t, v, "v1"); !ok || err != nil {
			t.Errorf("a failed refresh: got %v, %v; want the values fetched earlier in use", ok, err)
		}
		calls := sm.count()
		for range 50 {
			time.Sleep(100 * time.Millisecond)
			_, _ = check(t, v, "v1")
		}
		if got := sm.count(); got != calls {
			t.Errorf("failed refresh retried %d times within RetryInterval, want none", got-calls)
		}
		time.Sleep(MaxStale - RefreshInterval)
		if ok, err := check(t, v, "v1"); ok || !errors.Is(err, ErrUnavailable) {
			t.Errorf("MaxStale after the last fetch: got %v, %v; want ErrUnavailable", ok, err)
		}
		sm.set(map[string]string{"AWSCURRENT": "v1"}, nil)
		time.Sleep(RetryInterval)
		if ok, err := check(t, v, "v1"); !ok || err != nil {
			t.Errorf("after the outage: got %v, %v; want true", ok, err)
		}
	})
}

func TestFileSource(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "secret")
	if err := os.WriteFile(path, []byte("s3cret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	v := New(File(path), quiet())
	if ok, err := check(t, v, "s3cret"); !ok || err != nil {
		t.Errorf("got %v, %v; want true", ok, err)
	}
	if ok, err := check(t, New(File(filepath.Join(dir, "missing")), quiet()), "s3cret"); ok || !errors.Is(err, ErrUnavailable) {
		t.Errorf("missing file: got %v, %v; want ErrUnavailable", ok, err)
	}
}

func TestDefaultSecretsManagerWithoutCredentialsFailsClosed(t *testing.T) {
	t.Setenv("AWS_REGION", "eu-west-1")
	t.Setenv("AWS_ACCESS_KEY_ID", "")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "")
	t.Setenv("AWS_ENDPOINT_URL_SECRETS_MANAGER", "http://127.0.0.1:9") // never reached
	ok, err := check(t, New(DefaultSecretsManager("arn:secret"), quiet()), "anything")
	if ok || !errors.Is(err, ErrUnavailable) || !strings.Contains(err.Error(), "no AWS credentials") {
		t.Errorf("got %v, %v; want ErrUnavailable for the missing credentials", ok, err)
	}
}
