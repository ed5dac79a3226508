package apikey

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework-validators/datasourcevalidator"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/openclaw/terraform-provider-openclaw/internal/api"
	"github.com/openclaw/terraform-provider-openclaw/internal/client"
	"github.com/openclaw/terraform-provider-openclaw/internal/provider/shared"
	"github.com/openclaw/terraform-provider-openclaw/internal/provider/validators"
)

var (
	_ datasource.DataSourceWithConfigure        = (*DataSource)(nil)
	_ datasource.DataSourceWithConfigValidators = (*DataSource)(nil)
)

// DataSource is the openclaw_api_key data source: metadata only, never the
// secret (the control plane does not have it).
type DataSource struct {
	shared.Lookup[dataSourceModel, api.APIKey]
}

// NewDataSource is the factory the provider registers.
func NewDataSource() datasource.DataSource {
	return &DataSource{shared.Lookup[dataSourceModel, api.APIKey]{
		DataSourceBase: shared.DataSourceBase{TypeName: "_api_key"},
		ID:             func(m *dataSourceModel) types.String { return m.ID },
		ByID: func(ctx context.Context, c *client.Client, id string) (*api.APIKey, string, error) {
			k, err := c.GetAPIKey(ctx, id)
			return k, fmt.Sprintf("read API key %s", id), err
		},
		ByKey: func(ctx context.Context, c *client.Client, m *dataSourceModel) (*api.APIKey, string, error) {
			k, err := c.FindAPIKeyByName(ctx, m.Name.ValueString())
			return k, fmt.Sprintf("find API key named %q", m.Name.ValueString()), err
		},
		FromAPI: func(ctx context.Context, m *dataSourceModel, k *api.APIKey) diag.Diagnostics {
			// A data source reports what is there: empty collections are empty.
			m.AllowedCIDRs, m.Labels = types.SetValueMust(types.StringType, nil), types.MapValueMust(types.StringType, nil)
			return m.fromAPI(ctx, k)
		},
	}}
}

func (d *DataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	str := func(k string) schema.Attribute {
		return schema.StringAttribute{Computed: true, MarkdownDescription: desc[k]}
	}
	strs := func(k string) schema.Attribute {
		return schema.SetAttribute{Computed: true, ElementType: types.StringType, MarkdownDescription: desc[k]}
	}
	resp.Schema = schema.Schema{
		MarkdownDescription: "Reads an API key's metadata by ID or by name: scopes, binding, expiry, status and last use. Never the secret, which the control plane does not keep. " +
			"Names are not unique: by name, the newest key that still authenticates is read (during a rotation, the new one), or else the newest key of that name.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				Optional: true, Computed: true,
				MarkdownDescription: "ID of the key to read (`key_...`). Exactly one of `id` and `name` is required.",
			},
			"name": schema.StringAttribute{
				Optional: true, Computed: true, Validators: validators.Name(),
				MarkdownDescription: "Name of the key to read. Exactly one of `id` and `name` is required.",
			},
			"description":           str("description"),
			"scopes":                strs("scopes"),
			"environment_id":        str("environment_id"),
			"allowed_cidrs":         strs("allowed_cidrs"),
			"rate_limit_per_minute": schema.Int64Attribute{Computed: true, MarkdownDescription: desc["rate_limit"]},
			"labels":                schema.MapAttribute{Computed: true, ElementType: types.StringType, MarkdownDescription: desc["labels"]},
			"expires_at":            str("expires_at"),
			"prefix":                str("prefix"),
			"status":                str("status"),
			"created_at":            str("created_at"),
			"last_used_at":          str("last_used_at"),
			"revoked_at":            str("revoked_at"),
			"revoke_grace_until":    str("revoke_grace_until"),
			"ephemeral":             schema.BoolAttribute{Computed: true, MarkdownDescription: desc["ephemeral"]},
		},
	}
}

func (d *DataSource) ConfigValidators(context.Context) []datasource.ConfigValidator {
	return []datasource.ConfigValidator{
		datasourcevalidator.ExactlyOneOf(path.MatchRoot("id"), path.MatchRoot("name")),
	}
}
