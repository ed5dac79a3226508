# Import by ID
terraform import openclaw_shutdown_schedule.staging sched_01jd8v6q3r5k2m9x7w4t1y0zaa

# or by the ID of its environment (an environment has at most one schedule)
terraform import openclaw_shutdown_schedule.staging env_01jd8v5z0c1b2a3d4e5f6g7h8j
