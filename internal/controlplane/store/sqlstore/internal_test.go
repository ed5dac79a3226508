package sqlstore

import (
	"database/sql"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/openclaw/terraform-provider-openclaw/internal/controlplane/store"
	"github.com/openclaw/terraform-provider-openclaw/internal/controlplane/store/pgtest"
)

func TestRebind(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{`SELECT 1`, `SELECT 1`},
		{`a = ? AND b IN (?, ?)`, `a = $1 AND b IN ($2, $3)`},
		{`x = '?' AND "q?" = ? AND y = 'it''s ?' OR z = ?`, `x = '?' AND "q?" = $1 AND y = 'it''s ?' OR z = $2`},
	} {
		if got := postgresDialect.rebind(c.in); got != c.want {
			t.Errorf("rebind(%q) = %q, want %q", c.in, got, c.want)
		}
		if got := sqliteDialect.rebind(c.in); got != c.in {
			t.Errorf("sqlite rebind changed %q", c.in)
		}
	}
}

func TestSQLitePath(t *testing.T) {
	abs := func(p string) string {
		a, err := filepath.Abs(p)
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	for _, c := range []struct{ dsn, path, query string }{
		{"/var/lib/openclaw/cp.db", "/var/lib/openclaw/cp.db", ""},
		{"sqlite:/var/lib/cp.db", "/var/lib/cp.db", ""},
		{"file:/var/lib/cp.db", "/var/lib/cp.db", ""},
		{"file:///var/lib/cp.db", "/var/lib/cp.db", ""},
		{"sqlite:file:///var/lib/cp.db", "/var/lib/cp.db", ""},
		{"data/cp.db", abs("data/cp.db"), ""},
		{"/tmp/cp.db?_pragma=cache_size(-20000)", "/tmp/cp.db", "_pragma=cache_size(-20000)"},
	} {
		path, query, err := sqlitePath(c.dsn)
		if err != nil || path != c.path || query != c.query {
			t.Errorf("sqlitePath(%q) = %q, %q, %v; want %q, %q", c.dsn, path, query, err, c.path, c.query)
		}
	}
	for _, bad := range []string{"", "sqlite:", "file:", ":memory:", "file:x?mode=memory"} {
		if _, _, err := sqlitePath(bad); err == nil {
			t.Errorf("sqlitePath(%q) accepted", bad)
		}
	}
	dsn := sqliteDSN("/data/50% #1?/cp.db", "")
	if !strings.HasPrefix(dsn, "file:/data/50%25 %231%3f/cp.db?_pragma=busy_timeout(10000)&") || !strings.HasSuffix(dsn, "&_txlock=immediate") {
		t.Errorf("sqliteDSN = %q", dsn)
	}
}

func TestSQLiteUniqueField(t *testing.T) {
	for msg, want := range map[string]string{
		"constraint failed: UNIQUE constraint failed: resources.kind, resources.parent_id, resources.name (2067)": "name",
		"UNIQUE constraint failed: resources.kind, resources.parent_id, resources.alt_key":                        "alt_key",
		"constraint failed: UNIQUE constraint failed: resources.id (1555)":                                        "id",
		"UNIQUE constraint failed: api_keys.secret_hash":                                                          "secret_hash",
		"UNIQUE constraint failed: idempotency_keys.principal, idempotency_keys.key":                              "key",
		"something else": "unknown",
	} {
		if got := sqliteUniqueField(msg); got != want {
			t.Errorf("sqliteUniqueField(%q) = %q, want %q", msg, got, want)
		}
	}
}

// parseStoredUTC reads exactly what ts writes, and leaves anything else to
// time.Parse.
func TestParseStoredUTC(t *testing.T) {
	for _, want := range []time.Time{
		time.Date(2026, 12, 1, 12, 34, 56, 789012000, time.UTC),
		time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(2028, 2, 29, 23, 59, 59, 999999000, time.UTC),
	} {
		s := sqliteDialect.ts(want).(string)
		got, ok := parseStoredUTC(s)
		if !ok || !got.Equal(want) || got.Location() != time.UTC {
			t.Errorf("parseStoredUTC(%q) = %v, %v; want %v", s, got, ok, want)
		}
	}
	for _, s := range []string{"", "2026-12-01T12:34:56Z", "2026-12-01T12:34:56.000000+01:00", "2026-02-30T00:00:00.000000Z",
		"2026-13-01T00:00:00.000000Z", "2026-12-01T24:00:00.000000Z", "2026-12-01T12:34:56.00000xZ", "2026-12-01 12:34:56.000000Z"} {
		if got, ok := parseStoredUTC(s); ok {
			t.Errorf("parseStoredUTC(%q) = %v: want it left to time.Parse", s, got)
		}
	}
}

// A statement is prepared once, in the background, and used from then on,
// inside transactions too; the cache stays bounded.
func TestStmtCache(t *testing.T) {
	st, err := Open(t.Context(), filepath.Join(t.TempDir(), "x.db"))
	if err != nil {
		t.Fatal(err)
	}
	s := st.(*sqlStore)
	defer s.Close()
	const q = `SELECT COUNT(*) FROM operations WHERE id = ?`
	count := func(qr querier) int {
		var n int
		if err := s.queryRow(t.Context(), qr, q, "op_1").Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	count(s.db)
	s.stmts.preparing.Wait()
	if s.stmts.m[q] == nil {
		t.Fatal("the statement was not prepared after its first run")
	}
	tx, err := s.db.BeginTx(t.Context(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.ExecContext(t.Context(), `INSERT INTO operations (`+operationCols+`) VALUES ('op_1', 'k', 't', 'x', 'pending', 0, '', NULL, NULL, 0, '', '', '', '', '', NULL)`); err != nil {
		t.Fatal(err)
	}
	if n := count(tx); n != 1 {
		t.Errorf("the prepared statement inside a transaction saw %d rows, want its own insert", n)
	}
	if err := tx.Rollback(); err != nil {
		t.Fatal(err)
	}
	if n := count(s.db); n != 0 {
		t.Errorf("after the rollback: %d rows", n)
	}
	for i := range maxCachedStmts + 10 {
		s.stmts.on(t.Context(), s.db, fmt.Sprintf("SELECT %d", i))
	}
	s.stmts.preparing.Wait()
	if n := len(s.stmts.m); n > maxCachedStmts {
		t.Errorf("%d statements cached, more than %d", n, maxCachedStmts)
	}
}

// TestPostgresClaimWithoutStatistics: on an operations table PostgreSQL has
// never analyzed (a fresh database in its first burst), the claim still
// walks operations_claim_idx in order and stops at the batch, instead of
// reading, checking and sorting every due operation.
func TestPostgresClaimWithoutStatistics(t *testing.T) {
	dsn := pgtest.FreshDatabase(t)
	s, err := Open(t.Context(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	ctx := t.Context()
	if _, err := db.ExecContext(ctx, `ALTER TABLE operations SET (autovacuum_enabled = false);
		INSERT INTO operations (id, kind, target_kind, target_id, status, step, message, attempts, next_run_at, lease_owner, lease_until, created_at, updated_at)
		SELECT 'op_' || lpad(i::text, 8, '0'), 'environment.create', 'environment', 'env_' || lpad(i::text, 8, '0'),
			CASE WHEN i <= 2000 THEN 'succeeded' ELSE 'pending' END, 0, '', 0, now() - interval '1 hour' + i * interval '1 ms', '', now(), now(), now()
		FROM generate_series(1, 4000) i`); err != nil {
		t.Fatal(err)
	}
	var analyzed sql.NullTime
	if err := db.QueryRowContext(ctx, `SELECT last_analyze FROM pg_stat_user_tables WHERE relname = 'operations'`).Scan(&analyzed); err != nil || analyzed.Valid {
		t.Fatalf("the operations table was analyzed (%v, %v): the test needs it never analyzed", analyzed, err)
	}

	// The plan ClaimOperations gets: the same statement, the same setting.
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback() //nolint:errcheck // read-only
	if _, err := tx.ExecContext(ctx, `SET LOCAL enable_sort = off`); err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	rows, err := tx.QueryContext(ctx, `EXPLAIN `+postgresDialect.rebind(claimQuery(postgresDialect, 16)), now, now, "w", "w", now.Add(time.Minute), now, now, "w")
	if err != nil {
		t.Fatal(err)
	}
	var plan []string
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			t.Fatal(err)
		}
		plan = append(plan, line)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	text := strings.Join(plan, "\n")
	if !strings.Contains(text, "Index Scan using operations_claim_idx") || strings.Contains(text, "Sort") {
		t.Fatalf("the claim's plan on an unanalyzed table does not walk operations_claim_idx in order:\n%s", text)
	}

	// And the claim itself leases the oldest due operations.
	ops, err := s.ClaimOperations(ctx, "w", now, now.Add(time.Minute), 16)
	if err != nil || len(ops) != 16 || ops[0].ID != "op_00002001" || ops[15].ID != "op_00002016" {
		t.Fatalf("claimed %d operations (%v), want op_00002001 to op_00002016", len(ops), err)
	}
}

// TestPostgresClaimConnectionReplaced: the connection claims run on is
// replaced when the server drops it, without a failed claim.
func TestPostgresClaimConnectionReplaced(t *testing.T) {
	dsn := pgtest.FreshDatabase(t)
	st, err := Open(t.Context(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	ctx := t.Context()
	now := time.Now()
	for i := range 2 {
		if err := st.CreateOperation(ctx, &store.Operation{ID: fmt.Sprintf("op_%d", i), Kind: "environment.create", TargetKind: store.KindEnvironment,
			TargetID: fmt.Sprintf("env_%d", i), NextRunAt: now.Add(-time.Minute)}); err != nil {
			t.Fatal(err)
		}
	}
	if ops, err := st.ClaimOperations(ctx, "a", now, now.Add(time.Minute), 1); err != nil || len(ops) != 1 {
		t.Fatalf("first claim: %d, %v", len(ops), err)
	}
	admin, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = admin.Close() })
	var dropped int
	if err := admin.QueryRowContext(ctx, `SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
		WHERE datname = current_database() AND pid <> pg_backend_pid()`).Scan(&dropped); err != nil || dropped == 0 {
		t.Fatalf("dropped %d connections: %v", dropped, err)
	}
	ops, err := st.ClaimOperations(ctx, "b", now, now.Add(time.Minute), 1)
	if err != nil || len(ops) != 1 || ops[0].ID != "op_1" {
		t.Fatalf("claim after the server dropped the connection: %+v, %v", ops, err)
	}
}
