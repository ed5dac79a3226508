# What the schedule of an environment does now and next, for a dashboard.
data "openclaw_shutdown_schedule" "staging" {
  environment_id = var.staging_environment_id
}

output "staging_power" {
  value = {
    wants_now = data.openclaw_shutdown_schedule.staging.power_now
    next      = data.openclaw_shutdown_schedule.staging.next_transitions
    last_run  = data.openclaw_shutdown_schedule.staging.last_run
    saves_usd = data.openclaw_shutdown_schedule.staging.estimated_monthly_savings
  }
}
