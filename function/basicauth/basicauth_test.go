package basicauth

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"golang.org/x/crypto/bcrypt"
)

// htpasswdLine is what `htpasswd -nbB user password` writes, at a low cost
// so that tests are quick.
func htpasswdLine(tb testing.TB, user, password string, cost int) string {
	tb.Helper()
	h, err := bcrypt.GenerateFromPassword([]byte(password), cost)
	if err != nil {
		tb.Fatal(err)
	}
	// htpasswd writes the $2y$ variant; bcrypt reads it.
	return user + ":$2y$" + strings.TrimPrefix(string(h), "$2a$")
}

func basic(userpass string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(userpass))
}

func TestParseHeader(t *testing.T) {
	tests := []struct {
		name, header   string
		user, password string
		wantErr        error
	}{
		{name: "good", header: basic("alice:s3cret"), user: "alice", password: "s3cret"},
		{name: "lower-case scheme, extra spaces", header: "  basic   " + base64.StdEncoding.EncodeToString([]byte("bob:pw")) + " ", user: "bob", password: "pw"},
		{name: "colon in the password", header: basic("carol:a:b:c"), user: "carol", password: "a:b:c"},
		{name: "empty password", header: basic("dave:"), user: "dave", password: ""},
		{name: "unicode user", header: basic("zoë-日本:pässwörd"), user: "zoë-日本", password: "pässwörd"},
		{name: "no padding", header: "Basic " + base64.RawStdEncoding.EncodeToString([]byte("eve:x")), user: "eve", password: "x"},
		{name: "missing", header: "", wantErr: errNoHeader},
		{name: "bearer", header: "Bearer abc.def", wantErr: errNotBasic},
		{name: "scheme only", header: "Basic", wantErr: errNotBasic},
		{name: "bad base64", header: "Basic !!!notbase64", wantErr: errBadBase64},
		{name: "no colon", header: basic("alice"), wantErr: errNoColon},
		{name: "empty user", header: basic(":s3cret"), wantErr: errEmptyUser},
		{name: "not UTF-8", header: "Basic " + base64.StdEncoding.EncodeToString([]byte{'a', 0xff, ':', 'b'}), wantErr: errNotUTF8},
		{name: "oversize", header: basic("alice:" + strings.Repeat("x", MaxHeaderBytes)), wantErr: errTooLong},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			user, password, err := ParseHeader(tt.header)
			if !errors.Is(err, tt.wantErr) || user != tt.user || password != tt.password {
				t.Errorf("got %q, %q, %v; want %q, %q, %v", user, password, err, tt.user, tt.password, tt.wantErr)
			}
		})
	}
}

func FuzzParseHeader(f *testing.F) {
	for _, s := range []string{basic("alice:s3cret"), "Basic", "Basic =", basic(":"), "bAsIc " + base64.StdEncoding.EncodeToString([]byte("é:é"))} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, h string) {
		user, password, err := ParseHeader(h)
		if err != nil {
			if user != "" || password != "" {
				t.Errorf("error %v with credentials %q %q", err, user, password)
			}
			return
		}
		if user == "" || strings.Contains(user, ":") || len(h) > MaxHeaderBytes {
			t.Errorf("accepted %q as user %q", h, user)
		}
		// What was accepted is what the header said.
		if again, pw, err := ParseHeader(basic(user + ":" + password)); err != nil || again != user || pw != password {
			t.Errorf("round trip of %q, %q: %q, %q, %v", user, password, again, pw, err)
		}
	})
}

func TestParseHtpasswd(t *testing.T) {
	good := htpasswdLine(t, "alice", "s3cret", bcrypt.MinCost)
	tests := []struct {
		name, data string
		wantUsers  int
		wantErr    string
	}{
		{name: "one user", data: good + "\n", wantUsers: 1},
		{name: "comments, blank lines, CRLF", data: "# users\r\n\r\n" + good + "\r\n" + htpasswdLine(t, "bob", "pw", bcrypt.MinCost) + "\r\n", wantUsers: 2},
		{name: "plaintext", data: good + "\nbob:hunter2\n", wantErr: "htpasswd line 2 is not a bcrypt hash"},
		{name: "MD5 (htpasswd -m)", data: "bob:$apr1$abc$def\n", wantErr: "htpasswd line 1 is not a bcrypt hash"},
		{name: "SHA (htpasswd -s)", data: "bob:{SHA}abc=\n", wantErr: "htpasswd line 1 is not a bcrypt hash"},
		{name: "no colon", data: "justaname\n", wantErr: "htpasswd line 1 is not user:hash"},
		{name: "duplicate", data: good + "\n" + good + "\n", wantErr: "htpasswd line 2 repeats a user"},
		{name: "truncated hash", data: "bob:$2y$05$abc\n", wantErr: "htpasswd line 1 has a malformed bcrypt hash"},
		{name: "empty", data: "\n# nobody\n", wantErr: "has no user"},
		{
			name:    "mixed costs",
			data:    good + "\n" + htpasswdLine(t, "bob", "pw", 5) + "\n" + htpasswdLine(t, "carol", "pw", bcrypt.MinCost) + "\n",
			wantErr: "the htpasswd users have different bcrypt costs (cost 4: alice, carol; cost 5: bob)",
		},
		{
			// A cost-13 line, made from a cost-4 hash: bcrypt reads the cost
			// from the prefix, and making a real one takes a second.
			name:    "cost above the maximum",
			data:    "bob:$2y$13$" + strings.TrimPrefix(good, "alice:$2y$04$") + "\n",
			wantErr: "htpasswd line 1 has bcrypt cost 13, above the maximum of 12: each check would take about 500 ms on the authorizer (cost 12 takes 250 ms, each step doubles it), and API Gateway waits 10s for it; write the line again with a lower cost: htpasswd -nbB -C 10 USER PASSWORD",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := ParseHtpasswd([]byte(tt.data))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("got %v, want an error with %q", err, tt.wantErr)
				}
				if strings.Contains(err.Error(), "hunter2") || strings.Contains(err.Error(), "$apr1$") || strings.Contains(err.Error(), "$2y$") {
					t.Errorf("the error shows the line's content: %v", err)
				}
				return
			}
			if err != nil || c.Users() != tt.wantUsers {
				t.Fatalf("got %v users, %v; want %d", c, err, tt.wantUsers)
			}
		})
	}
}

func TestCheck(t *testing.T) {
	data := htpasswdLine(t, "alice", "s3cret", 5) + "\n" + htpasswdLine(t, "zoë", "pässwörd", 5) + "\n"
	c, err := ParseHtpasswd([]byte(data))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		user, password string
		want           bool
	}{
		{"alice", "s3cret", true},
		{"zoë", "pässwörd", true},
		{"alice", "S3cret", false},
		{"alice", "", false},
		{"mallory", "s3cret", false},
		{"Alice", "s3cret", false},
	}
	for _, tt := range tests {
		if got := c.Check(tt.user, tt.password); got != tt.want {
			t.Errorf("Check(%q, %q): got %v, want %v", tt.user, tt.password, got, tt.want)
		}
	}
	// An unknown user is checked against a hash of the file's one cost:
	// the same bcrypt work as every known user.
	if cost, err := bcrypt.Cost(c.dummy); err != nil || cost != 5 {
		t.Errorf("dummy hash cost: got %d, %v; want 5, the file's", cost, err)
	}
}

// rotating is a secret whose value the test changes.
type rotating struct {
	mu    sync.Mutex
	data  string
	err   error
	reads int
}

func (r *rotating) source(context.Context) ([]byte, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.reads++
	return []byte(r.data), r.err
}

const methodArn = "arn:aws:execute-api:eu-west-1:111111111111:a1b2c3d4e5/prod/GET/assets/app.js"

func request(header string) events.APIGatewayCustomAuthorizerRequest {
	return events.APIGatewayCustomAuthorizerRequest{Type: "TOKEN", AuthorizationToken: header, MethodArn: methodArn}
}

func TestAuthorizer(t *testing.T) {
	now := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	secret := &rotating{data: htpasswdLine(t, "alice", "s3cret", bcrypt.MinCost)}
	var logs bytes.Buffer
	a := New(secret.source, WithClock(clock), WithTTL(time.Minute), WithLogger(slog.New(slog.NewJSONHandler(&logs, nil))))
	ctx := context.Background()

	res, err := a.Handle(ctx, request(basic("alice:s3cret")))
	if err != nil {
		t.Fatal(err)
	}
	st := res.PolicyDocument.Statement
	if res.PrincipalID != "alice" || res.Context["user"] != "alice" || len(st) != 1 || st[0].Effect != "Allow" ||
		st[0].Resource[0] != "arn:aws:execute-api:eu-west-1:111111111111:a1b2c3d4e5/prod/*" {
		t.Errorf("allow: got %+v", res)
	}
	for _, h := range []string{"", basic("alice:wr0ng-Zk2"), basic("bob:s3cret"), "Basic !!", basic("alice"), "Digest x"} {
		if _, err := a.Handle(ctx, request(h)); err != ErrUnauthorized {
			t.Errorf("header %q: got %v, want Unauthorized", h, err)
		}
	}

	t.Run("rotation is picked up after the TTL", func(t *testing.T) {
		secret.mu.Lock()
		secret.data = htpasswdLine(t, "alice", "n3w", bcrypt.MinCost)
		secret.mu.Unlock()
		if _, err := a.Handle(ctx, request(basic("alice:s3cret"))); err != nil {
			t.Errorf("within the TTL the old password still works: %v", err)
		}
		now = now.Add(61 * time.Second)
		if _, err := a.Handle(ctx, request(basic("alice:s3cret"))); err != ErrUnauthorized {
			t.Errorf("old password after the rotation: got %v", err)
		}
		if _, err := a.Handle(ctx, request(basic("alice:n3w"))); err != nil {
			t.Errorf("new password after the rotation: %v", err)
		}
	})
	t.Run("a failed refresh keeps the last good copy", func(t *testing.T) {
		secret.mu.Lock()
		secret.err = errors.New("throttled")
		secret.mu.Unlock()
		now = now.Add(2 * time.Minute)
		if _, err := a.Handle(ctx, request(basic("alice:n3w"))); err != nil {
			t.Errorf("during the outage: %v", err)
		}
	})
	t.Run("no credentials at all is an error, not a refusal", func(t *testing.T) {
		broken := New((&rotating{err: errors.New("AccessDenied")}).source, WithLogger(slog.New(slog.DiscardHandler)))
		if _, err := broken.Handle(ctx, request(basic("alice:s3cret"))); err == nil || err == ErrUnauthorized {
			t.Errorf("got %v, want the read error (API Gateway answers 500)", err)
		}
	})
	t.Run("a bad method ARN is an error", func(t *testing.T) {
		r := request(basic("alice:n3w"))
		r.MethodArn = "not-an-arn"
		if _, err := a.Handle(ctx, r); err == nil || err == ErrUnauthorized {
			t.Errorf("got %v", err)
		}
	})

	// Nothing of any Authorization header reached the log.
	out := logs.String()
	for _, secret := range []string{"s3cret", "n3w", "wr0ng-Zk2", base64.StdEncoding.EncodeToString([]byte("alice:s3cret")), "YWxpY2U", "Digest x", "!!"} {
		if strings.Contains(out, secret) {
			t.Errorf("the log contains %q:\n%s", secret, out)
		}
	}
	if !strings.Contains(out, `"msg":"allowed","user":"alice"`) || !strings.Contains(out, `"reason":"unknown user or wrong password"`) {
		t.Errorf("the log lacks the decisions:\n%s", out)
	}
}
