resource "openclaw_environment" "prod" {
  name   = "prod"
  region = "eu-central"

  # Deleting the environment first takes a snapshot named prod-final-<timestamp>.
  final_snapshot = { enabled = true, retention_days = 30 }
}

# Before a migration: kept 30 days, and locked for 7 so nobody can delete it early.
resource "openclaw_data_snapshot" "before_migration" {
  environment_id = openclaw_environment.prod.id
  name           = "before-2026-12-migration"
  description    = "State of prod before the December migration"
  retention_days = 30
  locked         = true
  lock_until     = "2026-12-08T00:00:00Z"
  labels         = { purpose = "pre-migration" }
}

# An audit copy that outlives this configuration: destroy only forgets it.
resource "openclaw_data_snapshot" "audit" {
  environment_id    = openclaw_environment.prod.id
  name              = "audit-2026-q4"
  expires_at        = "2027-12-31T00:00:00Z"
  retain_on_destroy = true
}
