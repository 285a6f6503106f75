package assembly

// MetadataKey is the resource metadata key under which the construct stores
// its [Record], on its AWS::ApiGateway::RestApi resource.
const MetadataKey = "lambdaweb:webapp"

// Record is what the construct tells local tools about one WebApp.
type Record struct {
	// Construct is the construct path, as in aws:cdk:path: "ShopStack/Storefront/Web".
	Construct string `json:"construct"`
	// ModuleDir is the directory of the function's Go module, as the
	// construct was given it: relative to the directory the CDK app ran in.
	ModuleDir string `json:"moduleDir"`
	// Module is the module path that ModuleDir's go.mod declares.
	Module string `json:"module,omitempty"`
	// Entry is the main package, relative to ModuleDir: "./cmd/web".
	Entry string `json:"entry"`
	// Function is the logical ID of the function resource.
	Function string `json:"function"`
	// Distribution is the logical ID of the CloudFront distribution; "" without.
	Distribution string `json:"distribution,omitempty"`
	// ViewerHostHeader is the request header the distribution's
	// viewer-request function sets to the viewer's Host (the origin gets
	// the API's own Host); "" without.
	ViewerHostHeader string `json:"viewerHostHeader,omitempty"`
	// Authorizer is the basic-auth authorizer; nil for a public API.
	Authorizer *AuthorizerRecord `json:"authorizer,omitempty"`
	// Login is true when the WebApp signs people in (the Login prop): the
	// function then needs an OpenID provider, which local tools must serve.
	Login bool `json:"login,omitempty"`
}

// AuthorizerRecord is what local tools need to run the basic-auth
// authorizer: its main package, in the module that provides the construct.
type AuthorizerRecord struct {
	Module       string `json:"module"` // found with go list -m in the CDK app's directory
	Entry        string `json:"entry"`
	Function     string `json:"function"` // logical ID
	Realm        string `json:"realm"`
	CacheSeconds int    `json:"cacheSeconds"` // API Gateway's result cache TTL
}
