package api

import "time"

// WhoAmI is the answer to GET /v1/whoami: the calling key as the control
// plane sees it. The provider reads it once when it is configured, so a
// wrong endpoint or key fails there instead of at apply.
type WhoAmI struct {
	KeyID  string `json:"key_id"`
	Name   string `json:"name"`
	Prefix string `json:"prefix"`
	// Scopes are the key's own scopes (admin implies every other).
	Scopes []string `json:"scopes"`
	// EnvironmentID is set when the key is bound to one environment.
	EnvironmentID    string     `json:"environment_id,omitempty"`
	ExpiresAt        *time.Time `json:"expires_at,omitempty"`
	RevokeGraceUntil *time.Time `json:"revoke_grace_until,omitempty"`
}

// MaxOperationWait is the longest ?wait= of GET /v1/operations/{id}.
const MaxOperationWait = 60 * time.Second
