package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/openclaw/terraform-provider-openclaw/internal/controlplane/store"
)

const scheduleRunCols = `id, schedule_id, at, action, trigger, outcome, detail, operation_id, created_at`

func scanScheduleRun(row rowScanner) (*store.ScheduleRun, error) {
	var r store.ScheduleRun
	err := row.Scan(&r.ID, &r.ScheduleID, timeScan{&r.At}, &r.Action, &r.Trigger, &r.Outcome, &r.Detail, &r.OperationID, timeScan{&r.CreatedAt})
	return &r, err
}

func (c *conn) CreateScheduleRun(ctx context.Context, r *store.ScheduleRun) error {
	if r.ID == "" || r.ScheduleID == "" || r.At.IsZero() {
		return errors.New("create schedule run: id, schedule id and time are required")
	}
	n := *r
	n.At, n.CreatedAt = normTime(n.At), normTime(n.CreatedAt)
	if n.CreatedAt.IsZero() {
		n.CreatedAt = normTime(time.Now())
	}
	// A savepoint keeps a duplicate (another replica ran it) from aborting
	// the caller's transaction.
	err := c.atomic(ctx, func(q querier) error {
		_, err := c.exec(ctx, q, `INSERT INTO schedule_runs (`+scheduleRunCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			n.ID, n.ScheduleID, c.d.ts(n.At), n.Action, n.Trigger, n.Outcome, n.Detail, n.OperationID, c.d.ts(n.CreatedAt))
		if uv := c.d.uniqueViolation(err); uv != nil {
			return uv
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("create run of schedule %q: %w", r.ScheduleID, err)
	}
	*r = n
	return nil
}

func (c *conn) ListScheduleRuns(ctx context.Context, scheduleID string, size int, pageToken string) ([]*store.ScheduleRun, string, error) {
	before, err := decodeToken(pageToken)
	if err != nil {
		return nil, "", err
	}
	size = pageSize(size)
	where, args := `schedule_id = ?`, []any{scheduleID}
	if before != "" {
		where += ` AND id < ?`
		args = append(args, before)
	}
	out, err := c.scheduleRuns(ctx, fmt.Sprintf("list runs of schedule %q", scheduleID),
		`SELECT `+scheduleRunCols+` FROM schedule_runs WHERE `+where+` ORDER BY id DESC`+limitClause(size+1), args...)
	if err != nil {
		return nil, "", err
	}
	next := ""
	if len(out) > size {
		out = out[:size]
		next = encodeToken(out[size-1].ID)
	}
	return out, next, nil
}

func (c *conn) LatestScheduleRuns(ctx context.Context, scheduleIDs []string) (map[string]*store.ScheduleRun, error) {
	out := make(map[string]*store.ScheduleRun, len(scheduleIDs))
	if len(scheduleIDs) == 0 {
		return out, nil
	}
	in, args := inList(scheduleIDs)
	// The same order as LatestScheduleRun, per schedule.
	runs, err := c.scheduleRuns(ctx, "latest runs of schedules", `SELECT `+prefixCols("s.", scheduleRunCols)+` FROM schedule_runs s
		WHERE s.schedule_id IN (`+in+`) AND s.id = (SELECT l.id FROM schedule_runs l
			WHERE l.schedule_id = s.schedule_id ORDER BY l.at DESC, l.id DESC LIMIT 1)`, args...)
	for _, r := range runs {
		out[r.ScheduleID] = r
	}
	return out, err
}

// scheduleRuns reads the runs a query selects.
func (c *conn) scheduleRuns(ctx context.Context, what, query string, args ...any) ([]*store.ScheduleRun, error) {
	rows, err := c.query(ctx, c.q(), query, args...)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	defer rows.Close()
	var out []*store.ScheduleRun
	for rows.Next() {
		r, err := scanScheduleRun(rows)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", what, err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	return out, nil
}

func (c *conn) LatestScheduleRun(ctx context.Context, scheduleID string) (*store.ScheduleRun, error) {
	r, err := scanScheduleRun(c.queryRow(ctx, c.q(), `SELECT `+scheduleRunCols+` FROM schedule_runs
		WHERE schedule_id = ? ORDER BY at DESC, id DESC LIMIT 1`, scheduleID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("runs of schedule %q: %w", scheduleID, store.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("latest run of schedule %q: %w", scheduleID, err)
	}
	return r, nil
}
