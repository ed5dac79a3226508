package server_test

import (
	"context"
	"database/sql"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/openclaw/terraform-provider-openclaw/internal/api"
	"github.com/openclaw/terraform-provider-openclaw/internal/controlplane"
	"github.com/openclaw/terraform-provider-openclaw/internal/controlplane/store"
)

// TestReaperExactlyOnceAcrossReplicas: two replicas on one PostgreSQL
// database and one shared snapshot store reap at the same moment, many
// times over; each expired snapshot gets exactly one delete operation.
func TestReaperExactlyOnceAcrossReplicas(t *testing.T) {
	var ahead atomic.Int64
	var dsn string
	shared := t.TempDir() // the snapshot store and state directories both replicas see
	replica := replicaMaker(t, func(o *controlplane.Options) {
		o.DataDir, dsn = shared, o.Database
		o.SimDelay = 5 * time.Millisecond
		o.Now = func() time.Time { return time.Now().UTC().Add(time.Duration(ahead.Load())) }
		// The background reaper stays out of the way: the test calls it.
		o.SnapshotReapInterval = time.Hour
	})
	appA, a := replica()
	appB, _ := replica()

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	op, err := a.CreateEnvironment(ctx, api.EnvironmentCreate{Name: uniqueName("reap"), Region: "us-east"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.WaitForOperation(ctx, op); err != nil {
		t.Fatal(err)
	}
	const expiring = 6
	soon := time.Now().Add(time.Hour)
	for i := range expiring + 2 {
		body := api.SnapshotCreate{EnvironmentID: op.TargetID, Name: uniqueName("snap")}
		if i < expiring {
			body.ExpiresAt = &soon
		}
		sop, err := a.CreateSnapshot(ctx, body)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := a.WaitForOperation(ctx, sop); err != nil {
			t.Fatal(err)
		}
	}
	ahead.Store(int64(2 * time.Hour))

	var total atomic.Int64
	var wg sync.WaitGroup
	for _, app := range []*controlplane.App{appA, appB, appA, appB} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			n, err := app.Server.ReapSnapshots(ctx)
			if err != nil {
				t.Error(err)
			}
			total.Add(int64(n))
		}()
	}
	wg.Wait()
	if total.Load() != expiring {
		t.Fatalf("the replicas reaped %d snapshots in all, want exactly %d", total.Load(), expiring)
	}
	// Exactly one delete operation per expired snapshot, run to the end.
	var items []*store.Resource
	if !eventually(20*time.Second, func() bool {
		var err error
		if items, _, err = appA.Store.ListResources(ctx, store.ListFilter{Kind: store.KindDataSnapshot}); err != nil {
			t.Fatal(err)
		}
		return len(items) == 2
	}) {
		t.Fatalf("%d snapshots remain, want the 2 that do not expire", len(items))
	}
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var snapshots, ops int
	if err := db.QueryRowContext(ctx, `SELECT count(DISTINCT target_id), count(*) FROM operations WHERE kind = 'snapshot.delete'`).Scan(&snapshots, &ops); err != nil {
		t.Fatal(err)
	}
	if snapshots != expiring || ops != expiring {
		t.Errorf("%d delete operations for %d snapshots, want one each for %d", ops, snapshots, expiring)
	}
}
