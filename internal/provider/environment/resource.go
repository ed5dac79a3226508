package environment

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"regexp"
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
	"github.com/hashicorp/terraform-plugin-log/tflog"

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

// Validation patterns, matching the control plane's.
var (
	regionRegexp     = regexp.MustCompile(`^[a-z][a-z0-9-]*$`)
	secretNameRegexp = regexp.MustCompile(`^[A-Z_][A-Z0-9_]{0,127}$`)
	snapshotIDRegexp = regexp.MustCompile(`^snap_[0-9a-z]+$`)
)

const (
	defaultCPUs          = 2
	defaultMemoryMB      = 4096
	defaultStateVolumeGB = 10
)

// Resource is openclaw_environment.
type Resource struct {
	data *shared.ProviderData
}

// NewResource is the factory the provider registers.
func NewResource() resource.Resource { return &Resource{} }

func (r *Resource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_environment"
}

func (r *Resource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.data = shared.FromProviderData(req.ProviderData, &resp.Diagnostics)
}

func (r *Resource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	defaultSize := types.ObjectValueMust(sizeAttrTypes, map[string]attr.Value{
		"cpus":      types.Int64Value(defaultCPUs),
		"memory_mb": types.Int64Value(defaultMemoryMB),
	})
	resp.Schema = schema.Schema{
		Description: "An OpenClaw environment: one OpenClaw gateway (one trust domain) with its state volume, run by the control plane. " +
			"Name and region force a new environment; everything else changes in place. Creating, changing and deleting wait for the control plane's operation, bounded by `timeouts`.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				Computed:      true,
				Description:   desc["id"],
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"name": schema.StringAttribute{
				Required:      true,
				Description:   desc["name"],
				Validators:    validators.Name(),
				PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()},
			},
			"region": schema.StringAttribute{
				Required:    true,
				Description: desc["region"],
				Validators: []validator.String{
					stringvalidator.RegexMatches(regionRegexp, "must be a region ID such as eu-central (see the openclaw_regions data source)"),
				},
				PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()},
			},
			"openclaw_version": schema.StringAttribute{
				Optional:      true,
				Computed:      true,
				Description:   desc["openclaw_version"],
				Validators:    []validator.String{validators.OpenClawVersion()},
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"release_channel": schema.StringAttribute{
				Optional:    true,
				Computed:    true,
				Default:     stringdefault.StaticString("stable"),
				Description: desc["release_channel"],
				Validators:  []validator.String{stringvalidator.OneOf(api.ReleaseChannels...)},
			},
			"size": schema.SingleNestedAttribute{
				Optional:    true,
				Computed:    true,
				Default:     objectdefault.StaticValue(defaultSize),
				Description: desc["size"],
				Attributes: map[string]schema.Attribute{
					"cpus": schema.Int64Attribute{
						Optional:    true,
						Computed:    true,
						Default:     int64default.StaticInt64(defaultCPUs),
						Description: desc["size.cpus"],
						Validators:  []validator.Int64{int64validator.Between(1, 64)},
					},
					"memory_mb": schema.Int64Attribute{
						Optional:    true,
						Computed:    true,
						Default:     int64default.StaticInt64(defaultMemoryMB),
						Description: desc["size.memory_mb"],
						Validators:  []validator.Int64{int64validator.Between(1024, 524288), validators.Int64MultipleOf(256)},
					},
				},
			},
			"state_volume_gb": schema.Int64Attribute{
				Optional:    true,
				Computed:    true,
				Default:     int64default.StaticInt64(defaultStateVolumeGB),
				Description: desc["state_volume_gb"],
				Validators:  []validator.Int64{int64validator.Between(1, 16384)},
			},
			"desired_state": schema.StringAttribute{
				Optional:    true,
				Computed:    true,
				Default:     stringdefault.StaticString(api.DesiredRunning),
				Description: desc["desired_state"],
				Validators:  []validator.String{stringvalidator.OneOf(api.DesiredRunning, api.DesiredStopped)},
			},
			"labels": schema.MapAttribute{
				Optional:    true,
				ElementType: types.StringType,
				Description: desc["labels"],
				Validators:  validators.Labels(),
			},
			"deletion_protection": schema.BoolAttribute{
				Optional:    true,
				Computed:    true,
				Default:     booldefault.StaticBool(false),
				Description: desc["deletion_protection"],
			},
			"secrets_wo": schema.MapAttribute{
				Optional:    true,
				WriteOnly:   true,
				Sensitive:   true,
				ElementType: types.StringType,
				Description: desc["secrets_wo"],
				Validators: []validator.Map{
					mapvalidator.SizeAtMost(100),
					mapvalidator.KeysAre(stringvalidator.RegexMatches(secretNameRegexp, "secret names are environment variable names: uppercase letters, digits and '_', not starting with a digit")),
					mapvalidator.ValueStringsAre(stringvalidator.LengthBetween(1, 65536)),
					mapvalidator.AlsoRequires(path.MatchRoot("secrets_wo_version")),
				},
			},
			"secrets_wo_version": schema.Int64Attribute{
				Optional:    true,
				Description: desc["secrets_wo_version"],
				Validators:  []validator.Int64{int64validator.AtLeast(1)},
			},
			"secret_names": schema.SetAttribute{
				Computed:    true,
				ElementType: types.StringType,
				Description: desc["secret_names"],
			},
			"status": schema.StringAttribute{
				Computed:    true,
				Description: desc["status"],
			},
			"power_state": schema.StringAttribute{
				Computed:    true,
				Description: desc["power_state"],
			},
			"gateway_url": schema.StringAttribute{
				Computed:      true,
				Description:   desc["gateway_url"],
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"etag": schema.StringAttribute{
				Computed:    true,
				Description: desc["etag"],
			},
			"created_at": schema.StringAttribute{
				Computed:      true,
				Description:   desc["created_at"],
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"updated_at": schema.StringAttribute{
				Computed:    true,
				Description: desc["updated_at"],
			},
			"timeouts": shared.TimeoutsAttribute(ctx, timeouts.Opts{Create: true, Update: true, Delete: true}),
		},
	}
	maps.Copy(resp.Schema.Attributes, snapshotAttributes())
}

// ValidateConfig checks what single-attribute validators cannot: a beta
// build needs a channel that ships betas.
func (r *Resource) ValidateConfig(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	var cfg resourceModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	if resp.Diagnostics.HasError() || !known(cfg.OpenClawVersion) || cfg.ReleaseChannel.IsUnknown() {
		return
	}
	v, err := ocversion.Parse(cfg.OpenClawVersion.ValueString())
	if err != nil {
		return // reported by the attribute's validator
	}
	channel := "stable"
	if !cfg.ReleaseChannel.IsNull() {
		channel = cfg.ReleaseChannel.ValueString()
	}
	if !ocversion.ChannelAllows(channel, v) {
		resp.Diagnostics.AddAttributeError(path.Root("openclaw_version"), "Beta version on a non-beta channel",
			fmt.Sprintf("%s is a beta build, which runs only on the beta or dev release_channel; this environment's channel is %q. Set release_channel = \"beta\" or choose a released version.", v, channel))
	}
}

// ModifyPlan checks the plan against the control plane's rules and makes
// computed values as precise as they can be known before apply.
func (r *Resource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.Plan.Raw.IsNull() {
		return // destroy
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
			fmt.Sprintf("state_volume_gb can only grow: %d GB → %d GB would lose gateway state. Keep %d or more; to move to a smaller volume, snapshot the data and restore it into a new environment.",
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
		plan.PowerState = types.StringUnknown()
		plan.ETag = types.StringUnknown()
		plan.UpdatedAt = types.StringUnknown()
		resp.Diagnostics.AddWarning("Environment is in a failed state",
			fmt.Sprintf("Environment %s failed its last change; this apply retries it.", state.ID.ValueString()))
	case !provisioning:
		// Labels and deletion protection are metadata: status and power
		// state do not move.
		plan.Status = state.Status
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
	if r.data == nil || !known(region) {
		return
	}
	regions, err := r.data.Caches.Regions(ctx)
	if err != nil {
		tflog.Warn(ctx, "could not list regions to check the plan; the control plane checks on apply", map[string]any{"err": err.Error()})
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

func (r *Resource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan, cfg resourceModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	if resp.Diagnostics.HasError() {
		return
	}
	timeout, d := plan.Timeouts.Create(ctx, shared.DefaultCreateTimeout)
	resp.Diagnostics.Append(d...)
	secrets, d := secretValues(ctx, cfg.SecretsWO)
	resp.Diagnostics.Append(d...)
	body, d := plan.toCreate(ctx, secrets)
	resp.Diagnostics.Append(d...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	name := plan.Name.ValueString()
	op, err := r.data.Client.CreateEnvironment(ctx, body)
	if err != nil {
		shared.AddError(&resp.Diagnostics, fmt.Sprintf("create environment %q", name), err, apiFields)
		return
	}
	// Save the ID before waiting: if the wait fails or times out, Terraform
	// still tracks the environment instead of leaking it.
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), op.TargetID)...)
	if !shared.Wait(ctx, r.data.Client, op, fmt.Sprintf("create environment %q (%s)", name, op.TargetID), apiFields, &resp.Diagnostics) {
		resp.Diagnostics.AddWarning("Environment saved in state as tainted",
			fmt.Sprintf("Environment %s exists in the control plane and its ID is in the Terraform state, marked tainted: the next apply replaces it. To keep it instead, run `terraform untaint` on this resource.", op.TargetID))
		return
	}
	r.readInto(ctx, op.TargetID, &plan, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

// readInto refreshes m from the API; false when the environment is gone.
func (r *Resource) readInto(ctx context.Context, id string, m *resourceModel, diags *diag.Diagnostics) bool {
	env, err := r.data.Client.GetEnvironment(ctx, id)
	if err != nil {
		if errors.Is(err, client.ErrNotFound) {
			return false
		}
		diags.AddError(fmt.Sprintf("Could not read environment %s", id), err.Error())
		return false
	}
	diags.Append(m.fromAPI(ctx, env, true)...)
	diags.Append(m.snapshotsFromAPI(env)...)
	return true
}

func (r *Resource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state resourceModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	env, err := r.data.Client.GetEnvironment(ctx, state.ID.ValueString())
	if errors.Is(err, client.ErrNotFound) || (err == nil && env.Status == api.EnvStatusDeleting) {
		tflog.Warn(ctx, "environment is gone from the control plane; removing it from state", map[string]any{"id": state.ID.ValueString()})
		resp.State.RemoveResource(ctx)
		return
	}
	if err != nil {
		shared.AddError(&resp.Diagnostics, fmt.Sprintf("read environment %s", state.ID.ValueString()), err, apiFields)
		return
	}
	resp.Diagnostics.Append(state.fromAPI(ctx, env, true)...)
	resp.Diagnostics.Append(state.snapshotsFromAPI(env)...)
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}

func (r *Resource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, state, cfg resourceModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	if resp.Diagnostics.HasError() {
		return
	}
	timeout, d := plan.Timeouts.Update(ctx, shared.DefaultUpdateTimeout)
	resp.Diagnostics.Append(d...)
	var secrets map[string]string
	if !plan.SecretsWOVersion.Equal(state.SecretsWOVersion) {
		// Sent whole: an absent secrets_wo clears the secrets.
		secrets, d = secretValues(ctx, cfg.SecretsWO)
		resp.Diagnostics.Append(d...)
	}
	body, d := plan.toUpdate(ctx, &state, secrets)
	resp.Diagnostics.Append(d...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	id := state.ID.ValueString()
	action := fmt.Sprintf("update environment %q (%s)", state.Name.ValueString(), id)
	op, err := r.data.Client.UpdateEnvironment(ctx, id, state.ETag.ValueString(), body)
	if err != nil {
		shared.AddError(&resp.Diagnostics, action, err, apiFields)
		return
	}
	if !shared.Wait(ctx, r.data.Client, op, action, apiFields, &resp.Diagnostics) {
		return
	}
	if !r.readInto(ctx, id, &plan, &resp.Diagnostics) && !resp.Diagnostics.HasError() {
		resp.Diagnostics.AddError("Environment disappeared", fmt.Sprintf("Environment %s was deleted while it was being updated.", id))
	}
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

func (r *Resource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state resourceModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	id := state.ID.ValueString()
	action := fmt.Sprintf("delete environment %q (%s)", state.Name.ValueString(), id)
	shared.DeleteAndWait(ctx, r.data.Client, state.Timeouts, action, apiFields, &resp.Diagnostics, func(ctx context.Context) (*api.Operation, error) {
		return r.data.Client.DeleteEnvironment(ctx, id, state.ETag.ValueString())
	})
}

// ImportState accepts an ID (env_...) or, for convenience, a name.
func (r *Resource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	id := req.ID
	if !strings.HasPrefix(id, "env_") {
		env, err := r.data.Client.FindEnvironmentByName(ctx, id)
		if err != nil {
			shared.AddError(&resp.Diagnostics, fmt.Sprintf("import environment %q (not an env_ ID, so looked up by name)", id), err, shared.Fields{})
			return
		}
		id = env.ID
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), id)...)
}
