package schedule

import (
	"strings"
	"testing"
	"time"
)

// FuzzCompile: any spec either compiles or is refused with a problem, never
// a panic; a compiled one answers consistently: just after each transition
// it announces, the state is the one announced.
func FuzzCompile(f *testing.F) {
	f.Add("Europe/Berlin", "mon,tue,wed,thu,fri", "08:00", "19:00", "", "", "2026-12-24", "2026-12-26", "stopped")
	f.Add("America/New_York", "fri", "22:00", "02:00", "", "", "", "", "")
	f.Add("Australia/Lord_Howe", "sat,sun", "00:00", "24:00", "", "", "2026-10-04T01:30", "2026-10-04T03:00", "running")
	f.Add("Asia/Kolkata", "", "", "", "0 8 * * 1-5", "0 19 * * 1-5", "", "", "")
	f.Add("UTC", "", "", "", "", "30 2 * * *", "", "", "")
	f.Add("UTC+2", "mon", "8:00", "25:00", "@daily", "* * * *", "2026-13-01", "yesterday", "paused")
	f.Fuzz(func(t *testing.T, zone, days, start, stop, startCron, stopCron, from, until, state string) {
		spec := Spec{TimeZone: zone, StartCron: startCron, StopCron: stopCron}
		if days != "" || start != "" || stop != "" {
			spec.Windows = []Window{{Days: strings.Split(days, ","), Start: start, Stop: stop}}
		}
		if from != "" || until != "" || state != "" {
			spec.Exceptions = []Exception{{From: from, Until: until, State: state}}
		}
		c, err := Compile(spec)
		if err != nil {
			return
		}
		if _, err := HoursPerWeek(spec); err != nil {
			t.Fatalf("compiled spec %+v, but HoursPerWeek fails: %v", spec, err)
		}
		now := time.Date(2026, 3, 27, 12, 0, 0, 0, time.UTC)
		for _, tr := range c.Next(now, 4) {
			if !tr.At.After(now) {
				t.Fatalf("Next(%s) announced %s, not after it", now, tr.At)
			}
			if got := c.StateAt(tr.At.Add(time.Second)); got != StateOf(tr.Action) {
				t.Fatalf("spec %+v: just after %s (%s) the state is %s", spec, tr.At, tr.Action, got)
			}
			now = tr.At
		}
	})
}
