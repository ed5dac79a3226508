// Package provider is the OpenClaw Terraform provider: its configuration and
// the registry of resources, data sources, ephemeral resources and
// functions, each family in a package of its own.
package provider

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"strconv"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/ephemeral"
	"github.com/hashicorp/terraform-plugin-framework/function"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/provider/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/openclaw/terraform-provider-openclaw/internal/client"
	"github.com/openclaw/terraform-provider-openclaw/internal/provider/apikey"
	"github.com/openclaw/terraform-provider-openclaw/internal/provider/environment"
	"github.com/openclaw/terraform-provider-openclaw/internal/provider/gpupool"
	"github.com/openclaw/terraform-provider-openclaw/internal/provider/region"
	"github.com/openclaw/terraform-provider-openclaw/internal/provider/shared"
	"github.com/openclaw/terraform-provider-openclaw/internal/provider/snapshot"
	"github.com/openclaw/terraform-provider-openclaw/internal/provider/validators"
)

// Environment variables the provider reads when an attribute is not set, so
// a Terraform Cloud workspace can configure it with variables alone.
const (
	EnvEndpoint       = "OPENCLAW_ENDPOINT"
	EnvAPIKey         = "OPENCLAW_API_KEY"
	EnvMaxRetries     = "OPENCLAW_MAX_RETRIES"
	EnvRequestTimeout = "OPENCLAW_REQUEST_TIMEOUT"
)

// The defaults are the client's: one set for both.
const (
	defaultMaxRetries     = client.DefaultMaxRetries
	defaultRequestTimeout = client.DefaultRequestTimeout
)

var (
	_ provider.Provider                       = (*OpenClawProvider)(nil)
	_ provider.ProviderWithFunctions          = (*OpenClawProvider)(nil)
	_ provider.ProviderWithEphemeralResources = (*OpenClawProvider)(nil)
)

// OpenClawProvider is the provider implementation.
type OpenClawProvider struct {
	version string
}

// New returns a provider factory for the given release version.
func New(version string) func() provider.Provider {
	return func() provider.Provider { return &OpenClawProvider{version: version} }
}

type providerModel struct {
	Endpoint       types.String `tfsdk:"endpoint"`
	APIKey         types.String `tfsdk:"api_key"`
	MaxRetries     types.Int64  `tfsdk:"max_retries"`
	RequestTimeout types.String `tfsdk:"request_timeout"`
	SkipCredCheck  types.Bool   `tfsdk:"skip_credentials_validation"`
}

func (p *OpenClawProvider) Metadata(_ context.Context, _ provider.MetadataRequest, resp *provider.MetadataResponse) {
	resp.TypeName = "openclaw"
	resp.Version = p.version
}

func (p *OpenClawProvider) Schema(_ context.Context, _ provider.SchemaRequest, resp *provider.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "The OpenClaw provider manages OpenClaw gateway environments, their GPU inference pools and scoped API keys through an OpenClaw control plane. Every attribute can come from an environment variable instead, so Terraform Cloud workspaces need no provider block.",
		Attributes: map[string]schema.Attribute{
			"endpoint": schema.StringAttribute{
				Optional:            true,
				MarkdownDescription: "Base URL of the OpenClaw control plane API, for example `https://controlplane.example.com`. Falls back to the `OPENCLAW_ENDPOINT` environment variable. Required in one of the two.",
				Validators:          []validator.String{validators.HTTPURL()},
			},
			"api_key": schema.StringAttribute{
				Optional:            true,
				Sensitive:           true,
				MarkdownDescription: "Control plane API key (`ocp_...`), sent as a bearer token. Falls back to the `OPENCLAW_API_KEY` environment variable. Required in one of the two. The key's scopes limit what this provider can do.",
			},
			"max_retries": schema.Int64Attribute{
				Optional:            true,
				MarkdownDescription: fmt.Sprintf("How many times a request is retried after a rate limit (429, honouring `Retry-After`), a 502/503/504 or a connection error, with capped exponential backoff. Falls back to `OPENCLAW_MAX_RETRIES`; default %d. 0 disables retries.", defaultMaxRetries),
				Validators:          []validator.Int64{int64validator.Between(0, 20)},
			},
			"request_timeout": schema.StringAttribute{
				Optional:            true,
				MarkdownDescription: fmt.Sprintf("Timeout of each HTTP request, as a Go duration such as `30s` or `2m`. Waiting for an operation is bounded by the resource's `timeouts`, not by this. Falls back to `OPENCLAW_REQUEST_TIMEOUT`; default `%s`.", defaultRequestTimeout),
				Validators:          []validator.String{validators.Duration(time.Second, 10*time.Minute)},
			},
			"skip_credentials_validation": schema.BoolAttribute{
				Optional: true,
				MarkdownDescription: "Skip the check of `endpoint` and `api_key` (one `GET /v1/whoami`) made when the provider is configured, for those who must plan without a reachable control plane. " +
					"Plan-time checks that need the control plane (regions, GPU types, referenced environments) then report a warning instead of running. " +
					"Falls back to `" + EnvSkipCredentialsValidation + "`; default `false`.",
			},
		},
	}
}

func (p *OpenClawProvider) Configure(ctx context.Context, req provider.ConfigureRequest, resp *provider.ConfigureResponse) {
	var cfg providerModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	if resp.Diagnostics.HasError() {
		return
	}
	for attr, v := range map[string]types.String{"endpoint": cfg.Endpoint, "api_key": cfg.APIKey, "request_timeout": cfg.RequestTimeout} {
		if v.IsUnknown() {
			resp.Diagnostics.AddAttributeError(path.Root(attr), "Unknown provider configuration",
				fmt.Sprintf("The provider's %s depends on a value known only after apply. Set it from a value known at plan time or from an environment variable.", attr))
		}
	}
	if cfg.MaxRetries.IsUnknown() {
		resp.Diagnostics.AddAttributeError(path.Root("max_retries"), "Unknown provider configuration", "max_retries must be known at plan time.")
	}
	if resp.Diagnostics.HasError() {
		return
	}

	endpoint := stringOrEnv(cfg.Endpoint, EnvEndpoint)
	apiKey := stringOrEnv(cfg.APIKey, EnvAPIKey)
	if endpoint == "" {
		resp.Diagnostics.AddAttributeError(path.Root("endpoint"), "Missing control plane endpoint",
			fmt.Sprintf("Set the provider's endpoint attribute or the %s environment variable to the control plane's URL, for example http://127.0.0.1:8080.", EnvEndpoint))
	} else if _, err := url.ParseRequestURI(endpoint); err != nil && cfg.Endpoint.IsNull() {
		resp.Diagnostics.AddError("Invalid control plane endpoint",
			fmt.Sprintf("The %s environment variable is %q, which is not a URL: %v", EnvEndpoint, endpoint, err))
	}
	if apiKey == "" {
		resp.Diagnostics.AddAttributeError(path.Root("api_key"), "Missing control plane API key",
			fmt.Sprintf("Set the provider's api_key attribute or the %s environment variable to a control plane API key.", EnvAPIKey))
	}

	maxRetries := int64(defaultMaxRetries)
	switch {
	case !cfg.MaxRetries.IsNull():
		maxRetries = cfg.MaxRetries.ValueInt64()
	case os.Getenv(EnvMaxRetries) != "":
		n, err := strconv.ParseInt(os.Getenv(EnvMaxRetries), 10, 64)
		if err != nil || n < 0 || n > 20 {
			resp.Diagnostics.AddError("Invalid "+EnvMaxRetries, fmt.Sprintf("%s must be a whole number between 0 and 20, got %q.", EnvMaxRetries, os.Getenv(EnvMaxRetries)))
		}
		maxRetries = n
	}
	timeout := defaultRequestTimeout
	if raw := stringOrEnv(cfg.RequestTimeout, EnvRequestTimeout); raw != "" {
		d, err := time.ParseDuration(raw)
		if err != nil || d < time.Second || d > 10*time.Minute {
			resp.Diagnostics.AddError("Invalid request timeout", fmt.Sprintf("request_timeout (or %s) must be a duration between 1s and 10m such as \"30s\", got %q.", EnvRequestTimeout, raw))
		}
		timeout = d
	}
	skipCheck := false
	switch raw := os.Getenv(EnvSkipCredentialsValidation); {
	case !cfg.SkipCredCheck.IsNull() && !cfg.SkipCredCheck.IsUnknown():
		skipCheck = cfg.SkipCredCheck.ValueBool()
	case raw != "":
		b, err := strconv.ParseBool(raw)
		if err != nil {
			resp.Diagnostics.AddError("Invalid "+EnvSkipCredentialsValidation, fmt.Sprintf("%s must be true or false, got %q.", EnvSkipCredentialsValidation, raw))
		}
		skipCheck = b
	}
	if resp.Diagnostics.HasError() {
		return
	}

	retries := int(maxRetries)
	if retries == 0 {
		retries = -1 // the client reads 0 as "default"
	}
	clientCfg := client.Config{
		Endpoint:       endpoint,
		APIKey:         apiKey,
		UserAgent:      fmt.Sprintf("terraform-provider-openclaw/%s (+terraform %s)", p.version, req.TerraformVersion),
		MaxRetries:     retries,
		RequestTimeout: timeout,
	}
	c, err := client.New(clientCfg)
	if err != nil {
		resp.Diagnostics.AddError("Could not configure the OpenClaw client", err.Error())
		return
	}
	tflog.Debug(ctx, "configured OpenClaw client", map[string]any{"endpoint": endpoint, "max_retries": maxRetries, "request_timeout": timeout.String()})
	data := &shared.ProviderData{Client: c, Caches: shared.NewCaches(c), CredentialsUnchecked: skipCheck}
	if !skipCheck {
		// The same client settings with fewer retries than for real work: a
		// wrong endpoint should fail in seconds, not after the full backoff.
		checkCfg := clientCfg
		checkCfg.MaxRetries, checkCfg.RequestTimeout = min(retries, 2), min(timeout, 30*time.Second)
		check, err := client.New(checkCfg)
		if err != nil {
			resp.Diagnostics.AddError("Could not configure the OpenClaw client", err.Error())
			return
		}
		data.Identity = checkCredentials(ctx, check, endpoint, apiKey,
			source{attr: "endpoint", env: EnvEndpoint, fromEnv: cfg.Endpoint.IsNull()},
			source{attr: "api_key", env: EnvAPIKey, fromEnv: cfg.APIKey.IsNull()}, time.Now(), &resp.Diagnostics)
		if resp.Diagnostics.HasError() {
			return
		}
	}
	resp.ResourceData = data
	resp.DataSourceData = data
	resp.EphemeralResourceData = data
}

func stringOrEnv(v types.String, env string) string {
	if !v.IsNull() && !v.IsUnknown() {
		return v.ValueString()
	}
	return os.Getenv(env)
}

func (p *OpenClawProvider) Resources(context.Context) []func() resource.Resource {
	return []func() resource.Resource{
		environment.NewResource,
		gpupool.NewResource,
		apikey.NewResource,
		snapshot.NewResource,
	}
}

func (p *OpenClawProvider) DataSources(context.Context) []func() datasource.DataSource {
	return []func() datasource.DataSource{
		environment.NewDataSource,
		environment.NewListDataSource,
		region.NewDataSource,
		gpupool.NewDataSource,
		gpupool.NewGPUTypesDataSource,
		apikey.NewDataSource,
		snapshot.NewDataSource,
		snapshot.NewListDataSource,
	}
}

func (p *OpenClawProvider) EphemeralResources(context.Context) []func() ephemeral.EphemeralResource {
	return []func() ephemeral.EphemeralResource{
		apikey.NewEphemeralResource,
	}
}

func (p *OpenClawProvider) Functions(context.Context) []func() function.Function {
	return []func() function.Function{
		gpupool.NewMonthlyCostFunction,
	}
}
