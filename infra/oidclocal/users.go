package oidclocal

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"unicode"

	"github.com/google/uuid"
	"golang.org/x/crypto/bcrypt"
)

// User is one person who can sign in: a line of the users file.
type User struct {
	// Name is what the person types as user name; see the package
	// documentation for how it becomes the e-mail address and the
	// cognito:username claim.
	Name string
	// Password is the plain-text password or its bcrypt hash ($2a$, $2b$
	// or $2y$).
	Password string
	// Groups become the cognito:groups claim, in this order.
	Groups []string
}

// subjectNamespace makes [User.Subject] a name-based UUID (version 5) that is
// the same in every run and on every machine for the same user name.
var subjectNamespace = uuid.NewSHA1(uuid.NameSpaceURL, []byte("https://github.com/goapigw/webapp/infra/oidclocal"))

// Subject is the sub claim: a UUID derived from the lower-cased name, so it
// stays the same across runs (as Cognito's sub stays the same for a user).
func (u User) Subject() string {
	return uuid.NewSHA1(subjectNamespace, []byte(strings.ToLower(u.Name))).String()
}

// Email is the email claim: the name itself when it contains "@", else the
// name at example.com (a domain reserved by RFC 2606, so no mail is ever
// delivered anywhere).
func (u User) Email() string {
	if strings.Contains(u.Name, "@") {
		return u.Name
	}
	return u.Name + "@example.com"
}

// Username is the cognito:username claim. A user pool that signs people in by
// e-mail address (the construct's) gives every user a generated user name,
// which is the sub; a pool with plain user names uses the name. So: the sub
// when the name contains "@", else the name.
func (u User) Username() string {
	if strings.Contains(u.Name, "@") {
		return u.Subject()
	}
	return u.Name
}

// DisplayName is the name claim: the part of the e-mail address before "@".
func (u User) DisplayName() string {
	name, _, _ := strings.Cut(u.Name, "@")
	return name
}

func isBcrypt(password string) bool {
	return strings.HasPrefix(password, "$2a$") || strings.HasPrefix(password, "$2b$") || strings.HasPrefix(password, "$2y$")
}

// ParseUsers reads a users file: one user a line, name:password[:group,group].
// Blank lines and lines starting with # are skipped. An error names the line
// and never repeats the password.
func ParseUsers(r io.Reader) ([]User, error) {
	var users []User
	seen := map[string]int{}
	var errs []error
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 4096), 64*1024)
	n := 0
	for sc.Scan() {
		n++
		line := strings.TrimSpace(sc.Text())
		if n == 1 {
			line = strings.TrimPrefix(line, "\uFEFF")
		}
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		u, err := parseUserLine(line)
		if err != nil {
			errs = append(errs, fmt.Errorf("line %d: %w", n, err))
			continue
		}
		key := strings.ToLower(u.Name)
		if first, dup := seen[key]; dup {
			errs = append(errs, fmt.Errorf("line %d: user %q is already on line %d (names are case-insensitive)", n, u.Name, first))
			continue
		}
		seen[key] = n
		users = append(users, u)
	}
	if err := sc.Err(); err != nil {
		errs = append(errs, fmt.Errorf("line %d: %w", n+1, err))
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	if len(users) == 0 {
		return nil, errors.New("no users: add lines name:password[:group,group]")
	}
	return users, nil
}

// ReadUsersFile is [ParseUsers] on a file; errors name the file.
func ReadUsersFile(path string) ([]User, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	users, err := ParseUsers(f)
	if err != nil {
		return nil, fmt.Errorf("users file %s: %w", path, err)
	}
	return users, nil
}

// parseUserLine's errors describe the fault without quoting the password.
func parseUserLine(line string) (User, error) {
	parts := strings.SplitN(line, ":", 3)
	if len(parts) < 2 {
		return User{}, errors.New("want name:password[:group,group]")
	}
	u := User{Name: parts[0], Password: parts[1]}
	if err := checkName(u.Name); err != nil {
		return User{}, err
	}
	if err := checkPassword(u); err != nil {
		return User{}, err
	}
	if len(parts) == 3 {
		if strings.Contains(parts[2], ":") {
			return User{}, fmt.Errorf("user %q: too many fields (a password cannot contain \":\")", u.Name)
		}
		seen := map[string]bool{}
		for g := range strings.SplitSeq(parts[2], ",") {
			g = strings.TrimSpace(g)
			if g == "" {
				return User{}, fmt.Errorf("user %q: empty group name", u.Name)
			}
			if strings.IndexFunc(g, unicode.IsSpace) >= 0 || len(g) > 128 {
				return User{}, fmt.Errorf("user %q: group %q: group names are 1 to 128 characters without white space", u.Name, g)
			}
			if !seen[g] {
				seen[g] = true
				u.Groups = append(u.Groups, g)
			}
		}
	}
	return u, nil
}

// checkPassword's errors never quote the password.
func checkPassword(u User) error {
	switch {
	case u.Password == "":
		return fmt.Errorf("user %q has an empty password", u.Name)
	case strings.TrimSpace(u.Password) != u.Password:
		return fmt.Errorf("user %q: the password starts or ends with white space", u.Name)
	case isBcrypt(u.Password):
		if _, err := bcrypt.Cost([]byte(u.Password)); err != nil {
			return fmt.Errorf("user %q: the password looks like a bcrypt hash but is not a valid one", u.Name)
		}
	}
	return nil
}

func checkName(name string) error {
	switch {
	case name == "":
		return errors.New("empty user name")
	case len(name) > 128:
		return errors.New("user name longer than 128 characters")
	case strings.IndexFunc(name, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }) >= 0:
		return fmt.Errorf("user name %q contains white space", name)
	case strings.Count(name, "@") > 1 || strings.HasPrefix(name, "@") || strings.HasSuffix(name, "@"):
		return fmt.Errorf("user name %q is not a plain name or an e-mail address", name)
	}
	return nil
}
