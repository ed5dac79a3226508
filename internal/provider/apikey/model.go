// Package apikey implements openclaw_api_key: the resource (with built-in
// rotation), the data source and the ephemeral resource, and the
// conversions between their models and the API.
package apikey

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/openclaw/terraform-provider-openclaw/internal/api"
	"github.com/openclaw/terraform-provider-openclaw/internal/provider/shared"
)

// apiFields places API validation errors on the attributes.
var apiFields = shared.Fields{Maps: []string{"labels"}}

// keyModel holds the attributes the resource and the data source share.
type keyModel struct {
	ID                 types.String `tfsdk:"id"`
	Name               types.String `tfsdk:"name"`
	Description        types.String `tfsdk:"description"`
	Scopes             types.Set    `tfsdk:"scopes"`
	EnvironmentID      types.String `tfsdk:"environment_id"`
	AllowedCIDRs       types.Set    `tfsdk:"allowed_cidrs"`
	RateLimitPerMinute types.Int64  `tfsdk:"rate_limit_per_minute"`
	Labels             types.Map    `tfsdk:"labels"`
	ExpiresAt          types.String `tfsdk:"expires_at"`
	Prefix             types.String `tfsdk:"prefix"`
	Status             types.String `tfsdk:"status"`
	CreatedAt          types.String `tfsdk:"created_at"`
	LastUsedAt         types.String `tfsdk:"last_used_at"`
}

// resourceModel is openclaw_api_key's full model.
type resourceModel struct {
	keyModel
	TTL               types.String `tfsdk:"ttl"`
	RotationPeriod    types.String `tfsdk:"rotation_period"`
	RevokeGracePeriod types.String `tfsdk:"revoke_grace_period"`
	RotationDueAt     types.String `tfsdk:"rotation_due_at"`
	Secret            types.String `tfsdk:"secret"`
}

// dataSourceModel is the openclaw_api_key data source's model.
type dataSourceModel struct {
	keyModel
	Ephemeral        types.Bool   `tfsdk:"ephemeral"`
	RevokedAt        types.String `tfsdk:"revoked_at"`
	RevokeGraceUntil types.String `tfsdk:"revoke_grace_until"`
}

// fromAPI sets every shared attribute from the API. Optional collections
// left null in the configuration stay null when the API has them empty, so
// "unset" and "empty" never differ in a plan.
func (m *keyModel) fromAPI(ctx context.Context, k *api.APIKey) diag.Diagnostics {
	var diags diag.Diagnostics
	m.ID = types.StringValue(k.ID)
	m.Name = types.StringValue(k.Name)
	m.Description = types.StringValue(k.Description)
	scopes := slices.Clone(k.Scopes)
	slices.Sort(scopes)
	m.Scopes, diags = types.SetValueFrom(ctx, types.StringType, scopes)
	m.EnvironmentID = optionalString(k.EnvironmentID)
	if len(k.AllowedCIDRs) == 0 && m.AllowedCIDRs.IsNull() {
		m.AllowedCIDRs = types.SetNull(types.StringType)
	} else {
		v, d := types.SetValueFrom(ctx, types.StringType, orEmptyList(k.AllowedCIDRs))
		diags.Append(d...)
		m.AllowedCIDRs = v
	}
	m.RateLimitPerMinute = types.Int64Value(int64(k.RateLimitPerMinute))
	labels, d := shared.LabelsFromAPI(ctx, k.Labels, m.Labels, true)
	diags.Append(d...)
	m.Labels = labels
	m.ExpiresAt = sameInstant(m.ExpiresAt, k.ExpiresAt)
	m.Prefix = types.StringValue(k.Prefix)
	m.Status = types.StringValue(k.Status)
	m.CreatedAt = sameInstant(m.CreatedAt, &k.CreatedAt)
	m.LastUsedAt = timeString(k.LastUsedAt)
	return diags
}

func (m *dataSourceModel) fromAPI(ctx context.Context, k *api.APIKey) diag.Diagnostics {
	diags := m.keyModel.fromAPI(ctx, k)
	m.Ephemeral = types.BoolValue(k.Ephemeral)
	m.RevokedAt = timeString(k.RevokedAt)
	m.RevokeGraceUntil = timeString(k.RevokeGraceUntil)
	return diags
}

// toCreate builds the create request from the plan.
func (m *resourceModel) toCreate(ctx context.Context) (api.APIKeyCreate, diag.Diagnostics) {
	var diags diag.Diagnostics
	req := api.APIKeyCreate{
		Name:               m.Name.ValueString(),
		Description:        m.Description.ValueString(),
		EnvironmentID:      m.EnvironmentID.ValueString(),
		TTL:                m.TTL.ValueString(),
		RateLimitPerMinute: int(m.RateLimitPerMinute.ValueInt64()),
	}
	diags.Append(m.Scopes.ElementsAs(ctx, &req.Scopes, false)...)
	if known(m.AllowedCIDRs) {
		diags.Append(m.AllowedCIDRs.ElementsAs(ctx, &req.AllowedCIDRs, false)...)
	}
	if known(m.Labels) {
		diags.Append(m.Labels.ElementsAs(ctx, &req.Labels, false)...)
	}
	if known(m.ExpiresAt) {
		t, err := time.Parse(time.RFC3339, m.ExpiresAt.ValueString())
		if err != nil {
			diags.AddAttributeError(pathExpiresAt, "Invalid expires_at", err.Error())
		}
		req.ExpiresAt = &t
	}
	slices.Sort(req.Scopes)
	slices.Sort(req.AllowedCIDRs)
	return req, diags
}

// toUpdate holds only the metadata that differs between plan (m) and state;
// ok is false when nothing the API stores changed.
func (m *resourceModel) toUpdate(ctx context.Context, state *resourceModel) (req api.APIKeyUpdate, ok bool, diags diag.Diagnostics) {
	if !m.Name.Equal(state.Name) {
		req.Name, ok = m.Name.ValueStringPointer(), true
	}
	if !m.Description.Equal(state.Description) {
		req.Description, ok = m.Description.ValueStringPointer(), true
	}
	if !m.Labels.Equal(state.Labels) {
		labels := map[string]string{}
		if known(m.Labels) {
			diags.Append(m.Labels.ElementsAs(ctx, &labels, false)...)
		}
		req.Labels, ok = &labels, true
	}
	return req, ok, diags
}

// lifetime is how long a key created from this configuration lives: ttl,
// expires_at relative to now, or the default. ok is false while unknown or
// invalid (the attribute validators report that).
func (m *resourceModel) lifetime(now time.Time) (d time.Duration, ok bool) {
	switch {
	case m.TTL.IsUnknown() || m.ExpiresAt.IsUnknown():
		return 0, false
	case !m.TTL.IsNull():
		d, err := time.ParseDuration(m.TTL.ValueString())
		return d, err == nil
	case !m.ExpiresAt.IsNull():
		t, err := time.Parse(time.RFC3339, m.ExpiresAt.ValueString())
		return t.Sub(now), err == nil
	}
	return api.DefaultKeyTTL, true
}

// rotationDue is when a key created at createdAt is due for rotation with
// period, or nil without a (known, valid) period.
func rotationDue(createdAt, period types.String) *time.Time {
	if !known(createdAt) || !known(period) {
		return nil
	}
	created, err := time.Parse(time.RFC3339, createdAt.ValueString())
	if err != nil {
		return nil
	}
	d, err := time.ParseDuration(period.ValueString())
	if err != nil || d <= 0 {
		return nil
	}
	due := created.Add(d)
	return &due
}

// revokeGrace parses revoke_grace_period (validated at plan time).
func revokeGrace(v types.String) (time.Duration, error) {
	if !known(v) {
		return 0, nil
	}
	d, err := time.ParseDuration(v.ValueString())
	if err != nil {
		return 0, fmt.Errorf("revoke_grace_period %q is not a duration: %w", v.ValueString(), err)
	}
	return d, nil
}

// sameInstant keeps prev (as configured, maybe in another zone or without
// fractional seconds) when it denotes t; otherwise t in UTC RFC 3339.
func sameInstant(prev types.String, t *time.Time) types.String {
	if t == nil {
		return types.StringNull()
	}
	if known(prev) {
		if p, err := time.Parse(time.RFC3339, prev.ValueString()); err == nil && p.Truncate(time.Second).Equal(t.Truncate(time.Second)) {
			return prev
		}
	}
	return types.StringValue(t.UTC().Format(time.RFC3339))
}

func timeString(t *time.Time) types.String {
	if t == nil {
		return types.StringNull()
	}
	return types.StringValue(t.UTC().Format(time.RFC3339))
}

func optionalString(s string) types.String {
	if s == "" {
		return types.StringNull()
	}
	return types.StringValue(s)
}

var known = shared.Known

func orEmptyList(l []string) []string {
	if l == nil {
		return []string{}
	}
	return l
}
