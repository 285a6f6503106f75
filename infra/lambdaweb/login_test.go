package lambdaweb_test

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscognito"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssecretsmanager"
	"github.com/aws/jsii-runtime-go"

	"github.com/goapigw/webapp/function/login"
	"github.com/goapigw/webapp/infra/lambdaweb"
)

func only(tb testing.TB, tmpl map[string]any, typ string) (string, map[string]any) {
	tb.Helper()
	rs := resourcesOf(tmpl, typ)
	if len(rs) != 1 {
		tb.Fatalf("%d resources of type %s, want 1", len(rs), typ)
	}
	for id, r := range rs {
		p, _ := r["Properties"].(map[string]any)
		return id, p
	}
	return "", nil
}

// render turns an Fn::Join (or a string) into text, with each Ref and
// Fn::GetAtt written as {Ref:ID} and the pseudo parameters as they are.
func render(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case map[string]any:
		if j, ok := x["Fn::Join"].([]any); ok {
			var parts []string
			for _, p := range j[1].([]any) {
				parts = append(parts, render(p))
			}
			return strings.Join(parts, j[0].(string))
		}
		if r, ok := x["Ref"].(string); ok {
			return "{" + r + "}"
		}
		if g, ok := x["Fn::GetAtt"].([]any); ok {
			return fmt.Sprintf("{%v.%v}", g[0], g[1])
		}
	}
	b, _ := json.Marshal(v)
	return string(b)
}

func renderAll(v any) []string {
	var out []string
	for _, x := range v.([]any) {
		out = append(out, render(x))
	}
	return out
}

// cycle returns a dependency cycle among the template's resources (Ref,
// Fn::GetAtt, Fn::Sub and DependsOn), or nil: CloudFormation refuses such a
// template at deploy time, and synth does not notice.
func cycle(tmpl map[string]any) []string {
	res := tmpl["Resources"].(map[string]any)
	deps := map[string]map[string]bool{}
	var walk func(from string, v any)
	walk = func(from string, v any) {
		switch x := v.(type) {
		case map[string]any:
			for k, y := range x {
				switch k {
				case "Ref":
					if s, ok := y.(string); ok && res[s] != nil {
						deps[from][s] = true
					}
				case "Fn::GetAtt":
					if a, ok := y.([]any); ok && res[a[0].(string)] != nil {
						deps[from][a[0].(string)] = true
					}
				case "Fn::Sub":
					b, _ := json.Marshal(y)
					for id := range res {
						if strings.Contains(string(b), "${"+id+"}") || strings.Contains(string(b), "${"+id+".") {
							deps[from][id] = true
						}
					}
				}
				walk(from, y)
			}
		case []any:
			for _, y := range x {
				walk(from, y)
			}
		}
	}
	for id, r := range res {
		deps[id] = map[string]bool{}
		m := r.(map[string]any)
		walk(id, m["Properties"])
		switch d := m["DependsOn"].(type) {
		case string:
			deps[id][d] = true
		case []any:
			for _, x := range d {
				deps[id][x.(string)] = true
			}
		}
	}
	state := map[string]int{}
	var stack []string
	var found []string
	var visit func(string) bool
	visit = func(n string) bool {
		state[n] = 1
		stack = append(stack, n)
		for d := range deps[n] {
			if state[d] == 1 {
				i := slices.Index(stack, d)
				found = append(slices.Clone(stack[i:]), d)
				return true
			}
			if state[d] == 0 && visit(d) {
				return true
			}
		}
		stack = stack[:len(stack)-1]
		state[n] = 2
		return false
	}
	for id := range res {
		if state[id] == 0 && visit(id) {
			return found
		}
	}
	return nil
}

func TestLoginCreatedPool(t *testing.T) {
	tmpl, _, _ := synth(t, stackOptions{region: "eu-west-1"}, configuration(t, "login"))
	if c := cycle(tmpl); c != nil {
		t.Fatalf("dependency cycle: %v", c)
	}

	poolID, pool := only(t, tmpl, "AWS::Cognito::UserPool")
	poolRes := tmpl["Resources"].(map[string]any)[poolID].(map[string]any)
	if poolRes["DeletionPolicy"] != "Retain" || poolRes["UpdateReplacePolicy"] != "Retain" || pool["DeletionProtection"] != "ACTIVE" {
		t.Errorf("pool: DeletionPolicy %v, UpdateReplacePolicy %v, DeletionProtection %v; want Retain, Retain, ACTIVE",
			poolRes["DeletionPolicy"], poolRes["UpdateReplacePolicy"], pool["DeletionProtection"])
	}
	want := map[string]string{
		"AdminCreateUserConfig":  `{"AllowAdminCreateUserOnly":true}`,
		"UsernameAttributes":     `["email"]`,
		"UsernameConfiguration":  `{"CaseSensitive":false}`,
		"AutoVerifiedAttributes": `["email"]`,
		"MfaConfiguration":       `"OPTIONAL"`,
		"EnabledMfas":            `["SOFTWARE_TOKEN_MFA"]`,
		"UserPoolTier":           `"ESSENTIALS"`,
		"Policies":               `{"PasswordPolicy":{"MinimumLength":12,"RequireLowercase":true,"RequireNumbers":true,"RequireSymbols":true,"RequireUppercase":true,"TemporaryPasswordValidityDays":3}}`,
	}
	for k, v := range want {
		got, _ := json.Marshal(pool[k])
		if string(got) != v {
			t.Errorf("pool %s = %s, want %s", k, got, v)
		}
	}

	// Local tools learn from the record that the app signs people in.
	apiID, _ := only(t, tmpl, "AWS::ApiGateway::RestApi")
	rec, _ := tmpl["Resources"].(map[string]any)[apiID].(map[string]any)["Metadata"].(map[string]any)[lambdaweb.MetadataKey].(map[string]any)
	if rec["login"] != true {
		t.Errorf("record %v: want login true", rec)
	}

	_, domain := only(t, tmpl, "AWS::Cognito::UserPoolDomain")
	if domain["Domain"] != "shop-staging" {
		t.Errorf("domain %v, want shop-staging", domain["Domain"])
	}

	clientID, client := only(t, tmpl, "AWS::Cognito::UserPoolClient")
	for k, v := range map[string]string{
		"AllowedOAuthFlows":               `["code"]`,
		"AllowedOAuthFlowsUserPoolClient": `true`,
		"AllowedOAuthScopes":              `["openid","email","profile"]`,
		"GenerateSecret":                  `true`,
		"ExplicitAuthFlows":               `[]`, // managed login only; rotation excludes ALLOW_REFRESH_TOKEN_AUTH
		"PreventUserExistenceErrors":      `"ENABLED"`,
		"EnableTokenRevocation":           `true`,
		"SupportedIdentityProviders":      `["COGNITO"]`,
		"IdTokenValidity":                 `60`,
		"AccessTokenValidity":             `60`,
		"RefreshTokenValidity":            `43200`,
		"TokenValidityUnits":              `{"AccessToken":"minutes","IdToken":"minutes","RefreshToken":"minutes"}`,
		"RefreshTokenRotation":            `{"Feature":"ENABLED","RetryGracePeriodSeconds":60}`,
	} {
		got, _ := json.Marshal(client[k])
		if string(got) != v {
			t.Errorf("client %s = %s, want %s", k, got, v)
		}
	}
	// The stage URL is no door here: CloudFront-only access closes it
	// (TestLoginDoors has it).
	wantCallbacks := []string{"https://app.example.com/shop/auth/callback", "https://www.example.com/auth/callback", "https://example.com/auth/callback"}
	if got := renderAll(client["CallbackURLs"]); !slices.Equal(got, wantCallbacks) {
		t.Errorf("callback URLs\ngot  %q\nwant %q", got, wantCallbacks)
	}
	wantLogouts := []string{"https://app.example.com/shop/", "https://www.example.com/", "https://example.com/"}
	if got := renderAll(client["LogoutURLs"]); !slices.Equal(got, wantLogouts) {
		t.Errorf("logout URLs\ngot  %q\nwant %q", got, wantLogouts)
	}
	raw, _ := json.Marshal(tmpl)
	for _, s := range []string{"localhost", "127.0.0.1", "implicit", "client_credentials"} {
		if strings.Contains(string(raw), s) {
			t.Errorf("template mentions %q", s)
		}
	}

	// The secrets: the session key is generated by Secrets Manager; the
	// client secret's value is a custom resource's output, never a literal.
	secrets := resourcesOf(tmpl, "AWS::SecretsManager::Secret")
	var sessionID, clientSecretID string
	for id, s := range secrets {
		p := s["Properties"].(map[string]any)
		switch {
		case strings.Contains(id, "SessionSecret"):
			sessionID = id
			gen, _ := json.Marshal(p["GenerateSecretString"])
			if string(gen) != `{"ExcludePunctuation":true,"IncludeSpace":false,"PasswordLength":64}` || p["SecretString"] != nil {
				t.Errorf("session secret: GenerateSecretString %s, SecretString %v", gen, p["SecretString"])
			}
		case strings.Contains(id, "LoginClientSecret"):
			clientSecretID = id
			v, ok := p["SecretString"].(map[string]any)
			if !ok || v["Fn::GetAtt"] == nil {
				t.Errorf("client secret's SecretString is %v, want a custom resource's output (Fn::GetAtt)", p["SecretString"])
			}
		}
	}
	if sessionID == "" || clientSecretID == "" {
		t.Fatalf("secrets %v: want a session secret and a client secret", secrets)
	}
	// CDK's custom resource reads the client (DescribeUserPoolClient) and
	// must not log the answer, which holds the secret.
	for id, cr := range resourcesOf(tmpl, "Custom::DescribeCognitoUserPoolClient") {
		b, _ := json.Marshal(cr["Properties"])
		if !strings.Contains(string(b), `\"logApiResponseData\":false`) {
			t.Errorf("%s may log the API's answer: %s", id, b)
		}
	}
	for id, r := range tmpl["Resources"].(map[string]any) {
		b, _ := json.Marshal(r.(map[string]any)["Properties"])
		if strings.Contains(string(b), `"ClientSecret"`) {
			t.Errorf("resource %s has a ClientSecret property: %s", id, b)
		}
	}

	// The function: where to find the provider and the two secrets.
	fnID, fn := "", map[string]any(nil)
	for id, f := range resourcesOf(tmpl, "AWS::Lambda::Function") {
		p := f["Properties"].(map[string]any)
		if env, ok := p["Environment"].(map[string]any); ok {
			if vars := env["Variables"].(map[string]any); vars[login.ClientIDEnv] != nil {
				fnID, fn = id, vars
			}
		}
	}
	if fn == nil {
		t.Fatal("no function has " + login.ClientIDEnv)
	}
	for k, v := range map[string]string{
		login.IssuerEnv:           "https://cognito-idp.{AWS::Region}.{AWS::URLSuffix}/{" + poolID + "}",
		login.ClientIDEnv:         "{" + clientID + "}",
		login.ClientSecretArnEnv:  "{" + clientSecretID + "}",
		login.SessionSecretArnEnv: "{" + sessionID + "}",
		login.CognitoLogoutURLEnv: "https://{" + func() string { id, _ := only(t, tmpl, "AWS::Cognito::UserPoolDomain"); return id }() + "}.auth.eu-west-1.amazoncognito.com/logout",
	} {
		if got := render(fn[k]); got != v {
			t.Errorf("%s = %s, want %s", k, got, v)
		}
	}
	if fn[login.EndSessionURLEnv] != nil {
		t.Errorf("%s is set with Cognito", login.EndSessionURLEnv)
	}
	// The two login secrets, and CloudFront's origin secret.
	var origin string
	for id := range secrets {
		if strings.Contains(id, "OriginSecret") {
			origin = id
		}
	}
	readers := secretReaders(tmpl)
	if got := readers[fnID]; !slices.Equal(got, sorted(clientSecretID, sessionID, origin)) {
		t.Errorf("the function may read %v, want exactly %v", got, sorted(clientSecretID, sessionID, origin))
	}
}

func sorted(s ...string) []string { slices.Sort(s); return s }

// secretReaders maps each function to the secrets its role's policies
// allow secretsmanager:GetSecretValue on.
func secretReaders(tmpl map[string]any) map[string][]string {
	roleSecrets := map[string][]string{}
	for _, pol := range resourcesOf(tmpl, "AWS::IAM::Policy") {
		p := pol["Properties"].(map[string]any)
		var secrets []string
		for _, st := range p["PolicyDocument"].(map[string]any)["Statement"].([]any) {
			s := st.(map[string]any)
			b, _ := json.Marshal(s["Action"])
			if !strings.Contains(string(b), "secretsmanager:GetSecretValue") {
				continue
			}
			rs, ok := s["Resource"].([]any)
			if !ok {
				rs = []any{s["Resource"]}
			}
			for _, r := range rs {
				secrets = append(secrets, strings.Trim(render(r), "{}"))
			}
		}
		for _, r := range p["Roles"].([]any) {
			role := strings.Trim(render(r), "{}")
			roleSecrets[role] = append(roleSecrets[role], secrets...)
		}
	}
	out := map[string][]string{}
	for id, f := range resourcesOf(tmpl, "AWS::Lambda::Function") {
		role := strings.TrimSuffix(strings.Trim(render(f["Properties"].(map[string]any)["Role"]), "{}"), ".Arn")
		s := slices.Clone(roleSecrets[role])
		slices.Sort(s)
		out[id] = slices.Compact(s)
	}
	return out
}

func TestLoginDoors(t *testing.T) {
	tests := []struct {
		name  string
		props func(awscdk.Stack) *lambdaweb.WebAppProps
		want  []string // callback URLs; STAGE and DIST stand for the stage's and the distribution's roots
	}{
		{name: "stage only", props: func(awscdk.Stack) *lambdaweb.WebAppProps {
			return &lambdaweb.WebAppProps{Login: &lambdaweb.LoginProps{DomainPrefix: jsii.String("shop")}, StageName: jsii.String("live")}
		}, want: []string{"STAGE/auth/callback"}},
		{name: "CloudFront without aliases closes the stage", props: func(awscdk.Stack) *lambdaweb.WebAppProps {
			return &lambdaweb.WebAppProps{Login: &lambdaweb.LoginProps{DomainPrefix: jsii.String("shop")}, CloudFront: &lambdaweb.CloudFrontProps{}}
		}, want: []string{"DIST/auth/callback"}},
		{name: "CloudFront with direct access", props: func(awscdk.Stack) *lambdaweb.WebAppProps {
			return &lambdaweb.WebAppProps{Login: &lambdaweb.LoginProps{DomainPrefix: jsii.String("shop")}, CloudFront: &lambdaweb.CloudFrontProps{AllowDirectAccess: jsii.Bool(true)}}
		}, want: []string{"STAGE/auth/callback", "DIST/auth/callback"}},
		{name: "custom domain only", props: func(s awscdk.Stack) *lambdaweb.WebAppProps {
			return &lambdaweb.WebAppProps{Login: &lambdaweb.LoginProps{DomainPrefix: jsii.String("shop")}, CustomDomain: &lambdaweb.CustomDomainProps{
				DomainName: jsii.String("example.com"), Certificate: certificate(s, "Cert1", "eu-west-1"), BasePath: jsii.String("shop/v1"), DisableExecuteApiEndpoint: jsii.Bool(true),
			}}
		}, want: []string{"https://example.com/shop/v1/auth/callback"}},
		{name: "local URLs when asked for", props: func(awscdk.Stack) *lambdaweb.WebAppProps {
			return &lambdaweb.WebAppProps{Login: &lambdaweb.LoginProps{DomainPrefix: jsii.String("shop"), LocalCallbackUrls: jsii.Strings("http://localhost:8080/auth/callback")}}
		}, want: []string{"STAGE/auth/callback", "http://localhost:8080/auth/callback"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tmpl, _, _ := synth(t, stackOptions{region: "eu-west-1"}, tt.props)
			if c := cycle(tmpl); c != nil {
				t.Fatalf("dependency cycle: %v", c)
			}
			_, client := only(t, tmpl, "AWS::Cognito::UserPoolClient")
			got := renderAll(client["CallbackURLs"])
			for i, u := range got {
				if strings.Contains(u, ".execute-api.") {
					if !strings.HasSuffix(u, ".execute-api.{AWS::Region}.{AWS::URLSuffix}/"+map[bool]string{true: "live", false: "prod"}[tt.name == "stage only"]+"/auth/callback") {
						t.Errorf("stage callback %q", u)
					}
					got[i] = "STAGE/auth/callback"
				}
				if strings.Contains(u, "Distribution") && strings.HasSuffix(u, ".DomainName}/auth/callback") {
					got[i] = "DIST/auth/callback"
				}
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("callback URLs\ngot  %q\nwant %q", got, tt.want)
			}
			logouts := renderAll(client["LogoutURLs"])
			if len(logouts) != len(tt.want) {
				t.Errorf("logout URLs %q: want one per callback", logouts)
			}
			if tt.name == "stage only" {
				var fnID string
				var secrets []string
				for id, f := range resourcesOf(tmpl, "AWS::Lambda::Function") {
					if env, ok := f["Properties"].(map[string]any)["Environment"].(map[string]any); ok && env["Variables"].(map[string]any)[login.ClientIDEnv] != nil {
						fnID = id
					}
				}
				for id := range resourcesOf(tmpl, "AWS::SecretsManager::Secret") {
					secrets = append(secrets, id)
				}
				if len(secrets) != 2 {
					t.Fatalf("secrets %v, want the client's and the session's", secrets)
				}
				if got := secretReaders(tmpl)[fnID]; !slices.Equal(got, sorted(secrets...)) {
					t.Errorf("the function may read %v, want exactly %v", got, sorted(secrets...))
				}
			}
		})
	}
}

func TestLoginOidc(t *testing.T) {
	tmpl, _, _ := synth(t, stackOptions{region: "eu-west-1"}, func(s awscdk.Stack) *lambdaweb.WebAppProps {
		return &lambdaweb.WebAppProps{Login: &lambdaweb.LoginProps{Oidc: &lambdaweb.OidcProps{
			Issuer:       jsii.String("https://login.microsoftonline.com/00000000-0000-0000-0000-000000000000/v2.0"),
			ClientId:     jsii.String("11111111-1111-1111-1111-111111111111"),
			ClientSecret: awssecretsmanager.Secret_FromSecretNameV2(s, jsii.String("Entra"), jsii.String("entra-client-secret")),
			LogoutUrl:    jsii.String("https://login.microsoftonline.com/00000000-0000-0000-0000-000000000000/oauth2/v2.0/logout"),
		}}}
	})
	for _, typ := range []string{"AWS::Cognito::UserPool", "AWS::Cognito::UserPoolClient", "AWS::Cognito::UserPoolDomain"} {
		if n := len(resourcesOf(tmpl, typ)); n != 0 {
			t.Errorf("%d %s with Oidc, want none", n, typ)
		}
	}
	var vars map[string]any
	for _, f := range resourcesOf(tmpl, "AWS::Lambda::Function") {
		if env, ok := f["Properties"].(map[string]any)["Environment"].(map[string]any); ok {
			vars = env["Variables"].(map[string]any)
		}
	}
	if vars[login.IssuerEnv] != "https://login.microsoftonline.com/00000000-0000-0000-0000-000000000000/v2.0" ||
		vars[login.ClientIDEnv] != "11111111-1111-1111-1111-111111111111" ||
		!strings.Contains(render(vars[login.ClientSecretArnEnv]), ":secret:entra-client-secret") ||
		vars[login.EndSessionURLEnv] == nil || vars[login.CognitoLogoutURLEnv] != nil {
		t.Errorf("environment %v", vars)
	}
	outputs, _ := json.Marshal(tmpl["Outputs"])
	if !strings.Contains(string(outputs), "LoginCallbackUrls") {
		t.Errorf("no LoginCallbackUrls output: %s", outputs)
	}
}

func TestLoginExistingPool(t *testing.T) {
	tmpl, _, _ := synth(t, stackOptions{region: "eu-west-1"}, func(s awscdk.Stack) *lambdaweb.WebAppProps {
		return &lambdaweb.WebAppProps{Login: &lambdaweb.LoginProps{
			UserPool:       awscognito.UserPool_FromUserPoolId(s, jsii.String("Pool"), jsii.String("eu-west-1_EXAMPLE")),
			UserPoolDomain: awscognito.UserPoolDomain_FromDomainName(s, jsii.String("PoolDomain"), jsii.String("corp-login")),
		}}
	})
	if n := len(resourcesOf(tmpl, "AWS::Cognito::UserPool")); n != 0 {
		t.Errorf("%d pools created, want none", n)
	}
	_, client := only(t, tmpl, "AWS::Cognito::UserPoolClient")
	if client["UserPoolId"] != "eu-west-1_EXAMPLE" {
		t.Errorf("client's pool %v", client["UserPoolId"])
	}
	var vars map[string]any
	for _, f := range resourcesOf(tmpl, "AWS::Lambda::Function") {
		if env, ok := f["Properties"].(map[string]any)["Environment"].(map[string]any); ok {
			if v := env["Variables"].(map[string]any); v[login.ClientIDEnv] != nil {
				vars = v
			}
		}
	}
	if got := render(vars[login.IssuerEnv]); got != "https://cognito-idp.{AWS::Region}.{AWS::URLSuffix}/eu-west-1_EXAMPLE" {
		t.Errorf("issuer %s", got)
	}
	if got := render(vars[login.CognitoLogoutURLEnv]); got != "https://corp-login.auth.{AWS::Region}.amazoncognito.com/logout" {
		t.Errorf("logout URL %s", got)
	}
}

func TestLoginThrowaway(t *testing.T) {
	tmpl, _, _ := synth(t, stackOptions{region: "eu-west-1"}, func(awscdk.Stack) *lambdaweb.WebAppProps {
		return &lambdaweb.WebAppProps{Login: &lambdaweb.LoginProps{DomainPrefix: jsii.String("shop-pr-17"), RemovalPolicy: awscdk.RemovalPolicy_DESTROY, Mfa: awscognito.Mfa_REQUIRED, SelfSignUp: jsii.Bool(true)}}
	})
	id, pool := only(t, tmpl, "AWS::Cognito::UserPool")
	r := tmpl["Resources"].(map[string]any)[id].(map[string]any)
	if r["DeletionPolicy"] != "Delete" || pool["DeletionProtection"] != "INACTIVE" || pool["MfaConfiguration"] != "ON" {
		t.Errorf("DeletionPolicy %v, DeletionProtection %v, MfaConfiguration %v", r["DeletionPolicy"], pool["DeletionProtection"], pool["MfaConfiguration"])
	}
	if b, _ := json.Marshal(pool["AdminCreateUserConfig"]); string(b) != `{"AllowAdminCreateUserOnly":false}` {
		t.Errorf("AdminCreateUserConfig %s", b)
	}
}

func TestLoginCustomDomain(t *testing.T) {
	tmpl, _, _ := synth(t, stackOptions{region: "eu-west-1"}, func(s awscdk.Stack) *lambdaweb.WebAppProps {
		return &lambdaweb.WebAppProps{Login: &lambdaweb.LoginProps{Domain: &lambdaweb.LoginDomainProps{
			DomainName: jsii.String("login.example.com"), Certificate: certificate(s, "Cert2", "us-east-1"),
		}}}
	})
	_, domain := only(t, tmpl, "AWS::Cognito::UserPoolDomain")
	if domain["Domain"] != "login.example.com" || domain["CustomDomainConfig"] == nil {
		t.Errorf("domain %v", domain)
	}
	for _, f := range resourcesOf(tmpl, "AWS::Lambda::Function") {
		if env, ok := f["Properties"].(map[string]any)["Environment"].(map[string]any); ok {
			if v := env["Variables"].(map[string]any); v[login.ClientIDEnv] != nil && render(v[login.CognitoLogoutURLEnv]) != "https://login.example.com/logout" {
				t.Errorf("logout URL %s", render(v[login.CognitoLogoutURLEnv]))
			}
		}
	}
}
