// Package api holds the OpenClaw control plane's HTTP contract: the OpenAPI
// document (openapi.yaml, the single source of truth) and the Go types that
// both the control plane and the client encode. spec_test.go proves that every
// type here matches its schema in openapi.yaml.
package api

import (
	_ "embed"
	"time"
)

// OpenAPISpec is the OpenAPI 3.1 document served at GET /v1/openapi.yaml.
//
//go:embed openapi.yaml
var OpenAPISpec []byte

// Stable problem codes. Clients branch on these, never on titles or details.
const (
	CodeInvalidArgument    = "invalid_argument"
	CodeNotFound           = "not_found"
	CodeConflict           = "conflict"
	CodePreconditionFailed = "precondition_failed"
	CodeRateLimited        = "rate_limited"
	CodeUnauthenticated    = "unauthenticated"
	CodePermissionDenied   = "permission_denied"
	CodeNoCapacity         = "no_capacity"
	CodeInternal           = "internal"
	// CodeMethodNotAllowed is a 405: the path exists, the method does not
	// (the Allow header lists those that do).
	CodeMethodNotAllowed = "method_not_allowed"
	// CodeNotSupported: this control plane's provisioning driver does not
	// offer the feature (for example a simulator-only endpoint).
	CodeNotSupported = "not_supported"
)

// ProblemContentType is the media type of every error body (RFC 9457).
const ProblemContentType = "application/problem+json"

// Headers with meaning in this API.
const (
	HeaderIdempotencyKey = "Idempotency-Key"
	HeaderRequestID      = "X-Request-Id"
)

// Problem is an RFC 9457 problem details document with a stable code.
type Problem struct {
	Type      string       `json:"type"`
	Title     string       `json:"title"`
	Status    int          `json:"status"`
	Detail    string       `json:"detail,omitempty"`
	Instance  string       `json:"instance,omitempty"`
	Code      string       `json:"code"`
	RequestID string       `json:"request_id,omitempty"`
	Errors    []FieldError `json:"errors,omitempty"`
	// MissingScope names the scope a permission_denied request lacked.
	MissingScope string `json:"missing_scope,omitempty"`
	// KeyPrefix is the safe-to-show prefix of the key that was refused.
	KeyPrefix string `json:"key_prefix,omitempty"`
}

// FieldError names one invalid request field by its JSON path (size.cpus).
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// Operation states.
const (
	OperationPending   = "pending"
	OperationRunning   = "running"
	OperationSucceeded = "succeeded"
	OperationFailed    = "failed"
)

// Operation tracks one asynchronous mutation.
type Operation struct {
	ID          string     `json:"id"`
	Kind        string     `json:"kind"`
	TargetKind  string     `json:"target_kind"`
	TargetID    string     `json:"target_id"`
	Status      string     `json:"status"`
	Message     string     `json:"message,omitempty"`
	Error       *Problem   `json:"error,omitempty"`
	CreatedAt   time.Time  `json:"created_at"`
	UpdatedAt   time.Time  `json:"updated_at"`
	CompletedAt *time.Time `json:"completed_at,omitempty"`
}

// Done reports whether the operation reached a final state.
func (o *Operation) Done() bool {
	return o.Status == OperationSucceeded || o.Status == OperationFailed
}

// List is the envelope of every list response.
type List[T any] struct {
	Items         []T    `json:"items"`
	NextPageToken string `json:"next_page_token,omitempty"`
}

// Region is a place environments can run in.
type Region struct {
	ID          string `json:"id"`
	DisplayName string `json:"display_name"`
	Location    string `json:"location"`
	Available   bool   `json:"available"`
}

// Environment states.
const (
	EnvStatusProvisioning = "provisioning"
	EnvStatusRunning      = "running"
	EnvStatusUpdating     = "updating"
	EnvStatusStopping     = "stopping"
	EnvStatusStopped      = "stopped"
	EnvStatusDeleting     = "deleting"
	EnvStatusFailed       = "failed"

	DesiredRunning = "running"
	DesiredStopped = "stopped"

	PowerOn  = "on"
	PowerOff = "off"
)

// Release channels an environment can follow.
var ReleaseChannels = []string{"stable", "extended-stable", "beta", "dev"}

// Size is the compute shape of an environment's gateway.
type Size struct {
	CPUs     int64 `json:"cpus"`
	MemoryMB int64 `json:"memory_mb"`
}

// SecretInfo describes a stored secret without revealing its value.
type SecretInfo struct {
	Name string `json:"name"`
	// Version increases each time the value changes.
	Version int64 `json:"version"`
	// Fingerprint is a keyed hash (HMAC-SHA256, truncated) of the value: it
	// changes when the value changes and cannot be reversed or brute-forced
	// without the control plane's key.
	Fingerprint string    `json:"fingerprint"`
	UpdatedAt   time.Time `json:"updated_at"`
}

// Environment is one OpenClaw gateway: one trust domain.
type Environment struct {
	ID                 string            `json:"id"`
	Name               string            `json:"name"`
	Region             string            `json:"region"`
	OpenClawVersion    string            `json:"openclaw_version"`
	ReleaseChannel     string            `json:"release_channel"`
	Size               Size              `json:"size"`
	StateVolumeGB      int64             `json:"state_volume_gb"`
	DesiredState       string            `json:"desired_state"`
	Labels             map[string]string `json:"labels"`
	DeletionProtection bool              `json:"deletion_protection"`
	Secrets            []SecretInfo      `json:"secrets"`
	Status             string            `json:"status"`
	// StatusMessage says why a gateway failed (its last log lines) or was
	// restarted after a crash; empty otherwise.
	StatusMessage string `json:"status_message,omitempty"`
	PowerState    string `json:"power_state"`
	GatewayURL    string `json:"gateway_url"`
	// RestoreFrom is the snapshot the environment was created from.
	RestoreFrom   *RestoreFrom   `json:"restore_from,omitempty"`
	FinalSnapshot *FinalSnapshot `json:"final_snapshot,omitempty"`
	ETag          string         `json:"etag"`
	CreatedAt     time.Time      `json:"created_at"`
	UpdatedAt     time.Time      `json:"updated_at"`
}

// EnvironmentCreate is the body of POST /v1/environments. Omitted optional
// fields take the defaults documented in openapi.yaml.
type EnvironmentCreate struct {
	Name               string            `json:"name"`
	Region             string            `json:"region"`
	OpenClawVersion    string            `json:"openclaw_version,omitempty"`
	ReleaseChannel     string            `json:"release_channel,omitempty"`
	Size               *Size             `json:"size,omitempty"`
	StateVolumeGB      *int64            `json:"state_volume_gb,omitempty"`
	DesiredState       string            `json:"desired_state,omitempty"`
	Labels             map[string]string `json:"labels,omitempty"`
	DeletionProtection bool              `json:"deletion_protection,omitempty"`
	Secrets            map[string]string `json:"secrets,omitempty"`
	RestoreFrom        *RestoreFrom      `json:"restore_from,omitempty"`
	FinalSnapshot      *FinalSnapshot    `json:"final_snapshot,omitempty"`
}

// EnvironmentUpdate is the body of PATCH /v1/environments/{id}: absent fields
// stay as they are; labels and secrets replace the whole map when present.
type EnvironmentUpdate struct {
	OpenClawVersion    *string            `json:"openclaw_version,omitempty"`
	ReleaseChannel     *string            `json:"release_channel,omitempty"`
	Size               *Size              `json:"size,omitempty"`
	StateVolumeGB      *int64             `json:"state_volume_gb,omitempty"`
	DesiredState       *string            `json:"desired_state,omitempty"`
	Labels             *map[string]string `json:"labels,omitempty"`
	DeletionProtection *bool              `json:"deletion_protection,omitempty"`
	Secrets            *map[string]string `json:"secrets,omitempty"`
	FinalSnapshot      *FinalSnapshot     `json:"final_snapshot,omitempty"`
}

// GatewayLogs is the body of GET /v1/environments/{id}/logs.
type GatewayLogs struct {
	EnvironmentID string   `json:"environment_id"`
	Lines         []string `json:"lines"`
}

// GatewayToken is the body of GET /v1/environments/{id}/gateway-token: the
// gateway's shared token, with full operator access and no expiry.
type GatewayToken struct {
	EnvironmentID string `json:"environment_id"`
	Token         string `json:"token"`
}

// Health is the body of /healthz and /readyz.
type Health struct {
	Status string            `json:"status"`
	Checks map[string]string `json:"checks,omitempty"`
}
