package gpucatalog

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestDefaultCatalogIsValidAndPriced(t *testing.T) {
	c := Default()
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	p, ok := c.Price("nvidia-l4", "us-east", "on_demand")
	if !ok || p != 0.80 {
		t.Fatalf("L4 us-east on-demand = %v, %v", p, ok)
	}
	p, _ = c.Price("nvidia-l4", "eu-central", "spot")
	if p != 0.346 { // 0.32 × 1.08
		t.Fatalf("L4 eu-central spot = %v", p)
	}
	if _, ok := c.Price("nvidia-h200-141gb", "ap-southeast", "on_demand"); ok {
		t.Fatal("H200 is not offered in ap-southeast")
	}
	if o, _ := c.Offer("nvidia-h200-141gb", "eu-central"); o.CapacityGPUs.Spot != 0 || o.CapacityGPUs.OnDemand == 0 {
		t.Fatalf("H200 spot should be sold out in eu-central: %+v", o)
	}
	if m, _ := c.MaxPrice("nvidia-l4", "on_demand"); m != 0.896 { // ap-southeast ×1.12
		t.Fatalf("max L4 price = %v", m)
	}
}

func TestLoadOperatorFile(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.json")
	os.WriteFile(good, []byte(`{"gpu_types":[{"id":"amd-mi300x","display_name":"AMD MI300X","memory_gb":192,
	  "regions":[{"region":"us-east","on_demand_hourly":5.5,"spot_hourly":2.2,"capacity_gpus":{"on_demand":8,"spot":0},"available_gpus":{"on_demand":0,"spot":0}}]}]}`), 0o600)
	c, err := Load(good)
	if err != nil {
		t.Fatal(err)
	}
	if o, _ := c.Offer("amd-mi300x", "us-east"); o.AvailableGPUs.OnDemand != 8 {
		t.Fatalf("available not reset to capacity: %+v", o)
	}
	for name, body := range map[string]string{
		"unknown field": `{"gpu_types":[{"id":"x","memory_gb":1,"regions":[],"price":3}]}`,
		"duplicate":     `{"gpu_types":[{"id":"x","memory_gb":1},{"id":"x","memory_gb":1}]}`,
		"negative":      `{"gpu_types":[{"id":"x","memory_gb":1,"regions":[{"region":"r","on_demand_hourly":-1}]}]}`,
		"empty":         `{"gpu_types":[]}`,
		"not json":      `gpu: yes`,
	} {
		p := filepath.Join(dir, strings.ReplaceAll(name, " ", "_")+".json")
		os.WriteFile(p, []byte(body), 0o600)
		if _, err := Load(p); err == nil || !strings.Contains(err.Error(), p) {
			t.Errorf("%s: err = %v, want an error naming the file", name, err)
		}
	}
}
