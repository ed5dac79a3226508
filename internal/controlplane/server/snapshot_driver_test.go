package server_test

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/openclaw/terraform-provider-openclaw/internal/api"
	"github.com/openclaw/terraform-provider-openclaw/internal/controlplane"
	"github.com/openclaw/terraform-provider-openclaw/internal/controlplane/archive"
	"github.com/openclaw/terraform-provider-openclaw/internal/controlplane/driver"
	"github.com/openclaw/terraform-provider-openclaw/internal/controlplane/simulator"
)

// noBackupDriver is a driver that cannot back up (as the Kubernetes driver
// cannot yet): it says so through driver.BackupSupport.
type noBackupDriver struct{ *nonSimDriver }

func (d noBackupDriver) Gateways() driver.Gateways { return d }
func (noBackupDriver) CanBackup() bool             { return false }
func (noBackupDriver) Backup(context.Context, string, string) (driver.Backup, error) {
	return driver.Backup{}, fmt.Errorf("no volume snapshots: %w", driver.ErrNotSupported)
}

func (noBackupDriver) Restore(context.Context, string, string) error {
	return fmt.Errorf("no volume snapshots: %w", driver.ErrNotSupported)
}

// A driver that cannot back up refuses snapshots, restores and final
// snapshots before anything is queued, naming the driver and the field.
func TestSnapshotsRefusedByADriverThatCannotBackUp(t *testing.T) {
	c := start(t)
	prod := c.createRunning(t, api.EnvironmentCreate{Name: uniqueName("prod"), Region: "us-east", OpenClawVersion: "2026.9.6"})
	snap := c.takeSnapshot(t, prod.ID, api.SnapshotCreate{})
	if snap.Format != archive.FormatStateArchive || snap.CreatedBy != simulator.BackupTool {
		t.Errorf("simulator snapshot: format %q, created_by %q", snap.Format, snap.CreatedBy)
	}
	c.close(t)
	c.opts.Driver = noBackupDriver{newNonSimDriver(c.dataDir)}
	c.open(t)
	t.Cleanup(func() { c.close(t) })

	p := wantProblem(t, c.do(t, req{method: http.MethodPost, path: "/v1/snapshots", key: c.admin,
		body: api.SnapshotCreate{EnvironmentID: prod.ID, Name: "nightly"}}), http.StatusConflict, api.CodeConflict)
	if !strings.Contains(p.Detail, "test driver") || !strings.Contains(fieldMessage(p, "environment_id"), "test driver") {
		t.Errorf("snapshot on a driver without backups: %+v", p)
	}
	p = wantProblem(t, c.do(t, req{method: http.MethodPost, path: "/v1/environments", key: c.admin, body: api.EnvironmentCreate{
		Name: uniqueName("staging"), Region: "us-east", OpenClawVersion: prod.OpenClawVersion, RestoreFrom: &api.RestoreFrom{SnapshotID: snap.ID}}}),
		http.StatusConflict, api.CodeConflict)
	if !strings.Contains(fieldMessage(p, "restore_from.snapshot_id"), "test driver") {
		t.Errorf("restore on a driver without backups: %+v", p)
	}
	env := c.createRunning(t, api.EnvironmentCreate{Name: uniqueName("final"), Region: "us-east", FinalSnapshot: &api.FinalSnapshot{Enabled: true}})
	r := del(t, c, env.ID, "")
	wantStatus(t, r, http.StatusAccepted)
	op := c.waitOp(t, decode[api.Operation](t, r).ID, 10*time.Second, done)
	if op.Error == nil || !strings.Contains(op.Error.Detail, "test driver cannot back up") {
		t.Errorf("delete with a final snapshot on a driver without backups: %+v", op)
	}
	if got, _ := c.env(t, env.ID); got.ID != env.ID {
		t.Errorf("the environment was deleted without its final snapshot")
	}
}

// A snapshot whose blob was tampered with fails the restore, saying so,
// and leaves no state directory behind.
func TestRestoreOfATamperedSnapshotLeavesNothing(t *testing.T) {
	t.Parallel()
	c := start(t)
	prod := c.createRunning(t, api.EnvironmentCreate{Name: uniqueName("prod"), Region: "us-east"})
	snap := c.takeSnapshot(t, prod.ID, api.SnapshotCreate{})
	raw, err := os.ReadFile(c.blobPath(snap.ID))
	if err != nil {
		t.Fatal(err)
	}
	raw[len(raw)/2] ^= 0x01
	if err := os.WriteFile(c.blobPath(snap.ID), raw, 0o600); err != nil {
		t.Fatal(err)
	}
	r := c.create(t, c.admin, api.EnvironmentCreate{Name: uniqueName("staging"), Region: "us-east", OpenClawVersion: prod.OpenClawVersion,
		RestoreFrom: &api.RestoreFrom{SnapshotID: snap.ID}})
	op := c.waitOp(t, r.ID, 10*time.Second, done)
	env, _ := c.env(t, op.TargetID)
	if env.Status != api.EnvStatusFailed || !strings.Contains(env.StatusMessage, "does not decrypt") || !strings.Contains(env.StatusMessage, snap.Name) {
		t.Errorf("restore of a tampered snapshot: %s %q", env.Status, env.StatusMessage)
	}
	if _, err := os.Stat(c.stateDir(op.TargetID)); !os.IsNotExist(err) {
		t.Errorf("a failed restore left %s (%v)", c.stateDir(op.TargetID), err)
	}
}

// workDirDriver is the simulator, recording where the control plane asks it
// to write a backup and from where it restores one.
type workDirDriver struct {
	*simulator.Simulator
	mu   sync.Mutex
	dirs []string
}

func (d *workDirDriver) Gateways() driver.Gateways { return d }

func (d *workDirDriver) Backup(ctx context.Context, id, dir string) (driver.Backup, error) {
	d.mu.Lock()
	d.dirs = append(d.dirs, dir)
	d.mu.Unlock()
	return d.Simulator.Backup(ctx, id, dir)
}

func (d *workDirDriver) Restore(ctx context.Context, id, archivePath string) error {
	d.mu.Lock()
	d.dirs = append(d.dirs, filepath.Dir(archivePath))
	d.mu.Unlock()
	return d.Simulator.Restore(ctx, id, archivePath)
}

// The plaintext archives of a snapshot and of a restore live in private
// directories under DataDir/tmp, gone once each step ends; what a crash
// left there is removed when the control plane starts.
func TestSnapshotPlaintextStaysInTheWorkDir(t *testing.T) {
	var drv *workDirDriver
	c := start(t, func(o *controlplane.Options) {
		drv = &workDirDriver{Simulator: simulator.New(simulator.Config{DataDir: o.DataDir})}
		o.Driver = drv
	})
	work := filepath.Join(c.dataDir, "tmp")
	prod := c.createRunning(t, api.EnvironmentCreate{Name: uniqueName("prod"), Region: "us-east"})
	snap := c.takeSnapshot(t, prod.ID, api.SnapshotCreate{})
	c.createRunning(t, api.EnvironmentCreate{Name: uniqueName("staging"), Region: "us-east", RestoreFrom: &api.RestoreFrom{SnapshotID: snap.ID}})

	drv.mu.Lock()
	dirs := slices.Clone(drv.dirs)
	drv.mu.Unlock()
	if len(dirs) != 2 {
		t.Fatalf("the driver backed up or restored through %v, want one backup and one restore", dirs)
	}
	for _, d := range dirs {
		if filepath.Dir(d) != work {
			t.Errorf("plaintext archive directory %s is not directly under %s", d, work)
		}
		if fi, err := os.Stat(d); err == nil {
			t.Errorf("%s (mode %v) is still there after its step", d, fi.Mode())
		}
	}
	if fi, err := os.Stat(work); err != nil || fi.Mode().Perm() != 0o700 {
		t.Fatalf("work directory: %v, %v; want mode 0700", fi, err)
	}

	left := filepath.Join(work, "openclaw-snapshot-crashed", "archive.tar.gz")
	if err := os.MkdirAll(filepath.Dir(left), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(left, []byte("plaintext"), 0o600); err != nil {
		t.Fatal(err)
	}
	c.close(t)
	c.open(t)
	t.Cleanup(func() { c.close(t) })
	if entries, err := os.ReadDir(work); err != nil || len(entries) != 0 {
		t.Fatalf("after a restart the work directory holds %v (%v), want nothing", entries, err)
	}
}
