package basicauth

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"testing/synctest"
	"time"
)

// outcome is what API Gateway makes of the authorizer's answer: "allow",
// "deny" (401) or "error" (500).
func outcome(tb testing.TB, a *Authorizer, header string) string {
	tb.Helper()
	res, err := a.Handle(context.Background(), request(header))
	switch {
	case errors.Is(err, ErrUnauthorized):
		return "deny"
	case err != nil:
		return "error"
	case len(res.PolicyDocument.Statement) == 1 && res.PolicyDocument.Statement[0].Effect == "Allow":
		return "allow"
	}
	tb.Fatalf("neither an allow policy nor an error: %+v", res)
	return ""
}

func (r *rotating) set(data string, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.data, r.err = data, err
}

func jsonLogger(w *bytes.Buffer) Option {
	return WithLogger(slog.New(slog.NewJSONHandler(w, nil)))
}

// TestRefusedSecretNeverKeepsARemovedUser: the operator removes alice and
// adds carol with a line the authorizer refuses. A warm authorizer used to
// keep its last good copy for ever, alice included; now a refused secret
// lets nobody in until it is fixed.
func TestRefusedSecretNeverKeepsARemovedUser(t *testing.T) {
	alice := htpasswdLine(t, "alice", "a-pass", 4)
	bob := htpasswdLine(t, "bob", "b-pass", 4)
	carol := htpasswdLine(t, "carol", "c-pass", 4)
	tests := []struct{ name, secret string }{
		{name: "MD5 line (htpasswd without -B)", secret: bob + "\ncarol:$apr1$Vb3tQk2Z$ZPbnJgHM5KqV2MXyKrJa/1\n"},
		{name: "plaintext line", secret: bob + "\ncarol:c-pass\n"},
		{name: "mixed costs", secret: bob + "\n" + htpasswdLine(t, "carol", "c-pass", 5) + "\n"},
		{name: "cost above the maximum", secret: bob + "\ncarol:$2y$13$" + strings.TrimPrefix(carol, "carol:$2y$04$") + "\n"},
		{name: "no user left", secret: "# everyone removed\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				secret := &rotating{data: alice + "\n" + bob + "\n"}
				var logs bytes.Buffer
				a := New(secret.source, jsonLogger(&logs))
				if got := outcome(t, a, basic("alice:a-pass")); got != "allow" {
					t.Fatalf("alice before the change: got %s, want allow", got)
				}
				secret.set(tt.secret, nil)
				for _, after := range []time.Duration{time.Minute, 24 * time.Hour} {
					time.Sleep(after)
					for _, h := range []string{basic("alice:a-pass"), basic("bob:b-pass"), basic("carol:c-pass")} {
						if got := outcome(t, a, h); got != "error" {
							t.Errorf("%v after a refused secret: got %s, want error (500: nobody gets in until it is fixed)", after, got)
						}
					}
				}
				if !strings.Contains(logs.String(), `"msg":"the secret does not parse: everyone is refused until it is fixed"`) {
					t.Errorf("the log does not say why everyone is refused:\n%s", logs.String())
				}

				secret.set(bob+"\n"+carol+"\n", nil)
				time.Sleep(RetryAfterFailure)
				for h, want := range map[string]string{basic("alice:a-pass"): "deny", basic("bob:b-pass"): "allow", basic("carol:c-pass"): "allow"} {
					if got := outcome(t, a, h); got != want {
						t.Errorf("after the fix, %s: got %s, want %s", h, got, want)
					}
				}
			})
		})
	}
}

// TestLastGoodCopyIsBounded: while the secret cannot be read, the last
// good copy serves for MaxStale after it was read, then nobody gets in.
func TestLastGoodCopyIsBounded(t *testing.T) {
	alice := htpasswdLine(t, "alice", "a-pass", 4)
	t.Run("expires MaxStale after the last good read", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			secret := &rotating{data: alice}
			var logs bytes.Buffer
			a := New(secret.source, jsonLogger(&logs))
			read := time.Now()
			if got := outcome(t, a, basic("alice:a-pass")); got != "allow" {
				t.Fatalf("got %s, want allow", got)
			}
			secret.set("", errors.New("ThrottlingException"))
			for _, at := range []time.Duration{61 * time.Second, 5 * time.Minute, MaxStale - time.Second} {
				time.Sleep(time.Until(read.Add(at)))
				if got := outcome(t, a, basic("alice:a-pass")); got != "allow" {
					t.Errorf("%v after the last good read, the secret unreadable: got %s, want allow (the last good copy)", at, got)
				}
			}
			for _, at := range []time.Duration{MaxStale, 24 * time.Hour} {
				time.Sleep(time.Until(read.Add(at)))
				if got := outcome(t, a, basic("alice:a-pass")); got != "error" {
					t.Errorf("%v after the last good read, the secret unreadable: got %s, want error (nobody gets in)", at, got)
				}
			}
			if !strings.Contains(logs.String(), "the last good copy is older than 15m0s: everyone is refused until it can be read") {
				t.Errorf("the log does not say why everyone is refused:\n%s", logs.String())
			}
			secret.set(alice, nil)
			time.Sleep(RetryAfterFailure)
			if got := outcome(t, a, basic("alice:a-pass")); got != "allow" {
				t.Errorf("the secret readable again: got %s, want allow", got)
			}
		})
	})
	t.Run("a TTL longer than MaxStale is the bound", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			secret := &rotating{data: alice}
			a := New(secret.source, WithTTL(time.Hour), WithLogger(slog.New(slog.DiscardHandler)))
			read := time.Now()
			outcome(t, a, basic("alice:a-pass"))
			secret.set("", errors.New("ThrottlingException"))
			for _, step := range []struct {
				at   time.Duration
				want string
			}{{30 * time.Minute, "allow"}, {time.Hour - time.Second, "allow"}, {time.Hour, "error"}} {
				time.Sleep(time.Until(read.Add(step.at)))
				if got := outcome(t, a, basic("alice:a-pass")); got != step.want {
					t.Errorf("%v after the last good read: got %s, want %s", step.at, got, step.want)
				}
			}
		})
	})
	t.Run("a refused secret is not undone by a read failure", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			secret := &rotating{data: alice}
			a := New(secret.source, WithLogger(slog.New(slog.DiscardHandler)))
			outcome(t, a, basic("alice:a-pass"))
			secret.set("", errors.New("ThrottlingException"))
			time.Sleep(61 * time.Second)
			if got := outcome(t, a, basic("alice:a-pass")); got != "allow" {
				t.Fatalf("the secret unreadable: got %s, want allow (the last good copy)", got)
			}
			secret.set("alice:$apr1$Vb3tQk2Z$ZPbnJgHM5KqV2MXyKrJa/1\n", nil)
			time.Sleep(RetryAfterFailure)
			if got := outcome(t, a, basic("alice:a-pass")); got != "error" {
				t.Errorf("the secret refused: got %s, want error", got)
			}
			secret.set("", errors.New("ThrottlingException"))
			time.Sleep(RetryAfterFailure)
			if got := outcome(t, a, basic("alice:a-pass")); got != "error" {
				t.Errorf("refused, then unreadable: got %s, want error (the copy before the refused one is gone)", got)
			}
		})
	})
}

// TestRefreshFailureMetric: each failed refresh, and only that, is one log
// line in CloudWatch's embedded metric format.
func TestRefreshFailureMetric(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		alice := htpasswdLine(t, "alice", "a-pass", 4)
		secret := &rotating{data: alice}
		var logs bytes.Buffer
		a := New(secret.source, jsonLogger(&logs), WithFunctionName("Test-AuthorizerFunction"))
		outcome(t, a, basic("alice:a-pass"))

		secret.set("", errors.New("ThrottlingException"))
		time.Sleep(61 * time.Second)
		for range 5 {
			outcome(t, a, basic("alice:a-pass"))
		}
		lines := metricLines(t, &logs)
		if len(lines) != 1 {
			t.Fatalf("got %d metric lines for one failed refresh and five requests, want 1", len(lines))
		}
		got, _ := json.Marshal(lines[0]["_aws"])
		want := `{"CloudWatchMetrics":[{"Dimensions":[["FunctionName"]],"Metrics":[{"Name":"SecretRefreshFailures","Unit":"Count"}],"Namespace":"WebApp/BasicAuth"}],"Timestamp":` +
			jsonNumber(time.Now().UnixMilli()) + `}`
		if string(got) != want {
			t.Errorf("_aws: got %s, want %s", got, want)
		}
		if lines[0]["FunctionName"] != "Test-AuthorizerFunction" || lines[0]["SecretRefreshFailures"] != 1.0 || lines[0]["failure"] != "unreadable" {
			t.Errorf("got %v, want FunctionName Test-AuthorizerFunction, SecretRefreshFailures 1, failure unreadable", lines[0])
		}

		secret.set("alice:a-pass\n", nil)
		time.Sleep(RetryAfterFailure)
		outcome(t, a, basic("alice:a-pass"))
		secret.set(alice, nil)
		time.Sleep(RetryAfterFailure)
		outcome(t, a, basic("alice:a-pass"))
		lines = metricLines(t, &logs)
		if len(lines) != 1 || lines[0]["failure"] != "refused" {
			t.Errorf("a refused secret, then a good one: got %v, want one metric line, failure refused", lines)
		}
	})
}

// metricLines reads, and consumes, the log lines that carry a metric.
func metricLines(tb testing.TB, logs *bytes.Buffer) []map[string]any {
	tb.Helper()
	var lines []map[string]any
	sc := bufio.NewScanner(logs)
	for sc.Scan() {
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			tb.Fatalf("a log line that is not JSON: %s", sc.Bytes())
		}
		if _, ok := m["_aws"]; ok {
			lines = append(lines, m)
		}
	}
	return lines
}

func jsonNumber(n int64) string { b, _ := json.Marshal(n); return string(b) }
