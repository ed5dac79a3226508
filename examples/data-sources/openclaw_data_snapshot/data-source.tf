# A snapshot by ID, also one whose environment is gone.
data "openclaw_data_snapshot" "audit" {
  id = "snap_01jd8v6q3r5k2m9x7w4t1y0zaa"
}

output "audit_snapshot_sha256" {
  value = data.openclaw_data_snapshot.audit.sha256
}
