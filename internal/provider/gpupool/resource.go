package gpupool

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/listvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/resourcevalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/int64default"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-framework/types/basetypes"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/openclaw/terraform-provider-openclaw/internal/api"
	"github.com/openclaw/terraform-provider-openclaw/internal/client"
	"github.com/openclaw/terraform-provider-openclaw/internal/gpucatalog"
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
	providerIDRegexp = regexp.MustCompile(`^[a-z][a-z0-9-]{0,39}$`)
)

// Resource is openclaw_gpu_pool.
type Resource struct {
	data *shared.ProviderData
}

// NewResource is the factory the provider registers.
func NewResource() resource.Resource { return &Resource{} }

func (r *Resource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_gpu_pool"
}

func (r *Resource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.data = shared.FromProviderData(req.ProviderData, &resp.Diagnostics)
}

func (r *Resource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		Description: "A GPU inference pool: nodes running an inference server (vLLM, SGLang, Ollama or llama.cpp), attached to one environment and registered in its gateway as the model provider `provider_id`. " +
			"Only `name`, `environment_id` and `provider_id` force a new pool; everything else, GPU type included, changes in place as a rolling operation while the pool keeps serving. " +
			"`hourly_cost_estimate` is known at plan time.",
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
			"environment_id": schema.StringAttribute{
				Required:      true,
				Description:   desc["environment_id"],
				Validators:    []validator.String{stringvalidator.LengthAtLeast(1)},
				PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()},
			},
			"provider_id": schema.StringAttribute{
				Required:    true,
				Description: desc["provider_id"],
				Validators: []validator.String{
					stringvalidator.RegexMatches(providerIDRegexp, "must be 1-40 lowercase letters, digits and hyphens, starting with a letter"),
				},
				PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()},
			},
			"backend": schema.StringAttribute{
				Required:    true,
				Description: desc["backend"],
				Validators:  []validator.String{stringvalidator.OneOf(api.GPUBackends...)},
			},
			"gpu_type": schema.StringAttribute{
				Required:    true,
				Description: desc["gpu_type"],
				Validators:  []validator.String{stringvalidator.LengthAtLeast(1)},
			},
			"gpus_per_node": schema.Int64Attribute{
				Optional:    true,
				Computed:    true,
				Default:     int64default.StaticInt64(1),
				Description: desc["gpus_per_node"],
				Validators:  []validator.Int64{int64validator.OneOf(1, 2, 4, 8)},
			},
			"capacity_type": schema.StringAttribute{
				Optional:    true,
				Computed:    true,
				Default:     stringdefault.StaticString(api.CapacityOnDemand),
				Description: desc["capacity_type"],
				Validators:  []validator.String{stringvalidator.OneOf(api.CapacityTypes...)},
			},
			"node_count": schema.Int64Attribute{
				Optional:    true,
				Description: desc["node_count"],
				Validators:  []validator.Int64{int64validator.Between(0, 64)},
			},
			"autoscaling": schema.SingleNestedAttribute{
				Optional:    true,
				Description: desc["autoscaling"],
				Attributes: map[string]schema.Attribute{
					"min_nodes": schema.Int64Attribute{
						Required:    true,
						Description: desc["autoscaling.min_nodes"],
						Validators:  []validator.Int64{int64validator.Between(0, 64)},
					},
					"max_nodes": schema.Int64Attribute{
						Required:    true,
						Description: desc["autoscaling.max_nodes"],
						Validators:  []validator.Int64{int64validator.Between(1, 64)},
					},
				},
			},
			"capacity_fallback": schema.ListNestedAttribute{
				Optional:    true,
				Description: desc["capacity_fallback"],
				Validators:  []validator.List{listvalidator.SizeAtMost(8)},
				NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
					"gpu_type": schema.StringAttribute{
						Required:    true,
						Description: desc["capacity_fallback.gpu_type"],
					},
					"capacity_type": schema.StringAttribute{
						Required:    true,
						Description: desc["capacity_fallback.capacity_type"],
						Validators:  []validator.String{stringvalidator.OneOf(api.CapacityTypes...)},
					},
				}},
			},
			"models": schema.ListNestedAttribute{
				Optional:    true,
				Description: desc["models"],
				Validators:  []validator.List{listvalidator.SizeAtMost(32)},
				NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
					"id": schema.StringAttribute{
						Required:    true,
						Description: desc["models.id"],
						Validators:  []validator.String{stringvalidator.LengthBetween(1, 128)},
					},
					"context_window": schema.Int64Attribute{
						Optional:    true,
						Description: desc["models.context_window"],
						Validators:  []validator.Int64{int64validator.AtLeast(1)},
					},
					"max_tokens": schema.Int64Attribute{
						Optional:    true,
						Description: desc["models.max_tokens"],
						Validators:  []validator.Int64{int64validator.AtLeast(1)},
					},
				}},
			},
			"idle_stop_seconds": schema.Int64Attribute{
				Optional:    true,
				Computed:    true,
				Default:     int64default.StaticInt64(0),
				Description: desc["idle_stop_seconds"],
				Validators:  []validator.Int64{int64validator.Between(0, 7*24*3600)},
			},
			"labels": schema.MapAttribute{
				Optional:    true,
				ElementType: types.StringType,
				Description: desc["labels"],
				Validators:  validators.Labels(),
			},
			"status":                  schema.StringAttribute{Computed: true, Description: desc["status"]},
			"current_nodes":           schema.Int64Attribute{Computed: true, Description: desc["current_nodes"]},
			"effective_gpu_type":      schema.StringAttribute{Computed: true, Description: desc["effective_gpu_type"]},
			"effective_capacity_type": schema.StringAttribute{Computed: true, Description: desc["effective_capacity_type"]},
			"base_url":                schema.StringAttribute{Computed: true, Description: desc["base_url"]},
			"hourly_cost":             schema.Float64Attribute{Computed: true, Description: desc["hourly_cost"]},
			"hourly_cost_estimate":    schema.Float64Attribute{Computed: true, Description: desc["hourly_cost_estimate"]},
			"etag":                    schema.StringAttribute{Computed: true, Description: desc["etag"]},
			"created_at": schema.StringAttribute{
				Computed:      true,
				Description:   desc["created_at"],
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"updated_at": schema.StringAttribute{Computed: true, Description: desc["updated_at"]},
			"timeouts":   shared.TimeoutsAttribute(ctx, timeouts.Opts{Create: true, Update: true, Delete: true}),
		},
	}
}

func (r *Resource) ConfigValidators(context.Context) []resource.ConfigValidator {
	return []resource.ConfigValidator{
		resourcevalidator.ExactlyOneOf(path.MatchRoot("node_count"), path.MatchRoot("autoscaling")),
	}
}

// ValidateConfig checks the autoscaling bounds and model limits together.
func (r *Resource) ValidateConfig(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	var cfg resourceModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if known(cfg.Autoscaling) {
		var a autoscalingModel
		resp.Diagnostics.Append(cfg.Autoscaling.As(ctx, &a, basetypes.ObjectAsOptions{})...)
		if known(a.MinNodes) && known(a.MaxNodes) && a.MinNodes.ValueInt64() > a.MaxNodes.ValueInt64() {
			resp.Diagnostics.AddAttributeError(path.Root("autoscaling").AtName("min_nodes"), "Invalid autoscaling bounds",
				fmt.Sprintf("min_nodes (%d) is greater than max_nodes (%d). Lower min_nodes or raise max_nodes.", a.MinNodes.ValueInt64(), a.MaxNodes.ValueInt64()))
		}
	}
	if known(cfg.Models) {
		var models []poolModelModel
		resp.Diagnostics.Append(cfg.Models.ElementsAs(ctx, &models, false)...)
		seen := map[string]bool{}
		for i, m := range models {
			if known(m.ID) {
				if seen[m.ID.ValueString()] {
					resp.Diagnostics.AddAttributeError(path.Root("models").AtListIndex(i).AtName("id"), "Duplicate model", fmt.Sprintf("Model %q is listed twice.", m.ID.ValueString()))
				}
				seen[m.ID.ValueString()] = true
			}
			if known(m.ContextWindow) && known(m.MaxTokens) && m.MaxTokens.ValueInt64() > m.ContextWindow.ValueInt64() {
				resp.Diagnostics.AddAttributeError(path.Root("models").AtListIndex(i).AtName("max_tokens"), "Invalid max_tokens",
					fmt.Sprintf("max_tokens (%d) exceeds context_window (%d).", m.MaxTokens.ValueInt64(), m.ContextWindow.ValueInt64()))
			}
		}
	}
}

// ModifyPlan checks GPU types against the catalog (one read per run), puts
// the cost estimate in the plan, and keeps computed values that cannot
// change known.
func (r *Resource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.Plan.Raw.IsNull() || r.data == nil {
		return
	}
	var plan resourceModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	var state *resourceModel
	if !req.State.Raw.IsNull() {
		state = &resourceModel{}
		resp.Diagnostics.Append(req.State.Get(ctx, state)...)
	}
	if resp.Diagnostics.HasError() {
		return
	}

	types_, err := r.data.Caches.GPUTypes(ctx)
	if err != nil {
		tflog.Warn(ctx, "could not read the GPU catalog to check the plan; the control plane checks on apply", map[string]any{"err": err.Error()})
		return
	}
	cat := gpucatalog.Catalog{Types: types_}
	region := ""
	if known(plan.EnvironmentID) {
		region, err = r.data.Caches.EnvironmentRegion(ctx, plan.EnvironmentID.ValueString())
		if err != nil && !errors.Is(err, client.ErrNotFound) {
			tflog.Warn(ctx, "could not read the environment's region", map[string]any{"err": err.Error()})
		}
	}
	checkGPUType(&resp.Diagnostics, cat, path.Root("gpu_type"), plan.GPUType, region, true)
	fallback, d := plan.fallback(ctx)
	resp.Diagnostics.Append(d...)
	if known(plan.CapacityFallback) {
		for i, c := range fallback {
			checkGPUType(&resp.Diagnostics, cat, path.Root("capacity_fallback").AtListIndex(i).AtName("gpu_type"), types.StringValue(c.GPUType), region, false)
		}
	}
	if resp.Diagnostics.HasError() {
		return
	}

	sizingChanged := state == nil || !plan.GPUType.Equal(state.GPUType) || !plan.CapacityType.Equal(state.CapacityType) ||
		!plan.GPUsPerNode.Equal(state.GPUsPerNode) || !plan.NodeCount.Equal(state.NodeCount) || !plan.Autoscaling.Equal(state.Autoscaling)
	if sizingChanged || state.HourlyCostEstimate.IsNull() {
		plan.HourlyCostEstimate = types.Float64Unknown()
		if nodes, ok := plan.nodesForEstimate(ctx); ok && known(plan.GPUType) && known(plan.CapacityType) && known(plan.GPUsPerNode) {
			if cost, ok := estimate(cat, plan.GPUType.ValueString(), plan.CapacityType.ValueString(), plan.GPUsPerNode.ValueInt64(), nodes); ok {
				plan.HourlyCostEstimate = types.Float64Value(cost)
			}
		}
	} else {
		plan.HourlyCostEstimate = state.HourlyCostEstimate
	}

	// A fixed-size pool runs exactly node_count nodes after apply, unless
	// its environment is powered off (a shutdown schedule): then it stays
	// at zero until the environment starts, and that is not a diff.
	if stopped := state != nil && state.Status.ValueString() == api.PoolStatusStopped; stopped {
		plan.CurrentNodes = state.CurrentNodes
	} else if known(plan.NodeCount) {
		plan.CurrentNodes = plan.NodeCount
	}
	if state != nil {
		replace := !plan.GPUType.Equal(state.GPUType) || !plan.CapacityType.Equal(state.CapacityType) ||
			!plan.GPUsPerNode.Equal(state.GPUsPerNode) || !plan.Backend.Equal(state.Backend)
		if !replace {
			plan.EffectiveGPUType = state.EffectiveGPUType
			plan.EffectiveCapacityType = state.EffectiveCapacityType
		}
		if plan.Backend.Equal(state.Backend) {
			plan.BaseURL = state.BaseURL
		}
		if state.Status.ValueString() == api.PoolStatusFailed {
			plan.Status = types.StringUnknown()
			plan.ETag = types.StringUnknown()
			resp.Diagnostics.AddWarning("GPU pool is in a failed state", fmt.Sprintf("GPU pool %s failed its last change; this apply retries it.", state.ID.ValueString()))
		}
	}
	resp.Diagnostics.Append(resp.Plan.Set(ctx, &plan)...)
}

// checkGPUType reports a GPU type missing from the catalog, or (for the
// first choice) not offered in the environment's region.
func checkGPUType(diags *diag.Diagnostics, cat gpucatalog.Catalog, at path.Path, v types.String, region string, mustBeOffered bool) {
	if !known(v) {
		return
	}
	t, ok := cat.Type(v.ValueString())
	if !ok {
		ids := make([]string, 0, len(cat.Types))
		for _, t := range cat.Types {
			ids = append(ids, t.ID)
		}
		slices.Sort(ids)
		diags.AddAttributeError(at, "Unknown GPU type",
			fmt.Sprintf("The control plane's GPU catalog has no %q. Available types: %s (see the openclaw_gpu_types data source).", v.ValueString(), strings.Join(ids, ", ")))
		return
	}
	if !mustBeOffered || region == "" {
		return
	}
	var where []string
	for _, o := range t.Regions {
		if o.Region == region {
			return
		}
		where = append(where, o.Region)
	}
	diags.AddAttributeError(at, "GPU type not offered in the environment's region",
		fmt.Sprintf("%s is not offered in %s, the environment's region. It is offered in: %s. Choose another gpu_type.", t.ID, region, strings.Join(where, ", ")))
}

func (r *Resource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan resourceModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	timeout, d := plan.Timeouts.Create(ctx, shared.DefaultCreateTimeout)
	resp.Diagnostics.Append(d...)
	body, d := plan.toCreate(ctx)
	resp.Diagnostics.Append(d...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	action := fmt.Sprintf("create GPU pool %q", plan.Name.ValueString())
	op, err := r.data.Client.CreateGPUPool(ctx, body)
	if err != nil {
		shared.AddError(&resp.Diagnostics, action, err, apiFields)
		return
	}
	// Saved before waiting, so a timeout does not lose the pool.
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), op.TargetID)...)
	if _, err := r.data.Client.WaitForOperation(ctx, op); err != nil {
		shared.AddError(&resp.Diagnostics, action, err, apiFields)
		if errors.Is(err, client.ErrNoCapacity) {
			// The control plane removed the pool: nothing is left behind,
			// so nothing stays in state either.
			resp.State.RemoveResource(ctx)
		}
		return
	}
	if !r.readInto(ctx, op.TargetID, &plan, &resp.Diagnostics) {
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

// readInto refreshes m from the API; false when the pool is gone or the
// read failed (then diags says why).
func (r *Resource) readInto(ctx context.Context, id string, m *resourceModel, diags *diag.Diagnostics) bool {
	pool, err := r.data.Client.GetGPUPool(ctx, id)
	if err != nil {
		shared.AddError(diags, fmt.Sprintf("read GPU pool %s", id), err, apiFields)
		return false
	}
	diags.Append(m.fromAPI(ctx, pool, true)...)
	if m.HourlyCostEstimate.IsUnknown() {
		// The plan could not price the pool (catalog unreadable): price it now.
		m.HourlyCostEstimate = r.estimateFor(ctx, pool)
	}
	return !diags.HasError()
}

func (r *Resource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state resourceModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	pool, err := r.data.Client.GetGPUPool(ctx, state.ID.ValueString())
	if errors.Is(err, client.ErrNotFound) || (err == nil && pool.Status == api.PoolStatusDeleting) {
		tflog.Warn(ctx, "GPU pool is gone from the control plane; removing it from state", map[string]any{"id": state.ID.ValueString()})
		resp.State.RemoveResource(ctx)
		return
	}
	if err != nil {
		shared.AddError(&resp.Diagnostics, fmt.Sprintf("read GPU pool %s", state.ID.ValueString()), err, apiFields)
		return
	}
	resp.Diagnostics.Append(state.fromAPI(ctx, pool, true)...)
	if state.HourlyCostEstimate.IsNull() {
		// Imported: price it as a plan would, so the next plan is empty.
		state.HourlyCostEstimate = r.estimateFor(ctx, pool)
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}

func (r *Resource) estimateFor(ctx context.Context, p *api.GPUPool) types.Float64 {
	types_, err := r.data.Caches.GPUTypes(ctx)
	if err != nil {
		return types.Float64Null()
	}
	nodes := int64(0)
	switch {
	case p.NodeCount != nil:
		nodes = *p.NodeCount
	case p.Autoscaling != nil:
		nodes = p.Autoscaling.MaxNodes
	}
	cost, ok := estimate(gpucatalog.Catalog{Types: types_}, p.GPUType, p.CapacityType, p.GPUsPerNode, nodes)
	if !ok {
		return types.Float64Null()
	}
	return types.Float64Value(cost)
}

func (r *Resource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, state resourceModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	timeout, d := plan.Timeouts.Update(ctx, shared.DefaultUpdateTimeout)
	resp.Diagnostics.Append(d...)
	body, d := plan.toUpdate(ctx, &state)
	resp.Diagnostics.Append(d...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	id := state.ID.ValueString()
	action := fmt.Sprintf("update GPU pool %q (%s)", state.Name.ValueString(), id)
	op, err := r.data.Client.UpdateGPUPool(ctx, id, state.ETag.ValueString(), body)
	if err != nil {
		shared.AddError(&resp.Diagnostics, action, err, apiFields)
		return
	}
	if !shared.Wait(ctx, r.data.Client, op, action, apiFields, &resp.Diagnostics) {
		return
	}
	if !r.readInto(ctx, id, &plan, &resp.Diagnostics) {
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
	action := fmt.Sprintf("delete GPU pool %q (%s)", state.Name.ValueString(), id)
	shared.DeleteAndWait(ctx, r.data.Client, state.Timeouts, action, apiFields, &resp.Diagnostics, func(ctx context.Context) (*api.Operation, error) {
		return r.data.Client.DeleteGPUPool(ctx, id, state.ETag.ValueString())
	})
}

// ImportState accepts a pool ID (gpool_...) or <environment_id>/<name>.
func (r *Resource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	id := req.ID
	if envID, name, ok := strings.Cut(req.ID, "/"); ok {
		pool, err := r.data.Client.FindGPUPool(ctx, envID, name)
		if err != nil {
			shared.AddError(&resp.Diagnostics, fmt.Sprintf("import GPU pool %q", req.ID), err, shared.Fields{})
			return
		}
		id = pool.ID
	} else if !strings.HasPrefix(id, "gpool_") {
		resp.Diagnostics.AddError("Invalid import ID", fmt.Sprintf("%q is neither a GPU pool ID (gpool_...) nor <environment_id>/<pool name>.", req.ID))
		return
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), id)...)
}
