// Package gpucatalog is the GPU catalog: which GPU types exist, where, at
// what hourly price, and how much capacity the simulator holds. The control
// plane serves it at /v1/gpu-types (an operator may replace it with a file);
// the provider's gpu_monthly_cost function prices with the default list.
package gpucatalog

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"slices"

	"github.com/openclaw/terraform-provider-openclaw/internal/api"
)

// Catalog is the list of GPU types.
type Catalog struct {
	Types []api.GPUType `json:"gpu_types"`
}

type base struct {
	id, name       string
	memoryGB       int64
	onDemand, spot float64
	regions        []string
	capOnDemand    int64
	capSpot        int64
	// scarce lists regions where spot capacity is sold out.
	spotSoldOut []string
}

// Regional price multipliers of the default list.
var regionFactor = map[string]float64{
	"us-east":      1.00,
	"us-west":      1.00,
	"eu-central":   1.08,
	"eu-west":      1.06,
	"ap-southeast": 1.12,
}

var allRegions = []string{"us-east", "us-west", "eu-central", "eu-west", "ap-southeast"}

var defaults = []base{
	{"nvidia-l4", "NVIDIA L4", 24, 0.80, 0.32, allRegions, 64, 32, nil},
	{"nvidia-a10g", "NVIDIA A10G", 24, 1.10, 0.45, allRegions, 48, 24, nil},
	{"nvidia-a100-80gb", "NVIDIA A100 80GB", 80, 3.70, 1.50, []string{"us-east", "us-west", "eu-central", "eu-west"}, 32, 16, nil},
	{"nvidia-h100-80gb", "NVIDIA H100 80GB", 80, 6.90, 2.80, []string{"us-east", "us-west", "eu-central"}, 24, 16, nil},
	{"nvidia-h200-141gb", "NVIDIA H200 141GB", 141, 9.80, 4.20, []string{"us-east", "eu-central"}, 16, 8, []string{"eu-central"}},
}

// Default returns the built-in catalog.
func Default() Catalog {
	var c Catalog
	for _, b := range defaults {
		t := api.GPUType{ID: b.id, DisplayName: b.name, MemoryGB: b.memoryGB}
		for _, r := range b.regions {
			f := regionFactor[r]
			spotCap := b.capSpot
			if slices.Contains(b.spotSoldOut, r) {
				spotCap = 0
			}
			t.Regions = append(t.Regions, api.GPUOffer{
				Region:         r,
				OnDemandHourly: round(b.onDemand * f),
				SpotHourly:     round(b.spot * f),
				CapacityGPUs:   api.GPUCount{OnDemand: b.capOnDemand, Spot: spotCap},
				AvailableGPUs:  api.GPUCount{OnDemand: b.capOnDemand, Spot: spotCap},
			})
		}
		c.Types = append(c.Types, t)
	}
	return c
}

// round keeps prices to a tenth of a cent.
func round(x float64) float64 { return math.Round(x*1000) / 1000 }

// Load reads an operator's catalog file: {"gpu_types": [...]} in the same
// shape as GET /v1/gpu-types items. Unknown fields are errors.
func Load(path string) (Catalog, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return Catalog{}, fmt.Errorf("read GPU catalog: %w", err)
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	var c Catalog
	if err := dec.Decode(&c); err != nil {
		return Catalog{}, fmt.Errorf("GPU catalog %s: %w", path, err)
	}
	if err := c.Validate(); err != nil {
		return Catalog{}, fmt.Errorf("GPU catalog %s: %w", path, err)
	}
	for i := range c.Types {
		for j := range c.Types[i].Regions {
			c.Types[i].Regions[j].AvailableGPUs = c.Types[i].Regions[j].CapacityGPUs
		}
	}
	return c, nil
}

// Validate checks a catalog for the mistakes an operator's file can have.
func (c Catalog) Validate() error {
	if len(c.Types) == 0 {
		return errors.New("no gpu_types")
	}
	seen := map[string]bool{}
	for i, t := range c.Types {
		if t.ID == "" {
			return fmt.Errorf("gpu_types[%d]: id is empty", i)
		}
		if seen[t.ID] {
			return fmt.Errorf("gpu_types[%d]: duplicate id %q", i, t.ID)
		}
		seen[t.ID] = true
		if t.MemoryGB <= 0 {
			return fmt.Errorf("gpu_types[%d] (%s): memory_gb must be positive", i, t.ID)
		}
		regions := map[string]bool{}
		for j, o := range t.Regions {
			where := fmt.Sprintf("gpu_types[%d].regions[%d] (%s in %s)", i, j, t.ID, o.Region)
			if o.Region == "" || regions[o.Region] {
				return fmt.Errorf("%s: region empty or repeated", where)
			}
			regions[o.Region] = true
			if o.OnDemandHourly < 0 || o.SpotHourly < 0 || o.CapacityGPUs.OnDemand < 0 || o.CapacityGPUs.Spot < 0 {
				return fmt.Errorf("%s: prices and capacity must not be negative", where)
			}
		}
	}
	return nil
}

// Type returns the catalog entry of id.
func (c Catalog) Type(id string) (api.GPUType, bool) {
	for _, t := range c.Types {
		if t.ID == id {
			return t, true
		}
	}
	return api.GPUType{}, false
}

// Offer returns a type's offer in a region.
func (c Catalog) Offer(gpuType, region string) (api.GPUOffer, bool) {
	t, ok := c.Type(gpuType)
	if !ok {
		return api.GPUOffer{}, false
	}
	for _, o := range t.Regions {
		if o.Region == region {
			return o, true
		}
	}
	return api.GPUOffer{}, false
}

// PriceOf is the hourly price of one GPU of an offer for a capacity type.
func PriceOf(o api.GPUOffer, capacityType string) float64 {
	if capacityType == api.CapacitySpot {
		return o.SpotHourly
	}
	return o.OnDemandHourly
}

// Price is the hourly price of one GPU of a type in a region.
func (c Catalog) Price(gpuType, region, capacityType string) (float64, bool) {
	o, ok := c.Offer(gpuType, region)
	if !ok {
		return 0, false
	}
	return PriceOf(o, capacityType), true
}

// MaxPrice is the highest hourly price of one GPU of a type over all
// regions: the estimate when the region is not known yet.
func (c Catalog) MaxPrice(gpuType, capacityType string) (float64, bool) {
	t, ok := c.Type(gpuType)
	if !ok || len(t.Regions) == 0 {
		return 0, false
	}
	best := 0.0
	for _, o := range t.Regions {
		best = max(best, PriceOf(o, capacityType))
	}
	return best, true
}

// HoursPerMonth converts weekly hours to an average month (52 weeks / 12).
const WeeksPerMonth = 52.0 / 12.0

// Cost rounds an amount of USD to a tenth of a cent, so estimates compare
// equal across runs.
func Cost(x float64) float64 { return round(x) }
