package schedule

import (
	"context"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/openclaw/terraform-provider-openclaw/internal/api"
)

func sampleSchedule() *api.ShutdownSchedule {
	t0 := time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)
	return &api.ShutdownSchedule{
		ID: "sched_1", Name: "office-hours", EnvironmentID: "env_1", Description: "", Enabled: true, TimeZone: "Europe/Berlin",
		Windows:     []api.ShutdownWindow{{Days: []string{"mon", "fri"}, Start: "08:00", Stop: "24:00"}},
		Exceptions:  []api.ShutdownException{},
		Enforcement: api.EnforceTransitions, DrainTimeout: "5m", PowerNow: "running",
		NextTransitions:     []api.ScheduledTransition{{At: t0.Add(time.Hour), Action: "stop"}},
		RunningHoursPerWeek: 32, EstimatedMonthlySavings: 12.5, ETag: "1", CreatedAt: t0,
	}
}

// fromAPI then toCreate gives back what the API holds; lists the
// configuration left out stay null; computed values are converted.
func TestModelRoundTrip(t *testing.T) {
	ctx := context.Background()
	m := scheduleModel{Windows: types.ListNull(windowType), Exceptions: types.ListNull(exceptionType)}
	if d := m.fromAPI(ctx, sampleSchedule()); d.HasError() {
		t.Fatal(d)
	}
	if !m.Exceptions.IsNull() || !m.StartCron.IsNull() || !m.LastRun.IsNull() {
		t.Errorf("absent values are not null: exceptions %v, start_cron %v, last_run %v", m.Exceptions, m.StartCron, m.LastRun)
	}
	if m.RunningHoursPerWeek.ValueFloat64() != 32 || m.CreatedAt.ValueString() != "2026-12-07T10:00:00Z" || len(m.NextTransitions.Elements()) != 1 {
		t.Errorf("computed values: %+v", m)
	}
	body, d := m.toCreate(ctx)
	if d.HasError() {
		t.Fatal(d)
	}
	if body.TimeZone != "Europe/Berlin" || len(body.Windows) != 1 || body.Windows[0].Stop != "24:00" || body.Windows[0].Days[1] != "fri" || *body.Enabled != true {
		t.Errorf("toCreate: %+v", body)
	}
	// An update sends every field: switching forms clears the other one.
	up, _ := m.toUpdate(ctx)
	if up.StartCron == nil || *up.StartCron != "" || up.Exceptions == nil || len(*up.Exceptions) != 0 || up.Windows == nil || len(*up.Windows) != 1 {
		t.Errorf("toUpdate: %+v", up)
	}

	// A configured empty list stays empty (not null), as written.
	m = scheduleModel{Windows: types.ListNull(windowType), Exceptions: types.ListValueMust(exceptionType, nil)}
	s := sampleSchedule()
	s.LastRun = &api.ScheduleLastRun{At: s.CreatedAt, Action: "start", Outcome: "skipped"}
	m.fromAPI(ctx, s)
	if m.Exceptions.IsNull() || len(m.Exceptions.Elements()) != 0 {
		t.Errorf("exceptions = [] became %v", m.Exceptions)
	}
	if m.LastRun.IsNull() || !m.LastRun.Attributes()["operation_id"].IsNull() {
		t.Errorf("last_run of a skipped run: %v", m.LastRun)
	}
}

func TestTimetableUnknown(t *testing.T) {
	m := scheduleModel{TimeZone: types.StringUnknown(), Windows: types.ListNull(windowType), Exceptions: types.ListNull(exceptionType)}
	if _, ok, _ := m.timetable(context.Background()); ok {
		t.Error("a timetable with an unknown time zone reported as known")
	}
}

func TestAttrPath(t *testing.T) {
	cases := map[string]path.Path{
		"time_zone":            path.Root("time_zone"),
		"windows[0].start":     path.Root("windows").AtListIndex(0).AtName("start"),
		"windows[2].days[1]":   path.Root("windows").AtListIndex(2).AtName("days").AtListIndex(1),
		"exceptions[10].until": path.Root("exceptions").AtListIndex(10).AtName("until"),
	}
	for field, want := range cases {
		if got := attrPath(field); !got.Equal(want) {
			t.Errorf("attrPath(%q) = %s, want %s", field, got, want)
		}
	}
}
