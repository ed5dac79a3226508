package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/openclaw/terraform-provider-openclaw/internal/api"
	"github.com/openclaw/terraform-provider-openclaw/internal/controlplane/store"
	"github.com/openclaw/terraform-provider-openclaw/internal/schedule"
)

// The scheduler runs on every replica. For each enabled schedule it decides
// the one run that is due (if any) under a per-schedule lock, and records it
// in schedule_runs, whose unique (schedule, at) makes every transition run
// once across replicas. Runs are carried out as environment.power
// operations by the engine, like any other change.

// Run triggers.
const (
	triggerTransition = "transition"
	triggerInitial    = "initial"
	triggerCatchUp    = "catch_up"
	triggerEnforce    = "enforce"
)

// lateAfter is how late a transition may run and still be on time; later
// (a control plane that was down) it is recorded as a catch-up.
const lateAfter = time.Minute

// catchUpWindow is how far back a tick looks for transitions directly;
// beyond it (a long outage) it asks the schedule for its latest one.
const catchUpWindow = 14 * 24 * time.Hour

type scheduler struct {
	s      *Server
	poll   time.Duration
	kickCh chan struct{}
}

func newScheduler(s *Server, poll time.Duration) *scheduler {
	return &scheduler{s: s, poll: poll, kickCh: make(chan struct{}, 1)}
}

// kick makes the scheduler look at every schedule now.
func (sc *scheduler) kick() {
	select {
	case sc.kickCh <- struct{}{}:
	default:
	}
}

func (sc *scheduler) run(ctx context.Context) {
	t := time.NewTicker(sc.poll)
	defer t.Stop()
	for {
		if err := sc.s.RunSchedules(ctx); err != nil && ctx.Err() == nil {
			sc.s.logger.ErrorContext(ctx, "run shutdown schedules", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-sc.kickCh:
		}
	}
}

// RunSchedules evaluates every enabled schedule once at the current time.
// The background scheduler calls it; tests call it after moving the clock.
func (s *Server) RunSchedules(ctx context.Context) error {
	f := store.ListFilter{Kind: store.KindShutdownSchedule, PageSize: 500}
	started := false
	for {
		items, next, err := s.store.ListResources(ctx, f)
		if err != nil {
			return err
		}
		for _, res := range items {
			ok, err := s.runSchedule(ctx, res)
			if err != nil {
				if ctx.Err() != nil {
					return err
				}
				s.logger.WarnContext(ctx, "shutdown schedule", "schedule_id", res.ID, "err", err)
			}
			started = started || ok
		}
		if next == "" {
			break
		}
		f.PageToken = next
	}
	if started {
		s.engine.kick()
	}
	return nil
}

// dueRun is the run a schedule owes now.
type dueRun struct {
	at      time.Time
	action  string
	trigger string
}

// runSchedule decides and records the due run of one schedule, reporting
// whether it started an operation.
func (s *Server) runSchedule(ctx context.Context, listed *store.Resource) (bool, error) {
	id := listed.ID
	// Most ticks owe nothing: decide on the listed schedule without a
	// transaction first, and only take the lock (a write transaction on
	// SQLite) and read everything again when a run is due.
	if d, err := s.dueFor(ctx, s.store, id, listed); err != nil || d == nil {
		return false, err
	}
	started := false
	var run *store.ScheduleRun
	err := s.store.InTx(ctx, func(tx store.Tx) error {
		// Replicas decide one schedule at a time.
		if err := tx.Lock(ctx, "shutdown-schedule:"+id); err != nil {
			return err
		}
		d, err := s.dueFor(ctx, tx, id, nil)
		if err != nil || d == nil {
			return err
		}
		run = &store.ScheduleRun{ID: newID("run"), ScheduleID: id, At: d.at, Action: d.action, Trigger: d.trigger, CreatedAt: d.now}
		switch {
		case d.action == schedule.ActionStart && d.envSpec.DesiredState == api.DesiredStopped:
			run.Outcome, run.Detail = api.RunSkipped, "desired_state is stopped: a schedule never starts it"
		case d.envStatus.Status == api.EnvStatusFailed:
			run.Outcome, run.Detail = api.RunSkipped, "the environment is failed; apply its configuration to repair it"
		default:
			op := s.newOperation(opEnvironmentPower, store.KindEnvironment, d.env.ID)
			op.Message = fmt.Sprintf("queued by shutdown schedule %s (%s)", d.res.Name, d.trigger)
			op.Payload = mustJSON(powerPayload{Action: d.action, Source: powerBySchedule, DrainTimeout: d.spec.drain()})
			if err := tx.CreateOperation(ctx, op); err != nil {
				return err
			}
			run.Outcome, run.OperationID = "started", op.ID
			started = true
		}
		return tx.CreateScheduleRun(ctx, run)
	})
	if errors.Is(err, store.ErrConflict) {
		// Another replica recorded this transition first.
		return false, nil
	}
	if err != nil || run == nil {
		return false, err
	}
	s.logger.InfoContext(ctx, "shutdown schedule run", "schedule_id", id, "action", run.Action, "trigger", run.Trigger,
		"at", run.At, "outcome", run.Outcome, "operation_id", run.OperationID)
	detail := "started operation " + run.OperationID
	if run.Outcome == api.RunSkipped {
		detail = "skipped: " + run.Detail
	}
	s.auditSystem(ctx, "scheduler "+run.Action+" ("+run.Trigger+")", store.KindShutdownSchedule, id, detail)
	return started, nil
}

// decision is a due run and what it was decided on.
type decision struct {
	dueRun
	now       time.Time
	res, env  *store.Resource
	spec      schedSpec
	envSpec   envSpec
	envStatus envStatus
}

// dueFor reads a schedule (unless given) and its environment through tx
// and decides the run it owes now, or nil.
func (s *Server) dueFor(ctx context.Context, tx store.Tx, id string, res *store.Resource) (*decision, error) {
	if res == nil {
		var err error
		res, err = tx.GetResource(ctx, store.KindShutdownSchedule, id)
		if errors.Is(err, store.ErrNotFound) {
			return nil, nil
		}
		if err != nil {
			return nil, err
		}
	}
	d := &decision{res: res}
	var st schedStatus
	if err := json.Unmarshal(res.Spec, &d.spec); err != nil {
		return nil, err
	}
	if err := json.Unmarshal(res.Status, &st); err != nil {
		return nil, err
	}
	if !d.spec.Enabled {
		return nil, nil
	}
	c, err := schedule.Compile(d.spec.timetable())
	if err != nil {
		return nil, fmt.Errorf("stored schedule no longer compiles: %w", err)
	}
	if d.env, err = tx.GetResource(ctx, store.KindEnvironment, res.ParentID); err != nil {
		return nil, err
	}
	if d.envSpec, d.envStatus, err = envPower(d.env); err != nil {
		return nil, err
	}
	if d.envStatus.Status == api.EnvStatusDeleting {
		return nil, nil
	}
	d.now = s.now()
	// Stored times have microseconds: compare like with like.
	from := st.AppliesFrom.Truncate(time.Microsecond)
	if o := d.envStatus.PowerOverride; o != nil {
		if d.now.Before(o.Until) {
			return nil, nil // an operator holds it until then
		}
		if o.Until.After(from) {
			from = o.Until.Truncate(time.Microsecond) // then the schedule takes over again
		}
	}
	latest, err := tx.LatestScheduleRun(ctx, id)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, err
	}
	active, err := tx.ListActiveOperations(ctx, d.env.ID)
	if err != nil {
		return nil, err
	}
	due := decideRun(c, d.spec, d.now, from, latest, d.envStatus, len(active) > 0)
	if due == nil {
		return nil, nil
	}
	d.dueRun = *due
	return d, nil
}

// decideRun is the scheduler's rule. Only the latest transition at or
// before now can be due (a control plane that was down does not replay
// transitions that a later one overrode); a schedule that is new,
// re-enabled, re-timed or released by an operator applies its current state
// once; continuous enforcement re-applies the state whenever it differs and
// nothing else is in flight.
func decideRun(c *schedule.Schedule, sp schedSpec, now, from time.Time, latest *store.ScheduleRun, env envStatus, busy bool) *dueRun {
	fresh := latest == nil || latest.At.Before(from)
	// Only transitions after the last run (or after from) can be due; look
	// at the recent ones first, so a tick costs little however old the
	// schedule is.
	lower := from
	if !fresh && latest.At.After(lower) {
		lower = latest.At
	}
	var edge *schedule.Transition
	recent := lower
	if floor := now.Add(-catchUpWindow); floor.After(recent) {
		recent = floor
	}
	if ts := c.Between(recent, now); len(ts) > 0 {
		edge = &ts[len(ts)-1]
	} else if recent.After(lower) {
		if p, ok := c.Prev(now); ok && p.At.After(lower) {
			edge = &p
		}
	}
	switch {
	case edge != nil:
		trigger := triggerTransition
		if now.Sub(edge.At) > lateAfter {
			trigger = triggerCatchUp
		}
		return &dueRun{at: edge.At, action: edge.Action, trigger: trigger}
	case fresh:
		return &dueRun{at: from, action: actionFor(c.StateAt(now)), trigger: triggerInitial}
	case latest.Trigger == triggerEnforce && now.Sub(latest.At) < lateAfter:
		// A failed enforcement is retried after a pause, not every tick.
		return nil
	case sp.Enforcement == api.EnforceContinuous && !busy:
		want := c.StateAt(now)
		on := env.PowerState == api.PowerOn && env.Status == api.EnvStatusRunning
		off := env.PowerState == api.PowerOff && env.Status == api.EnvStatusStopped
		if (want == schedule.Running && off && env.StoppedBy != "") || (want == schedule.Stopped && on) {
			return &dueRun{at: now, action: actionFor(want), trigger: triggerEnforce}
		}
	}
	return nil
}

// auditSystem records a mutation the control plane made on its own.
func (s *Server) auditSystem(ctx context.Context, action, kind, id, detail string) {
	e := &store.AuditEvent{Time: s.now(), Action: action, ResourceKind: kind, ResourceID: id, Outcome: "success", Detail: detail}
	if err := s.store.AppendAudit(context.WithoutCancel(ctx), e); err != nil {
		s.logger.WarnContext(ctx, "append audit event", "err", err)
	}
}
