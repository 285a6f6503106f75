package login

import (
	"errors"
	"fmt"
	"os"
)

// Environment variables the lambdaweb construct sets on the function when its
// Login prop is on: the provider, the client and the ARNs of the two secrets
// (never their values). FromEnv reads them.
const (
	IssuerEnv           = "LOGIN_ISSUER"
	ClientIDEnv         = "LOGIN_CLIENT_ID"
	ClientSecretArnEnv  = "LOGIN_CLIENT_SECRET_ARN"
	SessionSecretArnEnv = "LOGIN_SESSION_SECRET_ARN"
	// CognitoLogoutURLEnv holds Config.CognitoLogoutURL (Cognito's
	// https://<domain>/logout); EndSessionURLEnv holds Config.EndSessionURL
	// (another provider's end-session endpoint). At most one is set.
	CognitoLogoutURLEnv = "LOGIN_COGNITO_LOGOUT_URL"
	EndSessionURLEnv    = "LOGIN_END_SESSION_URL"
	// ClientSecretFileEnv and SessionSecretFileEnv name files that hold the
	// secrets instead of the ARNs (read with File: a value a line, the
	// first current). The local runner sets them; never in AWS.
	ClientSecretFileEnv  = "LOGIN_CLIENT_SECRET_FILE"
	SessionSecretFileEnv = "LOGIN_SESSION_SECRET_FILE"
	// TrustedPrincipalEnv names the principal of direct invocations that
	// are served without a session (WithTrustedPrincipal): the construct
	// sets it to its pre-traffic hook's with Deployment.
	TrustedPrincipalEnv = "LOGIN_TRUSTED_PRINCIPAL"
)

// FromEnv returns the middleware the function's environment describes, as
// the lambdaweb construct (or the local runner) sets it, or nil and no
// error when IssuerEnv is unset: the app then runs without sign-in. The
// secrets come from Secrets Manager by their ARNs (DefaultSecretsManager:
// read on first use, so a cold start makes no call), or from the files the
// *_FILE variables name; the session secret is required, the client secret
// only for a confidential client. opts go after the ones FromEnv sets.
func FromEnv(opts ...Option) (*Login, error) {
	return fromLookup(os.LookupEnv, opts...)
}

func fromLookup(lookup func(string) (string, bool), opts ...Option) (*Login, error) {
	get := func(k string) string { v, _ := lookup(k); return v }
	issuer := get(IssuerEnv)
	if issuer == "" {
		return nil, nil
	}
	cfg := Config{
		Issuer:           issuer,
		ClientID:         get(ClientIDEnv),
		CognitoLogoutURL: get(CognitoLogoutURLEnv),
		EndSessionURL:    get(EndSessionURLEnv),
	}
	if cfg.CognitoLogoutURL != "" && cfg.EndSessionURL != "" {
		return nil, fmt.Errorf("login: both %s and %s are set; set one", CognitoLogoutURLEnv, EndSessionURLEnv)
	}
	var own []Option
	client, err := secretSource(get, ClientSecretArnEnv, ClientSecretFileEnv)
	if err != nil {
		return nil, err
	}
	if client != nil {
		own = append(own, WithClientSecretSource(client))
	}
	session, err := secretSource(get, SessionSecretArnEnv, SessionSecretFileEnv)
	switch {
	case err != nil:
		return nil, err
	case session == nil:
		return nil, errors.New("login: " + IssuerEnv + " is set but neither " + SessionSecretArnEnv + " nor " + SessionSecretFileEnv + ": the session cookie needs a secret")
	}
	own = append(own, WithSessionSecretSource(session))
	if p := get(TrustedPrincipalEnv); p != "" {
		own = append(own, WithTrustedPrincipal(p))
	}
	l, err := New(cfg, append(own, opts...)...)
	if err != nil {
		return nil, fmt.Errorf("login from the environment: %w", err)
	}
	return l, nil
}

// secretSource is the secret that one of two variables names: by its ARN
// (Secrets Manager) or its file; nil when neither is set.
func secretSource(get func(string) string, arnEnv, fileEnv string) (Source, error) {
	switch arn, file := get(arnEnv), get(fileEnv); {
	case arn != "" && file != "":
		return nil, fmt.Errorf("login: both %s and %s are set; set one", arnEnv, fileEnv)
	case arn != "":
		return DefaultSecretsManager(arn), nil
	case file != "":
		return File(file), nil
	}
	return nil, nil
}
