// Package pgtest gives tests a fresh PostgreSQL database on the server named
// by OPENCLAW_TEST_POSTGRES_URL (`make test` starts a throwaway one with
// tools/postgres.sh and sets it).
package pgtest

import (
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver
)

// Env names a server on which the tests may CREATE DATABASE, such as
// postgres://postgres@127.0.0.1:5433/postgres?sslmode=disable.
const Env = "OPENCLAW_TEST_POSTGRES_URL"

// Server returns the test server's URL, or skips the test when none is
// configured (the only skip of the PostgreSQL tests: `make test` sets it).
func Server(t testing.TB) string {
	t.Helper()
	u := os.Getenv(Env)
	if u == "" {
		t.Skip(Env + " is not set; `make test` starts a throwaway PostgreSQL with tools/postgres.sh and sets it")
	}
	return u
}

// FreshDatabase creates a randomly named database on the test server, drops
// it when the test ends, and returns its URL.
func FreshDatabase(t testing.TB) string {
	t.Helper()
	server := Server(t)
	admin, err := sql.Open("pgx", server)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { admin.Close() })
	b := make([]byte, 8)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	name := "openclaw_test_" + hex.EncodeToString(b)
	if _, err := admin.Exec("CREATE DATABASE " + name); err != nil {
		t.Fatalf("create test database: %v", err)
	}
	t.Cleanup(func() {
		// Runs after the stores opened on it are closed (cleanups are LIFO);
		// FORCE ends any connection that is still open.
		if _, err := admin.Exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)"); err != nil {
			t.Errorf("drop test database %s: %v", name, err)
		}
	})
	u, err := url.Parse(server)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + name
	return u.String()
}
