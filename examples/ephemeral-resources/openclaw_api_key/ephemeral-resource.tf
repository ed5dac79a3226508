# A key that exists only while Terraform runs: a second provider
# configuration uses it to manage the GPU pools of one environment and
# nothing else. It never reaches the plan or the state, and is revoked when the
# run ends (Terraform 1.10 or later).
ephemeral "openclaw_api_key" "deploy" {
  name           = "deploy-run"
  scopes         = ["gpu_pools:write"]
  environment_id = var.environment_id
  ttl            = "30m"
}

provider "openclaw" {
  alias   = "deploy"
  api_key = ephemeral.openclaw_api_key.deploy.secret
}

resource "openclaw_gpu_pool" "llama" {
  provider       = openclaw.deploy
  environment_id = var.environment_id
  name           = "llama-70b"
  provider_id    = "llama"
  backend        = "vllm"
  gpu_type       = "nvidia-h100-80gb"
  node_count     = 1
}

variable "environment_id" {
  type = string
}
