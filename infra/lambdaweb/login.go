package lambdaweb

import (
	"regexp"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscertificatemanager"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscognito"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssecretsmanager"
	"github.com/aws/jsii-runtime-go"

	"github.com/goapigw/webapp/function/login"
)

// LoginProps signs people in to the app with their own account, through
// Cognito's managed login or any OpenID Connect provider; package
// function/login does the signing in, in the function. Exactly one of three
// sources: a user pool the construct creates (the default; DomainPrefix or
// Domain required), an existing UserPool with its UserPoolDomain, or Oidc.
//
// The construct registers the callback URL (prefix + login.DefaultCallbackPath)
// and the sign-out URL (the prefix's root) of every front door the stack
// serves: the stage URL (unless CloudFront-only access closes it), the custom
// domain with its base path, each CloudFront alias (or the distribution's
// domain when it has none). All in one deploy: the client refers to the REST
// API's id, not to its stage. With Oidc, register the URLs the
// LoginCallbackUrls output lists with the provider yourself.
type LoginProps struct {
	// DomainPrefix is the created pool's managed-login domain,
	// https://PREFIX.auth.REGION.amazoncognito.com: 1 to 63 lower-case
	// letters, digits and hyphens, not starting or ending with a hyphen, and
	// without "aws", "amazon" or "cognito". Required when the construct
	// creates the pool, unless Domain is set.
	DomainPrefix *string
	// Domain is a custom domain for managed login instead of DomainPrefix,
	// with an ACM certificate in us-east-1. Create its DNS record (an alias
	// to the UserPoolDomain's CloudFront name) yourself.
	// Default: none.
	Domain *LoginDomainProps
	// SelfSignUp lets anyone with the URL create an account in the created
	// pool. Off, an administrator creates the users (README).
	// Default: false.
	SelfSignUp *bool
	// Mfa is the created pool's multi-factor authentication, TOTP
	// (authenticator apps) only: OFF, OPTIONAL (each user may turn it on) or
	// REQUIRED.
	// Default: awscognito.Mfa_OPTIONAL.
	Mfa awscognito.Mfa
	// RemovalPolicy of the created pool. DESTROY is for throwaway
	// environments only: the pool, and every account in it, goes with the
	// stack. Otherwise the pool is retained and has deletion protection.
	// Default: awscdk.RemovalPolicy_RETAIN.
	RemovalPolicy awscdk.RemovalPolicy
	// IdTokenValidity and AccessTokenValidity are the tokens' lifetimes, 5
	// minutes to 1 day. The ID token's is how long a disabled user may keep
	// a session (function/login refreshes it when it expires).
	// Default: 1 hour each.
	IdTokenValidity, AccessTokenValidity awscdk.Duration
	// RefreshTokenValidity is the refresh token's lifetime, 60 minutes to
	// 3650 days, and not shorter than the ID and access tokens'.
	// Default: 30 days.
	RefreshTokenValidity awscdk.Duration
	// LocalCallbackUrls are extra callback URLs such as
	// "http://localhost:8080/auth/callback", with the matching sign-out URL
	// (the URL's root) registered too. Only for environments marked for
	// local use: any client in the world may redirect a user there.
	// Default: none.
	LocalCallbackUrls *[]*string

	// UserPool and UserPoolDomain are an existing pool and its managed-login
	// domain; the construct adds an app client to the pool. Both or neither.
	// Default: a created pool.
	UserPool       awscognito.IUserPool
	UserPoolDomain awscognito.IUserPoolDomain

	// Oidc is any other OpenID Connect provider (Entra ID, Google
	// Workspace, Okta), instead of Cognito.
	// Default: none.
	Oidc *OidcProps
}

// LoginDomainProps is a custom domain for Cognito's managed login.
type LoginDomainProps struct {
	// DomainName, such as "login.example.com". Required.
	DomainName *string
	// Certificate covers DomainName, in us-east-1. Required.
	Certificate awscertificatemanager.ICertificate
}

// OidcProps is an OpenID Connect provider with an app registration (a
// confidential client using the authorization-code flow).
type OidcProps struct {
	// Issuer is the provider's issuer URL (https), where
	// /.well-known/openid-configuration is found. Required.
	Issuer *string
	// ClientId is the app registration's client id. Required.
	ClientId *string
	// ClientSecret holds the client secret as its plain string value; the
	// function may read it, nothing else is granted. Required.
	ClientSecret awssecretsmanager.ISecret
	// LogoutUrl is the provider's end-session endpoint, when discovery does
	// not name one.
	// Default: discovery's end_session_endpoint, else the door's root.
	LogoutUrl *string
}

var (
	cognitoPrefixRE = regexp.MustCompile(`^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$`)
	cognitoReserved = []string{"aws", "amazon", "cognito"}
)

func (p *LoginProps) defaults() *LoginProps {
	if p == nil {
		return nil
	}
	d := *p
	if d.UserPool == nil && d.Oidc == nil {
		if d.Mfa == "" {
			d.Mfa = awscognito.Mfa_OPTIONAL
		}
		if d.RemovalPolicy == "" {
			d.RemovalPolicy = awscdk.RemovalPolicy_RETAIN
		}
		if d.SelfSignUp == nil {
			d.SelfSignUp = jsii.Bool(false)
		}
	}
	if d.IdTokenValidity == nil {
		d.IdTokenValidity = awscdk.Duration_Hours(jsii.Number(1))
	}
	if d.AccessTokenValidity == nil {
		d.AccessTokenValidity = awscdk.Duration_Hours(jsii.Number(1))
	}
	if d.RefreshTokenValidity == nil {
		d.RefreshTokenValidity = awscdk.Duration_Days(jsii.Number(30))
	}
	return &d
}

func (p *LoginProps) validate(bad func(string, ...any), basicAuth bool) {
	if basicAuth {
		bad("BasicAuth and Login are both set: an app signs people in one way; drop BasicAuth (Login signs each person in with their own account) or drop Login")
	}
	created := p.UserPool == nil && p.Oidc == nil
	switch {
	case p.Oidc != nil && (p.UserPool != nil || p.UserPoolDomain != nil):
		bad("Login.Oidc and Login.UserPool are both set: the app signs in with one provider; drop one of them")
	case p.UserPool != nil && p.UserPoolDomain == nil:
		bad("Login.UserPool is set without Login.UserPoolDomain: managed login needs the pool's domain; give it (awscognito.UserPoolDomain_FromDomainName) too")
	case p.UserPool == nil && p.UserPoolDomain != nil:
		bad("Login.UserPoolDomain is set without Login.UserPool: give the pool the domain belongs to, or drop the domain (the construct then creates a pool)")
	}
	if !created && (p.DomainPrefix != nil || p.Domain != nil || p.SelfSignUp != nil || p.Mfa != "" || p.RemovalPolicy != "") {
		bad("Login.DomainPrefix, Domain, SelfSignUp, Mfa and RemovalPolicy configure a pool the construct creates, but Login.UserPool or Login.Oidc is set: configure those on your provider and drop them here")
	}
	if created {
		switch {
		case p.DomainPrefix == nil && p.Domain == nil:
			bad("Login.DomainPrefix is not set: the created user pool needs a managed-login domain; give a prefix such as \"shop-staging\" (https://shop-staging.auth.REGION.amazoncognito.com), or Login.Domain")
		case p.DomainPrefix != nil && p.Domain != nil:
			bad("Login.DomainPrefix %q and Login.Domain are both set: the pool has one managed-login domain; drop one of them", deref1(p.DomainPrefix))
		}
		if v := p.DomainPrefix; resolved(v) {
			switch lower := strings.ToLower(*v); {
			case !cognitoPrefixRE.MatchString(*v):
				bad("Login.DomainPrefix %q is not a Cognito domain prefix: use 1 to 63 lower-case letters, digits and hyphens, not starting or ending with a hyphen, such as \"shop-staging\"", *v)
			default:
				for _, r := range cognitoReserved {
					if strings.Contains(lower, r) {
						bad("Login.DomainPrefix %q contains %q, which Cognito reserves: choose a prefix without \"aws\", \"amazon\" or \"cognito\"", *v, r)
						break
					}
				}
			}
		}
		if d := p.Domain; d != nil {
			if d.DomainName == nil || d.Certificate == nil {
				bad("Login.Domain needs DomainName and Certificate: give the domain and an ACM certificate for it in us-east-1")
			} else if resolved(d.DomainName) && (*d.DomainName != strings.ToLower(*d.DomainName) || !domainRE.MatchString(*d.DomainName)) {
				bad("Login.Domain.DomainName %q is not a lower-case domain name: use one such as \"login.example.com\"", *d.DomainName)
			}
			if d.Certificate != nil {
				if arn := d.Certificate.CertificateArn(); resolved(arn) {
					if m := arnRegion.FindStringSubmatch(*arn); m != nil && m[1] != "us-east-1" {
						bad("Login.Domain.Certificate %s is in %s: Cognito's custom domains use certificates in us-east-1; request or import one there", *arn, m[1])
					}
				}
			}
		}
		switch p.Mfa {
		case awscognito.Mfa_OFF, awscognito.Mfa_OPTIONAL, awscognito.Mfa_REQUIRED:
		default:
			bad("Login.Mfa %q is not a Cognito MFA setting: use awscognito.Mfa_OFF, Mfa_OPTIONAL or Mfa_REQUIRED", p.Mfa)
		}
		switch p.RemovalPolicy {
		case awscdk.RemovalPolicy_RETAIN, awscdk.RemovalPolicy_DESTROY, awscdk.RemovalPolicy_RETAIN_ON_UPDATE_OR_DELETE:
		default:
			bad("Login.RemovalPolicy %q does not apply to a user pool: use RETAIN (the default) or DESTROY, for throwaway environments only", p.RemovalPolicy)
		}
	}
	if o := p.Oidc; o != nil {
		if o.Issuer == nil || o.ClientId == nil || o.ClientSecret == nil {
			bad("Login.Oidc needs Issuer, ClientId and ClientSecret: give the provider's issuer URL, the app registration's client id and a secret holding its client secret")
		}
		if v := o.Issuer; resolved(v) && !strings.HasPrefix(*v, "https://") {
			bad("Login.Oidc.Issuer %q is not an https URL: OpenID Connect discovery and the ID token's iss need https; give it as https://…", *v)
		}
		if v := o.LogoutUrl; resolved(v) && !strings.HasPrefix(*v, "https://") {
			bad("Login.Oidc.LogoutUrl %q is not an https URL: give the provider's end-session endpoint as https://…", *v)
		}
	}
	minutes := func(name string, v awscdk.Duration, lo, hi float64, rng string) float64 {
		if unresolved(v) {
			return -1
		}
		m := *v.ToSeconds(nil) / 60
		if m < lo || m > hi {
			bad("Login.%s %v min is out of range: Cognito allows %s", name, m, rng)
			return -1
		}
		return m
	}
	id := minutes("IdTokenValidity", p.IdTokenValidity, 5, 1440, "5 minutes to 1 day")
	access := minutes("AccessTokenValidity", p.AccessTokenValidity, 5, 1440, "5 minutes to 1 day")
	refresh := minutes("RefreshTokenValidity", p.RefreshTokenValidity, 60, 3650*1440, "60 minutes to 3650 days")
	if refresh >= 0 && (id > refresh || access > refresh) {
		bad("Login.RefreshTokenValidity %v min is shorter than the ID or access token's: raise it or shorten those", refresh)
	}
	if p.LocalCallbackUrls != nil {
		for i, u := range *p.LocalCallbackUrls {
			if !resolved(u) {
				continue
			}
			if !strings.HasSuffix(*u, login.DefaultCallbackPath) || !(strings.HasPrefix(*u, "http://localhost") || strings.HasPrefix(*u, "http://127.0.0.1") || strings.HasPrefix(*u, "https://")) {
				bad("Login.LocalCallbackUrls[%d] %q is not a local callback URL: give one such as \"http://localhost:8080%s\"", i, *u, login.DefaultCallbackPath)
			}
		}
	}
}

// loginEnv are the function's variables the construct owns with Login.
var loginEnv = []string{login.IssuerEnv, login.ClientIDEnv, login.ClientSecretArnEnv, login.SessionSecretArnEnv, login.CognitoLogoutURLEnv, login.EndSessionURLEnv}

// loginRoots returns the root URL ("https://host/prefix/") of every front
// door, built without referring to the stage resource: the client's URLs
// must not depend on anything that depends on the function.
func (w *WebApp) loginRoots(stageName *string) []*string {
	var roots []*string
	if w.StageUrl != nil && !w.originVerified {
		roots = append(roots, awscdk.Fn_Join(jsii.String(""), &[]*string{
			jsii.String("https://"), w.RestApi.RestApiId(), jsii.String(".execute-api."),
			awscdk.Aws_REGION(), jsii.String("."), awscdk.Aws_URL_SUFFIX(), jsii.String("/"), stageName, jsii.String("/"),
		}))
	}
	if w.CustomDomainUrl != nil {
		roots = append(roots, w.CustomDomainUrl)
	}
	if w.Distribution != nil {
		if w.cloudFrontAliases != nil {
			for _, n := range *w.cloudFrontAliases {
				roots = append(roots, jsii.String("https://"+*n+"/"))
			}
		} else {
			roots = append(roots, w.CloudFrontUrl)
		}
	}
	return roots
}

func join(a *string, b string) *string {
	if resolved(a) {
		return jsii.String(*a + b)
	}
	return awscdk.Fn_Join(jsii.String(""), &[]*string{a, jsii.String(b)})
}

// addLogin creates the pool (or uses the given one), the app client and the
// two secrets, and tells the function where they are.
func (w *WebApp) addLogin(p *LoginProps, stageName *string) {
	scope := w
	var callbacks, logouts []*string
	for _, root := range w.loginRoots(stageName) {
		callbacks = append(callbacks, join(root, strings.TrimPrefix(login.DefaultCallbackPath, "/")))
		logouts = append(logouts, root)
	}
	if p.LocalCallbackUrls != nil {
		for _, u := range *p.LocalCallbackUrls {
			callbacks = append(callbacks, u)
			if resolved(u) {
				logouts = append(logouts, jsii.String(strings.TrimSuffix(*u, login.DefaultCallbackPath)+"/"))
			}
		}
	}
	w.LoginCallbackUrls = callbacks
	awscdk.NewCfnOutput(scope, jsii.String("LoginCallbackUrls"), &awscdk.CfnOutputProps{
		Value:       awscdk.Fn_Join(jsii.String(","), &callbacks),
		Description: jsii.String("The sign-in callback URLs of every front door (register them with an OpenID Connect provider)"),
	})

	w.SessionSecret = awssecretsmanager.NewSecret(scope, jsii.String("SessionSecret"), &awssecretsmanager.SecretProps{
		Description: jsii.String("Seals the sign-in session cookies (function/login); generated by Secrets Manager. Put a new value to rotate: the previous one still opens sessions."),
		GenerateSecretString: &awssecretsmanager.SecretStringGenerator{
			PasswordLength: jsii.Number(64), ExcludePunctuation: jsii.Bool(true), IncludeSpace: jsii.Bool(false),
		},
	})
	acknowledge(w.SessionSecret, "AwsSolutions-SMG4",
		"Rotated by putting a new value (aws secretsmanager put-secret-value): function/login opens sessions with AWSCURRENT and AWSPREVIOUS, so a rotation logs nobody out; a rotation Lambda would add cost for a random key.")

	var issuer, clientID, clientSecretArn *string
	if o := p.Oidc; o != nil {
		issuer, clientID, clientSecretArn = o.Issuer, o.ClientId, o.ClientSecret.SecretArn()
		w.LoginClientSecret = o.ClientSecret
		if o.LogoutUrl != nil {
			w.Function.AddEnvironment(jsii.String(login.EndSessionURLEnv), o.LogoutUrl, nil)
		}
	} else {
		pool := p.UserPool
		domain := p.UserPoolDomain
		var logoutBase *string
		if pool == nil {
			w.UserPool = w.newUserPool(p)
			pool = w.UserPool
			opts := &awscognito.UserPoolDomainOptions{}
			if p.Domain != nil {
				opts.CustomDomain = &awscognito.CustomDomainOptions{DomainName: p.Domain.DomainName, Certificate: p.Domain.Certificate}
			} else {
				opts.CognitoDomain = &awscognito.CognitoDomainOptions{DomainPrefix: p.DomainPrefix}
			}
			w.UserPoolDomain = w.UserPool.AddDomain(jsii.String("LoginDomain"), opts)
			domain = w.UserPoolDomain
			logoutBase = w.UserPoolDomain.BaseUrl(nil)
			if p.Domain != nil && resolved(p.Domain.DomainName) {
				logoutBase = jsii.String("https://" + *p.Domain.DomainName)
			}
		} else {
			logoutBase = domainBaseUrl(domain)
		}
		client := pool.AddClient(jsii.String("LoginClient"), &awscognito.UserPoolClientOptions{
			GenerateSecret: jsii.Bool(true),
			// Managed login signs people in; no API of the client's own.
			AuthFlows: &awscognito.AuthFlow{UserSrp: jsii.Bool(false)},
			OAuth: &awscognito.OAuthSettings{
				Flows:        &awscognito.OAuthFlows{AuthorizationCodeGrant: jsii.Bool(true), ImplicitCodeGrant: jsii.Bool(false), ClientCredentials: jsii.Bool(false)},
				Scopes:       &[]awscognito.OAuthScope{awscognito.OAuthScope_OPENID(), awscognito.OAuthScope_EMAIL(), awscognito.OAuthScope_PROFILE()},
				CallbackUrls: &callbacks,
				LogoutUrls:   &logouts,
			},
			SupportedIdentityProviders:      &[]awscognito.UserPoolClientIdentityProvider{awscognito.UserPoolClientIdentityProvider_COGNITO()},
			PreventUserExistenceErrors:      jsii.Bool(true),
			EnableTokenRevocation:           jsii.Bool(true),
			IdTokenValidity:                 p.IdTokenValidity,
			AccessTokenValidity:             p.AccessTokenValidity,
			RefreshTokenValidity:            p.RefreshTokenValidity,
			RefreshTokenRotationGracePeriod: awscdk.Duration_Seconds(jsii.Number(60)),
		})
		w.UserPoolClient = client
		_ = domain
		awscdk.NewCfnOutput(scope, jsii.String("LoginUserPoolId"), &awscdk.CfnOutputProps{
			Value: pool.UserPoolId(), Description: jsii.String("The user pool people sign in with: create users and groups in it (README)"),
		})
		secret := awssecretsmanager.NewSecret(scope, jsii.String("LoginClientSecret"), &awssecretsmanager.SecretProps{
			Description: jsii.String("The sign-in app client's secret, copied from Cognito at deploy time (the template holds no value)."),
			// CDK reads the client secret with a custom resource at deploy
			// time: the template holds only a reference to its output.
			SecretStringValue: client.UserPoolClientSecret(),
		})
		acknowledge(secret, "AwsSolutions-SMG4",
			"A copy of the app client's secret, which Cognito generates and cannot rotate in place: replacing the client (a new logical ID) is the rotation, and the copy follows on the same deploy.")
		w.LoginClientSecret = secret
		acknowledgeSdkProvider(w)
		issuer = awscdk.Fn_Join(jsii.String(""), &[]*string{
			jsii.String("https://cognito-idp."), awscdk.Aws_REGION(), jsii.String("."), awscdk.Aws_URL_SUFFIX(), jsii.String("/"), pool.UserPoolId(),
		})
		clientID = client.UserPoolClientId()
		clientSecretArn = secret.SecretArn()
		w.Function.AddEnvironment(jsii.String(login.CognitoLogoutURLEnv), join(logoutBase, "/logout"), nil)
	}
	w.Function.AddEnvironment(jsii.String(login.IssuerEnv), issuer, nil)
	w.Function.AddEnvironment(jsii.String(login.ClientIDEnv), clientID, nil)
	w.Function.AddEnvironment(jsii.String(login.ClientSecretArnEnv), clientSecretArn, nil)
	w.Function.AddEnvironment(jsii.String(login.SessionSecretArnEnv), w.SessionSecret.SecretArn(), nil)
	w.LoginClientSecret.GrantRead(w.Function, nil)
	w.SessionSecret.GrantRead(w.Function, nil)
}

// domainBaseUrl is the managed-login base URL of an existing domain: a
// UserPoolDomain the app created knows it; an imported one is a custom
// domain when its name has a dot, else a Cognito prefix.
func domainBaseUrl(d awscognito.IUserPoolDomain) *string {
	if full, ok := d.(awscognito.UserPoolDomain); ok {
		return full.BaseUrl(nil)
	}
	name := d.DomainName()
	if resolved(name) && strings.Contains(*name, ".") {
		return jsii.String("https://" + *name)
	}
	return awscdk.Fn_Join(jsii.String(""), &[]*string{
		jsii.String("https://"), name, jsii.String(".auth."), awscdk.Aws_REGION(), jsii.String(".amazoncognito.com"),
	})
}

func (w *WebApp) newUserPool(p *LoginProps) awscognito.UserPool {
	destroy := p.RemovalPolicy == awscdk.RemovalPolicy_DESTROY
	props := &awscognito.UserPoolProps{
		SelfSignUpEnabled:   p.SelfSignUp,
		SignInAliases:       &awscognito.SignInAliases{Email: jsii.Bool(true)},
		SignInCaseSensitive: jsii.Bool(false),
		AutoVerify:          &awscognito.AutoVerifiedAttrs{Email: jsii.Bool(true)},
		StandardAttributes: &awscognito.StandardAttributes{
			Email: &awscognito.StandardAttribute{Required: jsii.Bool(true), Mutable: jsii.Bool(true)},
		},
		AccountRecovery: awscognito.AccountRecovery_EMAIL_ONLY,
		PasswordPolicy: &awscognito.PasswordPolicy{
			MinLength: jsii.Number(12), RequireLowercase: jsii.Bool(true), RequireUppercase: jsii.Bool(true),
			RequireDigits: jsii.Bool(true), RequireSymbols: jsii.Bool(true),
			TempPasswordValidity: awscdk.Duration_Days(jsii.Number(3)),
		},
		Mfa: p.Mfa,
		// Essentials: CDK's plan for a new pool, free for the first 10,000
		// monthly active users like Lite, and the plan refresh-token
		// rotation needs. Threat protection needs Plus, which costs more.
		FeaturePlan:        awscognito.FeaturePlan_ESSENTIALS,
		DeletionProtection: jsii.Bool(!destroy),
		RemovalPolicy:      p.RemovalPolicy,
	}
	if p.Mfa != awscognito.Mfa_OFF {
		props.MfaSecondFactor = &awscognito.MfaSecondFactor{Otp: jsii.Bool(true), Sms: jsii.Bool(false)}
	}
	pool := awscognito.NewUserPool(w, jsii.String("UserPool"), props)
	if p.Mfa != awscognito.Mfa_REQUIRED {
		reason := "MFA is OPTIONAL (Login.Mfa, the default): each user may turn on TOTP; set Login.Mfa to REQUIRED to require it."
		if p.Mfa == awscognito.Mfa_OFF {
			reason = "MFA is OFF by choice (Login.Mfa): passwords of at least 12 characters of every class only; set Login.Mfa to REQUIRED to require TOTP."
		}
		acknowledge(pool, "AwsSolutions-COG2", reason)
	}
	const plus = "Threat protection (advanced security) needs Cognito's Plus feature plan, billed per monthly active user above the Essentials plan the pool uses; an internal app's admin-created users, strong passwords and optional TOTP stand instead."
	acknowledge(pool, "AwsSolutions-COG3", plus)
	acknowledge(pool, "AwsSolutions-COG8", plus)
	return pool
}

// sdkProviderID is the construct ID of CDK's singleton function behind
// AwsCustomResource, which UserPoolClientSecret uses to read the client's
// secret at deploy time (DescribeUserPoolClient).
const sdkProviderID = "AWS679f53fac002430cb0da5b7982bd2287"

// acknowledgeSdkProvider explains the findings on CDK's own provider
// function, a stack-wide singleton the construct does not configure.
func acknowledgeSdkProvider(w *WebApp) {
	fn := awscdk.Stack_Of(w).Node().TryFindChild(jsii.String(sdkProviderID))
	if fn == nil {
		return
	}
	if role := fn.Node().TryFindChild(jsii.String("ServiceRole")); role != nil {
		acknowledge(role, "AwsSolutions-IAM4",
			"CDK's AwsCustomResource provider (it copies the Cognito client's secret into Secrets Manager at deploy time) uses AWSLambdaBasicExecutionRole to write its logs; it runs only during deploys.",
			"Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole")
	}
	acknowledgeGuard(fn, "CT.LAMBDA.PR.3", "CDK's AwsCustomResource provider calls the Cognito API during deploys only; it reaches no private resource, and a VPC would add NAT cost.")
	if lg := fn.Node().TryFindChild(jsii.String("LogGroup")); lg != nil {
		acknowledgeGuard(lg, "CT.CLOUDWATCH.PR.3", guardLogKMS)
	}
}
