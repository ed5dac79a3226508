package gpupool

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
)

var (
	_ datasource.DataSourceWithConfigure        = (*DataSource)(nil)
	_ datasource.DataSourceWithConfigValidators = (*DataSource)(nil)
)

// DataSource is the openclaw_gpu_pool data source.
type DataSource struct {
	shared.Lookup[poolModel, api.GPUPool]
}

// NewDataSource is the factory the provider registers.
func NewDataSource() datasource.DataSource {
	return &DataSource{shared.Lookup[poolModel, api.GPUPool]{
		DataSourceBase: shared.DataSourceBase{TypeName: "_gpu_pool"},
		ID:             func(m *poolModel) types.String { return m.ID },
		ByID: func(ctx context.Context, c *client.Client, id string) (*api.GPUPool, string, error) {
			pool, err := c.GetGPUPool(ctx, id)
			return pool, fmt.Sprintf("read GPU pool %s", id), err
		},
		ByKey: func(ctx context.Context, c *client.Client, m *poolModel) (*api.GPUPool, string, error) {
			pool, err := c.FindGPUPool(ctx, m.EnvironmentID.ValueString(), m.Name.ValueString())
			return pool, fmt.Sprintf("find GPU pool %q in environment %s", m.Name.ValueString(), m.EnvironmentID.ValueString()), err
		},
		FromAPI: func(ctx context.Context, m *poolModel, pool *api.GPUPool) diag.Diagnostics {
			return m.fromAPI(ctx, pool, false)
		},
	}}
}

func (d *DataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	str := func(k string) schema.Attribute {
		return schema.StringAttribute{Computed: true, MarkdownDescription: desc[k]}
	}
	num := func(k string) schema.Attribute {
		return schema.Int64Attribute{Computed: true, MarkdownDescription: desc[k]}
	}
	resp.Schema = schema.Schema{
		MarkdownDescription: "Reads one GPU pool by ID, or by environment and name, for example to point something else at its `base_url`.",
		Attributes: map[string]schema.Attribute{
			"id":             schema.StringAttribute{Optional: true, Computed: true, MarkdownDescription: "ID of the pool. Either `id`, or `environment_id` and `name`."},
			"environment_id": schema.StringAttribute{Optional: true, Computed: true, MarkdownDescription: "Environment of the pool, with `name`."},
			"name":           schema.StringAttribute{Optional: true, Computed: true, MarkdownDescription: "Name of the pool, with `environment_id`."},
			"provider_id":    str("provider_id"),
			"backend":        str("backend"),
			"gpu_type":       str("gpu_type"),
			"gpus_per_node":  num("gpus_per_node"),
			"capacity_type":  str("capacity_type"),
			"node_count":     num("node_count"),
			"autoscaling": schema.SingleNestedAttribute{Computed: true, MarkdownDescription: desc["autoscaling"], Attributes: map[string]schema.Attribute{
				"min_nodes": num("autoscaling.min_nodes"),
				"max_nodes": num("autoscaling.max_nodes"),
			}},
			"capacity_fallback": schema.ListNestedAttribute{Computed: true, MarkdownDescription: desc["capacity_fallback"], NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
				"gpu_type":      str("capacity_fallback.gpu_type"),
				"capacity_type": str("capacity_fallback.capacity_type"),
			}}},
			"models": schema.ListNestedAttribute{Computed: true, MarkdownDescription: desc["models"], NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
				"id":             str("models.id"),
				"context_window": num("models.context_window"),
				"max_tokens":     num("models.max_tokens"),
			}}},
			"idle_stop_seconds":       num("idle_stop_seconds"),
			"labels":                  schema.MapAttribute{Computed: true, ElementType: types.StringType, MarkdownDescription: desc["labels"]},
			"status":                  str("status"),
			"current_nodes":           num("current_nodes"),
			"effective_gpu_type":      str("effective_gpu_type"),
			"effective_capacity_type": str("effective_capacity_type"),
			"base_url":                str("base_url"),
			"hourly_cost":             schema.Float64Attribute{Computed: true, MarkdownDescription: desc["hourly_cost"]},
			"etag":                    str("etag"),
			"created_at":              str("created_at"),
			"updated_at":              str("updated_at"),
		},
	}
}

func (d *DataSource) ConfigValidators(context.Context) []datasource.ConfigValidator {
	return []datasource.ConfigValidator{
		datasourcevalidator.ExactlyOneOf(path.MatchRoot("id"), path.MatchRoot("name")),
		datasourcevalidator.RequiredTogether(path.MatchRoot("environment_id"), path.MatchRoot("name")),
	}
}
