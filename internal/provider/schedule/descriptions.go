package schedule

// Attribute descriptions, shared by the resource and the data source so the
// generated docs agree.
var desc = map[string]string{
	"id":             "The schedule's ID (`sched_...`), assigned by the control plane.",
	"name":           "Name of the schedule: a DNS label (lowercase letters, digits and hyphens, starting with a letter, at most 40 characters). Changes in place.",
	"environment_id": "The environment the schedule stops and starts. An environment has at most one schedule. Changing it replaces the schedule.",
	"description":    "What the schedule is for. At most 1024 characters.",
	"enabled":        "Whether the scheduler acts on the schedule. Default `true`. A re-enabled schedule applies its current state once, right away.",
	"time_zone":      "IANA time zone of the windows, cron expressions and dated exceptions, such as `Europe/Berlin` or `America/New_York`. Fixed offsets (`UTC+2`) and Windows names (`W. Europe Standard Time`) are refused: they have no daylight saving rules. `UTC` is accepted.",
	"windows": "Running windows in the wall-clock time of `time_zone`; outside every window the environment is stopped. A `stop` not after `start` runs overnight into the next day; `stop = \"24:00\"` is the end of the day; " +
		"adjacent or overlapping windows merge (`fri 08:00-24:00` and `sat 00:00-24:00` never blip). Exactly one of `windows` and `start_cron`/`stop_cron`.",
	"window_days":  "Days the window starts on: `mon`, `tue`, `wed`, `thu`, `fri`, `sat`, `sun` (at least one). A weekend off is `[\"mon\", \"tue\", \"wed\", \"thu\", \"fri\"]`.",
	"window_start": "When the window starts, `HH:MM` in 24-hour time with two-digit hours (`08:00`, not `8:00`), `00:00` to `23:59`.",
	"window_stop":  "When the window stops, `HH:MM` from `00:00` to `24:00`; not after `start` means the next day.",
	"start_cron":   "5-field cron expression (minute hour day-of-month month day-of-week, robfig/cron syntax) for the starts, such as `\"0 8 * * 1-5\"`, in `time_zone`. May be absent for a stop-only schedule. Conflicts with `windows`.",
	"stop_cron":    "5-field cron expression for the stops, such as `\"0 19 * * 1-5\"`, in `time_zone`. May be absent. Conflicts with `windows`.",
	"exceptions":   "Periods that force a state over the windows or cron: holidays stay `stopped`, a launch weekend stays `running`. When exceptions overlap, the later one in the list wins. Past exceptions stay valid.",
	"exc_from":     "Start of the exception: a date `YYYY-MM-DD` (midnight in `time_zone`), a wall time in `time_zone` (`2026-12-24T18:00`) or an RFC 3339 timestamp.",
	"exc_until":    "End of the exception: a date `YYYY-MM-DD` (inclusive: through the end of that day in `time_zone`), or a wall time in `time_zone` or an RFC 3339 timestamp (both exclusive). Not before `from`.",
	"exc_state":    "`stopped` or `running`.",
	"exc_reason":   "Why, for people reading the schedule.",
	"enforcement": "`transitions` (default): act only at window edges, so someone who starts a stopped environment by hand keeps it until the next scheduled stop. " +
		"`continuous`: re-apply the schedule's state whenever the environment differs.",
	"drain_timeout":             "How long the gateway may drain before a scheduled stop is forced, as a Go duration from `0s` to `1h`. Default `5m`, the gateway's normal drain.",
	"power_now":                 "What the schedule wants right now: `running` or `stopped`.",
	"next_transitions":          "The next few transitions (empty while disabled). Changes as time passes; never a plan diff.",
	"transition_at":             "When (RFC 3339, UTC).",
	"transition_action":         "`start` or `stop`.",
	"running_hours_per_week":    "Running hours of a nominal week (wall-clock time, no DST, no exceptions). Known at plan time: the provider computes it with the same code as the control plane, so a module can check a budget before apply.",
	"estimated_monthly_savings": "USD a month saved by the stopped hours, from the control plane: the gateway priced by its size and the GPU pools at their running size, times the stopped hours of an average month.",
	"last_run":                  "The schedule's latest run, null before the first. Changes as time passes; never a plan diff.",
	"run_at":                    "The transition's time (RFC 3339, UTC).",
	"run_action":                "`start` or `stop`.",
	"run_outcome":               "`skipped` (for example an environment whose `desired_state` is `stopped` is never started), or the status of the operation carrying it out: `pending`, `running`, `succeeded`, `failed`.",
	"run_operation_id":          "The operation that carried the run out; null when skipped.",
	"etag":                      "The schedule's version; changes with every change.",
	"created_at":                "When the schedule was created (RFC 3339).",
}
