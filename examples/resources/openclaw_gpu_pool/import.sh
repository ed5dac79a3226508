# Import by ID
terraform import openclaw_gpu_pool.llama gpool_01jd8v6q3r5k2m9x7w4t1y0zaa

# or by <environment_id>/<pool name>
terraform import openclaw_gpu_pool.llama env_01jd8v5z0c1b2a3d4e5f6g7h8j/llama-70b
