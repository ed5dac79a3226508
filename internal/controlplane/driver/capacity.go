// Capacity is simulated by every driver (there are no GPUs here): a catalog
// of regional capacity and the GPUs pools hold.
package driver

import (
	"fmt"
	"strings"

	"github.com/openclaw/terraform-provider-openclaw/internal/api"
	"github.com/openclaw/terraform-provider-openclaw/internal/gpucatalog"
)

// Usage counts allocated GPUs by region, GPU type and capacity type.
type Usage map[UsageKey]int64

// UsageKey identifies one capacity bucket.
type UsageKey struct {
	Region, GPUType, CapacityType string
}

// Free is how many GPUs of a bucket are not allocated.
func Free(cat gpucatalog.Catalog, used Usage, k UsageKey) int64 {
	o, ok := cat.Offer(k.GPUType, k.Region)
	if !ok {
		return 0
	}
	total := o.CapacityGPUs.OnDemand
	if k.CapacityType == api.CapacitySpot {
		total = o.CapacityGPUs.Spot
	}
	return max(0, total-used[k])
}

// Attempt is one choice tried by Allocate and why it did not fit.
type Attempt struct {
	Choice api.CapacityChoice
	Need   int64
	Free   int64
	// Offered is false when the type is not sold in the region at all.
	Offered bool
}

func (a Attempt) String() string {
	if !a.Offered {
		return fmt.Sprintf("%s (%s): not offered in this region", a.Choice.GPUType, a.Choice.CapacityType)
	}
	return fmt.Sprintf("%s (%s): needs %d GPUs, %d free", a.Choice.GPUType, a.Choice.CapacityType, a.Need, a.Free)
}

// NoCapacityError lists every choice tried.
type NoCapacityError struct {
	Region   string
	Attempts []Attempt
}

func (e *NoCapacityError) Error() string {
	parts := make([]string, len(e.Attempts))
	for i, a := range e.Attempts {
		parts[i] = a.String()
	}
	return fmt.Sprintf("no capacity in %s for any choice: %s", e.Region, strings.Join(parts, "; "))
}

// Choice is one GPU type and capacity type.
type Choice = api.CapacityChoice

// Placement asks for capacity.
type Placement struct {
	Catalog     gpucatalog.Catalog
	Used        Usage
	Region      string
	Choices     []Choice
	Nodes       int64
	GPUsPerNode int64
}

// Allocate walks choices in order and returns the first that has room for
// nodes × gpusPerNode GPUs in region, given what is used. It never waits or
// retries: when nothing fits it fails at once with every attempt listed.
// tried returns the choices that did not fit before the one chosen.
func Allocate(cat gpucatalog.Catalog, used Usage, region string, choices []api.CapacityChoice, nodes, gpusPerNode int64) (chosen api.CapacityChoice, tried []Attempt, err error) {
	need := nodes * gpusPerNode
	for _, c := range choices {
		k := UsageKey{Region: region, GPUType: c.GPUType, CapacityType: c.CapacityType}
		_, offered := cat.Offer(c.GPUType, region)
		free := Free(cat, used, k)
		if offered && free >= need {
			return c, tried, nil
		}
		tried = append(tried, Attempt{Choice: c, Need: need, Free: free, Offered: offered})
	}
	return api.CapacityChoice{}, tried, &NoCapacityError{Region: region, Attempts: tried}
}
