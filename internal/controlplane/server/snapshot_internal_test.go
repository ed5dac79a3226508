package server

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/openclaw/terraform-provider-openclaw/internal/api"
	"github.com/openclaw/terraform-provider-openclaw/internal/controlplane/simulator"
	"github.com/openclaw/terraform-provider-openclaw/internal/controlplane/snapshotblob"
	"github.com/openclaw/terraform-provider-openclaw/internal/controlplane/store"
)

// TestSlowSnapshotRunsDoNotMix: when a slow snapshot step outlives its
// lease and a second run takes the same snapshot, each run writes its own
// archive; the first to finish is recorded, the other removes its archive,
// and the recorded SHA-256 is that of the stored archive.
func TestSlowSnapshotRunsDoNotMix(t *testing.T) {
	t.Parallel()
	s, dir, _, snap := snapshotFixture(t, false)
	ctx := t.Context()
	var wg sync.WaitGroup
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if fail, err := s.takeSnapshot(ctx, snap); err != nil || fail != nil {
				t.Errorf("takeSnapshot: %v, %v", fail, err)
			}
		}()
	}
	wg.Wait()
	blobs, _ := filepath.Glob(filepath.Join(dir, "snapshots", snap.ID+"-*"))
	if len(blobs) != 1 {
		t.Fatalf("%d archives stored for one snapshot: %v", len(blobs), blobs)
	}
	res, err := s.store.GetResource(ctx, store.KindDataSnapshot, snap.ID)
	if err != nil {
		t.Fatal(err)
	}
	_, st, _ := decodeSnapshot(res)
	if st.Status != api.SnapshotAvailable || filepath.Join(dir, "snapshots", st.BlobKey) != blobs[0] {
		t.Fatalf("recorded %+v, stored %v", st, blobs)
	}
	if problem, err := s.checkSnapshotBlob(ctx, res, st); err != nil || problem != "" {
		t.Errorf("the recorded archive does not verify: %q, %v", problem, err)
	}
	if _, err := os.Stat(blobs[0]); err != nil {
		t.Error(err)
	}
}

// snapshotFixture is a server with a snapshot store (in dir), a running
// environment with a state directory, and a snapshot of it, taken when
// taken is set.
func snapshotFixture(t *testing.T, taken bool) (s *Server, dir string, env, snap *store.Resource) {
	t.Helper()
	s = newTestServer(t)
	dir = t.TempDir()
	url, _ := snapshotblob.DefaultURL(dir)
	b, err := snapshotblob.Open(t.Context(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = b.Close() })
	s.snapshots = b
	ctx := t.Context()
	now := time.Now().UTC()
	env = &store.Resource{Kind: store.KindEnvironment, ID: newID("env"), Name: "prod",
		Spec: mustJSON(envSpec{Region: "us-east", OpenClawVersion: "2026.11.3"}), Status: mustJSON(envStatus{Status: api.EnvStatusRunning}), CreatedAt: now, UpdatedAt: now}
	if err := s.store.CreateResource(ctx, env); err != nil {
		t.Fatal(err)
	}
	if err := s.materialiseEnvironment(ctx, env.ID); err != nil {
		t.Fatal(err)
	}
	snap = newSnapshotResource(env, "nightly", snapSpec{EnvironmentID: env.ID, EnvironmentName: env.Name}, nil, now)
	if err := s.store.InTx(ctx, func(tx store.Tx) error { return s.insertSnapshot(ctx, tx, snap) }); err != nil {
		t.Fatal(err)
	}
	if taken {
		if fail, err := s.takeSnapshot(ctx, snap); err != nil || fail != nil {
			t.Fatalf("takeSnapshot: %v, %v", fail, err)
		}
	}
	return s, dir, env, snap
}

// A restore checks the decrypted archive before the driver unpacks it:
// an archive re-encrypted with the snapshot's own key but holding a path
// that escapes fails naming the entry, one larger than the new
// environment's state volume fails naming the limit, and neither leaves a
// state directory.
func TestRestoreChecksTheArchiveFirst(t *testing.T) {
	t.Parallel()
	s, _, _, snap := snapshotFixture(t, true)
	ctx := t.Context()
	res, err := s.store.GetResource(ctx, store.KindDataSnapshot, snap.ID)
	if err != nil {
		t.Fatal(err)
	}
	_, st, _ := decodeSnapshot(res)
	key, err := s.SecretValue(ctx, snap.ID, dataKeyName)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.snapshotArchive(ctx, res, st, key, t.TempDir(), 100, nil); err == nil || !strings.Contains(err.Error(), "size limit of 100 bytes") {
		t.Errorf("an archive over the state volume: %v", err)
	}

	var evil bytes.Buffer
	gz := gzip.NewWriter(&evil)
	tw := tar.NewWriter(gz)
	_ = tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: "workspace/../../../etc/cron.d/evil", Size: 1, Mode: 0o600})
	_, _ = tw.Write([]byte("x"))
	_ = tw.Close()
	_ = gz.Close()
	written, err := s.snapshots.Write(ctx, st.BlobKey, key, func(w io.Writer) error { _, err := w.Write(evil.Bytes()); return err })
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.mutateResource(ctx, store.KindDataSnapshot, snap.ID, func(r *store.Resource) error {
		return editStatus(r, func(st *snapStatus) { st.SHA256, st.SizeBytes = written.SHA256, written.Size })
	}); err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	target := &store.Resource{Kind: store.KindEnvironment, ID: newID("env"), Name: "staging", Status: mustJSON(envStatus{Status: api.EnvStatusProvisioning}), CreatedAt: now, UpdatedAt: now}
	fail, err := s.restoreEnvironment(ctx, target, envSpec{StateVolumeGB: 10, RestoreFrom: &api.RestoreFrom{SnapshotID: snap.ID}})
	if err != nil || !strings.Contains(fail, `"workspace/../../../etc/cron.d/evil"`) || !strings.Contains(fail, `".." segment`) {
		t.Errorf("restore of a tampered archive: %q, %v", fail, err)
	}
	if _, err := os.Stat(s.drv.(*simulator.Simulator).StateDir(target.ID)); !os.IsNotExist(err) {
		t.Errorf("a refused restore left a state directory (%v)", err)
	}
}

// A retried create step restores once: a state directory found in place
// (an earlier run stopped before recording it) counts as restored, and once
// recorded the snapshot is not read again, even if it is gone by then.
func TestRestoreHappensOnce(t *testing.T) {
	t.Parallel()
	s, _, _, snap := snapshotFixture(t, true)
	ctx := t.Context()
	now := time.Now().UTC()
	target := &store.Resource{Kind: store.KindEnvironment, ID: newID("env"), Name: "staging", Status: mustJSON(envStatus{Status: api.EnvStatusProvisioning}), CreatedAt: now, UpdatedAt: now}
	if err := s.store.CreateResource(ctx, target); err != nil {
		t.Fatal(err)
	}
	spec := envSpec{StateVolumeGB: 10, RestoreFrom: &api.RestoreFrom{SnapshotID: snap.ID}}
	if fail, err := s.restoreEnvironment(ctx, target, spec); fail != "" || err != nil {
		t.Fatalf("first restore: %q, %v", fail, err)
	}
	dir := s.drv.(*simulator.Simulator).StateDir(target.ID)
	if err := os.WriteFile(filepath.Join(dir, "marker"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	// target is as the first run read it: Restored not yet recorded.
	if fail, err := s.restoreEnvironment(ctx, target, spec); fail != "" || err != nil {
		t.Errorf("a restore over the directory an earlier run wrote: %q, %v", fail, err)
	}
	if err := s.store.DeleteResource(ctx, store.KindDataSnapshot, snap.ID); err != nil {
		t.Fatal(err)
	}
	target, err := s.store.GetResource(ctx, store.KindEnvironment, target.ID)
	if err != nil {
		t.Fatal(err)
	}
	if fail, err := s.restoreEnvironment(ctx, target, spec); fail != "" || err != nil {
		t.Errorf("after the restore was recorded and the snapshot deleted: %q, %v", fail, err)
	}
	if _, err := os.Stat(filepath.Join(dir, "marker")); err != nil {
		t.Errorf("the restored directory was replaced: %v", err)
	}
}
