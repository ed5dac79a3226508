package server

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/openclaw/terraform-provider-openclaw/internal/api"
	"github.com/openclaw/terraform-provider-openclaw/internal/controlplane/driver"
	"github.com/openclaw/terraform-provider-openclaw/internal/controlplane/store"
)

// stepOutcome is what one step of an operation's state machine decided.
// The step itself may move op.Step, op.Message and op.Payload.
type stepOutcome struct {
	// done: the operation succeeded.
	done bool
	// fail: the operation failed with this problem.
	fail *apiError
	// after: when neither done nor failed, run the next step this much later.
	after time.Duration
}

// stepFunc runs the current step of op. An error is transient (a database
// hiccup): the step is retried with backoff, up to maxStepAttempts, or
// maxPlatformAttempts for an error wrapping driver.ErrTransient.
type stepFunc func(ctx context.Context, op *store.Operation) (stepOutcome, error)

const (
	maxStepAttempts = 8
	// maxPlatformAttempts is the budget for driver.ErrTransient (the
	// platform, such as the Kubernetes API server, unreachable or failing):
	// with the backoff's 3.2 s ceiling, about five minutes.
	maxPlatformAttempts = 100
	claimBatch          = 16
	// engineWorkers bounds the steps one replica runs at once. Steps mostly
	// wait on the database, so a few per core keep it busy without letting a
	// burst of operations crowd out the API's own queries.
	engineWorkers = 8
	// leaseFor bounds how long one step may hold an operation; a replica
	// that dies mid-step loses its lease after this and another resumes.
	leaseFor = 30 * time.Second
)

// engine runs operations: every replica runs one, and the store's leases
// make sure each step runs on one replica at a time. State lives in the
// database, so a restarted control plane finishes in-flight operations.
type engine struct {
	s       *Server
	owner   string
	poll    time.Duration
	steps   map[string]stepFunc
	kickCh  chan struct{}
	workers int
	// claims numbers this replica's claims: each claim leases under its own
	// owner name, so an operation still running here is never claimed again
	// by this replica (an owner may renew its own lease).
	claims atomic.Uint64

	mu      sync.Mutex
	waiters map[string][]chan struct{}
}

func newEngine(s *Server, owner string, poll time.Duration) *engine {
	return &engine{
		s:       s,
		owner:   owner,
		poll:    poll,
		steps:   map[string]stepFunc{},
		kickCh:  make(chan struct{}, 1),
		workers: engineWorkers,
		waiters: map[string][]chan struct{}{},
	}
}

// kick makes the engine look for due operations now.
func (e *engine) kick() {
	select {
	case e.kickCh <- struct{}{}:
	default:
	}
}

func (e *engine) kickAfter(d time.Duration) {
	if d <= 0 {
		e.kick()
		return
	}
	time.AfterFunc(d, e.kick)
}

// run claims due operations and runs their steps on up to e.workers
// goroutines. It claims only as many as there are free workers, in the
// order they are due, so operations are served first come, first served
// and a claimed operation never waits behind a busy worker while its lease
// runs out. A finishing step frees its worker and kicks the loop.
func (e *engine) run(ctx context.Context) {
	t := time.NewTicker(e.poll)
	defer t.Stop()
	slots := make(chan struct{}, max(e.workers, 1))
	var wg sync.WaitGroup
	defer wg.Wait()
	for {
		e.runDue(ctx, slots, &wg)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-e.kickCh:
		}
	}
}

func (e *engine) runDue(ctx context.Context, slots chan struct{}, wg *sync.WaitGroup) {
	for ctx.Err() == nil {
		free := cap(slots) - len(slots)
		if free == 0 {
			return
		}
		now := e.s.now()
		owner := e.owner + "/" + strconv.FormatUint(e.claims.Add(1), 10)
		ops, err := e.s.store.ClaimOperations(ctx, owner, now, now.Add(leaseFor), min(free, claimBatch))
		if err != nil {
			if ctx.Err() == nil {
				e.s.logger.ErrorContext(ctx, "claim operations", "err", err)
			}
			return
		}
		if len(ops) == 0 {
			return
		}
		for _, op := range ops {
			slots <- struct{}{}
			wg.Go(func() {
				defer func() {
					<-slots
					e.kick()
				}()
				if ctx.Err() != nil {
					// Shutting down between the claim and the start: hand
					// it back now rather than when its lease expires, so
					// another replica runs it at once.
					e.release(op)
					return
				}
				e.process(ctx, op)
			})
		}
	}
}

func (e *engine) process(ctx context.Context, op *store.Operation) {
	log := e.s.logger.With("operation_id", op.ID, "kind", op.Kind, "target_id", op.TargetID, "step", op.Step)
	started := time.Now()
	m := e.s.metrics
	m.stepLag.Observe(max(e.s.now().Sub(op.NextRunAt), 0).Seconds())
	outcome := "next"
	defer func() {
		m.steps.WithLabelValues(op.Kind, outcome).Inc()
		m.stepLatency.WithLabelValues(op.Kind).Observe(time.Since(started).Seconds())
	}()
	step, ok := e.steps[op.Kind]
	var (
		out stepOutcome
		err error
	)
	if !ok {
		out.fail = errorf(500, api.CodeInternal, "this control plane cannot run operations of kind %q", op.Kind)
	} else {
		op.Status = store.OpRunning
		out, err = step(ctx, op)
	}
	now := e.s.now()
	switch {
	case err != nil && ctx.Err() != nil:
		// Shutting down: leave the operation for the next start.
	case err != nil:
		op.Attempts++
		outcome = "retry"
		log.WarnContext(ctx, "operation step failed; will retry", "err", err, "attempt", op.Attempts)
		backoff, giveUp := retryAfterError(op.Kind, op.Attempts, err)
		if giveUp != nil {
			out.fail = giveUp
			break
		}
		op.NextRunAt = now.Add(backoff)
		e.kickAfter(backoff)
	case out.done:
		op.Status = store.OpSucceeded
		op.Attempts = 0
		op.CompletedAt = &now
		outcome = "succeeded"
		log.InfoContext(ctx, "operation succeeded")
	case out.fail == nil:
		op.Attempts = 0
		op.NextRunAt = now.Add(out.after)
		e.kickAfter(out.after)
	}
	if out.fail != nil {
		e.failOperation(op, out.fail, now)
		outcome = "failed"
		log.InfoContext(ctx, "operation failed", "code", out.fail.problem.Code, "detail", out.fail.problem.Detail)
	}
	op.LeaseOwner = ""
	op.LeaseUntil = time.Time{}
	op.UpdatedAt = now
	// Persist even when ctx is ending, so the lease is released.
	if err := e.s.store.UpdateOperation(context.WithoutCancel(ctx), op); err != nil {
		log.ErrorContext(ctx, "save operation", "err", err)
		return
	}
	e.notify(op.ID)
}

// release gives up the lease of a claimed operation without running it.
func (e *engine) release(op *store.Operation) {
	op.LeaseOwner = ""
	op.LeaseUntil = time.Time{}
	op.UpdatedAt = e.s.now()
	if err := e.s.store.UpdateOperation(context.Background(), op); err != nil {
		e.s.logger.Error("release operation lease", "operation_id", op.ID, "err", err)
	}
}

func (e *engine) failOperation(op *store.Operation, fail *apiError, now time.Time) {
	p := fail.problem
	if p.Type == "" {
		p = newError(fail.problem.Status, fail.problem.Code, fail.problem.Detail).problem
		p.Errors = fail.problem.Errors
	}
	raw, _ := json.Marshal(p)
	op.Status = store.OpFailed
	op.Error = raw
	op.CompletedAt = &now
}

// subscribe returns a channel signalled when operation id changes in this
// process, and a function to unsubscribe.
func (e *engine) subscribe(id string) (<-chan struct{}, func()) {
	ch := make(chan struct{}, 1)
	e.mu.Lock()
	e.waiters[id] = append(e.waiters[id], ch)
	e.mu.Unlock()
	return ch, func() {
		e.mu.Lock()
		defer e.mu.Unlock()
		list := e.waiters[id]
		for i, c := range list {
			if c == ch {
				e.waiters[id] = append(list[:i], list[i+1:]...)
				break
			}
		}
		if len(e.waiters[id]) == 0 {
			delete(e.waiters, id)
		}
	}
}

func (e *engine) notify(id string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, ch := range e.waiters[id] {
		select {
		case ch <- struct{}{}:
		default:
		}
	}
}

// enqueue creates an operation due now; callers inside a transaction kick
// the engine after committing.
func (s *Server) newOperation(kind, targetKind, targetID string) *store.Operation {
	now := s.now()
	return &store.Operation{
		ID:         newID("op"),
		Kind:       kind,
		TargetKind: targetKind,
		TargetID:   targetID,
		Status:     store.OpPending,
		NextRunAt:  now,
		CreatedAt:  now,
		UpdatedAt:  now,
	}
}

// cancelActive fails the unfinished operations of a target that are not
// being worked on right now (a delete supersedes them).
func (s *Server) cancelActive(ctx context.Context, tx store.Tx, targetID, reason string) error {
	ops, err := tx.ListActiveOperations(ctx, targetID)
	if err != nil {
		return err
	}
	now := s.now()
	for _, op := range ops {
		if op.LeaseOwner != "" && op.LeaseUntil.After(now) {
			continue
		}
		s.engine.failOperation(op, errorf(409, api.CodeConflict, "%s", reason), now)
		op.UpdatedAt = now
		if err := tx.UpdateOperation(ctx, op); err != nil {
			return err
		}
	}
	return nil
}

// mutateResource applies fn to the stored resource, retrying on optimistic
// concurrency conflicts, so concurrent writers never lose an update.
func (s *Server) mutateResource(ctx context.Context, kind, id string, fn func(r *store.Resource) error) (*store.Resource, error) {
	for attempt := 0; ; attempt++ {
		r, err := s.store.GetResource(ctx, kind, id)
		if err != nil {
			return nil, err
		}
		if err := fn(r); err != nil {
			return nil, err
		}
		r.UpdatedAt = s.now()
		err = s.store.UpdateResource(ctx, r)
		if errors.Is(err, store.ErrConflict) && attempt < 20 {
			var uv *store.UniqueViolation
			if !errors.As(err, &uv) {
				continue
			}
		}
		return r, err
	}
}

// mutateFrom is mutateResource starting from a copy of r, just read by the
// caller: a step saves a read; a concurrent writer makes it read again.
func (s *Server) mutateFrom(ctx context.Context, r *store.Resource, fn func(r *store.Resource) error) (*store.Resource, error) {
	cur := *r
	if err := fn(&cur); err != nil {
		return nil, err
	}
	cur.UpdatedAt = s.now()
	err := s.store.UpdateResource(ctx, &cur)
	var uv *store.UniqueViolation
	if errors.Is(err, store.ErrConflict) && !errors.As(err, &uv) {
		return s.mutateResource(ctx, r.Kind, r.ID, fn)
	}
	if err != nil {
		return nil, err
	}
	return &cur, nil
}

func toAPIOperation(op *store.Operation) api.Operation {
	out := api.Operation{
		ID:          op.ID,
		Kind:        op.Kind,
		TargetKind:  op.TargetKind,
		TargetID:    op.TargetID,
		Status:      op.Status,
		Message:     op.Message,
		CreatedAt:   op.CreatedAt.UTC(),
		UpdatedAt:   op.UpdatedAt.UTC(),
		CompletedAt: op.CompletedAt,
	}
	if out.CompletedAt != nil {
		t := out.CompletedAt.UTC()
		out.CompletedAt = &t
	}
	if len(op.Error) > 0 {
		var p api.Problem
		if json.Unmarshal(op.Error, &p) == nil {
			out.Error = &p
		}
	}
	return out
}

// retryAfterError is when a step that failed with err for the attempts-th
// time runs again, or the problem the operation fails with when it has
// had its attempts. A platform outage's error is the driver's own and
// names what is unreachable, so the final problem quotes it; any other
// error (the database's) stays in the log.
func retryAfterError(kind string, attempts int, err error) (time.Duration, *apiError) {
	limit := maxStepAttempts
	platform := errors.Is(err, driver.ErrTransient)
	if platform {
		limit = maxPlatformAttempts
	}
	if attempts >= limit {
		if platform {
			return 0, errorf(http.StatusServiceUnavailable, api.CodeInternal, "%s gave up after %d attempts: %v", kind, attempts, err)
		}
		return 0, errorf(http.StatusInternalServerError, api.CodeInternal, "%s gave up after %d attempts", kind, attempts)
	}
	return time.Duration(1<<min(attempts, 5)) * 100 * time.Millisecond, nil
}
