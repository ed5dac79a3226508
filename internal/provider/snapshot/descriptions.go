package snapshot

// Attribute descriptions shared by the resource and the data sources.
var desc = map[string]string{
	"id":                "The snapshot's ID (`snap_...`).",
	"environment_id":    "ID of the environment to snapshot. Changing it replaces the snapshot (a new one is taken of the other environment). The snapshot outlives the environment.",
	"environment_name":  "Name of the environment when the snapshot was taken; kept after the environment is deleted.",
	"name":              "Name of the snapshot, a DNS label (at most 63 characters) unique among the environment's snapshots. Changes in place.",
	"description":       "Free text, at most 1024 characters. Changes in place.",
	"labels":            "Labels of the snapshot (same rules as environment labels). Change in place.",
	"retention_days":    "Days after `created_at` when the control plane deletes the snapshot, 1 to 3650. Conflicts with `expires_at`; with neither the snapshot is kept until deleted. Changes in place, without a new snapshot; while the snapshot is locked it can only grow.",
	"expires_at":        "When the control plane deletes the snapshot (RFC 3339). Set it for an absolute date, or leave it to be computed from `retention_days`. Conflicts with `retention_days`. A locked snapshot is not deleted before `lock_until`.",
	"locked":            "Locks the snapshot until `lock_until`: until then it cannot be deleted and its lock and retention cannot be shortened, by anyone, admins included (the write-once promise backups need). Requires `lock_until`. Default `false`.",
	"lock_until":        "End of the lock (RFC 3339). It can move later, never earlier, while the lock holds.",
	"retain_on_destroy": "When `true`, `terraform destroy` (or removing the resource) only forgets the snapshot: it stays in the control plane until its retention ends or it is deleted there. Default `false`: destroy deletes the snapshot, which fails with the lock's end date while it is locked.",
	"status":            "`creating`, `available`, `failed`, `corrupt` (a verification found the archive damaged) or `deleting`. A `failed` or `corrupt` snapshot is replaced by the next apply, with the reason in the plan.",
	"status_message":    "Why the snapshot is `failed` or `corrupt`; for `corrupt`, the first path that failed its check.",
	"size_bytes":        "Size of the stored archive in bytes (encrypted).",
	"sha256":            "SHA-256 of the stored (encrypted) archive, hex. Verification recomputes it.",
	"file_count":        "Files in the archive's manifest.",
	"openclaw_version":  "OpenClaw version of the environment when the snapshot was taken. Restores need this version or a newer one (OpenClaw's migrations are forward-only).",
	"format":            "Format of the archive: `openclaw-backup` (a real OpenClaw backup, written by `openclaw backup create` on the process driver) or `openclaw-state-archive` (the control plane's own archiver, on the simulator driver). Empty while `creating`.",
	"created_by":        "The tool that wrote the archive, for example `openclaw 2026.9.6 backup create`. Empty while `creating`.",
	"etag":              "The control plane's version of the snapshot's settings, sent back on every change.",
	"created_at":        "When the snapshot was requested (RFC 3339).",
	"updated_at":        "When the snapshot's settings last changed (RFC 3339).",
	"completed_at":      "When the archive was complete in the snapshot store (RFC 3339).",
	"verified_at":       "When a verification last read the archive back and found it intact (RFC 3339); null if never.",
}
