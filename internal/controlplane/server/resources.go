package server

import (
	"errors"
	"net/http"

	"github.com/openclaw/terraform-provider-openclaw/internal/api"
	"github.com/openclaw/terraform-provider-openclaw/internal/controlplane/store"
)

// What every asynchronous resource family shares after its own rules:
// committing a create or an update, starting a delete, answering 202.

// startDelete queues the delete operation opKind for a resource: a delete
// already queued is answered again; unfinished earlier operations are
// cancelled (the delete supersedes them); readers see status "deleting"
// until the operation runs.
func (s *Server) startDelete(w http.ResponseWriter, r *http.Request, f *family, res *store.Resource, opKind string) error {
	ctx := r.Context()
	setAuditTarget(ctx, res.Kind, res.ID)
	op := s.newOperation(opKind, res.Kind, res.ID)
	op.Message = "queued"
	// In one transaction: a delete that finished since res was loaded
	// makes this one a 404, and a delete still under way is answered
	// rather than queued twice.
	var running *store.Operation
	if err := s.store.InTx(ctx, func(tx store.Tx) error {
		if _, err := tx.GetResource(ctx, res.Kind, res.ID); errors.Is(err, store.ErrNotFound) {
			return notFound(f.noun, res.ID)
		} else if err != nil {
			return err
		}
		active, err := tx.ListActiveOperations(ctx, res.ID)
		if err != nil {
			return err
		}
		for _, a := range active {
			if a.Kind == opKind {
				running = a
				return nil
			}
		}
		if err := s.cancelActive(ctx, tx, res.ID, "cancelled: the "+f.noun+" is being deleted"); err != nil {
			return err
		}
		return tx.CreateOperation(ctx, op)
	}); err != nil {
		return err
	}
	if running != nil {
		return s.accepted(w, running)
	}
	if _, err := s.mutateResource(ctx, res.Kind, res.ID, func(res *store.Resource) error { return setPhase(res, statusDeleting) }); err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	s.engine.kick()
	return s.accepted(w, op)
}

// commitUpdate writes an updated resource (when changed) and its operation
// in one transaction, with also for extra writes, then answers 202.
func (s *Server) commitUpdate(w http.ResponseWriter, r *http.Request, f *family, res *store.Resource, changed bool, op *store.Operation, also func(store.Tx) error) error {
	ctx := r.Context()
	setAuditTarget(ctx, res.Kind, res.ID)
	err := s.store.InTx(ctx, func(tx store.Tx) error {
		if changed {
			res.Generation++
			res.UpdatedAt = s.now()
			if err := tx.UpdateResource(ctx, res); err != nil {
				return err
			}
		}
		if also != nil {
			if err := also(tx); err != nil {
				return err
			}
		}
		return tx.CreateOperation(ctx, op)
	})
	switch {
	case errors.Is(err, store.ErrConflict):
		return errorf(http.StatusPreconditionFailed, api.CodePreconditionFailed, "%s %s changed while this update was being applied; read it again and retry", f.noun, res.ID)
	case errors.Is(err, store.ErrNotFound):
		return notFound(f.noun, res.ID)
	case err != nil:
		return err
	}
	s.engine.kick()
	return s.accepted(w, op)
}

// metadataOnly makes op an update that is already done: nothing to
// provision (labels, flags, or no change at all).
func (s *Server) metadataOnly(op *store.Operation, message string) {
	now := s.now()
	op.Status = store.OpSucceeded
	op.CompletedAt = &now
	op.Message = message
}

// commitCreate stores a new resource and its create operation in one
// transaction, with also for extra writes, then answers 202. A unique key
// taken is answered by conflict.
func (s *Server) commitCreate(w http.ResponseWriter, r *http.Request, res *store.Resource, op *store.Operation, also func(store.Tx) error, conflict func(*store.UniqueViolation) error) error {
	ctx := r.Context()
	err := s.store.InTx(ctx, func(tx store.Tx) error {
		if err := tx.CreateResource(ctx, res); err != nil {
			return err
		}
		if also != nil {
			if err := also(tx); err != nil {
				return err
			}
		}
		return tx.CreateOperation(ctx, op)
	})
	if uv := (*store.UniqueViolation)(nil); errors.As(err, &uv) {
		return conflict(uv)
	}
	if err != nil {
		return err
	}
	setAuditTarget(ctx, res.Kind, res.ID)
	s.engine.kick()
	return s.accepted(w, op)
}

func (s *Server) accepted(w http.ResponseWriter, op *store.Operation) error {
	w.Header().Set("Location", "/v1/operations/"+op.ID)
	writeJSON(w, http.StatusAccepted, toAPIOperation(op))
	return nil
}
