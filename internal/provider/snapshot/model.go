// Package snapshot implements openclaw_data_snapshot and the
// openclaw_data_snapshot and openclaw_data_snapshots data sources.
package snapshot

import (
	"context"
	"maps"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/openclaw/terraform-provider-openclaw/internal/api"
	"github.com/openclaw/terraform-provider-openclaw/internal/provider/shared"
)

var apiFields = shared.Fields{Maps: []string{"labels"}}

// snapshotModel holds the attributes the resource and data sources share.
type snapshotModel struct {
	ID              types.String `tfsdk:"id"`
	EnvironmentID   types.String `tfsdk:"environment_id"`
	EnvironmentName types.String `tfsdk:"environment_name"`
	Name            types.String `tfsdk:"name"`
	Description     types.String `tfsdk:"description"`
	Labels          types.Map    `tfsdk:"labels"`
	RetentionDays   types.Int64  `tfsdk:"retention_days"`
	ExpiresAt       types.String `tfsdk:"expires_at"`
	Locked          types.Bool   `tfsdk:"locked"`
	LockUntil       types.String `tfsdk:"lock_until"`
	Status          types.String `tfsdk:"status"`
	StatusMessage   types.String `tfsdk:"status_message"`
	SizeBytes       types.Int64  `tfsdk:"size_bytes"`
	SHA256          types.String `tfsdk:"sha256"`
	FileCount       types.Int64  `tfsdk:"file_count"`
	OpenClawVersion types.String `tfsdk:"openclaw_version"`
	Format          types.String `tfsdk:"format"`
	CreatedBy       types.String `tfsdk:"created_by"`
	ETag            types.String `tfsdk:"etag"`
	CreatedAt       types.String `tfsdk:"created_at"`
	UpdatedAt       types.String `tfsdk:"updated_at"`
	CompletedAt     types.String `tfsdk:"completed_at"`
	VerifiedAt      types.String `tfsdk:"verified_at"`
}

// snapshotAttrTypes is snapshotModel as an object type (lists, most_recent).
var snapshotAttrTypes = map[string]attr.Type{
	"id":               types.StringType,
	"environment_id":   types.StringType,
	"environment_name": types.StringType,
	"name":             types.StringType,
	"description":      types.StringType,
	"labels":           types.MapType{ElemType: types.StringType},
	"retention_days":   types.Int64Type,
	"expires_at":       types.StringType,
	"locked":           types.BoolType,
	"lock_until":       types.StringType,
	"status":           types.StringType,
	"status_message":   types.StringType,
	"size_bytes":       types.Int64Type,
	"sha256":           types.StringType,
	"file_count":       types.Int64Type,
	"openclaw_version": types.StringType,
	"format":           types.StringType,
	"created_by":       types.StringType,
	"etag":             types.StringType,
	"created_at":       types.StringType,
	"updated_at":       types.StringType,
	"completed_at":     types.StringType,
	"verified_at":      types.StringType,
}

// resourceModel is openclaw_data_snapshot's full model.
type resourceModel struct {
	snapshotModel
	RetainOnDestroy types.Bool     `tfsdk:"retain_on_destroy"`
	Timeouts        timeouts.Value `tfsdk:"timeouts"`
}

// fromAPI sets every attribute from the API. With keepNull, labels the
// configuration left out stay null when the snapshot has none, and
// timestamps the configuration wrote differently (another offset) but
// meaning the same instant keep their configured spelling.
func (m *snapshotModel) fromAPI(ctx context.Context, s *api.Snapshot, keepNull bool) diag.Diagnostics {
	var diags diag.Diagnostics
	m.ID = types.StringValue(s.ID)
	m.EnvironmentID = types.StringValue(s.EnvironmentID)
	m.EnvironmentName = types.StringValue(s.EnvironmentName)
	m.Name = types.StringValue(s.Name)
	m.Description = types.StringValue(s.Description)
	labels, d := shared.LabelsFromAPI(ctx, s.Labels, m.Labels, keepNull)
	diags.Append(d...)
	m.Labels = labels
	m.RetentionDays = types.Int64PointerValue(s.RetentionDays)
	m.ExpiresAt = sameInstant(m.ExpiresAt, s.ExpiresAt)
	m.Locked = types.BoolValue(s.Locked)
	m.LockUntil = sameInstant(m.LockUntil, s.LockUntil)
	m.Status = types.StringValue(s.Status)
	m.StatusMessage = types.StringValue(s.StatusMessage)
	m.SizeBytes = types.Int64Value(s.SizeBytes)
	m.SHA256 = types.StringValue(s.SHA256)
	m.FileCount = types.Int64Value(s.FileCount)
	m.OpenClawVersion = types.StringValue(s.OpenClawVersion)
	m.Format = types.StringValue(s.Format)
	m.CreatedBy = types.StringValue(s.CreatedBy)
	m.ETag = types.StringValue(s.ETag)
	m.CreatedAt = shared.Timestamp(s.CreatedAt)
	m.UpdatedAt = shared.Timestamp(s.UpdatedAt)
	m.CompletedAt = timeValue(s.CompletedAt)
	m.VerifiedAt = timeValue(s.VerifiedAt)
	return diags
}

func timeValue(t *time.Time) types.String {
	if t == nil {
		return types.StringNull()
	}
	return shared.Timestamp(*t)
}

// sameInstant returns t as a string, keeping prior's spelling when it
// denotes the same instant (no diff for "+01:00" against "Z").
func sameInstant(prior types.String, t *time.Time) types.String {
	if t == nil {
		return types.StringNull()
	}
	if shared.Known(prior) {
		if p, err := time.Parse(time.RFC3339, prior.ValueString()); err == nil && p.Equal(*t) {
			return prior
		}
	}
	return timeValue(t)
}

func parseTime(v types.String) *time.Time {
	if !shared.Known(v) {
		return nil
	}
	t, err := time.Parse(time.RFC3339, v.ValueString())
	if err != nil {
		return nil
	}
	return &t
}

// policy is the configured retention and lock, in the API's terms. A
// computed expires_at (from retention_days) is not part of it.
func (m *snapshotModel) policy() api.SnapshotPolicy {
	p := api.SnapshotPolicy{RetentionDays: m.RetentionDays.ValueInt64Pointer(), Locked: m.Locked.ValueBool(), LockUntil: parseTime(m.LockUntil)}
	if p.RetentionDays == nil {
		p.ExpiresAt = parseTime(m.ExpiresAt)
	}
	return p
}

func (m *snapshotModel) labels(ctx context.Context) (map[string]string, diag.Diagnostics) {
	return shared.StringMap(ctx, m.Labels)
}

func (m *resourceModel) toCreate(ctx context.Context) (api.SnapshotCreate, diag.Diagnostics) {
	labels, diags := m.labels(ctx)
	p := m.policy()
	req := api.SnapshotCreate{
		EnvironmentID: m.EnvironmentID.ValueString(),
		Name:          m.Name.ValueString(),
		Description:   m.Description.ValueString(),
		RetentionDays: p.RetentionDays,
		ExpiresAt:     p.ExpiresAt,
		Locked:        p.Locked,
		LockUntil:     p.LockUntil,
	}
	if len(labels) > 0 {
		req.Labels = labels
	}
	return req, diags
}

// toUpdate builds a PATCH holding what differs between plan (m) and state.
func (m *resourceModel) toUpdate(ctx context.Context, state *resourceModel) (api.SnapshotUpdate, diag.Diagnostics) {
	var req api.SnapshotUpdate
	var diags diag.Diagnostics
	if !m.Name.Equal(state.Name) {
		req.Name = m.Name.ValueStringPointer()
	}
	if !m.Description.Equal(state.Description) {
		req.Description = m.Description.ValueStringPointer()
	}
	pl, d := m.labels(ctx)
	diags.Append(d...)
	sl, d := state.labels(ctx)
	diags.Append(d...)
	if !maps.Equal(pl, sl) {
		req.Labels = &pl
	}
	next, cur := m.policy(), state.policy()
	switch {
	case next.RetentionDays != nil:
		if cur.RetentionDays == nil || *cur.RetentionDays != *next.RetentionDays {
			req.RetentionDays = next.RetentionDays
		}
	case next.ExpiresAt != nil:
		if cur.ExpiresAt == nil || cur.RetentionDays != nil || !cur.ExpiresAt.Equal(*next.ExpiresAt) {
			req.ExpiresAt = next.ExpiresAt
		}
	case cur.RetentionDays != nil || cur.ExpiresAt != nil:
		req.ClearExpiry = true
	}
	if next.Locked != cur.Locked {
		req.Locked = &next.Locked
	}
	if next.LockUntil != nil && (cur.LockUntil == nil || !cur.LockUntil.Equal(*next.LockUntil)) {
		req.LockUntil = next.LockUntil
	}
	return req, diags
}

// Identity and TimeoutsValue are what the shared lifecycle needs.
func (m *resourceModel) Identity() (id, name, etag string) {
	return m.ID.ValueString(), m.Name.ValueString(), m.ETag.ValueString()
}

func (m *resourceModel) TimeoutsValue() timeouts.Value { return m.Timeouts }
