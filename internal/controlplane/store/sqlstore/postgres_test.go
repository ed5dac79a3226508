package sqlstore_test

import (
	"database/sql"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/openclaw/terraform-provider-openclaw/internal/controlplane/store"
	"github.com/openclaw/terraform-provider-openclaw/internal/controlplane/store/pgtest"
	"github.com/openclaw/terraform-provider-openclaw/internal/controlplane/store/sqlstore"
	"github.com/openclaw/terraform-provider-openclaw/internal/controlplane/store/storetest"
)

func postgresServer(t *testing.T) string { return pgtest.Server(t) }

func freshDatabase(t *testing.T) string { return pgtest.FreshDatabase(t) }

func openPostgresAt(t *testing.T, dsn string) store.Store {
	t.Helper()
	s, err := sqlstore.Open(t.Context(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestPostgres(t *testing.T) {
	postgresServer(t)
	storetest.Run(t, func(t *testing.T) store.Store {
		return openPostgresAt(t, freshDatabase(t))
	})
}

// TestPostgresMigrations: migrating a migrated database is a no-op, and
// replicas starting at once on an empty database do not trip over each
// other.
func TestPostgresMigrations(t *testing.T) {
	dsn := freshDatabase(t)
	var wg sync.WaitGroup
	stores := make([]store.Store, 4)
	errs := make([]error, 4)
	for i := range stores {
		wg.Go(func() { stores[i], errs[i] = sqlstore.Open(t.Context(), dsn) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("concurrent open %d: %v", i, err)
		}
		t.Cleanup(func() { stores[i].Close() })
	}
	r := &store.Resource{Kind: store.KindEnvironment, ID: "env_01", Name: "prod"}
	if err := stores[0].CreateResource(t.Context(), r); err != nil {
		t.Fatal(err)
	}
	if stores[1].Driver() != "postgres" {
		t.Fatalf("driver %q", stores[1].Driver())
	}
	again := openPostgresAt(t, dsn)
	if _, err := again.GetResource(t.Context(), store.KindEnvironment, r.ID); err != nil {
		t.Fatal(err)
	}

	db, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var applied int
	if err := db.QueryRow(`SELECT COUNT(*) FROM goose_db_version WHERE version_id > 0`).Scan(&applied); err != nil {
		t.Fatal(err)
	}
	if want := migrationCount(t, "postgres"); applied != want {
		t.Fatalf("%d migrations recorded, want %d", applied, want)
	}
	if err := sqlstore.Migrate(t.Context(), db, "postgres"); err != nil {
		t.Fatal(err)
	}
}

func TestPostgresReplicas(t *testing.T) {
	dsn := freshDatabase(t)
	var replicas []store.Store
	for range 3 {
		replicas = append(replicas, openPostgresAt(t, dsn))
	}
	testReplicasClaim(t, replicas)
}

// TestPostgresOpenErrors needs no server: the connection fails, and the
// message says where to without the password.
func TestPostgresOpenErrors(t *testing.T) {
	ctx := t.Context()
	for _, dsn := range []string{
		"postgres://openclaw:hunter2-secret@127.0.0.1:1/controlplane?sslmode=disable&connect_timeout=2",
		"postgresql://openclaw:hunter2-secret@127.0.0.1:1/controlplane?sslmode=disable&connect_timeout=2",
	} {
		start := time.Now()
		s, err := sqlstore.Open(ctx, dsn)
		if err == nil {
			s.Close()
			t.Fatal("connected to port 1")
		}
		msg := err.Error()
		if !strings.Contains(msg, "connect to postgres at 127.0.0.1:1/controlplane") {
			t.Fatalf("error %q does not say where", msg)
		}
		if strings.Contains(msg, "hunter2") {
			t.Fatalf("error %q shows the password", msg)
		}
		if time.Since(start) > 10*time.Second {
			t.Fatalf("took %s to fail", time.Since(start))
		}
	}
	_, err := sqlstore.Open(ctx, "postgres://openclaw:hunter2-secret@127.0.0.1:99999999/x")
	if err == nil || strings.Contains(err.Error(), "hunter2") {
		t.Fatalf("bad URL: %v", err)
	}
}
