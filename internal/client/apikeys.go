package client

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/openclaw/terraform-provider-openclaw/internal/api"
)

// API keys are synchronous: their mutations answer with the key, not an
// operation, so they do not use create/update/remove.

const (
	apiKeysPath     = "/v1/api-keys"
	auditEventsPath = "/v1/audit-events"
)

// CreateAPIKey creates a key. The answer is the only one that carries its
// secret; Do's Idempotency-Key makes a retry after a lost answer replay it
// rather than create a second key.
func (c *Client) CreateAPIKey(ctx context.Context, req api.APIKeyCreate) (*api.APIKeyCreated, error) {
	out, err := call[api.APIKeyCreated](ctx, c, http.MethodPost, apiKeysPath, req)
	if err != nil {
		return nil, err
	}
	if out.Secret == "" || out.Key.ID == "" {
		return nil, fmt.Errorf("POST %s: the answer carries no key or no secret", apiKeysPath)
	}
	return out, nil
}

// call sends one synchronous call and decodes its answer. Do has already
// read and closed the response body.
func call[T any](ctx context.Context, c *Client, method, path string, body any) (*T, error) {
	var out T
	if _, err := c.Do(ctx, method, path, nil, body, &out); err != nil { //nolint:bodyclose // closed by Do
		return nil, err
	}
	return &out, nil
}

// GetAPIKey reads a key's metadata; ErrNotFound when there is none.
// Revoked and expired keys are still found (see Status).
func (c *Client) GetAPIKey(ctx context.Context, id string) (*api.APIKey, error) {
	path, err := resourcePath(apiKeysPath, id)
	if err != nil {
		return nil, err
	}
	return call[api.APIKey](ctx, c, http.MethodGet, path, nil)
}

// ListAPIKeysOptions filters ListAPIKeys.
type ListAPIKeysOptions struct {
	Name          string
	EnvironmentID string
	// PageSize is the number of items per request; all pages are read.
	PageSize int
}

// ListAPIKeys returns every key matching opts, oldest first.
func (c *Client) ListAPIKeys(ctx context.Context, opts ListAPIKeysOptions) ([]api.APIKey, error) {
	q := url.Values{}
	if opts.Name != "" {
		q.Set("name", opts.Name)
	}
	if opts.EnvironmentID != "" {
		q.Set("environment_id", opts.EnvironmentID)
	}
	return list[api.APIKey](ctx, c, apiKeysPath, q, opts.PageSize)
}

// FindAPIKeyByName returns the newest key named name that still
// authenticates (active, or revoked within its grace period); when none
// does, the newest key of that name; ErrNotFound when there is no such key.
// Names are not unique: a rotation briefly has two keys with one name.
func (c *Client) FindAPIKeyByName(ctx context.Context, name string) (*api.APIKey, error) {
	if name == "" {
		return nil, errors.New("API key name must not be empty")
	}
	all, err := c.ListAPIKeys(ctx, ListAPIKeysOptions{Name: name})
	if err != nil {
		return nil, err
	}
	var newest, newestUsable *api.APIKey
	for i := range all {
		k := &all[i]
		if k.Name != name { // a server ignoring the filter must not mislead us
			continue
		}
		if newest == nil || !k.CreatedAt.Before(newest.CreatedAt) {
			newest = k
		}
		if usable := k.Status == api.KeyStatusActive || k.Status == api.KeyStatusRevoking; usable &&
			(newestUsable == nil || !k.CreatedAt.Before(newestUsable.CreatedAt)) {
			newestUsable = k
		}
	}
	switch {
	case newestUsable != nil:
		return newestUsable, nil
	case newest != nil:
		return newest, nil
	}
	return nil, fmt.Errorf("API key named %q: %w", name, ErrNotFound)
}

// UpdateAPIKey changes a key's name, description or labels.
func (c *Client) UpdateAPIKey(ctx context.Context, id string, req api.APIKeyUpdate) (*api.APIKey, error) {
	path, err := resourcePath(apiKeysPath, id)
	if err != nil {
		return nil, err
	}
	return call[api.APIKey](ctx, c, http.MethodPatch, path, req)
}

// RevokeAPIKey revokes a key; with a positive grace its secret keeps working
// that much longer (the control plane allows up to 7 days). Revoking again
// only ever shortens a grace period.
func (c *Client) RevokeAPIKey(ctx context.Context, id string, grace time.Duration) (*api.APIKey, error) {
	path, err := resourcePath(apiKeysPath, id)
	if err != nil {
		return nil, err
	}
	var body any
	if grace > 0 {
		body = api.APIKeyRevoke{GracePeriod: grace.String()}
	}
	return call[api.APIKey](ctx, c, http.MethodPost, path+"/revoke", body)
}

// ListAuditEventsOptions filters ListAuditEvents.
type ListAuditEventsOptions struct {
	KeyID   string
	Action  string
	Outcome string
	Since   time.Time
	// PageSize is the number of items per request; all pages are read.
	PageSize int
}

// ListAuditEvents returns the audit events matching opts, newest first.
// It needs an admin key.
func (c *Client) ListAuditEvents(ctx context.Context, opts ListAuditEventsOptions) ([]api.AuditEvent, error) {
	q := url.Values{}
	for k, v := range map[string]string{"key_id": opts.KeyID, "action": opts.Action, "outcome": opts.Outcome} {
		if v != "" {
			q.Set(k, v)
		}
	}
	if !opts.Since.IsZero() {
		q.Set("since", opts.Since.UTC().Format(time.RFC3339))
	}
	return list[api.AuditEvent](ctx, c, auditEventsPath, q, opts.PageSize)
}
