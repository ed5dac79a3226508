package shared

import (
	"context"
	"sync"

	"github.com/openclaw/terraform-provider-openclaw/internal/api"
	"github.com/openclaw/terraform-provider-openclaw/internal/client"
)

// Caches holds reference data read at most once per provider instance, so
// validating hundreds of resources at plan time costs one request, not one
// per resource. Failed reads are not cached: the next caller tries again.
type Caches struct {
	client *client.Client

	mu      sync.Mutex
	regions []api.Region
}

// NewCaches returns empty caches reading through c.
func NewCaches(c *client.Client) *Caches { return &Caches{client: c} }

// Regions returns the control plane's regions.
func (c *Caches) Regions(ctx context.Context) ([]api.Region, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.regions != nil {
		return c.regions, nil
	}
	regions, err := c.client.ListRegions(ctx)
	if err != nil {
		return nil, err
	}
	c.regions = regions
	return regions, nil
}
