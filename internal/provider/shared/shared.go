// Package shared holds what every resource family of the provider uses: the
// configured client, the one helper that waits on operations, and the
// translation of API errors into diagnostics that name the field and the fix.
package shared

import (
	"context"
	"fmt"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/diag"

	"github.com/openclaw/terraform-provider-openclaw/internal/api"
	"github.com/openclaw/terraform-provider-openclaw/internal/client"
)

// Default timeouts per resource family, overridable with `timeouts = {...}`.
// Kept here, once, rather than copied into each resource.
const (
	DefaultCreateTimeout = 20 * time.Minute
	DefaultUpdateTimeout = 20 * time.Minute
	DefaultDeleteTimeout = 10 * time.Minute
	DefaultReadTimeout   = 5 * time.Minute
)

// ProviderData is what the provider hands to resources and data sources.
type ProviderData struct {
	Client *client.Client
	// Caches shared by every resource of one provider instance (one run).
	Caches *Caches
	// Identity is the provider's API key as GET /v1/whoami described it
	// at configure; nil when the check was skipped.
	Identity *api.WhoAmI
	// CredentialsUnchecked is skip_credentials_validation: plan-time checks
	// that cannot reach the control plane warn instead of running.
	CredentialsUnchecked bool
}

// FromProviderData extracts the ProviderData given to Configure. It returns
// nil without error while the provider is not configured yet (validation).
func FromProviderData(data any, diags *diag.Diagnostics) *ProviderData {
	if data == nil {
		return nil
	}
	pd, ok := data.(*ProviderData)
	if !ok {
		diags.AddError("Unexpected provider data",
			fmt.Sprintf("Expected *shared.ProviderData, got %T. This is a bug in the provider; please report it.", data))
		return nil
	}
	return pd
}

// DataSourceBase is the Metadata and Configure every data source shares;
// a data source embeds it and reads the configured provider with Data.
type DataSourceBase struct {
	// TypeName is the suffix after the provider's name ("_environment").
	TypeName string
	data     *ProviderData
}

// Data is the configured provider, nil before Configure.
func (b *DataSourceBase) Data() *ProviderData { return b.data }

func (b *DataSourceBase) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + b.TypeName
}

func (b *DataSourceBase) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	b.data = FromProviderData(req.ProviderData, &resp.Diagnostics)
}
