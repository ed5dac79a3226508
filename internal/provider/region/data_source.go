// Package region implements the openclaw_regions data source.
package region

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/openclaw/terraform-provider-openclaw/internal/api"
	"github.com/openclaw/terraform-provider-openclaw/internal/provider/shared"
)

var _ datasource.DataSourceWithConfigure = (*DataSource)(nil)

// DataSource is openclaw_regions.
type DataSource struct {
	shared.DataSourceBase
}

// NewDataSource is the factory the provider registers.
func NewDataSource() datasource.DataSource {
	return &DataSource{shared.DataSourceBase{TypeName: "_regions"}}
}

type model struct {
	AvailableOnly types.Bool `tfsdk:"available_only"`
	Regions       types.List `tfsdk:"regions"`
	IDs           types.List `tfsdk:"ids"`
}

type regionModel struct {
	ID          types.String `tfsdk:"id"`
	DisplayName types.String `tfsdk:"display_name"`
	Location    types.String `tfsdk:"location"`
	Available   types.Bool   `tfsdk:"available"`
}

var regionAttrTypes = map[string]attr.Type{
	"id":           types.StringType,
	"display_name": types.StringType,
	"location":     types.StringType,
	"available":    types.BoolType,
}

func (d *DataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Lists the regions of the control plane, in the control plane's order.",
		Attributes: map[string]schema.Attribute{
			"available_only": schema.BoolAttribute{
				Optional:            true,
				MarkdownDescription: "When true, only regions accepting new environments. Default false.",
			},
			"ids": schema.ListAttribute{
				Computed:            true,
				ElementType:         types.StringType,
				MarkdownDescription: "IDs of the listed regions, for `for_each` or `contains()`.",
			},
			"regions": schema.ListNestedAttribute{
				Computed:            true,
				MarkdownDescription: "The regions.",
				NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
					"id":           schema.StringAttribute{Computed: true, MarkdownDescription: "Region ID, the value of an environment's `region`."},
					"display_name": schema.StringAttribute{Computed: true, MarkdownDescription: "Human-readable name."},
					"location":     schema.StringAttribute{Computed: true, MarkdownDescription: "Where the region is."},
					"available":    schema.BoolAttribute{Computed: true, MarkdownDescription: "Whether new environments may be created here."},
				}},
			},
		},
	}
}

func (d *DataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var m model
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	regions, err := d.Data().Caches.Regions(ctx)
	if err != nil {
		shared.AddError(&resp.Diagnostics, "list regions", err, shared.Fields{})
		return
	}
	items, ids := toModels(regions, m.AvailableOnly.ValueBool())
	list, diags := types.ListValueFrom(ctx, types.ObjectType{AttrTypes: regionAttrTypes}, items)
	resp.Diagnostics.Append(diags...)
	idList, diags := types.ListValueFrom(ctx, types.StringType, ids)
	resp.Diagnostics.Append(diags...)
	m.Regions, m.IDs = list, idList
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}

func toModels(regions []api.Region, availableOnly bool) ([]regionModel, []string) {
	items := make([]regionModel, 0, len(regions))
	ids := make([]string, 0, len(regions))
	for _, r := range regions {
		if availableOnly && !r.Available {
			continue
		}
		items = append(items, regionModel{
			ID:          types.StringValue(r.ID),
			DisplayName: types.StringValue(r.DisplayName),
			Location:    types.StringValue(r.Location),
			Available:   types.BoolValue(r.Available),
		})
		ids = append(ids, r.ID)
	}
	return items, ids
}
