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
