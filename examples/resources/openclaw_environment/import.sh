# Import by ID
terraform import openclaw_environment.prod env_01jd8v6q3r5k2m9x7w4t1y0zaa

# or by name
terraform import openclaw_environment.prod prod
