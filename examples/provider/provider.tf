terraform {
  required_providers {
    openclaw = {
      source = "openclaw/openclaw"
    }
  }
}

# Every argument may come from the environment instead:
# OPENCLAW_ENDPOINT, OPENCLAW_API_KEY, OPENCLAW_MAX_RETRIES and
# OPENCLAW_REQUEST_TIMEOUT. In Terraform Cloud, set them as workspace
# environment variables (mark OPENCLAW_API_KEY sensitive) and leave the
# provider block empty.
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
