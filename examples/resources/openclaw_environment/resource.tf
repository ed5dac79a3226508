# A production gateway: pinned version, larger size and volume, protected
# from deletion, with model provider keys passed write-only.
resource "openclaw_environment" "prod" {
  name             = "prod"
  region           = "eu-central"
  release_channel  = "stable"
  openclaw_version = "2026.11.3"

  size = {
    cpus      = 4
    memory_mb = 8192
  }
  state_volume_gb     = 50
  deletion_protection = true

  labels = {
    team = "platform"
    tier = "production"
  }

  # Never stored in plan or state (Terraform 1.11+). Bump the version to
  # send new values, for example after rotating a provider key.
  secrets_wo = {
    ANTHROPIC_API_KEY = var.anthropic_api_key
  }
  secrets_wo_version = 1

  timeouts = {
    create = "30m"
  }
}

# A staging gateway with the defaults: 2 CPUs, 4 GiB, a 10 GB state volume.
resource "openclaw_environment" "staging" {
  name   = "staging"
  region = "eu-central"
  labels = { tier = "staging" }
}

variable "anthropic_api_key" {
  type      = string
  sensitive = true
  ephemeral = true
}
