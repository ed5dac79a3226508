package server

import (
	"context"
	"errors"
	"net/http"

	"github.com/openclaw/terraform-provider-openclaw/internal/api"
	"github.com/openclaw/terraform-provider-openclaw/internal/controlplane/store"
)

// What every asynchronous resource family shares: listing a page, starting
// a delete, committing an update.

// listPage answers one page of f, each item rendered by view.
func listPage[T any](s *Server, w http.ResponseWriter, r *http.Request, f store.ListFilter, view func(context.Context, *store.Resource) (T, error)) error {
	items, next, err := s.store.ListResources(r.Context(), f)
	if errors.Is(err, store.ErrInvalidPageToken) {
		return invalid(fieldErr("page_token", "is not a token this API issued; start again without it"))
	}
	if err != nil {
		return err
	}
	out := api.List[T]{Items: make([]T, 0, len(items)), NextPageToken: next}
	for _, res := range items {
		v, err := view(r.Context(), res)
		if err != nil {
			return err
		}
		out.Items = append(out.Items, v)
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// startDelete queues the delete operation opKind for a resource: a delete
// already queued is answered again; unfinished earlier operations are
// cancelled (the delete supersedes them); markDeleting sets the status
// readers see until the operation runs.
func (s *Server) startDelete(w http.ResponseWriter, r *http.Request, res *store.Resource, opKind, what string, markDeleting func(*store.Resource) error) error {
	ctx := r.Context()
	setAuditTarget(ctx, res.Kind, res.ID)
	active, err := s.store.ListActiveOperations(ctx, res.ID)
	if err != nil {
		return err
	}
	for _, op := range active {
		if op.Kind == opKind {
			return s.accepted(w, op)
		}
	}
	op := s.newOperation(opKind, res.Kind, res.ID)
	op.Message = "queued"
	if err := s.store.InTx(ctx, func(tx store.Tx) error {
		if err := s.cancelActive(ctx, tx, res.ID, "cancelled: the "+what+" is being deleted"); err != nil {
			return err
		}
		return tx.CreateOperation(ctx, op)
	}); err != nil {
		return err
	}
	if _, err := s.mutateResource(ctx, res.Kind, res.ID, markDeleting); err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	s.engine.kick()
	return s.accepted(w, op)
}

// commitUpdate writes an updated resource (when changed) and its operation
// in one transaction, with also for extra writes, then answers 202.
func (s *Server) commitUpdate(w http.ResponseWriter, r *http.Request, res *store.Resource, changed bool, op *store.Operation, what string, also func(store.Tx) error) error {
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
		return errorf(http.StatusPreconditionFailed, api.CodePreconditionFailed, "%s %s changed while this update was being applied; read it again and retry", what, res.ID)
	case errors.Is(err, store.ErrNotFound):
		return notFound(what, res.ID)
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
