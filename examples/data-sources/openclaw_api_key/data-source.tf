# Check a key managed elsewhere: when does it expire, was it used lately?
data "openclaw_api_key" "ci" {
  name = "ci-staging"
}

output "ci_key_expires_at" {
  value = data.openclaw_api_key.ci.expires_at
}

output "ci_key_last_used_at" {
  value = data.openclaw_api_key.ci.last_used_at
}
