data "openclaw_environment" "prod" {
  name = "prod"
}

# Prod's snapshots, newest first; most_recent is the newest available one.
data "openclaw_data_snapshots" "prod" {
  environment_id = data.openclaw_environment.prod.id
}

# Staging refreshed from prod's latest snapshot, without prod's credentials.
resource "openclaw_environment" "staging" {
  name         = "staging"
  region       = "eu-central"
  restore_from = { snapshot_id = data.openclaw_data_snapshots.prod.most_recent.id }

  secrets_wo         = { ANTHROPIC_API_KEY = var.staging_anthropic_key }
  secrets_wo_version = 1
}

variable "staging_anthropic_key" {
  type      = string
  sensitive = true
}
