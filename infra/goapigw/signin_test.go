package main

import (
	"context"
	"fmt"
	"maps"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/goapigw/webapp/function/login"
	"github.com/goapigw/webapp/function/web/webtest"
	"github.com/goapigw/webapp/infra/assembly"
)

const (
	signInUser     = "alice@example.com"
	signInPassword = "correct-horse-battery-9"
)

func teamApp(tb testing.TB) assembly.WebApp {
	tb.Helper()
	a := envApp(tb, "team")
	if !a.Login || !usesLogin(a.Function) || a.CloudFront == nil || a.CloudFront.ViewerHostHeader == "" {
		tb.Fatalf("the team WebApp should sign in behind CloudFront: record %+v, environment keys %v", a.Record, slices.Sorted(maps.Keys(a.Function.Environment)))
	}
	return a
}

// openTeamApp is the team WebApp as it would be with
// CloudFront.AllowDirectAccess (no origin verification, so the stage URL
// answers) and a custom domain mapped at the base path "team".
func openTeamApp(tb testing.TB) assembly.WebApp {
	a := teamApp(tb)
	a.Function.Environment = maps.Clone(a.Function.Environment)
	delete(a.Function.Environment, originVerifySecretArnEnv)
	a.Function.Unresolved = slices.DeleteFunc(slices.Clone(a.Function.Unresolved), func(k string) bool { return k == originVerifySecretArnEnv })
	a.API.BasePath = "team"
	return a
}

func signInStack(tb testing.TB, a assembly.WebApp, idTTL time.Duration) (*stack, *lockedBuffer) {
	tb.Helper()
	users := writeFile(tb, "users", "# name:password[:group,group]\n"+signInUser+":"+signInPassword+":admins,editors\nbob:bob-password-77\n")
	logs := &lockedBuffer{}
	s, _ := runningWith(tb, a, func(c *stackConfig) {
		c.CloudFrontAddr = "127.0.0.1:0"
		c.Users = users
		c.IDTokenLifetime = idTTL
		c.Log = logs
	})
	if s.login == nil {
		tb.Fatal("the stack serves no local OpenID provider")
	}
	tb.Cleanup(func() {
		if tb.Failed() {
			tb.Logf("log of the stack with its provider:\n%s", logs.String())
		}
	})
	return s, logs
}

// TestSignInAtEveryDoor: Chromium signs in through the local OpenID
// provider at every door, lands on the page it asked for with its name
// shown, reloads without a provider round trip, and signs out, after which
// the provider asks for the password again.
func TestSignInAtEveryDoor(t *testing.T) {
	chromium := webtest.Chromium(t)
	closed, closedLogs := signInStack(t, teamApp(t), time.Hour)
	open, openLogs := signInStack(t, openTeamApp(t), time.Hour)
	type door struct {
		name string
		s    *stack
		url  string // where the browser goes first
		want string // the page it lands on after signing in
	}
	stageBare := strings.TrimSuffix(open.StageURL, "/")
	doors := []door{
		{"CloudFront", closed, closed.CloudFrontURL + "?date=1993-01-01", closed.CloudFrontURL + "?date=1993-01-01"},
		{"custom domain", closed, closed.DomainURL + "?date=1993-01-01", closed.DomainURL + "?date=1993-01-01"},
		{"stage URL", open, open.StageURL + "?date=1993-01-01", open.StageURL + "?date=1993-01-01"},
		{"stage URL without slash", open, stageBare, open.StageURL},
		{"custom domain, base path", open, open.DomainURL + "?date=2000-02-29", open.DomainURL + "?date=2000-02-29"},
		{"CloudFront, open stage", open, open.CloudFrontURL, open.CloudFrontURL},
	}
	if !strings.HasSuffix(open.DomainURL, "/team/") {
		t.Fatalf("the custom domain door is at %s, want it under the base path /team/", open.DomainURL)
	}
	for _, d := range doors {
		t.Run(d.name, func(t *testing.T) {
			ctx := webtest.Browser(t, chromium)
			start := time.Now()
			name, landed := webtest.SignIn(t, ctx, d.url, signInUser, signInPassword)
			took := time.Since(start)
			if name != "alice" || landed != d.want {
				t.Fatalf("signed in: got %q on %s, want alice on %s", name, landed, d.want)
			}
			fmt.Printf("local sign-in (%s): %.0f ms from the first request to the app's page\n", d.name, ms(took))

			before := d.s.login.Requests()
			name, landed = webtest.SignedIn(t, ctx, d.want)
			if name != "alice" || landed != d.want {
				t.Errorf("reload: got %q on %s, want alice on %s", name, landed, d.want)
			}
			if n := d.s.login.Requests() - before; n != 0 {
				t.Errorf("reload: the provider got %d requests, want none", n)
			}
			if d.name == "CloudFront" {
				printSessionCookie(t, ctx, d.want)
			}

			after := webtest.SignOut(t, ctx)
			if !strings.HasPrefix(after, d.s.login.issuer+"/") {
				t.Errorf("after signing out: got %s, want the provider's sign-in page", after)
			}
			if err := chromedp.Do(ctx, chromedp.WaitVisible("#username")); err != nil {
				t.Errorf("after signing out the provider shows no sign-in form: %v", err)
			}
		})
	}
	t.Run("stage URL of a CloudFront-only app", func(t *testing.T) {
		res, body := fetch(t, "GET", closed.StageURL)
		if res.StatusCode != 403 || strings.Contains(string(body), "<form") {
			t.Errorf("got %d %.80q, want 403 without a sign-in", res.StatusCode, body)
		}
	})
	for _, l := range []*lockedBuffer{closedLogs, openLogs} {
		checkNoSecretsLogged(t, l.String(), filepath.Dir(closed.login.clientFile), filepath.Dir(open.login.clientFile))
	}
}

// TestSignInSurvivesAnExpiredIDToken: with ID tokens of 65 s, a minute's
// expiry margin leaves 5 s before the session refreshes itself; a reload
// after that is served without a sign-in form, through the token endpoint.
func TestSignInSurvivesAnExpiredIDToken(t *testing.T) {
	chromium := webtest.Chromium(t)
	s, logs := signInStack(t, teamApp(t), 65*time.Second)
	ctx := webtest.Browser(t, chromium)
	page := s.CloudFrontURL
	if name, _ := webtest.SignIn(t, ctx, page, signInUser, signInPassword); name != "alice" {
		t.Fatalf("signed in as %q, want alice", name)
	}
	before := readCookie(t, ctx, page)
	time.Sleep(6 * time.Second) // past 65 s - the 60 s margin
	requests := s.login.Requests()
	name, landed := webtest.SignedIn(t, ctx, page)
	if name != "alice" || landed != page {
		t.Fatalf("after the ID token's expiry: got %q on %s, want alice on %s", name, landed, page)
	}
	if s.login.Requests() == requests {
		t.Error("the provider got no request: the session was not refreshed")
	}
	if after := readCookie(t, ctx, page); after == before || after == "" {
		t.Error("the session cookie was not renewed by the refresh")
	}
	checkNoSecretsLogged(t, logs.String(), filepath.Dir(s.login.clientFile))
}

// TestLoginNeedsAUsersFile: a WebApp with Login and no -users stops with
// what to pass.
func TestLoginNeedsAUsersFile(t *testing.T) {
	_, err := startStack(context.Background(), stackConfig{App: teamApp(t), AppDir: repoRoot, WorkDir: t.TempDir(), Log: &lockedBuffer{},
		StageAddr: "127.0.0.1:0", DomainAddr: "127.0.0.1:0"})
	if err == nil || !strings.Contains(err.Error(), "pass -users FILE") || !strings.Contains(err.Error(), "name:password[:group,group]") {
		t.Fatalf("got %v, want an error saying to pass -users FILE and its format", err)
	}
}

// TestLocalLoginEnvironment: the function's Login variables point at the
// local provider, and the secrets' ARNs become 0600 files.
func TestLocalLoginEnvironment(t *testing.T) {
	a := teamApp(t)
	users := writeFile(t, "users", "alice:pw-long-enough-1\n")
	ll, err := startLocalLogin("127.0.0.1:0", users, 0, t.TempDir(), t.Logf)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(ll.Close)
	fn := ll.function(a.Function)
	for _, k := range []string{login.ClientSecretArnEnv, login.SessionSecretArnEnv, login.EndSessionURLEnv} {
		if _, ok := fn.Environment[k]; ok || slices.Contains(fn.Unresolved, k) {
			t.Errorf("%s is still in the function's environment", k)
		}
	}
	if fn.Environment[login.IssuerEnv] != ll.issuer || fn.Environment[login.ClientIDEnv] != localClientID ||
		fn.Environment[login.CognitoLogoutURLEnv] != ll.issuer+"/logout" {
		t.Errorf("got %v", fn.Environment)
	}
	for _, k := range []string{login.ClientSecretFileEnv, login.SessionSecretFileEnv} {
		st, err := os.Stat(fn.Environment[k])
		if err != nil || st.Mode().Perm() != 0o600 {
			t.Errorf("%s: got %v %v, want a 0600 file", k, st, err)
		}
	}
	if _, err := startLocalLogin("127.0.0.1:0", users, 30*time.Second, t.TempDir(), t.Logf); err == nil {
		t.Error("an ID token lifetime within the expiry margin was accepted")
	}
	if _, err := startLocalLogin("127.0.0.1:0", writeFile(t, "bad", "alice\n"), 0, t.TempDir(), t.Logf); err == nil || !strings.Contains(err.Error(), "-users") {
		t.Errorf("a bad users file: got %v, want an error naming -users", err)
	}
}

// readCookie returns the session cookie's value for url.
func readCookie(tb testing.TB, ctx context.Context, u string) string {
	tb.Helper()
	res, err := chromedp.Call(ctx, network.GetCookies, network.GetCookiesParams{URLs: []string{u}})
	if err != nil {
		tb.Fatal(err)
	}
	for _, c := range res.Cookies {
		if c.Name == login.SessionCookie || c.Name == login.HostSessionCookie {
			return c.Value
		}
	}
	return ""
}

func printSessionCookie(tb testing.TB, ctx context.Context, u string) {
	tb.Helper()
	v := readCookie(tb, ctx, u)
	if v == "" {
		tb.Fatalf("no session cookie for %s", u)
	}
	p, _ := url.Parse(u)
	fmt.Printf("session cookie after a local sign-in (%s, 2 groups, with the refresh token): %d bytes of value\n", p.Host, len(v))
}

// checkNoSecretsLogged reads every line of a run's log for the password
// and the run's secrets.
func checkNoSecretsLogged(tb testing.TB, log string, dirs ...string) {
	tb.Helper()
	secrets := []string{signInPassword}
	for _, dir := range dirs {
		for _, f := range []string{"login-client-secret", "login-session-secret"} {
			b, err := os.ReadFile(filepath.Join(dir, f))
			if err != nil {
				tb.Fatal(err)
			}
			secrets = append(secrets, strings.TrimSpace(string(b)))
		}
	}
	for _, line := range strings.Split(log, "\n") {
		for _, s := range secrets {
			if strings.Contains(line, s) {
				tb.Errorf("a log line holds a secret or the password: %.120q", line)
			}
		}
		for _, word := range []string{"code=", "state=", "id_token", "refresh_token="} {
			if strings.Contains(line, word) {
				tb.Errorf("a log line holds %q: %.160q", word, line)
			}
		}
	}
}
