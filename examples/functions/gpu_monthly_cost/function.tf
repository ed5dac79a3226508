variable "inference_gpus" {
  type    = number
  default = 8
}

# Budget check in a module: 8 L4s on demand, 10 hours on weekdays.
locals {
  monthly = provider::openclaw::gpu_monthly_cost("nvidia-l4", "eu-central", "on_demand", var.inference_gpus, 50)
}

output "monthly_gpu_budget" {
  value = local.monthly

  precondition {
    condition     = local.monthly < 2000
    error_message = "The GPU pool would cost ${local.monthly} USD a month, over the 2000 USD budget."
  }
}
