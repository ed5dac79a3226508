// Package environment implements openclaw_environment: the resource, the
// openclaw_environment and openclaw_environments data sources, and the
// conversions between their models and the API.
package environment

import (
	"context"
	"maps"
	"slices"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-framework/types/basetypes"

	"github.com/openclaw/terraform-provider-openclaw/internal/api"
	"github.com/openclaw/terraform-provider-openclaw/internal/provider/shared"
)

// apiFields places API validation errors on this resource's attributes.
var apiFields = shared.Fields{
	Rename: map[string]string{"secrets": "secrets_wo"},
	Maps:   []string{"labels", "secrets_wo"},
}

// sizeAttrTypes is the object type of `size`.
var sizeAttrTypes = map[string]attr.Type{
	"cpus":      types.Int64Type,
	"memory_mb": types.Int64Type,
}

type sizeModel struct {
	CPUs     types.Int64 `tfsdk:"cpus"`
	MemoryMB types.Int64 `tfsdk:"memory_mb"`
}

// environmentModel holds the attributes the resource and data sources share.
type environmentModel struct {
	ID                 types.String `tfsdk:"id"`
	Name               types.String `tfsdk:"name"`
	Region             types.String `tfsdk:"region"`
	OpenClawVersion    types.String `tfsdk:"openclaw_version"`
	ReleaseChannel     types.String `tfsdk:"release_channel"`
	Size               types.Object `tfsdk:"size"`
	StateVolumeGB      types.Int64  `tfsdk:"state_volume_gb"`
	DesiredState       types.String `tfsdk:"desired_state"`
	Labels             types.Map    `tfsdk:"labels"`
	DeletionProtection types.Bool   `tfsdk:"deletion_protection"`
	SecretNames        types.Set    `tfsdk:"secret_names"`
	Status             types.String `tfsdk:"status"`
	StatusMessage      types.String `tfsdk:"status_message"`
	PowerState         types.String `tfsdk:"power_state"`
	GatewayURL         types.String `tfsdk:"gateway_url"`
	ETag               types.String `tfsdk:"etag"`
	CreatedAt          types.String `tfsdk:"created_at"`
	UpdatedAt          types.String `tfsdk:"updated_at"`
}

// environmentAttrTypes is environmentModel as an object type (for lists).
var environmentAttrTypes = map[string]attr.Type{
	"id":                  types.StringType,
	"name":                types.StringType,
	"region":              types.StringType,
	"openclaw_version":    types.StringType,
	"release_channel":     types.StringType,
	"size":                types.ObjectType{AttrTypes: sizeAttrTypes},
	"state_volume_gb":     types.Int64Type,
	"desired_state":       types.StringType,
	"labels":              types.MapType{ElemType: types.StringType},
	"deletion_protection": types.BoolType,
	"secret_names":        types.SetType{ElemType: types.StringType},
	"status":              types.StringType,
	"status_message":      types.StringType,
	"power_state":         types.StringType,
	"gateway_url":         types.StringType,
	"etag":                types.StringType,
	"created_at":          types.StringType,
	"updated_at":          types.StringType,
}

// resourceModel is openclaw_environment's full model.
type resourceModel struct {
	environmentModel
	SecretsWO        types.Map      `tfsdk:"secrets_wo"`
	SecretsWOVersion types.Int64    `tfsdk:"secrets_wo_version"`
	RestoreFrom      types.Object   `tfsdk:"restore_from"`
	FinalSnapshot    types.Object   `tfsdk:"final_snapshot"`
	GatewayToken     types.String   `tfsdk:"gateway_token"`
	Timeouts         timeouts.Value `tfsdk:"timeouts"`
}

// fromAPI sets every attribute from the API's representation. With
// keepNullLabels, an environment without labels leaves a null labels
// attribute null (the configuration did not set labels), so there is no
// diff between "no labels" and "empty labels".
func (m *environmentModel) fromAPI(ctx context.Context, env *api.Environment, keepNullLabels bool) diag.Diagnostics {
	var diags diag.Diagnostics
	m.ID = types.StringValue(env.ID)
	m.Name = types.StringValue(env.Name)
	m.Region = types.StringValue(env.Region)
	m.OpenClawVersion = types.StringValue(env.OpenClawVersion)
	m.ReleaseChannel = types.StringValue(env.ReleaseChannel)
	size, d := types.ObjectValue(sizeAttrTypes, map[string]attr.Value{
		"cpus":      types.Int64Value(env.Size.CPUs),
		"memory_mb": types.Int64Value(env.Size.MemoryMB),
	})
	diags.Append(d...)
	m.Size = size
	m.StateVolumeGB = types.Int64Value(env.StateVolumeGB)
	m.DesiredState = types.StringValue(env.DesiredState)
	labels, d := shared.LabelsFromAPI(ctx, env.Labels, m.Labels, keepNullLabels)
	diags.Append(d...)
	m.Labels = labels
	m.DeletionProtection = types.BoolValue(env.DeletionProtection)
	names := make([]string, 0, len(env.Secrets))
	for _, s := range env.Secrets {
		names = append(names, s.Name)
	}
	slices.Sort(names)
	secretNames, d := types.SetValueFrom(ctx, types.StringType, names)
	diags.Append(d...)
	m.SecretNames = secretNames
	m.Status = types.StringValue(env.Status)
	m.StatusMessage = types.StringValue(env.StatusMessage)
	m.PowerState = types.StringValue(env.PowerState)
	m.GatewayURL = types.StringValue(env.GatewayURL)
	m.ETag = types.StringValue(env.ETag)
	m.CreatedAt = shared.Timestamp(env.CreatedAt)
	m.UpdatedAt = shared.Timestamp(env.UpdatedAt)
	return diags
}

// size reads the size object; ok is false when it is null or unknown.
func (m *environmentModel) size(ctx context.Context) (api.Size, bool, diag.Diagnostics) {
	if m.Size.IsNull() || m.Size.IsUnknown() {
		return api.Size{}, false, nil
	}
	var s sizeModel
	diags := m.Size.As(ctx, &s, basetypes.ObjectAsOptions{})
	return api.Size{CPUs: s.CPUs.ValueInt64(), MemoryMB: s.MemoryMB.ValueInt64()}, true, diags
}

func (m *environmentModel) labels(ctx context.Context) (map[string]string, diag.Diagnostics) {
	return shared.StringMap(ctx, m.Labels)
}

// toCreate builds the create request from the plan and the configuration's
// write-only secrets.
func (m *resourceModel) toCreate(ctx context.Context, secrets map[string]string) (api.EnvironmentCreate, diag.Diagnostics) {
	var diags diag.Diagnostics
	req := api.EnvironmentCreate{
		Name:               m.Name.ValueString(),
		Region:             m.Region.ValueString(),
		OpenClawVersion:    m.OpenClawVersion.ValueString(),
		ReleaseChannel:     m.ReleaseChannel.ValueString(),
		DesiredState:       m.DesiredState.ValueString(),
		DeletionProtection: m.DeletionProtection.ValueBool(),
	}
	if size, ok, d := m.size(ctx); ok {
		diags.Append(d...)
		req.Size = &size
	}
	if !m.StateVolumeGB.IsNull() && !m.StateVolumeGB.IsUnknown() {
		gb := m.StateVolumeGB.ValueInt64()
		req.StateVolumeGB = &gb
	}
	labels, d := m.labels(ctx)
	diags.Append(d...)
	if len(labels) > 0 {
		req.Labels = labels
	}
	if len(secrets) > 0 {
		req.Secrets = secrets
	}
	rf, d := m.restoreFrom(ctx)
	diags.Append(d...)
	req.RestoreFrom = rf
	fs, d := m.finalSnapshot(ctx)
	diags.Append(d...)
	req.FinalSnapshot = fs
	return req, diags
}

// toUpdate builds a PATCH holding only what differs between plan (m) and
// state. secrets is non-nil only when they must be sent again.
func (m *resourceModel) toUpdate(ctx context.Context, state *resourceModel, secrets map[string]string) (api.EnvironmentUpdate, diag.Diagnostics) {
	var diags diag.Diagnostics
	var req api.EnvironmentUpdate
	if known(m.OpenClawVersion) && !m.OpenClawVersion.Equal(state.OpenClawVersion) {
		req.OpenClawVersion = shared.Ptr(m.OpenClawVersion.ValueString())
	}
	if known(m.ReleaseChannel) && !m.ReleaseChannel.Equal(state.ReleaseChannel) {
		req.ReleaseChannel = shared.Ptr(m.ReleaseChannel.ValueString())
	}
	if !m.Size.Equal(state.Size) {
		if size, ok, d := m.size(ctx); ok {
			diags.Append(d...)
			req.Size = &size
		}
	}
	if known(m.StateVolumeGB) && !m.StateVolumeGB.Equal(state.StateVolumeGB) {
		req.StateVolumeGB = shared.Ptr(m.StateVolumeGB.ValueInt64())
	}
	if known(m.DesiredState) && !m.DesiredState.Equal(state.DesiredState) {
		req.DesiredState = shared.Ptr(m.DesiredState.ValueString())
	}
	if known(m.DeletionProtection) && !m.DeletionProtection.Equal(state.DeletionProtection) {
		req.DeletionProtection = shared.Ptr(m.DeletionProtection.ValueBool())
	}
	planLabels, d := m.labels(ctx)
	diags.Append(d...)
	stateLabels, d := state.labels(ctx)
	diags.Append(d...)
	if !maps.Equal(planLabels, stateLabels) {
		req.Labels = &planLabels
	}
	if secrets != nil {
		req.Secrets = &secrets
	}
	fs, d := m.finalSnapshotUpdate(ctx, state)
	diags.Append(d...)
	req.FinalSnapshot = fs
	return req, diags
}

// Identity and TimeoutsValue make resourceModel a shared.Model.
func (m *resourceModel) Identity() (id, name, etag string) {
	return m.ID.ValueString(), m.Name.ValueString(), m.ETag.ValueString()
}

func (m *resourceModel) TimeoutsValue() timeouts.Value { return m.Timeouts }

var known = shared.Known
