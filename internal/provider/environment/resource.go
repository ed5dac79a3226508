package environment

import (
	"context"
	"fmt"
	"maps"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/mapvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/booldefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/int64default"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/objectdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/openclaw/terraform-provider-openclaw/internal/api"
	"github.com/openclaw/terraform-provider-openclaw/internal/client"
	"github.com/openclaw/terraform-provider-openclaw/internal/ocversion"
	"github.com/openclaw/terraform-provider-openclaw/internal/provider/shared"
	"github.com/openclaw/terraform-provider-openclaw/internal/provider/validators"
)

var (
	_ resource.ResourceWithConfigure      = (*Resource)(nil)
	_ resource.ResourceWithImportState    = (*Resource)(nil)
	_ resource.ResourceWithModifyPlan     = (*Resource)(nil)
	_ resource.ResourceWithValidateConfig = (*Resource)(nil)
)

const (
	defaultCPUs          = 2
	defaultMemoryMB      = 4096
	defaultStateVolumeGB = 10
)

// Resource is openclaw_environment: the shared lifecycle plus this
// family's schema and plan rules.
type Resource struct {
	shared.Lifecycle[resourceModel, *resourceModel, api.Environment]
}

// NewResource is the factory the provider registers.
func NewResource() resource.Resource {
	return &Resource{shared.Lifecycle[resourceModel, *resourceModel, api.Environment]{
		ResourceBase: shared.ResourceBase{TypeName: "_environment"},
		Noun:         "environment",
		Fields:       apiFields,
		CreateAPI: func(ctx context.Context, c *client.Client, plan, cfg *resourceModel, diags *diag.Diagnostics) (*api.Operation, error) {
			secrets, d := shared.StringMap(ctx, cfg.SecretsWO)
			diags.Append(d...)
			body, d := plan.toCreate(ctx, secrets)
			if diags.Append(d...); diags.HasError() {
				return nil, nil
			}
			return c.CreateEnvironment(ctx, body)
		},
		ReadAPI: func(ctx context.Context, c *client.Client, id string) (*api.Environment, error) {
			return c.GetEnvironment(ctx, id)
		},
		AdoptHint: func(plan *resourceModel) string {
			name := plan.Name.ValueString()
			return fmt.Sprintf("Look for it (data \"openclaw_environments\" or GET /v1/environments?name=%s). If it is there, adopt it with `terraform import <address of this resource> %s` instead of applying again, or delete it.", name, name)
		},
		Gone: func(env *api.Environment) bool { return env.Status == api.EnvStatusDeleting },
		FromAPI: func(ctx context.Context, pd *shared.ProviderData, m *resourceModel, env *api.Environment) diag.Diagnostics {
			diags := m.fromAPI(ctx, env, true)
			readToken(ctx, pd, m, &diags)
			diags.Append(m.snapshotsFromAPI(env)...)
			return diags
		},
		UpdateAPI: func(ctx context.Context, c *client.Client, plan, state, cfg *resourceModel, diags *diag.Diagnostics) (*api.Operation, error) {
			var secrets map[string]string
			if !plan.SecretsWOVersion.Equal(state.SecretsWOVersion) {
				// Sent whole: an absent secrets_wo clears the secrets.
				var d diag.Diagnostics
				secrets, d = shared.StringMap(ctx, cfg.SecretsWO)
				diags.Append(d...)
			}
			body, d := plan.toUpdate(ctx, state, secrets)
			if diags.Append(d...); diags.HasError() {
				return nil, nil
			}
			return c.UpdateEnvironment(ctx, state.ID.ValueString(), state.ETag.ValueString(), body)
		},
		DeleteAPI: func(ctx context.Context, c *client.Client, state *resourceModel) (*api.Operation, error) {
			return c.DeleteEnvironment(ctx, state.ID.ValueString(), state.ETag.ValueString())
		},
		// An ID (env_...) or, for convenience, a name.
		ImportID: func(ctx context.Context, c *client.Client, raw string) (string, error) {
			if strings.HasPrefix(raw, "env_") {
				return raw, nil
			}
			env, err := c.FindEnvironmentByName(ctx, raw)
			if err != nil {
				return "", fmt.Errorf("not an env_ ID, so looked up by name: %w", err)
			}
			return env.ID, nil
		},
	}}
}

func (r *Resource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	defaultSize := types.ObjectValueMust(sizeAttrTypes, map[string]attr.Value{
		"cpus":      types.Int64Value(defaultCPUs),
		"memory_mb": types.Int64Value(defaultMemoryMB),
	})
	resp.Schema = schema.Schema{
		MarkdownDescription: "An OpenClaw environment: one OpenClaw gateway (one trust domain) with its state volume, run by the control plane. " +
			"Name and region force a new environment; everything else changes in place. Creating, changing and deleting wait for the control plane's operation, bounded by `timeouts`.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				Computed:            true,
				MarkdownDescription: desc["id"],
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"name": schema.StringAttribute{
				Required:            true,
				MarkdownDescription: desc["name"],
				Validators:          validators.Name(),
				PlanModifiers:       []planmodifier.String{stringplanmodifier.RequiresReplace()},
			},
			"region": schema.StringAttribute{
				Required:            true,
				MarkdownDescription: desc["region"],
				Validators: []validator.String{
					stringvalidator.RegexMatches(api.RegionPattern, "must be a region ID such as eu-central (see the openclaw_regions data source)"),
				},
				PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()},
			},
			"openclaw_version": schema.StringAttribute{
				Optional:            true,
				Computed:            true,
				MarkdownDescription: desc["openclaw_version"],
				Validators:          []validator.String{validators.OpenClawVersion()},
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"release_channel": schema.StringAttribute{
				Optional:            true,
				Computed:            true,
				Default:             stringdefault.StaticString("stable"),
				MarkdownDescription: desc["release_channel"],
				Validators:          []validator.String{stringvalidator.OneOf(api.ReleaseChannels...)},
			},
			"size": schema.SingleNestedAttribute{
				Optional:            true,
				Computed:            true,
				Default:             objectdefault.StaticValue(defaultSize),
				MarkdownDescription: desc["size"],
				Attributes: map[string]schema.Attribute{
					"cpus": schema.Int64Attribute{
						Optional:            true,
						Computed:            true,
						Default:             int64default.StaticInt64(defaultCPUs),
						MarkdownDescription: desc["size.cpus"],
						Validators:          []validator.Int64{int64validator.Between(api.MinCPUs, api.MaxCPUs)},
					},
					"memory_mb": schema.Int64Attribute{
						Optional:            true,
						Computed:            true,
						Default:             int64default.StaticInt64(defaultMemoryMB),
						MarkdownDescription: desc["size.memory_mb"],
						Validators:          []validator.Int64{validators.Int64Steps(api.MinMemoryMB, api.MaxMemoryMB, api.MemoryStepMB)},
					},
				},
			},
			"state_volume_gb": schema.Int64Attribute{
				Optional:            true,
				Computed:            true,
				Default:             int64default.StaticInt64(defaultStateVolumeGB),
				MarkdownDescription: desc["state_volume_gb"],
				Validators:          []validator.Int64{int64validator.Between(api.MinStateVolumeGB, api.MaxStateVolumeGB)},
			},
			"desired_state": schema.StringAttribute{
				Optional:            true,
				Computed:            true,
				Default:             stringdefault.StaticString(api.DesiredRunning),
				MarkdownDescription: desc["desired_state"],
				Validators:          []validator.String{stringvalidator.OneOf(api.DesiredRunning, api.DesiredStopped)},
			},
			"labels": schema.MapAttribute{
				Optional:            true,
				ElementType:         types.StringType,
				MarkdownDescription: desc["labels"],
				Validators:          validators.Labels(),
			},
			"deletion_protection": schema.BoolAttribute{
				Optional:            true,
				Computed:            true,
				Default:             booldefault.StaticBool(false),
				MarkdownDescription: desc["deletion_protection"],
			},
			"secrets_wo": schema.MapAttribute{
				Optional:            true,
				WriteOnly:           true,
				Sensitive:           true,
				ElementType:         types.StringType,
				MarkdownDescription: desc["secrets_wo"],
				Validators: []validator.Map{
					mapvalidator.SizeAtMost(api.MaxSecrets),
					mapvalidator.KeysAre(stringvalidator.RegexMatches(api.SecretNamePattern, api.SecretNameRule)),
					mapvalidator.ValueStringsAre(stringvalidator.LengthBetween(1, api.MaxSecretBytes)),
					mapvalidator.AlsoRequires(path.MatchRoot("secrets_wo_version")),
				},
			},
			"secrets_wo_version": schema.Int64Attribute{
				Optional:            true,
				MarkdownDescription: desc["secrets_wo_version"],
				Validators:          []validator.Int64{int64validator.AtLeast(1)},
			},
			"secret_names": schema.SetAttribute{
				Computed:            true,
				ElementType:         types.StringType,
				MarkdownDescription: desc["secret_names"],
			},
			"status": schema.StringAttribute{
				Computed:            true,
				MarkdownDescription: desc["status"],
			},
			"power_state": schema.StringAttribute{
				Computed:            true,
				MarkdownDescription: desc["power_state"],
			},
			"gateway_url": schema.StringAttribute{
				Computed:            true,
				MarkdownDescription: desc["gateway_url"],
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"status_message": schema.StringAttribute{
				Computed:            true,
				MarkdownDescription: desc["status_message"],
			},
			"gateway_token": schema.StringAttribute{
				Computed:            true,
				Sensitive:           true,
				MarkdownDescription: desc["gateway_token"],
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"etag": schema.StringAttribute{
				Computed:            true,
				MarkdownDescription: desc["etag"],
			},
			"created_at": schema.StringAttribute{
				Computed:            true,
				MarkdownDescription: desc["created_at"],
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"updated_at": schema.StringAttribute{
				Computed:            true,
				MarkdownDescription: desc["updated_at"],
			},
			"timeouts": shared.TimeoutsAttribute(ctx, timeouts.Opts{Create: true, Update: true, Delete: true}),
		},
	}
	maps.Copy(resp.Schema.Attributes, snapshotAttributes())
}

// ValidateConfig checks what single-attribute validators cannot: a beta
// build needs a channel that ships betas.
func (r *Resource) ValidateConfig(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	// Two attributes, not the whole model: this runs for every resource
	// of every plan.
	var version, releaseChannel types.String
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root("openclaw_version"), &version)...)
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root("release_channel"), &releaseChannel)...)
	if resp.Diagnostics.HasError() || !known(version) || releaseChannel.IsUnknown() {
		return
	}
	v, err := ocversion.Parse(version.ValueString())
	if err != nil {
		return // reported by the attribute's validator
	}
	channel := "stable"
	if !releaseChannel.IsNull() {
		channel = releaseChannel.ValueString()
	}
	if !ocversion.ChannelAllows(channel, v) {
		resp.Diagnostics.AddAttributeError(path.Root("openclaw_version"), "Beta version on a non-beta channel",
			fmt.Sprintf("%s is a beta build, which runs only on the beta or dev release_channel; this environment's channel is %q. Set release_channel = \"beta\" or choose a released version.", v, channel))
	}
}

// ModifyPlan checks the plan against the control plane's rules and makes
// computed values as precise as they can be known before apply.
func (r *Resource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.Plan.Raw.IsNull() || shared.PlanUnchanged(ctx, req, api.EnvStatusFailed) {
		return // destroy, or nothing to check
	}
	var plan resourceModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if req.State.Raw.IsNull() {
		r.checkRegion(ctx, plan.Region, resp)
		r.checkRestore(ctx, &plan, resp)
		return
	}
	var state resourceModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}

	if known(plan.StateVolumeGB) && known(state.StateVolumeGB) && plan.StateVolumeGB.ValueInt64() < state.StateVolumeGB.ValueInt64() {
		resp.Diagnostics.AddAttributeError(path.Root("state_volume_gb"), "State volume cannot shrink",
			fmt.Sprintf("state_volume_gb can only grow: %d GB → %d GB would lose gateway state. Keep %d or more; to move to a smaller volume, create a new environment with it and move the data there.",
				state.StateVolumeGB.ValueInt64(), plan.StateVolumeGB.ValueInt64(), state.StateVolumeGB.ValueInt64()))
	}
	if known(plan.OpenClawVersion) && known(state.OpenClawVersion) {
		pv, perr := ocversion.Parse(plan.OpenClawVersion.ValueString())
		sv, serr := ocversion.Parse(state.OpenClawVersion.ValueString())
		if perr == nil && serr == nil && ocversion.Compare(pv, sv) < 0 {
			resp.Diagnostics.AddAttributeError(path.Root("openclaw_version"), "OpenClaw version cannot go back",
				fmt.Sprintf("The environment runs %s; %s is older. OpenClaw's database migrations are forward-only, so a gateway's state can never run on an older build. Keep %s or choose a newer version.", sv, pv, sv))
		}
	}
	if resp.Diagnostics.HasError() {
		return
	}

	secretsResent := !plan.SecretsWOVersion.Equal(state.SecretsWOVersion)
	if !secretsResent {
		plan.SecretNames = state.SecretNames
	}
	provisioning := !plan.OpenClawVersion.Equal(state.OpenClawVersion) || !plan.ReleaseChannel.Equal(state.ReleaseChannel) ||
		!plan.Size.Equal(state.Size) || !plan.StateVolumeGB.Equal(state.StateVolumeGB) ||
		!plan.DesiredState.Equal(state.DesiredState) || secretsResent
	switch {
	case state.Status.ValueString() == api.EnvStatusFailed:
		// A failed environment is retried: planning an update makes apply
		// send the configuration again.
		plan.Status = types.StringUnknown()
		plan.StatusMessage = types.StringUnknown()
		plan.PowerState = types.StringUnknown()
		plan.ETag = types.StringUnknown()
		plan.UpdatedAt = types.StringUnknown()
		resp.Diagnostics.AddWarning("Environment is in a failed state",
			fmt.Sprintf("Environment %s failed its last change; this apply retries it.", state.ID.ValueString()))
	case !provisioning:
		// Labels and deletion protection are metadata: status and power
		// state do not move.
		plan.Status = state.Status
		plan.StatusMessage = state.StatusMessage
		plan.PowerState = state.PowerState
		plan = unchangedAsState(ctx, plan, state, req, resp)
	}
	resp.Diagnostics.Append(resp.Plan.Set(ctx, &plan)...)
}

// unchangedAsState returns state when plan differs from it only in the
// values the control plane computes on a change (etag, updated_at): Terraform
// proposes a removed restore_from block as a change, which its plan modifier
// puts back, leaving nothing to apply.
func unchangedAsState(ctx context.Context, plan, state resourceModel, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) resourceModel {
	candidate := plan
	candidate.ETag, candidate.UpdatedAt = state.ETag, state.UpdatedAt
	tmp := resp.Plan
	if d := tmp.Set(ctx, &candidate); d.HasError() {
		return plan
	}
	if tmp.Raw.Equal(req.State.Raw) {
		return candidate
	}
	return plan
}

// checkRegion rejects unknown or closed regions at plan time, from one
// cached read of /v1/regions per run.
func (r *Resource) checkRegion(ctx context.Context, region types.String, resp *resource.ModifyPlanResponse) {
	if r.ProviderData() == nil || !known(region) {
		return
	}
	regions, err := r.ProviderData().Caches.Regions(ctx)
	if err != nil {
		shared.WarnUnchecked(r.ProviderData(), path.Root("region"), fmt.Sprintf("that region %q exists and accepts new environments", region.ValueString()), err, &resp.Diagnostics)
		return
	}
	ids := make([]string, 0, len(regions))
	for _, reg := range regions {
		if reg.ID == region.ValueString() {
			if !reg.Available {
				resp.Diagnostics.AddAttributeError(path.Root("region"), "Region not accepting new environments",
					fmt.Sprintf("Region %s (%s) exists but does not accept new environments. Choose another region.", reg.ID, reg.DisplayName))
			}
			return
		}
		if reg.Available {
			ids = append(ids, reg.ID)
		}
	}
	resp.Diagnostics.AddAttributeError(path.Root("region"), "Unknown region",
		fmt.Sprintf("The control plane has no region %q. Available regions: %s.", region.ValueString(), strings.Join(ids, ", ")))
}

// readToken fills gateway_token. It never changes, so it is read once
// (create, import); a key without environments:write leaves it null.
func readToken(ctx context.Context, pd *shared.ProviderData, m *resourceModel, diags *diag.Diagnostics) {
	if known(m.GatewayToken) || pd == nil {
		return
	}
	tok, err := pd.Client.GetGatewayToken(ctx, m.ID.ValueString())
	if err != nil {
		m.GatewayToken = types.StringNull()
		diags.AddAttributeWarning(path.Root("gateway_token"), "Gateway token not read",
			fmt.Sprintf("Could not read the gateway token of environment %s, so gateway_token stays empty: %v. Reading it needs an API key with the environments:write scope.", m.ID.ValueString(), err))
		return
	}
	m.GatewayToken = types.StringValue(tok)
}
