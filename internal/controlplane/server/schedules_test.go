package server_test

import (
	"context"
	"database/sql"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx", to count operations

	"github.com/openclaw/terraform-provider-openclaw/internal/api"
	"github.com/openclaw/terraform-provider-openclaw/internal/api/apitest"
	"github.com/openclaw/terraform-provider-openclaw/internal/client"
	"github.com/openclaw/terraform-provider-openclaw/internal/controlplane"
	"github.com/openclaw/terraform-provider-openclaw/internal/controlplane/keys"
	"github.com/openclaw/terraform-provider-openclaw/internal/controlplane/server"
	"github.com/openclaw/terraform-provider-openclaw/internal/controlplane/store/pgtest"
)

// schedOfWorld is the schedule of a route world's environment a.
var schedOfWorld sync.Map

func init() {
	addRouteFixtures(map[string]routeFixture{
		"GET /v1/shutdown-schedules": {
			scope: api.ScopeSchedulesRead, bound: http.StatusOK,
			request: func(t *testing.T, w *routeWorld) req {
				w.schedule(t)
				return req{method: http.MethodGet, path: "/v1/shutdown-schedules"}
			},
		},
		"POST /v1/shutdown-schedules": {
			scope: api.ScopeSchedulesWrite, bound: http.StatusNotFound,
			request: func(t *testing.T, w *routeWorld) req {
				return req{method: http.MethodPost, path: "/v1/shutdown-schedules", body: officeHours(w.freshEnvironment(t))}
			},
		},
		"GET /v1/shutdown-schedules/{id}": {
			scope: api.ScopeSchedulesRead, bound: http.StatusNotFound,
			request: func(t *testing.T, w *routeWorld) req {
				return req{method: http.MethodGet, path: "/v1/shutdown-schedules/" + w.schedule(t)}
			},
		},
		"PATCH /v1/shutdown-schedules/{id}": {
			scope: api.ScopeSchedulesWrite, bound: http.StatusNotFound,
			request: func(t *testing.T, w *routeWorld) req {
				return req{method: http.MethodPatch, path: "/v1/shutdown-schedules/" + w.schedule(t), body: map[string]any{"description": "touched"}}
			},
		},
		"DELETE /v1/shutdown-schedules/{id}": {
			scope: api.ScopeSchedulesWrite, bound: http.StatusNotFound,
			request: func(t *testing.T, w *routeWorld) req {
				s := w.c.createSchedule(t, officeHours(w.freshEnvironment(t)))
				return req{method: http.MethodDelete, path: "/v1/shutdown-schedules/" + s.ID}
			},
		},
		"GET /v1/shutdown-schedules/{id}/runs": {
			scope: api.ScopeSchedulesRead, bound: http.StatusNotFound,
			request: func(t *testing.T, w *routeWorld) req {
				return req{method: http.MethodGet, path: "/v1/shutdown-schedules/" + w.schedule(t) + "/runs"}
			},
		},
		"POST /v1/simulator/clock": {
			scope: api.ScopeAdmin, bound: http.StatusForbidden,
			request: func(t *testing.T, w *routeWorld) req {
				// Real time: the other routes' checks run on unmoved.
				return req{method: http.MethodPost, path: "/v1/simulator/clock", body: api.SimulatorClock{Now: time.Now().UTC()}}
			},
		},
		"POST /v1/environments/{id}/power": {
			scope: api.ScopeEnvironmentsWrite, bound: http.StatusNotFound,
			request: func(t *testing.T, w *routeWorld) req {
				return req{method: http.MethodPost, path: "/v1/environments/" + w.a.ID + "/power", body: api.PowerRequest{State: "running"}}
			},
		},
	})
}

// schedule is the schedule of environment a, made on first use: an
// always-running one, so the route tests never stop a.
func (w *routeWorld) schedule(t *testing.T) string {
	t.Helper()
	v, _ := schedOfWorld.LoadOrStore(w, &sync.Once{})
	once := v.(*sync.Once)
	once.Do(func() {
		body := officeHours(w.a.ID)
		body.Windows = []api.ShutdownWindow{{Days: []string{"mon", "tue", "wed", "thu", "fri", "sat", "sun"}, Start: "00:00", Stop: "24:00"}}
		schedOfWorld.Store(w.a.ID, w.c.createSchedule(t, body).ID)
	})
	id, _ := schedOfWorld.Load(w.a.ID)
	return id.(string)
}

var weekdays = []string{"mon", "tue", "wed", "thu", "fri"}

func officeHours(envID string) api.ShutdownScheduleCreate {
	return api.ShutdownScheduleCreate{
		Name: uniqueName("office-hours"), EnvironmentID: envID, TimeZone: "UTC",
		Windows: []api.ShutdownWindow{{Days: weekdays, Start: "08:00", Stop: "19:00"}},
	}
}

func (c *cp) createSchedule(t testing.TB, body api.ShutdownScheduleCreate) api.ShutdownSchedule {
	t.Helper()
	r := c.do(t, req{method: http.MethodPost, path: "/v1/shutdown-schedules", key: c.admin, body: body})
	wantStatus(t, r, http.StatusCreated)
	s := decode[api.ShutdownSchedule](t, r)
	if r.header.Get("Location") != "/v1/shutdown-schedules/"+s.ID || r.header.Get("ETag") == "" {
		t.Errorf("create answered Location %q, ETag %q", r.header.Get("Location"), r.header.Get("ETag"))
	}
	return s
}

func (c *cp) schedule(t testing.TB, id string) api.ShutdownSchedule {
	t.Helper()
	r := c.get(t, c.admin, "/v1/shutdown-schedules/"+id)
	wantStatus(t, r, http.StatusOK)
	return decode[api.ShutdownSchedule](t, r)
}

func (c *cp) runs(t testing.TB, id string) []api.ScheduleRun {
	t.Helper()
	r := c.get(t, c.admin, "/v1/shutdown-schedules/"+id+"/runs")
	wantStatus(t, r, http.StatusOK)
	return decode[api.List[api.ScheduleRun]](t, r).Items
}

func (c *cp) power(t testing.TB, envID string, body api.PowerRequest) api.Operation {
	t.Helper()
	r := c.do(t, req{method: http.MethodPost, path: "/v1/environments/" + envID + "/power", key: c.admin, body: body})
	wantStatus(t, r, http.StatusAccepted)
	return decode[api.Operation](t, r)
}

func at(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

// startTicking starts a control plane whose clock reads now and runs on.
// Its clock is the --sim-clock one: real time moved by an offset, so
// operations keep progressing while a test jumps across schedule edges.
func startTicking(t *testing.T, now string) (*cp, *server.SimClock) {
	t.Helper()
	clk := server.NewSimClock()
	clk.Set(at(now))
	admin, err := keys.Generate()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	c := &cp{admin: admin, dataDir: dir, opts: harnessOptions(dir, admin)}
	c.opts.Now = clk.Now
	c.spec = apitest.Validator(t)
	c.open(t)
	t.Cleanup(func() { c.close(t) })
	return c, clk
}

// waitRun runs the scheduler until it has recorded the run at runAt, and
// waits for the run's operation.
func (c *cp) waitRun(t testing.TB, schedID string, runAt time.Time, trigger string) api.ScheduleRun {
	t.Helper()
	var run *api.ScheduleRun
	if !eventually(10*time.Second, func() bool {
		if err := c.app.Server.RunSchedules(context.Background()); err != nil {
			t.Fatal(err)
		}
		for _, r := range c.runs(t, schedID) {
			if r.At.Equal(runAt) && r.Trigger == trigger {
				run = &r
				return true
			}
		}
		return false
	}) {
		t.Fatalf("no %s run at %s; runs: %+v", trigger, runAt, c.runs(t, schedID))
	}
	if run.OperationID != "" {
		c.waitSucceeded(t, run.OperationID)
	}
	return *run
}

func TestShutdownScheduleLifecycle(t *testing.T) {
	t.Parallel()
	c, _ := startTicking(t, "2026-12-07T12:00:00Z") // Monday noon
	env := c.createRunning(t, api.EnvironmentCreate{Name: uniqueName("sched"), Region: "us-east"})
	body := officeHours(env.ID)
	body.TimeZone = "Europe/Berlin"
	body.Exceptions = []api.ShutdownException{{From: "2026-12-24", Until: "2026-12-26", State: "stopped", Reason: "holidays"}}
	s := c.createSchedule(t, body)
	if !s.Enabled || s.Enforcement != api.EnforceTransitions || s.DrainTimeout != "5m" || s.PowerNow != "running" {
		t.Errorf("defaults: %+v", s)
	}
	if s.RunningHoursPerWeek != 55 || s.EstimatedMonthlySavings <= 0 {
		t.Errorf("running_hours_per_week %v, estimated_monthly_savings %v", s.RunningHoursPerWeek, s.EstimatedMonthlySavings)
	}
	if len(s.NextTransitions) != api.NextTransitionsShown || !s.NextTransitions[0].At.Equal(at("2026-12-07T18:00:00Z")) || s.NextTransitions[0].Action != "stop" {
		t.Errorf("next_transitions %+v", s.NextTransitions)
	}
	// Values are echoed as written.
	if s.Windows[0].Start != "08:00" || s.Exceptions[0].Until != "2026-12-26" {
		t.Errorf("echo: %+v", s)
	}

	// One schedule per environment; the 409 names the existing one.
	r := c.do(t, req{method: http.MethodPost, path: "/v1/shutdown-schedules", key: c.admin, body: officeHours(env.ID)})
	p := wantProblem(t, r, http.StatusConflict, api.CodeConflict)
	if !strings.Contains(p.Detail, s.ID) || !strings.Contains(p.Detail, s.Name) {
		t.Errorf("409 does not name the existing schedule: %s", p.Detail)
	}

	list := decode[api.List[api.ShutdownSchedule]](t, c.get(t, c.admin, "/v1/shutdown-schedules?environment_id="+env.ID))
	if len(list.Items) != 1 || list.Items[0].ID != s.ID {
		t.Errorf("list by environment: %+v", list.Items)
	}

	// PATCH with a stale ETag is refused; with the current one it applies.
	path := "/v1/shutdown-schedules/" + s.ID
	r = c.do(t, req{method: http.MethodPatch, path: path, key: c.admin, body: map[string]any{"enforcement": "continuous"}, header: map[string]string{"If-Match": `"99"`}})
	wantProblem(t, r, http.StatusPreconditionFailed, api.CodePreconditionFailed)
	r = c.do(t, req{method: http.MethodPatch, path: path, key: c.admin, body: map[string]any{
		"enforcement": "continuous", "windows": []api.ShutdownWindow{}, "start_cron": "0 8 * * 1-5", "stop_cron": "0 19 * * 1-5",
	}, header: map[string]string{"If-Match": `"` + s.ETag + `"`}})
	wantStatus(t, r, http.StatusOK)
	u := decode[api.ShutdownSchedule](t, r)
	if u.Enforcement != "continuous" || u.StartCron != "0 8 * * 1-5" || len(u.Windows) != 0 || u.ETag == s.ETag || u.RunningHoursPerWeek != 55 {
		t.Errorf("after PATCH: %+v", u)
	}
	r = c.do(t, req{method: http.MethodPatch, path: path, key: c.admin, body: map[string]any{"environment_id": "env_other"}})
	if p := wantProblem(t, r, http.StatusBadRequest, api.CodeInvalidArgument); fieldMessage(p, "environment_id") == "" {
		t.Errorf("environment_id change: %+v", p)
	}

	// The environment is not deleted under its schedule, unless cascading.
	if p := wantProblem(t, del(t, c, env.ID, ""), http.StatusConflict, api.CodeConflict); !strings.Contains(p.Detail, s.ID) {
		t.Errorf("the deletion guard does not name the schedule: %s", p.Detail)
	}
	r = c.do(t, req{method: http.MethodDelete, path: path, key: c.admin})
	wantStatus(t, r, http.StatusNoContent)
	wantProblem(t, c.get(t, c.admin, path), http.StatusNotFound, api.CodeNotFound)
}

func TestShutdownScheduleValidation(t *testing.T) {
	t.Parallel()
	c := start(t)
	env := c.createRunning(t, api.EnvironmentCreate{Name: uniqueName("sched-bad"), Region: "us-east"})
	cases := []struct {
		name  string
		edit  func(*api.ShutdownScheduleCreate)
		field string
	}{
		{"unknown zone", func(b *api.ShutdownScheduleCreate) { b.TimeZone = "Mars/Olympus" }, "time_zone"},
		{"fixed offset", func(b *api.ShutdownScheduleCreate) { b.TimeZone = "+02:00" }, "time_zone"},
		{"8:00", func(b *api.ShutdownScheduleCreate) { b.Windows[0].Start = "8:00" }, "windows[0].start"},
		{"unknown day", func(b *api.ShutdownScheduleCreate) { b.Windows[0].Days = []string{"funday"} }, "windows[0].days[0]"},
		{"both forms", func(b *api.ShutdownScheduleCreate) { b.StopCron = "0 19 * * *" }, "windows"},
		{"bad cron", func(b *api.ShutdownScheduleCreate) { b.Windows = nil; b.StopCron = "every evening" }, "stop_cron"},
		{"until before from", func(b *api.ShutdownScheduleCreate) {
			b.Exceptions = []api.ShutdownException{{From: "2026-12-26", Until: "2026-12-24", State: "stopped"}}
		}, "exceptions[0].until"},
		{"enforcement", func(b *api.ShutdownScheduleCreate) { b.Enforcement = "always" }, "enforcement"},
		{"drain", func(b *api.ShutdownScheduleCreate) { b.DrainTimeout = "5 minutes" }, "drain_timeout"},
	}
	for _, tc := range cases {
		body := officeHours(env.ID)
		tc.edit(&body)
		r := c.do(t, req{method: http.MethodPost, path: "/v1/shutdown-schedules", key: c.admin, body: body})
		p := wantProblem(t, r, http.StatusBadRequest, api.CodeInvalidArgument)
		if fieldMessage(p, tc.field) == "" {
			t.Errorf("%s: want an error on %s, got %v", tc.name, tc.field, fields(p))
		}
	}
}

// The scheduler stops the environment and scales its pools to zero at the
// window's end, then brings both back at its start; configuration (desired
// state, node count, ETags) never changes.
func TestSchedulerStopsAndStartsEnvironmentAndPools(t *testing.T) {
	t.Parallel()
	c, clk := startTicking(t, "2026-12-07T18:59:00Z") // Monday, a minute before the stop
	env := c.createRunning(t, api.EnvironmentCreate{Name: uniqueName("nightly"), Region: "us-east"})
	pb := poolBody(env.ID, uniqueName("pool"), 2)
	pb.NodeCount, pb.Autoscaling = ptr[int64](2), nil
	pool := c.createPool(t, pb)
	pool = c.pool(t, pool.ID)
	if pool.CurrentNodes == 0 {
		t.Fatalf("pool has no nodes: %+v", pool)
	}
	s := c.createSchedule(t, officeHours(env.ID))
	// A new schedule applies its current state (running) at once.
	c.waitRun(t, s.ID, c.schedule(t, s.ID).CreatedAt, "initial")

	envBefore, _ := c.env(t, env.ID)
	clk.Set(at("2026-12-07T19:00:01Z"))
	run := c.waitRun(t, s.ID, at("2026-12-07T19:00:00Z"), "transition")
	if run.Action != "stop" || run.OperationID == "" {
		t.Fatalf("stop run: %+v", run)
	}
	e, _ := c.env(t, env.ID)
	if e.PowerState != api.PowerOff || e.Status != api.EnvStatusStopped || e.DesiredState != api.DesiredRunning || e.ETag != envBefore.ETag {
		t.Errorf("after the scheduled stop: status %s power %s desired %s etag %s (was %s)", e.Status, e.PowerState, e.DesiredState, e.ETag, envBefore.ETag)
	}
	p := c.pool(t, pool.ID)
	if p.CurrentNodes != 0 || p.Status != api.PoolStatusStopped || *p.NodeCount != *pool.NodeCount || p.ETag != pool.ETag || p.HourlyCost != 0 {
		t.Errorf("pool after the stop: %+v", p)
	}
	if free := c.available(t, pool.GPUType, "us-east", api.CapacityOnDemand); free == 0 {
		t.Errorf("the stopped pool still holds its GPUs")
	}
	if ls := c.schedule(t, s.ID).LastRun; ls == nil || ls.Action != "stop" || ls.Outcome != api.OperationSucceeded {
		t.Errorf("last_run %+v", ls)
	}

	clk.Set(at("2026-12-08T08:00:01Z"))
	c.waitRun(t, s.ID, at("2026-12-08T08:00:00Z"), "transition")
	e, _ = c.env(t, env.ID)
	p = c.pool(t, pool.ID)
	if e.PowerState != api.PowerOn || e.Status != api.EnvStatusRunning || p.CurrentNodes != *pool.NodeCount || p.Status != api.PoolStatusRunning {
		t.Errorf("after the scheduled start: env %s/%s, pool %s with %d nodes", e.Status, e.PowerState, p.Status, p.CurrentNodes)
	}

	// Every run is audited.
	events := decode[api.List[api.AuditEvent]](t, c.get(t, c.admin, "/v1/audit-events"))
	n := 0
	for _, ev := range events.Items {
		if ev.ResourceID == s.ID && strings.HasPrefix(ev.Action, "scheduler ") {
			n++
		}
	}
	if n != 3 {
		t.Errorf("%d scheduler audit events, want 3 (initial, stop, start)", n)
	}
}

// enforcement = transitions keeps a manual start until the next edge;
// continuous undoes it; a power action with until hands control back then.
func TestSchedulerEnforcementAndManualPower(t *testing.T) {
	t.Parallel()
	c, clk := startTicking(t, "2026-12-07T20:00:00Z") // Monday evening: outside the window
	env := c.createRunning(t, api.EnvironmentCreate{Name: uniqueName("manual"), Region: "us-east"})
	s := c.createSchedule(t, officeHours(env.ID))
	// Created at 20:00 under 08:00-19:00: it stops now, not tomorrow evening.
	c.waitRun(t, s.ID, s.CreatedAt, "initial")
	if e, _ := c.env(t, env.ID); e.PowerState != api.PowerOff {
		t.Fatalf("a schedule created outside its window did not stop the environment: %s", e.PowerState)
	}

	// transitions: a manual start holds.
	c.waitSucceeded(t, c.power(t, env.ID, api.PowerRequest{State: "running"}).ID)
	clk.Set(at("2026-12-07T21:00:00Z"))
	for range 3 {
		if err := c.app.Server.RunSchedules(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	if e, _ := c.env(t, env.ID); e.PowerState != api.PowerOn {
		t.Fatalf("enforcement = transitions undid a manual start")
	}
	if n := len(c.runs(t, s.ID)); n != 1 {
		t.Fatalf("%d runs, want only the initial one", n)
	}

	// continuous: undone.
	r := c.do(t, req{method: http.MethodPatch, path: "/v1/shutdown-schedules/" + s.ID, key: c.admin, body: map[string]any{"enforcement": "continuous"}})
	wantStatus(t, r, http.StatusOK)
	clk.Set(at("2026-12-07T21:00:30Z"))
	var enforce api.ScheduleRun
	deadline := time.Now().Add(10 * time.Second)
	for enforce.ID == "" {
		if err := c.app.Server.RunSchedules(context.Background()); err != nil {
			t.Fatal(err)
		}
		for _, run := range c.runs(t, s.ID) {
			if run.Trigger == "enforce" {
				enforce = run
			}
		}
		if time.Now().After(deadline) {
			e, _ := c.env(t, env.ID)
			t.Fatalf("continuous enforcement did not stop the manually started environment: %+v %+v %+v", e, c.schedule(t, s.ID), c.runs(t, s.ID))
		}
	}
	c.waitSucceeded(t, enforce.OperationID)
	if e, _ := c.env(t, env.ID); e.PowerState != api.PowerOff || enforce.Action != "stop" {
		t.Fatalf("after enforcement: %s, run %+v", e.PowerState, enforce)
	}

	// Wake it for an hour: the schedule leaves it alone, then takes over.
	until := at("2026-12-07T22:30:00Z")
	c.waitSucceeded(t, c.power(t, env.ID, api.PowerRequest{State: "running", Until: &until}).ID)
	clk.Set(at("2026-12-07T22:00:00Z"))
	for range 3 {
		if err := c.app.Server.RunSchedules(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	if e, _ := c.env(t, env.ID); e.PowerState != api.PowerOn {
		t.Fatalf("continuous enforcement overrode a power action before its until")
	}
	clk.Set(at("2026-12-07T22:30:05Z"))
	run := c.waitRun(t, s.ID, until, "initial")
	if e, _ := c.env(t, env.ID); e.PowerState != api.PowerOff || run.Action != "stop" {
		t.Fatalf("after until: %s, run %+v", e.PowerState, run)
	}

	// A past until is refused.
	r = c.do(t, req{method: http.MethodPost, path: "/v1/environments/" + env.ID + "/power", key: c.admin,
		body: api.PowerRequest{State: "running", Until: ptr(at("2026-12-07T10:00:00Z"))}})
	wantProblem(t, r, http.StatusBadRequest, api.CodeInvalidArgument)
}

// An environment whose desired_state is stopped is never started by a schedule.
func TestSchedulerNeverStartsADesiredStoppedEnvironment(t *testing.T) {
	t.Parallel()
	c, _ := startTicking(t, "2026-12-07T10:00:00Z")
	env := c.createRunning(t, api.EnvironmentCreate{Name: uniqueName("parked"), Region: "us-east", DesiredState: api.DesiredStopped})
	s := c.createSchedule(t, officeHours(env.ID))
	run := c.waitRun(t, s.ID, s.CreatedAt, "initial")
	if run.Outcome != api.RunSkipped || !strings.Contains(run.Detail, "desired_state") {
		t.Fatalf("run %+v", run)
	}
	if e, _ := c.env(t, env.ID); e.PowerState != api.PowerOff {
		t.Fatalf("a schedule started an environment whose desired_state is stopped")
	}
	r := c.do(t, req{method: http.MethodPost, path: "/v1/environments/" + env.ID + "/power", key: c.admin, body: api.PowerRequest{State: "running"}})
	wantProblem(t, r, http.StatusConflict, api.CodeConflict)
}

// A control plane down across a transition catches up when it starts, if
// the transition still applies; one whose next transition already passed
// runs only that one.
func TestSchedulerCatchesUpAfterRestart(t *testing.T) {
	t.Parallel()
	c, clk := startTicking(t, "2026-12-07T18:59:50Z")
	env := c.createRunning(t, api.EnvironmentCreate{Name: uniqueName("restart"), Region: "us-east"})
	s := c.createSchedule(t, officeHours(env.ID))
	c.waitRun(t, s.ID, s.CreatedAt, "initial")

	c.close(t)
	clk.Set(at("2026-12-07T20:00:00Z")) // down across the 19:00 stop
	c.open(t)
	run := c.waitRun(t, s.ID, at("2026-12-07T19:00:00Z"), "catch_up")
	if e, _ := c.env(t, env.ID); e.PowerState != api.PowerOff || run.Action != "stop" {
		t.Fatalf("after catching up: %s, run %+v", e.PowerState, run)
	}

	c.close(t)
	clk.Set(at("2026-12-09T09:00:00Z")) // down across stop@Tue 19:00 ... start@Wed 08:00
	c.open(t)
	c.waitRun(t, s.ID, at("2026-12-09T08:00:00Z"), "catch_up")
	for _, r := range c.runs(t, s.ID) {
		if r.At.Equal(at("2026-12-08T08:00:00Z")) || r.At.Equal(at("2026-12-08T19:00:00Z")) {
			t.Errorf("a transition that a later one overrode was replayed: %+v", r)
		}
	}
	if e, _ := c.env(t, env.ID); e.PowerState != api.PowerOn {
		t.Fatalf("after the second catch-up: %s", e.PowerState)
	}
}

// Two replicas on one PostgreSQL database, both running the scheduler as
// hard as they can: each transition is executed once.
func TestSchedulerReplicasRunEachTransitionOnce(t *testing.T) {
	dsn := pgtest.FreshDatabase(t)
	clk := server.NewSimClock()
	clk.Set(at("2026-12-07T18:59:00Z"))
	key, _ := keys.Generate()
	encKey := "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="
	var apps []*cp
	for range 2 {
		dir := t.TempDir()
		c := &cp{admin: key, dataDir: dir, opts: harnessOptions(dir, key)}
		c.opts.Database, c.opts.EncryptionKey, c.opts.Now = dsn, encKey, clk.Now
		c.spec = apitest.Validator(t)
		c.open(t)
		t.Cleanup(func() { c.close(t) })
		apps = append(apps, c)
	}
	a := apps[0]
	env := a.createRunning(t, api.EnvironmentCreate{Name: uniqueName("replicated"), Region: "us-east"})
	s := a.createSchedule(t, officeHours(env.ID))
	a.waitRun(t, s.ID, s.CreatedAt, "initial")

	for _, edge := range []string{"2026-12-07T19:00:00Z", "2026-12-08T08:00:00Z", "2026-12-08T19:00:00Z"} {
		clk.Set(at(edge).Add(time.Second))
		var wg sync.WaitGroup
		for _, c := range apps {
			for range 4 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					if err := c.app.Server.RunSchedules(context.Background()); err != nil {
						t.Error(err)
					}
				}()
			}
		}
		wg.Wait()
		apps[1].waitRun(t, s.ID, at(edge), "transition")
	}

	db, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var ops, runs int
	if err := db.QueryRow(`SELECT count(*) FROM operations WHERE kind = 'environment.power' AND target_id = $1`, env.ID).Scan(&ops); err != nil {
		t.Fatal(err)
	}
	if err := db.QueryRow(`SELECT count(*) FROM schedule_runs WHERE schedule_id = $1`, s.ID).Scan(&runs); err != nil {
		t.Fatal(err)
	}
	// initial + three edges, each one run and one operation.
	if ops != 4 || runs != 4 {
		t.Fatalf("%d power operations and %d runs for 4 transitions on 2 replicas", ops, runs)
	}
	if e, _ := apps[1].env(t, env.ID); e.PowerState != api.PowerOff {
		t.Fatalf("after the last stop: %s", e.PowerState)
	}
}

// --sim-clock: the clock moves through the API, for admin keys only; without
// the flag the endpoint does not exist.
func TestSimulatorClock(t *testing.T) {
	t.Parallel()
	admin, _ := keys.Generate()
	dir := t.TempDir()
	plain := &cp{admin: admin, dataDir: dir, opts: harnessOptions(dir, admin), spec: apitest.Validator(t)}
	plain.opts.SimClock = false
	plain.open(t)
	t.Cleanup(func() { plain.close(t) })
	r := plain.do(t, req{method: http.MethodPost, path: "/v1/simulator/clock", key: plain.admin, body: api.SimulatorClock{Now: at("2030-01-01T00:00:00Z")}})
	if p := wantProblem(t, r, http.StatusNotFound, api.CodeNotFound); !strings.Contains(p.Detail, "--sim-clock") {
		t.Errorf("404 does not say how to turn it on: %s", p.Detail)
	}

	c := start(t) // the harness runs with --sim-clock
	admin = c.admin
	reader, _ := c.newKey(t, keyOpts{scopes: []string{api.ScopeSchedulesWrite, api.ScopeEnvironmentsWrite}})
	r = c.do(t, req{method: http.MethodPost, path: "/v1/simulator/clock", key: reader, body: api.SimulatorClock{Now: at("2030-01-01T00:00:00Z")}})
	wantProblem(t, r, http.StatusForbidden, api.CodePermissionDenied)

	env := c.createRunning(t, api.EnvironmentCreate{Name: uniqueName("simclock"), Region: "us-east"})
	r = c.do(t, req{method: http.MethodPost, path: "/v1/simulator/clock", key: admin, body: api.SimulatorClock{Now: at("2030-01-07T20:00:00Z")}})
	wantStatus(t, r, http.StatusOK)
	if got := decode[api.SimulatorClock](t, r).Now; got.Sub(at("2030-01-07T20:00:00Z")) > time.Minute || got.Before(at("2030-01-07T20:00:00Z")) {
		t.Fatalf("clock reads %s", got)
	}
	// The scheduler runs on the moved clock: Monday 20:00 is outside the window.
	s := c.createSchedule(t, officeHours(env.ID))
	if s.PowerNow != "stopped" {
		t.Fatalf("power_now %s at the simulated 20:00", s.PowerNow)
	}
	c.waitRun(t, s.ID, s.CreatedAt, "initial")
	if e, _ := c.env(t, env.ID); e.PowerState != api.PowerOff {
		t.Fatalf("the scheduler did not use the simulated clock")
	}
}

// A disabled schedule does nothing; re-enabled, it applies its current
// state once, right away.
func TestSchedulerReEnabledScheduleAppliesItsStateOnce(t *testing.T) {
	t.Parallel()
	c, _ := startTicking(t, "2026-12-07T20:00:00Z")
	env := c.createRunning(t, api.EnvironmentCreate{Name: uniqueName("paused"), Region: "us-east"})
	body := officeHours(env.ID)
	body.Enabled = ptr(false)
	s := c.createSchedule(t, body)
	if len(s.NextTransitions) != 0 {
		t.Errorf("a disabled schedule announces transitions: %+v", s.NextTransitions)
	}
	for range 3 {
		if err := c.app.Server.RunSchedules(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	if runs := c.runs(t, s.ID); len(runs) != 0 {
		t.Fatalf("a disabled schedule ran: %+v", runs)
	}
	r := c.do(t, req{method: http.MethodPatch, path: "/v1/shutdown-schedules/" + s.ID, key: c.admin, body: map[string]any{"enabled": true}})
	wantStatus(t, r, http.StatusOK)
	u := decode[api.ShutdownSchedule](t, r)
	run := c.waitRun(t, s.ID, u.UpdatedAt, "initial")
	if e, _ := c.env(t, env.ID); e.PowerState != api.PowerOff || run.Action != "stop" {
		t.Fatalf("after re-enabling at 20:00: %s, run %+v", e.PowerState, run)
	}
	for range 3 {
		if err := c.app.Server.RunSchedules(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	if runs := c.runs(t, s.ID); len(runs) != 1 {
		t.Fatalf("the current state was applied %d times, want once", len(runs))
	}
}

// BenchmarkSchedulerTick: one scheduler pass over 100 enabled schedules on
// SQLite with nothing due (the steady state of every poll, on every replica).
func BenchmarkSchedulerTick(b *testing.B) {
	admin, _ := keys.Generate()
	dir := b.TempDir()
	opts := harnessOptions(dir, admin)
	opts.PollInterval = time.Hour // only the benchmark ticks
	ctx, cancel := context.WithCancel(context.Background())
	app, err := controlplane.Open(ctx, opts)
	if err != nil {
		b.Fatal(err)
	}
	srv := httptest.NewServer(app.Server.Handler())
	app.Server.Start(ctx)
	b.Cleanup(func() { srv.Close(); cancel(); app.Close() })
	c, err := client.New(client.Config{Endpoint: srv.URL, APIKey: admin})
	if err != nil {
		b.Fatal(err)
	}
	for i := range 100 {
		op, err := c.CreateEnvironment(ctx, api.EnvironmentCreate{Name: fmt.Sprintf("tick-%d", i), Region: "us-east"})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := c.WaitForOperation(ctx, op); err != nil {
			b.Fatal(err)
		}
		body := officeHours(op.TargetID)
		body.Windows[0].Days = []string{"mon", "tue", "wed", "thu", "fri", "sat", "sun"}
		body.Windows[0].Start, body.Windows[0].Stop = "00:00", "24:00"
		if _, err := c.CreateShutdownSchedule(ctx, body); err != nil {
			b.Fatal(err)
		}
	}
	// The initial runs.
	if err := app.Server.RunSchedules(ctx); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		if err := app.Server.RunSchedules(ctx); err != nil {
			b.Fatal(err)
		}
	}
}
