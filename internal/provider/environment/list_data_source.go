package environment

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/openclaw/terraform-provider-openclaw/internal/client"
	"github.com/openclaw/terraform-provider-openclaw/internal/provider/shared"
	"github.com/openclaw/terraform-provider-openclaw/internal/provider/validators"
)

var _ datasource.DataSourceWithConfigure = (*ListDataSource)(nil)

// ListDataSource is the openclaw_environments data source.
type ListDataSource struct {
	shared.DataSourceBase
}

// NewListDataSource is the factory the provider registers.
func NewListDataSource() datasource.DataSource {
	return &ListDataSource{shared.DataSourceBase{TypeName: "_environments"}}
}

type listModel struct {
	Name         types.String `tfsdk:"name"`
	Labels       types.Map    `tfsdk:"labels"`
	Region       types.String `tfsdk:"region"`
	Environments types.List   `tfsdk:"environments"`
}

func (d *ListDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Lists OpenClaw environments, oldest first, optionally filtered by name, labels and region. Every page of the API is read.",
		Attributes: map[string]schema.Attribute{
			"name": schema.StringAttribute{
				Optional:            true,
				MarkdownDescription: "Only the environment with exactly this name.",
				Validators:          validators.Name(),
			},
			"labels": schema.MapAttribute{
				Optional:            true,
				ElementType:         types.StringType,
				MarkdownDescription: "Only environments carrying all of these labels with these values.",
				Validators:          validators.Labels(),
			},
			"region": schema.StringAttribute{
				Optional:            true,
				MarkdownDescription: "Only environments in this region.",
			},
			"environments": schema.ListNestedAttribute{
				Computed:            true,
				MarkdownDescription: "The matching environments.",
				NestedObject:        schema.NestedAttributeObject{Attributes: computedAttributes()},
			},
		},
	}
}

func (d *ListDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var m listModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	opts := client.ListEnvironmentsOptions{Name: m.Name.ValueString()}
	if known(m.Labels) {
		resp.Diagnostics.Append(m.Labels.ElementsAs(ctx, &opts.Labels, false)...)
	}
	envs, err := d.Data().Client.ListEnvironments(ctx, opts)
	if err != nil {
		shared.AddError(&resp.Diagnostics, "list environments", err, shared.Fields{})
		return
	}
	items := make([]environmentModel, 0, len(envs))
	for i := range envs {
		// The API filters by name and labels; region is filtered here.
		if known(m.Region) && envs[i].Region != m.Region.ValueString() {
			continue
		}
		var item environmentModel
		resp.Diagnostics.Append(item.fromAPI(ctx, &envs[i], false)...)
		items = append(items, item)
	}
	list, diags := types.ListValueFrom(ctx, types.ObjectType{AttrTypes: environmentAttrTypes}, items)
	resp.Diagnostics.Append(diags...)
	m.Environments = list
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}
