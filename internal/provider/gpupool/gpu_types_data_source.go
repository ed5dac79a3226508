package gpupool

import (
	"cmp"
	"context"
	"slices"

	"github.com/hashicorp/terraform-plugin-framework-validators/float64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/openclaw/terraform-provider-openclaw/internal/api"
	"github.com/openclaw/terraform-provider-openclaw/internal/gpucatalog"
	"github.com/openclaw/terraform-provider-openclaw/internal/provider/shared"
)

var _ datasource.DataSourceWithConfigure = (*GPUTypesDataSource)(nil)

// GPUTypesDataSource is openclaw_gpu_types.
type GPUTypesDataSource struct {
	shared.DataSourceBase
}

// NewGPUTypesDataSource is the factory the provider registers.
func NewGPUTypesDataSource() datasource.DataSource {
	return &GPUTypesDataSource{shared.DataSourceBase{TypeName: "_gpu_types"}}
}

type gpuTypesModel struct {
	Region         types.String  `tfsdk:"region"`
	CapacityType   types.String  `tfsdk:"capacity_type"`
	MinMemoryGB    types.Int64   `tfsdk:"min_memory_gb"`
	MaxHourlyPrice types.Float64 `tfsdk:"max_hourly_price"`
	Offers         types.List    `tfsdk:"offers"`
}

type offerModel struct {
	GPUType       types.String  `tfsdk:"gpu_type"`
	DisplayName   types.String  `tfsdk:"display_name"`
	MemoryGB      types.Int64   `tfsdk:"memory_gb"`
	Region        types.String  `tfsdk:"region"`
	CapacityType  types.String  `tfsdk:"capacity_type"`
	HourlyPrice   types.Float64 `tfsdk:"hourly_price"`
	AvailableGPUs types.Int64   `tfsdk:"available_gpus"`
}

var offerAttrTypes = map[string]attr.Type{
	"gpu_type":       types.StringType,
	"display_name":   types.StringType,
	"memory_gb":      types.Int64Type,
	"region":         types.StringType,
	"capacity_type":  types.StringType,
	"hourly_price":   types.Float64Type,
	"available_gpus": types.Int64Type,
}

func (d *GPUTypesDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Lists the GPU catalog as offers (one per GPU type, region and capacity type), cheapest first, with live availability. Filter it to pick a `gpu_type` for `openclaw_gpu_pool`.",
		Attributes: map[string]schema.Attribute{
			"region":        schema.StringAttribute{Optional: true, MarkdownDescription: "Only offers in this region."},
			"capacity_type": schema.StringAttribute{Optional: true, MarkdownDescription: "Only `on_demand` or only `spot` offers.", Validators: []validator.String{stringvalidator.OneOf(api.CapacityTypes...)}},
			"min_memory_gb": schema.Int64Attribute{Optional: true, MarkdownDescription: "Only GPUs with at least this much memory (GB).", Validators: []validator.Int64{int64validator.AtLeast(1)}},
			"max_hourly_price": schema.Float64Attribute{Optional: true, MarkdownDescription: "Only offers costing at most this much per GPU-hour (USD).",
				Validators: []validator.Float64{float64validator.AtLeast(0)}},
			"offers": schema.ListNestedAttribute{
				Computed:            true,
				MarkdownDescription: "Matching offers sorted by hourly price, then GPU type and region.",
				NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
					"gpu_type":       schema.StringAttribute{Computed: true, MarkdownDescription: "GPU type ID, the value of a pool's `gpu_type`."},
					"display_name":   schema.StringAttribute{Computed: true, MarkdownDescription: "Human-readable name."},
					"memory_gb":      schema.Int64Attribute{Computed: true, MarkdownDescription: "Memory of one GPU in GB."},
					"region":         schema.StringAttribute{Computed: true, MarkdownDescription: "Region of the offer."},
					"capacity_type":  schema.StringAttribute{Computed: true, MarkdownDescription: "`on_demand` or `spot`."},
					"hourly_price":   schema.Float64Attribute{Computed: true, MarkdownDescription: "USD per GPU-hour."},
					"available_gpus": schema.Int64Attribute{Computed: true, MarkdownDescription: "GPUs free right now (the simulator's capacity minus allocations)."},
				}},
			},
		},
	}
}

func (d *GPUTypesDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var m gpuTypesModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	// Live availability: read the catalog now, not from the plan-time cache.
	catalog, err := d.Data().Client.ListGPUTypes(ctx)
	if err != nil {
		shared.AddError(&resp.Diagnostics, "list GPU types", err, shared.Fields{})
		return
	}
	offers := filterOffers(catalog, offerFilter{
		region:       m.Region.ValueString(),
		capacityType: m.CapacityType.ValueString(),
		minMemoryGB:  m.MinMemoryGB.ValueInt64(),
		maxPrice:     m.MaxHourlyPrice.ValueFloat64Pointer(),
	})
	list, diags := types.ListValueFrom(ctx, types.ObjectType{AttrTypes: offerAttrTypes}, offers)
	resp.Diagnostics.Append(diags...)
	m.Offers = list
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}

type offerFilter struct {
	region, capacityType string
	minMemoryGB          int64
	maxPrice             *float64
}

// filterOffers flattens the catalog into offers matching f, cheapest first.
func filterOffers(catalog []api.GPUType, f offerFilter) []offerModel {
	var out []offerModel
	for _, t := range catalog {
		if t.MemoryGB < f.minMemoryGB {
			continue
		}
		for _, o := range t.Regions {
			if f.region != "" && o.Region != f.region {
				continue
			}
			for _, ct := range api.CapacityTypes {
				if f.capacityType != "" && ct != f.capacityType {
					continue
				}
				price := gpucatalog.PriceOf(o, ct)
				if f.maxPrice != nil && price > *f.maxPrice {
					continue
				}
				avail := o.AvailableGPUs.OnDemand
				if ct == api.CapacitySpot {
					avail = o.AvailableGPUs.Spot
				}
				out = append(out, offerModel{
					GPUType: types.StringValue(t.ID), DisplayName: types.StringValue(t.DisplayName), MemoryGB: types.Int64Value(t.MemoryGB),
					Region: types.StringValue(o.Region), CapacityType: types.StringValue(ct), HourlyPrice: types.Float64Value(price), AvailableGPUs: types.Int64Value(avail),
				})
			}
		}
	}
	slices.SortStableFunc(out, func(a, b offerModel) int {
		return cmp.Or(
			cmp.Compare(a.HourlyPrice.ValueFloat64(), b.HourlyPrice.ValueFloat64()),
			cmp.Compare(a.GPUType.ValueString(), b.GPUType.ValueString()),
			cmp.Compare(a.Region.ValueString(), b.Region.ValueString()),
			cmp.Compare(a.CapacityType.ValueString(), b.CapacityType.ValueString()),
		)
	})
	return out
}
