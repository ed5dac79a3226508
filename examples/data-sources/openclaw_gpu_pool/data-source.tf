data "openclaw_gpu_pool" "llama" {
  environment_id = "env_01jd8v5z0c1b2a3d4e5f6g7h8j"
  name           = "llama-70b"
}

output "llama_base_url" {
  value = data.openclaw_gpu_pool.llama.base_url
}
