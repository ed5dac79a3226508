# Quickstart: `make demo` applies this against a local control plane.
# The provider reads OPENCLAW_ENDPOINT and OPENCLAW_API_KEY from the
# environment, as it would in a Terraform Cloud workspace.
terraform {
  required_version = ">= 1.11"
  required_providers {
    openclaw = {
      source = "openclaw/openclaw"
    }
  }
}

provider "openclaw" {}

variable "anthropic_api_key" {
  description = "A model provider key for the gateway. Ephemeral: it never reaches plan or state."
  type        = string
  sensitive   = true
  ephemeral   = true
  default     = "sk-ant-demo-not-a-real-key"
}

data "openclaw_regions" "open" {
  available_only = true
}

resource "openclaw_environment" "staging" {
  name   = "quickstart-staging"
  region = data.openclaw_regions.open.ids[0]

  size = {
    cpus      = 2
    memory_mb = 4096
  }

  labels = {
    team = "platform"
    tier = "staging"
  }

  secrets_wo = {
    ANTHROPIC_API_KEY = var.anthropic_api_key
  }
  secrets_wo_version = 1
}

# A GPU inference pool the gateway uses as the model provider "local-llm".
# `terraform plan` shows its hourly_cost_estimate before anything exists.
resource "openclaw_gpu_pool" "llm" {
  name           = "llm"
  environment_id = openclaw_environment.staging.id
  provider_id    = "local-llm"

  backend    = "vllm"
  gpu_type   = "nvidia-l4"
  node_count = 1
  capacity_fallback = [
    { gpu_type = "nvidia-a10g", capacity_type = "on_demand" },
  ]
  models = [
    { id = "meta-llama/Llama-3.1-8B-Instruct", context_window = 131072, max_tokens = 8192 },
  ]
}

# Staging runs on weekdays, 08:00 to 19:00 Berlin time: the control plane's
# scheduler stops the gateway and scales the GPU pool to zero outside these
# hours (the next plan stays empty). running_hours_per_week is in the plan.
resource "openclaw_shutdown_schedule" "staging" {
  name           = "weekdays"
  environment_id = openclaw_environment.staging.id
  time_zone      = "Europe/Berlin"
  windows = [
    { days = ["mon", "tue", "wed", "thu", "fri"], start = "08:00", stop = "19:00" },
  ]

  # estimated_monthly_savings prices the environment's GPU pools as they are
  # when it is read: create the schedule after the pool so the first figure
  # already includes it.
  depends_on = [openclaw_gpu_pool.llm]
}

output "environment_id" {
  value = openclaw_environment.staging.id
}

output "gateway_url" {
  value = openclaw_environment.staging.gateway_url
}

output "status" {
  value = "${openclaw_environment.staging.status} (power ${openclaw_environment.staging.power_state}), OpenClaw ${openclaw_environment.staging.openclaw_version}"
}

output "secret_names" {
  value = openclaw_environment.staging.secret_names
}

output "gpu_pool" {
  value = {
    base_url             = openclaw_gpu_pool.llm.base_url
    runs_on              = "${openclaw_gpu_pool.llm.current_nodes} × ${openclaw_gpu_pool.llm.effective_gpu_type} (${openclaw_gpu_pool.llm.effective_capacity_type})"
    hourly_cost          = openclaw_gpu_pool.llm.hourly_cost
    hourly_cost_estimate = openclaw_gpu_pool.llm.hourly_cost_estimate
  }
}

output "schedule" {
  value = {
    running_hours_per_week    = openclaw_shutdown_schedule.staging.running_hours_per_week
    estimated_monthly_savings = openclaw_shutdown_schedule.staging.estimated_monthly_savings
    power_now                 = openclaw_shutdown_schedule.staging.power_now
    next_transitions          = openclaw_shutdown_schedule.staging.next_transitions
  }
}
