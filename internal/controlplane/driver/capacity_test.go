package driver

import (
	"errors"
	"strings"
	"testing"

	"github.com/openclaw/terraform-provider-openclaw/internal/api"
	"github.com/openclaw/terraform-provider-openclaw/internal/gpucatalog"
)

func TestAllocateFirstChoiceWhenItFits(t *testing.T) {
	cat := gpucatalog.Default()
	choices := []api.CapacityChoice{{GPUType: "nvidia-l4", CapacityType: "spot"}, {GPUType: "nvidia-l4", CapacityType: "on_demand"}}
	got, tried, err := Allocate(cat, Usage{}, "us-east", choices, 4, 2)
	if err != nil || got != choices[0] || len(tried) != 0 {
		t.Fatalf("got %v tried %v err %v", got, tried, err)
	}
}

func TestAllocateFallsBackInOrder(t *testing.T) {
	cat := gpucatalog.Default()
	used := Usage{{Region: "us-east", GPUType: "nvidia-l4", CapacityType: "spot"}: 30} // 2 of 32 free
	choices := []api.CapacityChoice{
		{GPUType: "nvidia-l4", CapacityType: "spot"},
		{GPUType: "nvidia-h200-141gb", CapacityType: "spot"}, // offered in us-east, 8 free
		{GPUType: "nvidia-l4", CapacityType: "on_demand"},
	}
	got, tried, err := Allocate(cat, used, "us-east", choices, 2, 2)
	if err != nil {
		t.Fatal(err)
	}
	if got != choices[1] {
		t.Fatalf("chose %v, want the first choice that fits (%v)", got, choices[1])
	}
	if len(tried) != 1 || tried[0].Free != 2 || tried[0].Need != 4 {
		t.Fatalf("tried = %+v", tried)
	}
}

func TestAllocateSkipsTypesNotOfferedAndSoldOut(t *testing.T) {
	cat := gpucatalog.Default()
	choices := []api.CapacityChoice{
		{GPUType: "nvidia-h200-141gb", CapacityType: "spot"},     // sold out in eu-central
		{GPUType: "nvidia-h100-80gb", CapacityType: "spot"},      // 16 free
		{GPUType: "nvidia-a100-80gb", CapacityType: "on_demand"}, // never reached
	}
	got, tried, err := Allocate(cat, Usage{}, "eu-central", choices, 1, 8)
	if err != nil || got != choices[1] || len(tried) != 1 || tried[0].Free != 0 {
		t.Fatalf("got %v tried %+v err %v", got, tried, err)
	}
	_, tried, err = Allocate(cat, Usage{}, "ap-southeast", choices[:2], 1, 1)
	var nc *NoCapacityError
	if !errors.As(err, &nc) || len(tried) != 2 || tried[0].Offered || tried[1].Offered {
		t.Fatalf("ap-southeast offers neither: tried %+v err %v", tried, err)
	}
}

func TestAllocateNothingFitsListsEveryChoice(t *testing.T) {
	cat := gpucatalog.Default()
	choices := []api.CapacityChoice{
		{GPUType: "nvidia-h200-141gb", CapacityType: "on_demand"},
		{GPUType: "nvidia-h100-80gb", CapacityType: "on_demand"},
	}
	_, tried, err := Allocate(cat, Usage{}, "us-east", choices, 4, 8) // 32 GPUs; 16 and 24 exist
	if err == nil || len(tried) != 2 {
		t.Fatalf("err %v tried %v", err, tried)
	}
	msg := err.Error()
	for _, want := range []string{"no capacity in us-east", "nvidia-h200-141gb (on_demand): needs 32 GPUs, 16 free", "nvidia-h100-80gb (on_demand): needs 32 GPUs, 24 free"} {
		if !strings.Contains(msg, want) {
			t.Errorf("message %q lacks %q", msg, want)
		}
	}
}

func TestAllocateZeroNodesAlwaysFits(t *testing.T) {
	cat := gpucatalog.Default()
	got, _, err := Allocate(cat, Usage{}, "eu-central", []api.CapacityChoice{{GPUType: "nvidia-h200-141gb", CapacityType: "spot"}}, 0, 8)
	if err != nil || got.GPUType != "nvidia-h200-141gb" {
		t.Fatalf("got %v err %v", got, err)
	}
}
