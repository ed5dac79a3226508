package api

import (
	"fmt"
	"time"

	"github.com/openclaw/terraform-provider-openclaw/internal/ocversion"
)

// Snapshot states.
const (
	SnapshotCreating  = "creating"
	SnapshotAvailable = "available"
	SnapshotFailed    = "failed"
	SnapshotCorrupt   = "corrupt"
	SnapshotDeleting  = "deleting"
)

// Retention bounds, in days, and the limits of a snapshot's name and
// description.
const (
	MinRetentionDays          = 1
	MaxRetentionDays          = 3650
	MaxSnapshotNameLen        = 63
	MaxSnapshotDescriptionLen = 1024
)

// ValidateSnapshotName checks a snapshot's name: a DNS label of at most
// MaxSnapshotNameLen characters (room for "<environment>-final-<time>").
func ValidateSnapshotName(name string) []FieldError {
	switch {
	case name == "":
		return []FieldError{fieldErr("name", "is required")}
	case len(name) > MaxSnapshotNameLen:
		return []FieldError{fieldErr("name", "must be at most %d characters, got %d", MaxSnapshotNameLen, len(name))}
	case !NamePattern.MatchString(name):
		return []FieldError{fieldErr("name", NameRule)}
	}
	return nil
}

// ValidateSnapshotDescription checks a snapshot's description.
func ValidateSnapshotDescription(d string) []FieldError {
	if len(d) > MaxSnapshotDescriptionLen {
		return []FieldError{fieldErr("description", "must be at most %d characters, got %d", MaxSnapshotDescriptionLen, len(d))}
	}
	return nil
}

// Snapshot is an encrypted archive of an environment's state directory. It
// outlives its environment: environment_id and environment_name stay set
// after the environment is deleted.
type Snapshot struct {
	ID              string            `json:"id"`
	Name            string            `json:"name"`
	Description     string            `json:"description"`
	EnvironmentID   string            `json:"environment_id"`
	EnvironmentName string            `json:"environment_name"`
	Labels          map[string]string `json:"labels"`
	RetentionDays   *int64            `json:"retention_days,omitempty"`
	ExpiresAt       *time.Time        `json:"expires_at,omitempty"`
	Locked          bool              `json:"locked"`
	LockUntil       *time.Time        `json:"lock_until,omitempty"`
	Status          string            `json:"status"`
	// StatusMessage says why a snapshot is failed or corrupt (for a corrupt
	// one, the first failing path).
	StatusMessage   string `json:"status_message,omitempty"`
	SizeBytes       int64  `json:"size_bytes"`
	SHA256          string `json:"sha256"`
	FileCount       int64  `json:"file_count"`
	OpenClawVersion string `json:"openclaw_version"`
	// Format is the archive's: "openclaw-backup" (written by `openclaw
	// backup create`, the process driver) or "openclaw-state-archive" (the
	// control plane's archiver, the simulator). CreatedBy names the tool.
	Format      string     `json:"format,omitempty"`
	CreatedBy   string     `json:"created_by,omitempty"`
	ETag        string     `json:"etag"`
	CreatedAt   time.Time  `json:"created_at"`
	UpdatedAt   time.Time  `json:"updated_at"`
	CompletedAt *time.Time `json:"completed_at,omitempty"`
	VerifiedAt  *time.Time `json:"verified_at,omitempty"`
}

// SnapshotCreate is the body of POST /v1/snapshots.
type SnapshotCreate struct {
	EnvironmentID string            `json:"environment_id"`
	Name          string            `json:"name"`
	Description   string            `json:"description,omitempty"`
	Labels        map[string]string `json:"labels,omitempty"`
	RetentionDays *int64            `json:"retention_days,omitempty"`
	ExpiresAt     *time.Time        `json:"expires_at,omitempty"`
	Locked        bool              `json:"locked,omitempty"`
	LockUntil     *time.Time        `json:"lock_until,omitempty"`
}

// SnapshotUpdate is the body of PATCH /v1/snapshots/{id}. Absent fields stay;
// clear_expiry removes retention_days and expires_at (keep forever).
type SnapshotUpdate struct {
	Name          *string            `json:"name,omitempty"`
	Description   *string            `json:"description,omitempty"`
	Labels        *map[string]string `json:"labels,omitempty"`
	RetentionDays *int64             `json:"retention_days,omitempty"`
	ExpiresAt     *time.Time         `json:"expires_at,omitempty"`
	ClearExpiry   bool               `json:"clear_expiry,omitempty"`
	Locked        *bool              `json:"locked,omitempty"`
	LockUntil     *time.Time         `json:"lock_until,omitempty"`
}

// RestoreFrom, on POST /v1/environments, fills the new environment's state
// directory from a snapshot. credentials/ and .env are left out unless
// include_credentials: a staging copy of production must not get
// production's secrets.
type RestoreFrom struct {
	SnapshotID         string `json:"snapshot_id"`
	IncludeCredentials bool   `json:"include_credentials"`
}

// FinalSnapshot makes deleting an environment take a snapshot first.
type FinalSnapshot struct {
	Enabled bool `json:"enabled"`
	// RetentionDays of the final snapshot; 0 keeps it until deleted.
	RetentionDays int64 `json:"retention_days,omitempty"`
}

// SnapshotExcludedByDefault reports whether a state directory path is left
// out of a restore that does not include credentials.
func SnapshotExcludedByDefault(path string) bool {
	return path == ".env" || path == "credentials" || len(path) > len("credentials/") && path[:len("credentials/")] == "credentials/"
}

// SnapshotPolicy is the retention and lock of a snapshot: the part of it
// whose rules both the control plane and the provider enforce.
type SnapshotPolicy struct {
	RetentionDays *int64
	ExpiresAt     *time.Time
	Locked        bool
	LockUntil     *time.Time
}

// Expiry is when a snapshot created at created expires under p (nil: never).
func (p SnapshotPolicy) Expiry(created time.Time) *time.Time {
	switch {
	case p.RetentionDays != nil:
		t := created.UTC().Add(time.Duration(*p.RetentionDays) * 24 * time.Hour)
		return &t
	case p.ExpiresAt != nil:
		t := p.ExpiresAt.UTC()
		return &t
	}
	return nil
}

// LockedAt reports whether the lock holds at now (until lock_until passes).
func (p SnapshotPolicy) LockedAt(now time.Time) bool {
	return p.Locked && p.LockUntil != nil && now.Before(*p.LockUntil)
}

// Validate checks a policy on its own. Field names are the API's.
func (p SnapshotPolicy) Validate(now time.Time) []FieldError {
	var errs []FieldError
	if p.RetentionDays != nil && p.ExpiresAt != nil {
		errs = append(errs, FieldError{Field: "expires_at", Message: "conflicts with retention_days: set one or the other"})
	}
	if p.RetentionDays != nil && (*p.RetentionDays < MinRetentionDays || *p.RetentionDays > MaxRetentionDays) {
		errs = append(errs, FieldError{Field: "retention_days", Message: fmt.Sprintf("must be between %d and %d, got %d", MinRetentionDays, MaxRetentionDays, *p.RetentionDays)})
	}
	if p.Locked && p.LockUntil == nil {
		errs = append(errs, FieldError{Field: "lock_until", Message: "is required when locked is true: a lock holds until a date"})
	}
	if !p.Locked && p.LockUntil != nil {
		errs = append(errs, FieldError{Field: "locked", Message: "must be true when lock_until is set"})
	}
	return errs
}

// CheckSnapshotChange enforces the lock on a change from cur to next of a
// snapshot created at created: while locked, the lock cannot be lifted or
// shortened and the expiry cannot move earlier, for anyone (admins
// included). That is the write-once promise backups need.
func CheckSnapshotChange(now, created time.Time, cur, next SnapshotPolicy) []FieldError {
	if !cur.LockedAt(now) {
		return nil
	}
	until := cur.LockUntil.UTC().Format(time.RFC3339)
	var errs []FieldError
	switch {
	case !next.Locked:
		errs = append(errs, FieldError{Field: "locked", Message: fmt.Sprintf("cannot be set to false: the snapshot is locked until %s", until)})
	case next.LockUntil == nil || next.LockUntil.Before(*cur.LockUntil):
		errs = append(errs, FieldError{Field: "lock_until", Message: fmt.Sprintf("cannot move earlier than %s while the snapshot is locked", until)})
	}
	curExp, nextExp := cur.Expiry(created), next.Expiry(created)
	if curExp == nil && nextExp != nil || curExp != nil && nextExp != nil && nextExp.Before(*curExp) {
		field := "retention_days"
		if next.RetentionDays == nil {
			field = "expires_at"
		}
		errs = append(errs, FieldError{Field: field, Message: fmt.Sprintf("cannot shorten retention while the snapshot is locked until %s", until)})
	}
	return errs
}

// CheckRestoreVersion refuses restoring a snapshot taken on snapshotVersion
// onto an environment running envVersion when that is older: OpenClaw's
// database migrations are forward-only. Unparsable versions are left to the
// version validators.
func CheckRestoreVersion(envVersion, snapshotVersion string) error {
	ev, evErr := ocversion.Parse(envVersion)
	sv, svErr := ocversion.Parse(snapshotVersion)
	if parsed := evErr == nil && svErr == nil; !parsed || ocversion.Compare(ev, sv) >= 0 {
		return nil
	}
	return fmt.Errorf("the snapshot was taken on OpenClaw %s and this environment would run %s, which is older; OpenClaw's database migrations are forward-only, so choose openclaw_version %s or newer", snapshotVersion, envVersion, snapshotVersion)
}
