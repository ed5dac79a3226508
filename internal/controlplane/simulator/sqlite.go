package simulator

import (
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	_ "modernc.org/sqlite" // the gateway's state database, as OpenClaw keeps it
)

// stateDatabase is where OpenClaw keeps its own state (facts: SQLite in WAL
// mode), so snapshots of simulated gateways exercise the online backup path.
const stateDatabase = "state/openclaw.sqlite"

// ensureStateDatabase creates the gateway's WAL-mode state database once;
// an existing (or restored) one is left as it is.
func ensureStateDatabase(dir string) error {
	p := filepath.Join(dir, filepath.FromSlash(stateDatabase))
	if _, err := os.Stat(p); err == nil {
		return nil
	} else if !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		return err
	}
	db, err := sql.Open("sqlite", "file:"+filepath.ToSlash(p)+"?_pragma=journal_mode(WAL)&_pragma=busy_timeout(5000)")
	if err != nil {
		return err
	}
	defer db.Close()
	if _, err := db.Exec(`CREATE TABLE IF NOT EXISTS sessions (id INTEGER PRIMARY KEY, channel TEXT NOT NULL, started_at TEXT NOT NULL)`); err != nil {
		return fmt.Errorf("simulator: create %s: %w", stateDatabase, err)
	}
	return nil
}
