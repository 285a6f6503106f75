package basicauth

import (
	"crypto/rand"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"

	"golang.org/x/crypto/bcrypt"

	"github.com/goapigw/webapp/internal/awslimits"
)

// MaxCost is the highest bcrypt cost a file may use. One comparison at
// cost 12 takes about 250 ms on the construct's 256 MB arm64 function, and
// each step doubles it. A cold request does two (the dummy hash and the
// check), and every wrong password costs one that API Gateway's cache does
// not spare. At 12 a cold request stays near half a second, a twentieth of
// API Gateway's 10 s authorizer timeout, which leaves room for a slower CPU
// share; at 15 it is already 4 s. htpasswd -B writes cost 5 unless told
// otherwise, and OWASP asks for at least 10.
const MaxCost = 12

// Credentials are the users of a parsed htpasswd file.
type Credentials struct {
	hashes map[string][]byte
	dummy  []byte // checked for an unknown user: a hash of the file's one cost
}

// ParseHtpasswd reads htpasswd lines "user:$2y$…" (bcrypt only); blank
// lines and lines starting with # are skipped. Every hash must have the same
// cost, at most MaxCost, so that an unknown user costs exactly the work of a
// known one. Errors name the line or the user, never a hash.
func ParseHtpasswd(data []byte) (*Credentials, error) {
	c := &Credentials{hashes: map[string][]byte{}}
	users := map[int][]string{} // by cost, for the mixed-cost message
	for i, line := range strings.Split(string(data), "\n") {
		line = strings.TrimSpace(strings.TrimSuffix(line, "\r"))
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		user, hash, ok := strings.Cut(line, ":")
		switch {
		case !ok || user == "":
			return nil, fmt.Errorf("basicauth: htpasswd line %d is not user:hash", i+1)
		case !strings.HasPrefix(hash, "$2y$") && !strings.HasPrefix(hash, "$2a$") && !strings.HasPrefix(hash, "$2b$"):
			return nil, fmt.Errorf("basicauth: htpasswd line %d is not a bcrypt hash: write the file with htpasswd -nbB (plaintext, MD5 and SHA hashes are refused)", i+1)
		case c.hashes[user] != nil:
			return nil, fmt.Errorf("basicauth: htpasswd line %d repeats a user of an earlier line", i+1)
		}
		cost, err := bcrypt.Cost([]byte(hash))
		if err != nil {
			return nil, fmt.Errorf("basicauth: htpasswd line %d has a malformed bcrypt hash: %w", i+1, err)
		}
		if cost > MaxCost {
			return nil, fmt.Errorf("basicauth: htpasswd line %d has bcrypt cost %d, above the maximum of %d: each check would take about %d ms on the authorizer (cost 12 takes 250 ms, each step doubles it), and API Gateway waits %v for it; write the line again with a lower cost: htpasswd -nbB -C 10 USER PASSWORD",
				i+1, cost, MaxCost, 250<<(cost-12), awslimits.APIGatewayAuthorizerTimeout)
		}
		users[cost] = append(users[cost], user)
		c.hashes[user] = []byte(hash)
	}
	if len(c.hashes) == 0 {
		return nil, errors.New("basicauth: the htpasswd data has no user: add lines written by htpasswd -nbB USER PASSWORD")
	}
	if len(users) > 1 {
		return nil, mixedCosts(users)
	}
	for cost := range users {
		dummy, err := dummies[cost]()
		if err != nil {
			return nil, fmt.Errorf("basicauth: the dummy hash of cost %d: %w", cost, err)
		}
		c.dummy = dummy
	}
	return c, nil
}

// mixedCosts is the error for a file whose hashes have different costs: an
// unknown name would be answered in the time of one cost and a known name
// in its own, which tells the names apart.
func mixedCosts(users map[int][]string) error {
	var b strings.Builder
	for i, cost := range slices.Sorted(maps.Keys(users)) {
		if i > 0 {
			b.WriteString("; ")
		}
		names := users[cost]
		fmt.Fprintf(&b, "cost %d: %s", cost, strings.Join(names[:min(len(names), 5)], ", "))
		if len(names) > 5 {
			fmt.Fprintf(&b, " and %d more", len(names)-5)
		}
	}
	return fmt.Errorf("basicauth: the htpasswd users have different bcrypt costs (%s): the time of an answer would tell which user names exist; write every line with the same cost, such as htpasswd -nbB -C 10 USER PASSWORD", b.String())
}

// dummies are the dummy hashes, one per cost, each made once per process
// at first use: a refresh of a file with the same cost costs no bcrypt work.
var dummies = func() (d [MaxCost + 1]func() ([]byte, error)) {
	for cost := bcrypt.MinCost; cost <= MaxCost; cost++ {
		d[cost] = sync.OnceValues(func() ([]byte, error) {
			var random [16]byte
			_, _ = rand.Read(random[:])
			return bcrypt.GenerateFromPassword(random[:], cost)
		})
	}
	return d
}()

// Check reports whether user and password match. An unknown user is
// checked against a dummy hash of the file's one cost, so both answers cost
// the same bcrypt comparison.
func (c *Credentials) Check(user, password string) bool {
	hash, known := c.hashes[user]
	if !known {
		hash = c.dummy
	}
	ok := bcrypt.CompareHashAndPassword(hash, []byte(password)) == nil
	return known && ok
}

// Users is the number of users.
func (c *Credentials) Users() int { return len(c.hashes) }
