package sqlstore_test

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/openclaw/terraform-provider-openclaw/internal/controlplane/store"
)

// testReplicasClaim runs ClaimOperations from several stores (separate
// connection pools, as separate control plane replicas would have) on one
// database: every operation is leased exactly once.
func testReplicasClaim(t *testing.T, replicas []store.Store) {
	ctx := t.Context()
	now := time.Date(2031, 1, 1, 0, 0, 0, 0, time.UTC)
	const n = 120
	err := replicas[0].InTx(ctx, func(tx store.Tx) error {
		for i := range n {
			op := &store.Operation{
				ID: fmt.Sprintf("op_%04d", i), Kind: "k", TargetKind: store.KindGPUPool,
				TargetID: fmt.Sprintf("gpl_%03d", i%40), NextRunAt: now,
			}
			if err := tx.CreateOperation(ctx, op); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var (
		mu     sync.Mutex
		owners = map[string][]string{}
		wg     sync.WaitGroup
	)
	for r, s := range replicas {
		for w := range 3 {
			owner := fmt.Sprintf("replica-%d-%d", r, w)
			wg.Go(func() {
				idle := 0
				for idle < 20 {
					ops, err := s.ClaimOperations(ctx, owner, now, now.Add(time.Hour), 4)
					if err != nil {
						t.Error(err)
						return
					}
					if len(ops) == 0 {
						idle++
						time.Sleep(2 * time.Millisecond)
						continue
					}
					idle = 0
					for _, op := range ops {
						mu.Lock()
						owners[op.ID] = append(owners[op.ID], owner)
						mu.Unlock()
						op.Status = store.OpSucceeded
						op.LeaseOwner, op.LeaseUntil = "", time.Time{}
						if err := s.UpdateOperation(ctx, op); err != nil {
							t.Error(err)
							return
						}
					}
				}
			})
		}
	}
	wg.Wait()
	if len(owners) != n {
		t.Fatalf("%d of %d operations ran", len(owners), n)
	}
	for id, o := range owners {
		if len(o) != 1 {
			t.Errorf("%s claimed by %v", id, o)
		}
	}
}
