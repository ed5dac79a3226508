// Package gpupool implements openclaw_gpu_pool, the openclaw_gpu_pool and
// openclaw_gpu_types data sources, and the gpu_monthly_cost function.
package gpupool

import (
	"context"
	"encoding/json"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-framework/types/basetypes"

	"github.com/openclaw/terraform-provider-openclaw/internal/api"
	"github.com/openclaw/terraform-provider-openclaw/internal/gpucatalog"
	"github.com/openclaw/terraform-provider-openclaw/internal/provider/shared"
)

var apiFields = shared.Fields{Maps: []string{"labels"}}

var (
	autoscalingAttrTypes = map[string]attr.Type{"min_nodes": types.Int64Type, "max_nodes": types.Int64Type}
	choiceAttrTypes      = map[string]attr.Type{"gpu_type": types.StringType, "capacity_type": types.StringType}
	modelAttrTypes       = map[string]attr.Type{"id": types.StringType, "context_window": types.Int64Type, "max_tokens": types.Int64Type}
)

type autoscalingModel struct {
	MinNodes types.Int64 `tfsdk:"min_nodes"`
	MaxNodes types.Int64 `tfsdk:"max_nodes"`
}

type choiceModel struct {
	GPUType      types.String `tfsdk:"gpu_type"`
	CapacityType types.String `tfsdk:"capacity_type"`
}

type poolModelModel struct {
	ID            types.String `tfsdk:"id"`
	ContextWindow types.Int64  `tfsdk:"context_window"`
	MaxTokens     types.Int64  `tfsdk:"max_tokens"`
}

// poolModel holds the attributes the resource and data source share.
type poolModel struct {
	ID                    types.String  `tfsdk:"id"`
	Name                  types.String  `tfsdk:"name"`
	EnvironmentID         types.String  `tfsdk:"environment_id"`
	ProviderID            types.String  `tfsdk:"provider_id"`
	Backend               types.String  `tfsdk:"backend"`
	GPUType               types.String  `tfsdk:"gpu_type"`
	GPUsPerNode           types.Int64   `tfsdk:"gpus_per_node"`
	CapacityType          types.String  `tfsdk:"capacity_type"`
	NodeCount             types.Int64   `tfsdk:"node_count"`
	Autoscaling           types.Object  `tfsdk:"autoscaling"`
	CapacityFallback      types.List    `tfsdk:"capacity_fallback"`
	Models                types.List    `tfsdk:"models"`
	IdleStopSeconds       types.Int64   `tfsdk:"idle_stop_seconds"`
	Labels                types.Map     `tfsdk:"labels"`
	Status                types.String  `tfsdk:"status"`
	CurrentNodes          types.Int64   `tfsdk:"current_nodes"`
	EffectiveGPUType      types.String  `tfsdk:"effective_gpu_type"`
	EffectiveCapacityType types.String  `tfsdk:"effective_capacity_type"`
	BaseURL               types.String  `tfsdk:"base_url"`
	HourlyCost            types.Float64 `tfsdk:"hourly_cost"`
	ETag                  types.String  `tfsdk:"etag"`
	CreatedAt             types.String  `tfsdk:"created_at"`
	UpdatedAt             types.String  `tfsdk:"updated_at"`
}

// resourceModel is openclaw_gpu_pool's full model.
type resourceModel struct {
	poolModel
	HourlyCostEstimate types.Float64  `tfsdk:"hourly_cost_estimate"`
	Timeouts           timeouts.Value `tfsdk:"timeouts"`
}

// fromAPI sets every attribute from the API. With keepNull, lists and
// labels the configuration left out stay null when the API has none.
func (m *poolModel) fromAPI(ctx context.Context, p *api.GPUPool, keepNull bool) diag.Diagnostics {
	var diags diag.Diagnostics
	m.ID = types.StringValue(p.ID)
	m.Name = types.StringValue(p.Name)
	m.EnvironmentID = types.StringValue(p.EnvironmentID)
	m.ProviderID = types.StringValue(p.ProviderID)
	m.Backend = types.StringValue(p.Backend)
	m.GPUType = types.StringValue(p.GPUType)
	m.GPUsPerNode = types.Int64Value(p.GPUsPerNode)
	m.CapacityType = types.StringValue(p.CapacityType)
	m.NodeCount = types.Int64PointerValue(p.NodeCount)
	if p.Autoscaling != nil {
		m.Autoscaling = types.ObjectValueMust(autoscalingAttrTypes, map[string]attr.Value{
			"min_nodes": types.Int64Value(p.Autoscaling.MinNodes),
			"max_nodes": types.Int64Value(p.Autoscaling.MaxNodes),
		})
	} else {
		m.Autoscaling = types.ObjectNull(autoscalingAttrTypes)
	}

	if len(p.CapacityFallback) == 0 && keepNull && m.CapacityFallback.IsNull() {
		m.CapacityFallback = types.ListNull(types.ObjectType{AttrTypes: choiceAttrTypes})
	} else {
		choices := make([]choiceModel, len(p.CapacityFallback))
		for i, c := range p.CapacityFallback {
			choices[i] = choiceModel{GPUType: types.StringValue(c.GPUType), CapacityType: types.StringValue(c.CapacityType)}
		}
		v, d := types.ListValueFrom(ctx, types.ObjectType{AttrTypes: choiceAttrTypes}, choices)
		diags.Append(d...)
		m.CapacityFallback = v
	}
	if len(p.Models) == 0 && keepNull && m.Models.IsNull() {
		m.Models = types.ListNull(types.ObjectType{AttrTypes: modelAttrTypes})
	} else {
		models := make([]poolModelModel, len(p.Models))
		for i, x := range p.Models {
			// 0 is "not set" in the API; the schema refuses 0, so null ↔ 0.
			models[i] = poolModelModel{ID: types.StringValue(x.ID), ContextWindow: positiveOrNull(x.ContextWindow), MaxTokens: positiveOrNull(x.MaxTokens)}
		}
		v, d := types.ListValueFrom(ctx, types.ObjectType{AttrTypes: modelAttrTypes}, models)
		diags.Append(d...)
		m.Models = v
	}
	m.IdleStopSeconds = types.Int64Value(p.IdleStopSeconds)
	labels, d := shared.LabelsFromAPI(ctx, p.Labels, m.Labels, keepNull)
	diags.Append(d...)
	m.Labels = labels
	m.Status = types.StringValue(p.Status)
	m.CurrentNodes = types.Int64Value(p.CurrentNodes)
	m.EffectiveGPUType = types.StringValue(p.EffectiveGPUType)
	m.EffectiveCapacityType = types.StringValue(p.EffectiveCapacityType)
	m.BaseURL = types.StringValue(p.BaseURL)
	m.HourlyCost = types.Float64Value(p.HourlyCost)
	m.ETag = types.StringValue(p.ETag)
	m.CreatedAt = shared.Timestamp(p.CreatedAt)
	m.UpdatedAt = shared.Timestamp(p.UpdatedAt)
	return diags
}

func positiveOrNull(n int64) types.Int64 {
	if n <= 0 {
		return types.Int64Null()
	}
	return types.Int64Value(n)
}

func (m *poolModel) autoscaling(ctx context.Context) (*api.Autoscaling, diag.Diagnostics) {
	if m.Autoscaling.IsNull() || m.Autoscaling.IsUnknown() {
		return nil, nil
	}
	var a autoscalingModel
	diags := m.Autoscaling.As(ctx, &a, basetypes.ObjectAsOptions{})
	return &api.Autoscaling{MinNodes: a.MinNodes.ValueInt64(), MaxNodes: a.MaxNodes.ValueInt64()}, diags
}

func (m *poolModel) fallback(ctx context.Context) ([]api.CapacityChoice, diag.Diagnostics) {
	out := []api.CapacityChoice{}
	if m.CapacityFallback.IsNull() || m.CapacityFallback.IsUnknown() {
		return out, nil
	}
	var choices []choiceModel
	diags := m.CapacityFallback.ElementsAs(ctx, &choices, false)
	for _, c := range choices {
		out = append(out, api.CapacityChoice{GPUType: c.GPUType.ValueString(), CapacityType: c.CapacityType.ValueString()})
	}
	return out, diags
}

func (m *poolModel) models(ctx context.Context) ([]api.PoolModel, diag.Diagnostics) {
	out := []api.PoolModel{}
	if m.Models.IsNull() || m.Models.IsUnknown() {
		return out, nil
	}
	var models []poolModelModel
	diags := m.Models.ElementsAs(ctx, &models, false)
	for _, x := range models {
		out = append(out, api.PoolModel{ID: x.ID.ValueString(), ContextWindow: x.ContextWindow.ValueInt64(), MaxTokens: x.MaxTokens.ValueInt64()})
	}
	return out, diags
}

func (m *poolModel) labels(ctx context.Context) (map[string]string, diag.Diagnostics) {
	return shared.StringMap(ctx, m.Labels)
}

func (m *resourceModel) toCreate(ctx context.Context) (api.GPUPoolCreate, diag.Diagnostics) {
	var diags diag.Diagnostics
	req := api.GPUPoolCreate{
		Name:            m.Name.ValueString(),
		EnvironmentID:   m.EnvironmentID.ValueString(),
		ProviderID:      m.ProviderID.ValueString(),
		Backend:         m.Backend.ValueString(),
		GPUType:         m.GPUType.ValueString(),
		GPUsPerNode:     m.GPUsPerNode.ValueInt64(),
		CapacityType:    m.CapacityType.ValueString(),
		NodeCount:       m.NodeCount.ValueInt64Pointer(),
		IdleStopSeconds: m.IdleStopSeconds.ValueInt64(),
	}
	var d diag.Diagnostics
	req.Autoscaling, d = m.autoscaling(ctx)
	diags.Append(d...)
	fb, d := m.fallback(ctx)
	diags.Append(d...)
	if len(fb) > 0 {
		req.CapacityFallback = fb
	}
	models, d := m.models(ctx)
	diags.Append(d...)
	if len(models) > 0 {
		req.Models = models
	}
	labels, d := m.labels(ctx)
	diags.Append(d...)
	if len(labels) > 0 {
		req.Labels = labels
	}
	return req, diags
}

// toUpdate builds a PATCH holding what differs between plan (m) and state.
func (m *resourceModel) toUpdate(ctx context.Context, state *resourceModel) (api.GPUPoolUpdate, diag.Diagnostics) {
	var diags diag.Diagnostics
	var req api.GPUPoolUpdate
	str := func(plan, st types.String) *string {
		if plan.IsNull() || plan.IsUnknown() || plan.Equal(st) {
			return nil
		}
		v := plan.ValueString()
		return &v
	}
	num := func(plan, st types.Int64) *int64 {
		if plan.IsNull() || plan.IsUnknown() || plan.Equal(st) {
			return nil
		}
		v := plan.ValueInt64()
		return &v
	}
	req.Backend = str(m.Backend, state.Backend)
	req.GPUType = str(m.GPUType, state.GPUType)
	req.CapacityType = str(m.CapacityType, state.CapacityType)
	req.GPUsPerNode = num(m.GPUsPerNode, state.GPUsPerNode)
	req.IdleStopSeconds = num(m.IdleStopSeconds, state.IdleStopSeconds)
	// Sizing: node_count and autoscaling switch modes; send the mode the
	// plan has whenever it differs.
	if !m.NodeCount.IsNull() && !m.NodeCount.Equal(state.NodeCount) {
		req.NodeCount = m.NodeCount.ValueInt64Pointer()
	}
	if !m.Autoscaling.IsNull() && !m.Autoscaling.Equal(state.Autoscaling) {
		var d diag.Diagnostics
		req.Autoscaling, d = m.autoscaling(ctx)
		diags.Append(d...)
	}
	planFB, d := m.fallback(ctx)
	diags.Append(d...)
	stateFB, d := state.fallback(ctx)
	diags.Append(d...)
	if !equalJSON(planFB, stateFB) {
		req.CapacityFallback = &planFB
	}
	planModels, d := m.models(ctx)
	diags.Append(d...)
	stateModels, d := state.models(ctx)
	diags.Append(d...)
	if !equalJSON(planModels, stateModels) {
		req.Models = &planModels
	}
	planLabels, d := m.labels(ctx)
	diags.Append(d...)
	stateLabels, d := state.labels(ctx)
	diags.Append(d...)
	if !equalJSON(planLabels, stateLabels) {
		req.Labels = &planLabels
	}
	return req, diags
}

// nodesChange reports whether the plan changes anything but metadata
// (labels): only then does the update touch the nodes.
func (m *poolModel) nodesChange(state *poolModel) bool {
	return !m.Backend.Equal(state.Backend) || !m.GPUType.Equal(state.GPUType) || !m.GPUsPerNode.Equal(state.GPUsPerNode) ||
		!m.CapacityType.Equal(state.CapacityType) || !m.NodeCount.Equal(state.NodeCount) || !m.Autoscaling.Equal(state.Autoscaling) ||
		!m.CapacityFallback.Equal(state.CapacityFallback) || !m.Models.Equal(state.Models) || !m.IdleStopSeconds.Equal(state.IdleStopSeconds)
}

// nodesForEstimate is the node count the estimate prices: node_count, or
// max_nodes for autoscaling pools (the most the pool can cost).
func (m *poolModel) nodesForEstimate(ctx context.Context) (int64, bool) {
	if known(m.NodeCount) {
		return m.NodeCount.ValueInt64(), true
	}
	if m.Autoscaling.IsUnknown() || m.Autoscaling.IsNull() {
		return 0, false
	}
	a, diags := m.autoscaling(ctx)
	var raw autoscalingModel
	if diags.HasError() || m.Autoscaling.As(ctx, &raw, basetypes.ObjectAsOptions{}).HasError() || !known(raw.MaxNodes) {
		return 0, false
	}
	return a.MaxNodes, true
}

// estimate prices a pool from the catalog: GPUs × the first choice's
// highest regional price. The highest, not the environment's region's: the
// plan must hold the same value when Terraform plans again during apply,
// and an environment created in the same apply has no region at plan time.
func estimate(cat gpucatalog.Catalog, gpuType, capacityType string, gpusPerNode, nodes int64) (float64, bool) {
	price, ok := cat.MaxPrice(gpuType, capacityType)
	if !ok {
		return 0, false
	}
	return gpucatalog.Cost(price * float64(gpusPerNode*nodes)), true
}

// Identity and TimeoutsValue make resourceModel a shared.Model.
func (m *resourceModel) Identity() (id, name, etag string) {
	return m.ID.ValueString(), m.Name.ValueString(), m.ETag.ValueString()
}

func (m *resourceModel) TimeoutsValue() timeouts.Value { return m.Timeouts }

var known = shared.Known

func equalJSON(a, b any) bool {
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	return string(ja) == string(jb)
}
