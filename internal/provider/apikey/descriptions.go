package apikey

import (
	"fmt"
	"strings"

	"github.com/openclaw/terraform-provider-openclaw/internal/api"
)

// scopeList documents the closed scope set for descriptions.
func scopeList() string {
	var parts []string
	for _, s := range api.Scopes() {
		parts = append(parts, fmt.Sprintf("`%s`: %s", s, api.ScopeDescriptions[s]))
	}
	return strings.Join(parts, "; ")
}

// Attribute descriptions, shared by the resource, the data source and the
// ephemeral resource so the generated docs agree.
var desc = map[string]string{
	"id":             "The key's ID (`key_...`), assigned by the control plane.",
	"name":           "Name of the key: a DNS label (lowercase letters, digits and hyphens, starting with a letter, at most 40 characters). Not unique: during a rotation the old and the new key share it. Changes in place.",
	"description":    "What the key is for. At most 1024 characters. Changes in place.",
	"scopes":         "What the key may do, from the closed set (" + scopeList() + "). Checked at plan time. A key can only create keys with scopes it holds itself. Changing the scopes replaces the key.",
	"environment_id": "Binds the key to one environment: it then sees and touches only that environment and what belongs to it, and anything else answers as if it did not exist. A key bound to an environment can only create keys bound to the same one. Changing it replaces the key.",
	"ttl":            "Lifetime of the key from its creation, as a Go duration between `1h` and `8760h` (one year), for example `\"2160h\"`. Conflicts with `expires_at`. Without either, keys expire after 90 days (`2160h`), or earlier if the key creating them expires earlier. Changing it replaces the key. Not readable from the control plane: after an import, use `expires_at`.",
	"expires_at":     "When the key expires (RFC 3339), between one hour and one year after its creation. Computed from `ttl` when that is set instead. Changing it replaces the key. An expired key is gone for Terraform: the next plan creates a new one.",
	"allowed_cidrs":  "Networks the key may be used from, in canonical CIDR form such as `203.0.113.0/24` or `2001:db8::/32` (at most 32). Requests from other addresses are refused. Empty: any address. Changing it replaces the key.",
	"rate_limit":     "The key's sustained request rate per minute, 0 to 60000; over it, the control plane answers 429 with Retry-After. 0 (default) means the control plane's default limit. Changing it replaces the key.",
	"labels":         "Labels to organise keys: up to 64, keys of lowercase letters, digits, `_`, `.`, `-` and `/` starting with a letter (at most 63 characters), values at most 255 characters. Change in place.",
	"rotation_period": "Rotate the key automatically: once `created_at` plus this duration has passed, the next plan replaces the key (and says why), like the `time_rotating` resource without a second resource. A Go duration between `1h` and `8760h`, for example `\"720h\"`, shorter than the key's lifetime. " +
		"Combine with `lifecycle { create_before_destroy = true }` and `revoke_grace_period` for a rotation without downtime.",
	"revoke_grace_period": "How long the old secret keeps working after Terraform revokes the key (on destroy, and when a rotation or a change replaces it), as a Go duration up to `168h` (7 days), for example `\"24h\"`. Gives consumers time to pick up the replacement. Default: revoked at once (a control plane with several replicas may accept the old secret for up to one more second on the other replicas, which cache a verified key that long).",
	"secret":              "The key's secret (`ocp_...`), to send as `Authorization: Bearer <secret>`. Known only after the key is created: the control plane returns it once and stores only a hash. Null after an import, since it cannot be read back.",
	"prefix":              "The first characters of the secret (`ocp_` and 8 more), safe to show and to find in logs and in the audit log.",
	"status":              "`active`, `revoking` (revoked, but the secret works until its grace period ends), `revoked` or `expired`.",
	"resource.status":     "`active` for every key in the state: a key found revoked, revoking or expired on refresh is removed from the state with a warning that says why, and the next plan creates a new key.",
	"created_at":          "When the key was created (RFC 3339).",
	"last_used_at":        "When the key last authenticated a request (RFC 3339), recorded at most once a minute. Null when never used.",
	"rotation_due_at":     "When `rotation_period` elapses (RFC 3339): from then on, plans replace the key. Null without `rotation_period`.",
	"revoked_at":          "When the key was revoked (RFC 3339); null while not revoked.",
	"revoke_grace_until":  "Until when a revoked key keeps working (RFC 3339); null when revoked without a grace period or not revoked.",
	"ephemeral":           "Whether the key was opened by the `openclaw_api_key` ephemeral resource for a single Terraform run.",
}
