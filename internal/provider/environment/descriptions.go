package environment

// Attribute descriptions, written once and used by the resource and both data
// sources, so the generated docs agree with each other.
var desc = map[string]string{
	"id":                  "The environment's ID (`env_...`), assigned by the control plane.",
	"name":                "Name of the environment: a DNS label (lowercase letters, digits and hyphens, starting with a letter, at most 40 characters), unique in the control plane. Changing it replaces the environment.",
	"region":              "Region the gateway runs in, one of the control plane's regions (see the `openclaw_regions` data source). Checked at plan time. Changing it replaces the environment.",
	"openclaw_version":    "OpenClaw version the gateway runs, `YYYY.M.PATCH`, `YYYY.M.PATCH-N` or `YYYY.M.PATCH-beta.N`. Defaults to the current release of `release_channel`. Can only move forward: OpenClaw's database migrations are forward-only, so a lower version is refused at plan time. Beta builds need the `beta` or `dev` channel.",
	"release_channel":     "Release channel the environment follows: `stable` (default), `extended-stable`, `beta` or `dev`.",
	"size":                "Compute size of the gateway. Changed in place (the gateway restarts). Defaults to `{ cpus = 2, memory_mb = 4096 }`.",
	"size.cpus":           "Virtual CPUs, 1 to 64. Default 2.",
	"size.memory_mb":      "Memory in MiB, a multiple of 256 from 1024 to 524288. Default 4096.",
	"state_volume_gb":     "Size in GB of the block volume holding the gateway's state directory (SQLite databases, workspace). Default 10. Can grow in place; shrinking is refused at plan time because it would lose state.",
	"desired_state":       "`running` (default) or `stopped`. Stopping keeps the state volume; nothing runs while stopped (no inbound messages, cron jobs or heartbeats).",
	"labels":              "Labels to organise and select environments: up to 64, keys of lowercase letters, digits, `_`, `.`, `-` and `/` starting with a letter (at most 63 characters), values at most 255 characters.",
	"deletion_protection": "When true, the control plane refuses to delete the environment: set it to false and apply before destroying. Default false.",
	"secrets_wo":          "Write-only secrets injected into the gateway as environment variables, for example model provider keys such as `ANTHROPIC_API_KEY`. Names are environment variable names. Values are sent to the control plane (which encrypts them at rest) and are never stored in the plan or state. Requires Terraform 1.11 or later. Change `secrets_wo_version` to send them again.",
	"secrets_wo_version":  "Version of `secrets_wo`. Terraform cannot see changes to write-only values, so the secrets are sent on create and whenever this number changes. Required with `secrets_wo`.",
	"secret_names":        "Names of the secrets the control plane holds for the environment (values are never readable).",
	"status":              "Lifecycle status: `provisioning`, `running`, `updating`, `stopping`, `stopped`, `deleting` or `failed`. A `failed` environment is retried by the next apply.",
	"power_state":         "Whether the gateway is actually powered: `on` or `off`. Follows `desired_state` once a change has been applied.",
	"gateway_url":         "URL of the gateway's HTTP and WebSocket API (port 18789), including the OpenAI-compatible `/v1/chat/completions`.",
	"etag":                "The control plane's version of the environment's configuration. Sent back on every change, so a concurrent change made elsewhere is detected rather than overwritten.",
	"created_at":          "When the environment was created (RFC 3339).",
	"updated_at":          "When the environment last changed (RFC 3339).",
}
