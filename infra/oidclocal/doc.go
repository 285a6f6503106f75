// Package oidclocal is a local OpenID provider that stands in for Cognito's
// managed login when a WebApp with Login runs on a developer's machine. It is
// built on zitadel/oidc's op package, with an in-memory op.Storage; it binds
// nothing itself: the caller serves [Provider.Handler] at Config.Issuer (on
// loopback, or behind an httptest.Server). New refuses a plain http issuer
// on a host other than localhost, 127.0.0.1 or ::1.
//
// # Endpoints
//
// Relative to the issuer, at the paths of Cognito's managed login:
//
//	/.well-known/openid-configuration  discovery
//	/.well-known/jwks.json             the public signing key (RS256, a new key every run)
//	/oauth2/authorize                  authorization code only; PKCE S256 is required
//	/login                             the sign-in form (username, password, hidden request id)
//	/oauth2/token                      authorization_code and refresh_token grants
//	/oauth2/userInfo                   with the access token
//	/oauth2/revoke                     revokes a refresh or access token
//	/logout                            Cognito's logout and OIDC end_session
//
// An authorization request with an unknown client_id or a redirect_uri that is
// not exactly one of the client's callback URLs gets an error page (400) and is
// never redirected. One without a code_challenge, or with a method other than
// S256, is sent back to its (registered) redirect_uri with
// error=invalid_request. A code is good for one exchange within 5 minutes and
// only with the verifier of its challenge; the sign-in form is good for 15
// minutes.
//
// /logout accepts Cognito's forms: client_id with logout_uri (which must be
// exactly one of the client's sign-out URLs, else an error page, no redirect),
// or client_id with redirect_uri and response_type (sign out, then sign in
// again); and OIDC's end_session (id_token_hint, client_id,
// post_logout_redirect_uri, state). It ends the provider's own session, so the
// next sign-in shows the form again; tokens already issued stay valid until
// they expire, as with Cognito.
//
// # Tokens
//
// The ID token carries the claims of a Cognito ID token: sub, aud (the client
// id), iss, exp, iat, auth_time, nonce, at_hash, email, email_verified, name,
// cognito:username, cognito:groups (left out when the user has no groups, as
// Cognito leaves it out) and token_use "id". The access token is a JWT signed
// with the same key (token_use "access", client_id, username, cognito:groups).
// Every code grant returns a refresh token, as Cognito does; the refresh grant
// returns a new ID token and access token and rotates the refresh token (the
// one used is spent; the new one keeps the first one's expiry). Lifetimes are
// in [Config] and default to 1 hour (ID and access tokens) and 30 days
// (refresh token).
//
// After a sign-in the provider remembers the browser with a cookie
// ([SessionCookie]: HttpOnly, SameSite=Lax, Secure when the issuer is https)
// for Config.SessionLifetime (default 1 hour, like the managed login's
// session), so that the next authorization request skips the form, unless it
// asks for prompt=login; prompt=none without a session answers
// error=login_required.
//
// # Users file
//
// One user a line:
//
//	name:password[:group,group]
//
// Blank lines and lines starting with # are skipped; white space around a
// line is ignored. The name may not contain ":" or white space, and names are
// case-insensitive (at sign-in too, and two lines may not differ only in
// case). The password may not contain ":" (everything after a second ":" is
// the group list) nor start or end with white space. It is plain text, or a
// bcrypt hash (starting $2a$, $2b$ or $2y$), for example from
// `htpasswd -nbBC 10 "" 'password' | cut -d: -f2`. Groups are separated by
// commas, without white space, and become cognito:groups in that order. For
// example:
//
//	# name:password[:group,group]
//	alice@example.com:correct horse battery staple:admins,editors
//	bob:$2y$10$uJ4k…:readers
//	carol:carol
//
// From the name:
//
//   - sub is a UUID (version 5) derived from the lower-cased name: the same in
//     every run and on every machine.
//   - email is the name when it contains "@", else name@example.com (a domain
//     reserved for examples: nothing is ever sent there); email_verified is
//     true, as for users an administrator creates.
//   - cognito:username is the sub when the name contains "@" (a user pool that
//     signs in by e-mail address, the construct's, gives every user a generated
//     user name, which is the sub), else the name.
//   - name is the name up to "@".
//
// A bad line is an error naming its line number and the user, never the
// password; every bad line is reported, not only the first.
//
// # Security, even locally
//
// The sign-in page loads nothing (no script at all, no third-party anything;
// its Content-Security-Policy is default-src 'none' with inline styles only)
// and cannot be framed. The form carries the op package's request id, 256
// random bits, which is what ties the post to an authorization request the
// app started (with its own state, nonce and PKCE); a wrong password shows the
// form again with "Incorrect username or password." whether or not the user
// exists (an unknown name costs a bcrypt comparison too, at the highest cost
// among the users' hashes). A post to /login with an Origin other than the
// issuer's, or a Sec-Fetch-Site other than same-origin or none, is refused
// (403), so another site cannot sign a browser in. Config.Logger gets a
// line per sign-in, refusal and sign-out naming the user, never a password,
// code, token or cookie; the op package logs refused protocol requests to
// slog's default logger, also without them (the tests read every line).
package oidclocal
