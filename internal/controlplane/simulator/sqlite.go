package simulator

import (
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"

	_ "modernc.org/sqlite" // the gateway's state database, as OpenClaw keeps it

	"github.com/openclaw/terraform-provider-openclaw/internal/controlplane/driver"
)

// stateDatabase is where OpenClaw keeps its own state (facts: SQLite in WAL
// mode), so snapshots of simulated gateways exercise the online backup path.
const stateDatabase = "state/openclaw.sqlite"

// ensureStateDatabase creates the gateway's WAL-mode state database once;
// an existing (or restored) one is left as it is. It copies a database made
// once per process: creating each with SQLite took a dozen file system calls
// and an fsync, the larger part of a simulated create.
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
	b, err := stateDatabaseTemplate()
	if err != nil {
		return err
	}
	return driver.WriteFileAtomic(p, b)
}

// stateDatabaseTemplate is the file of a new state database. Closed, a WAL
// database is all in its main file, and WAL mode is recorded in its header.
var stateDatabaseTemplate = sync.OnceValues(func() ([]byte, error) {
	tmp, err := os.MkdirTemp("", "openclaw-state-db-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp) //nolint:errcheck // best effort: a private temporary directory
	p := filepath.Join(tmp, "openclaw.sqlite")
	db, err := sql.Open("sqlite", "file:"+filepath.ToSlash(p)+"?_pragma=journal_mode(WAL)&_pragma=busy_timeout(5000)")
	if err != nil {
		return nil, err
	}
	if _, err := db.Exec(`CREATE TABLE IF NOT EXISTS sessions (id INTEGER PRIMARY KEY, channel TEXT NOT NULL, started_at TEXT NOT NULL)`); err != nil {
		db.Close()
		return nil, fmt.Errorf("simulator: create %s: %w", stateDatabase, err)
	}
	if err := db.Close(); err != nil {
		return nil, err
	}
	return os.ReadFile(p)
})
