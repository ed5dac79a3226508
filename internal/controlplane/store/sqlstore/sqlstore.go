// Package sqlstore implements store.Store over database/sql, for SQLite
// (modernc.org/sqlite, pure Go) and PostgreSQL (pgx). Queries are written
// once with ? placeholders; a small dialect layer rebinds them for
// PostgreSQL, converts timestamps and recognizes unique violations. The
// schema is managed by goose migrations embedded in the binary.
//
// Stored values are normalized: timestamps are UTC with microsecond
// precision (the structs passed to Create and Update methods are updated to
// match), an empty AltKey is NULL, empty label maps read back as empty
// non-nil maps and empty lists as nil.
package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" database/sql driver
	_ "modernc.org/sqlite"             // registers the "sqlite" database/sql driver

	"github.com/openclaw/terraform-provider-openclaw/internal/controlplane/store"
)

// sqliteParams are the connection parameters of every SQLite connection:
// wait for locks rather than fail, write-ahead logging so readers never block
// the writer, enforced foreign keys, and BEGIN IMMEDIATE so that a
// transaction takes the write lock up front instead of failing with
// SQLITE_BUSY when it upgrades from reading to writing.
const sqliteParams = "_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=foreign_keys(1)&_pragma=synchronous(NORMAL)&_txlock=immediate"

// Open opens (creating if needed) and migrates a database. A dsn starting
// with postgres:// or postgresql:// is a PostgreSQL connection URL; anything
// else is the path of a SQLite file, optionally prefixed with sqlite: or
// file:, whose parent directory is created. A query string on a SQLite path
// is appended to the driver parameters.
func Open(ctx context.Context, dsn string) (store.Store, error) {
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		return openPostgres(ctx, dsn)
	}
	return openSQLite(ctx, dsn)
}

func openSQLite(ctx context.Context, dsn string) (store.Store, error) {
	path, extra, err := sqlitePath(dsn)
	if err != nil {
		return nil, err
	}
	fail := func(err error) (store.Store, error) {
		return nil, fmt.Errorf("open sqlite database at %s: %w", path, err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return fail(err)
	}
	db, err := sql.Open("sqlite", sqliteDSN(path, extra))
	if err != nil {
		return fail(err)
	}
	// One writer at a time is SQLite's rule anyway (busy_timeout queues the
	// others); a few connections let readers proceed under WAL and keep a
	// store call made while a transaction is open from deadlocking the pool.
	db.SetMaxOpenConns(8)
	db.SetMaxIdleConns(8)
	db.SetConnMaxLifetime(0)
	db.SetConnMaxIdleTime(10 * time.Minute)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return fail(err)
	}
	if err := Migrate(ctx, db, "sqlite"); err != nil {
		db.Close()
		return fail(err)
	}
	return newStore(db, sqliteDialect), nil
}

// sqlitePath turns a SQLite dsn into an absolute file path and the query
// string that followed it, if any.
func sqlitePath(dsn string) (path, query string, err error) {
	s := strings.TrimPrefix(dsn, "sqlite:")
	s = strings.TrimPrefix(s, "file:")
	if strings.HasPrefix(s, "///") { // file:///abs/path
		s = s[2:]
	}
	if i := strings.IndexByte(s, '?'); i >= 0 {
		s, query = s[:i], s[i+1:]
	}
	if s == "" {
		return "", "", fmt.Errorf("open sqlite database: empty path in %q", dsn)
	}
	if s == ":memory:" || strings.Contains(query, "mode=memory") {
		return "", "", errors.New("open sqlite database: in-memory databases are not supported (each pooled connection would get its own); use a file path")
	}
	abs, err := filepath.Abs(s)
	if err != nil {
		return "", "", fmt.Errorf("open sqlite database at %s: %w", s, err)
	}
	return abs, query, nil
}

// sqliteDSN is the modernc.org/sqlite URI for a file: the path escaped for a
// SQLite URI (which decodes %HH), then the driver parameters.
func sqliteDSN(path, extra string) string {
	esc := strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23").Replace(filepath.ToSlash(path))
	dsn := "file:" + esc + "?" + sqliteParams
	if extra != "" {
		dsn += "&" + extra
	}
	return dsn
}

func openPostgres(ctx context.Context, dsn string) (store.Store, error) {
	// ParseConfig validates the URL and tells where it points; its errors
	// redact the password.
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("open postgres database: %w", err)
	}
	where := fmt.Sprintf("%s:%d/%s", cfg.Host, cfg.Port, cfg.Database)
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		return nil, fmt.Errorf("connect to postgres at %s: %w", where, err)
	}
	db.SetMaxOpenConns(16)
	db.SetMaxIdleConns(8)
	db.SetConnMaxIdleTime(5 * time.Minute)
	db.SetConnMaxLifetime(30 * time.Minute)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		if msg := redact(err.Error(), dsn); msg != err.Error() {
			err = errors.New(msg)
		}
		return nil, fmt.Errorf("connect to postgres at %s: %w", where, err)
	}
	if err := Migrate(ctx, db, "postgres"); err != nil {
		db.Close()
		return nil, fmt.Errorf("migrate postgres database at %s: %w", where, err)
	}
	return newStore(db, postgresDialect), nil
}

// redact removes the URL's password from a message, should a driver ever
// echo it.
func redact(msg, dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil || u.User == nil {
		return msg
	}
	if pw, ok := u.User.Password(); ok && pw != "" {
		msg = strings.ReplaceAll(msg, pw, "xxxxx")
		if esc := url.QueryEscape(pw); esc != pw {
			msg = strings.ReplaceAll(msg, esc, "xxxxx")
		}
	}
	return msg
}

// querier is what *sql.DB and *sql.Tx have in common.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// conn carries the operations of store.Tx, either on the pool or inside a
// transaction.
type conn struct {
	d      *dialect
	db     *sql.DB
	tx     *sql.Tx    // nil outside InTx
	stmts  *stmtCache // nil: statements are not kept prepared
	claims *claimConn // PostgreSQL only
}

// claimConn is the one PostgreSQL connection operation claims run on, with
// explicit sorts off for its session (why: ClaimOperations), so a claim is
// one round trip instead of a transaction setting them for itself.
type claimConn struct {
	mu   sync.Mutex
	conn *sql.Conn
}

// run runs fn on the claim connection, opening it first if needed. After
// an error the connection is closed; when it was an older one (which the
// server may have dropped since), fn runs once more on a new one: a claim
// may run twice, since its owner re-claims what it leased.
func (cc *claimConn) run(ctx context.Context, db *sql.DB, fn func(q querier) error) error {
	cc.mu.Lock()
	defer cc.mu.Unlock()
	for attempt := 0; ; attempt++ {
		fresh := cc.conn == nil
		if fresh {
			conn, err := db.Conn(ctx)
			if err != nil {
				return err
			}
			if _, err := conn.ExecContext(ctx, `SET enable_sort = off`); err != nil {
				_ = conn.Close() // the error that matters is the SET's
				return err
			}
			cc.conn = conn
		}
		err := fn(cc.conn)
		if err == nil {
			return nil
		}
		_ = cc.conn.Close() // replaced on the next claim
		cc.conn = nil
		if fresh || attempt > 0 || ctx.Err() != nil {
			return err
		}
	}
}

func (cc *claimConn) close() error {
	cc.mu.Lock()
	defer cc.mu.Unlock()
	if cc.conn == nil {
		return nil
	}
	err := cc.conn.Close()
	cc.conn = nil
	return err
}

// q is where a single statement runs.
func (c *conn) q() querier {
	if c.tx != nil {
		return c.tx
	}
	return c.db
}

func (c *conn) exec(ctx context.Context, q querier, query string, args ...any) (sql.Result, error) {
	if st := c.stmts.on(ctx, q, query); st != nil {
		return st.ExecContext(ctx, args...)
	}
	return q.ExecContext(ctx, c.d.rebind(query), args...)
}

func (c *conn) query(ctx context.Context, q querier, query string, args ...any) (*sql.Rows, error) {
	if st := c.stmts.on(ctx, q, query); st != nil {
		return st.QueryContext(ctx, args...)
	}
	return q.QueryContext(ctx, c.d.rebind(query), args...)
}

func (c *conn) queryRow(ctx context.Context, q querier, query string, args ...any) *sql.Row {
	if st := c.stmts.on(ctx, q, query); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return q.QueryRowContext(ctx, c.d.rebind(query), args...)
}

// atomic runs a multi-statement write as a unit: in its own transaction, or,
// inside InTx, under a savepoint, so that a failed statement (a unique
// violation, say) neither leaves half a write behind nor poisons the
// caller's PostgreSQL transaction.
func (c *conn) atomic(ctx context.Context, fn func(q querier) error) (err error) {
	if c.tx != nil {
		if _, err := c.tx.ExecContext(ctx, "SAVEPOINT store_op"); err != nil {
			return err
		}
		if err := fn(c.tx); err != nil {
			if _, rbErr := c.tx.ExecContext(ctx, "ROLLBACK TO SAVEPOINT store_op"); rbErr != nil {
				return errors.Join(err, fmt.Errorf("roll back to savepoint: %w", rbErr))
			}
			if _, relErr := c.tx.ExecContext(ctx, "RELEASE SAVEPOINT store_op"); relErr != nil {
				return errors.Join(err, fmt.Errorf("release savepoint: %w", relErr))
			}
			return err
		}
		_, err := c.tx.ExecContext(ctx, "RELEASE SAVEPOINT store_op")
		return err
	}
	tx, err := c.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin transaction: %w", err)
	}
	defer func() {
		if p := recover(); p != nil {
			_ = tx.Rollback()
			panic(p)
		}
	}()
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// sqlStore is the store.Store.
type sqlStore struct {
	conn
}

func newStore(db *sql.DB, d *dialect) *sqlStore {
	var stmts *stmtCache
	if d == sqliteDialect {
		// pgx already keeps each connection's statements prepared; the
		// SQLite driver parses every statement again unless asked.
		stmts = newStmtCache(db)
	}
	var claims *claimConn
	if d == postgresDialect {
		claims = &claimConn{}
	}
	return &sqlStore{conn{d: d, db: db, stmts: stmts, claims: claims}}
}

// txStore is the store.Tx given to InTx's function.
type txStore struct {
	conn
}

var (
	_ store.Store = (*sqlStore)(nil)
	_ store.Tx    = (*txStore)(nil)
)

func (s *sqlStore) InTx(ctx context.Context, fn func(tx store.Tx) error) (err error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin transaction: %w", err)
	}
	done := false
	defer func() {
		if !done {
			// fn panicked (or runtime.Goexit, as t.FailNow does).
			_ = tx.Rollback()
		}
	}()
	ferr := fn(&txStore{conn{d: s.d, db: s.db, tx: tx, stmts: s.stmts}})
	done = true
	if ferr != nil {
		if rbErr := tx.Rollback(); rbErr != nil && !errors.Is(rbErr, sql.ErrTxDone) {
			return errors.Join(ferr, fmt.Errorf("roll back: %w", rbErr))
		}
		return ferr
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

func (s *sqlStore) Ping(ctx context.Context) error { return s.db.PingContext(ctx) }

func (s *sqlStore) Driver() string { return s.d.name }

func (s *sqlStore) Close() error {
	s.stmts.close()
	var cerr error
	if s.claims != nil {
		cerr = s.claims.close()
	}
	return errors.Join(cerr, s.db.Close())
}

// Lock takes a transaction-scoped lock: pg_advisory_xact_lock on
// PostgreSQL; on SQLite the write lock InTx already holds (_txlock=immediate)
// serialises writers.
func (c *conn) Lock(ctx context.Context, name string) error {
	if c.tx == nil {
		return errors.New("store: Lock needs a transaction (call it inside InTx)")
	}
	if c.d != postgresDialect {
		return nil
	}
	_, err := c.tx.ExecContext(ctx, "SELECT pg_advisory_xact_lock(hashtext($1))", "openclaw:"+name)
	return err
}
