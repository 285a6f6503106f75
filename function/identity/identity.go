// Package identity is the one way an app asks who is signed in, whichever
// authentication the lambdaweb construct put in front of it.
//
// [UserFromContext] returns the user that package login put in the
// request's context (an OpenID Connect sign-in, with groups), or else the
// principal that API Gateway's Lambda authorizer allowed (basic auth, see
// restproxy.PrincipalFromContext) as a User whose Subject and Name are the
// user name and which has no groups. An app written against it works
// unchanged with either.
package identity

import (
	"context"
	"slices"

	"github.com/goapigw/webapp/function/restproxy"
)

// User is who made a request.
type User struct {
	// Subject is the stable, unique id of the user at the provider (the
	// ID token's "sub"); with basic auth, the user name.
	Subject string
	// Email is the user's e-mail address, "" when unknown.
	Email string
	// Name is a name to show: the ID token's "name", else
	// "preferred_username", "cognito:username" or the e-mail; with basic
	// auth, the user name.
	Name string
	// Groups are the groups the provider says the user is in (with
	// Cognito, "cognito:groups"); none with basic auth.
	Groups []string
}

// InGroup reports whether the user is in the group.
func (u User) InGroup(group string) bool {
	return slices.Contains(u.Groups, group)
}

type contextKey struct{}

// NewContext returns a copy of ctx that carries the user. Package login
// calls it; an app only reads.
func NewContext(ctx context.Context, u User) context.Context {
	return context.WithValue(ctx, contextKey{}, &u)
}

// UserFromContext returns the signed-in user of a request's context: the
// one [NewContext] stored, else the basic-auth principal. It reports false
// for an anonymous request.
func UserFromContext(ctx context.Context) (User, bool) {
	if u, ok := ctx.Value(contextKey{}).(*User); ok {
		return *u, true
	}
	if p, ok := restproxy.PrincipalFromContext(ctx); ok {
		return User{Subject: p, Name: p}, true
	}
	return User{}, false
}
