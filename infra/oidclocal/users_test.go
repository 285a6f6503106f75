package oidclocal

import (
	"regexp"
	"slices"
	"strings"
	"testing"
)

// daveHash is bcrypt.GenerateFromPassword("dave's password", 4).
const daveHash = "$2a$04$5vUIJyWH1H2W.k9t.l6rUuIn4L.iXPU9z3Wh2xfPXC668TWvruDui"

func TestParseUsers(t *testing.T) {
	good := `# users for the local sign-in
alice@example.org:correct horse:admins,editors

bob:s3cret
  carol:pw:readers  
dave:` + daveHash + `:ops,ops
`
	users, err := ParseUsers(strings.NewReader(good))
	if err != nil {
		t.Fatal(err)
	}
	want := []User{
		{Name: "alice@example.org", Password: "correct horse", Groups: []string{"admins", "editors"}},
		{Name: "bob", Password: "s3cret"},
		{Name: "carol", Password: "pw", Groups: []string{"readers"}},
		{Name: "dave", Password: daveHash, Groups: []string{"ops"}},
	}
	if len(users) != len(want) {
		t.Fatalf("got %d users, want %d: %+v", len(users), len(want), users)
	}
	for i := range want {
		if users[i].Name != want[i].Name || users[i].Password != want[i].Password || !slices.Equal(users[i].Groups, want[i].Groups) {
			t.Errorf("user %d = %+v, want %+v", i, users[i], want[i])
		}
	}

	a, b := users[0], users[1]
	if a.Email() != "alice@example.org" || b.Email() != "bob@example.com" {
		t.Errorf("emails %q %q", a.Email(), b.Email())
	}
	if a.Username() != a.Subject() || b.Username() != "bob" {
		t.Errorf("usernames %q %q", a.Username(), b.Username())
	}
	if a.DisplayName() != "alice" || b.DisplayName() != "bob" {
		t.Errorf("names %q %q", a.DisplayName(), b.DisplayName())
	}
	uuidRE := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	if !uuidRE.MatchString(a.Subject()) {
		t.Errorf("sub %q is not a version 5 UUID", a.Subject())
	}
	if (User{Name: "ALICE@example.org"}).Subject() != a.Subject() || a.Subject() == b.Subject() {
		t.Error("sub is not a function of the lower-cased name")
	}
}

func TestParseUsersErrors(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		want     []string // every one must be in the error
	}{
		{"no password", "ok:pw\nalice\n", []string{"line 2:", "want name:password"}},
		{"empty password", "alice:\n", []string{"line 1:", `"alice" has an empty password`}},
		{"empty name", "\n:hunter2\n", []string{"line 2:", "empty user name"}},
		{"space in name", "al ice:hunter2\n", []string{"line 1:", "white space"}},
		{"bad e-mail", "a@b@c:hunter2\n", []string{"line 1:", "not a plain name or an e-mail address"}},
		{"empty group", "alice:hunter2:admins,,ops\n", []string{"line 1:", "empty group name"}},
		{"group with space", "alice:hunter2:my group\n", []string{"line 1:", `group "my group"`}},
		{"broken bcrypt hash", "alice:$2b$04$hunter2\n", []string{"line 1:", "not a valid one"}},
		{"colon in password", "alice:hun:ter:2\n", []string{"line 1:", "too many fields"}},
		{"duplicate", "alice:hunter2\n# x\nAlice:other\n", []string{"line 3:", "already on line 1"}},
		{"two bad lines", "alice\nbob:hunter2\ncarol:\n", []string{"line 1:", "line 3:"}},
		{"nothing", "# only a comment\n\n", []string{"no users"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseUsers(strings.NewReader(tc.in))
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
			for _, secret := range []string{"hunter2", "other", "ter:2", "hun:", "$2b$"} {
				if strings.Contains(err.Error(), secret) {
					t.Errorf("error %q repeats a password", err)
				}
			}
		})
	}
}
