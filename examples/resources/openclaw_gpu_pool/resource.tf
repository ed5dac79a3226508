resource "openclaw_environment" "prod" {
  name   = "prod"
  region = "us-east"
}

# A fixed-size vLLM pool on spot H100s, falling back to on-demand H100s and
# then to A100s when spot capacity runs out. The gateway sees it as the model
# provider "local-llama" (models.providers.local-llama in openclaw.json).
resource "openclaw_gpu_pool" "llama" {
  name           = "llama-70b"
  environment_id = openclaw_environment.prod.id
  provider_id    = "local-llama"

  backend       = "vllm"
  gpu_type      = "nvidia-h100-80gb"
  capacity_type = "spot"
  gpus_per_node = 4
  node_count    = 2

  capacity_fallback = [
    { gpu_type = "nvidia-h100-80gb", capacity_type = "on_demand" },
    { gpu_type = "nvidia-a100-80gb", capacity_type = "on_demand" },
  ]

  models = [
    { id = "meta-llama/Llama-3.3-70B-Instruct", context_window = 131072, max_tokens = 8192 },
  ]

  labels = { team = "ml" }
}

# An autoscaling Ollama pool for experiments: it may stop idle nodes and
# scales between 0 and 3 nodes. The cost estimate assumes 3.
resource "openclaw_gpu_pool" "lab" {
  name           = "lab"
  environment_id = openclaw_environment.prod.id
  provider_id    = "ollama-lab"

  backend     = "ollama"
  gpu_type    = "nvidia-l4"
  autoscaling = { min_nodes = 0, max_nodes = 3 }

  idle_stop_seconds = 900
}

output "llama_cost_per_hour" {
  value = openclaw_gpu_pool.llama.hourly_cost_estimate
}

output "llama_runs_on" {
  value = "${openclaw_gpu_pool.llama.effective_gpu_type} (${openclaw_gpu_pool.llama.effective_capacity_type})"
}
