package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/openclaw/terraform-provider-openclaw/internal/controlplane/store"
)

const operationCols = `id, kind, target_kind, target_id, status, step, message, payload, error, attempts,
	next_run_at, lease_owner, lease_until, created_at, updated_at, completed_at`

// unfinished is the SQL condition of an operation that has not reached a
// final state.
const unfinished = `status IN ('` + store.OpPending + `', '` + store.OpRunning + `')`

func scanOperation(row rowScanner) (*store.Operation, error) {
	var op store.Operation
	var payload, opErr []byte
	if err := row.Scan(&op.ID, &op.Kind, &op.TargetKind, &op.TargetID, &op.Status, &op.Step, &op.Message,
		&payload, &opErr, &op.Attempts, timeScan{&op.NextRunAt}, &op.LeaseOwner, timeScan{&op.LeaseUntil},
		timeScan{&op.CreatedAt}, timeScan{&op.UpdatedAt}, nullTimeScan{&op.CompletedAt}); err != nil {
		return nil, err
	}
	op.Payload = jsonOut(payload)
	op.Error = jsonOut(opErr)
	return &op, nil
}

func (c *conn) CreateOperation(ctx context.Context, op *store.Operation) error {
	if op.ID == "" {
		return fmt.Errorf("create operation: id is required")
	}
	n := *op
	now := normTime(time.Now())
	if n.Status == "" {
		n.Status = store.OpPending
	}
	n.CreatedAt, n.UpdatedAt = normTime(n.CreatedAt), normTime(n.UpdatedAt)
	if n.CreatedAt.IsZero() {
		n.CreatedAt = now
	}
	if n.UpdatedAt.IsZero() {
		n.UpdatedAt = now
	}
	n.NextRunAt = normTime(n.NextRunAt)
	if n.NextRunAt.IsZero() {
		n.NextRunAt = n.CreatedAt
	}
	n.LeaseUntil = normTime(n.LeaseUntil)
	n.CompletedAt = normTimePtr(n.CompletedAt)
	_, err := c.exec(ctx, c.q(), `INSERT INTO operations (`+operationCols+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		n.ID, n.Kind, n.TargetKind, n.TargetID, n.Status, n.Step, n.Message, jsonArg(n.Payload), jsonArg(n.Error),
		n.Attempts, c.d.ts(n.NextRunAt), n.LeaseOwner, c.d.ts(n.LeaseUntil), c.d.ts(n.CreatedAt), c.d.ts(n.UpdatedAt),
		c.d.tsPtr(n.CompletedAt))
	if err != nil {
		if uv := c.d.uniqueViolation(err); uv != nil {
			err = uv
		}
		return fmt.Errorf("create operation %q: %w", op.ID, err)
	}
	*op = n
	return nil
}

func (c *conn) GetOperation(ctx context.Context, id string) (*store.Operation, error) {
	op, err := scanOperation(c.queryRow(ctx, c.q(), `SELECT `+operationCols+` FROM operations WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("operation %q: %w", id, store.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("read operation %q: %w", id, err)
	}
	return op, nil
}

func (c *conn) GetOperations(ctx context.Context, ids []string) (map[string]*store.Operation, error) {
	out := make(map[string]*store.Operation, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	in, args := inList(ids)
	ops, err := c.listOperations(ctx, "read operations", `SELECT `+operationCols+` FROM operations WHERE id IN (`+in+`)`, args...)
	for _, op := range ops {
		out[op.ID] = op
	}
	return out, err
}

func (c *conn) UpdateOperation(ctx context.Context, op *store.Operation) error {
	args := []any{op.Status, op.Step, op.Message, jsonArg(op.Payload), jsonArg(op.Error), op.Attempts,
		c.d.ts(op.NextRunAt), op.LeaseOwner, c.d.ts(op.LeaseUntil), c.d.tsPtr(op.CompletedAt)}
	args = append(args, c.updatedAtArgs(op.UpdatedAt)...)
	args = append(args, op.ID)
	var updated time.Time
	err := c.queryRow(ctx, c.q(), `UPDATE operations SET status = ?, step = ?, message = ?, payload = ?, error = ?,
		attempts = ?, next_run_at = ?, lease_owner = ?, lease_until = ?, completed_at = ?, `+c.updatedAtSet()+`
		WHERE id = ? RETURNING updated_at`, args...).Scan(timeScan{&updated})
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("update operation %q: %w", op.ID, store.ErrNotFound)
	}
	if err != nil {
		return fmt.Errorf("update operation %q: %w", op.ID, err)
	}
	op.NextRunAt = normTime(op.NextRunAt)
	op.LeaseUntil = normTime(op.LeaseUntil)
	op.CompletedAt = normTimePtr(op.CompletedAt)
	op.UpdatedAt = updated
	return nil
}

func (c *conn) listOperations(ctx context.Context, what, query string, args ...any) ([]*store.Operation, error) {
	return c.listOperationsOn(ctx, c.q(), what, query, args...)
}

func (c *conn) listOperationsOn(ctx context.Context, q querier, what, query string, args ...any) ([]*store.Operation, error) {
	rows, err := c.query(ctx, q, query, args...)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	defer rows.Close()
	var out []*store.Operation
	for rows.Next() {
		op, err := scanOperation(rows)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", what, err)
		}
		out = append(out, op)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	return out, nil
}

func (c *conn) ListActiveOperations(ctx context.Context, targetID string) ([]*store.Operation, error) {
	return c.listOperations(ctx, fmt.Sprintf("list operations of %q", targetID),
		`SELECT `+operationCols+` FROM operations WHERE target_id = ? AND `+unfinished+` ORDER BY id`, targetID)
}

// claimable is the condition under which an operation may be leased to
// owner at now: unfinished, due, not leased to someone else, and the oldest
// unfinished operation of its target. Arguments: now, now, owner.
const claimable = unfinished + ` AND next_run_at <= ?
	AND (lease_owner = '' OR lease_until < ? OR lease_owner = ?)
	AND NOT EXISTS (SELECT 1 FROM operations older
		WHERE older.target_id = operations.target_id AND older.id < operations.id
		AND older.status IN ('` + store.OpPending + `', '` + store.OpRunning + `'))`

// ClaimOperations leases up to limit due operations in one statement. The
// candidates are picked in due order (walking operations_claim_idx and
// stopping after limit) and materialised, so they are chosen once (otherwise
// PostgreSQL may run a LIMIT subquery again and lease more than limit). The
// UPDATE repeats the whole condition, so of several replicas racing for an
// operation exactly one sees its UPDATE match: PostgreSQL re-evaluates the
// WHERE clause against a row a concurrent transaction committed, and SKIP
// LOCKED makes a racing replica pass over the rows being claimed instead of
// waiting for them and finding them gone; SQLite has a single writer.
// claimQuery is ClaimOperations' statement. Arguments: now, now, owner,
// owner, lease until, now, now, owner.
func claimQuery(d *dialect, limit int) string {
	skipLocked := ""
	if d == postgresDialect {
		skipLocked = " FOR UPDATE SKIP LOCKED"
	}
	return `WITH candidates (candidate_id) AS MATERIALIZED (
			SELECT id FROM operations WHERE ` + claimable + ` ORDER BY next_run_at, id` + limitClause(limit) + skipLocked + `)
		UPDATE operations SET lease_owner = ?, lease_until = ?
		WHERE id IN (SELECT candidate_id FROM candidates) AND ` + claimable + ` RETURNING ` + operationCols
}

func (c *conn) ClaimOperations(ctx context.Context, owner string, now, leaseUntil time.Time, limit int) ([]*store.Operation, error) {
	if owner == "" {
		return nil, fmt.Errorf("claim operations: owner is required")
	}
	if limit <= 0 {
		return nil, nil
	}
	nowArg, untilArg := c.d.ts(now), c.d.ts(leaseUntil)
	query := claimQuery(c.d, limit)
	args := []any{nowArg, nowArg, owner, owner, untilArg, nowArg, nowArg, owner}
	var claimed []*store.Operation
	var err error
	claim := func(q querier) (err error) {
		claimed, err = c.listOperationsOn(ctx, q, "claim operations", query, args...)
		return err
	}
	// PostgreSQL plans the claim from table statistics, and an operations
	// table that is new or has just grown (a burst on a fresh database,
	// before autovacuum analyzes it) has none that fit: it then read, checked
	// and sorted every due operation on each claim, 6.9 ms at a backlog of
	// 2,000 and growing with it, instead of walking operations_claim_idx in
	// order and stopping at the batch (0.2 ms). With explicit sorts off, that
	// ordered walk is the only plan left. (The engine claims outside any
	// transaction; a claim inside one runs there as it is.)
	if c.d == postgresDialect && c.tx == nil {
		err = c.claims.run(ctx, c.db, claim)
	} else {
		err = claim(c.q())
	}
	if err != nil {
		return nil, err
	}
	// RETURNING comes in no particular order; run them as they were due.
	slices.SortFunc(claimed, func(a, b *store.Operation) int {
		if c := a.NextRunAt.Compare(b.NextRunAt); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	return claimed, nil
}
