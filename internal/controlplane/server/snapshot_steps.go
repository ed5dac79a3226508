package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/openclaw/terraform-provider-openclaw/internal/api"
	"github.com/openclaw/terraform-provider-openclaw/internal/controlplane/archive"
	"github.com/openclaw/terraform-provider-openclaw/internal/controlplane/snapshotblob"
	"github.com/openclaw/terraform-provider-openclaw/internal/controlplane/store"
)

// Snapshots: taking one archives the environment's state directory
// (archive.Archiver), encrypts it to the snapshot's own data key and
// streams it to the blob store (snapshotblob) in one pass; nothing
// unencrypted touches the disk beyond the archiver's transient SQLite
// copies.

func (s *Server) registerSnapshotSteps() {
	s.engine.steps[opSnapshotCreate] = s.createSnapshotStep
	s.engine.steps[opSnapshotDelete] = s.deleteSnapshotStep
}

var newDataKey = snapshotblob.NewKey

// blobKey names one attempt's archive of a snapshot.
func blobKey(snapshotID, attempt string) string {
	return snapshotID + "-" + attempt + ".tar.gz.age"
}

func (s *Server) createSnapshotStep(ctx context.Context, op *store.Operation) (stepOutcome, error) {
	res, err := s.store.GetResource(ctx, store.KindDataSnapshot, op.TargetID)
	if errors.Is(err, store.ErrNotFound) {
		return stepOutcome{fail: errorf(http.StatusNotFound, api.CodeNotFound, "snapshot %s was deleted before it was taken", op.TargetID)}, nil
	}
	if err != nil {
		return stepOutcome{}, err
	}
	fail, err := s.takeSnapshot(ctx, res)
	if err != nil {
		return stepOutcome{}, err
	}
	if fail != nil {
		return stepOutcome{fail: fail}, nil //nolint:nilerr // fail is the operation's outcome, not a step error
	}
	op.Message = "available"
	return stepOutcome{done: true}, nil
}

// takeSnapshot archives the environment into the snapshot's blob and marks
// it available, or failed (fail says why). err is transient: retry.
func (s *Server) takeSnapshot(ctx context.Context, res *store.Resource) (fail *apiError, err error) {
	spec, st, err := decodeSnapshot(res)
	if err != nil {
		return nil, err
	}
	if st.Status != api.SnapshotCreating {
		return nil, nil // taken by an earlier run of this step
	}
	markFailed := func(format string, args ...any) (*apiError, error) {
		msg := fmt.Sprintf(format, args...)
		if _, err := s.mutateResource(ctx, store.KindDataSnapshot, res.ID, func(r *store.Resource) error {
			return editStatus(r, func(st *snapStatus) { st.Status, st.Message = api.SnapshotFailed, msg })
		}); err != nil {
			return nil, err
		}
		return errorf(http.StatusInternalServerError, api.CodeInternal, "snapshot %q failed: %s; the snapshot is marked failed (Terraform replaces it on the next apply)", res.Name, msg), nil
	}
	if ferr := s.check("snapshot", res.Labels); ferr != nil {
		return markFailed("%v", ferr)
	}
	env, err := s.store.GetResource(ctx, store.KindEnvironment, spec.EnvironmentID)
	if errors.Is(err, store.ErrNotFound) {
		return markFailed("environment %s was deleted before the snapshot was taken", spec.EnvironmentID)
	}
	if err != nil {
		return nil, err
	}
	var es envSpec
	if err := json.Unmarshal(env.Spec, &es); err != nil {
		return nil, err
	}
	key, err := s.SecretValue(ctx, res.ID, dataKeyName)
	if err != nil {
		return nil, fmt.Errorf("data key of snapshot %s: %w", res.ID, err)
	}
	meta := archive.Meta{OpenClawVersion: es.OpenClawVersion, EnvironmentID: env.ID, EnvironmentName: env.Name, CreatedAt: s.now()}
	var m *archive.Manifest
	bkey := blobKey(res.ID, strings.TrimPrefix(newID("a"), "a_"))
	written, err := s.snapshots.Write(ctx, bkey, key, func(w io.Writer) error {
		var err error
		dir, err := s.stateDirOf(env.ID)
		if err != nil {
			return err
		}
		m, err = s.archiver.Create(ctx, dir, meta, w)
		return err
	})
	if err != nil {
		if ctx.Err() != nil {
			return nil, err
		}
		s.logger.WarnContext(ctx, "snapshot failed", "snapshot_id", res.ID, "err", err)
		return markFailed("archiving the state directory of %q: %v", env.Name, err)
	}
	now := s.now()
	recorded := false
	_, err = s.mutateResource(ctx, store.KindDataSnapshot, res.ID, func(r *store.Resource) error {
		return editStatus(r, func(st *snapStatus) {
			// Decided on every try: a write that lost a race is tried again.
			recorded = st.Status == api.SnapshotCreating
			if !recorded {
				return // another run finished first: its archive stands
			}
			*st = snapStatus{
				Status:          api.SnapshotAvailable,
				SizeBytes:       written.Size,
				SHA256:          written.SHA256,
				FileCount:       int64(len(m.Files)),
				OpenClawVersion: es.OpenClawVersion,
				CompletedAt:     &now,
				BlobKey:         bkey,
			}
		})
	})
	if err == nil && !recorded {
		err = s.snapshots.Delete(ctx, bkey)
	}
	return nil, err
}

func (s *Server) deleteSnapshotStep(ctx context.Context, op *store.Operation) (stepOutcome, error) {
	res, err := s.store.GetResource(ctx, store.KindDataSnapshot, op.TargetID)
	if errors.Is(err, store.ErrNotFound) {
		op.Message = "already deleted"
		return stepOutcome{done: true}, nil
	}
	if err != nil {
		return stepOutcome{}, err
	}
	_, st, err := decodeSnapshot(res)
	if err != nil {
		return stepOutcome{}, err
	}
	if s.snapshots != nil && st.BlobKey != "" {
		if err := s.snapshots.Delete(ctx, st.BlobKey); err != nil {
			return stepOutcome{}, err
		}
	}
	// The row goes with its sealed data key: any copy of the blob left in
	// a bucket's version history can no longer be decrypted.
	if err := s.store.DeleteResource(ctx, store.KindDataSnapshot, res.ID); err != nil && !errors.Is(err, store.ErrNotFound) {
		return stepOutcome{}, err
	}
	op.Message = "deleted"
	return stepOutcome{done: true}, nil
}

// checkSnapshotBlob reads and checks a snapshot's blob; problem is "" when
// it is intact, else what is wrong (naming the first failing path).
func (s *Server) checkSnapshotBlob(ctx context.Context, res *store.Resource, st snapStatus) (problem string, err error) {
	key, err := s.SecretValue(ctx, res.ID, dataKeyName)
	if err != nil {
		return "", fmt.Errorf("data key of snapshot %s: %w", res.ID, err)
	}
	var verr error
	got, err := s.snapshots.Read(ctx, st.BlobKey, key, func(pt io.Reader) error {
		_, verr = archive.Verify(ctx, pt)
		return nil
	})
	var ee *archive.EntryError
	switch {
	case errors.Is(err, snapshotblob.ErrNotFound):
		return "the archive is missing from the snapshot store", nil
	case errors.Is(err, snapshotblob.ErrCorrupt):
		return "the archive does not decrypt: it was modified or truncated", nil
	case err != nil:
		return "", err
	case errors.As(verr, &ee) && errors.Is(verr, snapshotblob.ErrCorrupt):
		return fmt.Sprintf("the archive does not decrypt (at %s): it was modified or truncated", orUnknown(ee.Path)), nil
	case errors.Is(verr, snapshotblob.ErrCorrupt):
		return "the archive does not decrypt: it was modified or truncated", nil
	case errors.As(verr, &ee):
		return "manifest check failed: " + ee.Error(), nil
	case verr != nil:
		return "", verr
	case got.SHA256 != st.SHA256 || got.Size != st.SizeBytes:
		return fmt.Sprintf("the stored archive has SHA-256 %s (%d bytes), recorded %s (%d bytes)", got.SHA256, got.Size, st.SHA256, st.SizeBytes), nil
	}
	return "", nil
}

func orUnknown(s string) string {
	if s == "" {
		return "an unknown entry"
	}
	return strings.TrimSpace(s)
}

// restoreEnvironment fills a new environment's (absent) state directory from
// its restore_from snapshot. A directory that exists was restored by an
// earlier run of the step. fail explains a restore that cannot succeed.
func (s *Server) restoreEnvironment(ctx context.Context, env *store.Resource, spec envSpec) (fail string, err error) {
	dir, err := s.stateDirOf(env.ID)
	if err != nil {
		return "", err
	}
	if _, err := os.Lstat(dir); err == nil {
		return "", nil
	} else if !errors.Is(err, fs.ErrNotExist) {
		return "", err
	}
	if s.snapshots == nil {
		return "this control plane has no snapshot store configured", nil
	}
	from := spec.RestoreFrom
	snap, err := s.store.GetResource(ctx, store.KindDataSnapshot, from.SnapshotID)
	if errors.Is(err, store.ErrNotFound) {
		return fmt.Sprintf("snapshot %s was deleted before it could be restored", from.SnapshotID), nil
	}
	if err != nil {
		return "", err
	}
	_, st, err := decodeSnapshot(snap)
	if err != nil {
		return "", err
	}
	if st.Status != api.SnapshotAvailable {
		return fmt.Sprintf("snapshot %q is %s; only available snapshots restore", snap.Name, st.Status), nil
	}
	key, err := s.SecretValue(ctx, snap.ID, dataKeyName)
	if err != nil {
		return "", fmt.Errorf("data key of snapshot %s: %w", snap.ID, err)
	}
	opts := archive.RestoreOptions{MaxBytes: spec.StateVolumeGB << 30}
	if !from.IncludeCredentials {
		opts.Exclude = api.SnapshotExcludedByDefault
	}
	var rerr error
	got, err := s.snapshots.Read(ctx, st.BlobKey, key, func(pt io.Reader) error {
		_, rerr = s.archiver.Restore(ctx, pt, dir, opts)
		return nil
	})
	if err == nil && rerr == nil && got.SHA256 != st.SHA256 {
		rerr = fmt.Errorf("the stored archive's SHA-256 is %s, recorded %s", got.SHA256, st.SHA256)
	}
	if err == nil && rerr == nil {
		return "", nil
	}
	// Whatever went wrong, the environment must not start on half a state.
	_ = os.RemoveAll(dir)
	if ctx.Err() != nil {
		return "", ctx.Err()
	}
	cause := err
	if cause == nil {
		cause = rerr
	}
	return fmt.Sprintf("restoring snapshot %q: %v", snap.Name, cause), nil
}

// finalSnapshotName is unique per delete attempt: the same operation always
// names the same snapshot (a retried step finds it), a new attempt a new one.
func finalSnapshotName(envName string, at time.Time) string {
	return envName + "-final-" + strings.ToLower(at.UTC().Format("20060102t150405z"))
}

// takeFinalSnapshot snapshots an environment that is being deleted. fail is
// set when the snapshot could not be taken: the environment is kept.
func (s *Server) takeFinalSnapshot(ctx context.Context, op *store.Operation, env *store.Resource, fs *api.FinalSnapshot) (*apiError, error) {
	if s.snapshots == nil {
		return errorf(http.StatusConflict, api.CodeConflict, "environment %q asks for a final snapshot but this control plane has no snapshot store configured; it is not deleted", env.Name), nil
	}
	name := finalSnapshotName(env.Name, op.CreatedAt)
	res, err := s.store.GetResourceByName(ctx, store.KindDataSnapshot, env.ID, name)
	if errors.Is(err, store.ErrNotFound) {
		spec := snapSpec{EnvironmentID: env.ID, EnvironmentName: env.Name, Description: "Final snapshot taken when the environment was deleted."}
		if fs.RetentionDays > 0 {
			spec.RetentionDays = &fs.RetentionDays
		}
		res = newSnapshotResource(env, name, spec, map[string]string{"openclaw.dev/final-snapshot": "true"}, s.now())
		err = s.store.InTx(ctx, func(tx store.Tx) error { return s.insertSnapshot(ctx, tx, res) })
	}
	if err != nil {
		return nil, err
	}
	_, st, err := decodeSnapshot(res)
	if err != nil {
		return nil, err
	}
	switch st.Status {
	case api.SnapshotAvailable:
		return nil, nil // taken by an earlier run of this step
	case api.SnapshotCreating:
	default:
		// Another delete attempt in the same second left this one behind.
		return errorf(http.StatusConflict, api.CodeConflict, "environment %q was not deleted: its final snapshot %q is %s (%s); delete again in a moment to take a new one", env.Name, name, st.Status, st.Message), nil
	}
	fail, err := s.takeSnapshot(ctx, res)
	if err != nil || fail == nil {
		return nil, err
	}
	return errorf(http.StatusInternalServerError, api.CodeInternal, "environment %q was not deleted: its final snapshot %q failed (%s); fix the cause and delete again, or set final_snapshot.enabled = false", env.Name, name, fail.problem.Detail), nil
}

// ReapSnapshots deletes expired snapshots that are not locked, and returns
// how many it queued. Several replicas may reap at once: each snapshot is
// claimed under a store lock and a revision check, so exactly one delete
// operation is queued per expired snapshot.
func (s *Server) ReapSnapshots(ctx context.Context) (int, error) {
	if s.snapshots == nil {
		return 0, nil
	}
	now := s.now()
	f := store.ListFilter{Kind: store.KindDataSnapshot, PageSize: 500}
	reaped := 0
	for {
		items, next, err := s.store.ListResources(ctx, f)
		if err != nil {
			return reaped, err
		}
		for _, res := range items {
			if !expired(res, now) {
				continue
			}
			ok, err := s.reapOne(ctx, res.ID, now)
			if err != nil {
				return reaped, err
			}
			if ok {
				reaped++
			}
		}
		if next == "" {
			break
		}
		f.PageToken = next
	}
	if reaped > 0 {
		s.engine.kick()
	}
	return reaped, nil
}

func expired(res *store.Resource, now time.Time) bool {
	spec, st, err := decodeSnapshot(res)
	if err != nil || st.Status == api.SnapshotDeleting || st.Status == api.SnapshotCreating {
		return false
	}
	exp := spec.policy().Expiry(res.CreatedAt)
	return exp != nil && !now.Before(*exp) && !spec.policy().LockedAt(now)
}

func (s *Server) reapOne(ctx context.Context, id string, now time.Time) (bool, error) {
	reaped := false
	err := s.store.InTx(ctx, func(tx store.Tx) error {
		if err := tx.Lock(ctx, "snapshot-reaper"); err != nil {
			return err
		}
		res, err := tx.GetResource(ctx, store.KindDataSnapshot, id)
		if errors.Is(err, store.ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		if !expired(res, now) {
			return nil // another replica got there first
		}
		if err := setPhase(res, statusDeleting); err != nil {
			return err
		}
		res.UpdatedAt = now
		if err := tx.UpdateResource(ctx, res); err != nil {
			return err
		}
		op := s.newOperation(opSnapshotDelete, store.KindDataSnapshot, id)
		op.Message = "expired: deleted by the retention reaper"
		if err := tx.CreateOperation(ctx, op); err != nil {
			return err
		}
		reaped = true
		return nil
	})
	if errors.Is(err, store.ErrConflict) {
		return false, nil // changed concurrently: the next pass decides again
	}
	if err == nil && reaped {
		s.logger.InfoContext(ctx, "snapshot expired; deleting", "snapshot_id", id)
	}
	return reaped, err
}

func (s *Server) reaper(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if _, err := s.ReapSnapshots(ctx); err != nil && ctx.Err() == nil {
			s.logger.WarnContext(ctx, "reap expired snapshots", "err", err)
		}
	}
}

// stateDirOf is where the driver keeps an environment's state directory
// (both drivers name it the same way); the archiver reads it online and
// restores into it before the gateway first starts.
func (s *Server) stateDirOf(envID string) (string, error) {
	d, ok := s.drv.(interface{ StateDir(id string) string })
	if !ok {
		return "", fmt.Errorf("the %s driver does not expose state directories to snapshot", s.drv.Name())
	}
	return d.StateDir(envID), nil
}
