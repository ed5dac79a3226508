package gpupool

import (
	"context"
	"errors"
	"fmt"
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

// Resource is openclaw_gpu_pool: the shared lifecycle plus this family's
// schema and plan rules.
type Resource struct {
	shared.Lifecycle[resourceModel, *resourceModel, api.GPUPool]
}

// NewResource is the factory the provider registers.
func NewResource() resource.Resource {
	return &Resource{shared.Lifecycle[resourceModel, *resourceModel, api.GPUPool]{
		ResourceBase: shared.ResourceBase{TypeName: "_gpu_pool"},
		Noun:         "GPU pool",
		Fields:       apiFields,
		CreateAPI: func(ctx context.Context, c *client.Client, plan, _ *resourceModel, diags *diag.Diagnostics) (*api.Operation, error) {
			body, d := plan.toCreate(ctx)
			if diags.Append(d...); diags.HasError() {
				return nil, nil
			}
			return c.CreateGPUPool(ctx, body)
		},
		ReadAPI: func(ctx context.Context, c *client.Client, id string) (*api.GPUPool, error) {
			return c.GetGPUPool(ctx, id)
		},
		AdoptHint: func(plan *resourceModel) string {
			env, name := plan.EnvironmentID.ValueString(), plan.Name.ValueString()
			return fmt.Sprintf("Look for it (GET /v1/gpu-pools?environment_id=%s&name=%s). If it is there, adopt it with `terraform import <address of this resource> %s/%s` instead of applying again, or delete it.", env, name, env, name)
		},
		Gone: func(p *api.GPUPool) bool { return p.Status == api.PoolStatusDeleting },
		FromAPI: func(ctx context.Context, pd *shared.ProviderData, m *resourceModel, p *api.GPUPool) diag.Diagnostics {
			diags := m.fromAPI(ctx, p, true)
			if !known(m.HourlyCostEstimate) {
				// Imported, or the plan could not price the pool (catalog
				// unreadable): price it as a plan would, so the next plan is empty.
				m.HourlyCostEstimate = estimateFor(ctx, pd, p)
			}
			return diags
		},
		UpdateAPI: func(ctx context.Context, c *client.Client, plan, state, _ *resourceModel, diags *diag.Diagnostics) (*api.Operation, error) {
			body, d := plan.toUpdate(ctx, state)
			if diags.Append(d...); diags.HasError() {
				return nil, nil
			}
			return c.UpdateGPUPool(ctx, state.ID.ValueString(), state.ETag.ValueString(), body)
		},
		DeleteAPI: func(ctx context.Context, c *client.Client, state *resourceModel) (*api.Operation, error) {
			return c.DeleteGPUPool(ctx, state.ID.ValueString(), state.ETag.ValueString())
		},
		// A pool ID (gpool_...) or <environment_id>/<name>.
		ImportID: func(ctx context.Context, c *client.Client, raw string) (string, error) {
			if envID, name, ok := strings.Cut(raw, "/"); ok {
				pool, err := c.FindGPUPool(ctx, envID, name)
				if err != nil {
					return "", err
				}
				return pool.ID, nil
			}
			if !strings.HasPrefix(raw, "gpool_") {
				return "", fmt.Errorf("%q is neither a GPU pool ID (gpool_...) nor <environment_id>/<pool name>", raw)
			}
			return raw, nil
		},
		// A pool that found no capacity is removed by the control plane:
		// nothing is left behind, so nothing stays in state either.
		Removed: func(err error) bool { return errors.Is(err, client.ErrNoCapacity) },
	}}
}

func (r *Resource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "A GPU inference pool: nodes running an inference server (vLLM, SGLang, Ollama or llama.cpp), attached to one environment and registered in its gateway as the model provider `provider_id`. " +
			"Only `name`, `environment_id` and `provider_id` force a new pool; everything else, GPU type included, changes in place as a rolling operation while the pool keeps serving. " +
			"`hourly_cost_estimate` is known at plan time.",
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
			"environment_id": schema.StringAttribute{
				Required:            true,
				MarkdownDescription: desc["environment_id"],
				Validators:          []validator.String{stringvalidator.LengthAtLeast(1)},
				PlanModifiers:       []planmodifier.String{stringplanmodifier.RequiresReplace()},
			},
			"provider_id": schema.StringAttribute{
				Required:            true,
				MarkdownDescription: desc["provider_id"],
				Validators: []validator.String{
					stringvalidator.RegexMatches(api.ProviderIDPattern, api.ProviderIDRule),
				},
				PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()},
			},
			"backend": schema.StringAttribute{
				Required:            true,
				MarkdownDescription: desc["backend"],
				Validators:          []validator.String{stringvalidator.OneOf(api.GPUBackends...)},
			},
			"gpu_type": schema.StringAttribute{
				Required:            true,
				MarkdownDescription: desc["gpu_type"],
				Validators:          []validator.String{stringvalidator.LengthAtLeast(1)},
			},
			"gpus_per_node": schema.Int64Attribute{
				Optional:            true,
				Computed:            true,
				Default:             int64default.StaticInt64(1),
				MarkdownDescription: desc["gpus_per_node"],
				Validators:          []validator.Int64{int64validator.OneOf(api.GPUsPerNodeChoices...)},
			},
			"capacity_type": schema.StringAttribute{
				Optional:            true,
				Computed:            true,
				Default:             stringdefault.StaticString(api.CapacityOnDemand),
				MarkdownDescription: desc["capacity_type"],
				Validators:          []validator.String{stringvalidator.OneOf(api.CapacityTypes...)},
			},
			"node_count": schema.Int64Attribute{
				Optional:            true,
				MarkdownDescription: desc["node_count"],
				Validators:          []validator.Int64{int64validator.Between(0, api.MaxPoolNodes)},
			},
			"autoscaling": schema.SingleNestedAttribute{
				Optional:            true,
				MarkdownDescription: desc["autoscaling"],
				Attributes: map[string]schema.Attribute{
					"min_nodes": schema.Int64Attribute{
						Required:            true,
						MarkdownDescription: desc["autoscaling.min_nodes"],
						Validators:          []validator.Int64{int64validator.Between(0, api.MaxPoolNodes)},
					},
					"max_nodes": schema.Int64Attribute{
						Required:            true,
						MarkdownDescription: desc["autoscaling.max_nodes"],
						Validators:          []validator.Int64{int64validator.Between(1, api.MaxPoolNodes)},
					},
				},
			},
			"capacity_fallback": schema.ListNestedAttribute{
				Optional:            true,
				MarkdownDescription: desc["capacity_fallback"],
				Validators:          []validator.List{listvalidator.SizeAtMost(api.MaxCapacityFallback)},
				NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
					"gpu_type": schema.StringAttribute{
						Required:            true,
						MarkdownDescription: desc["capacity_fallback.gpu_type"],
					},
					"capacity_type": schema.StringAttribute{
						Required:            true,
						MarkdownDescription: desc["capacity_fallback.capacity_type"],
						Validators:          []validator.String{stringvalidator.OneOf(api.CapacityTypes...)},
					},
				}},
			},
			"models": schema.ListNestedAttribute{
				Optional:            true,
				MarkdownDescription: desc["models"],
				Validators:          []validator.List{listvalidator.SizeAtMost(api.MaxPoolModels)},
				NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
					"id": schema.StringAttribute{
						Required:            true,
						MarkdownDescription: desc["models.id"],
						Validators:          []validator.String{stringvalidator.LengthBetween(1, api.MaxModelIDLen)},
					},
					"context_window": schema.Int64Attribute{
						Optional:            true,
						MarkdownDescription: desc["models.context_window"],
						Validators:          []validator.Int64{int64validator.AtLeast(1)},
					},
					"max_tokens": schema.Int64Attribute{
						Optional:            true,
						MarkdownDescription: desc["models.max_tokens"],
						Validators:          []validator.Int64{int64validator.AtLeast(1)},
					},
				}},
			},
			"idle_stop_seconds": schema.Int64Attribute{
				Optional:            true,
				Computed:            true,
				Default:             int64default.StaticInt64(0),
				MarkdownDescription: desc["idle_stop_seconds"],
				Validators:          []validator.Int64{int64validator.Between(0, api.MaxIdleStopSeconds)},
			},
			"labels": schema.MapAttribute{
				Optional:            true,
				ElementType:         types.StringType,
				MarkdownDescription: desc["labels"],
				Validators:          validators.Labels(),
			},
			"status":                  schema.StringAttribute{Computed: true, MarkdownDescription: desc["status"]},
			"current_nodes":           schema.Int64Attribute{Computed: true, MarkdownDescription: desc["current_nodes"]},
			"effective_gpu_type":      schema.StringAttribute{Computed: true, MarkdownDescription: desc["effective_gpu_type"]},
			"effective_capacity_type": schema.StringAttribute{Computed: true, MarkdownDescription: desc["effective_capacity_type"]},
			"base_url":                schema.StringAttribute{Computed: true, MarkdownDescription: desc["base_url"]},
			"hourly_cost":             schema.Float64Attribute{Computed: true, MarkdownDescription: desc["hourly_cost"]},
			"hourly_cost_estimate":    schema.Float64Attribute{Computed: true, MarkdownDescription: desc["hourly_cost_estimate"]},
			"etag":                    schema.StringAttribute{Computed: true, MarkdownDescription: desc["etag"]},
			"created_at": schema.StringAttribute{
				Computed:            true,
				MarkdownDescription: desc["created_at"],
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"updated_at": schema.StringAttribute{Computed: true, MarkdownDescription: desc["updated_at"]},
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
	if req.Plan.Raw.IsNull() || r.ProviderData() == nil || shared.PlanUnchanged(ctx, req, api.PoolStatusFailed, path.Root("hourly_cost_estimate")) {
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

	if state == nil || !plan.EnvironmentID.Equal(state.EnvironmentID) {
		shared.CheckEnvironmentReference(ctx, r.ProviderData(), path.Root("environment_id"), plan.EnvironmentID, &resp.Diagnostics)
		if resp.Diagnostics.HasError() {
			return
		}
	}
	types_, err := r.ProviderData().Caches.GPUTypes(ctx)
	if err != nil {
		shared.WarnUnchecked(r.ProviderData(), path.Root("gpu_type"), "the GPU type against the GPU catalog", err, &resp.Diagnostics)
		return
	}
	cat := gpucatalog.Catalog{Types: types_}
	region := ""
	if known(plan.EnvironmentID) {
		// Cached by the reference check: no second read.
		region, err = r.ProviderData().Caches.EnvironmentRegion(ctx, plan.EnvironmentID.ValueString())
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

	// A fixed-size pool runs exactly node_count nodes after apply.
	if known(plan.NodeCount) {
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
		switch {
		case state.Status.ValueString() == api.PoolStatusFailed:
			plan.Status = types.StringUnknown()
			plan.ETag = types.StringUnknown()
			resp.Diagnostics.AddWarning("GPU pool is in a failed state", fmt.Sprintf("GPU pool %s failed its last change; this apply retries it.", state.ID.ValueString()))
		case !plan.nodesChange(&state.poolModel):
			// Labels are metadata: the nodes, and so what they cost and
			// their status, do not move (as for environments).
			plan.Status = state.Status
			plan.CurrentNodes = state.CurrentNodes
			plan.HourlyCost = state.HourlyCost
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

// estimateFor prices a pool read from the API as a plan would.
func estimateFor(ctx context.Context, pd *shared.ProviderData, p *api.GPUPool) types.Float64 {
	if pd == nil {
		return types.Float64Null()
	}
	types_, err := pd.Caches.GPUTypes(ctx)
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
