package gpupool

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/openclaw/terraform-provider-openclaw/internal/api"
	"github.com/openclaw/terraform-provider-openclaw/internal/gpucatalog"
)

func samplePool() *api.GPUPool {
	n := int64(2)
	return &api.GPUPool{
		ID: "gpool_1", Name: "inference", EnvironmentID: "env_1", ProviderID: "local", Backend: "vllm",
		GPUType: "nvidia-l4", GPUsPerNode: 2, CapacityType: "spot", NodeCount: &n,
		CapacityFallback: []api.CapacityChoice{{GPUType: "nvidia-a10g", CapacityType: "on_demand"}},
		Models:           []api.PoolModel{{ID: "llama", ContextWindow: 8192}},
		Labels:           map[string]string{}, Status: "running", CurrentNodes: 2,
		EffectiveGPUType: "nvidia-a10g", EffectiveCapacityType: "on_demand", BaseURL: "http://x:8000/v1", HourlyCost: 4.4,
		ETag: "3", CreatedAt: time.Unix(0, 0), UpdatedAt: time.Unix(60, 0),
	}
}

func fromSample(t *testing.T, p *api.GPUPool) resourceModel {
	t.Helper()
	var m resourceModel
	m.CapacityFallback = types.ListNull(types.ObjectType{AttrTypes: choiceAttrTypes})
	m.Models = types.ListNull(types.ObjectType{AttrTypes: modelAttrTypes})
	m.Labels = types.MapNull(types.StringType)
	if d := m.fromAPI(context.Background(), p, true); d.HasError() {
		t.Fatal(d)
	}
	return m
}

func TestFromAPI(t *testing.T) {
	m := fromSample(t, samplePool())
	if m.NodeCount.ValueInt64() != 2 || !m.Autoscaling.IsNull() {
		t.Errorf("sizing: node_count %v autoscaling %v", m.NodeCount, m.Autoscaling)
	}
	if !m.Labels.IsNull() {
		t.Error("empty labels should stay null when not configured")
	}
	if len(m.CapacityFallback.Elements()) != 1 || len(m.Models.Elements()) != 1 {
		t.Errorf("lists: %v %v", m.CapacityFallback, m.Models)
	}
	var models []poolModelModel
	m.Models.ElementsAs(context.Background(), &models, false)
	if models[0].ContextWindow.ValueInt64() != 8192 || !models[0].MaxTokens.IsNull() {
		t.Errorf("0 max_tokens should read back null: %+v", models[0])
	}
	if m.EffectiveGPUType.ValueString() != "nvidia-a10g" || m.HourlyCost.ValueFloat64() != 4.4 {
		t.Errorf("computed: %+v", m)
	}
}

func TestToCreateAndUpdate(t *testing.T) {
	ctx := context.Background()
	state := fromSample(t, samplePool())
	req, d := state.toCreate(ctx)
	if d.HasError() {
		t.Fatal(d)
	}
	b, _ := json.Marshal(req)
	want := `{"name":"inference","environment_id":"env_1","provider_id":"local","backend":"vllm","gpu_type":"nvidia-l4","gpus_per_node":2,"capacity_type":"spot","node_count":2,"capacity_fallback":[{"gpu_type":"nvidia-a10g","capacity_type":"on_demand"}],"models":[{"id":"llama","context_window":8192}]}`
	if string(b) != want {
		t.Errorf("create\n got %s\nwant %s", b, want)
	}

	same := fromSample(t, samplePool())
	up, _ := same.toUpdate(ctx, &state)
	if b, _ := json.Marshal(up); string(b) != `{}` {
		t.Errorf("no-op update sends %s", b)
	}

	// Switch to autoscaling, drop the fallback list, change the GPU type.
	p := samplePool()
	p.NodeCount = nil
	p.Autoscaling = &api.Autoscaling{MinNodes: 1, MaxNodes: 4}
	p.GPUType = "nvidia-a100-80gb"
	p.CapacityFallback = nil
	plan := fromSample(t, p)
	up, _ = plan.toUpdate(ctx, &state)
	b, _ = json.Marshal(up)
	want = `{"gpu_type":"nvidia-a100-80gb","autoscaling":{"min_nodes":1,"max_nodes":4},"capacity_fallback":[]}`
	if string(b) != want {
		t.Errorf("update\n got %s\nwant %s", b, want)
	}
}

func TestEstimate(t *testing.T) {
	cat := gpucatalog.Default()
	if got, _ := estimate(cat, "nvidia-l4", "on_demand", 2, 3); got != 5.376 { // ap-southeast's $0.896 is the highest, × 6 GPUs
		t.Errorf("estimate = %v", got)
	}
	if got, _ := estimate(cat, "nvidia-h200-141gb", "spot", 8, 1); got != 36.288 { // eu-central's $4.536 × 8
		t.Errorf("estimate = %v", got)
	}
	if _, ok := estimate(cat, "nvidia-b300", "on_demand", 1, 1); ok {
		t.Error("priced a type the catalog does not have")
	}
	m := fromSample(t, samplePool())
	if n, ok := m.nodesForEstimate(context.Background()); !ok || n != 2 {
		t.Errorf("fixed pool nodes = %d %v", n, ok)
	}
	p := samplePool()
	p.NodeCount, p.Autoscaling = nil, &api.Autoscaling{MinNodes: 0, MaxNodes: 7}
	m = fromSample(t, p)
	if n, ok := m.nodesForEstimate(context.Background()); !ok || n != 7 {
		t.Errorf("autoscaling pool priced at %d nodes, want max_nodes 7", n)
	}
}

func TestMonthlyCost(t *testing.T) {
	cat := gpucatalog.Default()
	got, err := monthlyCost(cat, "nvidia-h100-80gb", "us-east", "spot", 8, 50)
	if err != nil || got != 4853.333 { // 2.80 × 8 × 50 × 52/12
		t.Fatalf("cost = %v, %v", got, err)
	}
	for _, c := range []struct {
		gpuType, region, capacity string
		gpus                      int64
		hours                     float64
		arg                       int64
		want                      string
	}{
		{"nvidia-b300", "us-east", "spot", 1, 1, 0, "unknown GPU type"},
		{"nvidia-l4", "sa-east", "spot", 1, 1, 1, "not offered"},
		{"nvidia-l4", "us-east", "reserved", 1, 1, 2, "on_demand or spot"},
		{"nvidia-l4", "us-east", "spot", -1, 1, 3, "must not be negative"},
		{"nvidia-l4", "us-east", "spot", 1, 169, 4, "between 0 and 168"},
	} {
		_, err := monthlyCost(cat, c.gpuType, c.region, c.capacity, c.gpus, c.hours)
		if err == nil || err.FunctionArgument == nil || *err.FunctionArgument != c.arg || !strings.Contains(err.Text, c.want) {
			t.Errorf("%+v: err = %+v", c, err)
		}
	}
}

func TestFilterOffersSortedByPrice(t *testing.T) {
	limit := 1.0
	offers := filterOffers(gpucatalog.Default().Types, offerFilter{region: "us-east", maxPrice: &limit})
	if len(offers) == 0 {
		t.Fatal("no offers")
	}
	for i, o := range offers {
		if o.HourlyPrice.ValueFloat64() > limit || o.Region.ValueString() != "us-east" {
			t.Errorf("offer %d breaks the filter: %+v", i, o)
		}
		if i > 0 && offers[i-1].HourlyPrice.ValueFloat64() > o.HourlyPrice.ValueFloat64() {
			t.Errorf("not sorted at %d", i)
		}
	}
	if got := filterOffers(gpucatalog.Default().Types, offerFilter{minMemoryGB: 100, capacityType: "on_demand"}); len(got) != 2 { // H200 in 2 regions
		t.Errorf("H200 on-demand offers = %d", len(got))
	}
}
