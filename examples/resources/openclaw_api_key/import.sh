# Import by ID
terraform import openclaw_api_key.dashboard key_01jd8v6q3r5k2m9x7w4t1y0zaa

# or by name (the newest key of that name that still works)
terraform import openclaw_api_key.dashboard dashboard
