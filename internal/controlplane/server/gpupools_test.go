package server_test

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/openclaw/terraform-provider-openclaw/internal/api"
)

func init() {
	addRouteFixtures(map[string]routeFixture{
		"GET /v1/gpu-types": {
			scope: "", bound: http.StatusOK,
			request: func(t *testing.T, w *routeWorld) req { return req{method: http.MethodGet, path: "/v1/gpu-types"} },
		},
		"GET /v1/gpu-pools": {
			scope: api.ScopeGPUPoolsRead, bound: http.StatusOK,
			request: func(t *testing.T, w *routeWorld) req { return req{method: http.MethodGet, path: "/v1/gpu-pools"} },
		},
		"POST /v1/gpu-pools": {
			scope: api.ScopeGPUPoolsWrite, bound: http.StatusNotFound,
			request: func(t *testing.T, w *routeWorld) req {
				return req{method: http.MethodPost, path: "/v1/gpu-pools", body: poolBody(w.a.ID, uniqueName("route-pool"), 1)}
			},
		},
		"GET /v1/gpu-pools/{id}": {
			scope: api.ScopeGPUPoolsRead, bound: http.StatusNotFound,
			request: func(t *testing.T, w *routeWorld) req {
				return req{method: http.MethodGet, path: "/v1/gpu-pools/" + w.pool(t)}
			},
		},
		"PATCH /v1/gpu-pools/{id}": {
			scope: api.ScopeGPUPoolsWrite, bound: http.StatusNotFound,
			request: func(t *testing.T, w *routeWorld) req {
				return req{method: http.MethodPatch, path: "/v1/gpu-pools/" + w.pool(t), body: map[string]any{"labels": map[string]string{"touched": "yes"}}}
			},
		},
		"DELETE /v1/gpu-pools/{id}": {
			scope: api.ScopeGPUPoolsWrite, bound: http.StatusNotFound,
			request: func(t *testing.T, w *routeWorld) req {
				return req{method: http.MethodDelete, path: "/v1/gpu-pools/" + w.freshPool(t)}
			},
		},
		"POST /v1/gpu-pools/{id}/simulator/load": {
			scope: api.ScopeGPUPoolsWrite, bound: http.StatusNotFound,
			request: func(t *testing.T, w *routeWorld) req {
				return req{method: http.MethodPost, path: "/v1/gpu-pools/" + w.pool(t) + "/simulator/load", body: api.SimulatedLoad{CurrentNodes: 1}}
			},
		},
	})
}

// poolBody is a small autoscaling L4 pool.
func poolBody(envID, name string, maxNodes int64) api.GPUPoolCreate {
	return api.GPUPoolCreate{
		Name: name, EnvironmentID: envID, ProviderID: name, Backend: "vllm", GPUType: "nvidia-l4",
		Autoscaling: &api.Autoscaling{MinNodes: 1, MaxNodes: maxNodes},
	}
}

// pool returns a running pool of environment a, created once per world.
func (w *routeWorld) pool(t *testing.T) string {
	t.Helper()
	if w.poolID == "" {
		w.poolID = w.freshPool(t)
	}
	return w.poolID
}

func (w *routeWorld) freshPool(t *testing.T) string {
	t.Helper()
	return w.c.createPool(t, poolBody(w.a.ID, uniqueName("pool"), 3)).ID
}

// createPool creates a pool and waits until it runs.
func (c *cp) createPool(t testing.TB, body api.GPUPoolCreate) api.GPUPool {
	t.Helper()
	r := c.do(t, req{method: http.MethodPost, path: "/v1/gpu-pools", key: c.admin, body: body})
	wantStatus(t, r, http.StatusAccepted)
	op := decode[api.Operation](t, r)
	c.waitSucceeded(t, op.ID)
	return c.pool(t, op.TargetID)
}

func (c *cp) pool(t testing.TB, id string) api.GPUPool {
	t.Helper()
	r := c.get(t, c.admin, "/v1/gpu-pools/"+id)
	wantStatus(t, r, http.StatusOK)
	return decode[api.GPUPool](t, r)
}

func (c *cp) available(t testing.TB, gpuType, region, capacityType string) int64 {
	t.Helper()
	r := c.get(t, c.admin, "/v1/gpu-types")
	wantStatus(t, r, http.StatusOK)
	for _, gt := range decode[api.List[api.GPUType]](t, r).Items {
		for _, o := range gt.Regions {
			if gt.ID == gpuType && o.Region == region {
				if capacityType == api.CapacitySpot {
					return o.AvailableGPUs.Spot
				}
				return o.AvailableGPUs.OnDemand
			}
		}
	}
	t.Fatalf("%s not offered in %s", gpuType, region)
	return 0
}

func TestGPUPoolCapacityAndFallback(t *testing.T) {
	t.Parallel()
	c := start(t)
	env := c.createRunning(t, api.EnvironmentCreate{Name: uniqueName("gpu"), Region: "eu-central"})
	if got := c.available(t, "nvidia-h100-80gb", "eu-central", api.CapacityOnDemand); got != 24 {
		t.Fatalf("fresh catalog: %d H100 free", got)
	}

	// H200 spot is sold out in eu-central: the first fallback with room wins.
	first := c.createPool(t, api.GPUPoolCreate{
		Name: "first", EnvironmentID: env.ID, ProviderID: "first", Backend: "sglang", GPUType: "nvidia-h200-141gb",
		CapacityType: api.CapacitySpot, GPUsPerNode: 8, NodeCount: ptr[int64](2),
		CapacityFallback: []api.CapacityChoice{{GPUType: "nvidia-h100-80gb", CapacityType: api.CapacityOnDemand}},
	})
	if first.EffectiveGPUType != "nvidia-h100-80gb" || first.EffectiveCapacityType != api.CapacityOnDemand || first.CurrentNodes != 2 {
		t.Fatalf("fallback not used: %+v", first)
	}
	if first.HourlyCost != 119.232 { // 16 GPUs × $7.452
		t.Errorf("hourly_cost = %v", first.HourlyCost)
	}
	if got := c.available(t, "nvidia-h100-80gb", "eu-central", api.CapacityOnDemand); got != 8 {
		t.Fatalf("after allocating 16 H100: %d free, want 8", got)
	}

	// 16 more H100 do not fit anywhere: the operation fails at once, lists
	// every choice, and leaves no pool behind.
	r := c.do(t, req{method: http.MethodPost, path: "/v1/gpu-pools", key: c.admin, body: api.GPUPoolCreate{
		Name: "second", EnvironmentID: env.ID, ProviderID: "second", Backend: "vllm", GPUType: "nvidia-h100-80gb",
		GPUsPerNode: 8, NodeCount: ptr[int64](2),
		CapacityFallback: []api.CapacityChoice{{GPUType: "nvidia-h200-141gb", CapacityType: api.CapacitySpot}},
	}})
	wantStatus(t, r, http.StatusAccepted)
	op := c.waitOp(t, decode[api.Operation](t, r).ID, 10e9, done)
	if op.Status != api.OperationFailed || op.Error == nil || op.Error.Code != api.CodeNoCapacity {
		t.Fatalf("want a no_capacity failure, got %+v", op)
	}
	for _, want := range []string{"nvidia-h100-80gb (on_demand): needs 16 GPUs, 8 free", "nvidia-h200-141gb (spot): needs 16 GPUs, 0 free", "Nothing was created"} {
		if !strings.Contains(op.Error.Detail, want) {
			t.Errorf("detail %q lacks %q", op.Error.Detail, want)
		}
	}
	wantProblem(t, c.get(t, c.admin, "/v1/gpu-pools/"+op.TargetID), http.StatusNotFound, api.CodeNotFound)

	// Deleting the first pool frees its GPUs.
	r = c.do(t, req{method: http.MethodDelete, path: "/v1/gpu-pools/" + first.ID, key: c.admin})
	wantStatus(t, r, http.StatusAccepted)
	c.waitSucceeded(t, decode[api.Operation](t, r).ID)
	if got := c.available(t, "nvidia-h100-80gb", "eu-central", api.CapacityOnDemand); got != 24 {
		t.Fatalf("after delete: %d free, want 24", got)
	}
}

func TestGPUPoolRollingUpdateAndRevert(t *testing.T) {
	t.Parallel()
	c := start(t)
	env := c.createRunning(t, api.EnvironmentCreate{Name: uniqueName("roll"), Region: "us-east"})
	p := c.createPool(t, api.GPUPoolCreate{
		Name: "llm", EnvironmentID: env.ID, ProviderID: "llm", Backend: "vllm", GPUType: "nvidia-l4", NodeCount: ptr[int64](3),
		Models: []api.PoolModel{{ID: "llama", ContextWindow: 8192, MaxTokens: 1024}},
	})

	// The gateway lists the pool as a model provider with its models.
	cfg := readGatewayConfig(t, c, env.ID)
	prov, ok := cfg.Models.Providers["llm"]
	if !ok || prov.BaseURL != p.BaseURL || !strings.HasSuffix(prov.BaseURL, ":8000/v1") || prov.API != "openai-completions" || len(prov.Models) != 1 {
		t.Fatalf("openclaw.json providers = %+v", cfg.Models.Providers)
	}

	// A new GPU type and backend: replaced node by node, same pool.
	r := c.do(t, req{method: http.MethodPatch, path: "/v1/gpu-pools/" + p.ID, key: c.admin, body: api.GPUPoolUpdate{
		GPUType: ptr("nvidia-a10g"), Backend: ptr("ollama"),
	}, header: map[string]string{"If-Match": `"` + p.ETag + `"`}})
	wantStatus(t, r, http.StatusAccepted)
	opID := decode[api.Operation](t, r).ID
	var messages []string
	op := c.waitOp(t, opID, 10e9, func(o api.Operation) bool {
		if len(messages) == 0 || messages[len(messages)-1] != o.Message {
			messages = append(messages, o.Message)
		}
		return o.Done()
	})
	if op.Status != api.OperationSucceeded {
		t.Fatalf("update failed: %+v", op)
	}
	after := c.pool(t, p.ID)
	if after.EffectiveGPUType != "nvidia-a10g" || after.CurrentNodes != 3 || !strings.HasSuffix(after.BaseURL, ":11434") {
		t.Fatalf("after rolling update: %+v", after)
	}
	if after.ETag == p.ETag {
		t.Error("etag did not move with the spec")
	}
	if cfg := readGatewayConfig(t, c, env.ID); cfg.Models.Providers["llm"].API != "ollama" {
		t.Errorf("gateway not reconfigured: %+v", cfg.Models.Providers)
	}
	t.Logf("operation messages: %q", messages)

	// An update that cannot get capacity leaves the pool as it was.
	r = c.do(t, req{method: http.MethodPatch, path: "/v1/gpu-pools/" + p.ID, key: c.admin, body: api.GPUPoolUpdate{
		GPUType: ptr("nvidia-h200-141gb"), GPUsPerNode: ptr[int64](8), NodeCount: ptr[int64](4),
	}})
	wantStatus(t, r, http.StatusAccepted)
	op = c.waitOp(t, decode[api.Operation](t, r).ID, 10e9, done)
	if op.Status != api.OperationFailed || op.Error.Code != api.CodeNoCapacity || !strings.Contains(op.Error.Detail, "keeps running 3 × nvidia-a10g") {
		t.Fatalf("want no_capacity keeping the pool, got %+v", op)
	}
	reverted := c.pool(t, p.ID)
	if reverted.GPUType != "nvidia-a10g" || reverted.GPUsPerNode != 1 || *reverted.NodeCount != 3 || reverted.Status != api.PoolStatusRunning {
		t.Fatalf("configuration not put back: %+v", reverted)
	}

	// Immutable fields are named.
	r = c.do(t, req{method: http.MethodPatch, path: "/v1/gpu-pools/" + p.ID, key: c.admin, body: map[string]any{"provider_id": "other"}})
	if pr := wantProblem(t, r, http.StatusBadRequest, api.CodeInvalidArgument); !strings.Contains(fieldMessage(pr, "provider_id"), "cannot be changed") {
		t.Errorf("provider_id change: %+v", pr)
	}
}

type gatewayConfig struct {
	Models struct {
		Providers map[string]struct {
			BaseURL string            `json:"baseUrl"`
			API     string            `json:"api"`
			Models  []json.RawMessage `json:"models"`
		} `json:"providers"`
	} `json:"models"`
}

func readGatewayConfig(t *testing.T, c *cp, envID string) gatewayConfig {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(c.stateDir(envID), "openclaw.json"))
	if err != nil {
		t.Fatal(err)
	}
	var cfg gatewayConfig
	if err := json.Unmarshal(raw, &cfg); err != nil {
		t.Fatal(err)
	}
	return cfg
}

func TestGPUPoolAutoscalerIsNotASpecChange(t *testing.T) {
	t.Parallel()
	c := start(t)
	env := c.createRunning(t, api.EnvironmentCreate{Name: uniqueName("scale"), Region: "us-west"})
	p := c.createPool(t, poolBody(env.ID, "elastic", 4))
	if p.CurrentNodes != 1 || p.NodeCount != nil {
		t.Fatalf("autoscaling pool starts at min_nodes: %+v", p)
	}
	load := func(n int64) *resp {
		return c.do(t, req{method: http.MethodPost, path: "/v1/gpu-pools/" + p.ID + "/simulator/load", key: c.admin, body: api.SimulatedLoad{CurrentNodes: n}})
	}
	r := load(3)
	wantStatus(t, r, http.StatusOK)
	if got := decode[api.GPUPool](t, r); got.CurrentNodes != 3 || got.ETag != p.ETag || got.HourlyCost != 2.4 {
		t.Fatalf("after load: %+v (etag before %s)", got, p.ETag)
	}
	if got := c.available(t, "nvidia-l4", "us-west", api.CapacityOnDemand); got != 61 {
		t.Errorf("capacity after scaling to 3: %d free, want 61", got)
	}
	if pr := wantProblem(t, load(5), http.StatusBadRequest, api.CodeInvalidArgument); !strings.Contains(fieldMessage(pr, "current_nodes"), "1..4") {
		t.Errorf("out of bounds: %+v", pr)
	}
	fixed := c.createPool(t, api.GPUPoolCreate{Name: "fixed", EnvironmentID: env.ID, ProviderID: "fixed", Backend: "vllm", GPUType: "nvidia-l4", NodeCount: ptr[int64](1)})
	r = c.do(t, req{method: http.MethodPost, path: "/v1/gpu-pools/" + fixed.ID + "/simulator/load", key: c.admin, body: api.SimulatedLoad{CurrentNodes: 2}})
	wantProblem(t, r, http.StatusBadRequest, api.CodeInvalidArgument)
}

func TestGPUPoolValidation(t *testing.T) {
	t.Parallel()
	c := start(t)
	env := c.createRunning(t, api.EnvironmentCreate{Name: uniqueName("val"), Region: "ap-southeast"})
	base := func(mod func(*api.GPUPoolCreate)) api.GPUPoolCreate {
		b := api.GPUPoolCreate{Name: "p", EnvironmentID: env.ID, ProviderID: "p", Backend: "vllm", GPUType: "nvidia-l4", NodeCount: ptr[int64](1)}
		mod(&b)
		return b
	}
	cases := []struct {
		name  string
		body  any
		field string
		msg   string
	}{
		{"backend", base(func(b *api.GPUPoolCreate) { b.Backend = "triton" }), "backend", "must be one of"},
		{"unknown type", base(func(b *api.GPUPoolCreate) { b.GPUType = "nvidia-b300" }), "gpu_type", "unknown GPU type"},
		{"not offered", base(func(b *api.GPUPoolCreate) { b.GPUType = "nvidia-h200-141gb" }), "gpu_type", "not offered in ap-southeast"},
		{"gpus per node", base(func(b *api.GPUPoolCreate) { b.GPUsPerNode = 3 }), "gpus_per_node", "1, 2, 4 or 8"},
		{"capacity type", base(func(b *api.GPUPoolCreate) { b.CapacityType = "reserved" }), "capacity_type", "on_demand or spot"},
		{"both sizes", base(func(b *api.GPUPoolCreate) { b.Autoscaling = &api.Autoscaling{MinNodes: 1, MaxNodes: 2} }), "node_count", "mutually exclusive"},
		{"no size", base(func(b *api.GPUPoolCreate) { b.NodeCount = nil }), "node_count", "set node_count"},
		{"min over max", base(func(b *api.GPUPoolCreate) {
			b.NodeCount = nil
			b.Autoscaling = &api.Autoscaling{MinNodes: 3, MaxNodes: 2}
		}), "autoscaling.min_nodes", "must not exceed max_nodes"},
		{"fallback type", base(func(b *api.GPUPoolCreate) {
			b.CapacityFallback = []api.CapacityChoice{{GPUType: "nvidia-x", CapacityType: "spot"}}
		}), "capacity_fallback[0].gpu_type", "unknown GPU type"},
		{"model limits", base(func(b *api.GPUPoolCreate) { b.Models = []api.PoolModel{{ID: "m", ContextWindow: 10, MaxTokens: 20}} }), "models[0].max_tokens", "must not exceed context_window"},
		{"duplicate model", base(func(b *api.GPUPoolCreate) { b.Models = []api.PoolModel{{ID: "m"}, {ID: "m"}} }), "models[1].id", "listed twice"},
		{"provider id", base(func(b *api.GPUPoolCreate) { b.ProviderID = "Bad_ID" }), "provider_id", "models.providers"},
		{"no environment", base(func(b *api.GPUPoolCreate) { b.EnvironmentID = "" }), "environment_id", "is required"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := c.do(t, req{method: http.MethodPost, path: "/v1/gpu-pools", key: c.admin, body: tc.body})
			pr := wantProblem(t, r, http.StatusBadRequest, api.CodeInvalidArgument)
			if !slices.Contains(fields(pr), tc.field) || !strings.Contains(fieldMessage(pr, tc.field), tc.msg) {
				t.Errorf("errors %+v, want %s: %q", pr.Errors, tc.field, tc.msg)
			}
		})
	}
	r := c.do(t, req{method: http.MethodPost, path: "/v1/gpu-pools", key: c.admin, body: base(func(b *api.GPUPoolCreate) { b.EnvironmentID = "env_missing" })})
	wantProblem(t, r, http.StatusNotFound, api.CodeNotFound)

	// Uniqueness per environment: name and provider_id.
	c.createPool(t, base(func(*api.GPUPoolCreate) {}))
	for field, body := range map[string]api.GPUPoolCreate{
		"name":        base(func(b *api.GPUPoolCreate) { b.ProviderID = "other" }),
		"provider_id": base(func(b *api.GPUPoolCreate) { b.Name = "other" }),
	} {
		r := c.do(t, req{method: http.MethodPost, path: "/v1/gpu-pools", key: c.admin, body: body})
		if pr := wantProblem(t, r, http.StatusConflict, api.CodeConflict); !slices.Contains(fields(pr), field) {
			t.Errorf("duplicate %s: %+v", field, pr)
		}
	}
}

func TestEnvironmentWithPoolsIsNotDeletedUnlessCascade(t *testing.T) {
	t.Parallel()
	c := start(t)
	env := c.createRunning(t, api.EnvironmentCreate{Name: uniqueName("owner"), Region: "us-east"})
	p := c.createPool(t, poolBody(env.ID, "kept", 2))
	pr := wantProblem(t, del(t, c, env.ID, ""), http.StatusConflict, api.CodeConflict)
	if !strings.Contains(pr.Detail, "kept ("+p.ID+")") || !strings.Contains(pr.Detail, "cascade=true") {
		t.Fatalf("409 should name the pool and the way out: %s", pr.Detail)
	}
	r := c.do(t, req{method: http.MethodDelete, path: "/v1/environments/" + env.ID + "?cascade=true", key: c.admin})
	wantStatus(t, r, http.StatusAccepted)
	c.waitSucceeded(t, decode[api.Operation](t, r).ID)
	wantProblem(t, c.get(t, c.admin, "/v1/gpu-pools/"+p.ID), http.StatusNotFound, api.CodeNotFound)
	if got := c.available(t, "nvidia-l4", "us-east", api.CapacityOnDemand); got != 64 {
		t.Errorf("cascade did not free the pool's GPUs: %d free", got)
	}
}
