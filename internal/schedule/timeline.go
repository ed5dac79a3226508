package schedule

import (
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/robfig/cron/v3"
)

// Schedule is a validated Spec, ready to answer what it wants when.
type Schedule struct {
	loc        *time.Location
	windows    []window
	start      *cron.SpecSchedule
	stop       *cron.SpecSchedule
	exceptions []exception
}

type window struct {
	days        [7]bool // indexed by time.Weekday
	start, stop int     // minutes; stop <= start runs overnight
}

type exception struct {
	from, until time.Time
	state       string
}

// Compile validates s and prepares it.
func Compile(s Spec) (*Schedule, error) {
	if probs := s.Validate(); len(probs) > 0 {
		errs := make([]error, len(probs))
		for i, p := range probs {
			errs[i] = p
		}
		return nil, errors.Join(errs...)
	}
	loc, _ := LoadZone(s.TimeZone)
	c := &Schedule{loc: loc}
	for _, w := range s.Windows {
		var cw window
		for _, d := range w.Days {
			cw.days[(slices.Index(Days, d)+1)%7] = true
		}
		cw.start, _ = ParseClock(w.Start, false)
		cw.stop, _ = ParseClock(w.Stop, true)
		c.windows = append(c.windows, cw)
	}
	if s.StartCron != "" {
		c.start, _ = ParseCron(s.StartCron)
	}
	if s.StopCron != "" {
		c.stop, _ = ParseCron(s.StopCron)
	}
	for _, e := range s.Exceptions {
		from, _ := ParseBound(e.From, loc, false)
		until, _ := ParseBound(e.Until, loc, true)
		c.exceptions = append(c.exceptions, exception{from: from, until: until, state: e.State})
	}
	return c, nil
}

// Location is the schedule's time zone.
func (c *Schedule) Location() *time.Location { return c.loc }

// resolve turns a wall time (date and minutes since midnight, 1440 allowed)
// into an instant by the DST rules: a wall time in a gap is the first instant
// after the gap; a repeated wall time is its first occurrence.
func resolve(y int, m time.Month, d, minutes int, loc *time.Location) time.Time {
	wall := time.Date(y, m, d, 0, minutes, 0, 0, time.UTC)
	_, offBefore := wall.Add(-26 * time.Hour).In(loc).Zone()
	_, offAfter := wall.Add(26 * time.Hour).In(loc).Zone()
	var best time.Time
	for _, off := range []int{offBefore, offAfter} {
		u := wall.Add(-time.Duration(off) * time.Second)
		if sameWall(u.In(loc), wall) && (best.IsZero() || u.Before(best)) {
			best = u
		}
	}
	if !best.IsZero() {
		return best
	}
	// In the gap: with the offset before it, the instant lies past the
	// transition; the zone that starts there starts right after the gap.
	u := wall.Add(-time.Duration(offBefore) * time.Second).In(loc)
	start, _ := u.ZoneBounds()
	if start.IsZero() {
		return u
	}
	return start
}

func sameWall(t, wall time.Time) bool {
	y, m, d := t.Date()
	wy, wm, wd := wall.Date()
	return y == wy && m == wm && d == wd && t.Hour() == wall.Hour() && t.Minute() == wall.Minute() && t.Second() == 0
}

type interval struct{ from, to time.Time }

// windowIntervals are the running intervals of windows starting on the
// local dates first..last (inclusive).
func (c *Schedule) windowIntervals(first time.Time, days int) []interval {
	var out []interval
	for i := 0; i < days; i++ {
		d := first.AddDate(0, 0, i)
		for _, w := range c.windows {
			if !w.days[d.Weekday()] {
				continue
			}
			from := resolve(d.Year(), d.Month(), d.Day(), w.start, c.loc)
			stopDay := d
			if w.stop <= w.start {
				stopDay = d.AddDate(0, 0, 1)
			}
			to := resolve(stopDay.Year(), stopDay.Month(), stopDay.Day(), w.stop, c.loc)
			if to.After(from) {
				out = append(out, interval{from, to})
			}
		}
	}
	return out
}

// localDate is the wall-clock date of t as a UTC midnight (for date
// arithmetic that DST cannot disturb).
func (c *Schedule) localDate(t time.Time) time.Time {
	y, m, d := t.In(c.loc).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

func (c *Schedule) inWindow(t time.Time) bool {
	for _, iv := range c.windowIntervals(c.localDate(t).AddDate(0, 0, -2), 4) {
		if !t.Before(iv.from) && t.Before(iv.to) {
			return true
		}
	}
	return false
}

// firings are the instants a cron expression fires on the local dates
// starting at first, for days days, in order.
func (c *Schedule) firings(spec *cron.SpecSchedule, first time.Time, days int) []time.Time {
	var out []time.Time
	for i := 0; i < days; i++ {
		d := first.AddDate(0, 0, i)
		if !cronDayMatches(spec, d) {
			continue
		}
		for h := 0; h < 24; h++ {
			if spec.Hour&(1<<uint(h)) == 0 {
				continue
			}
			for m := 0; m < 60; m++ {
				if spec.Minute&(1<<uint(m)) == 0 {
					continue
				}
				t := resolve(d.Year(), d.Month(), d.Day(), h*60+m, c.loc)
				if len(out) == 0 || !out[len(out)-1].Equal(t) {
					out = append(out, t)
				}
			}
		}
	}
	return out
}

const starBit = 1 << 63

// cronDayMatches is robfig/cron's day rule: when day-of-month or day-of-week
// is *, both must match; otherwise either may.
func cronDayMatches(s *cron.SpecSchedule, d time.Time) bool {
	if s.Month&(1<<uint(d.Month())) == 0 {
		return false
	}
	dom := s.Dom&(1<<uint(d.Day())) != 0
	dow := s.Dow&(1<<uint(d.Weekday())) != 0
	if s.Dom&starBit != 0 || s.Dow&starBit != 0 {
		return dom && dow
	}
	return dom || dow
}

// cronLookback bounds the search for the last firing (Feb 29 fires once in
// four years; 8 covers a skipped leap year at a century).
const cronLookback = 8 * 366

// cronState is the action of the latest cron firing at or before t; a stop
// and a start at the same instant make a stop.
func (c *Schedule) cronState(t time.Time) string {
	end := c.localDate(t)
	for back := 0; back < cronLookback; back += 7 {
		first := end.AddDate(0, 0, -back-6)
		var last time.Time
		state := ""
		for _, pair := range []struct {
			spec  *cron.SpecSchedule
			state string
		}{{c.start, Running}, {c.stop, Stopped}} {
			if pair.spec == nil {
				continue
			}
			for _, f := range c.firings(pair.spec, first, 7) {
				if f.After(t) {
					break
				}
				if f.After(last) || (f.Equal(last) && pair.state == Stopped) {
					last, state = f, pair.state
				}
			}
		}
		if state != "" {
			return state
		}
	}
	if c.stop != nil {
		return Stopped
	}
	return Running
}

func (c *Schedule) exceptionAt(t time.Time) (string, bool) {
	for i := len(c.exceptions) - 1; i >= 0; i-- {
		e := c.exceptions[i]
		if !t.Before(e.from) && t.Before(e.until) {
			return e.state, true
		}
	}
	return "", false
}

// StateAt is what the schedule wants at t: running or stopped. An exception
// containing t decides (the last listed, when several do); otherwise the
// windows or the latest cron firing.
func (c *Schedule) StateAt(t time.Time) string {
	if st, ok := c.exceptionAt(t); ok {
		return st
	}
	if c.windows != nil {
		if c.inWindow(t) {
			return Running
		}
		return Stopped
	}
	return c.cronState(t)
}

// candidates are the instants in (from, to] where the schedule may act, in
// order; fire marks cron firings (they act even without a state change).
func (c *Schedule) candidates(from, to time.Time) (times []time.Time, fire map[time.Time]bool) {
	fire = map[time.Time]bool{}
	first := c.localDate(from).AddDate(0, 0, -1)
	days := int(to.Sub(from).Hours()/24) + 3
	in := func(t time.Time) bool { return t.After(from) && !t.After(to) }
	add := func(t time.Time) {
		if in(t) {
			times = append(times, t.UTC())
		}
	}
	for _, iv := range c.windowIntervals(first, days) {
		add(iv.from)
		add(iv.to)
	}
	for _, spec := range []*cron.SpecSchedule{c.start, c.stop} {
		if spec == nil {
			continue
		}
		for _, f := range c.firings(spec, first, days) {
			if in(f) {
				fire[f.UTC()] = true
				add(f)
			}
		}
	}
	for _, e := range c.exceptions {
		add(e.from)
		add(e.until)
	}
	slices.SortFunc(times, func(a, b time.Time) int { return a.Compare(b) })
	return slices.CompactFunc(times, time.Time.Equal), fire
}

// Between lists the transitions in (from, to], oldest first.
func (c *Schedule) Between(from, to time.Time) []Transition {
	times, fire := c.candidates(from, to)
	prev := c.StateAt(from)
	var out []Transition
	for _, t := range times {
		st := c.StateAt(t)
		if st != prev || (fire[t] && !c.inException(t)) {
			out = append(out, Transition{At: t, Action: actionOf(st)})
		}
		prev = st
	}
	return out
}

func (c *Schedule) inException(t time.Time) bool {
	_, ok := c.exceptionAt(t)
	return ok
}

func actionOf(state string) string {
	if state == Running {
		return ActionStart
	}
	return ActionStop
}

// StateOf is the state an action leads to.
func StateOf(action string) string {
	if action == ActionStart {
		return Running
	}
	return Stopped
}

// horizon bounds how far Next and Prev look (a long exception can hide
// every edge for months).
const horizon = 2 * 366 * 24 * time.Hour

const chunk = 7 * 24 * time.Hour

// Next lists up to n transitions strictly after t.
func (c *Schedule) Next(t time.Time, n int) []Transition {
	var out []Transition
	for from := t; from.Sub(t) < horizon && len(out) < n; from = from.Add(chunk) {
		out = append(out, c.Between(from, from.Add(chunk))...)
	}
	if len(out) > n {
		out = out[:n]
	}
	return out
}

// Prev is the latest transition at or before t.
func (c *Schedule) Prev(t time.Time) (Transition, bool) {
	for to := t; t.Sub(to) < horizon; to = to.Add(-chunk) {
		if ts := c.Between(to.Add(-chunk), to); len(ts) > 0 {
			return ts[len(ts)-1], true
		}
	}
	return Transition{}, false
}

// HoursPerWeek is the running hours of a nominal week (wall-clock time, no
// DST, no exceptions): the figure the provider plans and the control plane
// reports. Windows count their merged minutes; cron schedules are averaged
// over the 52 weeks from Monday 2024-01-01 in UTC, so day-of-month
// expressions get a stable figure too.
func HoursPerWeek(s Spec) (float64, error) {
	if len(s.Windows) > 0 {
		return WindowHours(s.Windows)
	}
	s.TimeZone, s.Exceptions = "UTC", nil
	c, err := Compile(s)
	if err != nil {
		return 0, err
	}
	from := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	to := from.AddDate(0, 0, 364)
	running := time.Duration(0)
	cur, state := from, c.StateAt(from)
	for t := from; t.Before(to); t = t.Add(chunk) {
		for _, tr := range c.Between(t, t.Add(chunk)) {
			if state == Running {
				running += tr.At.Sub(cur)
			}
			cur, state = tr.At, StateOf(tr.Action)
		}
	}
	if state == Running {
		running += to.Sub(cur)
	}
	return round2(running.Hours() / 52), nil
}

// WindowHours is HoursPerWeek of a list of windows: the minutes of the week
// inside at least one window, overnight windows wrapping into the next day
// (Sunday into Monday).
func WindowHours(ws []Window) (float64, error) {
	var week [7 * 24 * 60]bool
	for i, w := range ws {
		p := w.validate(fmt.Sprintf("windows[%d]", i), true)
		if len(p) > 0 {
			return 0, p[0]
		}
		start, _ := ParseClock(w.Start, false)
		stop, _ := ParseClock(w.Stop, true)
		if stop <= start {
			stop += 24 * 60
		}
		for _, d := range w.Days {
			base := slices.Index(Days, d) * 24 * 60
			for m := start; m < stop; m++ {
				week[(base+m)%len(week)] = true
			}
		}
	}
	n := 0
	for _, on := range week {
		if on {
			n++
		}
	}
	return round2(float64(n) / 60), nil
}

func round2(x float64) float64 {
	return float64(int64(x*100+0.5)) / 100
}
