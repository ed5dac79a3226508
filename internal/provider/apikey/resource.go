package apikey

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/resourcevalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/setvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/int64default"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/int64planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/setplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/openclaw/terraform-provider-openclaw/internal/api"
	"github.com/openclaw/terraform-provider-openclaw/internal/client"
	"github.com/openclaw/terraform-provider-openclaw/internal/provider/shared"
	"github.com/openclaw/terraform-provider-openclaw/internal/provider/validators"
)

var (
	_ resource.ResourceWithConfigure        = (*Resource)(nil)
	_ resource.ResourceWithImportState      = (*Resource)(nil)
	_ resource.ResourceWithModifyPlan       = (*Resource)(nil)
	_ resource.ResourceWithValidateConfig   = (*Resource)(nil)
	_ resource.ResourceWithConfigValidators = (*Resource)(nil)
)

var (
	pathExpiresAt      = path.Root("expires_at")
	pathRotationPeriod = path.Root("rotation_period")
	pathRotationDueAt  = path.Root("rotation_due_at")
)

// Resource is openclaw_api_key.
type Resource struct {
	shared.ResourceBase
	// now is the clock rotation is judged by (unit tests set it).
	now func() time.Time
}

// NewResource is the factory the provider registers.
func NewResource() resource.Resource {
	return &Resource{ResourceBase: shared.ResourceBase{TypeName: "_api_key"}, now: time.Now}
}

// scopeValidator names a bad scope and lists the valid ones.
type scopeValidator struct{}

func (scopeValidator) Description(context.Context) string {
	return "one of the scopes " + strings.Join(api.Scopes(), ", ")
}
func (v scopeValidator) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (scopeValidator) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() || api.ValidScope(req.ConfigValue.ValueString()) {
		return
	}
	resp.Diagnostics.AddAttributeError(req.Path, "Unknown scope",
		fmt.Sprintf("%q is not an OpenClaw scope. Valid scopes: %s.", req.ConfigValue.ValueString(), strings.Join(api.Scopes(), ", ")))
}

func scopesValidators() []validator.Set {
	return []validator.Set{setvalidator.SizeAtLeast(1), setvalidator.ValueStringsAre(scopeValidator{})}
}

func cidrsValidators() []validator.Set {
	return []validator.Set{setvalidator.SizeAtMost(api.MaxKeyAllowedCIDRs), setvalidator.ValueStringsAre(validators.CIDR())}
}

func (r *Resource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	keep := []planmodifier.String{stringplanmodifier.UseStateForUnknown()}
	resp.Schema = schema.Schema{
		MarkdownDescription: "A scoped, expiring API key for the OpenClaw control plane, for example one key per service or per environment. " +
			"The secret is known only after creation and is stored in the Terraform state (mark outputs that expose it `sensitive`); " +
			"to keep it out of the state altogether, use the `openclaw_api_key` ephemeral resource. Name, description and labels change in place; " +
			"anything that changes what the key may do replaces it. With `rotation_period` the key is replaced once it is that old.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{Computed: true, MarkdownDescription: desc["id"], PlanModifiers: keep},
			"name": schema.StringAttribute{
				Required: true, MarkdownDescription: desc["name"], Validators: validators.Name(),
			},
			"description": schema.StringAttribute{
				Optional: true, Computed: true, Default: stringdefault.StaticString(""), MarkdownDescription: desc["description"],
				Validators: []validator.String{stringvalidator.LengthAtMost(api.MaxKeyDescription)},
			},
			"scopes": schema.SetAttribute{
				Required: true, ElementType: types.StringType, MarkdownDescription: desc["scopes"], Validators: scopesValidators(),
				PlanModifiers: []planmodifier.Set{setplanmodifier.RequiresReplace()},
			},
			"environment_id": schema.StringAttribute{
				Optional: true, MarkdownDescription: desc["environment_id"],
				Validators:    []validator.String{stringvalidator.LengthAtLeast(1)},
				PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()},
			},
			"ttl": schema.StringAttribute{
				Optional: true, MarkdownDescription: desc["ttl"],
				Validators:    []validator.String{validators.Duration(api.MinKeyTTL, api.MaxKeyTTL)},
				PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()},
			},
			"expires_at": schema.StringAttribute{
				Optional: true, Computed: true, MarkdownDescription: desc["expires_at"],
				Validators:    []validator.String{validators.RFC3339()},
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown(), stringplanmodifier.RequiresReplaceIfConfigured()},
			},
			"allowed_cidrs": schema.SetAttribute{
				Optional: true, ElementType: types.StringType, MarkdownDescription: desc["allowed_cidrs"], Validators: cidrsValidators(),
				PlanModifiers: []planmodifier.Set{setplanmodifier.RequiresReplace()},
			},
			"rate_limit_per_minute": schema.Int64Attribute{
				Optional: true, Computed: true, Default: int64default.StaticInt64(0), MarkdownDescription: desc["rate_limit"],
				Validators:    []validator.Int64{int64validator.Between(0, api.MaxKeyRatePerMin)},
				PlanModifiers: []planmodifier.Int64{int64planmodifier.RequiresReplace()},
			},
			"labels": schema.MapAttribute{
				Optional: true, ElementType: types.StringType, MarkdownDescription: desc["labels"], Validators: validators.Labels(),
			},
			"rotation_period": schema.StringAttribute{
				Optional: true, MarkdownDescription: desc["rotation_period"],
				Validators: []validator.String{validators.Duration(api.MinKeyTTL, api.MaxKeyTTL)},
			},
			"revoke_grace_period": schema.StringAttribute{
				Optional: true, MarkdownDescription: desc["revoke_grace_period"],
				Validators: []validator.String{validators.Duration(0, api.MaxRevokeGracePeriod)},
			},
			"rotation_due_at": schema.StringAttribute{Computed: true, MarkdownDescription: desc["rotation_due_at"]},
			"secret": schema.StringAttribute{
				Computed: true, Sensitive: true, MarkdownDescription: desc["secret"], PlanModifiers: keep,
			},
			"prefix":       schema.StringAttribute{Computed: true, MarkdownDescription: desc["prefix"], PlanModifiers: keep},
			"status":       schema.StringAttribute{Computed: true, MarkdownDescription: desc["resource.status"]},
			"created_at":   schema.StringAttribute{Computed: true, MarkdownDescription: desc["created_at"], PlanModifiers: keep},
			"last_used_at": schema.StringAttribute{Computed: true, MarkdownDescription: desc["last_used_at"]},
		},
	}
}

func (r *Resource) ConfigValidators(context.Context) []resource.ConfigValidator {
	return []resource.ConfigValidator{
		resourcevalidator.Conflicting(path.MatchRoot("ttl"), path.MatchRoot("expires_at")),
	}
}

// ValidateConfig refuses a rotation period the key would not live to see
// (expires_at is checked against the clock in ModifyPlan, on create only).
func (r *Resource) ValidateConfig(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	var cfg resourceModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	if resp.Diagnostics.HasError() || !known(cfg.RotationPeriod) || !cfg.ExpiresAt.IsNull() {
		return
	}
	checkRotationFits(&cfg, time.Now(), &resp.Diagnostics)
}

// checkRotationFits reports a rotation_period not shorter than the key's
// lifetime: the key would expire first.
func checkRotationFits(cfg *resourceModel, now time.Time, diags interface {
	AddAttributeError(path.Path, string, string)
}) {
	period, err := time.ParseDuration(cfg.RotationPeriod.ValueString())
	life, ok := cfg.lifetime(now)
	if err != nil || !ok || period < life {
		return
	}
	source := "the default lifetime of 2160h (90 days)"
	switch {
	case !cfg.TTL.IsNull():
		source = fmt.Sprintf("ttl %s", cfg.TTL.ValueString())
	case !cfg.ExpiresAt.IsNull():
		source = fmt.Sprintf("expires_at %s, %s from now", cfg.ExpiresAt.ValueString(), life.Round(time.Minute))
	}
	diags.AddAttributeError(pathRotationPeriod, "Rotation period longer than the key's life",
		fmt.Sprintf("rotation_period %s is not shorter than the key's lifetime (%s): the key would expire before it is rotated. Choose a rotation_period below the lifetime (for example ttl = \"2160h\" with rotation_period = \"720h\").",
			cfg.RotationPeriod.ValueString(), source))
}

// ModifyPlan checks expiry bounds on create and implements rotation: once
// created_at + rotation_period has passed, rotation_due_at becomes unknown
// and requires replacement, and a warning says why.
func (r *Resource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.Plan.Raw.IsNull() {
		return // destroy
	}
	var plan resourceModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	now := r.now()
	if req.State.Raw.IsNull() {
		var cfg resourceModel
		resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
		if resp.Diagnostics.HasError() {
			return
		}
		r.checkNewExpiry(&cfg, now, resp)
		shared.CheckEnvironmentReference(ctx, r.ProviderData(), path.Root("environment_id"), cfg.EnvironmentID, &resp.Diagnostics)
		if known(cfg.RotationPeriod) && !cfg.ExpiresAt.IsNull() {
			checkRotationFits(&cfg, now, &resp.Diagnostics)
		}
		if cfg.RotationPeriod.IsNull() {
			plan.RotationDueAt = types.StringNull()
		}
		plan.Status = types.StringValue(api.KeyStatusActive) // a new key is active
		resp.Diagnostics.Append(resp.Plan.Set(ctx, &plan)...)
		return
	}
	var state resourceModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if !plan.EnvironmentID.Equal(state.EnvironmentID) {
		shared.CheckEnvironmentReference(ctx, r.ProviderData(), path.Root("environment_id"), plan.EnvironmentID, &resp.Diagnostics)
	}
	// The secret is never readable: keep what creation returned (null
	// after an import) instead of planning an unknown value.
	plan.Secret = state.Secret
	// A key in the state is active (Read removes any other), and changing
	// its name, description or labels keeps it so.
	plan.Status = types.StringValue(api.KeyStatusActive)
	due := rotationDue(state.CreatedAt, plan.RotationPeriod)
	switch {
	case plan.RotationPeriod.IsUnknown():
		plan.RotationDueAt = types.StringUnknown()
	case due == nil:
		plan.RotationDueAt = types.StringNull()
	case now.Before(*due):
		plan.RotationDueAt = types.StringValue(due.UTC().Format(time.RFC3339))
	default:
		plan.RotationDueAt = types.StringUnknown()
		resp.RequiresReplace = append(resp.RequiresReplace, pathRotationDueAt)
		resp.Diagnostics.AddAttributeWarning(pathRotationPeriod, "API key due for rotation", rotationMessage(&state, plan.RotationPeriod.ValueString(), *due))
	}
	resp.Diagnostics.Append(resp.Plan.Set(ctx, &plan)...)
}

func rotationMessage(state *resourceModel, period string, due time.Time) string {
	msg := fmt.Sprintf("API key %q (%s, prefix %s) was created at %s; its rotation_period of %s elapsed at %s. This plan replaces it with a new key.",
		state.Name.ValueString(), state.ID.ValueString(), state.Prefix.ValueString(), state.CreatedAt.ValueString(), period, due.UTC().Format(time.RFC3339))
	if known(state.RevokeGracePeriod) {
		return msg + fmt.Sprintf(" The old key is revoked when it is destroyed and keeps working for revoke_grace_period (%s); with lifecycle { create_before_destroy = true } the new key exists before that.", state.RevokeGracePeriod.ValueString())
	}
	return msg + " The old key is revoked at once when it is destroyed; for a rotation without downtime set revoke_grace_period and lifecycle { create_before_destroy = true }."
}

// checkNewExpiry applies the control plane's bounds to a configured
// expires_at at plan time: between one hour and one year from now.
func (r *Resource) checkNewExpiry(cfg *resourceModel, now time.Time, resp *resource.ModifyPlanResponse) {
	if !known(cfg.ExpiresAt) {
		return
	}
	t, err := time.Parse(time.RFC3339, cfg.ExpiresAt.ValueString())
	if err != nil {
		return // reported by the attribute's validator
	}
	const bounds = "a new key must expire between 1h and 8760h (one year) from its creation"
	switch d := t.Sub(now); {
	case d <= 0:
		resp.Diagnostics.AddAttributeError(pathExpiresAt, "Expiry out of range",
			fmt.Sprintf("expires_at %s is in the past (%s ago); %s. Choose a time at least an hour from now, or use ttl (such as ttl = \"720h\") instead.",
				cfg.ExpiresAt.ValueString(), roughly(-d), bounds))
	case d < api.MinKeyTTL:
		resp.Diagnostics.AddAttributeError(pathExpiresAt, "Expiry out of range",
			fmt.Sprintf("expires_at %s is only %s from now; %s. Choose a later time.", cfg.ExpiresAt.ValueString(), roughly(d), bounds))
	case d > api.MaxKeyTTL:
		resp.Diagnostics.AddAttributeError(pathExpiresAt, "Expiry out of range",
			fmt.Sprintf("expires_at %s is %s from now; %s. Choose an earlier time, no later than %s.",
				cfg.ExpiresAt.ValueString(), roughly(d), bounds, now.Add(api.MaxKeyTTL).UTC().Format(time.RFC3339)))
	}
}

func (r *Resource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan resourceModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	body, d := plan.toCreate(ctx)
	resp.Diagnostics.Append(d...)
	if resp.Diagnostics.HasError() {
		return
	}
	created, err := r.ProviderData().Client.CreateAPIKey(ctx, body)
	if err != nil {
		shared.AddCreateError(&resp.Diagnostics, fmt.Sprintf("create API key %q", body.Name), err, apiFields,
			fmt.Sprintf("Look for it (data \"openclaw_api_key\" with name = %q, or GET /v1/api-keys?name=%s). Its secret cannot be read back, so revoke it (DELETE /v1/api-keys/<id>) and apply again; `terraform import` would adopt it without a secret.", body.Name, body.Name))
		return
	}
	resp.Diagnostics.Append(plan.fromAPI(ctx, &created.Key)...)
	plan.Secret = types.StringValue(created.Secret)
	plan.RotationDueAt = timeString(rotationDue(plan.CreatedAt, plan.RotationPeriod))
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

func (r *Resource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state resourceModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	id := state.ID.ValueString()
	k, err := r.ProviderData().Client.GetAPIKey(ctx, id)
	if errors.Is(err, client.ErrNotFound) {
		tflog.Warn(ctx, "API key is gone from the control plane; removing it from state", map[string]any{"id": id})
		resp.State.RemoveResource(ctx)
		return
	}
	if err != nil {
		shared.AddError(&resp.Diagnostics, fmt.Sprintf("read API key %s", id), err, apiFields)
		return
	}
	if k.Status != api.KeyStatusActive {
		// Revoked and expired keys stay readable for audit, but for
		// Terraform they are gone: the next plan creates a new key.
		resp.Diagnostics.AddWarning(fmt.Sprintf("API key %s is %s", k.Prefix, k.Status), goneDetail(k))
		resp.State.RemoveResource(ctx)
		return
	}
	resp.Diagnostics.Append(state.fromAPI(ctx, k)...)
	state.RotationDueAt = timeString(rotationDue(state.CreatedAt, state.RotationPeriod))
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}

func goneDetail(k *api.APIKey) string {
	var why string
	switch {
	case k.Status == api.KeyStatusExpired && k.ExpiresAt != nil:
		why = "expired at " + k.ExpiresAt.UTC().Format(time.RFC3339)
	case k.RevokedAt != nil && k.RevokeGraceUntil != nil:
		why = fmt.Sprintf("was revoked at %s (its secret works until %s)", k.RevokedAt.UTC().Format(time.RFC3339), k.RevokeGraceUntil.UTC().Format(time.RFC3339))
	case k.RevokedAt != nil:
		why = "was revoked at " + k.RevokedAt.UTC().Format(time.RFC3339)
	}
	return fmt.Sprintf("API key %q (%s) %s outside this configuration. Terraform removes it from the state and plans a new key.", k.Name, k.ID, why)
}

func (r *Resource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, state resourceModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	id := state.ID.ValueString()
	body, changed, d := plan.toUpdate(ctx, &state)
	resp.Diagnostics.Append(d...)
	if resp.Diagnostics.HasError() {
		return
	}
	var (
		k   *api.APIKey
		err error
	)
	if changed {
		k, err = r.ProviderData().Client.UpdateAPIKey(ctx, id, body)
	} else {
		// Only Terraform-side settings changed (rotation_period,
		// revoke_grace_period): refresh the computed values.
		k, err = r.ProviderData().Client.GetAPIKey(ctx, id)
	}
	if err != nil {
		shared.AddError(&resp.Diagnostics, fmt.Sprintf("update API key %q (%s)", state.Name.ValueString(), id), err, apiFields)
		return
	}
	resp.Diagnostics.Append(plan.fromAPI(ctx, k)...)
	plan.Secret = state.Secret
	plan.RotationDueAt = timeString(rotationDue(plan.CreatedAt, plan.RotationPeriod))
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

// Delete revokes the key, keeping it valid for revoke_grace_period.
func (r *Resource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state resourceModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	grace, err := revokeGrace(state.RevokeGracePeriod)
	if err != nil {
		resp.Diagnostics.AddAttributeError(path.Root("revoke_grace_period"), "Invalid revoke_grace_period", err.Error())
		return
	}
	id := state.ID.ValueString()
	_, err = r.ProviderData().Client.RevokeAPIKey(ctx, id, grace)
	if err != nil && !errors.Is(err, client.ErrNotFound) {
		shared.AddError(&resp.Diagnostics, fmt.Sprintf("revoke API key %q (%s)", state.Name.ValueString(), id), err, apiFields)
	}
}

// ImportState accepts an ID (key_...) or a name. The secret cannot be read
// back, so it stays null.
func (r *Resource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	id := req.ID
	if !strings.HasPrefix(id, "key_") {
		k, err := r.ProviderData().Client.FindAPIKeyByName(ctx, id)
		if err != nil {
			shared.AddError(&resp.Diagnostics, fmt.Sprintf("import API key %q (not a key_ ID, so looked up by name)", id), err, shared.Fields{})
			return
		}
		id = k.ID
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), id)...)
}

// roughly is a duration as people say it: "3 days", "6 years", "25 minutes".
func roughly(d time.Duration) string {
	const day = 24 * time.Hour
	unit := func(n int64, one string) string {
		if n == 1 {
			return "1 " + one
		}
		return fmt.Sprintf("%d %ss", n, one)
	}
	switch {
	case d >= 2*365*day:
		return unit(int64(d/(365*day)), "year")
	case d >= 2*day:
		return unit(int64(d/day), "day")
	case d >= 2*time.Hour:
		return unit(int64(d/time.Hour), "hour")
	case d >= time.Minute:
		return unit(int64(d/time.Minute), "minute")
	}
	return unit(int64(d/time.Second), "second")
}
