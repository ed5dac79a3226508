package server

import (
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/openclaw/terraform-provider-openclaw/internal/api"
	"github.com/openclaw/terraform-provider-openclaw/internal/controlplane/snapshotblob"
	"github.com/openclaw/terraform-provider-openclaw/internal/controlplane/store"
)

// TestSlowSnapshotRunsDoNotMix: when a slow snapshot step outlives its
// lease and a second run takes the same snapshot, each run writes its own
// archive; the first to finish is recorded, the other removes its archive,
// and the recorded SHA-256 is that of the stored archive.
func TestSlowSnapshotRunsDoNotMix(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	dir := t.TempDir()
	url, _ := snapshotblob.DefaultURL(dir)
	b, err := snapshotblob.Open(t.Context(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = b.Close() })
	s.snapshots = b
	ctx := t.Context()
	now := time.Now().UTC()
	env := &store.Resource{Kind: store.KindEnvironment, ID: newID("env"), Name: "prod",
		Spec: mustJSON(envSpec{Region: "us-east", OpenClawVersion: "2026.11.3"}), Status: mustJSON(envStatus{Status: api.EnvStatusRunning}), CreatedAt: now, UpdatedAt: now}
	if err := s.store.CreateResource(ctx, env); err != nil {
		t.Fatal(err)
	}
	if err := s.materialiseEnvironment(ctx, env.ID); err != nil {
		t.Fatal(err)
	}
	snap := newSnapshotResource(env, "nightly", snapSpec{EnvironmentID: env.ID, EnvironmentName: env.Name}, nil, now)
	if err := s.store.InTx(ctx, func(tx store.Tx) error { return s.insertSnapshot(ctx, tx, snap) }); err != nil {
		t.Fatal(err)
	}
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
