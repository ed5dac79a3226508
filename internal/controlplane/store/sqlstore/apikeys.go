package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/openclaw/terraform-provider-openclaw/internal/controlplane/store"
)

const apiKeyCols = `id, name, description, prefix, secret_hash, scopes, environment_id, allowed_cidrs,
	rate_limit_per_minute, labels, expires_at, created_at, updated_at, last_used_at, revoked_at,
	revoke_grace_until, ephemeral`

func scanAPIKey(row rowScanner) (*store.APIKey, error) {
	var k store.APIKey
	var scopes, cidrs, labels string
	if err := row.Scan(&k.ID, &k.Name, &k.Description, &k.Prefix, &k.SecretHash, &scopes, &k.EnvironmentID, &cidrs,
		&k.RateLimitPerMinute, &labels, nullTimeScan{&k.ExpiresAt}, timeScan{&k.CreatedAt}, timeScan{&k.UpdatedAt},
		nullTimeScan{&k.LastUsedAt}, nullTimeScan{&k.RevokedAt}, nullTimeScan{&k.RevokeGraceUntil}, &k.Ephemeral); err != nil {
		return nil, err
	}
	var err error
	if k.Scopes, err = decodeList(scopes); err != nil {
		return nil, fmt.Errorf("scopes: %w", err)
	}
	if k.AllowedCIDRs, err = decodeList(cidrs); err != nil {
		return nil, fmt.Errorf("allowed_cidrs: %w", err)
	}
	if k.Labels, err = decodeMap(labels); err != nil {
		return nil, fmt.Errorf("labels: %w", err)
	}
	return &k, nil
}

// apiKeyDocs encodes the JSON columns of a key.
func apiKeyDocs(k *store.APIKey) (scopes, cidrs, labels string, err error) {
	if scopes, err = encodeList(k.Scopes); err != nil {
		return
	}
	if cidrs, err = encodeList(k.AllowedCIDRs); err != nil {
		return
	}
	labels, err = encodeMap(k.Labels)
	return
}

func (c *conn) CreateAPIKey(ctx context.Context, k *store.APIKey) error {
	if k.ID == "" || k.Name == "" || k.SecretHash == "" {
		return fmt.Errorf("create API key: id, name and secret hash are required")
	}
	n := *k
	now := normTime(time.Now())
	n.CreatedAt, n.UpdatedAt = normTime(n.CreatedAt), normTime(n.UpdatedAt)
	if n.CreatedAt.IsZero() {
		n.CreatedAt = now
	}
	if n.UpdatedAt.IsZero() {
		n.UpdatedAt = now
	}
	n.ExpiresAt, n.LastUsedAt = normTimePtr(n.ExpiresAt), normTimePtr(n.LastUsedAt)
	n.RevokedAt, n.RevokeGraceUntil = normTimePtr(n.RevokedAt), normTimePtr(n.RevokeGraceUntil)
	scopes, cidrs, labels, err := apiKeyDocs(&n)
	if err != nil {
		return fmt.Errorf("create API key %q: %w", k.Name, err)
	}
	// A savepoint keeps a duplicate from aborting the caller's transaction.
	err = c.atomic(ctx, func(q querier) error {
		_, err := c.exec(ctx, q, `INSERT INTO api_keys (`+apiKeyCols+`)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			n.ID, n.Name, n.Description, n.Prefix, n.SecretHash, scopes, n.EnvironmentID, cidrs,
			n.RateLimitPerMinute, labels, c.d.tsPtr(n.ExpiresAt), c.d.ts(n.CreatedAt), c.d.ts(n.UpdatedAt),
			c.d.tsPtr(n.LastUsedAt), c.d.tsPtr(n.RevokedAt), c.d.tsPtr(n.RevokeGraceUntil), n.Ephemeral)
		if uv := c.d.uniqueViolation(err); uv != nil {
			return uv
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("create API key %q: %w", k.Name, err)
	}
	*k = n
	return nil
}

func (c *conn) getAPIKey(ctx context.Context, what, where string, arg any) (*store.APIKey, error) {
	k, err := scanAPIKey(c.queryRow(ctx, c.q(), `SELECT `+apiKeyCols+` FROM api_keys WHERE `+where, arg))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("%s: %w", what, store.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", what, err)
	}
	return k, nil
}

func (c *conn) GetAPIKey(ctx context.Context, id string) (*store.APIKey, error) {
	return c.getAPIKey(ctx, fmt.Sprintf("API key %q", id), `id = ?`, id)
}

func (c *conn) GetAPIKeyByHash(ctx context.Context, hash string) (*store.APIKey, error) {
	return c.getAPIKey(ctx, "API key with that secret", `secret_hash = ?`, hash)
}

func (c *conn) ListAPIKeys(ctx context.Context, f store.APIKeyFilter) ([]*store.APIKey, string, error) {
	after, err := decodeToken(f.PageToken)
	if err != nil {
		return nil, "", err
	}
	size := pageSize(f.PageSize)
	where, args := `id > ?`, []any{after}
	if f.Name != "" {
		where += ` AND name = ?`
		args = append(args, f.Name)
	}
	if f.EnvironmentID != "" {
		where += ` AND environment_id = ?`
		args = append(args, f.EnvironmentID)
	}
	rows, err := c.query(ctx, c.q(), `SELECT `+apiKeyCols+` FROM api_keys WHERE `+where+` ORDER BY id`+limitClause(size+1), args...)
	if err != nil {
		return nil, "", fmt.Errorf("list API keys: %w", err)
	}
	defer rows.Close()
	var out []*store.APIKey
	for rows.Next() {
		k, err := scanAPIKey(rows)
		if err != nil {
			return nil, "", fmt.Errorf("list API keys: %w", err)
		}
		out = append(out, k)
	}
	if err := rows.Err(); err != nil {
		return nil, "", fmt.Errorf("list API keys: %w", err)
	}
	next := ""
	if len(out) > size {
		out = out[:size]
		next = encodeToken(out[size-1].ID)
	}
	return out, next, nil
}

func (c *conn) UpdateAPIKey(ctx context.Context, k *store.APIKey) error {
	scopes, cidrs, labels, err := apiKeyDocs(k)
	if err != nil {
		return fmt.Errorf("update API key %q: %w", k.ID, err)
	}
	var updated time.Time
	err = c.atomic(ctx, func(q querier) error {
		args := []any{k.Name, k.Description, k.Prefix, k.SecretHash, scopes, k.EnvironmentID, cidrs,
			k.RateLimitPerMinute, labels, c.d.tsPtr(k.ExpiresAt), c.d.tsPtr(k.RevokedAt),
			c.d.tsPtr(k.RevokeGraceUntil), k.Ephemeral}
		args = append(args, c.updatedAtArgs(k.UpdatedAt)...)
		args = append(args, k.ID)
		err := c.queryRow(ctx, q, `UPDATE api_keys SET name = ?, description = ?, prefix = ?, secret_hash = ?,
			scopes = ?, environment_id = ?, allowed_cidrs = ?, rate_limit_per_minute = ?, labels = ?,
			expires_at = ?, revoked_at = ?, revoke_grace_until = ?, ephemeral = ?, `+c.updatedAtSet()+`
			WHERE id = ? RETURNING updated_at`, args...).Scan(timeScan{&updated})
		if errors.Is(err, sql.ErrNoRows) {
			return store.ErrNotFound
		}
		if uv := c.d.uniqueViolation(err); uv != nil {
			return uv
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("update API key %q: %w", k.ID, err)
	}
	k.ExpiresAt, k.RevokedAt, k.RevokeGraceUntil = normTimePtr(k.ExpiresAt), normTimePtr(k.RevokedAt), normTimePtr(k.RevokeGraceUntil)
	k.UpdatedAt = updated
	return nil
}

func (c *conn) TouchAPIKey(ctx context.Context, id string, at time.Time) error {
	res, err := c.exec(ctx, c.q(), `UPDATE api_keys SET last_used_at = ? WHERE id = ?`, c.d.ts(at), id)
	return rowsOrNotFound(res, err, fmt.Sprintf("touch API key %q", id))
}

func (c *conn) DeleteAPIKey(ctx context.Context, id string) error {
	res, err := c.exec(ctx, c.q(), `DELETE FROM api_keys WHERE id = ?`, id)
	return rowsOrNotFound(res, err, fmt.Sprintf("delete API key %q", id))
}

func (c *conn) CountAPIKeys(ctx context.Context) (int, error) {
	var n int
	if err := c.queryRow(ctx, c.q(), `SELECT COUNT(*) FROM api_keys`).Scan(&n); err != nil {
		return 0, fmt.Errorf("count API keys: %w", err)
	}
	return n, nil
}

func (c *conn) UpdateAPIKeyMetadata(ctx context.Context, id, name, description string, labels map[string]string, at time.Time) (*store.APIKey, error) {
	doc, err := encodeMap(labels)
	if err != nil {
		return nil, fmt.Errorf("update API key %q: %w", id, err)
	}
	k, err := scanAPIKey(c.queryRow(ctx, c.q(), `UPDATE api_keys SET name = ?, description = ?, labels = ?, updated_at = ?
		WHERE id = ? RETURNING `+apiKeyCols, name, description, doc, c.d.ts(at), id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("update API key %q: %w", id, store.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("update API key %q: %w", id, err)
	}
	return k, nil
}

func (c *conn) RevokeAPIKey(ctx context.Context, id string, at time.Time, graceUntil *time.Time) (*store.APIKey, error) {
	// The new end of validity: the grace period's end, or now.
	end := at
	if graceUntil != nil {
		end = *graceUntil
	}
	// SET expressions see the row as it was: a first revocation takes the
	// new grace period; a later one may only bring an existing grace end
	// forward (NULL grace on a revoked key means it ended at revoked_at).
	p := c.d.tsParam()
	k, err := scanAPIKey(c.queryRow(ctx, c.q(), `UPDATE api_keys SET
			revoked_at = COALESCE(revoked_at, `+p+`),
			revoke_grace_until = CASE
				WHEN revoked_at IS NULL THEN `+p+`
				WHEN revoke_grace_until IS NOT NULL AND `+p+` < revoke_grace_until THEN `+p+`
				ELSE revoke_grace_until END,
			updated_at = `+p+`
		WHERE id = ? RETURNING `+apiKeyCols,
		c.d.ts(at), c.d.tsPtr(graceUntil), c.d.ts(end), c.d.tsPtr(graceUntil), c.d.ts(at), id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("revoke API key %q: %w", id, store.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("revoke API key %q: %w", id, err)
	}
	return k, nil
}
