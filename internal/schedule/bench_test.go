package schedule

import (
	"testing"
	"time"
)

// The scheduler evaluates every enabled schedule each tick (Prev and
// StateAt); a view renders the next transitions.
func BenchmarkSchedulerTick(b *testing.B) {
	c, err := Compile(Spec{TimeZone: "Europe/Berlin", Windows: []Window{{Days: weekdays, Start: "08:00", Stop: "19:00"}},
		Exceptions: []Exception{{From: "2026-12-24", Until: "2026-12-26", State: Stopped}}})
	if err != nil {
		b.Fatal(err)
	}
	now := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	for b.Loop() {
		c.Prev(now)
		c.StateAt(now)
	}
}

func BenchmarkNextTransitions(b *testing.B) {
	c, err := Compile(Spec{TimeZone: "America/New_York", StartCron: "0 8 * * 1-5", StopCron: "0 19 * * 1-5"})
	if err != nil {
		b.Fatal(err)
	}
	now := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	for b.Loop() {
		c.Next(now, 5)
	}
}
