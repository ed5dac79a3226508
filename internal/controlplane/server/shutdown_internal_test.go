package server

import (
	"context"
	"testing"
	"time"

	"github.com/openclaw/terraform-provider-openclaw/internal/controlplane/store"
)

// TestShutdownHandsOperationsBack: a replica stopped (SIGTERM) while its
// workers run steps gives back every lease, so another replica claims the
// operations at the same instant instead of after the 30s lease. The clock
// does not move: only a released lease can be claimed.
func TestShutdownHandsOperationsBack(t *testing.T) {
	t.Parallel()
	base := newTestServer(t) // its store, keyring and simulator, shared by both replicas
	st := base.store
	now := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	replica := func() *Server {
		s, err := New(Config{Store: st, Keyring: base.keyring, Driver: base.drv, Now: clock, PollInterval: time.Hour})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	a, b := replica(), replica()

	const kind = "test.block"
	started := make(chan string, 8)
	a.engine.steps[kind] = func(ctx context.Context, op *store.Operation) (stepOutcome, error) {
		started <- op.ID
		<-ctx.Done() // a long step, cut short by the shutdown
		return stepOutcome{}, ctx.Err()
	}
	var ids []string
	for range 3 {
		op := a.newOperation(kind, store.KindEnvironment, newID("env"))
		if err := st.CreateOperation(t.Context(), op); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, op.ID)
	}

	a.Start(context.Background())
	for range ids { // every claimed step is running
		select {
		case <-started:
		case <-time.After(10 * time.Second):
			t.Fatal("replica a did not start every step")
		}
	}
	a.Close() // what SIGTERM does: cancel the engine and wait for it

	for _, id := range ids {
		op, err := st.GetOperation(t.Context(), id)
		if err != nil {
			t.Fatal(err)
		}
		if op.LeaseOwner != "" || op.Done() {
			t.Errorf("%s after shutdown: lease owner %q until %s, status %s; want released and unfinished", id, op.LeaseOwner, op.LeaseUntil, op.Status)
		}
	}
	claimed, err := st.ClaimOperations(t.Context(), b.engine.owner, now, now.Add(leaseFor), claimBatch)
	if err != nil {
		t.Fatal(err)
	}
	if len(claimed) != len(ids) {
		t.Fatalf("replica b claimed %d of %d operations at the same instant; the rest are still leased to the stopped replica", len(claimed), len(ids))
	}
}

// TestDrainAnswersLongPolls: a long-poll in flight answers as soon as the
// server drains, with the operation as it is, instead of holding the
// shutdown for up to a minute.
func TestDrainAnswersLongPolls(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	op := s.newOperation("test.never", store.KindEnvironment, newID("env"))
	op.NextRunAt = op.NextRunAt.Add(time.Hour) // nobody runs it
	if err := s.store.CreateOperation(t.Context(), op); err != nil {
		t.Fatal(err)
	}
	got := make(chan *store.Operation, 1)
	go func() {
		cur, err := s.waitForChange(t.Context(), op, time.Minute)
		if err != nil {
			t.Error(err)
		}
		got <- cur
	}()
	s.Drain()
	s.Drain() // idempotent: http.Server may call it once per Shutdown
	select {
	case cur := <-got:
		if cur == nil || cur.ID != op.ID || cur.Status != store.OpPending {
			t.Fatalf("long-poll answered %+v", cur)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the long-poll did not answer when the server drained")
	}
}
