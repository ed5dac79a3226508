package server

import (
	"context"
	"errors"
	"net/http"
	"regexp"
	"time"

	"github.com/openclaw/terraform-provider-openclaw/internal/api"
	"github.com/openclaw/terraform-provider-openclaw/internal/controlplane/store"
)

const maxOperationWait = api.MaxOperationWait

// waitPattern is the syntax openapi.yaml documents for ?wait=.
var waitPattern = regexp.MustCompile(`^[0-9]+(ms|s|m)$`)

// readScopeOf is the scope needed to read operations on a target kind: the
// family's read scope.
func readScopeOf(kind string) (string, bool) {
	if f := familyOf(kind); f != nil {
		return f.readScope, true
	}
	if kind == store.KindAPIKey {
		return api.ScopeAPIKeysManage, true
	}
	return "", false
}

func (s *Server) getOperation(w http.ResponseWriter, r *http.Request, p *principal) error {
	id := r.PathValue("id")
	var wait time.Duration
	if v := r.URL.Query().Get("wait"); v != "" {
		d, err := time.ParseDuration(v)
		switch {
		case err == nil && d > maxOperationWait:
			return invalid(fieldErr("wait", "is %s, longer than the limit of %s; wait at most %s and poll again", v, maxOperationWait, maxOperationWait))
		case err != nil || d < 0 || !waitPattern.MatchString(v):
			return invalid(fieldErr("wait", "must be a whole number of ms, s or m such as 30s, at most %s; got %q", maxOperationWait, v))
		}
		wait = d
	}
	op, err := s.visibleOperation(r.Context(), p, id)
	if err != nil {
		return err
	}
	if wait > 0 && !op.Done() {
		op, err = s.waitForChange(r.Context(), op, wait)
		if err != nil {
			return err
		}
	}
	writeJSON(w, http.StatusOK, toAPIOperation(op))
	return nil
}

func (s *Server) visibleOperation(ctx context.Context, p *principal, id string) (*store.Operation, error) {
	op, err := s.store.GetOperation(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, notFound("operation", id)
	}
	if err != nil {
		return nil, err
	}
	if scope, ok := readScopeOf(op.TargetKind); ok {
		if err := p.require(scope); err != nil {
			return nil, err
		}
	}
	if bound := p.boundEnvironment(); bound != "" {
		owner, err := s.environmentOf(ctx, op.TargetKind, op.TargetID)
		if err != nil || owner != bound {
			return nil, notFound("operation", id)
		}
	}
	return op, nil
}

// environmentOf is the environment a resource belongs to (itself for an
// environment). Deleted resources answer "".
func (s *Server) environmentOf(ctx context.Context, kind, id string) (string, error) {
	if kind == store.KindEnvironment {
		return id, nil
	}
	res, err := s.store.GetResource(ctx, kind, id)
	if errors.Is(err, store.ErrNotFound) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	return res.ParentID, nil
}

// waitForChange long-polls: it answers when the operation's status or
// message changes, or when wait ends. Changes made in this process wake it
// at once; a slow re-read catches changes made by other replicas.
func (s *Server) waitForChange(ctx context.Context, op *store.Operation, wait time.Duration) (*store.Operation, error) {
	changed, unsubscribe := s.engine.subscribe(op.ID)
	defer unsubscribe()
	timer := time.NewTimer(wait)
	defer timer.Stop()
	recheck := time.NewTicker(time.Second)
	defer recheck.Stop()
	for {
		select {
		case <-ctx.Done():
			return op, nil
		case <-timer.C:
			return s.store.GetOperation(ctx, op.ID)
		case <-changed:
		case <-recheck.C:
		}
		cur, err := s.store.GetOperation(ctx, op.ID)
		if err != nil {
			return nil, err
		}
		if cur.Status != op.Status || cur.Message != op.Message || cur.Done() {
			return cur, nil
		}
	}
}

func (s *Server) listRegions(w http.ResponseWriter, r *http.Request, p *principal) error {
	writeJSON(w, http.StatusOK, api.List[api.Region]{Items: s.regions})
	return nil
}
