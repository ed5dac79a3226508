package apikey

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/openclaw/terraform-provider-openclaw/internal/api"
)

var now0 = time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)

func sampleKey() *api.APIKey {
	exp := now0.Add(60 * 24 * time.Hour)
	used := now0.Add(-time.Minute)
	return &api.APIKey{
		ID: "key_1", Name: "ci", Description: "CI", Prefix: "ocp_AbCdEfGh",
		Scopes: []string{api.ScopeEnvironmentsRead, api.ScopeAPIKeysManage}, AllowedCIDRs: []string{}, RateLimitPerMinute: 0,
		Labels: map[string]string{}, Status: api.KeyStatusActive, ExpiresAt: &exp,
		CreatedAt: now0.Add(-30 * 24 * time.Hour).Add(123 * time.Microsecond), UpdatedAt: now0, LastUsedAt: &used,
	}
}

// nullModel is a resource model with every attribute null, typed.
func nullModel() resourceModel {
	s := types.StringNull()
	return resourceModel{
		keyModel: keyModel{
			ID: s, Name: s, Description: s, Scopes: types.SetNull(types.StringType), EnvironmentID: s,
			AllowedCIDRs: types.SetNull(types.StringType), RateLimitPerMinute: types.Int64Null(), Labels: types.MapNull(types.StringType),
			ExpiresAt: s, Prefix: s, Status: s, CreatedAt: s, LastUsedAt: s,
		},
		TTL: s, RotationPeriod: s, RevokeGracePeriod: s, RotationDueAt: s, Secret: s,
	}
}

func TestFromAPI(t *testing.T) {
	ctx := context.Background()
	m := nullModel()
	m.ExpiresAt = types.StringValue(sampleKey().ExpiresAt.In(time.FixedZone("CET", 3600)).Format(time.RFC3339))
	if d := m.fromAPI(ctx, sampleKey()); d.HasError() {
		t.Fatal(d)
	}
	var scopes []string
	m.Scopes.ElementsAs(ctx, &scopes, false)
	if !slices.Equal(scopes, []string{api.ScopeAPIKeysManage, api.ScopeEnvironmentsRead}) {
		t.Errorf("scopes %v", scopes)
	}
	// Unset collections stay null when the API has them empty; an empty
	// environment is null.
	if !m.AllowedCIDRs.IsNull() || !m.Labels.IsNull() || !m.EnvironmentID.IsNull() {
		t.Errorf("cidrs %v labels %v environment %v, want null", m.AllowedCIDRs, m.Labels, m.EnvironmentID)
	}
	// The configured expiry is kept as written when it is the same instant.
	if !strings.HasSuffix(m.ExpiresAt.ValueString(), "+01:00") {
		t.Errorf("expires_at %s: the configured form was not kept", m.ExpiresAt)
	}
	if m.CreatedAt.ValueString() != "2026-10-23T12:00:00Z" || m.LastUsedAt.ValueString() != "2026-11-22T11:59:00Z" {
		t.Errorf("created_at %s last_used_at %s", m.CreatedAt, m.LastUsedAt)
	}
	if m.Status.ValueString() != "active" || m.Prefix.ValueString() != "ocp_AbCdEfGh" || m.RateLimitPerMinute.ValueInt64() != 0 {
		t.Errorf("scalars: %+v", m.keyModel)
	}

	// Set (even empty) collections are kept as sets.
	m.Labels = types.MapValueMust(types.StringType, nil)
	k := sampleKey()
	k.AllowedCIDRs = []string{"10.0.0.0/8"}
	k.EnvironmentID = "env_1"
	k.ExpiresAt = nil
	m.fromAPI(ctx, k)
	if m.Labels.IsNull() || len(m.Labels.Elements()) != 0 || len(m.AllowedCIDRs.Elements()) != 1 || m.EnvironmentID.ValueString() != "env_1" || !m.ExpiresAt.IsNull() {
		t.Errorf("labels %v cidrs %v env %v expires %v", m.Labels, m.AllowedCIDRs, m.EnvironmentID, m.ExpiresAt)
	}

	var ds dataSourceModel
	ds.keyModel = nullModel().keyModel
	k = sampleKey()
	k.RevokedAt, k.RevokeGraceUntil, k.Ephemeral = &now0, ptr(now0.Add(time.Hour)), true
	ds.fromAPI(ctx, k)
	if ds.RevokedAt.ValueString() != "2026-11-22T12:00:00Z" || ds.RevokeGraceUntil.ValueString() != "2026-11-22T13:00:00Z" || !ds.Ephemeral.ValueBool() {
		t.Errorf("data source: %+v", ds)
	}
}

func ptr[T any](v T) *T { return &v }

type attrValue = attr.Value

func TestToCreateAndUpdate(t *testing.T) {
	ctx := context.Background()
	m := nullModel()
	m.Name = types.StringValue("ci")
	m.Description = types.StringValue("")
	m.Scopes = types.SetValueMust(types.StringType, []attrValue{types.StringValue("environments:write"), types.StringValue("api_keys:manage")})
	m.AllowedCIDRs = types.SetValueMust(types.StringType, []attrValue{types.StringValue("10.0.0.0/8")})
	m.RateLimitPerMinute = types.Int64Value(60)
	m.TTL = types.StringValue("720h")
	m.ExpiresAt = types.StringUnknown()
	req, d := m.toCreate(ctx)
	if d.HasError() {
		t.Fatal(d)
	}
	if req.Name != "ci" || !slices.Equal(req.Scopes, []string{"api_keys:manage", "environments:write"}) || req.TTL != "720h" ||
		req.ExpiresAt != nil || req.RateLimitPerMinute != 60 || !slices.Equal(req.AllowedCIDRs, []string{"10.0.0.0/8"}) || req.Labels != nil || req.Ephemeral {
		t.Errorf("create %+v", req)
	}
	m.TTL, m.ExpiresAt = types.StringNull(), types.StringValue("2027-01-01T00:00:00+01:00")
	if req, _ = m.toCreate(ctx); req.ExpiresAt == nil || !req.ExpiresAt.Equal(time.Date(2026, 12, 31, 23, 0, 0, 0, time.UTC)) {
		t.Errorf("expires_at %v", req.ExpiresAt)
	}

	state := m
	if _, changed, _ := m.toUpdate(ctx, &state); changed {
		t.Error("no change, yet an update")
	}
	m.Name = types.StringValue("ci-2")
	m.Labels = types.MapValueMust(types.StringType, map[string]attrValue{"team": types.StringValue("ml")})
	m.RotationPeriod = types.StringValue("720h") // Terraform-side only
	upd, changed, _ := m.toUpdate(ctx, &state)
	if !changed || *upd.Name != "ci-2" || upd.Description != nil || (*upd.Labels)["team"] != "ml" {
		t.Errorf("update %+v", upd)
	}
	// Labels removed: sent as an empty map.
	state, m.Labels = m, types.MapNull(types.StringType)
	if upd, changed, _ = m.toUpdate(ctx, &state); !changed || upd.Labels == nil || len(*upd.Labels) != 0 {
		t.Errorf("labels removal %+v", upd)
	}
}

func TestRotationDue(t *testing.T) {
	created := types.StringValue("2026-10-01T00:00:00Z")
	if due := rotationDue(created, types.StringValue("720h")); due == nil || !due.Equal(time.Date(2026, 10, 31, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("due %v", due)
	}
	for _, c := range [][2]types.String{
		{created, types.StringNull()}, {created, types.StringUnknown()}, {types.StringUnknown(), types.StringValue("720h")},
		{created, types.StringValue("a month")}, {types.StringValue("yesterday"), types.StringValue("720h")},
	} {
		if due := rotationDue(c[0], c[1]); due != nil {
			t.Errorf("rotationDue(%v, %v) = %v, want nil", c[0], c[1], due)
		}
	}
}

// planFor runs ModifyPlan on a plan (and state, nil on create) at now0.
func planFor(t *testing.T, cfg resourceModel, state *resourceModel) (resourceModel, *resource.ModifyPlanResponse) {
	t.Helper()
	ctx := context.Background()
	r := &Resource{now: func() time.Time { return now0 }}
	var sr resource.SchemaResponse
	r.Schema(ctx, resource.SchemaRequest{}, &sr)
	s := sr.Schema
	raw := func(m *resourceModel) tftypes.Value {
		st := tfsdk.State{Schema: s, Raw: tftypes.NewValue(s.Type().TerraformType(ctx), nil)}
		if m == nil {
			return st.Raw
		}
		if d := st.Set(ctx, m); d.HasError() {
			t.Fatal(d)
		}
		return st.Raw
	}
	plan := cfg
	if state != nil {
		// What the framework plans before ModifyPlan: computed values kept.
		plan.ID, plan.Prefix, plan.Status, plan.CreatedAt = state.ID, state.Prefix, state.Status, state.CreatedAt
		plan.ExpiresAt, plan.Secret = state.ExpiresAt, types.StringUnknown()
		plan.RotationDueAt, plan.LastUsedAt = state.RotationDueAt, state.LastUsedAt
	}
	req := resource.ModifyPlanRequest{
		Config: tfsdk.Config{Schema: s, Raw: raw(&cfg)},
		Plan:   tfsdk.Plan{Schema: s, Raw: raw(&plan)},
		State:  tfsdk.State{Schema: s, Raw: raw(state)},
	}
	resp := &resource.ModifyPlanResponse{Plan: req.Plan}
	r.ModifyPlan(ctx, req, resp)
	var out resourceModel
	if d := resp.Plan.Get(ctx, &out); d.HasError() {
		t.Fatal(d)
	}
	return out, resp
}

func configured() resourceModel {
	m := nullModel()
	m.Name = types.StringValue("ci")
	m.Description = types.StringValue("")
	m.Scopes = types.SetValueMust(types.StringType, []attrValue{types.StringValue("environments:read")})
	m.RateLimitPerMinute = types.Int64Value(0)
	return m
}

func existing(createdAgo time.Duration, period string) (cfg, state resourceModel) {
	cfg = configured()
	cfg.RotationPeriod = optionalString(period)
	cfg.RevokeGracePeriod = types.StringValue("24h")
	state = cfg
	state.ID, state.Prefix, state.Status = types.StringValue("key_1"), types.StringValue("ocp_AbCdEfGh"), types.StringValue("active")
	state.CreatedAt = types.StringValue(now0.Add(-createdAgo).Format(time.RFC3339))
	state.ExpiresAt = types.StringValue(now0.Add(60 * 24 * time.Hour).Format(time.RFC3339))
	state.Secret = types.StringValue("ocp_secret")
	state.LastUsedAt = types.StringNull()
	state.RotationDueAt = timeString(rotationDue(state.CreatedAt, state.RotationPeriod))
	return cfg, state
}

// TestModifyPlanRotation: past created_at + rotation_period the plan
// replaces the key and a warning says why; before it, nothing changes.
func TestModifyPlanRotation(t *testing.T) {
	cfg, state := existing(31*24*time.Hour, "720h")
	plan, resp := planFor(t, cfg, &state)
	if !slices.ContainsFunc(resp.RequiresReplace, func(p path.Path) bool { return p.Equal(pathRotationDueAt) }) {
		t.Fatalf("RequiresReplace %v: the due key is not replaced", resp.RequiresReplace)
	}
	if !plan.RotationDueAt.IsUnknown() {
		t.Errorf("rotation_due_at %v, want unknown (a new key's)", plan.RotationDueAt)
	}
	if len(resp.Diagnostics) != 1 || resp.Diagnostics[0].Summary() != "API key due for rotation" {
		t.Fatalf("diagnostics %v", resp.Diagnostics)
	}
	detail := resp.Diagnostics[0].Detail()
	for _, want := range []string{`"ci"`, "key_1", "ocp_AbCdEfGh", "rotation_period of 720h elapsed at 2026-11-21T12:00:00Z", "revoke_grace_period (24h)"} {
		if !strings.Contains(detail, want) {
			t.Errorf("the warning does not say %q: %s", want, detail)
		}
	}

	cfg, state = existing(29*24*time.Hour, "720h")
	plan, resp = planFor(t, cfg, &state)
	if len(resp.RequiresReplace) != 0 || resp.Diagnostics.HasError() || len(resp.Diagnostics) != 0 {
		t.Errorf("not yet due, yet %v %v", resp.RequiresReplace, resp.Diagnostics)
	}
	if !plan.RotationDueAt.Equal(state.RotationDueAt) || plan.RotationDueAt.ValueString() != "2026-11-23T12:00:00Z" {
		t.Errorf("rotation_due_at %v", plan.RotationDueAt)
	}
	if !plan.Secret.Equal(state.Secret) {
		t.Errorf("secret planned as %v: the secret of an unchanged key must be kept", plan.Secret)
	}

	// Shortening the period in place makes a key due at once.
	cfg.RotationPeriod = types.StringValue("648h")
	if _, resp = planFor(t, cfg, &state); len(resp.RequiresReplace) != 1 {
		t.Errorf("a period shortened below the key's age did not replace it")
	}
	// Without a rotation period nothing is due.
	cfg.RotationPeriod = types.StringNull()
	if plan, resp = planFor(t, cfg, &state); len(resp.RequiresReplace) != 0 || !plan.RotationDueAt.IsNull() {
		t.Errorf("no period: %v, rotation_due_at %v", resp.RequiresReplace, plan.RotationDueAt)
	}
}

// TestModifyPlanCreate: a configured expiry is bounded against the clock
// and must outlive the rotation period.
func TestModifyPlanCreate(t *testing.T) {
	cases := []struct {
		name      string
		expiresAt time.Duration // from now0; 0: not configured
		period    string
		wantErr   string
	}{
		{"default", 0, "", ""},
		{"in bounds", 48 * time.Hour, "24h", ""},
		{"too soon", 30 * time.Minute, "", "Expiry out of range"},
		{"too late", 400 * 24 * time.Hour, "", "Expiry out of range"},
		{"expires before rotation", 48 * time.Hour, "72h", "Rotation period longer than the key's life"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg := configured()
			cfg.RotationPeriod = optionalString(c.period)
			if c.expiresAt != 0 {
				cfg.ExpiresAt = types.StringValue(now0.Add(c.expiresAt).Format(time.RFC3339))
			}
			plan, resp := planFor(t, cfg, nil)
			switch {
			case c.wantErr == "" && resp.Diagnostics.HasError():
				t.Errorf("unexpected %v", resp.Diagnostics)
			case c.wantErr != "" && (!resp.Diagnostics.HasError() || resp.Diagnostics[0].Summary() != c.wantErr):
				t.Errorf("diagnostics %v, want %q", resp.Diagnostics, c.wantErr)
			}
			if c.period == "" && !plan.RotationDueAt.IsNull() {
				t.Errorf("rotation_due_at %v without a period, want null", plan.RotationDueAt)
			}
		})
	}
}

func TestValidateConfigRotationFits(t *testing.T) {
	ctx := context.Background()
	r := NewResource().(*Resource)
	var sr resource.SchemaResponse
	r.Schema(ctx, resource.SchemaRequest{}, &sr)
	cases := []struct {
		ttl, period string
		wantErr     bool
	}{
		{"", "720h", false},
		{"", "2160h", true}, // the default lifetime is 2160h
		{"720h", "720h", true},
		{"720h", "719h", false},
		{"1h", "", false},
	}
	for _, c := range cases {
		cfg := configured()
		cfg.TTL, cfg.RotationPeriod = optionalString(c.ttl), optionalString(c.period)
		st := tfsdk.State{Schema: sr.Schema, Raw: tftypes.NewValue(sr.Schema.Type().TerraformType(ctx), nil)}
		st.Set(ctx, &cfg)
		resp := &resource.ValidateConfigResponse{}
		r.ValidateConfig(ctx, resource.ValidateConfigRequest{Config: tfsdk.Config{Schema: sr.Schema, Raw: st.Raw}}, resp)
		if resp.Diagnostics.HasError() != c.wantErr {
			t.Errorf("ttl %q rotation_period %q: %v", c.ttl, c.period, resp.Diagnostics)
		}
	}
}
