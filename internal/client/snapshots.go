package client

import (
	"context"
	"net/http"
	"net/url"

	"github.com/openclaw/terraform-provider-openclaw/internal/api"
)

const snapshotsPath = "/v1/snapshots"

// CreateSnapshot starts snapshotting an environment. The operation's
// TargetID is the new snapshot's ID.
func (c *Client) CreateSnapshot(ctx context.Context, req api.SnapshotCreate) (*api.Operation, error) {
	return create(ctx, c, snapshotsPath, req)
}

// GetSnapshot reads a snapshot; ErrNotFound when it does not exist.
func (c *Client) GetSnapshot(ctx context.Context, id string) (*api.Snapshot, error) {
	path, err := resourcePath(snapshotsPath, id)
	if err != nil {
		return nil, err
	}
	s, _, err := get[api.Snapshot](ctx, c, path, nil)
	return s, err
}

// ListSnapshotsOptions filters ListSnapshots.
type ListSnapshotsOptions struct {
	// EnvironmentID selects one environment's snapshots (it may be deleted).
	EnvironmentID string
	Name          string
	PageSize      int
}

// ListSnapshots returns every matching snapshot, newest first.
func (c *Client) ListSnapshots(ctx context.Context, opts ListSnapshotsOptions) ([]api.Snapshot, error) {
	q := url.Values{}
	if opts.EnvironmentID != "" {
		q.Set("environment_id", opts.EnvironmentID)
	}
	if opts.Name != "" {
		q.Set("name", opts.Name)
	}
	return list[api.Snapshot](ctx, c, snapshotsPath, q, opts.PageSize)
}

// UpdateSnapshot changes a snapshot's description, labels, retention or lock.
func (c *Client) UpdateSnapshot(ctx context.Context, id, etag string, req api.SnapshotUpdate) (*api.Operation, error) {
	path, err := resourcePath(snapshotsPath, id)
	if err != nil {
		return nil, err
	}
	return update(ctx, c, path, etag, req)
}

// DeleteSnapshot starts deleting a snapshot; a locked one fails with a
// conflict naming the date its lock ends.
func (c *Client) DeleteSnapshot(ctx context.Context, id, etag string) (*api.Operation, error) {
	path, err := resourcePath(snapshotsPath, id)
	if err != nil {
		return nil, err
	}
	return remove(ctx, c, path, etag)
}

// VerifySnapshot re-reads and checks a snapshot's archive and returns the
// snapshot afterwards (status corrupt when the check failed).
func (c *Client) VerifySnapshot(ctx context.Context, id string) (*api.Snapshot, error) {
	path, err := resourcePath(snapshotsPath, id)
	if err != nil {
		return nil, err
	}
	var out api.Snapshot
	if _, err := c.Do(ctx, http.MethodPost, path+"/verify", nil, nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}
