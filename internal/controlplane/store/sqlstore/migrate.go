package sqlstore

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"

	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
)

// migrations holds one forward-only directory of goose SQL migrations per
// dialect. The two directories describe the same schema and keep the same
// constraint names (see pgConstraintFields).
//
//go:embed migrations/sqlite/*.sql migrations/postgres/*.sql
var migrations embed.FS

// Migrate applies the embedded migrations that db lacks. driver is "sqlite"
// or "postgres". It is safe to run repeatedly; on PostgreSQL concurrent
// runs (several replicas starting at once) are serialized by an advisory
// lock.
func Migrate(ctx context.Context, db *sql.DB, driver string) error {
	if _, err := dialectFor(driver); err != nil {
		return err
	}
	fsys, err := fs.Sub(migrations, "migrations/"+driver)
	if err != nil {
		return err
	}
	opts := []goose.ProviderOption{
		goose.WithDisableGlobalRegistry(true),
		goose.WithLogger(goose.NopLogger()),
	}
	gooseDialect := goose.DialectSQLite3
	if driver == "postgres" {
		gooseDialect = goose.DialectPostgres
		// Poll for the advisory lock every second (goose's default is 5s)
		// for up to five minutes.
		locker, err := lock.NewPostgresSessionLocker(lock.WithLockTimeout(1, 300))
		if err != nil {
			return err
		}
		opts = append(opts, goose.WithSessionLocker(locker))
	}
	p, err := goose.NewProvider(gooseDialect, db, fsys, opts...)
	if err != nil {
		return fmt.Errorf("load migrations: %w", err)
	}
	if _, err := p.Up(ctx); err != nil {
		return fmt.Errorf("apply migrations: %w", err)
	}
	return nil
}
