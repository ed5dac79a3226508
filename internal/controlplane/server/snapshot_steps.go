package server

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/openclaw/terraform-provider-openclaw/internal/api"
	"github.com/openclaw/terraform-provider-openclaw/internal/controlplane/archive"
	"github.com/openclaw/terraform-provider-openclaw/internal/controlplane/driver"
	"github.com/openclaw/terraform-provider-openclaw/internal/controlplane/snapshotblob"
	"github.com/openclaw/terraform-provider-openclaw/internal/controlplane/store"
)

// Snapshots: taking one asks the environment's driver for a backup
// (driver.Gateways.Backup: `openclaw backup create` on the process driver,
// the control plane's archiver on the simulator) into a private temporary
// directory, checks the archive (archive.Inspect) while it is encrypted to
// the snapshot's own data key and streamed to the blob store
// (snapshotblob), then removes it. A restore decrypts the blob into a
// temporary archive, checks it against the new environment's limits, leaves
// out what the snapshot's options exclude, and hands it to the driver's
// Restore, which writes a fresh state directory.

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
	bkey := blobKey(res.ID, strings.TrimPrefix(newID("a"), "a_"))
	b, info, written, err := s.backupToBlob(ctx, env.ID, bkey, key)
	if err != nil {
		if ctx.Err() != nil {
			return nil, err
		}
		s.logger.WarnContext(ctx, "snapshot failed", "snapshot_id", res.ID, "driver", s.drv.Name(), "err", err)
		if errors.Is(err, driver.ErrNotSupported) {
			return markFailed("the %s driver cannot back up the gateway of %q: %v", s.drv.Name(), env.Name, err)
		}
		return markFailed("backing up the state directory of %q: %v", env.Name, err)
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
				FileCount:       info.Files,
				OpenClawVersion: es.OpenClawVersion,
				Format:          info.Format,
				CreatedBy:       b.Tool,
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

// backupToBlob has the driver back up an environment and stores the
// archive, encrypted, at bkey. The archive is checked on its way (one pass)
// and must be the one the driver described.
func (s *Server) backupToBlob(ctx context.Context, envID, bkey, key string) (driver.Backup, *archive.Info, snapshotblob.Written, error) {
	tmp, err := os.MkdirTemp(s.workDir, "openclaw-snapshot-")
	if err != nil {
		return driver.Backup{}, nil, snapshotblob.Written{}, err
	}
	defer os.RemoveAll(tmp) //nolint:errcheck // best effort: a private temporary directory
	b, err := s.gw.Backup(ctx, envID, tmp)
	if err != nil {
		return b, nil, snapshotblob.Written{}, err
	}
	f, err := os.Open(b.Path)
	if err != nil {
		return b, nil, snapshotblob.Written{}, err
	}
	defer f.Close() //nolint:errcheck // read-only
	var info *archive.Info
	h := sha256.New()
	written, err := s.snapshots.Write(ctx, bkey, key, func(w io.Writer) error {
		out := io.MultiWriter(w, h)
		var err error
		if info, err = archive.Inspect(ctx, io.TeeReader(f, out), 0); err != nil {
			return fmt.Errorf("the %s driver wrote an archive that does not check: %w", s.drv.Name(), err)
		}
		_, err = io.Copy(out, f) // what follows the last entry (gzip trailer)
		return err
	})
	if err == nil && hex.EncodeToString(h.Sum(nil)) != b.SHA256 {
		err = fmt.Errorf("the archive changed after the %s driver wrote it (SHA-256 %s, reported %s)", s.drv.Name(), hex.EncodeToString(h.Sum(nil)), b.SHA256)
		_ = s.snapshots.Delete(ctx, bkey) // the step's error is the one to report
	}
	return b, info, written, err
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
		_, verr = archive.Inspect(ctx, pt, 0)
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

// restoreEnvironment has the driver write a new environment's (absent)
// state directory from its restore_from snapshot, once: the environment's
// status records it, and a directory found there was restored by an earlier
// run of the step. fail explains a restore that
// cannot succeed; whatever fails, no state directory is left.
func (s *Server) restoreEnvironment(ctx context.Context, env *store.Resource, spec envSpec) (fail string, err error) {
	var est envStatus
	if err := json.Unmarshal(env.Status, &est); err != nil {
		return "", err
	}
	if est.Restored {
		return "", nil
	}
	if s.snapshots == nil {
		return "this control plane has no snapshot store configured", nil
	}
	if !driver.CanBackup(s.gw) {
		return fmt.Sprintf("the %s driver cannot restore snapshots", s.drv.Name()), nil
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
	tmp, err := os.MkdirTemp(s.workDir, "openclaw-restore-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(tmp) //nolint:errcheck // best effort: a private temporary directory
	var exclude func(string) bool
	if !from.IncludeCredentials {
		exclude = api.SnapshotExcludedByDefault
	}
	path, cause := s.snapshotArchive(ctx, snap, st, key, tmp, spec.StateVolumeGB<<30, exclude)
	if cause == nil {
		cause = s.gw.Restore(ctx, env.ID, path)
	}
	switch {
	case cause == nil, errors.Is(cause, driver.ErrStateExists):
		// ErrStateExists: an earlier run restored it and stopped before
		// recording so.
		_, err := s.mutateResource(ctx, store.KindEnvironment, env.ID, func(r *store.Resource) error {
			return setStatus(r, func(st *envStatus) { st.Restored = true })
		})
		return "", err
	case ctx.Err() != nil:
		return "", ctx.Err()
	case errors.Is(cause, driver.ErrNotSupported):
		return fmt.Sprintf("the %s driver cannot restore snapshots: %v", s.drv.Name(), cause), nil
	}
	return fmt.Sprintf("restoring snapshot %q: %v", snap.Name, cause), nil
}

// snapshotArchive decrypts a snapshot's blob into an archive in dir and
// checks it: the blob's SHA-256, the archive's entries, an uncompressed
// size within maxBytes (the new environment's state volume) before
// anything is unpacked. With exclude set, the archive handed back leaves
// those state files out, so they never reach the restored directory.
func (s *Server) snapshotArchive(ctx context.Context, snap *store.Resource, st snapStatus, key, dir string, maxBytes int64, exclude func(string) bool) (string, error) {
	path := filepath.Join(dir, "snapshot.tar.gz")
	f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return "", err
	}
	var info *archive.Info
	var ierr error
	got, err := s.snapshots.Read(ctx, st.BlobKey, key, func(pt io.Reader) error {
		if info, ierr = archive.Inspect(ctx, io.TeeReader(pt, f), maxBytes); ierr != nil {
			return nil //nolint:nilerr // Read still reads the whole blob: a decryption failure wins
		}
		_, err := io.Copy(f, pt)
		return err
	})
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	switch {
	case errors.Is(err, snapshotblob.ErrCorrupt):
		return "", errors.New("the archive does not decrypt: it was modified or truncated")
	case err != nil:
		return "", err
	case got.SHA256 != st.SHA256:
		return "", fmt.Errorf("the stored archive's SHA-256 is %s, recorded %s", got.SHA256, st.SHA256)
	case ierr != nil:
		return "", ierr
	case exclude == nil:
		return path, nil
	}
	in, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer in.Close() //nolint:errcheck // read-only
	filtered := filepath.Join(dir, "restore.tar.gz")
	out, err := os.OpenFile(filtered, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return "", err
	}
	err = archive.Filter(ctx, in, out, info, exclude)
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	_ = os.Remove(path) // the unfiltered copy holds what was excluded
	return filtered, err
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
	if !driver.CanBackup(s.gw) {
		return errorf(http.StatusConflict, api.CodeConflict, "environment %q asks for a final snapshot but the %s driver cannot back up gateways; it is not deleted (set final_snapshot.enabled = false)", env.Name, s.drv.Name()), nil
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
