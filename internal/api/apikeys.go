package api

import (
	"maps"
	"slices"
	"time"
)

// API keys are the one synchronous family of the API: nothing is
// provisioned, so create, update and revoke answer with the key itself, not
// an Operation.

// API key lifetimes. A key gets exactly one of expires_at and ttl, or the
// default; ephemeral keys (Terraform's ephemeral resource) are short-lived.
const (
	MinKeyTTL     = time.Hour
	MaxKeyTTL     = 365 * 24 * time.Hour
	DefaultKeyTTL = 90 * 24 * time.Hour

	MinEphemeralKeyTTL     = time.Minute
	MaxEphemeralKeyTTL     = time.Hour
	DefaultEphemeralKeyTTL = 15 * time.Minute

	// MaxRevokeGracePeriod bounds how long a revoked key keeps working.
	MaxRevokeGracePeriod = 7 * 24 * time.Hour

	MaxKeyDescription  = 1024
	MaxKeyAllowedCIDRs = 32
	MaxKeyRatePerMin   = 60000
)

// API key statuses, derived from expires_at, revoked_at and
// revoke_grace_until at the time of the read.
const (
	KeyStatusActive = "active"
	// KeyStatusRevoking: revoked, but the secret is accepted until
	// revoke_grace_until (a rotation in progress).
	KeyStatusRevoking = "revoking"
	KeyStatusRevoked  = "revoked"
	KeyStatusExpired  = "expired"
)

// KeyStatuses lists every status.
var KeyStatuses = []string{KeyStatusActive, KeyStatusRevoking, KeyStatusRevoked, KeyStatusExpired}

// Scopes returns the closed scope set, sorted.
func Scopes() []string { return slices.Sorted(maps.Keys(ScopeDescriptions)) }

// ValidScope reports whether s is in the closed scope set.
func ValidScope(s string) bool {
	_, ok := ScopeDescriptions[s]
	return ok
}

// APIKey is a control plane key's metadata. The secret is never part of it.
type APIKey struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	Description string `json:"description"`
	// Prefix is the first characters of the secret, safe to show and log.
	Prefix string   `json:"prefix"`
	Scopes []string `json:"scopes"`
	// EnvironmentID binds the key to one environment: it sees and touches
	// only that environment and what belongs to it.
	EnvironmentID string   `json:"environment_id,omitempty"`
	AllowedCIDRs  []string `json:"allowed_cidrs"`
	// RateLimitPerMinute is the key's own limit; 0 means the control plane's
	// default.
	RateLimitPerMinute int               `json:"rate_limit_per_minute"`
	Labels             map[string]string `json:"labels"`
	Ephemeral          bool              `json:"ephemeral"`
	Status             string            `json:"status"`
	// ExpiresAt is absent only for the bootstrap key.
	ExpiresAt        *time.Time `json:"expires_at,omitempty"`
	CreatedAt        time.Time  `json:"created_at"`
	UpdatedAt        time.Time  `json:"updated_at"`
	LastUsedAt       *time.Time `json:"last_used_at,omitempty"`
	RevokedAt        *time.Time `json:"revoked_at,omitempty"`
	RevokeGraceUntil *time.Time `json:"revoke_grace_until,omitempty"`
}

// APIKeyCreate is the body of POST /v1/api-keys.
type APIKeyCreate struct {
	Name          string   `json:"name"`
	Description   string   `json:"description,omitempty"`
	Scopes        []string `json:"scopes"`
	EnvironmentID string   `json:"environment_id,omitempty"`
	// ExpiresAt and TTL (a Go duration such as "720h") are exclusive.
	ExpiresAt          *time.Time        `json:"expires_at,omitempty"`
	TTL                string            `json:"ttl,omitempty"`
	AllowedCIDRs       []string          `json:"allowed_cidrs,omitempty"`
	RateLimitPerMinute int               `json:"rate_limit_per_minute,omitempty"`
	Labels             map[string]string `json:"labels,omitempty"`
	Ephemeral          bool              `json:"ephemeral,omitempty"`
}

// APIKeyCreated is the answer to POST /v1/api-keys: the only response that
// ever carries the secret.
type APIKeyCreated struct {
	Key    APIKey `json:"key"`
	Secret string `json:"secret"`
}

// APIKeyUpdate is the body of PATCH /v1/api-keys/{id}. Only metadata can
// change; what a key may do is fixed for its lifetime.
type APIKeyUpdate struct {
	Name        *string            `json:"name,omitempty"`
	Description *string            `json:"description,omitempty"`
	Labels      *map[string]string `json:"labels,omitempty"`
}

// APIKeyRevoke is the optional body of POST /v1/api-keys/{id}/revoke.
type APIKeyRevoke struct {
	// GracePeriod keeps the secret valid this long after the revocation
	// (a Go duration, at most MaxRevokeGracePeriod).
	GracePeriod string `json:"grace_period,omitempty"`
}

// Audit outcomes.
const (
	AuditSuccess = "success"
	AuditFailure = "failure"
	AuditDenied  = "denied"
)

// AuditEvent is one mutation or authentication failure.
type AuditEvent struct {
	ID   int64     `json:"id"`
	Time time.Time `json:"time"`
	// Action is the route pattern ("POST /v1/api-keys") or "auth".
	Action       string `json:"action"`
	KeyID        string `json:"key_id,omitempty"`
	KeyPrefix    string `json:"key_prefix,omitempty"`
	ResourceKind string `json:"resource_kind,omitempty"`
	ResourceID   string `json:"resource_id,omitempty"`
	SourceIP     string `json:"source_ip"`
	Outcome      string `json:"outcome"`
	StatusCode   int    `json:"status_code"`
	RequestID    string `json:"request_id,omitempty"`
	Detail       string `json:"detail,omitempty"`
}
