package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/openclaw/terraform-provider-openclaw/internal/controlplane/store"
)

func (c *conn) CreateIdempotency(ctx context.Context, rec *store.IdempotencyRecord) error {
	created := normTime(rec.CreatedAt)
	if created.IsZero() {
		created = normTime(time.Now())
	}
	// ON CONFLICT DO NOTHING rather than catching the violation: inside a
	// PostgreSQL transaction a failed INSERT would abort the transaction.
	res, err := c.exec(ctx, c.q(), `INSERT INTO idempotency_keys
		(principal, key, method, path, request_hash, status_code, response_body, location, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (principal, key) DO NOTHING`,
		rec.Principal, rec.Key, rec.Method, rec.Path, rec.RequestHash, rec.StatusCode, blobArg(rec.ResponseBody), rec.Location,
		c.d.ts(created))
	if err != nil {
		return fmt.Errorf("create idempotency record %q: %w", rec.Key, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("create idempotency record %q: %w", rec.Key, err)
	} else if n == 0 {
		return fmt.Errorf("idempotency key %q: %w", rec.Key, &store.UniqueViolation{Field: "key"})
	}
	rec.CreatedAt = created
	return nil
}

func (c *conn) GetIdempotency(ctx context.Context, principal, key string) (*store.IdempotencyRecord, error) {
	var r store.IdempotencyRecord
	err := c.queryRow(ctx, c.q(), `SELECT principal, key, method, path, request_hash, status_code, response_body, location, created_at
		FROM idempotency_keys WHERE principal = ? AND key = ?`, principal, key).
		Scan(&r.Principal, &r.Key, &r.Method, &r.Path, &r.RequestHash, &r.StatusCode, &r.ResponseBody, &r.Location,
			timeScan{&r.CreatedAt})
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("idempotency key %q: %w", key, store.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("read idempotency key %q: %w", key, err)
	}
	return &r, nil
}

func (c *conn) CompleteIdempotency(ctx context.Context, rec *store.IdempotencyRecord) error {
	res, err := c.exec(ctx, c.q(), `UPDATE idempotency_keys SET status_code = ?, response_body = ?, location = ?
		WHERE principal = ? AND key = ?`, rec.StatusCode, blobArg(rec.ResponseBody), rec.Location, rec.Principal, rec.Key)
	return rowsOrNotFound(res, err, fmt.Sprintf("complete idempotency key %q", rec.Key))
}

func (c *conn) DeleteIdempotency(ctx context.Context, principal, key string) error {
	res, err := c.exec(ctx, c.q(), `DELETE FROM idempotency_keys WHERE principal = ? AND key = ?`, principal, key)
	return rowsOrNotFound(res, err, fmt.Sprintf("delete idempotency key %q", key))
}

func (c *conn) PurgeIdempotency(ctx context.Context, cutoff time.Time) (int64, error) {
	res, err := c.exec(ctx, c.q(), `DELETE FROM idempotency_keys WHERE created_at < ?`, c.d.ts(cutoff))
	if err != nil {
		return 0, fmt.Errorf("purge idempotency keys: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("purge idempotency keys: %w", err)
	}
	return n, nil
}

// rowsOrNotFound turns a write that matched no row into ErrNotFound.
func rowsOrNotFound(res sql.Result, err error, what string) error {
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	if n == 0 {
		return fmt.Errorf("%s: %w", what, store.ErrNotFound)
	}
	return nil
}
