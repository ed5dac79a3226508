# A key for the CI pipeline of one environment: it can read and change that
# environment only, from the CI network, and rotates every 30 days without
# downtime: the new key is created first, the old one keeps working for a
# day after it is revoked.
resource "openclaw_api_key" "ci_staging" {
  name           = "ci-staging"
  description    = "GitHub Actions deploys to staging"
  scopes         = ["environments:write"]
  environment_id = openclaw_environment.staging.id
  allowed_cidrs  = ["203.0.113.0/24"]

  ttl                 = "2160h" # 90 days
  rotation_period     = "720h"  # replaced once 30 days old
  revoke_grace_period = "24h"   # the old secret works one more day

  labels = { owner = "platform" }

  lifecycle {
    create_before_destroy = true
  }
}

# A read-only key with its own rate limit, for a dashboard.
resource "openclaw_api_key" "dashboard" {
  name                  = "dashboard"
  scopes                = ["environments:read", "gpu_pools:read"]
  rate_limit_per_minute = 120
}

# Hand the secret to whatever consumes it; it is sensitive.
output "ci_staging_key" {
  value     = openclaw_api_key.ci_staging.secret
  sensitive = true
}

resource "openclaw_environment" "staging" {
  name   = "staging"
  region = "eu-central"
}
