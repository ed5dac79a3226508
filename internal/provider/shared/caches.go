package shared

import (
	"context"
	"errors"
	"sync"

	"github.com/openclaw/terraform-provider-openclaw/internal/api"
	"github.com/openclaw/terraform-provider-openclaw/internal/client"
)

// Caches holds reference data read at most once per provider instance, so
// validating hundreds of resources at plan time costs one request, not one
// per resource. Failed reads are not cached: the next caller tries again.
type Caches struct {
	client *client.Client

	mu       sync.Mutex
	regions  []api.Region
	gpuTypes []api.GPUType
	// unreachable is the first transport failure (after the client's
	// retries): later reads fail at once instead of retrying per resource.
	unreachable error
	// environments holds one read per referenced environment ID: the
	// environment, or the not-found error (an ID that does not exist now
	// will not exist later in the same plan).
	environments map[string]envRead
}

type envRead struct {
	env *api.Environment
	err error
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
	if c.unreachable != nil {
		return nil, c.unreachable
	}
	regions, err := c.client.ListRegions(ctx)
	if err != nil {
		return nil, c.failed(err)
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
	if c.unreachable != nil {
		return nil, c.unreachable
	}
	types, err := c.client.ListGPUTypes(ctx)
	if err != nil {
		return nil, c.failed(err)
	}
	c.gpuTypes = types
	return types, nil
}

// EnvironmentRegion returns the region of an existing environment. An
// environment's region never changes, so the answer is cached for the run.
func (c *Caches) EnvironmentRegion(ctx context.Context, envID string) (string, error) {
	env, err := c.Environment(ctx, envID)
	if err != nil {
		return "", err
	}
	return env.Region, nil
}

// Environment reads a referenced environment once per run. A not-found
// answer is cached too; other failures are not, so the next caller retries.
func (c *Caches) Environment(ctx context.Context, envID string) (*api.Environment, error) {
	c.mu.Lock()
	if r, ok := c.environments[envID]; ok {
		c.mu.Unlock()
		return r.env, r.err
	}
	if err := c.unreachable; err != nil {
		c.mu.Unlock()
		return nil, err
	}
	c.mu.Unlock()
	env, err := c.client.GetEnvironment(ctx, envID)
	c.mu.Lock()
	defer c.mu.Unlock()
	if err != nil && !errors.Is(err, client.ErrNotFound) {
		return nil, c.failed(err)
	}
	if c.environments == nil {
		c.environments = map[string]envRead{}
	}
	c.environments[envID] = envRead{env: env, err: err}
	return env, err
}

// failed remembers a transport failure (no HTTP answer); c.mu is held.
func (c *Caches) failed(err error) error {
	var apiErr *client.APIError
	if !errors.As(err, &apiErr) && !errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded) {
		c.unreachable = err
	}
	return err
}
