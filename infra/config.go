package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscertificatemanager"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudfront"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscognito"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsroute53"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssecretsmanager"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/goapigw/webapp/infra/lambdaweb"
)

// environment is one entry of cdk.json's context "environments": every
// option of the construct can be set per environment.
type environment struct {
	Comment                   string            `json:"_comment"`
	Account                   string            `json:"account"`
	Region                    string            `json:"region"`
	MemorySize                *float64          `json:"memorySize"`
	TimeoutSeconds            *float64          `json:"timeoutSeconds"`
	Architecture              string            `json:"architecture"` // "arm64" or "x86_64"
	StageName                 *string           `json:"stageName"`
	IntegrationTimeoutSeconds *float64          `json:"integrationTimeoutSeconds"`
	ResponseStreaming         *bool             `json:"responseStreaming"`
	LogRetentionDays          *int              `json:"logRetentionDays"`
	LogLevel                  string            `json:"logLevel"` // "TRACE", "DEBUG", "INFO", "WARN", "ERROR" or "FATAL"
	ThrottlingRateLimit       *float64          `json:"throttlingRateLimit"`
	ThrottlingBurstLimit      *float64          `json:"throttlingBurstLimit"`
	CloudWatchRole            *bool             `json:"cloudWatchRole"`
	Environment               map[string]string `json:"environment"`
	CustomDomain              *struct {
		DomainName                string `json:"domainName"`
		CertificateArn            string `json:"certificateArn"`
		BasePath                  string `json:"basePath"`
		HostedZoneID              string `json:"hostedZoneId"`
		ZoneName                  string `json:"zoneName"`
		DisableExecuteApiEndpoint bool   `json:"disableExecuteApiEndpoint"`
	} `json:"customDomain"`
	Tracing             *bool    `json:"tracing"`
	ReservedConcurrency *float64 `json:"reservedConcurrency"`
	Monitoring          *struct {
		AlarmTopicArn   string   `json:"alarmTopicArn"` // an existing SNS topic for ALARM and OK
		ServerErrorRate *float64 `json:"serverErrorRate"`
		Dashboard       *bool    `json:"dashboard"`
	} `json:"monitoring"`
	Waf *struct {
		WebAclArn           *string  `json:"webAclArn"`
		CloudFrontWebAclArn *string  `json:"cloudFrontWebAclArn"`
		Create              *bool    `json:"create"`
		RateLimit           *float64 `json:"rateLimit"`
	} `json:"waf"`
	BasicAuth *struct {
		Realm        *string  `json:"realm"`
		SecretName   string   `json:"secretName"` // an existing secret; default: the stack creates one
		CacheSeconds *float64 `json:"cacheSeconds"`
	} `json:"basicAuth"`
	// Login signs people in: see loginConfig.
	Login *loginConfig `json:"login"`
	// Deployment deploys through CodeDeploy (lambdaweb.DeploymentProps).
	Deployment *struct {
		// Config is a CodeDeploy configuration name such as
		// "Linear10PercentEvery1Minute"; default Canary10Percent5Minutes
		// in the environment named prod, AllAtOnce elsewhere.
		Config     string `json:"config"`
		SmokeTests []struct {
			Path   string   `json:"path"`
			Status *float64 `json:"status"`
		} `json:"smokeTests"`
	} `json:"deployment"`
	CloudFront *struct {
		DomainNames    []string `json:"domainNames"`
		CertificateArn string   `json:"certificateArn"`
		HostedZoneID   string   `json:"hostedZoneId"`
		ZoneName       string   `json:"zoneName"`
		EnableLogging  bool     `json:"enableLogging"`
		PriceClass     string   `json:"priceClass"` // "PriceClass_100", "PriceClass_200" or "PriceClass_All"
	} `json:"cloudFront"`
}

// loginConfig is an environment's "login" (lambdaweb.LoginProps): a created
// Cognito pool ({"domainPrefix": "shop-staging"}), an existing one
// ("userPoolId" and "userPoolDomain", its prefix or custom domain) or any
// OpenID Connect provider ("oidc").
type loginConfig struct {
	DomainPrefix      string   `json:"domainPrefix"`
	RemovalPolicy     string   `json:"removalPolicy"` // "retain" (default) or "destroy": throwaway environments only
	Mfa               string   `json:"mfa"`           // "off", "optional" (default) or "required"
	SelfSignUp        *bool    `json:"selfSignUp"`
	LocalCallbackUrls []string `json:"localCallbackUrls"` // only in environments marked for local use
	UserPoolID        string   `json:"userPoolId"`
	UserPoolDomain    string   `json:"userPoolDomain"`
	Oidc              *struct {
		Issuer           string `json:"issuer"`
		ClientID         string `json:"clientId"`
		ClientSecretName string `json:"clientSecretName"` // a Secrets Manager secret holding the client secret
		LogoutURL        string `json:"logoutUrl"`
	} `json:"oidc"`
}

// environments reads the context map; an unknown key is an error, so a typo
// does not silently fall back to a default.
func environments(app awscdk.App) (map[string]environment, []string, error) {
	raw := app.Node().TryGetContext(jsii.String("environments"))
	if raw == nil {
		return nil, nil, fmt.Errorf(`cdk.json has no context "environments": add at least {"dev": {}}`)
	}
	b, err := json.Marshal(raw)
	if err != nil {
		return nil, nil, fmt.Errorf("read context environments: %w", err)
	}
	var generic map[string]json.RawMessage
	if err := json.Unmarshal(b, &generic); err != nil {
		return nil, nil, fmt.Errorf("context environments must map names to objects: %w", err)
	}
	envs := make(map[string]environment, len(generic))
	for name, rawEnv := range generic {
		dec := json.NewDecoder(bytes.NewReader(rawEnv))
		dec.DisallowUnknownFields()
		var e environment
		if err := dec.Decode(&e); err != nil {
			return nil, nil, fmt.Errorf("cdk.json environment %q: %w", name, err)
		}
		envs[name] = e
	}
	names := make([]string, 0, len(envs))
	for n := range envs {
		names = append(names, n)
	}
	slices.Sort(names)
	return envs, names, nil
}

// props turns an environment into construct props; scope holds the imported
// certificates and zones (from attributes: synth makes no AWS calls).
func (e environment) props(scope constructs.Construct, name string) (*lambdaweb.WebAppProps, error) {
	envName := name
	p := &lambdaweb.WebAppProps{
		MemorySize:           e.MemorySize,
		StageName:            e.StageName,
		ThrottlingRateLimit:  e.ThrottlingRateLimit,
		ThrottlingBurstLimit: e.ThrottlingBurstLimit,
		CloudWatchRole:       e.CloudWatchRole,
		ResponseStreaming:    e.ResponseStreaming,
		Tracing:              e.Tracing,
		ReservedConcurrency:  e.ReservedConcurrency,
	}
	if m := e.Monitoring; m != nil {
		p.Monitoring = &lambdaweb.MonitoringProps{ServerErrorRate: m.ServerErrorRate, Dashboard: m.Dashboard}
		if m.AlarmTopicArn != "" {
			p.Monitoring.AlarmTopic = awssns.Topic_FromTopicArn(scope, jsii.String("AlarmTopic"), jsii.String(m.AlarmTopicArn))
		}
	}
	if d := e.Deployment; d != nil {
		name := d.Config
		if name == "" {
			name = "AllAtOnce"
			if envName == "prod" {
				name = "Canary10Percent5Minutes"
			}
		}
		cfg, ok := lambdaweb.DeploymentConfigNamed(name)
		if !ok {
			return nil, fmt.Errorf("cdk.json environment %q: deployment.config %q is not a CodeDeploy configuration this app knows; use one of %s", envName, name, lambdaweb.DeploymentConfigNames())
		}
		p.Deployment = &lambdaweb.DeploymentProps{Config: cfg}
		if d.SmokeTests != nil {
			tests := make([]*lambdaweb.SmokeTest, len(d.SmokeTests))
			for i, t := range d.SmokeTests {
				tests[i] = &lambdaweb.SmokeTest{Path: jsii.String(t.Path), Status: t.Status}
			}
			p.Deployment.SmokeTests = &tests
		}
	}
	if w := e.Waf; w != nil {
		p.Waf = &lambdaweb.WafProps{WebAclArn: w.WebAclArn, CloudFrontWebAclArn: w.CloudFrontWebAclArn, Create: w.Create, RateLimit: w.RateLimit}
	}
	if e.TimeoutSeconds != nil {
		p.Timeout = awscdk.Duration_Seconds(e.TimeoutSeconds)
	}
	if e.IntegrationTimeoutSeconds != nil {
		p.IntegrationTimeout = awscdk.Duration_Seconds(e.IntegrationTimeoutSeconds)
	}
	switch e.Architecture {
	case "":
	case "arm64":
		p.Architecture = awslambda.Architecture_ARM_64()
	case "x86_64":
		p.Architecture = awslambda.Architecture_X86_64()
	default:
		return nil, fmt.Errorf("environment %q: architecture %q is unknown: use \"arm64\" or \"x86_64\"", name, e.Architecture)
	}
	if e.LogRetentionDays != nil {
		r, ok := lambdaweb.LogRetention(*e.LogRetentionDays)
		if !ok {
			return nil, fmt.Errorf("environment %q: logRetentionDays %d is not a CloudWatch retention: use one of %s", name, *e.LogRetentionDays, lambdaweb.ValidRetentionDays())
		}
		p.LogRetention = r
	}
	if e.LogLevel != "" {
		l, ok := lambdaweb.LogLevel(e.LogLevel)
		if !ok {
			return nil, fmt.Errorf("environment %q: logLevel %q is not a Lambda application log level: use one of %s", name, e.LogLevel, lambdaweb.ValidLogLevels())
		}
		p.LogLevel = l
	}
	if len(e.Environment) > 0 {
		m := make(map[string]*string, len(e.Environment))
		for k, v := range e.Environment {
			m[k] = jsii.String(v)
		}
		p.Environment = &m
	}
	if cd := e.CustomDomain; cd != nil {
		p.CustomDomain = &lambdaweb.CustomDomainProps{
			DomainName:                jsii.String(cd.DomainName),
			BasePath:                  jsii.String(cd.BasePath),
			DisableExecuteApiEndpoint: jsii.Bool(cd.DisableExecuteApiEndpoint),
		}
		if cd.CertificateArn != "" {
			p.CustomDomain.Certificate = awscertificatemanager.Certificate_FromCertificateArn(scope, jsii.String("DomainCertificate"), jsii.String(cd.CertificateArn))
		}
		if cd.HostedZoneID != "" {
			p.CustomDomain.HostedZone = awsroute53.HostedZone_FromHostedZoneAttributes(scope, jsii.String("DomainZone"), &awsroute53.HostedZoneAttributes{
				HostedZoneId: jsii.String(cd.HostedZoneID), ZoneName: jsii.String(cd.ZoneName),
			})
		}
	}
	if ba := e.BasicAuth; ba != nil {
		p.BasicAuth = &lambdaweb.BasicAuthProps{Realm: ba.Realm}
		if ba.SecretName != "" {
			p.BasicAuth.Secret = awssecretsmanager.Secret_FromSecretNameV2(scope, jsii.String("BasicAuthSecret"), jsii.String(ba.SecretName))
		}
		if ba.CacheSeconds != nil {
			p.BasicAuth.ResultsCacheTtl = awscdk.Duration_Seconds(ba.CacheSeconds)
		}
	}
	if l := e.Login; l != nil {
		lp, err := l.props(scope, name)
		if err != nil {
			return nil, err
		}
		p.Login = lp
	}
	if cf := e.CloudFront; cf != nil {
		p.CloudFront = &lambdaweb.CloudFrontProps{EnableLogging: jsii.Bool(cf.EnableLogging)}
		if len(cf.DomainNames) > 0 {
			p.CloudFront.DomainNames = jsii.Strings(cf.DomainNames...)
		}
		if cf.CertificateArn != "" {
			p.CloudFront.Certificate = awscertificatemanager.Certificate_FromCertificateArn(scope, jsii.String("CloudFrontCertificate"), jsii.String(cf.CertificateArn))
		}
		if cf.HostedZoneID != "" {
			p.CloudFront.HostedZone = awsroute53.HostedZone_FromHostedZoneAttributes(scope, jsii.String("CloudFrontZone"), &awsroute53.HostedZoneAttributes{
				HostedZoneId: jsii.String(cf.HostedZoneID), ZoneName: jsii.String(cf.ZoneName),
			})
		}
		switch strings.ToLower(cf.PriceClass) {
		case "":
		case "priceclass_100":
			p.CloudFront.PriceClass = awscloudfront.PriceClass_PRICE_CLASS_100
		case "priceclass_200":
			p.CloudFront.PriceClass = awscloudfront.PriceClass_PRICE_CLASS_200
		case "priceclass_all":
			p.CloudFront.PriceClass = awscloudfront.PriceClass_PRICE_CLASS_ALL
		default:
			return nil, fmt.Errorf("environment %q: cloudFront.priceClass %q is unknown: use PriceClass_100, PriceClass_200 or PriceClass_All", name, cf.PriceClass)
		}
	}
	return p, nil
}

func (l *loginConfig) props(scope constructs.Construct, name string) (*lambdaweb.LoginProps, error) {
	p := &lambdaweb.LoginProps{SelfSignUp: l.SelfSignUp}
	if l.DomainPrefix != "" {
		p.DomainPrefix = jsii.String(l.DomainPrefix)
	}
	switch strings.ToLower(l.RemovalPolicy) {
	case "":
	case "retain":
		p.RemovalPolicy = awscdk.RemovalPolicy_RETAIN
	case "destroy":
		p.RemovalPolicy = awscdk.RemovalPolicy_DESTROY
	default:
		return nil, fmt.Errorf("environment %q: login.removalPolicy %q is unknown: use \"retain\" or \"destroy\" (throwaway environments only)", name, l.RemovalPolicy)
	}
	switch strings.ToLower(l.Mfa) {
	case "":
	case "off":
		p.Mfa = awscognito.Mfa_OFF
	case "optional":
		p.Mfa = awscognito.Mfa_OPTIONAL
	case "required":
		p.Mfa = awscognito.Mfa_REQUIRED
	default:
		return nil, fmt.Errorf("environment %q: login.mfa %q is unknown: use \"off\", \"optional\" or \"required\"", name, l.Mfa)
	}
	if len(l.LocalCallbackUrls) > 0 {
		p.LocalCallbackUrls = jsii.Strings(l.LocalCallbackUrls...)
	}
	if l.UserPoolID != "" {
		p.UserPool = awscognito.UserPool_FromUserPoolId(scope, jsii.String("LoginUserPool"), jsii.String(l.UserPoolID))
	}
	if l.UserPoolDomain != "" {
		p.UserPoolDomain = awscognito.UserPoolDomain_FromDomainName(scope, jsii.String("LoginUserPoolDomain"), jsii.String(l.UserPoolDomain))
	}
	if o := l.Oidc; o != nil {
		p.Oidc = &lambdaweb.OidcProps{Issuer: jsii.String(o.Issuer), ClientId: jsii.String(o.ClientID)}
		if o.ClientSecretName != "" {
			p.Oidc.ClientSecret = awssecretsmanager.Secret_FromSecretNameV2(scope, jsii.String("LoginClientSecret"), jsii.String(o.ClientSecretName))
		}
		if o.LogoutURL != "" {
			p.Oidc.LogoutUrl = jsii.String(o.LogoutURL)
		}
	}
	return p, nil
}
