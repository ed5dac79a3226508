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

	mu         sync.Mutex
	regions    []api.Region
	gpuTypes   []api.GPUType
	envRegions map[string]string
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

// GPUTypes returns the control plane's GPU catalog.
func (c *Caches) GPUTypes(ctx context.Context) ([]api.GPUType, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.gpuTypes != nil {
		return c.gpuTypes, nil
	}
	types, err := c.client.ListGPUTypes(ctx)
	if err != nil {
		return nil, err
	}
	c.gpuTypes = types
	return types, nil
}

// EnvironmentRegion returns the region of an existing environment. An
// environment's region never changes, so the answer is cached for the run.
func (c *Caches) EnvironmentRegion(ctx context.Context, envID string) (string, error) {
	c.mu.Lock()
	if r, ok := c.envRegions[envID]; ok {
		c.mu.Unlock()
		return r, nil
	}
	c.mu.Unlock()
	env, err := c.client.GetEnvironment(ctx, envID)
	if err != nil {
		return "", err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.envRegions == nil {
		c.envRegions = map[string]string{}
	}
	c.envRegions[envID] = env.Region
	return env.Region, nil
}
