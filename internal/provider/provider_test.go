package provider_test

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	dsschema "github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/ephemeral"
	fwprovider "github.com/hashicorp/terraform-plugin-framework/provider"
	fwresource "github.com/hashicorp/terraform-plugin-framework/resource"
	rsschema "github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"

	"github.com/openclaw/terraform-provider-openclaw/internal/provider"
	"github.com/openclaw/terraform-provider-openclaw/internal/provider/acctest"
)

// describable is what every schema attribute offers.
type describable interface {
	GetDescription() string
	GetMarkdownDescription() string
}

// nested exposes the attributes of nested attributes in either schema package.
func nestedAttributes(a any) map[string]any {
	out := map[string]any{}
	switch v := a.(type) {
	case rsschema.SingleNestedAttribute:
		for k, x := range v.Attributes {
			out[k] = x
		}
	case rsschema.ListNestedAttribute:
		for k, x := range v.NestedObject.Attributes {
			out[k] = x
		}
	case rsschema.SetNestedAttribute:
		for k, x := range v.NestedObject.Attributes {
			out[k] = x
		}
	case rsschema.MapNestedAttribute:
		for k, x := range v.NestedObject.Attributes {
			out[k] = x
		}
	case dsschema.SingleNestedAttribute:
		for k, x := range v.Attributes {
			out[k] = x
		}
	case dsschema.ListNestedAttribute:
		for k, x := range v.NestedObject.Attributes {
			out[k] = x
		}
	case dsschema.SetNestedAttribute:
		for k, x := range v.NestedObject.Attributes {
			out[k] = x
		}
	}
	return out
}

func checkDescribed(t *testing.T, where string, attrs map[string]any) {
	t.Helper()
	for name, a := range attrs {
		d, ok := a.(describable)
		if !ok {
			t.Errorf("%s.%s: %T has no description methods", where, name, a)
			continue
		}
		if strings.TrimSpace(d.GetDescription()) == "" && strings.TrimSpace(d.GetMarkdownDescription()) == "" {
			t.Errorf("%s.%s has no description", where, name)
		}
		// Markdown in a plain Description is shown with its backticks.
		if strings.ContainsAny(d.GetDescription(), "`*[") {
			t.Errorf("%s.%s has Markdown in Description; set it as MarkdownDescription", where, name)
		}
		checkDescribed(t, where+"."+name, nestedAttributes(a))
	}
}

// TestEveryAttributeIsDescribed keeps the generated docs complete: every
// attribute of every resource and data source, nested ones included.
func TestEveryAttributeIsDescribed(t *testing.T) {
	ctx := context.Background()
	p := provider.New("test")()
	var meta fwprovider.MetadataResponse
	p.Metadata(ctx, fwprovider.MetadataRequest{}, &meta)

	var ps fwprovider.SchemaResponse
	p.Schema(ctx, fwprovider.SchemaRequest{}, &ps)
	attrs := map[string]any{}
	for k, v := range ps.Schema.Attributes {
		attrs[k] = v
	}
	checkDescribed(t, "provider", attrs)

	for _, f := range p.Resources(ctx) {
		r := f()
		var m fwresource.MetadataResponse
		r.Metadata(ctx, fwresource.MetadataRequest{ProviderTypeName: meta.TypeName}, &m)
		var s fwresource.SchemaResponse
		r.Schema(ctx, fwresource.SchemaRequest{}, &s)
		if s.Schema.MarkdownDescription == "" || strings.Contains(s.Schema.Description, "`") {
			t.Errorf("resource %s has no description", m.TypeName)
		}
		if len(s.Schema.Blocks) > 0 {
			t.Errorf("resource %s uses blocks; structured values are nested attributes", m.TypeName)
		}
		attrs := map[string]any{}
		for k, v := range s.Schema.Attributes {
			attrs[k] = v
		}
		checkDescribed(t, m.TypeName, attrs)
	}
	for _, f := range p.DataSources(ctx) {
		d := f()
		var m datasource.MetadataResponse
		d.Metadata(ctx, datasource.MetadataRequest{ProviderTypeName: meta.TypeName}, &m)
		var s datasource.SchemaResponse
		d.Schema(ctx, datasource.SchemaRequest{}, &s)
		if s.Schema.MarkdownDescription == "" || strings.Contains(s.Schema.Description, "`") {
			t.Errorf("data source %s has no description", m.TypeName)
		}
		attrs := map[string]any{}
		for k, v := range s.Schema.Attributes {
			attrs[k] = v
		}
		checkDescribed(t, "data."+m.TypeName, attrs)
	}
	for _, f := range p.(fwprovider.ProviderWithEphemeralResources).EphemeralResources(ctx) {
		e := f()
		var m ephemeral.MetadataResponse
		e.Metadata(ctx, ephemeral.MetadataRequest{ProviderTypeName: meta.TypeName}, &m)
		var s ephemeral.SchemaResponse
		e.Schema(ctx, ephemeral.SchemaRequest{}, &s)
		if s.Schema.MarkdownDescription == "" || strings.Contains(s.Schema.Description, "`") {
			t.Errorf("ephemeral resource %s has no description", m.TypeName)
		}
		attrs := map[string]any{}
		for k, v := range s.Schema.Attributes {
			attrs[k] = v
		}
		checkDescribed(t, "ephemeral."+m.TypeName, attrs)
	}
}

// The provider's configuration errors name the attribute and its
// environment variable. Not parallel: it clears the variables.
func TestAccProvider_missingConfigurationNamesAttributeAndVariable(t *testing.T) {
	if acctest.External() {
		t.Skip("needs OPENCLAW_ENDPOINT unset")
	}
	acctest.Start(t) // sets up a quiet Terraform CLI configuration
	t.Setenv("OPENCLAW_ENDPOINT", "")
	t.Setenv("OPENCLAW_API_KEY", "")
	const useProvider = `
provider "openclaw" {}
data "openclaw_regions" "all" {}
`
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_11_0)},
		Steps: []resource.TestStep{
			{
				Config:      useProvider,
				ExpectError: acctest.ExpectError(`Missing control plane endpoint.*endpoint attribute or the OPENCLAW_ENDPOINT environment variable`),
			},
			{
				Config:      useProvider,
				ExpectError: acctest.ExpectError(`Missing control plane API key.*api_key attribute or the OPENCLAW_API_KEY environment variable`),
			},
			{
				Config:      `provider "openclaw" { endpoint = "controlplane.example.com" }` + "\n" + `data "openclaw_regions" "all" {}`,
				ExpectError: acctest.ExpectError(`not an absolute http:// or https:// URL`),
			},
			{
				Config:      `provider "openclaw" { request_timeout = "forever" }` + "\n" + `data "openclaw_regions" "all" {}`,
				ExpectError: acctest.ExpectError(`"forever" is not a duration`),
			},
		},
	})
}

// A wrong key is an authentication diagnostic with the fix.
func TestAccProvider_badKeyIsExplained(t *testing.T) {
	cp := acctest.Start(t)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config:      "provider \"openclaw\" {\n  endpoint = \"" + cp.Endpoint + "\"\n  api_key = \"ocp_not_a_real_key_000000000000\"\n}\ndata \"openclaw_regions\" \"all\" {}\n",
				ExpectError: acctest.ExpectError(`API key not recognised.*Check the provider's api_key \(or the OPENCLAW_API_KEY environment variable\)`),
			},
		},
	})
}

// resourceOnly is a configuration that reads nothing by itself: before the
// configure-time check, a bad key or endpoint planned it cleanly.
const resourceOnly = `
resource "openclaw_environment" "x" {
  name   = "cred-check"
  region = "mars-1"
}
`

// The credentials are checked when the provider is configured: a plan with
// a wrong key or endpoint fails there, saying which of the two is wrong.
func TestAccProvider_credentialsCheckedAtConfigure(t *testing.T) {
	cp := acctest.Start(t)
	cp.RequireInProcess(t)
	closed := closedEndpoint(t)
	web := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(http.StatusNotFound)
		_, _ = w.Write([]byte("<html><body>404 page not found</body></html>"))
	}))
	t.Cleanup(web.Close)
	provider := func(endpoint, key, extra string) string {
		return fmt.Sprintf("provider \"openclaw\" {\n  endpoint = %q\n  api_key = %q\n  max_retries = 1\n%s}\n", endpoint, key, extra) + resourceOnly
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config:      provider(cp.Endpoint, "ocp_not_a_real_key_000000000000", ""),
				PlanOnly:    true,
				ExpectError: acctest.ExpectError(`The control plane refused the provider's API key.*answered, so the endpoint is right, but it refused the API key from the provider's api_key attribute: API key not recognised`),
			},
			{
				Config:      provider(closed, cp.APIKey, ""),
				PlanOnly:    true,
				ExpectError: acctest.ExpectError(`Cannot reach the OpenClaw control plane.*` + regexp.QuoteMeta(closed) + `.*did not answer.*connection refused.*Check the endpoint.*skip_credentials_validation = true`),
			},
			{
				Config:      provider(web.URL, cp.APIKey, ""),
				PlanOnly:    true,
				ExpectError: acctest.ExpectError(`The endpoint is not an OpenClaw control plane.*answered GET /v1/whoami, but not like an OpenClaw control plane.*404`),
			},
			{
				// Skipped: the plan goes ahead offline (the region check warns).
				Config:             provider(closed, cp.APIKey, "  skip_credentials_validation = true\n"),
				PlanOnly:           true,
				ExpectNonEmptyPlan: true,
			},
		},
	})
}

// The check is one call per endpoint and key, however many times Terraform
// configures the provider (every plan, apply and refresh does).
func TestAccProvider_credentialCheckIsCached(t *testing.T) {
	cp := acctest.Start(t)
	cp.RequireInProcess(t)
	config := cp.Config(`data "openclaw_regions" "all" {}`)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		Steps: []resource.TestStep{
			{Config: config},
			{RefreshState: true},
			{
				Config: config,
				Check: func(*terraform.State) error {
					if n := cp.Requests.Counts()["GET /v1/whoami"]; n != 1 {
						return fmt.Errorf("%d GET /v1/whoami over three steps, want 1 (all: %v)", n, cp.Requests.Counts())
					}
					return nil
				},
			},
		},
	})
}

// The environment variable skips the check too. Not parallel: it sets it.
func TestAccProvider_skipCredentialsValidationFromEnvironment(t *testing.T) {
	acctest.Start(t)
	t.Setenv("OPENCLAW_ENDPOINT", closedEndpoint(t))
	t.Setenv("OPENCLAW_API_KEY", "ocp_offline_000000000000000000")
	t.Setenv("OPENCLAW_MAX_RETRIES", "0")
	t.Setenv("OPENCLAW_SKIP_CREDENTIALS_VALIDATION", "true")
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		Steps: []resource.TestStep{
			{Config: `provider "openclaw" {}` + resourceOnly, PlanOnly: true, ExpectNonEmptyPlan: true},
		},
	})
	t.Setenv("OPENCLAW_SKIP_CREDENTIALS_VALIDATION", "perhaps")
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		Steps: []resource.TestStep{
			{Config: `provider "openclaw" {}` + resourceOnly, PlanOnly: true, ExpectError: acctest.ExpectError(`OPENCLAW_SKIP_CREDENTIALS_VALIDATION must be true or false, got "perhaps"`)},
		},
	})
}

// closedEndpoint is the URL of a port nothing listens on.
func closedEndpoint(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	_ = l.Close()
	return "http://" + addr
}

// Environment variables alone configure the provider (Terraform Cloud).
func TestAccProvider_configuredFromEnvironment(t *testing.T) {
	cp := acctest.Start(t)
	t.Setenv("OPENCLAW_ENDPOINT", cp.Endpoint)
	t.Setenv("OPENCLAW_API_KEY", cp.APIKey)
	t.Setenv("OPENCLAW_MAX_RETRIES", "2")
	t.Setenv("OPENCLAW_REQUEST_TIMEOUT", "20s")
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: `
provider "openclaw" {}
data "openclaw_regions" "open" { available_only = true }
output "first" { value = data.openclaw_regions.open.ids[0] }
`,
				Check: resource.TestCheckOutput("first", "us-east"),
			},
		},
	})
}
