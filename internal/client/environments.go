package client

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net/url"
	"slices"
	"strconv"

	"github.com/openclaw/terraform-provider-openclaw/internal/api"
)

const (
	environmentsPath = "/v1/environments"
	regionsPath      = "/v1/regions"
)

// CreateEnvironment starts creating an environment. The operation's
// TargetID is the new environment's ID.
func (c *Client) CreateEnvironment(ctx context.Context, req api.EnvironmentCreate) (*api.Operation, error) {
	return create(ctx, c, environmentsPath, req)
}

// GetEnvironment reads an environment; ErrNotFound when it does not exist.
func (c *Client) GetEnvironment(ctx context.Context, id string) (*api.Environment, error) {
	path, err := resourcePath(environmentsPath, id)
	if err != nil {
		return nil, err
	}
	env, resp, err := get[api.Environment](ctx, c, path, nil)
	if err != nil {
		return nil, err
	}
	// The body carries the etag; the header is the HTTP-level source of truth
	// should the two ever differ in presence.
	if env.ETag == "" {
		env.ETag = resp.Header.Get("ETag")
	}
	return env, nil
}

// ListEnvironmentsOptions filters ListEnvironments.
type ListEnvironmentsOptions struct {
	// Name, when set, selects only the environment with exactly this name.
	Name string
	// Labels selects environments carrying all of these labels.
	Labels map[string]string
	// PageSize is the number of items per request (1-500); 0 is the server
	// default. All pages are read regardless.
	PageSize int
}

// ListEnvironments returns every environment matching opts, following all
// pages.
func (c *Client) ListEnvironments(ctx context.Context, opts ListEnvironmentsOptions) ([]api.Environment, error) {
	q := url.Values{}
	if opts.Name != "" {
		q.Set("name", opts.Name)
	}
	// Sorted so the same filter always produces the same URL (logs, caches).
	for _, k := range slices.Sorted(maps.Keys(opts.Labels)) {
		q.Add("label", k+"="+opts.Labels[k])
	}
	return list[api.Environment](ctx, c, environmentsPath, q, opts.PageSize)
}

// FindEnvironmentByName returns the environment named name, or an error
// matching ErrNotFound when there is none.
func (c *Client) FindEnvironmentByName(ctx context.Context, name string) (*api.Environment, error) {
	if name == "" {
		return nil, errors.New("environment name must not be empty")
	}
	envs, err := c.ListEnvironments(ctx, ListEnvironmentsOptions{Name: name})
	if err != nil {
		return nil, err
	}
	// Compare again rather than trusting the filter blindly: a server that
	// ignored it must not make us adopt the wrong environment.
	for i := range envs {
		if envs[i].Name == name {
			return &envs[i], nil
		}
	}
	return nil, fmt.Errorf("environment named %q: %w", name, ErrNotFound)
}

// UpdateEnvironment starts changing an environment. A non-empty etag is sent
// as If-Match; a stale one fails with ErrPreconditionFailed.
func (c *Client) UpdateEnvironment(ctx context.Context, id, etag string, req api.EnvironmentUpdate) (*api.Operation, error) {
	path, err := resourcePath(environmentsPath, id)
	if err != nil {
		return nil, err
	}
	return update(ctx, c, path, etag, req)
}

// DeleteEnvironment starts deleting an environment. A non-empty etag is sent
// as If-Match.
func (c *Client) DeleteEnvironment(ctx context.Context, id, etag string) (*api.Operation, error) {
	path, err := resourcePath(environmentsPath, id)
	if err != nil {
		return nil, err
	}
	return remove(ctx, c, path, etag)
}

// ListRegions returns every region.
func (c *Client) ListRegions(ctx context.Context) ([]api.Region, error) {
	return list[api.Region](ctx, c, regionsPath, nil, 0)
}

// GetGatewayToken reads an environment's gateway token (needs
// environments:write: it gives full operator access to the gateway).
func (c *Client) GetGatewayToken(ctx context.Context, id string) (string, error) {
	path, err := resourcePath(environmentsPath, id)
	if err != nil {
		return "", err
	}
	tok, _, err := get[api.GatewayToken](ctx, c, path+"/gateway-token", nil)
	if err != nil {
		return "", err
	}
	return tok.Token, nil
}

// GetEnvironmentLogs reads the last tail lines of an environment's gateway
// log (secret values redacted by the control plane).
func (c *Client) GetEnvironmentLogs(ctx context.Context, id string, tail int) ([]string, error) {
	path, err := resourcePath(environmentsPath, id)
	if err != nil {
		return nil, err
	}
	logs, _, err := get[api.GatewayLogs](ctx, c, path+"/logs", url.Values{"tail": {strconv.Itoa(tail)}})
	if err != nil {
		return nil, err
	}
	return logs.Lines, nil
}
