package environment

import (
	"context"
	"fmt"
	"regexp"

	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-framework/types/basetypes"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/openclaw/terraform-provider-openclaw/internal/api"
)

// Restoring from a snapshot and the final snapshot on delete: the
// environment's side of openclaw_data_snapshot.

var (
	snapshotIDRegexp = regexp.MustCompile(`^snap_[0-9a-z]+$`)

	restoreFromAttrTypes   = map[string]attr.Type{"snapshot_id": types.StringType, "include_credentials": types.BoolType}
	finalSnapshotAttrTypes = map[string]attr.Type{"enabled": types.BoolType, "retention_days": types.Int64Type}
)

type restoreFromModel struct {
	SnapshotID         types.String `tfsdk:"snapshot_id"`
	IncludeCredentials types.Bool   `tfsdk:"include_credentials"`
}

type finalSnapshotModel struct {
	Enabled       types.Bool  `tfsdk:"enabled"`
	RetentionDays types.Int64 `tfsdk:"retention_days"`
}

func snapshotAttributes() map[string]schema.Attribute {
	return map[string]schema.Attribute{
		"restore_from": schema.SingleNestedAttribute{
			Optional:            true,
			Computed:            true,
			MarkdownDescription: desc["restore_from"],
			PlanModifiers:       []planmodifier.Object{restoreFromModifier{}},
			Attributes: map[string]schema.Attribute{
				"snapshot_id": schema.StringAttribute{
					Required:            true,
					MarkdownDescription: desc["restore_from.snapshot_id"],
					Validators:          []validator.String{stringvalidator.RegexMatches(snapshotIDRegexp, "must be a snapshot ID (snap_...)")},
				},
				// No schema default: a default inside this block would be
				// applied to a removed block too and plan a change.
				"include_credentials": schema.BoolAttribute{
					Optional:            true,
					Computed:            true,
					MarkdownDescription: desc["restore_from.include_credentials"],
					PlanModifiers:       []planmodifier.Bool{falseWhenUnset{}},
				},
			},
		},
		"final_snapshot": schema.SingleNestedAttribute{
			Optional:            true,
			MarkdownDescription: desc["final_snapshot"],
			Attributes: map[string]schema.Attribute{
				"enabled": schema.BoolAttribute{Required: true, MarkdownDescription: desc["final_snapshot.enabled"]},
				"retention_days": schema.Int64Attribute{
					Optional:            true,
					MarkdownDescription: desc["final_snapshot.retention_days"],
					Validators:          []validator.Int64{int64validator.Between(api.MinRetentionDays, api.MaxRetentionDays)},
				},
			},
		},
	}
}

// restoreFromModifier: restore_from is set at create. A different block
// later replaces the environment (a restore always makes a new one); a
// removed block changes nothing, so no ignore_changes is needed.
type restoreFromModifier struct{}

func (restoreFromModifier) Description(context.Context) string {
	return "keeps restore_from once set; a different snapshot replaces the environment"
}

func (m restoreFromModifier) MarkdownDescription(ctx context.Context) string {
	return m.Description(ctx)
}

func (restoreFromModifier) PlanModifyObject(ctx context.Context, req planmodifier.ObjectRequest, resp *planmodifier.ObjectResponse) {
	if req.State.Raw.IsNull() || req.Plan.Raw.IsNull() {
		return // create or destroy
	}
	if req.ConfigValue.IsNull() {
		resp.PlanValue = req.StateValue
		if req.StateValue.IsUnknown() {
			resp.PlanValue = types.ObjectNull(restoreFromAttrTypes)
		}
		return
	}
	if !req.PlanValue.Equal(req.StateValue) {
		resp.RequiresReplace = true
	}
}

func (m *resourceModel) restoreFrom(ctx context.Context) (*api.RestoreFrom, diag.Diagnostics) {
	if !known(m.RestoreFrom) {
		return nil, nil
	}
	var rf restoreFromModel
	diags := m.RestoreFrom.As(ctx, &rf, basetypes.ObjectAsOptions{})
	return &api.RestoreFrom{SnapshotID: rf.SnapshotID.ValueString(), IncludeCredentials: rf.IncludeCredentials.ValueBool()}, diags
}

func (m *resourceModel) finalSnapshot(ctx context.Context) (*api.FinalSnapshot, diag.Diagnostics) {
	if !known(m.FinalSnapshot) {
		return nil, nil
	}
	var fs finalSnapshotModel
	diags := m.FinalSnapshot.As(ctx, &fs, basetypes.ObjectAsOptions{})
	return &api.FinalSnapshot{Enabled: fs.Enabled.ValueBool(), RetentionDays: fs.RetentionDays.ValueInt64()}, diags
}

// snapshotsFromAPI sets restore_from and final_snapshot.
func (m *resourceModel) snapshotsFromAPI(env *api.Environment) diag.Diagnostics {
	var diags diag.Diagnostics
	m.RestoreFrom = types.ObjectNull(restoreFromAttrTypes)
	if rf := env.RestoreFrom; rf != nil {
		v, d := types.ObjectValue(restoreFromAttrTypes, map[string]attr.Value{
			"snapshot_id": types.StringValue(rf.SnapshotID), "include_credentials": types.BoolValue(rf.IncludeCredentials),
		})
		diags.Append(d...)
		m.RestoreFrom = v
	}
	m.FinalSnapshot = types.ObjectNull(finalSnapshotAttrTypes)
	if fs := env.FinalSnapshot; fs != nil {
		days := types.Int64Null()
		if fs.RetentionDays > 0 {
			days = types.Int64Value(fs.RetentionDays)
		}
		v, d := types.ObjectValue(finalSnapshotAttrTypes, map[string]attr.Value{"enabled": types.BoolValue(fs.Enabled), "retention_days": days})
		diags.Append(d...)
		m.FinalSnapshot = v
	}
	return diags
}

// finalSnapshotUpdate is the PATCH value when final_snapshot changed:
// removing the block sends "disabled".
func (m *resourceModel) finalSnapshotUpdate(ctx context.Context, state *resourceModel) (*api.FinalSnapshot, diag.Diagnostics) {
	if m.FinalSnapshot.Equal(state.FinalSnapshot) || m.FinalSnapshot.IsUnknown() {
		return nil, nil
	}
	fs, diags := m.finalSnapshot(ctx)
	if fs == nil {
		fs = &api.FinalSnapshot{Enabled: false}
	}
	return fs, diags
}

// checkRestore refuses at plan time a restore onto an OpenClaw version older
// than the snapshot's, when both are known (the control plane's rule).
func (r *Resource) checkRestore(ctx context.Context, plan *resourceModel, resp *resource.ModifyPlanResponse) {
	if r.ProviderData() == nil || !known(plan.OpenClawVersion) {
		return
	}
	rf, d := plan.restoreFrom(ctx)
	resp.Diagnostics.Append(d...)
	if rf == nil || rf.SnapshotID == "" {
		return
	}
	snap, err := r.ProviderData().Client.GetSnapshot(ctx, rf.SnapshotID)
	if err != nil {
		tflog.Warn(ctx, "could not read the snapshot to check the restore; the control plane checks on apply", map[string]any{"err": err.Error()})
		return
	}
	if err := api.CheckRestoreVersion(plan.OpenClawVersion.ValueString(), snap.OpenClawVersion); err != nil {
		resp.Diagnostics.AddAttributeError(path.Root("openclaw_version"), "Snapshot is newer than this OpenClaw version",
			fmt.Sprintf("restore_from.snapshot_id %s (%q): %s.", snap.ID, snap.Name, err))
	}
}

// falseWhenUnset plans an unset include_credentials as false (a schema
// default would also apply inside a removed restore_from block).
type falseWhenUnset struct{}

func (falseWhenUnset) Description(context.Context) string { return "false when not set" }

func (m falseWhenUnset) MarkdownDescription(ctx context.Context) string { return m.Description(ctx) }

func (falseWhenUnset) PlanModifyBool(_ context.Context, req planmodifier.BoolRequest, resp *planmodifier.BoolResponse) {
	if req.ConfigValue.IsNull() && resp.PlanValue.IsUnknown() {
		resp.PlanValue = types.BoolValue(false)
	}
}
