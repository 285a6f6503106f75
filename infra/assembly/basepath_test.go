package assembly

import "testing"

// TestBasePath reads the custom domain's base-path mapping from the
// construct's golden templates: the local custom-domain door serves under it.
func TestBasePath(t *testing.T) {
	tests := []struct{ template, want string }{
		{"../lambdaweb/testdata/all-options.template.json", "shop/v1"},
		{"../lambdaweb/testdata/base-path.template.json", "shop"},
		{"../lambdaweb/testdata/default.template.json", ""},
	}
	for _, tt := range tests {
		t.Run(tt.template, func(t *testing.T) {
			apps, err := ReadTemplate(tt.template)
			if err != nil {
				t.Fatal(err)
			}
			if len(apps) != 1 {
				t.Fatalf("got %d WebApps, want 1", len(apps))
			}
			if got := apps[0].API.BasePath; got != tt.want {
				t.Errorf("BasePath: got %q, want %q", got, tt.want)
			}
		})
	}
}
