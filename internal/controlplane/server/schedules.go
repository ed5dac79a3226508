package server

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/openclaw/terraform-provider-openclaw/internal/api"
	"github.com/openclaw/terraform-provider-openclaw/internal/controlplane/store"
	"github.com/openclaw/terraform-provider-openclaw/internal/gpucatalog"
	"github.com/openclaw/terraform-provider-openclaw/internal/schedule"
)

// Shutdown schedules are synchronous resources: the schedule itself changes
// nothing until the scheduler (scheduler.go) runs its transitions as
// environment.power operations.

// schedSpec is what the user asked of a schedule.
type schedSpec struct {
	Description  string                  `json:"description"`
	Enabled      bool                    `json:"enabled"`
	TimeZone     string                  `json:"time_zone"`
	Windows      []api.ShutdownWindow    `json:"windows"`
	StartCron    string                  `json:"start_cron,omitempty"`
	StopCron     string                  `json:"stop_cron,omitempty"`
	Exceptions   []api.ShutdownException `json:"exceptions"`
	Enforcement  string                  `json:"enforcement"`
	DrainTimeout string                  `json:"drain_timeout"`
}

// schedStatus is the scheduler's bookkeeping.
type schedStatus struct {
	// AppliesFrom is when the schedule was created, re-enabled or its
	// timetable changed: its current state is applied once from then.
	AppliesFrom time.Time `json:"applies_from"`
}

// timetable is the spec in the shared schedule package's terms.
func (sp schedSpec) timetable() schedule.Spec {
	out := schedule.Spec{TimeZone: sp.TimeZone, StartCron: sp.StartCron, StopCron: sp.StopCron}
	for _, w := range sp.Windows {
		out.Windows = append(out.Windows, schedule.Window(w))
	}
	for _, e := range sp.Exceptions {
		out.Exceptions = append(out.Exceptions, schedule.Exception(e))
	}
	return out
}

func (sp schedSpec) timetableKey() string {
	b, _ := json.Marshal(sp.timetable())
	return string(b)
}

func (sp schedSpec) drain() time.Duration {
	d, _ := time.ParseDuration(sp.DrainTimeout)
	return d
}

func validateSchedule(name string, sp schedSpec) []api.FieldError {
	return api.ValidateShutdownSchedule(name, sp.timetable(), sp.Description, sp.Enforcement, sp.DrainTimeout)
}

// schedImmutable explains the fields PATCH refuses.
var schedImmutable = map[string]string{
	"environment_id":            "cannot be changed; a schedule belongs to one environment (Terraform replaces it)",
	"id":                        "is assigned by the control plane",
	"power_now":                 "is read-only",
	"next_transitions":          "is read-only",
	"running_hours_per_week":    "is read-only",
	"estimated_monthly_savings": "is read-only",
	"last_run":                  "is read-only",
	"etag":                      "is read-only; send it in the If-Match header",
}

func (s *Server) createSchedule(w http.ResponseWriter, r *http.Request, p *principal) error {
	if err := p.require(api.ScopeSchedulesWrite); err != nil {
		return err
	}
	var req api.ShutdownScheduleCreate
	if err := decodeJSON(r, &req, schedImmutable); err != nil {
		return err
	}
	sp := schedSpec{
		Description:  req.Description,
		Enabled:      req.Enabled == nil || *req.Enabled,
		TimeZone:     req.TimeZone,
		Windows:      orEmptySlice(req.Windows),
		StartCron:    req.StartCron,
		StopCron:     req.StopCron,
		Exceptions:   orEmptySlice(req.Exceptions),
		Enforcement:  cmp.Or(req.Enforcement, api.EnforceTransitions),
		DrainTimeout: cmp.Or(req.DrainTimeout, api.DefaultDrainTimeout),
	}
	errs := validateSchedule(req.Name, sp)
	if req.EnvironmentID == "" {
		errs = append(errs, fieldErr("environment_id", "is required"))
	}
	if len(errs) > 0 {
		return invalid(errs...)
	}
	env, err := s.load(r.Context(), p, environments, req.EnvironmentID)
	if err != nil {
		return err
	}
	if phase(env) == statusDeleting {
		return errorf(http.StatusConflict, api.CodeConflict, "environment %s is being deleted", env.ID)
	}
	now := s.now()
	res := &store.Resource{
		Kind:     store.KindShutdownSchedule,
		ID:       newID("sched"),
		ParentID: env.ID,
		Name:     req.Name,
		// The alt key makes a second schedule of the environment a
		// unique violation, even when two are created at once.
		AltKey:    env.ID,
		Spec:      mustJSON(sp),
		Status:    mustJSON(schedStatus{AppliesFrom: now}),
		CreatedAt: now,
		UpdatedAt: now,
	}
	err = s.store.CreateResource(r.Context(), res)
	var uv *store.UniqueViolation
	if errors.As(err, &uv) {
		detail := fmt.Sprintf("environment %s already has a shutdown schedule", env.ID)
		if uv.Field == "alt_key" {
			if existing, _ := s.scheduleOf(r.Context(), env.ID); existing != nil {
				detail = fmt.Sprintf("environment %s already has the shutdown schedule %q (%s); an environment has at most one: change that one or import it", env.ID, existing.Name, existing.ID)
			}
		}
		e := errorf(http.StatusConflict, api.CodeConflict, "%s", detail)
		e.problem.Errors = []api.FieldError{fieldErr("environment_id", "already has a shutdown schedule")}
		return e
	}
	if err != nil {
		return err
	}
	setAuditTarget(r.Context(), store.KindShutdownSchedule, res.ID)
	s.scheduler.kick()
	return s.writeSchedule(w, r.Context(), res, http.StatusCreated)
}

// scheduleOf is the environment's schedule, or nil.
func (s *Server) scheduleOf(ctx context.Context, envID string) (*store.Resource, error) {
	items, _, err := s.store.ListResources(ctx, store.ListFilter{Kind: store.KindShutdownSchedule, ParentID: &envID, PageSize: 1})
	if err != nil || len(items) == 0 {
		return nil, err
	}
	return items[0], nil
}

func (s *Server) writeSchedule(w http.ResponseWriter, ctx context.Context, res *store.Resource, status int) error {
	v, err := s.scheduleView(ctx, res)
	if err != nil {
		return err
	}
	if status == http.StatusCreated {
		w.Header().Set("Location", "/v1/shutdown-schedules/"+res.ID)
	}
	w.Header().Set("ETag", strconv.Quote(v.ETag))
	writeJSON(w, status, v)
	return nil
}

func (s *Server) getSchedule(w http.ResponseWriter, r *http.Request, p *principal) error {
	return serveGet(s, w, r, p, shutdownSchedules, s.scheduleView)
}

func (s *Server) listSchedules(w http.ResponseWriter, r *http.Request, p *principal) error {
	return serveList(s, w, r, p, shutdownSchedules, s.scheduleView, nil)
}

func (s *Server) updateSchedule(w http.ResponseWriter, r *http.Request, p *principal) error {
	u, err := beginUpdate[api.ShutdownScheduleUpdate, schedSpec, schedStatus](s, r, p, shutdownSchedules, schedImmutable)
	if err != nil {
		return err
	}
	req, res, sp := u.req, u.res, u.spec
	old := sp
	name := res.Name
	set := func(dst *string, v *string) {
		if v != nil {
			*dst = *v
		}
	}
	set(&name, req.Name)
	set(&sp.Description, req.Description)
	set(&sp.TimeZone, req.TimeZone)
	set(&sp.StartCron, req.StartCron)
	set(&sp.StopCron, req.StopCron)
	set(&sp.Enforcement, req.Enforcement)
	set(&sp.DrainTimeout, req.DrainTimeout)
	if req.Enabled != nil {
		sp.Enabled = *req.Enabled
	}
	if req.Windows != nil {
		sp.Windows = orEmptySlice(*req.Windows)
	}
	if req.Exceptions != nil {
		sp.Exceptions = orEmptySlice(*req.Exceptions)
	}
	if errs := validateSchedule(name, sp); len(errs) > 0 {
		return invalid(errs...)
	}
	setAuditTarget(r.Context(), store.KindShutdownSchedule, res.ID)
	if jsonEqual(sp, old) && name == res.Name {
		return s.writeSchedule(w, r.Context(), res, http.StatusOK)
	}
	now := s.now()
	// Re-enabled or re-timed: the schedule's current state applies once.
	if (sp.Enabled && !old.Enabled) || (sp.Enabled && sp.timetableKey() != old.timetableKey()) {
		res.Status = mustJSON(schedStatus{AppliesFrom: now})
	}
	res.Name = name
	res.Spec = mustJSON(sp)
	res.Generation++
	res.UpdatedAt = now
	err = s.store.UpdateResource(r.Context(), res)
	var uv *store.UniqueViolation
	switch {
	case errors.As(err, &uv):
		e := errorf(http.StatusConflict, api.CodeConflict, "the environment already has a schedule named %q", name)
		e.problem.Errors = []api.FieldError{fieldErr("name", "is already used")}
		return e
	case errors.Is(err, store.ErrConflict):
		return errorf(http.StatusPreconditionFailed, api.CodePreconditionFailed, "shutdown schedule %s changed while this update was being applied; read it again and retry", res.ID)
	case errors.Is(err, store.ErrNotFound):
		return notFound("shutdown schedule", res.ID)
	case err != nil:
		return err
	}
	s.scheduler.kick()
	return s.writeSchedule(w, r.Context(), res, http.StatusOK)
}

func (s *Server) deleteSchedule(w http.ResponseWriter, r *http.Request, p *principal) error {
	res, err := s.beginDelete(r, p, shutdownSchedules)
	if err != nil {
		return err
	}
	setAuditTarget(r.Context(), store.KindShutdownSchedule, res.ID)
	// Its runs go with it; an operation it started finishes on its own.
	if err := s.store.DeleteResource(r.Context(), store.KindShutdownSchedule, res.ID); err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) listScheduleRuns(w http.ResponseWriter, r *http.Request, p *principal) error {
	if err := p.require(api.ScopeSchedulesRead); err != nil {
		return err
	}
	res, err := s.load(r.Context(), p, shutdownSchedules, r.PathValue("id"))
	if err != nil {
		return err
	}
	f, err := listFilter(r, store.KindShutdownSchedule)
	if err != nil {
		return err
	}
	runs, next, err := s.store.ListScheduleRuns(r.Context(), res.ID, f.PageSize, f.PageToken)
	if errors.Is(err, store.ErrInvalidPageToken) {
		return invalid(fieldErr("page_token", "is not a token this API issued; start again without it"))
	}
	if err != nil {
		return err
	}
	out := api.List[api.ScheduleRun]{Items: make([]api.ScheduleRun, 0, len(runs)), NextPageToken: next}
	ctx := withRunsPage(r.Context(), runs)
	for _, run := range runs {
		v, err := s.runView(ctx, run)
		if err != nil {
			return err
		}
		out.Items = append(out.Items, v)
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// runView renders a run; a started run's outcome is its operation's status.
func (s *Server) runView(ctx context.Context, run *store.ScheduleRun) (api.ScheduleRun, error) {
	v := api.ScheduleRun{ID: run.ID, At: run.At.UTC(), Action: run.Action, Trigger: run.Trigger, Outcome: run.Outcome,
		Detail: run.Detail, OperationID: run.OperationID, CreatedAt: run.CreatedAt.UTC()}
	if run.OperationID != "" {
		op, err := s.operation(ctx, run.OperationID)
		switch {
		case err == nil:
			v.Outcome = op.Status
			if op.Status == store.OpFailed || op.Status == store.OpSucceeded {
				v.Detail = strings.TrimSpace(v.Detail + " " + op.Message)
			}
		case !errors.Is(err, store.ErrNotFound):
			return v, err
		}
	}
	return v, nil
}

// Reference prices of the simulated gateway compute, USD per hour: savings
// estimates price the gateway by its size, GPU pools by the catalog.
const (
	gatewayCPUHourly = 0.04
	gatewayGBHourly  = 0.005
	weeksPerMonth    = 365.25 / 12 / 7
)

// hourlyCost is what the environment costs per hour while running: its
// gateway and its GPU pools at their running size.
func (s *Server) hourlyCost(ctx context.Context, env *store.Resource) (float64, error) {
	var sp envSpec
	if err := json.Unmarshal(env.Spec, &sp); err != nil {
		return 0, err
	}
	cost := float64(sp.Size.CPUs)*gatewayCPUHourly + float64(sp.Size.MemoryMB)/1024*gatewayGBHourly
	pools, err := s.environmentPools(ctx, env.ID)
	if err != nil {
		return 0, err
	}
	for _, p := range pools {
		var psp poolSpec
		var pst poolStatus
		if err := json.Unmarshal(p.Spec, &psp); err != nil {
			return 0, err
		}
		if err := json.Unmarshal(p.Status, &pst); err != nil {
			return 0, err
		}
		gpuType, capType := psp.GPUType, psp.CapacityType
		if pst.EffectiveGPUType != "" {
			gpuType, capType = pst.EffectiveGPUType, pst.EffectiveCapacityType
		}
		price, _ := s.catalog.Price(gpuType, sp.Region, capType)
		nodes := max(targetNodes(psp, 0), pst.CurrentNodes)
		cost += price * float64(nodes*psp.GPUsPerNode)
	}
	return cost, nil
}

// scheduleView renders a schedule with what the control plane computes.
func (s *Server) scheduleView(ctx context.Context, res *store.Resource) (api.ShutdownSchedule, error) {
	var sp schedSpec
	if err := json.Unmarshal(res.Spec, &sp); err != nil {
		return api.ShutdownSchedule{}, fmt.Errorf("decode spec of %s: %w", res.ID, err)
	}
	v := api.ShutdownSchedule{
		ID:              res.ID,
		Name:            res.Name,
		EnvironmentID:   res.ParentID,
		Description:     sp.Description,
		Enabled:         sp.Enabled,
		TimeZone:        sp.TimeZone,
		Windows:         orEmptySlice(sp.Windows),
		StartCron:       sp.StartCron,
		StopCron:        sp.StopCron,
		Exceptions:      orEmptySlice(sp.Exceptions),
		Enforcement:     sp.Enforcement,
		DrainTimeout:    sp.DrainTimeout,
		NextTransitions: []api.ScheduledTransition{},
		ETag:            etagOf(res),
		CreatedAt:       res.CreatedAt.UTC(),
		UpdatedAt:       res.UpdatedAt.UTC(),
	}
	c, err := schedule.Compile(sp.timetable())
	if err != nil {
		return v, fmt.Errorf("stored schedule %s no longer compiles: %w", res.ID, err)
	}
	now := s.now()
	v.PowerNow = c.StateAt(now)
	if sp.Enabled {
		for _, tr := range c.Next(now, api.NextTransitionsShown) {
			v.NextTransitions = append(v.NextTransitions, api.ScheduledTransition{At: tr.At.UTC(), Action: tr.Action})
		}
	}
	if v.RunningHoursPerWeek, err = schedule.HoursPerWeek(sp.timetable()); err != nil {
		return v, err
	}
	env, err := s.environment(ctx, res.ParentID)
	if err != nil {
		return v, fmt.Errorf("environment of schedule %s: %w", res.ID, err)
	}
	hourly, err := s.hourlyCost(ctx, env)
	if err != nil {
		return v, err
	}
	v.EstimatedMonthlySavings = gpucatalog.Cost(hourly * (168 - v.RunningHoursPerWeek) * weeksPerMonth)
	last, err := s.latestRun(ctx, res.ID)
	switch {
	case err == nil:
		rv, err := s.runView(ctx, last)
		if err != nil {
			return v, err
		}
		v.LastRun = &api.ScheduleLastRun{At: rv.At, Action: rv.Action, Outcome: rv.Outcome, OperationID: rv.OperationID}
	case !errors.Is(err, store.ErrNotFound):
		return v, err
	}
	return v, nil
}
