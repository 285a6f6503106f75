package assembly

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/goapigw/webapp/internal/awslimits"
)

// WebApp is one WebApp construct found in a synthesized template.
type WebApp struct {
	Record
	// Stack names the stack that holds it, as the CDK CLI displays it
	// ("ShopStack", or "Stage/ShopStack" inside a stage).
	Stack string
	// StackName is the CloudFormation stack name.
	StackName string
	// Region and Account are the stack's environment when the app pins
	// it; "" when the stack is environment-agnostic.
	Region, Account string
	// Template is the path of the stack's template.
	Template string
	API      API
	Function Function
	// AuthorizerFunction is the basic-auth authorizer's function; nil for
	// a public API.
	AuthorizerFunction *Function
	// CloudFront is the distribution's default cache behavior; nil without
	// a distribution.
	CloudFront *CloudFront
}

// CloudFront is what the local stack needs of a distribution.
type CloudFront struct {
	// CachingDisabled: the managed policy that keeps nothing.
	CachingDisabled            bool
	MinTTL, DefaultTTL, MaxTTL time.Duration
	Headers                    []string // in the cache key
	QueryStrings               bool     // all in the cache key
	OriginHeaders              map[string]string
	// ViewerHostHeader is set to the viewer's Host on every origin request
	// (Record.ViewerHostHeader); "" sets nothing.
	ViewerHostHeader string
}

// cachingDisabled is the ID of CloudFront's managed CachingDisabled policy.
const cachingDisabled = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"

// API is the REST API as the template configures it.
type API struct {
	Stage            string
	BinaryMediaTypes []string
	// Resources are the resource paths that have a Lambda proxy method,
	// such as "/" and "/{proxy+}".
	Resources []string
	// IntegrationTimeout is the longest of the methods' integration timeouts.
	IntegrationTimeout time.Duration
	// TransferMode is the integrations' response transfer mode, "BUFFERED"
	// or "STREAM".
	TransferMode string
	// BasePath is the custom domain's base-path mapping, such as "shop/v1";
	// "" maps the domain's root (or there is no custom domain).
	BasePath string
}

// Streaming reports whether the integrations stream responses.
func (a API) Streaming() bool { return a.TransferMode == "STREAM" }

// Function is the Lambda function as the template configures it.
type Function struct {
	// Name is the FunctionName the template gives; "" when CloudFormation
	// names the function at deploy.
	Name string
	// Path is the function's construct path (its aws:cdk:path without
	// "/Resource"), such as "ShopStack/Storefront/Web/Function"; "" when
	// the template has no path metadata.
	Path string
	// LogGroup is the name of the log group the function logs to when the
	// template names it; "" for Lambda's default or a name given at deploy.
	LogGroup     string
	MemorySize   int
	Timeout      time.Duration
	Architecture string // "arm64" or "x86_64"
	Environment  map[string]string
	// LogFormat is LoggingConfig's LogFormat: "JSON" or "Text" (also when
	// the template leaves it out, Lambda's default).
	LogFormat string
	// LogLevel is LoggingConfig's ApplicationLogLevel ("TRACE" to "FATAL");
	// "" when the template leaves it out (Lambda then uses INFO with JSON).
	LogLevel string
	// Unresolved names the environment variables whose values CloudFormation
	// works out at deploy time (a reference to another resource).
	Unresolved []string
	// ReservedConcurrency is the function's ReservedConcurrentExecutions,
	// which caps its concurrent executions; 0 when the template reserves
	// none (or gives a value resolved at deploy time).
	ReservedConcurrency int

	// UnresolvedWhy says, for each of Unresolved, what its value refers
	// to, such as "Ref MyBucket".
	UnresolvedWhy map[string]string

	vars variables // as the template writes them, for Resolve
}

func (a WebApp) String() string {
	return fmt.Sprintf("%s: stage %q, resources %s, binary media types %v, %s, integration timeout %v; function %s: %d MB, %v, %s",
		a.Construct, a.API.Stage, strings.Join(a.API.Resources, " "), a.API.BinaryMediaTypes, strings.ToLower(a.API.TransferMode), a.API.IntegrationTimeout,
		a.Entry, a.Function.MemorySize, a.Function.Timeout, a.Function.Architecture)
}

type manifest struct {
	Artifacts map[string]struct {
		Type        string `json:"type"`
		DisplayName string `json:"displayName"`
		Environment string `json:"environment"` // aws://ACCOUNT/REGION
		Properties  struct {
			TemplateFile  string `json:"templateFile"`
			StackName     string `json:"stackName"`
			DirectoryName string `json:"directoryName"`
		} `json:"properties"`
	} `json:"artifacts"`
}

// Read returns every WebApp in the cloud assembly directory dir (such as
// "cdk.out"), including those in nested stages, sorted by stack and path.
func Read(dir string) ([]WebApp, error) {
	apps, err := readAssembly(dir, 0)
	if err != nil {
		return nil, err
	}
	slices.SortFunc(apps, func(a, b WebApp) int {
		return strings.Compare(a.Stack+"\x00"+a.Construct, b.Stack+"\x00"+b.Construct)
	})
	return apps, nil
}

func readAssembly(dir string, depth int) ([]WebApp, error) {
	if depth > 16 {
		return nil, fmt.Errorf("cloud assembly %s: stages nested too deep", dir)
	}
	b, err := os.ReadFile(filepath.Join(dir, "manifest.json"))
	if err != nil {
		return nil, fmt.Errorf("read the cloud assembly: %w", err)
	}
	var m manifest
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("cloud assembly %s: manifest.json: %w", dir, err)
	}
	var apps []WebApp
	for id, art := range m.Artifacts {
		switch art.Type {
		case "aws:cloudformation:stack":
			found, err := ReadTemplate(filepath.Join(dir, art.Properties.TemplateFile))
			if err != nil {
				return nil, err
			}
			account, region, _ := strings.Cut(strings.TrimPrefix(art.Environment, "aws://"), "/")
			for _, a := range found {
				a.Stack = cmp.Or(art.DisplayName, id)
				a.StackName = cmp.Or(art.Properties.StackName, id)
				if !strings.HasPrefix(region, "unknown-") {
					a.Region = region
				}
				if !strings.HasPrefix(account, "unknown-") {
					a.Account = account
				}
				a.Resolve(a.Pseudo(DefaultPseudo))
				apps = append(apps, a)
			}
		case "cdk:cloud-assembly":
			nested, err := readAssembly(filepath.Join(dir, art.Properties.DirectoryName), depth+1)
			if err != nil {
				return nil, err
			}
			apps = append(apps, nested...)
		}
	}
	return apps, nil
}

type cfnResource struct {
	Type       string          `json:"Type"`
	Properties json.RawMessage `json:"Properties"`
	Metadata   map[string]any  `json:"Metadata"`
}

type ref struct {
	Ref string `json:"Ref"`
}

// ReadTemplate returns the WebApps of one synthesized template. The stack
// fields are left empty: a template does not know its stack's name.
func ReadTemplate(path string) ([]WebApp, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read template: %w", err)
	}
	var t struct {
		Parameters map[string]parameter   `json:"Parameters"`
		Resources  map[string]cfnResource `json:"Resources"`
	}
	if err := json.Unmarshal(b, &t); err != nil {
		return nil, fmt.Errorf("template %s: %w", path, err)
	}
	var apps []WebApp
	for id, r := range t.Resources {
		if r.Type != "AWS::ApiGateway::RestApi" || r.Metadata[MetadataKey] == nil {
			continue
		}
		raw, err := json.Marshal(r.Metadata[MetadataKey])
		if err != nil {
			return nil, err
		}
		var rec Record
		if err := json.Unmarshal(raw, &rec); err != nil {
			return nil, fmt.Errorf("template %s: %s metadata of %s: %w", path, MetadataKey, id, err)
		}
		a := WebApp{Record: rec, Template: path}
		if err := a.readAPI(t.Resources, id, r); err != nil {
			return nil, fmt.Errorf("template %s: WebApp %s: %w", path, rec.Construct, err)
		}
		if err := a.readFunction(t.Resources, t.Parameters); err != nil {
			return nil, fmt.Errorf("template %s: WebApp %s: %w", path, rec.Construct, err)
		}
		if rec.Distribution != "" {
			cf, err := readDistribution(t.Resources, rec.Distribution)
			if err != nil {
				return nil, fmt.Errorf("template %s: WebApp %s: %w", path, rec.Construct, err)
			}
			cf.ViewerHostHeader = rec.ViewerHostHeader
			a.CloudFront = cf
		}
		apps = append(apps, a)
	}
	return apps, nil
}

func (a *WebApp) readAPI(all map[string]cfnResource, apiID string, api cfnResource) error {
	var p struct{ BinaryMediaTypes []string }
	if err := json.Unmarshal(api.Properties, &p); err != nil {
		return fmt.Errorf("RestApi %s: %w", apiID, err)
	}
	a.API.BinaryMediaTypes = p.BinaryMediaTypes

	type node struct {
		parent json.RawMessage
		part   string
	}
	resources := map[string]node{}
	type method struct {
		resource json.RawMessage
		timeout  int
		mode     string
	}
	var methods []method
	for id, r := range all {
		var owner struct {
			RestAPIID ref `json:"RestApiId"`
		}
		switch r.Type {
		case "AWS::ApiGateway::Stage", "AWS::ApiGateway::Resource", "AWS::ApiGateway::Method", "AWS::ApiGateway::BasePathMapping":
			if err := json.Unmarshal(r.Properties, &owner); err != nil {
				return fmt.Errorf("%s %s: %w", r.Type, id, err)
			}
			if owner.RestAPIID.Ref != apiID {
				continue
			}
		default:
			continue
		}
		switch r.Type {
		case "AWS::ApiGateway::Stage":
			var s struct{ StageName string }
			if err := json.Unmarshal(r.Properties, &s); err != nil {
				return fmt.Errorf("stage %s: %w", id, err)
			}
			a.API.Stage = s.StageName
		case "AWS::ApiGateway::BasePathMapping":
			var m struct{ BasePath string }
			if err := json.Unmarshal(r.Properties, &m); err != nil {
				return fmt.Errorf("base path mapping %s: %w", id, err)
			}
			a.API.BasePath = strings.Trim(m.BasePath, "/")
		case "AWS::ApiGateway::Resource":
			var res struct {
				ParentID json.RawMessage `json:"ParentId"`
				PathPart string
			}
			if err := json.Unmarshal(r.Properties, &res); err != nil {
				return fmt.Errorf("resource %s: %w", id, err)
			}
			resources[id] = node{parent: res.ParentID, part: res.PathPart}
		case "AWS::ApiGateway::Method":
			var m struct {
				ResourceID  json.RawMessage `json:"ResourceId"`
				Integration struct {
					TimeoutInMillis      int
					Type                 string
					ResponseTransferMode string
				}
			}
			if err := json.Unmarshal(r.Properties, &m); err != nil {
				return fmt.Errorf("method %s: %w", id, err)
			}
			if m.Integration.Type == "AWS_PROXY" {
				methods = append(methods, method{m.ResourceID, m.Integration.TimeoutInMillis, cmp.Or(m.Integration.ResponseTransferMode, "BUFFERED")})
			}
		}
	}

	var pathOf func(raw json.RawMessage, depth int) (string, error)
	pathOf = func(raw json.RawMessage, depth int) (string, error) {
		if depth > 64 {
			return "", errors.New("resource tree too deep")
		}
		var r struct {
			Ref    string `json:"Ref"`
			GetAtt []any  `json:"Fn::GetAtt"`
		}
		if err := json.Unmarshal(raw, &r); err != nil {
			return "", fmt.Errorf("unexpected resource reference %s", raw)
		}
		if len(r.GetAtt) == 2 && r.GetAtt[1] == "RootResourceId" {
			return "", nil
		}
		n, ok := resources[r.Ref]
		if !ok {
			return "", fmt.Errorf("unexpected resource reference %s", raw)
		}
		parent, err := pathOf(n.parent, depth+1)
		return parent + "/" + n.part, err
	}
	for _, m := range methods {
		p, err := pathOf(m.resource, 0)
		if err != nil {
			return err
		}
		if p == "" {
			p = "/"
		}
		if !slices.Contains(a.API.Resources, p) {
			a.API.Resources = append(a.API.Resources, p)
		}
		if d := time.Duration(m.timeout) * time.Millisecond; d > a.API.IntegrationTimeout {
			a.API.IntegrationTimeout = d
		}
		if a.API.TransferMode != "" && a.API.TransferMode != m.mode {
			return fmt.Errorf("its methods mix response transfer modes %s and %s; the local stack serves one", a.API.TransferMode, m.mode)
		}
		a.API.TransferMode = m.mode
	}
	slices.Sort(a.API.Resources)
	if a.API.IntegrationTimeout == 0 {
		a.API.IntegrationTimeout = awslimits.APIGatewayDefaultIntegrationTimeout
	}
	if a.API.Stage == "" {
		return errors.New("the API has no stage")
	}
	if len(a.API.Resources) == 0 {
		return errors.New("the API has no Lambda proxy method")
	}
	return nil
}

func (a *WebApp) readFunction(all map[string]cfnResource, params map[string]parameter) error {
	f, err := readFunction(all, params, a.Record.Function)
	if err != nil {
		return err
	}
	a.Function = f
	if a.Record.Authorizer != nil {
		af, err := readFunction(all, params, a.Record.Authorizer.Function)
		if err != nil {
			return fmt.Errorf("authorizer: %w", err)
		}
		a.AuthorizerFunction = &af
	}
	return nil
}

func readFunction(all map[string]cfnResource, params map[string]parameter, id string) (Function, error) {
	r, ok := all[id]
	if !ok || r.Type != "AWS::Lambda::Function" {
		return Function{}, fmt.Errorf("its function %q is not a Lambda function of the template", id)
	}
	var p struct {
		FunctionName  any
		MemorySize    int
		Timeout       int
		Architectures []string
		Environment   struct{ Variables map[string]any }
		// A number, or an intrinsic function resolved at deploy time.
		ReservedConcurrentExecutions any
		LoggingConfig                struct {
			LogFormat, ApplicationLogLevel string
			LogGroup                       any
		}
	}
	if err := json.Unmarshal(r.Properties, &p); err != nil {
		return Function{}, fmt.Errorf("function %s: %w", id, err)
	}
	f := Function{MemorySize: p.MemorySize, Timeout: time.Duration(p.Timeout) * time.Second, Architecture: "x86_64", Environment: map[string]string{},
		LogFormat: cmp.Or(p.LoggingConfig.LogFormat, "Text"), LogLevel: p.LoggingConfig.ApplicationLogLevel}
	// CloudFormation's defaults, for a template that leaves them out.
	if f.MemorySize == 0 {
		f.MemorySize = 128
	}
	if f.Timeout == 0 {
		f.Timeout = 3 * time.Second
	}
	if rc, ok := p.ReservedConcurrentExecutions.(float64); ok && rc >= 0 {
		f.ReservedConcurrency = int(rc)
	}
	if len(p.Architectures) > 0 {
		f.Architecture = p.Architectures[0]
	}
	f.Name, _ = p.FunctionName.(string)
	if path, ok := r.Metadata["aws:cdk:path"].(string); ok {
		f.Path = strings.TrimSuffix(path, "/Resource")
	}
	f.LogGroup = logGroupName(all, p.LoggingConfig.LogGroup)
	f.vars = variables{raw: p.Environment.Variables, params: params}
	if f.vars.raw == nil {
		f.vars.raw = map[string]any{}
	}
	f.Resolve(DefaultPseudo)
	return f, nil
}

// logGroupName is the name of the log group a LoggingConfig.LogGroup
// names: a literal, or a Ref to a log group of the template with a literal
// LogGroupName; "" otherwise.
func logGroupName(all map[string]cfnResource, v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	m, _ := v.(map[string]any)
	id, _ := m["Ref"].(string)
	if r, ok := all[id]; ok && r.Type == "AWS::Logs::LogGroup" {
		var lg struct{ LogGroupName any }
		if json.Unmarshal(r.Properties, &lg) == nil {
			name, _ := lg.LogGroupName.(string)
			return name
		}
	}
	return ""
}

// Pseudo is what the pseudo parameters stand for when this WebApp runs
// locally: its stack's name, and its pinned region and account, each
// falling back to local's.
func (a WebApp) Pseudo(local Pseudo) Pseudo {
	return Pseudo{Region: cmp.Or(a.Region, local.Region), AccountID: cmp.Or(a.Account, local.AccountID), StackName: cmp.Or(a.StackName, local.StackName)}
}

// Resolve resolves the environments of the WebApp's functions with
// pseudo parameters p (see [Function.Resolve]).
func (a *WebApp) Resolve(p Pseudo) {
	a.Function.Resolve(p)
	if a.AuthorizerFunction != nil {
		a.AuthorizerFunction.Resolve(p)
	}
}

// Select picks one WebApp: the one in stack (its display name, stack name
// or artifact name; "" for any) at construct path (its aws:cdk:path; "" for
// any). With neither, the only WebApp there is. An unknown or ambiguous
// choice is an error that lists what exists.
func Select(apps []WebApp, stack, construct string) (WebApp, error) {
	var match []WebApp
	for _, a := range apps {
		if stack != "" && stack != a.Stack && stack != a.StackName {
			continue
		}
		if construct != "" && strings.Trim(construct, "/") != a.Construct {
			continue
		}
		match = append(match, a)
	}
	switch {
	case len(apps) == 0:
		return WebApp{}, errors.New("the cloud assembly has no WebApp construct (package lambdaweb); is this the right CDK app?")
	case len(match) == 1:
		return match[0], nil
	case len(match) == 0:
		return WebApp{}, fmt.Errorf("no WebApp matches%s%s; there are:\n%s", describe("-stack", stack), describe("-construct", construct), List(apps))
	default:
		return WebApp{}, fmt.Errorf("%d WebApps match%s%s; choose one with -stack and -construct:\n%s", len(match), describe("-stack", stack), describe("-construct", construct), List(match))
	}
}

func describe(flag, v string) string {
	if v == "" {
		return ""
	}
	return fmt.Sprintf(" %s %q", flag, v)
}

// List formats WebApps one a line, as the flags that choose them.
func List(apps []WebApp) string {
	var b strings.Builder
	for _, a := range apps {
		fmt.Fprintf(&b, "  -stack %s -construct %s  (%s)\n", a.Stack, a.Construct, a.Entry)
	}
	return b.String()
}

func readDistribution(all map[string]cfnResource, id string) (*CloudFront, error) {
	r, ok := all[id]
	if !ok || r.Type != "AWS::CloudFront::Distribution" {
		return nil, fmt.Errorf("its distribution %q is not in the template", id)
	}
	var p struct {
		DistributionConfig struct {
			DefaultCacheBehavior struct {
				CachePolicyID json.RawMessage `json:"CachePolicyId"`
			}
			Origins []struct {
				OriginCustomHeaders []struct {
					HeaderName  string
					HeaderValue json.RawMessage
				}
			}
		}
	}
	if err := json.Unmarshal(r.Properties, &p); err != nil {
		return nil, fmt.Errorf("distribution %s: %w", id, err)
	}
	cf := &CloudFront{OriginHeaders: map[string]string{}}
	for _, o := range p.DistributionConfig.Origins {
		for _, h := range o.OriginCustomHeaders {
			// A value resolved only at deploy (the origin secret's dynamic
			// reference) is left out: the local runner sends its own.
			var v string
			if json.Unmarshal(h.HeaderValue, &v) == nil && !strings.Contains(v, "{{resolve:") {
				cf.OriginHeaders[h.HeaderName] = v
			}
		}
	}
	raw := p.DistributionConfig.DefaultCacheBehavior.CachePolicyID
	var managed string
	if json.Unmarshal(raw, &managed) == nil {
		if managed != cachingDisabled {
			return nil, fmt.Errorf("distribution %s uses managed cache policy %s, which the local stack does not know", id, managed)
		}
		cf.CachingDisabled = true
		return cf, nil
	}
	var ref struct{ Ref string }
	if err := json.Unmarshal(raw, &ref); err != nil || all[ref.Ref].Type != "AWS::CloudFront::CachePolicy" {
		return nil, fmt.Errorf("distribution %s: cache policy %s is not in the template", id, raw)
	}
	var cp struct {
		CachePolicyConfig struct {
			MinTTL, DefaultTTL, MaxTTL               float64
			ParametersInCacheKeyAndForwardedToOrigin struct {
				HeadersConfig      struct{ Headers []string }
				QueryStringsConfig struct{ QueryStringBehavior string }
			}
		}
	}
	if err := json.Unmarshal(all[ref.Ref].Properties, &cp); err != nil {
		return nil, fmt.Errorf("cache policy %s: %w", ref.Ref, err)
	}
	c := cp.CachePolicyConfig
	cf.MinTTL = time.Duration(c.MinTTL * float64(time.Second))
	cf.DefaultTTL = time.Duration(c.DefaultTTL * float64(time.Second))
	cf.MaxTTL = time.Duration(c.MaxTTL * float64(time.Second))
	cf.Headers = c.ParametersInCacheKeyAndForwardedToOrigin.HeadersConfig.Headers
	cf.QueryStrings = c.ParametersInCacheKeyAndForwardedToOrigin.QueryStringsConfig.QueryStringBehavior == "all"
	return cf, nil
}
