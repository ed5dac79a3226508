package api

import (
	"slices"
	"time"

	"github.com/openclaw/terraform-provider-openclaw/internal/schedule"
)

// Shutdown schedule enforcement modes.
const (
	// EnforceTransitions acts only at window edges: a manual start of a
	// stopped environment holds until the next scheduled stop.
	EnforceTransitions = "transitions"
	// EnforceContinuous re-applies the schedule's state whenever it differs.
	EnforceContinuous = "continuous"
)

// EnforcementModes are the values of enforcement.
var EnforcementModes = []string{EnforceTransitions, EnforceContinuous}

// Shutdown schedule defaults and limits.
const (
	DefaultDrainTimeout = "5m" // the gateway's normal drain
	MaxDrainTimeout     = time.Hour
	MaxScheduleDesc     = 1024
	// NextTransitionsShown is how many upcoming transitions a schedule lists.
	NextTransitionsShown = 5
)

// Schedule run outcomes (the operation's status while it has one).
const (
	RunSkipped = "skipped"
)

// ShutdownWindow is a running window in the schedule's time zone.
type ShutdownWindow struct {
	Days  []string `json:"days"`
	Start string   `json:"start"`
	Stop  string   `json:"stop"`
}

// ShutdownException forces a state between two dates or instants.
type ShutdownException struct {
	From   string `json:"from"`
	Until  string `json:"until"`
	State  string `json:"state"`
	Reason string `json:"reason,omitempty"`
}

// ScheduledTransition is an upcoming action of a schedule.
type ScheduledTransition struct {
	At     time.Time `json:"at"`
	Action string    `json:"action"`
}

// ScheduleRun is one transition a schedule executed or skipped.
type ScheduleRun struct {
	ID     string    `json:"id"`
	At     time.Time `json:"at"`
	Action string    `json:"action"`
	// Trigger: transition, initial (a new, re-enabled or changed schedule,
	// or an expired manual override), catch_up (executed late, after a
	// control plane outage) or enforce (continuous enforcement).
	Trigger string `json:"trigger"`
	// Outcome: skipped, or the status of the operation running it.
	Outcome     string    `json:"outcome"`
	Detail      string    `json:"detail,omitempty"`
	OperationID string    `json:"operation_id,omitempty"`
	CreatedAt   time.Time `json:"created_at"`
}

// ScheduleLastRun summarises a schedule's latest run.
type ScheduleLastRun struct {
	At          time.Time `json:"at"`
	Action      string    `json:"action"`
	Outcome     string    `json:"outcome"`
	OperationID string    `json:"operation_id,omitempty"`
}

// ShutdownSchedule stops and starts one environment on a timetable.
type ShutdownSchedule struct {
	ID            string              `json:"id"`
	Name          string              `json:"name"`
	EnvironmentID string              `json:"environment_id"`
	Description   string              `json:"description"`
	Enabled       bool                `json:"enabled"`
	TimeZone      string              `json:"time_zone"`
	Windows       []ShutdownWindow    `json:"windows"`
	StartCron     string              `json:"start_cron,omitempty"`
	StopCron      string              `json:"stop_cron,omitempty"`
	Exceptions    []ShutdownException `json:"exceptions"`
	Enforcement   string              `json:"enforcement"`
	DrainTimeout  string              `json:"drain_timeout"`
	// Computed by the control plane.
	PowerNow                string                `json:"power_now"`
	NextTransitions         []ScheduledTransition `json:"next_transitions"`
	RunningHoursPerWeek     float64               `json:"running_hours_per_week"`
	EstimatedMonthlySavings float64               `json:"estimated_monthly_savings"`
	LastRun                 *ScheduleLastRun      `json:"last_run,omitempty"`
	ETag                    string                `json:"etag"`
	CreatedAt               time.Time             `json:"created_at"`
	UpdatedAt               time.Time             `json:"updated_at"`
}

// ShutdownScheduleCreate is the body of POST /v1/shutdown-schedules.
// Exactly one of windows and start_cron/stop_cron.
type ShutdownScheduleCreate struct {
	Name          string              `json:"name"`
	EnvironmentID string              `json:"environment_id"`
	Description   string              `json:"description,omitempty"`
	Enabled       *bool               `json:"enabled,omitempty"`
	TimeZone      string              `json:"time_zone"`
	Windows       []ShutdownWindow    `json:"windows,omitempty"`
	StartCron     string              `json:"start_cron,omitempty"`
	StopCron      string              `json:"stop_cron,omitempty"`
	Exceptions    []ShutdownException `json:"exceptions,omitempty"`
	Enforcement   string              `json:"enforcement,omitempty"`
	DrainTimeout  string              `json:"drain_timeout,omitempty"`
}

// ShutdownScheduleUpdate is the body of PATCH /v1/shutdown-schedules/{id}:
// absent fields stay; windows, the cron pair and exceptions replace the
// stored value when present (send start_cron "" to remove it).
type ShutdownScheduleUpdate struct {
	Name         *string              `json:"name,omitempty"`
	Description  *string              `json:"description,omitempty"`
	Enabled      *bool                `json:"enabled,omitempty"`
	TimeZone     *string              `json:"time_zone,omitempty"`
	Windows      *[]ShutdownWindow    `json:"windows,omitempty"`
	StartCron    *string              `json:"start_cron,omitempty"`
	StopCron     *string              `json:"stop_cron,omitempty"`
	Exceptions   *[]ShutdownException `json:"exceptions,omitempty"`
	Enforcement  *string              `json:"enforcement,omitempty"`
	DrainTimeout *string              `json:"drain_timeout,omitempty"`
}

// PowerRequest is the body of POST /v1/environments/{id}/power: a manual
// power action. With until, schedules leave the environment alone until
// then and take over again afterwards.
type PowerRequest struct {
	State string     `json:"state"`
	Until *time.Time `json:"until,omitempty"`
}

// SimulatorClock is the body and answer of POST /v1/simulator/clock.
type SimulatorClock struct {
	Now time.Time `json:"now"`
}

// ValidateShutdownSchedule checks a whole schedule: its name, its timetable
// (internal/schedule, which the provider also checks at plan time) and its
// settings.
func ValidateShutdownSchedule(name string, t schedule.Spec, description, enforcement, drainTimeout string) []FieldError {
	errs := ValidateName("name", name)
	for _, p := range t.Validate() {
		errs = append(errs, FieldError{Field: p.Field, Message: p.Message})
	}
	if len(description) > MaxScheduleDesc {
		errs = append(errs, fieldErr("description", "must be at most %d characters", MaxScheduleDesc))
	}
	if !slices.Contains(EnforcementModes, enforcement) {
		errs = append(errs, fieldErr("enforcement", "must be %q (act at window edges only) or %q (re-apply whenever the state differs), got %q", EnforceTransitions, EnforceContinuous, enforcement))
	}
	if d, err := time.ParseDuration(drainTimeout); err != nil || d < 0 || d > MaxDrainTimeout {
		errs = append(errs, fieldErr("drain_timeout", "must be a duration between 0s and %s such as \"5m\", got %q", MaxDrainTimeout, drainTimeout))
	}
	return errs
}
