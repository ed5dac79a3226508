# Staging runs on weekdays from 08:00 to 19:00 Berlin time, stays off over
# the holidays, and stays up for a launch weekend.
resource "openclaw_shutdown_schedule" "staging" {
  name           = "office-hours"
  environment_id = openclaw_environment.staging.id
  description    = "Staging follows the Berlin office."

  time_zone = "Europe/Berlin"
  windows = [
    { days = ["mon", "tue", "wed", "thu", "fri"], start = "08:00", stop = "19:00" },
  ]

  exceptions = [
    { from = "2026-12-24", until = "2027-01-01", state = "stopped", reason = "holidays" },
    { from = "2027-03-06", until = "2027-03-07", state = "running", reason = "launch weekend" },
  ]

  # Someone who starts staging by hand keeps it until the next scheduled stop.
  enforcement   = "transitions"
  drain_timeout = "5m"
}

# The cron form, for those who prefer it (the GCP instance schedule's shape):
resource "openclaw_shutdown_schedule" "batch" {
  name           = "nightly-batch"
  environment_id = openclaw_environment.batch.id
  time_zone      = "America/New_York"
  start_cron     = "0 22 * * *"
  stop_cron      = "0 6 * * *"
  enforcement    = "continuous"
}

output "staging_savings" {
  value = "${openclaw_shutdown_schedule.staging.running_hours_per_week} h/week running, about ${openclaw_shutdown_schedule.staging.estimated_monthly_savings} USD/month saved"
}
