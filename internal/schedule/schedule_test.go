package schedule

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"
)

func mustCompile(t *testing.T, s Spec) *Schedule {
	t.Helper()
	c, err := Compile(s)
	if err != nil {
		t.Fatalf("compile: %v", err)
	}
	return c
}

func utc(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

var weekdays = []string{"mon", "tue", "wed", "thu", "fri"}

func fmtTransitions(ts []Transition) string {
	parts := make([]string, len(ts))
	for i, tr := range ts {
		parts[i] = tr.Action + "@" + tr.At.UTC().Format(time.RFC3339)
	}
	return strings.Join(parts, " ")
}

func TestNextTransitions(t *testing.T) {
	cases := []struct {
		name string
		spec Spec
		from string
		n    int
		want string
	}{
		{
			name: "weekday office hours, weekend off",
			spec: Spec{TimeZone: "UTC", Windows: []Window{{Days: weekdays, Start: "08:00", Stop: "19:00"}}},
			from: "2026-12-04T12:00:00Z", // a Friday
			n:    3,
			want: "stop@2026-12-04T19:00:00Z start@2026-12-07T08:00:00Z stop@2026-12-07T19:00:00Z",
		},
		{
			name: "overnight window runs into the next day",
			spec: Spec{TimeZone: "UTC", Windows: []Window{{Days: []string{"fri"}, Start: "22:00", Stop: "02:00"}}},
			from: "2026-12-04T00:00:00Z",
			n:    2,
			want: "start@2026-12-04T22:00:00Z stop@2026-12-05T02:00:00Z",
		},
		{
			name: "stop 24:00 is the end of the day",
			spec: Spec{TimeZone: "UTC", Windows: []Window{{Days: []string{"mon"}, Start: "20:00", Stop: "24:00"}}},
			from: "2026-12-07T00:00:00Z",
			n:    2,
			want: "start@2026-12-07T20:00:00Z stop@2026-12-08T00:00:00Z",
		},
		{
			name: "adjacent windows merge: no blip at midnight",
			spec: Spec{TimeZone: "UTC", Windows: []Window{
				{Days: []string{"fri"}, Start: "08:00", Stop: "24:00"},
				{Days: []string{"sat"}, Start: "00:00", Stop: "24:00"},
			}},
			from: "2026-12-04T00:00:00Z",
			n:    2,
			want: "start@2026-12-04T08:00:00Z stop@2026-12-06T00:00:00Z",
		},
		{
			name: "overlapping windows merge",
			spec: Spec{TimeZone: "UTC", Windows: []Window{
				{Days: []string{"mon"}, Start: "08:00", Stop: "12:00"},
				{Days: []string{"mon"}, Start: "11:00", Stop: "18:00"},
			}},
			from: "2026-12-07T00:00:00Z",
			n:    2,
			want: "start@2026-12-07T08:00:00Z stop@2026-12-07T18:00:00Z",
		},
		{
			name: "a holiday exception keeps it stopped, a launch exception keeps it up",
			spec: Spec{TimeZone: "UTC", Windows: []Window{{Days: weekdays, Start: "08:00", Stop: "19:00"}},
				Exceptions: []Exception{
					{From: "2026-12-24", Until: "2026-12-25", State: Stopped, Reason: "holidays"},
					{From: "2026-12-26T10:00:00Z", Until: "2026-12-26T20:00:00Z", State: Running, Reason: "launch"},
				}},
			from: "2026-12-23T12:00:00Z", // Wednesday
			n:    5,
			want: "stop@2026-12-23T19:00:00Z start@2026-12-26T10:00:00Z stop@2026-12-26T20:00:00Z start@2026-12-28T08:00:00Z stop@2026-12-28T19:00:00Z",
		},
		{
			name: "cron form",
			spec: Spec{TimeZone: "UTC", StartCron: "0 8 * * 1-5", StopCron: "0 19 * * 1-5"},
			from: "2026-12-04T12:00:00Z",
			n:    3,
			want: "stop@2026-12-04T19:00:00Z start@2026-12-07T08:00:00Z stop@2026-12-07T19:00:00Z",
		},
		{
			name: "stop-only cron acts every night, even when already stopped",
			spec: Spec{TimeZone: "UTC", StopCron: "0 19 * * *"},
			from: "2026-12-04T12:00:00Z",
			n:    2,
			want: "stop@2026-12-04T19:00:00Z stop@2026-12-05T19:00:00Z",
		},
		{
			name: "Europe/Berlin spring forward: 02:30 does not exist, the start is at 03:00 CEST",
			spec: Spec{TimeZone: "Europe/Berlin", Windows: []Window{{Days: []string{"sun"}, Start: "02:30", Stop: "12:00"}}},
			from: "2026-03-28T00:00:00Z",
			n:    2,
			want: "start@2026-03-29T01:00:00Z stop@2026-03-29T10:00:00Z",
		},
		{
			name: "Europe/Berlin fall back: 02:30 happens twice, the start is at the first",
			spec: Spec{TimeZone: "Europe/Berlin", Windows: []Window{{Days: []string{"sun"}, Start: "02:30", Stop: "12:00"}}},
			from: "2026-10-24T00:00:00Z",
			n:    2,
			want: "start@2026-10-25T00:30:00Z stop@2026-10-25T11:00:00Z",
		},
		{
			name: "America/New_York spring forward",
			spec: Spec{TimeZone: "America/New_York", Windows: []Window{{Days: []string{"sun"}, Start: "02:15", Stop: "09:00"}}},
			from: "2026-03-07T00:00:00Z",
			n:    2,
			want: "start@2026-03-08T07:00:00Z stop@2026-03-08T13:00:00Z",
		},
		{
			name: "America/New_York fall back: 01:30 at its first occurrence (EDT)",
			spec: Spec{TimeZone: "America/New_York", Windows: []Window{{Days: []string{"sun"}, Start: "01:30", Stop: "09:00"}}},
			from: "2026-10-31T00:00:00Z",
			n:    2,
			want: "start@2026-11-01T05:30:00Z stop@2026-11-01T14:00:00Z",
		},
		{
			name: "America/New_York cron at 02:30 on the spring-forward day fires at 03:00 EDT",
			spec: Spec{TimeZone: "America/New_York", StopCron: "30 2 * * *"},
			from: "2026-03-07T12:00:00Z",
			n:    2,
			want: "stop@2026-03-08T07:00:00Z stop@2026-03-09T06:30:00Z",
		},
		{
			name: "America/New_York cron at 01:30 on the fall-back day fires once",
			spec: Spec{TimeZone: "America/New_York", StopCron: "30 1 * * *"},
			from: "2026-10-31T12:00:00Z",
			n:    2,
			want: "stop@2026-11-01T05:30:00Z stop@2026-11-02T06:30:00Z",
		},
		{
			name: "Asia/Kolkata half-hour offset",
			spec: Spec{TimeZone: "Asia/Kolkata", Windows: []Window{{Days: weekdays, Start: "09:00", Stop: "18:30"}}},
			from: "2026-12-07T00:00:00Z",
			n:    2,
			want: "start@2026-12-07T03:30:00Z stop@2026-12-07T13:00:00Z",
		},
		{
			name: "Australia/Lord_Howe spring forward by 30 minutes: 02:15 starts at 02:30 (+11)",
			spec: Spec{TimeZone: "Australia/Lord_Howe", Windows: []Window{{Days: []string{"sun"}, Start: "02:15", Stop: "10:00"}}},
			from: "2026-10-03T00:00:00Z",
			n:    2,
			want: "start@2026-10-03T15:30:00Z stop@2026-10-03T23:00:00Z",
		},
		{
			name: "Australia/Lord_Howe fall back by 30 minutes: 01:45 at its first occurrence (+11)",
			spec: Spec{TimeZone: "Australia/Lord_Howe", Windows: []Window{{Days: []string{"sun"}, Start: "01:45", Stop: "10:00"}}},
			from: "2026-04-04T00:00:00Z",
			n:    2,
			want: "start@2026-04-04T14:45:00Z stop@2026-04-04T23:30:00Z",
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := mustCompile(t, tc.spec)
			got := fmtTransitions(c.Next(utc(tc.from), tc.n))
			if got != tc.want {
				t.Errorf("Next:\n got  %s\n want %s", got, tc.want)
			}
		})
	}
}

func TestStateAt(t *testing.T) {
	s := mustCompile(t, Spec{TimeZone: "Europe/Berlin", Windows: []Window{{Days: weekdays, Start: "08:00", Stop: "19:00"}},
		Exceptions: []Exception{{From: "2026-12-24", Until: "2026-12-24", State: Stopped}}})
	cases := map[string]string{
		"2026-12-07T06:59:59Z": Stopped, // 07:59:59 CET
		"2026-12-07T07:00:00Z": Running, // 08:00 CET
		"2026-12-07T17:59:59Z": Running,
		"2026-12-07T18:00:00Z": Stopped,
		"2026-12-05T12:00:00Z": Stopped, // Saturday
		"2026-12-24T12:00:00Z": Stopped, // Thursday, but a holiday
		"2026-12-24T22:59:59Z": Stopped, // until a date is inclusive
		"2026-12-23T12:00:00Z": Running,
	}
	for at, want := range cases {
		if got := s.StateAt(utc(at)); got != want {
			t.Errorf("StateAt(%s) = %s, want %s", at, got, want)
		}
	}
	// A wall time without offset is in the schedule's zone.
	launch := mustCompile(t, Spec{TimeZone: "Europe/Berlin", Windows: []Window{{Days: weekdays, Start: "08:00", Stop: "19:00"}},
		Exceptions: []Exception{{From: "2026-12-07T19:00", Until: "2026-12-07T23:30", State: Running}}})
	for at, want := range map[string]string{
		"2026-12-07T18:30:00Z": Running, // 19:30 in Berlin: kept up
		"2026-12-07T22:29:59Z": Running,
		"2026-12-07T22:30:00Z": Stopped, // 23:30 in Berlin: until is exclusive
	} {
		if got := launch.StateAt(utc(at)); got != want {
			t.Errorf("launch StateAt(%s) = %s, want %s", at, got, want)
		}
	}
	cron := mustCompile(t, Spec{TimeZone: "UTC", StartCron: "0 8 * * 1-5", StopCron: "0 19 * * 1-5"})
	if got := cron.StateAt(utc("2026-12-05T12:00:00Z")); got != Stopped {
		t.Errorf("cron StateAt(Saturday) = %s, want stopped", got)
	}
	if got := cron.StateAt(utc("2026-12-07T08:00:00Z")); got != Running {
		t.Errorf("cron StateAt(Monday 08:00) = %s, want running", got)
	}
}

func TestPrev(t *testing.T) {
	s := mustCompile(t, Spec{TimeZone: "UTC", Windows: []Window{{Days: weekdays, Start: "08:00", Stop: "19:00"}}})
	tr, ok := s.Prev(utc("2026-12-06T12:00:00Z")) // Sunday
	if !ok || fmtTransitions([]Transition{tr}) != "stop@2026-12-04T19:00:00Z" {
		t.Errorf("Prev = %v %v", tr, ok)
	}
	tr, ok = s.Prev(utc("2026-12-07T08:00:00Z")) // exactly at the edge
	if !ok || fmtTransitions([]Transition{tr}) != "start@2026-12-07T08:00:00Z" {
		t.Errorf("Prev at the edge = %v %v", tr, ok)
	}
}

func TestHoursPerWeek(t *testing.T) {
	cases := []struct {
		name string
		spec Spec
		want float64
	}{
		{"weekdays 08-19", Spec{Windows: []Window{{Days: weekdays, Start: "08:00", Stop: "19:00"}}}, 55},
		{"overlap counted once", Spec{Windows: []Window{
			{Days: []string{"mon"}, Start: "08:00", Stop: "12:00"}, {Days: []string{"mon"}, Start: "11:00", Stop: "13:30"}}}, 5.5},
		{"overnight from Sunday wraps to Monday", Spec{Windows: []Window{{Days: []string{"sun"}, Start: "22:00", Stop: "02:00"}}}, 4},
		{"whole week", Spec{Windows: []Window{{Days: Days, Start: "00:00", Stop: "24:00"}}}, 168},
		{"cron weekdays 08-19", Spec{TimeZone: "Europe/Berlin", StartCron: "0 8 * * 1-5", StopCron: "0 19 * * 1-5"}, 55},
		{"stop-only cron never runs", Spec{TimeZone: "UTC", StopCron: "0 19 * * *"}, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := HoursPerWeek(tc.spec)
			if err != nil || got != tc.want {
				t.Errorf("HoursPerWeek = %v, %v; want %v", got, err, tc.want)
			}
		})
	}
}

func TestValidate(t *testing.T) {
	ok := Window{Days: []string{"mon"}, Start: "08:00", Stop: "19:00"}
	cases := []struct {
		name  string
		spec  Spec
		field string
		msg   string
	}{
		{"unknown zone", Spec{TimeZone: "Europe/Berlinn", Windows: []Window{ok}}, "time_zone", "unknown time zone"},
		{"fixed offset", Spec{TimeZone: "UTC+2", Windows: []Window{ok}}, "time_zone", "fixed UTC offset"},
		{"Etc offset", Spec{TimeZone: "Etc/GMT-2", Windows: []Window{ok}}, "time_zone", "fixed UTC offset"},
		{"Windows name", Spec{TimeZone: "W. Europe Standard Time", Windows: []Window{ok}}, "time_zone", "Europe/Berlin"},
		{"single-digit hour", Spec{TimeZone: "UTC", Windows: []Window{{Days: []string{"mon"}, Start: "8:00", Stop: "19:00"}}}, "windows[0].start", "two-digit"},
		{"hour out of range", Spec{TimeZone: "UTC", Windows: []Window{{Days: []string{"mon"}, Start: "08:00", Stop: "25:00"}}}, "windows[0].stop", "HH:MM"},
		{"start 24:00", Spec{TimeZone: "UTC", Windows: []Window{{Days: []string{"mon"}, Start: "24:00", Stop: "19:00"}}}, "windows[0].start", "23:59"},
		{"unknown day", Spec{TimeZone: "UTC", Windows: []Window{{Days: []string{"monday"}, Start: "08:00", Stop: "19:00"}}}, "windows[0].days[0]", "mon, tue"},
		{"empty days", Spec{TimeZone: "UTC", Windows: []Window{{Days: nil, Start: "08:00", Stop: "19:00"}}}, "windows[0].days", "at least one day"},
		{"start equals stop", Spec{TimeZone: "UTC", Windows: []Window{{Days: []string{"mon"}, Start: "08:00", Stop: "08:00"}}}, "windows[0].stop", "must differ"},
		{"both forms", Spec{TimeZone: "UTC", Windows: []Window{ok}, StopCron: "0 19 * * *"}, "windows", "mutually exclusive"},
		{"neither form", Spec{TimeZone: "UTC"}, "windows", "set windows"},
		{"bad cron", Spec{TimeZone: "UTC", StopCron: "0 25 * * *"}, "stop_cron", "5-field"},
		{"six-field cron", Spec{TimeZone: "UTC", StartCron: "0 0 8 * * *"}, "start_cron", "5-field"},
		{"cron with zone", Spec{TimeZone: "UTC", StartCron: "CRON_TZ=Europe/Berlin 0 8 * * *"}, "start_cron", "time_zone"},
		{"until before from", Spec{TimeZone: "UTC", Windows: []Window{ok}, Exceptions: []Exception{{From: "2026-12-26", Until: "2026-12-24", State: Stopped}}}, "exceptions[0].until", "before from"},
		{"bad bound", Spec{TimeZone: "UTC", Windows: []Window{ok}, Exceptions: []Exception{{From: "24.12.2026", Until: "2026-12-24", State: Stopped}}}, "exceptions[0].from", "YYYY-MM-DD"},
		{"bad state", Spec{TimeZone: "UTC", Windows: []Window{ok}, Exceptions: []Exception{{From: "2026-12-24", Until: "2026-12-24", State: "off"}}}, "exceptions[0].state", "running"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			probs := tc.spec.Validate()
			for _, p := range probs {
				if p.Field == tc.field && strings.Contains(p.Message, tc.msg) {
					return
				}
			}
			t.Errorf("want a problem at %s containing %q, got %v", tc.field, tc.msg, probs)
		})
	}
	// Past exceptions stay valid: no "must be in the future".
	past := Spec{TimeZone: "UTC", Windows: []Window{ok}, Exceptions: []Exception{{From: "2001-01-01", Until: "2001-01-02", State: Stopped}}}
	if p := past.Validate(); len(p) != 0 {
		t.Errorf("past exception refused: %v", p)
	}
}

// The state just after every announced transition is the one it announces,
// and, for windows, the state just before it is the other one.
func TestPropertyTransitionsAnnounceTheirState(t *testing.T) {
	zones := []string{"UTC", "Europe/Berlin", "America/New_York", "Asia/Kolkata", "Australia/Lord_Howe"}
	rng := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 200; i++ {
		var ws []Window
		for range 1 + rng.IntN(4) {
			var days []string
			for _, d := range Days {
				if rng.IntN(2) == 0 {
					days = append(days, d)
				}
			}
			if len(days) == 0 {
				days = []string{Days[rng.IntN(7)]}
			}
			start := rng.IntN(24*4) * 15
			stop := rng.IntN(24*4)*15 + 15
			if stop == start {
				stop = (start + 60) % (24 * 60)
			}
			ws = append(ws, Window{Days: days, Start: clock(start), Stop: clock(stop)})
		}
		spec := Spec{TimeZone: zones[i%len(zones)], Windows: ws}
		c, err := Compile(spec)
		if err != nil {
			t.Fatalf("compile %+v: %v", spec, err)
		}
		// Around the DST changes of 2026.
		from := utc("2026-03-01T00:00:00Z").Add(time.Duration(rng.IntN(300*24)) * time.Hour)
		for _, tr := range c.Next(from, 12) {
			if got := c.StateAt(tr.At); got != StateOf(tr.Action) {
				t.Fatalf("%+v: after %s %s the state is %s", spec, tr.Action, tr.At, got)
			}
			if got := c.StateAt(tr.At.Add(-time.Second)); got == StateOf(tr.Action) {
				t.Fatalf("%+v: before %s %s the state is already %s", spec, tr.Action, tr.At, got)
			}
		}
	}
}

func clock(m int) string {
	if m == 24*60 {
		return "24:00"
	}
	return fmt.Sprintf("%02d:%02d", m/60, m%60)
}
