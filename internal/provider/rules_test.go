package provider_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/openclaw/terraform-provider-openclaw/internal/api"
	"github.com/openclaw/terraform-provider-openclaw/internal/provider/apikey"
	"github.com/openclaw/terraform-provider-openclaw/internal/provider/environment"
	"github.com/openclaw/terraform-provider-openclaw/internal/provider/gpupool"
)

// attribute finds an attribute of a resource's schema by its path
// ("size.cpus"; "models.id" is the id of each element of models).
func attribute(t *testing.T, r resource.Resource, at string) schema.Attribute {
	t.Helper()
	var resp resource.SchemaResponse
	r.Schema(context.Background(), resource.SchemaRequest{}, &resp)
	attrs := resp.Schema.Attributes
	var a schema.Attribute
	for _, name := range strings.Split(at, ".") {
		if a != nil {
			switch n := a.(type) {
			case schema.SingleNestedAttribute:
				attrs = n.Attributes
			case schema.ListNestedAttribute:
				attrs = n.NestedObject.Attributes
			default:
				t.Fatalf("%s: %T has no attributes", at, a)
			}
		}
		var ok bool
		if a, ok = attrs[name]; !ok {
			t.Fatalf("no attribute %s", at)
		}
	}
	return a
}

// planRejects runs the attribute's validators on v: what the plan says.
func planRejects(t *testing.T, a schema.Attribute, v attr.Value) bool {
	t.Helper()
	ctx, p := context.Background(), path.Root("x")
	var failed bool
	switch a := a.(type) {
	case schema.StringAttribute:
		for _, val := range a.Validators {
			var resp validator.StringResponse
			val.ValidateString(ctx, validator.StringRequest{Path: p, ConfigValue: v.(types.String)}, &resp)
			failed = failed || resp.Diagnostics.HasError()
		}
	case schema.Int64Attribute:
		for _, val := range a.Validators {
			var resp validator.Int64Response
			val.ValidateInt64(ctx, validator.Int64Request{Path: p, ConfigValue: v.(types.Int64)}, &resp)
			failed = failed || resp.Diagnostics.HasError()
		}
	case schema.MapAttribute:
		for _, val := range a.Validators {
			// AlsoRequires (secrets_wo needs secrets_wo_version) looks at the
			// whole configuration, not the value: not a rule of the API.
			if strings.Contains(fmt.Sprintf("%T", val), "AlsoRequires") {
				continue
			}
			var resp validator.MapResponse
			val.ValidateMap(ctx, validator.MapRequest{Path: p, PathExpression: p.Expression(), ConfigValue: v.(types.Map)}, &resp)
			failed = failed || resp.Diagnostics.HasError()
		}
	case schema.ListNestedAttribute:
		for _, val := range a.Validators {
			var resp validator.ListResponse
			val.ValidateList(ctx, validator.ListRequest{Path: p, ConfigValue: v.(types.List)}, &resp)
			failed = failed || resp.Diagnostics.HasError()
		}
	default:
		t.Fatalf("no validator runner for %T", a)
	}
	return failed
}

type poolShape struct {
	gpus, nodes, idle int64
	fallbacks         int
	models            []api.PoolModel
}

type ruleCase struct {
	value  attr.Value
	server []api.FieldError // what the control plane says of the same value
}

// TestPlanRejectsWhatTheServerRejects proves that each rule of
// internal/api is enforced the same at plan time: every value on both
// sides of each limit is refused by the plan exactly when the control plane
// refuses it.
func TestPlanRejectsWhatTheServerRejects(t *testing.T) {
	env, pool, key := environment.NewResource(), gpupool.NewResource(), apikey.NewResource()

	names := []string{"a", "ab-c9", "a" + strings.Repeat("b", api.MaxNameLen-1), strings.Repeat("a", api.MaxNameLen+1), "Bad", "a-", "-a", "9a", "a_b", "a.b"}
	labelMaps := []map[string]string{
		{"team": "x"}, {"a.b/c_d-e": "x"}, {"Bad": "x"}, {"9a": "x"}, {"a b": "x"},
		{strings.Repeat("k", 63): "x"}, {strings.Repeat("k", 64): "x"},
		{"team": strings.Repeat("v", api.MaxLabelValueLen)}, {"team": strings.Repeat("v", api.MaxLabelValueLen+1)},
		many(api.MaxLabels, "x"), many(api.MaxLabels+1, "x"),
	}
	secretMaps := []map[string]string{
		{"OPENAI_API_KEY": "x"}, {"_X1": "x"}, {"lower": "x"}, {"1X": "x"}, {"X-Y": "x"},
		{"X": ""}, {"X": strings.Repeat("s", api.MaxSecretBytes)}, {"X": strings.Repeat("s", api.MaxSecretBytes+1)},
		{"X": strings.Repeat("é", api.MaxSecretBytes/2+1)},
		manyUpper(api.MaxSecrets), manyUpper(api.MaxSecrets + 1),
	}
	ints := func(vs ...int64) []int64 { return vs }
	// pool1 is what the control plane says of a valid pool changed by mod.
	pool1 := func(mod func(*poolShape)) []api.FieldError {
		p := poolShape{gpus: 1, nodes: 1}
		mod(&p)
		return api.ValidatePoolShape("vllm", p.gpus, &p.nodes, nil, p.fallbacks, p.models, p.idle)
	}

	cases := map[string][]ruleCase{}
	add := func(key string, c ruleCase) { cases[key] = append(cases[key], c) }
	for _, n := range names {
		for _, res := range []string{"environment", "gpu_pool", "api_key"} {
			add(res+" name", ruleCase{types.StringValue(n), api.ValidateName("name", n)})
		}
	}
	for _, l := range labelMaps {
		for _, res := range []string{"environment", "gpu_pool", "api_key"} {
			add(res+" labels", ruleCase{mapValue(l), api.ValidateLabels(l)})
		}
	}
	for _, s := range secretMaps {
		add("environment secrets_wo", ruleCase{mapValue(s), api.ValidateSecrets(s)})
	}
	for _, n := range ints(0, 1, api.MaxCPUs, api.MaxCPUs+1, -1) {
		add("environment size.cpus", ruleCase{types.Int64Value(n), api.ValidateSize(api.Size{CPUs: n, MemoryMB: 4096})})
	}
	for _, n := range ints(api.MinMemoryMB-256, api.MinMemoryMB, 1000, 4000, 4096, api.MaxMemoryMB, api.MaxMemoryMB+api.MemoryStepMB) {
		add("environment size.memory_mb", ruleCase{types.Int64Value(n), api.ValidateSize(api.Size{CPUs: 2, MemoryMB: n})})
	}
	for _, n := range ints(0, 1, api.MaxStateVolumeGB, api.MaxStateVolumeGB+1) {
		add("environment state_volume_gb", ruleCase{types.Int64Value(n), api.ValidateStateVolume(n)})
	}
	for _, s := range []string{api.DesiredRunning, api.DesiredStopped, "paused", "Running"} {
		add("environment desired_state", ruleCase{types.StringValue(s), api.ValidateDesiredState(s)})
	}
	for _, s := range []string{"p", "local-llm", "a" + strings.Repeat("b", 39), "a" + strings.Repeat("b", 40), "Bad_ID", "1abc", "a_b"} {
		add("gpu_pool provider_id", ruleCase{types.StringValue(s), api.ValidateProviderID(s)})
	}
	for _, n := range ints(0, 1, 2, 3, 4, 8, 16) {
		add("gpu_pool gpus_per_node", ruleCase{types.Int64Value(n), pool1(func(p *poolShape) { p.gpus = n })})
	}
	for _, n := range ints(-1, 0, api.MaxPoolNodes, api.MaxPoolNodes+1) {
		add("gpu_pool node_count", ruleCase{types.Int64Value(n), pool1(func(p *poolShape) { p.nodes = n })})
		add("gpu_pool autoscaling.min_nodes", ruleCase{types.Int64Value(n),
			api.ValidatePoolShape("vllm", 1, nil, &api.Autoscaling{MinNodes: n, MaxNodes: max(n, 1)}, 0, nil, 0)})
		add("gpu_pool autoscaling.max_nodes", ruleCase{types.Int64Value(n),
			api.ValidatePoolShape("vllm", 1, nil, &api.Autoscaling{MinNodes: 0, MaxNodes: n}, 0, nil, 0)})
	}
	for _, n := range ints(-1, 0, api.MaxIdleStopSeconds, api.MaxIdleStopSeconds+1) {
		add("gpu_pool idle_stop_seconds", ruleCase{types.Int64Value(n), pool1(func(p *poolShape) { p.idle = n })})
	}
	for _, id := range []string{"m", strings.Repeat("m", api.MaxModelIDLen), strings.Repeat("m", api.MaxModelIDLen+1)} {
		add("gpu_pool models.id", ruleCase{types.StringValue(id), pool1(func(p *poolShape) { p.models = []api.PoolModel{{ID: id}} })})
	}
	for _, n := range []int{0, api.MaxCapacityFallback, api.MaxCapacityFallback + 1} {
		add("gpu_pool capacity_fallback", ruleCase{choices(n), pool1(func(p *poolShape) { p.fallbacks = n })})
	}
	for _, n := range []int{0, api.MaxPoolModels, api.MaxPoolModels + 1} {
		add("gpu_pool models", ruleCase{models(n), pool1(func(p *poolShape) {
			for i := range n {
				p.models = append(p.models, api.PoolModel{ID: fmt.Sprintf("m%d", i)})
			}
		})})
	}

	resources := map[string]resource.Resource{"environment": env, "gpu_pool": pool, "api_key": key}
	for name, cs := range cases {
		res, at, _ := strings.Cut(name, " ")
		a := attribute(t, resources[res], at)
		for _, c := range cs {
			if got, want := planRejects(t, a, c.value), len(c.server) > 0; got != want {
				t.Errorf("openclaw_%s.%s = %s: plan rejects %v, control plane rejects %v (%v)", res, at, short(c.value), got, want, c.server)
			}
		}
	}
}

func many(n int, v string) map[string]string {
	m := map[string]string{}
	for i := range n {
		m[fmt.Sprintf("k%d", i)] = v
	}
	return m
}

func manyUpper(n int) map[string]string {
	m := map[string]string{}
	for i := range n {
		m[fmt.Sprintf("S%d", i)] = "x"
	}
	return m
}

func mapValue(m map[string]string) types.Map {
	v, diags := types.MapValueFrom(context.Background(), types.StringType, m)
	if diags.HasError() {
		panic(diags)
	}
	return v
}

func choices(n int) types.List {
	t := types.ObjectType{AttrTypes: map[string]attr.Type{"gpu_type": types.StringType, "capacity_type": types.StringType}}
	elems := make([]attr.Value, n)
	for i := range elems {
		elems[i] = types.ObjectValueMust(t.AttrTypes, map[string]attr.Value{"gpu_type": types.StringValue("nvidia-l4"), "capacity_type": types.StringValue("spot")})
	}
	return types.ListValueMust(t, elems)
}

func models(n int) types.List {
	t := types.ObjectType{AttrTypes: map[string]attr.Type{"id": types.StringType, "context_window": types.Int64Type, "max_tokens": types.Int64Type}}
	elems := make([]attr.Value, n)
	for i := range elems {
		elems[i] = types.ObjectValueMust(t.AttrTypes, map[string]attr.Value{"id": types.StringValue(fmt.Sprintf("m%d", i)), "context_window": types.Int64Null(), "max_tokens": types.Int64Null()})
	}
	return types.ListValueMust(t, elems)
}

func short(v attr.Value) string {
	s := v.String()
	if len(s) > 60 {
		return s[:60] + "…"
	}
	return s
}
