package client

import (
	"context"
	"fmt"
	"net/http"
	"net/url"

	"github.com/openclaw/terraform-provider-openclaw/internal/api"
)

const (
	gpuPoolsPath = "/v1/gpu-pools"
	gpuTypesPath = "/v1/gpu-types"
)

// ListGPUTypes reads the GPU catalog with prices and available capacity.
func (c *Client) ListGPUTypes(ctx context.Context) ([]api.GPUType, error) {
	return list[api.GPUType](ctx, c, gpuTypesPath, nil, 0)
}

// CreateGPUPool starts creating a GPU pool; the operation's TargetID is its ID.
func (c *Client) CreateGPUPool(ctx context.Context, req api.GPUPoolCreate) (*api.Operation, error) {
	return create(ctx, c, gpuPoolsPath, req)
}

// GetGPUPool reads a GPU pool; ErrNotFound when it does not exist.
func (c *Client) GetGPUPool(ctx context.Context, id string) (*api.GPUPool, error) {
	path, err := resourcePath(gpuPoolsPath, id)
	if err != nil {
		return nil, err
	}
	pool, _, err := get[api.GPUPool](ctx, c, path, nil)
	return pool, err
}

// ListGPUPools lists the pools of an environment (all pools when envID is
// empty), following every page.
func (c *Client) ListGPUPools(ctx context.Context, envID, name string) ([]api.GPUPool, error) {
	q := url.Values{}
	if envID != "" {
		q.Set("environment_id", envID)
	}
	if name != "" {
		q.Set("name", name)
	}
	return list[api.GPUPool](ctx, c, gpuPoolsPath, q, 0)
}

// FindGPUPool finds a pool by environment and name; ErrNotFound when none.
func (c *Client) FindGPUPool(ctx context.Context, envID, name string) (*api.GPUPool, error) {
	pools, err := c.ListGPUPools(ctx, envID, name)
	if err != nil {
		return nil, err
	}
	for i := range pools {
		if pools[i].Name == name {
			return &pools[i], nil
		}
	}
	return nil, fmt.Errorf("environment %s has no GPU pool named %q: %w", envID, name, ErrNotFound)
}

// UpdateGPUPool changes a pool in place, guarded by etag when non-empty.
func (c *Client) UpdateGPUPool(ctx context.Context, id, etag string, req api.GPUPoolUpdate) (*api.Operation, error) {
	path, err := resourcePath(gpuPoolsPath, id)
	if err != nil {
		return nil, err
	}
	return update(ctx, c, path, etag, req)
}

// DeleteGPUPool starts deleting a pool, guarded by etag when non-empty.
func (c *Client) DeleteGPUPool(ctx context.Context, id, etag string) (*api.Operation, error) {
	path, err := resourcePath(gpuPoolsPath, id)
	if err != nil {
		return nil, err
	}
	return remove(ctx, c, path, etag)
}

// SimulateGPUPoolLoad asks the simulator's autoscaler to move an
// autoscaling pool to n nodes. Simulator only.
func (c *Client) SimulateGPUPoolLoad(ctx context.Context, id string, n int64) (*api.GPUPool, error) {
	path, err := resourcePath(gpuPoolsPath, id)
	if err != nil {
		return nil, err
	}
	var pool api.GPUPool
	if _, err := c.Do(ctx, http.MethodPost, path+"/simulator/load", nil, api.SimulatedLoad{CurrentNodes: n}, &pool); err != nil {
		return nil, err
	}
	return &pool, nil
}
