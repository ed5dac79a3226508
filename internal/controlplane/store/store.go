// Package store is the control plane's persistence. One interface, two real
// implementations behind it (SQLite through modernc.org/sqlite, PostgreSQL
// through pgx), the same schema managed by goose migrations embedded in the
// binary, and one test suite (storetest) that both must pass.
//
// Resources of every kind share one table: identity, name and an optional
// second unique key are columns; the spec (what the user asked for) and the
// status (what the control plane observed) are JSON documents. Generation
// counts spec changes and is the API's ETag; Revision counts every write and
// guards read-modify-write cycles against lost updates.
package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// Resource kinds.
const (
	KindEnvironment      = "environment"
	KindGPUPool          = "gpu_pool"
	KindAPIKey           = "api_key"
	KindShutdownSchedule = "shutdown_schedule"
	KindDataSnapshot     = "data_snapshot"
)

// Sentinel errors. Implementations wrap them so errors.Is works.
var (
	ErrNotFound = errors.New("not found")
	// ErrConflict: a unique key is taken, or a conditional write lost a race.
	ErrConflict = errors.New("conflict")
	// ErrInvalidPageToken: a PageToken that no list call of this store issued.
	ErrInvalidPageToken = errors.New("invalid page token")
)

// UniqueViolation is returned (wrapping ErrConflict) when a create or update
// would duplicate a unique key. Field is "name" or "alt_key" (resources and
// API keys), "secret_hash" (API keys) or "id" (a reused ID).
type UniqueViolation struct {
	Field string
}

func (e *UniqueViolation) Error() string { return fmt.Sprintf("duplicate %s", e.Field) }
func (e *UniqueViolation) Unwrap() error { return ErrConflict }

// Resource is one stored object of any kind.
type Resource struct {
	Kind string
	ID   string
	// ParentID scopes Name and AltKey uniqueness ("" for top-level kinds).
	ParentID string
	Name     string
	// AltKey is an optional second key unique within (Kind, ParentID), such
	// as a GPU pool's provider_id. Empty means none.
	AltKey     string
	Generation int64
	Revision   int64
	Spec       json.RawMessage
	Status     json.RawMessage
	Labels     map[string]string
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

// ResourceRef names one stored revision of a resource.
type ResourceRef struct {
	ID       string
	Revision int64
}

// ListFilter selects resources of one kind, oldest first (newest first with
// Descending).
type ListFilter struct {
	Kind string
	// ParentID, when non-nil, restricts to children of that parent.
	ParentID *string
	// ParentIDs, when non-nil, restricts to children of any of these parents
	// (the GPU pools of a page of environments).
	ParentIDs []string
	Name      string
	// Labels must all match exactly.
	Labels map[string]string
	// IDs, when non-nil, restricts to these IDs (used by environment-bound keys).
	IDs []string
	// PageSize defaults to 100 and is capped at 500.
	PageSize int
	// PageToken is the NextPageToken of the previous page.
	PageToken string
	// Descending lists newest first (snapshots: the latest is what a
	// restore usually wants).
	Descending bool
}

// Secret is an encrypted secret value owned by a resource.
type Secret struct {
	ResourceID  string
	Name        string
	Nonce       []byte
	Ciphertext  []byte
	Version     int64
	Fingerprint string
	UpdatedAt   time.Time
}

// Operation states mirror the API's.
const (
	OpPending   = "pending"
	OpRunning   = "running"
	OpSucceeded = "succeeded"
	OpFailed    = "failed"
)

// Operation is one asynchronous mutation and the progress of its state machine.
type Operation struct {
	ID         string
	Kind       string
	TargetKind string
	TargetID   string
	Status     string
	// Step is the state machine's position, persisted so that a restarted
	// control plane resumes where it stopped.
	Step    int
	Message string
	// Payload is kind-specific input (for example the previous spec).
	Payload json.RawMessage
	// Error is the API problem document of a failed operation.
	Error       json.RawMessage
	Attempts    int
	NextRunAt   time.Time
	LeaseOwner  string
	LeaseUntil  time.Time
	CreatedAt   time.Time
	UpdatedAt   time.Time
	CompletedAt *time.Time
}

// Done reports whether the operation reached a final state.
func (o *Operation) Done() bool { return o.Status == OpSucceeded || o.Status == OpFailed }

// IdempotencyRecord remembers the first response to a POST with a key.
type IdempotencyRecord struct {
	Principal   string
	Key         string
	Method      string
	Path        string
	RequestHash string
	// StatusCode is 0 while the first request is still being handled.
	StatusCode   int
	ResponseBody []byte
	Location     string
	CreatedAt    time.Time
}

// APIKey is a control plane key. Only a hash of the secret is stored.
type APIKey struct {
	ID                 string
	Name               string
	Description        string
	Prefix             string
	SecretHash         string
	Scopes             []string
	EnvironmentID      string
	AllowedCIDRs       []string
	RateLimitPerMinute int
	Labels             map[string]string
	ExpiresAt          *time.Time
	CreatedAt          time.Time
	UpdatedAt          time.Time
	LastUsedAt         *time.Time
	RevokedAt          *time.Time
	// RevokeGraceUntil keeps a revoked key valid until then (rotation).
	RevokeGraceUntil *time.Time
	// Ephemeral marks keys opened by Terraform's ephemeral resource.
	Ephemeral bool
}

// APIKeyFilter selects API keys; empty fields match everything.
type APIKeyFilter struct {
	Name          string
	EnvironmentID string
	// PageSize defaults to 100 and is capped at 500.
	PageSize  int
	PageToken string
}

// AuditEvent records a mutation or an authentication failure.
type AuditEvent struct {
	ID           int64
	Time         time.Time
	KeyID        string
	KeyPrefix    string
	Action       string
	ResourceKind string
	ResourceID   string
	SourceIP     string
	Outcome      string
	StatusCode   int
	RequestID    string
	Detail       string
}

// AuditFilter selects audit events, newest first.
type AuditFilter struct {
	KeyID     string
	Action    string
	Outcome   string
	Since     time.Time
	PageSize  int
	PageToken string
}

// ScheduleRun is one transition a shutdown schedule executed (or decided to
// skip). Runs go when their schedule is deleted.
type ScheduleRun struct {
	ID         string
	ScheduleID string
	// At is the transition's scheduled instant (or, for an initial or
	// enforcing run, when it was decided): unique per schedule.
	At      time.Time
	Action  string
	Trigger string
	// Outcome is "started" (OperationID runs it) or "skipped" (Detail says why).
	Outcome     string
	Detail      string
	OperationID string
	CreatedAt   time.Time
}

// Tx is every store operation; a Store runs them either alone or inside InTx.
type Tx interface {
	CreateResource(ctx context.Context, r *Resource) error
	GetResource(ctx context.Context, kind, id string) (*Resource, error)
	GetResourceByName(ctx context.Context, kind, parentID, name string) (*Resource, error)
	ListResources(ctx context.Context, f ListFilter) (items []*Resource, nextPageToken string, err error)
	// ListRevisions selects the same page as ListResources with the same
	// filter, but reads only each resource's ID and revision.
	ListRevisions(ctx context.Context, f ListFilter) (refs []ResourceRef, nextPageToken string, err error)
	// UpdateResource writes r if its stored Revision still equals r.Revision,
	// then sets r.Revision to the new value; otherwise ErrConflict (or
	// ErrNotFound). Labels, name, alt key, generation, spec and status are all
	// written. UpdatedAt becomes now unless the caller changed it from the
	// stored value, in which case the caller's value is written.
	UpdateResource(ctx context.Context, r *Resource) error
	// DeleteResource removes the resource, its labels and its secrets.
	DeleteResource(ctx context.Context, kind, id string) error

	// PutSecrets replaces the whole secret set of a resource.
	PutSecrets(ctx context.Context, resourceID string, secrets []Secret) error
	ListSecrets(ctx context.Context, resourceID string) ([]Secret, error)
	// SecretInfos returns the secrets of many resources in one query, by
	// resource ID and in name order, without nonce or ciphertext: what a
	// list page shows.
	SecretInfos(ctx context.Context, resourceIDs []string) (map[string][]Secret, error)

	CreateOperation(ctx context.Context, op *Operation) error
	GetOperation(ctx context.Context, id string) (*Operation, error)
	// GetOperations reads many operations in one query, by ID; IDs that do
	// not exist are left out.
	GetOperations(ctx context.Context, ids []string) (map[string]*Operation, error)
	// UpdateOperation writes every mutable field of op (ErrNotFound if it is
	// gone); UpdatedAt as in UpdateResource.
	UpdateOperation(ctx context.Context, op *Operation) error
	// ListActiveOperations returns the unfinished operations of a target,
	// oldest first.
	ListActiveOperations(ctx context.Context, targetID string) ([]*Operation, error)
	// ClaimOperations leases up to limit unfinished operations that are due at
	// now and are the oldest unfinished operation of their target, to owner
	// until leaseUntil. A lease held by another owner is respected until it
	// expires, so several replicas never run the same step at once.
	ClaimOperations(ctx context.Context, owner string, now, leaseUntil time.Time, limit int) ([]*Operation, error)

	// CreateIdempotency inserts a pending record; ErrConflict if the
	// (principal, key) pair exists.
	CreateIdempotency(ctx context.Context, rec *IdempotencyRecord) error
	GetIdempotency(ctx context.Context, principal, key string) (*IdempotencyRecord, error)
	CompleteIdempotency(ctx context.Context, rec *IdempotencyRecord) error
	// DeleteIdempotency removes a record; ErrNotFound if there is none.
	DeleteIdempotency(ctx context.Context, principal, key string) error
	// PurgeIdempotency removes records created before cutoff.
	PurgeIdempotency(ctx context.Context, cutoff time.Time) (int64, error)

	CreateAPIKey(ctx context.Context, k *APIKey) error
	GetAPIKey(ctx context.Context, id string) (*APIKey, error)
	GetAPIKeyByHash(ctx context.Context, hash string) (*APIKey, error)
	// ListAPIKeys returns keys oldest first. Names are not unique: a
	// rotation creates the new key before it revokes the old one.
	ListAPIKeys(ctx context.Context, f APIKeyFilter) ([]*APIKey, string, error)
	// UpdateAPIKey writes every field of k except ID, CreatedAt and
	// LastUsedAt (which only TouchAPIKey writes); UpdatedAt as in
	// UpdateResource.
	UpdateAPIKey(ctx context.Context, k *APIKey) error
	// UpdateAPIKeyMetadata writes only name, description and labels (and
	// updated_at = at), so it can never undo a concurrent revocation.
	UpdateAPIKeyMetadata(ctx context.Context, id, name, description string, labels map[string]string, at time.Time) (*APIKey, error)
	// RevokeAPIKey revokes a key at `at` with a grace period ending at
	// graceUntil (nil: none), in one statement. An already revoked key keeps
	// its revoked_at, and its grace period can only shorten: a revoked key
	// is never revived.
	RevokeAPIKey(ctx context.Context, id string, at time.Time, graceUntil *time.Time) (*APIKey, error)
	// TouchAPIKey records a use; cheap and not transactional.
	TouchAPIKey(ctx context.Context, id string, at time.Time) error
	DeleteAPIKey(ctx context.Context, id string) error
	CountAPIKeys(ctx context.Context) (int, error)

	// Lock serialises the transactions that take the same named lock, until
	// the enclosing InTx ends; replicas on one PostgreSQL database wait for
	// each other (SQLite writers are serialised anyway). Outside InTx it is
	// an error: a lock that ends with its statement protects nothing.
	Lock(ctx context.Context, name string) error

	// CreateScheduleRun records a run of a shutdown schedule; a second run
	// of the same schedule at the same At fails with a UniqueViolation on
	// "at" (wrapping ErrConflict), so each transition runs exactly once.
	CreateScheduleRun(ctx context.Context, r *ScheduleRun) error
	// ListScheduleRuns returns a schedule's runs, newest first.
	ListScheduleRuns(ctx context.Context, scheduleID string, pageSize int, pageToken string) ([]*ScheduleRun, string, error)
	// LatestScheduleRun is the run with the latest At (ErrNotFound: none).
	LatestScheduleRun(ctx context.Context, scheduleID string) (*ScheduleRun, error)
	// LatestScheduleRuns is LatestScheduleRun of many schedules in one
	// query, by schedule ID; schedules with no run are left out.
	LatestScheduleRuns(ctx context.Context, scheduleIDs []string) (map[string]*ScheduleRun, error)

	AppendAudit(ctx context.Context, e *AuditEvent) error
	ListAudit(ctx context.Context, f AuditFilter) ([]*AuditEvent, string, error)
}

// Store is a database with the operations of Tx.
type Store interface {
	Tx
	// InTx runs fn in one transaction; fn's error rolls it back.
	InTx(ctx context.Context, fn func(tx Tx) error) error
	Ping(ctx context.Context) error
	// Driver is "sqlite" or "postgres".
	Driver() string
	Close() error
}
