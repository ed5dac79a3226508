package process

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/openclaw/terraform-provider-openclaw/internal/controlplane/driver"
)

// TestRealBackupAndRestore runs the real `openclaw backup create` and
// `openclaw backup restore` on a state directory the driver wrote (no
// gateway needs to run for it). It needs OPENCLAW_BIN, which make test sets.
func TestRealBackupAndRestore(t *testing.T) {
	bin := os.Getenv("OPENCLAW_BIN")
	if bin == "" {
		if os.Getenv("TF_ACC") != "" {
			t.Fatal("OPENCLAW_BIN is not set: make test installs openclaw with tools/openclaw.sh and sets it")
		}
		t.Skip("needs a real openclaw: run through make test (it sets OPENCLAW_BIN)")
	}
	ctx := context.Background()
	d, err := New(Config{DataDir: t.TempDir(), Bin: bin, PortMin: 22000, PortMax: 22999})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = d.Close() })
	g := driver.Gateway{ID: "env_backup", Name: "backup", Region: "us-east", OpenClawVersion: d.Versions()[0], ReleaseChannel: "stable"}
	if err := d.Provision(ctx, g); err != nil {
		t.Fatal(err)
	}
	marker := "restore me: " + t.Name()
	if err := os.WriteFile(filepath.Join(d.StateDir(g.ID), "workspace", "MEMORY.md"), []byte(marker), 0o600); err != nil {
		t.Fatal(err)
	}
	b, err := d.Backup(ctx, g.ID, filepath.Join(t.TempDir(), "backups"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(b.Path, ".tar.gz") || b.SizeBytes == 0 || len(b.SHA256) != 64 || !strings.Contains(b.Tool, "backup create") {
		t.Fatalf("backup %+v", b)
	}
	t.Logf("openclaw backup create: %s, %d bytes", filepath.Base(b.Path), b.SizeBytes)
	if err := d.Restore(ctx, g.ID, b.Path); err == nil {
		t.Fatal("a restore over an existing state directory was accepted")
	}
	if err := d.Restore(ctx, "env_restored", b.Path); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(filepath.Join(d.StateDir("env_restored"), "workspace", "MEMORY.md"))
	if err != nil || string(got) != marker {
		t.Fatalf("restored workspace/MEMORY.md = %q, %v", got, err)
	}
	if _, err := os.Stat(filepath.Join(d.StateDir("env_restored"), "openclaw.json")); err != nil {
		t.Fatalf("restored state has no openclaw.json: %v", err)
	}
}
