package sqlstore

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/openclaw/terraform-provider-openclaw/internal/controlplane/store"
)

const auditCols = `id, "time", key_id, key_prefix, action, resource_kind, resource_id, source_ip, outcome,
	status_code, request_id, detail`

func (c *conn) AppendAudit(ctx context.Context, e *store.AuditEvent) error {
	at := normTime(e.Time)
	if at.IsZero() {
		at = normTime(time.Now())
	}
	var id int64
	err := c.queryRow(ctx, c.q(), `INSERT INTO audit_events ("time", key_id, key_prefix, action, resource_kind,
		resource_id, source_ip, outcome, status_code, request_id, detail)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		c.d.ts(at), e.KeyID, e.KeyPrefix, e.Action, e.ResourceKind, e.ResourceID, e.SourceIP, e.Outcome,
		e.StatusCode, e.RequestID, e.Detail).Scan(&id)
	if err != nil {
		return fmt.Errorf("append audit event: %w", err)
	}
	e.ID = id
	e.Time = at
	return nil
}

func (c *conn) ListAudit(ctx context.Context, f store.AuditFilter) ([]*store.AuditEvent, string, error) {
	before, err := decodeIntToken(f.PageToken)
	if err != nil {
		return nil, "", err
	}
	var where []string
	var args []any
	if f.KeyID != "" {
		where = append(where, "key_id = ?")
		args = append(args, f.KeyID)
	}
	if f.Action != "" {
		where = append(where, "action = ?")
		args = append(args, f.Action)
	}
	if f.Outcome != "" {
		where = append(where, "outcome = ?")
		args = append(args, f.Outcome)
	}
	if !f.Since.IsZero() {
		where = append(where, `"time" >= ?`)
		args = append(args, c.d.ts(f.Since))
	}
	if before > 0 {
		where = append(where, "id < ?")
		args = append(args, before)
	}
	size := pageSize(f.PageSize)
	query := `SELECT ` + auditCols + ` FROM audit_events`
	if len(where) > 0 {
		query += ` WHERE ` + strings.Join(where, " AND ")
	}
	query += ` ORDER BY id DESC` + limitClause(size+1)
	rows, err := c.query(ctx, c.q(), query, args...)
	if err != nil {
		return nil, "", fmt.Errorf("list audit events: %w", err)
	}
	defer rows.Close()
	var out []*store.AuditEvent
	for rows.Next() {
		var e store.AuditEvent
		if err := rows.Scan(&e.ID, timeScan{&e.Time}, &e.KeyID, &e.KeyPrefix, &e.Action, &e.ResourceKind, &e.ResourceID,
			&e.SourceIP, &e.Outcome, &e.StatusCode, &e.RequestID, &e.Detail); err != nil {
			return nil, "", fmt.Errorf("list audit events: %w", err)
		}
		out = append(out, &e)
	}
	if err := rows.Err(); err != nil {
		return nil, "", fmt.Errorf("list audit events: %w", err)
	}
	next := ""
	if len(out) > size {
		out = out[:size]
		next = encodeToken(strconv.FormatInt(out[size-1].ID, 10))
	}
	return out, next, nil
}
