// Package login signs people in to a net/http app through an OpenID
// Connect provider: Cognito's managed login, or any other (Entra ID, Google
// Workspace, Okta). It is middleware: [New] checks a [Config], and
// [Login.Wrap] (or [Login.Middleware], for routers like chi) wraps the app.
// The app reads the user with identity.UserFromContext, the accessor basic
// auth fills too, and renders a sign-out button with [LogoutForm].
//
// It is built on golang.org/x/oauth2 (authorization code with PKCE) and
// github.com/coreos/go-oidc/v3 (discovery; ID token verification with the
// provider's JWKS, cached and fetched again for an unknown key id).
//
// # Flow
//
// A request for the callback, sign-in or sign-out path (Config.CallbackPath
// "/auth/callback", LoginPath "/auth/login", LogoutPath "/auth/logout", all
// relative to the door's prefix from restproxy.PrefixFromContext) is
// answered by the middleware. Any other request reaches the app only with a
// valid session. Without one, a browser navigation (GET or HEAD whose Accept
// names text/html, with Sec-Fetch-Mode navigate when the browser sends it)
// is redirected (302) to the provider's authorize endpoint with
// response_type=code, PKCE S256, a random state and a random nonce; every
// other request (fetch, POST, an image or stylesheet) gets 401 with a small
// JSON body and never a redirect.
//
// The sign-in in progress (state, nonce, PKCE verifier, redirect_uri, the
// path to return to) is sealed in a transaction cookie of its own for ten
// minutes, named after the start of its state so sign-ins in two tabs do not
// collide. The callback finds it by the state, compares the state in
// constant time, clears it whatever happens (a replayed state finds no
// cookie), exchanges the code with the verifier, verifies the ID token
// (signature, issuer, audience, expiry) and its nonce, then sets the session
// and redirects to the page asked for, under the prefix. A failed callback
// never redirects to the provider again: it answers a small page with a "Try
// again" link, so a broken sign-in cannot loop. The return path is kept only
// when it is a path on this origin: it starts with exactly one "/" and holds
// no backslash, space or control character (so "//evil.example",
// "/\evil.example" and "https://evil.example" become "/").
//
// An event whose requestContext names an authorizer principal (package
// restproxy's PrincipalFromContext) is served as that user without a
// session: API Gateway sets a principal only from the API's own authorizer,
// and the lambdaweb construct gives a WebApp with Login none, so such an
// event comes from a direct invocation by an IAM principal allowed to invoke
// the function, such as the construct's pre-traffic hook.
//
// # Session
//
// The session is a cookie (SessionCookie) sealed with AES-256-GCM: subject,
// e-mail, name, groups (Config.GroupsClaim, "cognito:groups" by default),
// the ID token's expiry, the time of sign-in, a random session id and the
// refresh token. The cookie name is the additional data, so a value cannot
// be moved to another cookie, and the keys are derived (HKDF) with the
// issuer and client ID in their info, so a cookie of another deployment
// that shares a secret does not open. At a host's root, unless
// WithInsecureCookies, the cookie is named HostSessionCookie
// ("__Host-lw_session"), which no sibling subdomain can set; more than one
// session cookie that opens counts as no session. Cookies are Secure, HttpOnly, SameSite=Lax,
// with Path the door's prefix ("/" at a host's root). Checking a session is
// local: decrypt, decode, compare times; no provider call (see
// BenchmarkSessionCheck: about 13 µs and 26 allocations on a busy 2-core
// machine). With 20 groups and a Cognito-sized refresh token (1,784 bytes)
// the Set-Cookie line is about 3.3 KB. A session that would exceed 4,000
// bytes is kept without its refresh token (a warning gives its size): it
// then ends with the ID token and the next navigation signs in again,
// usually without a prompt while the provider's own session lasts. One that
// exceeds it even so fails the sign-in with a page saying so.
//
// Keys come from session secrets (Config.SessionSecrets, or
// [WithSessionSecretSource] for Secrets Manager): from each secret HKDF-SHA256
// derives a session key, a transaction key and a CSRF key. The first secret
// seals, every one opens, so a new secret is added first and the old one
// stays until its sessions have expired: a rotation logs nobody out. Read
// from Secrets Manager ([SecretsManager]), the secret's AWSCURRENT and
// AWSPREVIOUS values are the list, so a rotation there works the same way;
// they are read again every KeyRefreshInterval, and at once (at most every
// KeyRetryInterval) when a cookie no key opens arrives.
//
// A session lives at most the session lifetime ([WithSessionLifetime], 24 h
// by default) from its sign-in. Within it, when the ID token has expired or
// will within the margin ([WithExpiryMargin], a minute), the middleware
// refreshes it with the refresh token at the token endpoint, on the request
// itself, and sets the renewed cookie (with a rotated refresh token when the
// provider rotates). A refresh that fails (revoked token, user disabled or
// deleted) clears the session: a navigation is sent through sign-in once,
// anything else gets 401. A disabled user is therefore out within the ID
// token's lifetime (Cognito: one hour by default, 5 minutes at least): the
// refresh interval. Signing out elsewhere does not end this session sooner
// unless the provider revokes the refresh token.
//
// # Sign-out
//
// Sign-out is a POST to the logout path carrying the session's CSRF token
// (HMAC-SHA256 of the session id under the CSRF key) in the form field
// CSRFField; an Origin other than the request's own, or a Sec-Fetch-Site
// other than same-origin, is refused too (403). It clears the session and
// redirects (303) to Cognito's /logout with client_id and logout_uri
// (Config.CognitoLogoutURL), else to the provider's end_session_endpoint
// (Config.EndSessionURL, or discovery's) with client_id and
// post_logout_redirect_uri, else to the door's root. [LogoutForm] gives the
// form's action under the prefix and the token; [Form.HTML] renders it.
//
// Before redirecting, sign-out revokes the session's refresh token at the
// provider's revocation endpoint (discovery's revocation_endpoint; with
// Config.CognitoLogoutURL, /oauth2/revoke on that domain), with the client's
// credentials. This is best effort: a failure is logged by its status only
// and the sign-out goes on. Sessions are stateless (nothing is kept on the
// server), so a copy of the cookie taken before the sign-out keeps working
// until its ID token expires; it can no longer be refreshed.
//
// # Caching
//
// Every response to a signed-in user gets Cache-Control: private unless the
// app set its own, and Vary: Cookie, so a shared cache (CloudFront) never
// serves it to someone else. The middleware's own answers are no-store.
//
// # Logs
//
// No token, code, state, nonce, cookie value or secret is ever logged: a
// token endpoint error is logged by status and OAuth error code only, never
// its body. Sign-ins, refreshes and sign-outs log the subject.
//
// # Provider
//
// Discovery runs on the first request that needs the provider (a sign-in, a
// callback, a refresh, a sign-out with an end-session endpoint) and is kept;
// a failure answers 503 and is tried again after DiscoveryRetryInterval. The
// client secret comes from Config.ClientSecret or, read with discovery, from
// [WithClientSecretSource]: with [DefaultSecretsManager] the function gets
// only the secret's ARN in its environment.
//
// The redirect_uri is the request's origin (https when restproxy saw
// X-Forwarded-Proto https) and Host, the prefix and CallbackPath; every door's
// must be registered with the provider. Behind CloudFront the Host API Gateway
// sees is not the distribution's: use [WithPublicOrigin] there.
package login
