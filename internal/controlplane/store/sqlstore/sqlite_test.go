package sqlstore_test

import (
	"database/sql"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/openclaw/terraform-provider-openclaw/internal/controlplane/store"
	"github.com/openclaw/terraform-provider-openclaw/internal/controlplane/store/sqlstore"
	"github.com/openclaw/terraform-provider-openclaw/internal/controlplane/store/storetest"
)

func openSQLite(t *testing.T) store.Store {
	t.Helper()
	s, err := sqlstore.Open(t.Context(), filepath.Join(t.TempDir(), "openclaw.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestSQLite(t *testing.T) {
	storetest.Run(t, openSQLite)
}

// TestSQLiteReopen: data survives closing the database, migrations run
// again are a no-op, and the accepted spellings of a path all work.
func TestSQLiteReopen(t *testing.T) {
	ctx := t.Context()
	dir := filepath.Join(t.TempDir(), "nested", "state dir") // created by Open
	path := filepath.Join(dir, "cp.db")

	s, err := sqlstore.Open(ctx, "sqlite:"+path)
	if err != nil {
		t.Fatal(err)
	}
	if s.Driver() != "sqlite" {
		t.Fatalf("driver %q", s.Driver())
	}
	r := &store.Resource{Kind: store.KindEnvironment, ID: "env_01", Name: "prod", Labels: map[string]string{"a": "b"}}
	if err := s.CreateResource(ctx, r); err != nil {
		t.Fatal(err)
	}
	if err := s.PutSecrets(ctx, r.ID, []store.Secret{{Name: "s", Nonce: []byte{1}, Ciphertext: []byte{2}, Version: 1}}); err != nil {
		t.Fatal(err)
	}
	// A second store on the same file while the first is open (migrations
	// find nothing to do).
	s2, err := sqlstore.Open(ctx, "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s2.GetResource(ctx, store.KindEnvironment, r.ID); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s2.Close(); err != nil {
		t.Fatal(err)
	}

	for _, dsn := range []string{path, "file://" + path} {
		s, err := sqlstore.Open(ctx, dsn)
		if err != nil {
			t.Fatalf("reopen %s: %v", dsn, err)
		}
		got, err := s.GetResource(ctx, store.KindEnvironment, r.ID)
		if err != nil {
			t.Fatalf("after reopen: %v", err)
		}
		if got.Name != "prod" || got.Labels["a"] != "b" || got.Revision != 1 {
			t.Fatalf("after reopen: %+v", got)
		}
		secrets, err := s.ListSecrets(ctx, r.ID)
		if err != nil || len(secrets) != 1 {
			t.Fatalf("secrets after reopen: %v %v", secrets, err)
		}
		s.Close()
	}

	// The migration ran once.
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var applied int
	if err := db.QueryRow(`SELECT COUNT(*) FROM goose_db_version WHERE version_id > 0`).Scan(&applied); err != nil {
		t.Fatal(err)
	}
	if want := migrationCount(t, "sqlite"); applied != want {
		t.Fatalf("%d migrations recorded, want %d", applied, want)
	}
	if err := sqlstore.Migrate(ctx, db, "sqlite"); err != nil {
		t.Fatalf("explicit Migrate on a migrated database: %v", err)
	}
	var mode string
	if err := db.QueryRow(`PRAGMA journal_mode`).Scan(&mode); err != nil || mode != "wal" {
		t.Fatalf("journal mode %q (%v), want wal", mode, err)
	}
}

func TestSQLiteOpenErrors(t *testing.T) {
	ctx := t.Context()
	file := filepath.Join(t.TempDir(), "plain-file")
	if err := os.WriteFile(file, []byte(strings.Repeat("not a database\n", 512)), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ dsn, want string }{
		{filepath.Join(file, "db.sqlite"), "open sqlite database at " + filepath.Join(file, "db.sqlite")},
		{file, "open sqlite database at " + file}, // not a database
		{":memory:", "in-memory"},
		{"sqlite:", "empty path"},
	} {
		s, err := sqlstore.Open(ctx, c.dsn)
		if err == nil {
			s.Close()
			t.Fatalf("Open(%q) succeeded", c.dsn)
		}
		if !strings.Contains(err.Error(), c.want) {
			t.Fatalf("Open(%q): %v; want it to mention %q", c.dsn, err, c.want)
		}
	}
	if err := sqlstore.Migrate(ctx, nil, "mysql"); err == nil || !strings.Contains(err.Error(), "mysql") {
		t.Fatalf("Migrate with an unknown driver: %v", err)
	}
}

func TestSQLiteReplicas(t *testing.T) {
	path := filepath.Join(t.TempDir(), "shared.db")
	var replicas []store.Store
	for range 3 {
		s, err := sqlstore.Open(t.Context(), path)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		replicas = append(replicas, s)
	}
	testReplicasClaim(t, replicas)
}

// migrationCount is the number of migration files of a dialect, each of
// which must be recorded once.
func migrationCount(t *testing.T, dialect string) int {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("migrations", dialect, "*.sql"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no migrations for %s: %v", dialect, err)
	}
	return len(files)
}
