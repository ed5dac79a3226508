// Package schedule is the one implementation of shutdown schedules, used by
// the control plane (to run them) and the provider (to validate them at plan
// time and to compute running hours per week), so both always agree.
//
// A schedule is either running windows in the wall-clock time of an IANA
// time zone, or a start and a stop cron expression (robfig/cron's 5-field
// form), plus dated exceptions that force a state. Wall times resolve to
// instants by two DST rules: a wall time that does not exist (spring forward)
// is the first instant after the gap; a wall time that happens twice (fall
// back) is its first occurrence.
package schedule

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"
	_ "time/tzdata" // the provider runs on machines without a zoneinfo database

	"github.com/robfig/cron/v3"
)

// States and actions.
const (
	Running     = "running"
	Stopped     = "stopped"
	ActionStart = "start"
	ActionStop  = "stop"
)

// Days are the day names windows use, Monday first.
var Days = []string{"mon", "tue", "wed", "thu", "fri", "sat", "sun"}

// Window is a running window: on each of Days, from Start to Stop (HH:MM,
// Stop may be 24:00; a Stop not after Start runs overnight into the next day).
type Window struct {
	Days  []string `json:"days"`
	Start string   `json:"start"`
	Stop  string   `json:"stop"`
}

// Exception forces State (running or stopped) from From until Until: dates
// (YYYY-MM-DD, Until inclusive), wall times in the zone (YYYY-MM-DDTHH:MM)
// or RFC 3339 timestamps (both exclusive as Until).
type Exception struct {
	From   string `json:"from"`
	Until  string `json:"until"`
	State  string `json:"state"`
	Reason string `json:"reason,omitempty"`
}

// Spec is a whole schedule: exactly one of Windows and the cron pair.
type Spec struct {
	TimeZone   string
	Windows    []Window
	StartCron  string
	StopCron   string
	Exceptions []Exception
}

// Transition is an instant the schedule acts: Action is the state it wants
// from At on (start: running, stop: stopped).
type Transition struct {
	At     time.Time
	Action string
}

// Problem is one invalid field, named by its JSON path (windows[0].start).
type Problem struct {
	Field   string
	Message string
}

func (p Problem) Error() string { return p.Field + ": " + p.Message }

var clockPattern = regexp.MustCompile(`^([01][0-9]|2[0-3]):[0-5][0-9]$`)

// ParseClock returns the minutes since midnight of HH:MM. stop allows 24:00.
// Values are written exactly: "8:00" is refused, never rewritten.
func ParseClock(v string, stop bool) (int, error) {
	if stop && v == "24:00" {
		return 24 * 60, nil
	}
	if !clockPattern.MatchString(v) {
		hint := "00:00 to 23:59"
		if stop {
			hint = "00:00 to 24:00"
		}
		return 0, fmt.Errorf("must be a 24-hour time HH:MM with two-digit hours and minutes (%s), got %q", hint, v)
	}
	return int(v[0]-'0')*600 + int(v[1]-'0')*60 + int(v[3]-'0')*10 + int(v[4]-'0'), nil
}

// ValidateDay checks a day name.
func ValidateDay(v string) error {
	if slices.Contains(Days, v) {
		return nil
	}
	return fmt.Errorf("must be one of %s (lowercase), got %q", strings.Join(Days, ", "), v)
}

var (
	fixedOffset = regexp.MustCompile(`^(?i)(utc|gmt|z)?\s*[+-]\s*\d{1,2}(:?\d{2})?$|^(?i)etc/gmt[+-]\d{1,2}$`)
	windowsZone = map[string]string{
		"w. europe standard time":        "Europe/Berlin",
		"central europe standard time":   "Europe/Budapest",
		"romance standard time":          "Europe/Paris",
		"gmt standard time":              "Europe/London",
		"eastern standard time":          "America/New_York",
		"central standard time":          "America/Chicago",
		"mountain standard time":         "America/Denver",
		"pacific standard time":          "America/Los_Angeles",
		"india standard time":            "Asia/Kolkata",
		"tokyo standard time":            "Asia/Tokyo",
		"aus eastern standard time":      "Australia/Sydney",
		"singapore standard time":        "Asia/Singapore",
		"e. south america standard time": "America/Sao_Paulo",
	}
)

// LoadZone loads an IANA time zone. Fixed offsets and Windows zone names are
// refused with a hint: a schedule needs the zone's DST rules.
func LoadZone(name string) (*time.Location, error) {
	switch {
	case name == "":
		return nil, errors.New("is required: an IANA time zone such as Europe/Berlin or America/New_York")
	case strings.EqualFold(name, "local"):
		return nil, errors.New(`"Local" depends on the machine; name an IANA time zone such as Europe/Berlin`)
	case fixedOffset.MatchString(name):
		return nil, fmt.Errorf("%q is a fixed UTC offset, which has no daylight saving rules; name the IANA time zone of the place instead, such as Europe/Berlin (or UTC)", name)
	}
	if iana, ok := windowsZone[strings.ToLower(name)]; ok {
		return nil, fmt.Errorf("%q is a Windows time zone name; use the IANA name, here %s", name, iana)
	}
	if strings.HasSuffix(strings.ToLower(name), " standard time") {
		return nil, fmt.Errorf("%q looks like a Windows time zone name; use the IANA name of the place, such as Europe/Berlin", name)
	}
	if loc, ok := zones.Load(name); ok {
		return loc.(*time.Location), nil
	}
	loc, err := time.LoadLocation(name)
	if err == nil {
		zones.Store(name, loc)
	}
	if err != nil {
		return nil, fmt.Errorf("unknown time zone %q: name an IANA time zone such as Europe/Berlin, America/New_York or Asia/Kolkata (names are case-sensitive)", name)
	}
	return loc, nil
}

// zones caches loaded time zones: the scheduler compiles every schedule on
// every tick, and loading a zone parses the embedded database.
var zones sync.Map

var cronParser = cron.NewParser(cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow)

// ParseCron parses a 5-field cron expression (minute hour day-of-month month
// day-of-week). The time zone comes from the schedule, never from the
// expression.
func ParseCron(v string) (*cron.SpecSchedule, error) {
	t := strings.TrimSpace(v)
	if strings.HasPrefix(t, "TZ=") || strings.HasPrefix(t, "CRON_TZ=") {
		return nil, fmt.Errorf("must not carry a time zone (%q): set time_zone instead", v)
	}
	if strings.HasPrefix(t, "@") {
		return nil, fmt.Errorf("descriptors such as %q are not supported; write the 5 fields, for example \"0 19 * * 1-5\"", v)
	}
	s, err := cronParser.Parse(t)
	if err != nil {
		return nil, fmt.Errorf("is not a 5-field cron expression (minute hour day-of-month month day-of-week, for example \"0 19 * * 1-5\"): %v", err)
	}
	spec, ok := s.(*cron.SpecSchedule)
	if !ok {
		return nil, fmt.Errorf("%q is not a plain cron expression", v)
	}
	return spec, nil
}

// ValidateState checks an exception state.
func ValidateState(v string) error {
	if v == Running || v == Stopped {
		return nil
	}
	return fmt.Errorf("must be %q or %q, got %q", Running, Stopped, v)
}

const dateLayout = "2006-01-02"

// ParseBound parses an exception bound: a date (YYYY-MM-DD, midnight in loc;
// for until the end of that day), a wall time in loc (YYYY-MM-DDTHH:MM,
// whole minutes) or an RFC 3339 timestamp.
func ParseBound(v string, loc *time.Location, until bool) (time.Time, error) {
	if d, err := time.ParseInLocation(dateLayout, v, time.UTC); err == nil {
		if until {
			d = d.AddDate(0, 0, 1)
		}
		return resolve(d.Year(), d.Month(), d.Day(), 0, loc), nil
	}
	// A wall time without offset is in loc, by the same DST rules as windows.
	for _, layout := range []string{"2006-01-02T15:04", "2006-01-02T15:04:05"} {
		if w, err := time.ParseInLocation(layout, v, time.UTC); err == nil && w.Second() == 0 {
			return resolve(w.Year(), w.Month(), w.Day(), w.Hour()*60+w.Minute(), loc), nil
		}
	}
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		return time.Time{}, fmt.Errorf("must be a date (YYYY-MM-DD), a wall time in time_zone (2026-12-24T18:00) or an RFC 3339 timestamp (2026-12-24T18:00:00+01:00), got %q", v)
	}
	return t, nil
}

// Validate checks a whole spec and reports every problem by field path.
func (s Spec) Validate() []Problem { return s.check(true) }

// CrossProblems are only the rules between fields (one form, how many
// windows and exceptions, days listed once, stop not equal to start, until
// not before from): the provider checks single values with attribute
// validators and these on the whole configuration, so nothing is reported
// twice.
func (s Spec) CrossProblems() []Problem { return s.check(false) }

func (s Spec) check(values bool) []Problem {
	var out []Problem
	add := func(field string, err error) {
		if err != nil {
			out = append(out, Problem{Field: field, Message: err.Error()})
		}
	}
	value := func(field string, err error) {
		if values {
			add(field, err)
		}
	}
	loc, err := LoadZone(s.TimeZone)
	value("time_zone", err)
	hasCron := s.StartCron != "" || s.StopCron != ""
	switch {
	case len(s.Windows) > 0 && hasCron:
		add("windows", errors.New("windows and start_cron/stop_cron are mutually exclusive; set one form"))
	case len(s.Windows) == 0 && !hasCron:
		add("windows", errors.New("set windows (running hours) or start_cron/stop_cron"))
	}
	if len(s.Windows) > 64 {
		add("windows", fmt.Errorf("at most 64 windows, got %d", len(s.Windows)))
	}
	for i, w := range s.Windows {
		out = append(out, w.validate(fmt.Sprintf("windows[%d]", i), values)...)
	}
	if s.StartCron != "" {
		_, err := ParseCron(s.StartCron)
		value("start_cron", err)
	}
	if s.StopCron != "" {
		_, err := ParseCron(s.StopCron)
		value("stop_cron", err)
	}
	if len(s.Exceptions) > 256 {
		add("exceptions", fmt.Errorf("at most 256 exceptions, got %d", len(s.Exceptions)))
	}
	for i, e := range s.Exceptions {
		f := fmt.Sprintf("exceptions[%d]", i)
		value(f+".state", ValidateState(e.State))
		if len(e.Reason) > 256 {
			value(f+".reason", errors.New("must be at most 256 characters"))
		}
		if loc == nil {
			loc = time.UTC // the zone's own problem is reported; bounds still get checked
		}
		from, ferr := ParseBound(e.From, loc, false)
		value(f+".from", ferr)
		until, uerr := ParseBound(e.Until, loc, true)
		value(f+".until", uerr)
		if ferr == nil && uerr == nil && !until.After(from) {
			add(f+".until", fmt.Errorf("must not be before from (%s until %s)", e.From, e.Until))
		}
	}
	return out
}

func (w Window) validate(f string, values bool) []Problem {
	var out []Problem
	if len(w.Days) == 0 {
		out = append(out, Problem{f + ".days", "must name at least one day (mon, tue, wed, thu, fri, sat, sun)"})
	}
	seen := map[string]bool{}
	for j, d := range w.Days {
		if err := ValidateDay(d); err != nil {
			if values {
				out = append(out, Problem{fmt.Sprintf("%s.days[%d]", f, j), err.Error()})
			}
		} else if seen[d] {
			out = append(out, Problem{fmt.Sprintf("%s.days[%d]", f, j), fmt.Sprintf("%q is listed twice", d)})
		}
		seen[d] = true
	}
	start, serr := ParseClock(w.Start, false)
	if serr != nil && values {
		out = append(out, Problem{f + ".start", serr.Error()})
	}
	stop, perr := ParseClock(w.Stop, true)
	if perr != nil && values {
		out = append(out, Problem{f + ".stop", perr.Error()})
	}
	if serr == nil && perr == nil && start == stop {
		out = append(out, Problem{f + ".stop", fmt.Sprintf("must differ from start (%s); a whole day is start = \"00:00\", stop = \"24:00\"", w.Start)})
	}
	return out
}
