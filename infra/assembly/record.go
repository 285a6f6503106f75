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
}
