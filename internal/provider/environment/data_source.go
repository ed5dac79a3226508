package environment

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

// DataSource is the openclaw_environment data source.
type DataSource struct {
	shared.Lookup[environmentModel, api.Environment]
}

// NewDataSource is the factory the provider registers.
func NewDataSource() datasource.DataSource {
	return &DataSource{shared.Lookup[environmentModel, api.Environment]{
		DataSourceBase: shared.DataSourceBase{TypeName: "_environment"},
		ID:             func(m *environmentModel) types.String { return m.ID },
		ByID: func(ctx context.Context, c *client.Client, id string) (*api.Environment, string, error) {
			env, err := c.GetEnvironment(ctx, id)
			return env, fmt.Sprintf("read environment %s", id), err
		},
		ByKey: func(ctx context.Context, c *client.Client, m *environmentModel) (*api.Environment, string, error) {
			env, err := c.FindEnvironmentByName(ctx, m.Name.ValueString())
			return env, fmt.Sprintf("find environment named %q", m.Name.ValueString()), err
		},
		FromAPI: func(ctx context.Context, m *environmentModel, env *api.Environment) diag.Diagnostics {
			return m.fromAPI(ctx, env, false)
		},
	}}
}

// computedAttributes are the environment's attributes as data source
// attributes, all computed; callers make the lookup keys optional.
func computedAttributes() map[string]schema.Attribute {
	str := func(k string) schema.Attribute {
		return schema.StringAttribute{Computed: true, MarkdownDescription: desc[k]}
	}
	return map[string]schema.Attribute{
		"id":               str("id"),
		"name":             str("name"),
		"region":           str("region"),
		"openclaw_version": str("openclaw_version"),
		"release_channel":  str("release_channel"),
		"size": schema.SingleNestedAttribute{
			Computed:            true,
			MarkdownDescription: desc["size"],
			Attributes: map[string]schema.Attribute{
				"cpus":      schema.Int64Attribute{Computed: true, MarkdownDescription: desc["size.cpus"]},
				"memory_mb": schema.Int64Attribute{Computed: true, MarkdownDescription: desc["size.memory_mb"]},
			},
		},
		"state_volume_gb":     schema.Int64Attribute{Computed: true, MarkdownDescription: desc["state_volume_gb"]},
		"desired_state":       str("desired_state"),
		"labels":              schema.MapAttribute{Computed: true, ElementType: types.StringType, MarkdownDescription: desc["labels"]},
		"deletion_protection": schema.BoolAttribute{Computed: true, MarkdownDescription: desc["deletion_protection"]},
		"secret_names":        schema.SetAttribute{Computed: true, ElementType: types.StringType, MarkdownDescription: desc["secret_names"]},
		"status":              str("status"),
		"power_state":         str("power_state"),
		"gateway_url":         str("gateway_url"),
		"status_message":      str("status_message"),
		"etag":                str("etag"),
		"created_at":          str("created_at"),
		"updated_at":          str("updated_at"),
	}
}

func (d *DataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	attrs := computedAttributes()
	attrs["id"] = schema.StringAttribute{
		Optional:            true,
		Computed:            true,
		MarkdownDescription: "ID of the environment to read. Exactly one of `id` and `name` is required.",
	}
	attrs["name"] = schema.StringAttribute{
		Optional:            true,
		Computed:            true,
		MarkdownDescription: "Name of the environment to read. Exactly one of `id` and `name` is required.",
		Validators:          validators.Name(),
	}
	resp.Schema = schema.Schema{
		MarkdownDescription: "Reads one OpenClaw environment by ID or by name, for example to attach resources to an environment managed in another configuration. Secret values are never readable; `secret_names` lists what is set.",
		Attributes:          attrs,
	}
}

func (d *DataSource) ConfigValidators(context.Context) []datasource.ConfigValidator {
	return []datasource.ConfigValidator{
		datasourcevalidator.ExactlyOneOf(path.MatchRoot("id"), path.MatchRoot("name")),
	}
}
