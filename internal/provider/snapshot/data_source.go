package snapshot

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/openclaw/terraform-provider-openclaw/internal/api"
	"github.com/openclaw/terraform-provider-openclaw/internal/client"
	"github.com/openclaw/terraform-provider-openclaw/internal/provider/shared"
)

var (
	_ datasource.DataSourceWithConfigure = (*DataSource)(nil)
	_ datasource.DataSourceWithConfigure = (*ListDataSource)(nil)
)

// computedAttributes are a snapshot's attributes for data sources.
func computedAttributes() map[string]schema.Attribute {
	str := func(k string) schema.Attribute {
		return schema.StringAttribute{Computed: true, MarkdownDescription: desc[k]}
	}
	num := func(k string) schema.Attribute {
		return schema.Int64Attribute{Computed: true, MarkdownDescription: desc[k]}
	}
	return map[string]schema.Attribute{
		"id":               str("id"),
		"environment_id":   str("environment_id"),
		"environment_name": str("environment_name"),
		"name":             str("name"),
		"description":      str("description"),
		"labels":           schema.MapAttribute{Computed: true, ElementType: types.StringType, MarkdownDescription: desc["labels"]},
		"retention_days":   num("retention_days"),
		"expires_at":       str("expires_at"),
		"locked":           schema.BoolAttribute{Computed: true, MarkdownDescription: desc["locked"]},
		"lock_until":       str("lock_until"),
		"status":           str("status"),
		"status_message":   str("status_message"),
		"size_bytes":       num("size_bytes"),
		"sha256":           str("sha256"),
		"file_count":       num("file_count"),
		"openclaw_version": str("openclaw_version"),
		"format":           str("format"),
		"created_by":       str("created_by"),
		"etag":             str("etag"),
		"created_at":       str("created_at"),
		"updated_at":       str("updated_at"),
		"completed_at":     str("completed_at"),
		"verified_at":      str("verified_at"),
	}
}

// DataSource is openclaw_data_snapshot: one snapshot by ID.
type DataSource struct {
	shared.DataSourceBase
}

// NewDataSource is the factory the provider registers.
func NewDataSource() datasource.DataSource {
	return &DataSource{shared.DataSourceBase{TypeName: "_data_snapshot"}}
}

func (d *DataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	attrs := computedAttributes()
	attrs["id"] = schema.StringAttribute{Required: true, MarkdownDescription: "ID of the snapshot to read (`snap_...`)."}
	resp.Schema = schema.Schema{
		MarkdownDescription: "Reads one data snapshot by ID, also one whose environment has been deleted.",
		Attributes:          attrs,
	}
}

func (d *DataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var m snapshotModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	s, err := d.Data().Client.GetSnapshot(ctx, m.ID.ValueString())
	if err != nil {
		shared.AddError(&resp.Diagnostics, "read snapshot "+m.ID.ValueString(), err, shared.Fields{})
		return
	}
	resp.Diagnostics.Append(m.fromAPI(ctx, s, false)...)
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}

// ListDataSource is openclaw_data_snapshots: an environment's snapshots,
// newest first, and the most recent available one.
type ListDataSource struct {
	shared.DataSourceBase
}

// NewListDataSource is the factory the provider registers.
func NewListDataSource() datasource.DataSource {
	return &ListDataSource{shared.DataSourceBase{TypeName: "_data_snapshots"}}
}

type listModel struct {
	EnvironmentID types.String `tfsdk:"environment_id"`
	Name          types.String `tfsdk:"name"`
	Snapshots     types.List   `tfsdk:"snapshots"`
	MostRecent    types.Object `tfsdk:"most_recent"`
}

func (d *ListDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Lists an environment's data snapshots, newest first, also after the environment was deleted. " +
			"`most_recent` is the newest `available` snapshot, for example to restore staging from production's latest: " +
			"`restore_from = { snapshot_id = data.openclaw_data_snapshots.prod.most_recent.id }`.",
		Attributes: map[string]schema.Attribute{
			"environment_id": schema.StringAttribute{Required: true, MarkdownDescription: "ID of the environment whose snapshots to list."},
			"name":           schema.StringAttribute{Optional: true, MarkdownDescription: "Only the snapshot with exactly this name."},
			"snapshots": schema.ListNestedAttribute{
				Computed:            true,
				MarkdownDescription: "The snapshots, newest first, in every status.",
				NestedObject:        schema.NestedAttributeObject{Attributes: computedAttributes()},
			},
			"most_recent": schema.SingleNestedAttribute{
				Computed:            true,
				MarkdownDescription: "The newest snapshot whose status is `available`; null when there is none.",
				Attributes:          computedAttributes(),
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
	items, err := d.Data().Client.ListSnapshots(ctx, clientListOptions(m))
	if err != nil {
		shared.AddError(&resp.Diagnostics, fmt.Sprintf("list snapshots of environment %s", m.EnvironmentID.ValueString()), err, shared.Fields{})
		return
	}
	objType := types.ObjectType{AttrTypes: snapshotAttrTypes}
	list := make([]snapshotModel, len(items))
	m.MostRecent = types.ObjectNull(snapshotAttrTypes)
	for i := range items {
		resp.Diagnostics.Append(list[i].fromAPI(ctx, &items[i], false)...)
		if m.MostRecent.IsNull() && items[i].Status == api.SnapshotAvailable {
			v, diags := types.ObjectValueFrom(ctx, snapshotAttrTypes, list[i])
			resp.Diagnostics.Append(diags...)
			m.MostRecent = v
		}
	}
	v, diags := types.ListValueFrom(ctx, objType, list)
	resp.Diagnostics.Append(diags...)
	m.Snapshots = v
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}

func clientListOptions(m listModel) client.ListSnapshotsOptions {
	return client.ListSnapshotsOptions{EnvironmentID: m.EnvironmentID.ValueString(), Name: m.Name.ValueString()}
}
