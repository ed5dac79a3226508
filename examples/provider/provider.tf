terraform {
  required_providers {
    openclaw = {
      source = "openclaw/openclaw"
    }
  }
}

# Every argument may come from the environment instead:
# OPENCLAW_ENDPOINT, OPENCLAW_API_KEY, OPENCLAW_MAX_RETRIES,
# OPENCLAW_REQUEST_TIMEOUT and, for TLS, OPENCLAW_CA_CERT_PEM (or _FILE),
# OPENCLAW_CLIENT_CERT_PEM and OPENCLAW_CLIENT_KEY_PEM. In Terraform Cloud,
# set them as workspace environment variables (mark OPENCLAW_API_KEY and
# OPENCLAW_CLIENT_KEY_PEM sensitive) and leave the provider block empty.
provider "openclaw" {
  endpoint        = "https://controlplane.example.com"
  api_key         = var.openclaw_api_key
  max_retries     = 5
  request_timeout = "60s"
}

variable "openclaw_api_key" {
  type      = string
  sensitive = true
}
