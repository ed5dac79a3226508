package simulator

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/openclaw/terraform-provider-openclaw/internal/controlplane/archive"
	"github.com/openclaw/terraform-provider-openclaw/internal/controlplane/driver"
)

// The simulator writes the openclaw.json a real gateway starts with: the
// same builder as the process driver, whose acceptance tests start real
// gateways on it. These are the two keys without which it refuses to start.
func TestProvisionWritesAConfigARealGatewayAccepts(t *testing.T) {
	s := New(Config{DataDir: t.TempDir()})
	g := driver.Gateway{ID: "env_1", Name: "prod", Region: "us-east", OpenClawVersion: "2026.9.6", SecretNames: []string{"ANTHROPIC_API_KEY"},
		ModelProviders: []driver.ModelProvider{{ID: "local-llm", BaseURL: "http://x/v1", API: "openai-completions", Models: []driver.Model{{ID: "llama", ContextWindow: 8192}}}}}
	if err := s.Provision(context.Background(), g); err != nil {
		t.Fatal(err)
	}
	var cfg struct {
		Gateway struct {
			Mode string `json:"mode"`
			Port int    `json:"port"`
		} `json:"gateway"`
		Models struct {
			Providers map[string]struct {
				Models []struct {
					ID   string `json:"id"`
					Name string `json:"name"`
				} `json:"models"`
			} `json:"providers"`
		} `json:"models"`
	}
	b, err := os.ReadFile(filepath.Join(s.StateDir("env_1"), "openclaw.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &cfg); err != nil {
		t.Fatal(err)
	}
	if cfg.Gateway.Mode != "local" || cfg.Gateway.Port != GatewayPort {
		t.Errorf("gateway %+v: want mode local on %d", cfg.Gateway, GatewayPort)
	}
	if m := cfg.Models.Providers["local-llm"].Models; len(m) != 1 || m[0].Name != "llama" {
		t.Errorf("models %+v: every model needs a name", m)
	}
	env, _ := os.ReadFile(filepath.Join(s.StateDir("env_1"), ".env"))
	if !strings.Contains(string(env), "# ANTHROPIC_API_KEY") || strings.Contains(string(env), "=") {
		t.Errorf(".env names secrets without values: %q", env)
	}
}

func TestStartStopHealthAndLogs(t *testing.T) {
	ctx := context.Background()
	s := New(Config{DataDir: t.TempDir()})
	if h, _ := s.Health(ctx, "env_1"); h.Phase != driver.PhaseStopped {
		t.Fatalf("before start: %s", h.Phase)
	}
	_ = s.Start(ctx, driver.Gateway{ID: "env_1"})
	if h, _ := s.Health(ctx, "env_1"); h.Phase != driver.PhaseReady {
		t.Fatalf("after start: %s", h.Phase)
	}
	_ = s.Stop(ctx, "env_1", time.Second)
	if h, _ := s.Health(ctx, "env_1"); h.Phase != driver.PhaseStopped {
		t.Fatalf("after stop: %s", h.Phase)
	}
	lines, _ := s.Logs(ctx, "env_1", 10)
	if len(lines) != 2 || !strings.Contains(lines[0], "started (simulated") || !strings.Contains(lines[1], "stopped (simulated)") {
		t.Errorf("logs %q", lines)
	}
}

func TestFaultLabelsAndDelay(t *testing.T) {
	s := New(Config{Delay: time.Second})
	if err := s.Check("update", map[string]string{LabelFail: "create, update"}); !errors.Is(err, ErrInjected) {
		t.Errorf("update with fail=create,update: %v", err)
	}
	if err := s.Check("delete", map[string]string{LabelFail: "create"}); err != nil {
		t.Errorf("delete with fail=create: %v", err)
	}
	if d := s.Delay(map[string]string{LabelDelay: "30s"}); d != 30*time.Second {
		t.Errorf("delay label: %s", d)
	}
	if d := s.Delay(nil); d != time.Second {
		t.Errorf("default delay: %s", d)
	}
}

func TestBackupAndRestore(t *testing.T) {
	ctx := context.Background()
	s := New(Config{DataDir: t.TempDir()})
	_ = s.Provision(ctx, driver.Gateway{ID: "env_1", Name: "prod"})
	b, err := s.Backup(ctx, "env_1", t.TempDir())
	if err != nil || b.SizeBytes == 0 || len(b.SHA256) != 64 {
		t.Fatalf("backup %+v: %v", b, err)
	}
	if err := s.Restore(ctx, "env_1", b.Path); err == nil {
		t.Fatal("restore over an existing state directory accepted")
	}
	if err := s.Restore(ctx, "env_2", b.Path); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(s.StateDir("env_2"), "workspace", "AGENTS.md")); err != nil {
		t.Errorf("restored state: %v", err)
	}
	// The control plane's archiver wrote it: a manifest with every file.
	f, err := os.Open(b.Path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close() //nolint:errcheck // test
	if info, err := archive.Inspect(ctx, f, 0); err != nil || info.Format != archive.FormatStateArchive || info.Files == 0 || b.Tool != BackupTool {
		t.Errorf("backup %+v: %+v, %v", b, info, err)
	}
	// A truncated archive is refused and leaves nothing.
	raw, _ := os.ReadFile(b.Path)
	cut := filepath.Join(t.TempDir(), "cut.tar.gz")
	if err := os.WriteFile(cut, raw[:len(raw)/2], 0o600); err != nil {
		t.Fatal(err)
	}
	if err := s.Restore(ctx, "env_3", cut); err == nil {
		t.Error("a truncated archive restored")
	}
	if _, err := os.Stat(s.StateDir("env_3")); !os.IsNotExist(err) {
		t.Errorf("a refused restore left %s (%v)", s.StateDir("env_3"), err)
	}
}

// Each environment gets its own copy of one template database: a WAL-mode
// SQLite file with OpenClaw's sessions table that is written to on its own
// (snapshots archive it online), and a provision again leaves its rows.
func TestStateDatabaseIsAWALDatabaseOfItsOwn(t *testing.T) {
	s := New(Config{DataDir: t.TempDir()})
	ctx := context.Background()
	for _, id := range []string{"env_1", "env_2"} {
		if err := s.Provision(ctx, driver.Gateway{ID: id, Name: id, Region: "us-east"}); err != nil {
			t.Fatal(err)
		}
	}
	open := func(id string) *sql.DB {
		db, err := sql.Open("sqlite", "file:"+filepath.ToSlash(filepath.Join(s.StateDir(id), filepath.FromSlash(stateDatabase))))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return db
	}
	db1 := open("env_1")
	var mode string
	if err := db1.QueryRow(`PRAGMA journal_mode`).Scan(&mode); err != nil || mode != "wal" {
		t.Fatalf("journal_mode %q, %v: want wal", mode, err)
	}
	if _, err := db1.Exec(`INSERT INTO sessions (channel, started_at) VALUES ('web', 'now')`); err != nil {
		t.Fatal(err)
	}
	if err := s.Provision(ctx, driver.Gateway{ID: "env_1", Name: "env_1", Region: "us-east"}); err != nil {
		t.Fatal(err)
	}
	for id, want := range map[string]int{"env_1": 1, "env_2": 0} {
		var n int
		if err := open(id).QueryRow(`SELECT count(*) FROM sessions`).Scan(&n); err != nil || n != want {
			t.Errorf("%s: %d sessions, %v: want %d", id, n, err, want)
		}
	}
}
