package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strings"

	"github.com/openclaw/terraform-provider-openclaw/internal/api"
	"github.com/openclaw/terraform-provider-openclaw/internal/controlplane/store"
)

// A family is a kind of asynchronous resource, declared once. The shared
// handlers (get, list, the update and delete preambles, the environment's
// child guard and cascade, operation read scopes) work from the
// declaration, so a new family writes its spec, its view, its create and
// update rules and its steps, and nothing else.
type family struct {
	kind string // store kind, also the operation target kind
	noun string // in messages: "GPU pool"
	// readScope and writeScope guard the family's routes and operations.
	readScope, writeScope string
	// parent is the kind every resource hangs under ("" for top level).
	parent string
	// outlivesParent: resources stay when their parent is deleted; they
	// neither block the parent's deletion nor follow it in a cascade.
	outlivesParent bool
	// newestFirst lists the family newest first.
	newestFirst bool
}

// Operation kinds, one constant each: handlers queue them, steps register
// under them.
const (
	opEnvironmentCreate = "environment.create"
	opEnvironmentUpdate = "environment.update"
	opEnvironmentDelete = "environment.delete"
	opGPUPoolCreate     = "gpu_pool.create"
	opGPUPoolUpdate     = "gpu_pool.update"
	opGPUPoolDelete     = "gpu_pool.delete"
	// opEnvironmentPower stops or starts an environment (power.go): a
	// shutdown schedule's transition or an operator's power action.
	opEnvironmentPower = "environment.power"
	opSnapshotCreate   = "snapshot.create"
	opSnapshotUpdate   = "snapshot.update"
	opSnapshotDelete   = "snapshot.delete"
)

// The resource families of the control plane.
var (
	environments = &family{kind: store.KindEnvironment, noun: "environment",
		readScope: api.ScopeEnvironmentsRead, writeScope: api.ScopeEnvironmentsWrite}
	gpuPools = &family{kind: store.KindGPUPool, noun: "GPU pool", parent: store.KindEnvironment,
		readScope: api.ScopeGPUPoolsRead, writeScope: api.ScopeGPUPoolsWrite}
	// Synchronous (no operations of its own); its runs are environment.power
	// operations of its environment.
	shutdownSchedules = &family{kind: store.KindShutdownSchedule, noun: "shutdown schedule", parent: store.KindEnvironment,
		readScope: api.ScopeSchedulesRead, writeScope: api.ScopeSchedulesWrite}
	// Snapshots are backups: they outlive their environment.
	dataSnapshots = &family{kind: store.KindDataSnapshot, noun: "snapshot", parent: store.KindEnvironment,
		outlivesParent: true, newestFirst: true,
		readScope: api.ScopeSnapshotsRead, writeScope: api.ScopeSnapshotsWrite}
)

// families lists every family; children of an environment are found here.
var families = []*family{environments, gpuPools, shutdownSchedules, dataSnapshots}

func familyOf(kind string) *family {
	for _, f := range families {
		if f.kind == kind {
			return f
		}
	}
	return nil
}

// statusDeleting is the status every family shows while a delete is queued.
const statusDeleting = "deleting"

// phase reads the "status" member every family's status document has.
func phase(res *store.Resource) string {
	var st struct {
		Status string `json:"status"`
	}
	_ = json.Unmarshal(res.Status, &st)
	return st.Status
}

// setPhase sets the "status" member, keeping the rest of the document.
func setPhase(res *store.Resource, status string) error {
	doc := map[string]json.RawMessage{}
	if len(res.Status) > 0 {
		if err := json.Unmarshal(res.Status, &doc); err != nil {
			return err
		}
	}
	doc["status"] = mustJSON(status)
	res.Status = mustJSON(doc)
	return nil
}

// load reads a resource the principal may see. Others are not found, so an
// environment-bound key cannot learn that they exist.
func (s *Server) load(ctx context.Context, p *principal, f *family, id string) (*store.Resource, error) {
	if f.parent == "" && !p.seesEnvironment(id) {
		return nil, notFound(f.noun, id)
	}
	res, err := s.store.GetResource(ctx, f.kind, id)
	if errors.Is(err, store.ErrNotFound) || (err == nil && f.parent != "" && !p.seesEnvironment(res.ParentID)) {
		return nil, notFound(f.noun, id)
	}
	return res, err
}

// serveGet answers GET /v1/<family>/{id}: the view and its ETag.
func serveGet[T any](s *Server, w http.ResponseWriter, r *http.Request, p *principal, f *family, view func(context.Context, *store.Resource) (T, error)) error {
	if err := p.require(f.readScope); err != nil {
		return err
	}
	res, err := s.load(r.Context(), p, f, r.PathValue("id"))
	if err != nil {
		return err
	}
	v, err := view(r.Context(), res)
	if err != nil {
		return err
	}
	w.Header().Set("ETag", `"`+etagOf(res)+`"`)
	writeJSON(w, http.StatusOK, v)
	return nil
}

// serveList answers GET /v1/<family>: a page filtered by name and labels,
// and for children by ?environment_id; an environment-bound key sees its
// environment's only.
func serveList[T any](s *Server, w http.ResponseWriter, r *http.Request, p *principal, f *family, view func(context.Context, *store.Resource) (T, error), kept keptView[T]) error {
	if err := p.require(f.readScope); err != nil {
		return err
	}
	filter, err := listFilter(r, f.kind)
	if err != nil {
		return err
	}
	filter.Descending = f.newestFirst
	bound := p.boundEnvironment()
	switch env := r.URL.Query().Get("environment_id"); {
	case f.parent == "" && bound != "":
		filter.IDs = []string{bound}
	case f.parent != "" && env != "":
		if !p.seesEnvironment(env) {
			writeJSON(w, http.StatusOK, api.List[T]{Items: []T{}})
			return nil
		}
		filter.ParentID = &env
	case f.parent != "" && bound != "":
		filter.ParentID = &bound
	}
	return listPage(s, w, r, filter, view, kept)
}

// updating is where every update handler starts: the decoded request, the
// stored resource and its spec and status.
type updating[Req, Spec, Status any] struct {
	req    Req
	res    *store.Resource
	spec   Spec
	status Status
}

// beginUpdate is the preamble of every PATCH: scope, decode (refusing
// immutable fields with their reason), load, If-Match, the spec and status,
// and no change while a delete is queued.
func beginUpdate[Req, Spec, Status any](s *Server, r *http.Request, p *principal, f *family, immutable map[string]string) (*updating[Req, Spec, Status], error) {
	if err := p.require(f.writeScope); err != nil {
		return nil, err
	}
	u := &updating[Req, Spec, Status]{}
	if err := decodeJSON(r, &u.req, immutable); err != nil {
		return nil, err
	}
	res, err := s.beginMutation(r, p, f)
	if err != nil {
		return nil, err
	}
	u.res = res
	if err := json.Unmarshal(res.Spec, &u.spec); err != nil {
		return nil, fmt.Errorf("decode spec of %s: %w", res.ID, err)
	}
	if err := json.Unmarshal(res.Status, &u.status); err != nil {
		return nil, fmt.Errorf("decode status of %s: %w", res.ID, err)
	}
	if phase(res) == statusDeleting {
		return nil, errorf(http.StatusConflict, api.CodeConflict, "%s %s is being deleted", f.noun, res.ID)
	}
	return u, nil
}

// beginMutation is the preamble of PATCH and DELETE: load and If-Match.
func (s *Server) beginMutation(r *http.Request, p *principal, f *family) (*store.Resource, error) {
	res, err := s.load(r.Context(), p, f, r.PathValue("id"))
	if err != nil {
		return nil, err
	}
	if err := checkIfMatch(r, res); err != nil {
		return nil, err
	}
	return res, nil
}

// beginDelete is the preamble of every DELETE: scope, load, If-Match.
func (s *Server) beginDelete(r *http.Request, p *principal, f *family) (*store.Resource, error) {
	if err := p.require(f.writeScope); err != nil {
		return nil, err
	}
	return s.beginMutation(r, p, f)
}

// childFamilies are the families that hang under kind and go with it.
func (s *Server) childFamilies(kind string) []*family {
	var out []*family
	for _, f := range s.families {
		if f.parent == kind && !f.outlivesParent {
			out = append(out, f)
		}
	}
	return out
}

// childrenOf lists the resources of f under parentID, by name.
func (s *Server) childrenOf(ctx context.Context, f *family, parentID string) ([]*store.Resource, error) {
	var out []*store.Resource
	filter := store.ListFilter{Kind: f.kind, ParentID: &parentID, PageSize: 500}
	for {
		items, next, err := s.store.ListResources(ctx, filter)
		if err != nil {
			return nil, err
		}
		out = append(out, items...)
		if next == "" {
			break
		}
		filter.PageToken = next
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// guardChildren refuses to delete a parent that still has children that
// go with it, naming each by kind, name and ID.
func (s *Server) guardChildren(ctx context.Context, f *family, parent *store.Resource) error {
	var groups []string
	for _, cf := range s.childFamilies(f.kind) {
		kids, err := s.childrenOf(ctx, cf, parent.ID)
		if err != nil {
			return err
		}
		if len(kids) == 0 {
			continue
		}
		names := make([]string, len(kids))
		for i, k := range kids {
			names[i] = fmt.Sprintf("%s (%s)", k.Name, k.ID)
		}
		groups = append(groups, fmt.Sprintf("%d %s(s): %s", len(kids), cf.noun, strings.Join(names, ", ")))
	}
	if len(groups) == 0 {
		return nil
	}
	return errorf(http.StatusConflict, api.CodeConflict,
		"%s %q still has %s; delete them first, or delete with ?cascade=true to delete them too", f.noun, parent.Name, strings.Join(groups, "; "))
}

// cascadeChildren deletes the children that go with a deleted parent.
func (s *Server) cascadeChildren(ctx context.Context, f *family, parentID string) error {
	for _, cf := range s.childFamilies(f.kind) {
		kids, err := s.childrenOf(ctx, cf, parentID)
		if err != nil {
			return err
		}
		for _, k := range kids {
			if err := s.store.DeleteResource(ctx, cf.kind, k.ID); err != nil && !errors.Is(err, store.ErrNotFound) {
				return err
			}
		}
	}
	return nil
}
