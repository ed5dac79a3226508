variable "staging_windows" {
  type = list(object({ days = list(string), start = string, stop = string }))
  default = [
    { days = ["mon", "tue", "wed", "thu", "fri"], start = "08:00", stop = "19:00" },
  ]
}

locals {
  staging_hours = provider::openclaw::schedule_hours_per_week(var.staging_windows) # 55
}

# A module can enforce a budget before anything is applied.
output "staging_hours_per_week" {
  value = local.staging_hours

  precondition {
    condition     = local.staging_hours <= 60
    error_message = "Staging may run at most 60 hours a week, these windows run ${local.staging_hours}."
  }
}
