package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"strconv"
	"time"

	"github.com/openclaw/terraform-provider-openclaw/internal/api"
	"github.com/openclaw/terraform-provider-openclaw/internal/controlplane/driver"
	"github.com/openclaw/terraform-provider-openclaw/internal/controlplane/store"
)

// snapSpec is what the user asked for; stored as the snapshot's spec. The
// environment's ID (also the resource's parent) and name are kept so that
// the snapshot still says where it came from after the environment is gone.
type snapSpec struct {
	EnvironmentID   string     `json:"environment_id"`
	EnvironmentName string     `json:"environment_name"`
	Description     string     `json:"description"`
	RetentionDays   *int64     `json:"retention_days,omitempty"`
	ExpiresAt       *time.Time `json:"expires_at,omitempty"`
	Locked          bool       `json:"locked"`
	LockUntil       *time.Time `json:"lock_until,omitempty"`
}

func (sp snapSpec) policy() api.SnapshotPolicy {
	return api.SnapshotPolicy{RetentionDays: sp.RetentionDays, ExpiresAt: sp.ExpiresAt, Locked: sp.Locked, LockUntil: sp.LockUntil}
}

// snapStatus is what the control plane observed.
type snapStatus struct {
	Status          string `json:"status"`
	Message         string `json:"message,omitempty"`
	SizeBytes       int64  `json:"size_bytes"`
	SHA256          string `json:"sha256"`
	FileCount       int64  `json:"file_count"`
	OpenClawVersion string `json:"openclaw_version"`
	// Format is the archive's (archive.Format*; "" before it was recorded:
	// a state archive) and CreatedBy the tool that wrote it
	// (driver.Backup.Tool).
	Format      string     `json:"format,omitempty"`
	CreatedBy   string     `json:"created_by,omitempty"`
	CompletedAt *time.Time `json:"completed_at,omitempty"`
	VerifiedAt  *time.Time `json:"verified_at,omitempty"`
	// BlobKey is the archive's key in the snapshot store: one per attempt,
	// so two runs of a slow step (a lease that expired) never mix.
	BlobKey string `json:"blob_key,omitempty"`
}

// dataKeyName is the snapshot's sealed data key in the secrets table.
const dataKeyName = "data_key"

var snapshotImmutable = map[string]string{
	"id":               "is assigned by the control plane",
	"environment_id":   "cannot be changed: a snapshot belongs to the environment it was taken of (Terraform replaces it)",
	"environment_name": "is read-only",
	"status":           "is read-only",
	"status_message":   "is read-only",
	"size_bytes":       "is read-only",
	"sha256":           "is read-only",
	"file_count":       "is read-only",
	"openclaw_version": "is read-only: it is the version of the environment when the snapshot was taken",
	"format":           "is read-only: the driver's backup tool decides it",
	"created_by":       "is read-only",
	"etag":             "is read-only; send it in the If-Match header",
	"created_at":       "is read-only",
	"updated_at":       "is read-only",
	"completed_at":     "is read-only",
	"verified_at":      "is read-only; POST /v1/snapshots/{id}/verify",
}

// validatePolicy checks retention and lock as of now.
func validatePolicy(p api.SnapshotPolicy, now time.Time) []api.FieldError {
	errs := p.Validate(now)
	if p.ExpiresAt != nil && !p.ExpiresAt.After(now) {
		errs = append(errs, fieldErr("expires_at", "must be in the future, got %s", p.ExpiresAt.UTC().Format(time.RFC3339)))
	}
	return errs
}

func (s *Server) requireSnapshots() error {
	if s.snapshots == nil {
		return errorf(http.StatusInternalServerError, api.CodeInternal, "this control plane has no snapshot store configured (--snapshot-store)")
	}
	return nil
}

func decodeSnapshot(res *store.Resource) (snapSpec, snapStatus, error) {
	var spec snapSpec
	var st snapStatus
	if err := json.Unmarshal(res.Spec, &spec); err != nil {
		return spec, st, fmt.Errorf("decode spec of %s: %w", res.ID, err)
	}
	if err := json.Unmarshal(res.Status, &st); err != nil {
		return spec, st, fmt.Errorf("decode status of %s: %w", res.ID, err)
	}
	return spec, st, nil
}

func snapshotView(res *store.Resource) (api.Snapshot, error) {
	spec, st, err := decodeSnapshot(res)
	if err != nil {
		return api.Snapshot{}, err
	}
	return api.Snapshot{
		ID:              res.ID,
		Name:            res.Name,
		Description:     spec.Description,
		EnvironmentID:   spec.EnvironmentID,
		EnvironmentName: spec.EnvironmentName,
		Labels:          orEmpty(res.Labels),
		RetentionDays:   spec.RetentionDays,
		ExpiresAt:       spec.policy().Expiry(res.CreatedAt),
		Locked:          spec.Locked,
		LockUntil:       utcPtr(spec.LockUntil),
		Status:          st.Status,
		StatusMessage:   st.Message,
		SizeBytes:       st.SizeBytes,
		SHA256:          st.SHA256,
		FileCount:       st.FileCount,
		OpenClawVersion: st.OpenClawVersion,
		Format:          st.Format,
		CreatedBy:       st.CreatedBy,
		ETag:            etagOf(res),
		CreatedAt:       res.CreatedAt.UTC(),
		UpdatedAt:       res.UpdatedAt.UTC(),
		CompletedAt:     utcPtr(st.CompletedAt),
		VerifiedAt:      utcPtr(st.VerifiedAt),
	}, nil
}

func (s *Server) createSnapshot(w http.ResponseWriter, r *http.Request, p *principal) error {
	if err := p.require(dataSnapshots.writeScope); err != nil {
		return err
	}
	if err := s.requireSnapshots(); err != nil {
		return err
	}
	var req api.SnapshotCreate
	if err := decodeJSON(r, &req, snapshotImmutable); err != nil {
		return err
	}
	now := s.now()
	spec := snapSpec{EnvironmentID: req.EnvironmentID, Description: req.Description, RetentionDays: req.RetentionDays, ExpiresAt: req.ExpiresAt, Locked: req.Locked, LockUntil: req.LockUntil}
	var errs []api.FieldError
	errs = append(errs, api.ValidateSnapshotName(req.Name)...)
	errs = append(errs, api.ValidateSnapshotDescription(req.Description)...)
	errs = append(errs, api.ValidateLabels(req.Labels)...)
	errs = append(errs, validatePolicy(spec.policy(), now)...)
	if req.LockUntil != nil && !req.LockUntil.After(now) {
		errs = append(errs, fieldErr("lock_until", "must be in the future, got %s", req.LockUntil.UTC().Format(time.RFC3339)))
	}
	if req.EnvironmentID == "" {
		errs = append(errs, fieldErr("environment_id", "is required"))
	}
	if len(errs) > 0 {
		return invalid(errs...)
	}
	env, err := s.load(r.Context(), p, environments, req.EnvironmentID)
	if err != nil {
		return err
	}
	if err := snapshottable(env); err != nil {
		return err
	}
	if err := s.requireBackups(fmt.Sprintf("cannot snapshot environment %q", env.Name), "environment_id"); err != nil {
		return err
	}
	spec.EnvironmentName = env.Name
	res := newSnapshotResource(env, req.Name, spec, req.Labels, now)
	op := s.newOperation(opSnapshotCreate, store.KindDataSnapshot, res.ID)
	op.Message = "queued"
	return s.commitCreate(w, r, res, op, func(tx store.Tx) error { return s.putDataKey(r.Context(), tx, res.ID) }, func(*store.UniqueViolation) error {
		e := errorf(http.StatusConflict, api.CodeConflict, "environment %q already has a snapshot named %q; choose another name or import it", env.Name, req.Name)
		e.problem.Errors = []api.FieldError{fieldErr("name", "is already used by another snapshot of this environment")}
		return e
	})
}

// requireBackups refuses, before anything is queued, a snapshot or restore
// that this control plane's driver cannot make (field names the attribute).
func (s *Server) requireBackups(what, field string) error {
	if driver.CanBackup(s.gw) {
		return nil
	}
	e := errorf(http.StatusConflict, api.CodeConflict, "%s: the %s driver of this control plane cannot back up or restore gateways; snapshots need the process or simulator driver", what, s.drv.Name())
	e.problem.Errors = []api.FieldError{fieldErr(field, "the %s driver of this control plane takes no snapshots", s.drv.Name())}
	return e
}

// snapshottable refuses environments without a settled state directory.
func snapshottable(env *store.Resource) error {
	var st envStatus
	if err := json.Unmarshal(env.Status, &st); err != nil {
		return err
	}
	switch st.Status {
	case api.EnvStatusProvisioning, api.EnvStatusDeleting, api.EnvStatusFailed:
		return errorf(http.StatusConflict, api.CodeConflict, "environment %q is %s; snapshots are taken of running or stopped environments", env.Name, st.Status)
	}
	return nil
}

func newSnapshotResource(env *store.Resource, name string, spec snapSpec, labels map[string]string, now time.Time) *store.Resource {
	return &store.Resource{
		Kind:      store.KindDataSnapshot,
		ID:        newID("snap"),
		ParentID:  env.ID,
		Name:      name,
		Spec:      mustJSON(spec),
		Status:    mustJSON(snapStatus{Status: api.SnapshotCreating}),
		Labels:    orEmpty(labels),
		CreatedAt: now,
		UpdatedAt: now,
	}
}

// putDataKey gives a new snapshot its fresh data key, sealed.
func (s *Server) putDataKey(ctx context.Context, tx store.Tx, snapshotID string) error {
	key, err := newDataKey()
	if err != nil {
		return err
	}
	sealed, err := s.sealSecrets(snapshotID, map[string]string{dataKeyName: key}, nil)
	if err != nil {
		return err
	}
	return tx.PutSecrets(ctx, snapshotID, sealed)
}

// insertSnapshot stores a new snapshot with its data key (final snapshots;
// the API's creates go through commitCreate).
func (s *Server) insertSnapshot(ctx context.Context, tx store.Tx, res *store.Resource) error {
	if err := tx.CreateResource(ctx, res); err != nil {
		return err
	}
	return s.putDataKey(ctx, tx, res.ID)
}

func (s *Server) getSnapshot(w http.ResponseWriter, r *http.Request, p *principal) error {
	return serveGet(s, w, r, p, dataSnapshots, snapshotViewCtx)
}

func (s *Server) listSnapshots(w http.ResponseWriter, r *http.Request, p *principal) error {
	return serveList(s, w, r, p, dataSnapshots, snapshotViewCtx, nil)
}

func snapshotViewCtx(_ context.Context, res *store.Resource) (api.Snapshot, error) {
	return snapshotView(res)
}

func (s *Server) updateSnapshot(w http.ResponseWriter, r *http.Request, p *principal) error {
	u, err := beginUpdate[api.SnapshotUpdate, snapSpec, snapStatus](s, r, p, dataSnapshots, snapshotImmutable)
	if err != nil {
		return err
	}
	req, res, spec, id := u.req, u.res, u.spec, u.res.ID
	now := s.now()
	old := spec
	var errs []api.FieldError
	if req.Name != nil && *req.Name != res.Name {
		if errs = api.ValidateSnapshotName(*req.Name); len(errs) == 0 {
			if other, err := s.store.GetResourceByName(r.Context(), store.KindDataSnapshot, res.ParentID, *req.Name); err == nil && other.ID != id {
				e := errorf(http.StatusConflict, api.CodeConflict, "environment %q already has a snapshot named %q", spec.EnvironmentName, *req.Name)
				e.problem.Errors = []api.FieldError{fieldErr("name", "is already used by another snapshot of this environment")}
				return e
			}
		}
	}
	renamed := req.Name != nil && *req.Name != res.Name
	if renamed {
		res.Name = *req.Name
	}
	if req.Description != nil {
		spec.Description = *req.Description
	}
	if req.ClearExpiry {
		spec.RetentionDays, spec.ExpiresAt = nil, nil
	}
	if req.RetentionDays != nil {
		spec.RetentionDays, spec.ExpiresAt = req.RetentionDays, nil
	}
	if req.ExpiresAt != nil {
		spec.ExpiresAt = req.ExpiresAt
		if req.RetentionDays == nil {
			spec.RetentionDays = nil
		}
	}
	if req.Locked != nil {
		spec.Locked = *req.Locked
		if !spec.Locked && req.LockUntil == nil {
			spec.LockUntil = nil
		}
	}
	if req.LockUntil != nil {
		spec.LockUntil = req.LockUntil
	}
	labels := res.Labels
	if req.Labels != nil {
		labels = orEmpty(*req.Labels)
		errs = append(errs, api.ValidateLabels(labels)...)
	}
	errs = append(errs, api.ValidateSnapshotDescription(spec.Description)...)
	errs = append(errs, spec.policy().Validate(now)...)
	if req.ExpiresAt != nil && !req.ExpiresAt.After(now) {
		errs = append(errs, fieldErr("expires_at", "must be in the future, got %s", req.ExpiresAt.UTC().Format(time.RFC3339)))
	}
	if len(errs) > 0 {
		return invalid(errs...)
	}
	if lockErrs := api.CheckSnapshotChange(now, res.CreatedAt, old.policy(), spec.policy()); len(lockErrs) > 0 {
		e := errorf(http.StatusConflict, api.CodeConflict, "snapshot %q is locked until %s: its lock and retention can only be extended", res.Name, old.LockUntil.UTC().Format(time.RFC3339))
		e.problem.Errors = lockErrs
		return e
	}
	changed := renamed || !jsonEqual(old, spec) || !maps.Equal(labels, res.Labels)
	op := s.newOperation(opSnapshotUpdate, store.KindDataSnapshot, id)
	msg := "no changes"
	if changed {
		msg = "updated: metadata, retention and lock change without touching the archive"
	}
	s.metadataOnly(op, msg)
	res.Spec = mustJSON(spec)
	res.Labels = labels
	return s.commitUpdate(w, r, dataSnapshots, res, changed, op, nil)
}

func (s *Server) deleteSnapshot(w http.ResponseWriter, r *http.Request, p *principal) error {
	res, err := s.beginDelete(r, p, dataSnapshots)
	if err != nil {
		return err
	}
	spec, _, err := decodeSnapshot(res)
	if err != nil {
		return err
	}
	if spec.policy().LockedAt(s.now()) {
		until := spec.LockUntil.UTC().Format(time.RFC3339)
		e := errorf(http.StatusConflict, api.CodeConflict,
			"snapshot %q is locked until %s and cannot be deleted before then, by anyone (admins included); it can be deleted after %s", res.Name, until, until)
		e.problem.Errors = []api.FieldError{fieldErr("locked", "the snapshot is locked until %s", until)}
		return e
	}
	return s.startDelete(w, r, dataSnapshots, res, opSnapshotDelete)
}

// verifySnapshot re-reads the blob, decrypts it, and checks the stored
// SHA-256 and every manifest entry. A mismatch marks the snapshot corrupt,
// with the first failing path; a pass records verified_at.
func (s *Server) verifySnapshot(w http.ResponseWriter, r *http.Request, p *principal) error {
	if err := p.require(dataSnapshots.writeScope); err != nil {
		return err
	}
	if err := s.requireSnapshots(); err != nil {
		return err
	}
	res, err := s.load(r.Context(), p, dataSnapshots, r.PathValue("id"))
	if err != nil {
		return err
	}
	setAuditTarget(r.Context(), store.KindDataSnapshot, res.ID)
	_, st, err := decodeSnapshot(res)
	if err != nil {
		return err
	}
	if st.Status != api.SnapshotAvailable && st.Status != api.SnapshotCorrupt {
		return errorf(http.StatusConflict, api.CodeConflict, "snapshot %q is %s; only available or corrupt snapshots can be verified", res.Name, st.Status)
	}
	problem, err := s.checkSnapshotBlob(r.Context(), res, st)
	if err != nil {
		return err
	}
	now := s.now()
	res, err = s.mutateResource(r.Context(), store.KindDataSnapshot, res.ID, func(r *store.Resource) error {
		return editStatus(r, func(st *snapStatus) {
			if st.Status != api.SnapshotAvailable && st.Status != api.SnapshotCorrupt {
				return // deleted meanwhile
			}
			if problem != "" {
				st.Status, st.Message = api.SnapshotCorrupt, problem
				return
			}
			st.Status, st.Message, st.VerifiedAt = api.SnapshotAvailable, "", &now
		})
	})
	if err != nil {
		return err
	}
	v, err := snapshotView(res)
	if err != nil {
		return err
	}
	w.Header().Set("ETag", strconv.Quote(v.ETag))
	writeJSON(w, http.StatusOK, v)
	return nil
}

func validateFinalSnapshot(fs *api.FinalSnapshot) []api.FieldError {
	if fs == nil || fs.RetentionDays == 0 {
		return nil
	}
	if fs.RetentionDays < api.MinRetentionDays || fs.RetentionDays > api.MaxRetentionDays {
		return []api.FieldError{fieldErr("final_snapshot.retention_days", "must be between %d and %d, got %d", api.MinRetentionDays, api.MaxRetentionDays, fs.RetentionDays)}
	}
	return nil
}

// checkRestoreFrom validates a new environment's restore_from: a snapshot
// the key may read, available, and not newer than the environment's
// OpenClaw version.
func (s *Server) checkRestoreFrom(ctx context.Context, p *principal, spec envSpec) error {
	from := spec.RestoreFrom
	if from == nil {
		return nil
	}
	if err := p.require(dataSnapshots.readScope); err != nil {
		return err
	}
	if err := s.requireSnapshots(); err != nil {
		return err
	}
	if from.SnapshotID == "" {
		return invalid(fieldErr("restore_from.snapshot_id", "is required"))
	}
	snap, err := s.load(ctx, p, dataSnapshots, from.SnapshotID)
	var ae *apiError
	if errors.As(err, &ae) && ae.problem.Code == api.CodeNotFound {
		return invalid(fieldErr("restore_from.snapshot_id", "no snapshot %q exists", from.SnapshotID))
	}
	if err != nil {
		return err
	}
	_, st, err := decodeSnapshot(snap)
	if err != nil {
		return err
	}
	if st.Status != api.SnapshotAvailable {
		e := errorf(http.StatusConflict, api.CodeConflict, "snapshot %q is %s; only available snapshots can be restored", snap.Name, st.Status)
		e.problem.Errors = []api.FieldError{fieldErr("restore_from.snapshot_id", "snapshot %q is %s", snap.Name, st.Status)}
		return e
	}
	if err := api.CheckRestoreVersion(spec.OpenClawVersion, st.OpenClawVersion); err != nil {
		return invalid(fieldErr("openclaw_version", "%s", err.Error()))
	}
	return s.requireBackups(fmt.Sprintf("cannot restore snapshot %q", snap.Name), "restore_from.snapshot_id")
}
