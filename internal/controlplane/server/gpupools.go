package server

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"

	"github.com/openclaw/terraform-provider-openclaw/internal/api"
	"github.com/openclaw/terraform-provider-openclaw/internal/controlplane/driver"
	"github.com/openclaw/terraform-provider-openclaw/internal/controlplane/store"
	"github.com/openclaw/terraform-provider-openclaw/internal/gpucatalog"
)

// poolSpec is what the user asked of a GPU pool.
type poolSpec struct {
	Backend          string               `json:"backend"`
	GPUType          string               `json:"gpu_type"`
	GPUsPerNode      int64                `json:"gpus_per_node"`
	CapacityType     string               `json:"capacity_type"`
	NodeCount        *int64               `json:"node_count,omitempty"`
	Autoscaling      *api.Autoscaling     `json:"autoscaling,omitempty"`
	CapacityFallback []api.CapacityChoice `json:"capacity_fallback"`
	Models           []api.PoolModel      `json:"models"`
	IdleStopSeconds  int64                `json:"idle_stop_seconds"`
}

// allocation is capacity a pool holds: GPUs of one bucket.
type allocation struct {
	Region       string `json:"region"`
	GPUType      string `json:"gpu_type"`
	CapacityType string `json:"capacity_type"`
	GPUs         int64  `json:"gpus"`
}

// poolStatus is what the control plane observed of a GPU pool.
type poolStatus struct {
	Status                string `json:"status"`
	CurrentNodes          int64  `json:"current_nodes"`
	EffectiveGPUType      string `json:"effective_gpu_type"`
	EffectiveCapacityType string `json:"effective_capacity_type"`
	// Allocation is the capacity the running nodes hold; Pending is what a
	// rolling update reserved for the replacement nodes.
	Allocation *allocation `json:"allocation,omitempty"`
	Pending    *allocation `json:"pending,omitempty"`
}

// validatePoolSpec checks a pool's spec: its shape by the shared rules,
// its GPU types against the catalog and the environment's region.
func (s *Server) validatePoolSpec(sp poolSpec, region string) []api.FieldError {
	errs := api.ValidatePoolShape(sp.Backend, sp.GPUsPerNode, sp.NodeCount, sp.Autoscaling, len(sp.CapacityFallback), sp.Models, sp.IdleStopSeconds)
	errs = append(errs, s.validateChoice("gpu_type", "capacity_type", api.CapacityChoice{GPUType: sp.GPUType, CapacityType: sp.CapacityType}, region, true)...)
	for i, c := range sp.CapacityFallback {
		errs = append(errs, s.validateChoice(fmt.Sprintf("capacity_fallback[%d].gpu_type", i), fmt.Sprintf("capacity_fallback[%d].capacity_type", i), c, region, false)...)
	}
	return errs
}

// validateChoice checks a GPU type against the catalog and a capacity type.
// The first choice must be offered in the region; fallbacks only need to
// exist (allocation skips those not offered).
func (s *Server) validateChoice(typeField, capField string, c api.CapacityChoice, region string, mustBeOffered bool) []api.FieldError {
	var errs []api.FieldError
	if !slices.Contains(api.CapacityTypes, c.CapacityType) {
		errs = append(errs, fieldErr(capField, "must be on_demand or spot, got %q", c.CapacityType))
	}
	t, ok := s.catalog.Type(c.GPUType)
	if !ok {
		ids := make([]string, 0, len(s.catalog.Types))
		for _, t := range s.catalog.Types {
			ids = append(ids, t.ID)
		}
		return append(errs, fieldErr(typeField, "unknown GPU type %q; the catalog (/v1/gpu-types) has %s", c.GPUType, strings.Join(ids, ", ")))
	}
	if mustBeOffered && region != "" {
		if _, ok := s.catalog.Offer(c.GPUType, region); !ok {
			var where []string
			for _, o := range t.Regions {
				where = append(where, o.Region)
			}
			errs = append(errs, fieldErr(typeField, "%s is not offered in %s, the environment's region; it is offered in %s", c.GPUType, region, strings.Join(where, ", ")))
		}
	}
	return errs
}

func (s *Server) createGPUPool(w http.ResponseWriter, r *http.Request, p *principal) error {
	if err := p.require(gpuPools.writeScope); err != nil {
		return err
	}
	var req api.GPUPoolCreate
	if err := decodeJSON(r, &req, map[string]string{"id": "is assigned by the control plane", "status": "is read-only", "current_nodes": "is read-only"}); err != nil {
		return err
	}
	var errs []api.FieldError
	errs = append(errs, api.ValidateName("name", req.Name)...)
	errs = append(errs, api.ValidateProviderID(req.ProviderID)...)
	if req.EnvironmentID == "" {
		return invalid(append(errs, fieldErr("environment_id", "is required"))...)
	}
	// An environment the key may not see is not found, like any other.
	env, err := s.load(r.Context(), p, environments, req.EnvironmentID)
	if err != nil {
		return missingReference(err, "environment_id", req.EnvironmentID)
	}
	var envSp envSpec
	if err := json.Unmarshal(env.Spec, &envSp); err != nil {
		return err
	}
	sp := poolSpec{
		Backend:          req.Backend,
		GPUType:          req.GPUType,
		GPUsPerNode:      req.GPUsPerNode,
		CapacityType:     cmp.Or(req.CapacityType, api.CapacityOnDemand),
		NodeCount:        req.NodeCount,
		Autoscaling:      req.Autoscaling,
		CapacityFallback: orEmptySlice(req.CapacityFallback),
		Models:           orEmptySlice(req.Models),
		IdleStopSeconds:  req.IdleStopSeconds,
	}
	if sp.GPUsPerNode == 0 {
		sp.GPUsPerNode = 1
	}
	errs = append(errs, s.validatePoolSpec(sp, envSp.Region)...)
	errs = append(errs, api.ValidateLabels(req.Labels)...)
	errs = append(errs, s.validateSimulatorLabels(req.Labels)...)
	if len(errs) > 0 {
		return invalid(errs...)
	}
	if phase(env) == statusDeleting {
		return errorf(http.StatusConflict, api.CodeConflict, "environment %s is being deleted", env.ID)
	}

	now := s.now()
	res := &store.Resource{
		Kind:      store.KindGPUPool,
		ID:        newID("gpool"),
		ParentID:  env.ID,
		Name:      req.Name,
		AltKey:    req.ProviderID,
		Spec:      mustJSON(sp),
		Status:    mustJSON(poolStatus{Status: api.PoolStatusProvisioning}),
		Labels:    orEmpty(req.Labels),
		CreatedAt: now,
		UpdatedAt: now,
	}
	op := s.newOperation(opGPUPoolCreate, store.KindGPUPool, res.ID)
	op.Message = "queued"
	return s.commitCreate(w, r, res, op, nil, func(uv *store.UniqueViolation) error {
		if uv.Field == "alt_key" {
			e := errorf(http.StatusConflict, api.CodeConflict, "environment %s already has a model provider %q; choose another provider_id", env.ID, req.ProviderID)
			e.problem.Errors = []api.FieldError{fieldErr("provider_id", "is already used in this environment")}
			return e
		}
		e := errorf(http.StatusConflict, api.CodeConflict, "environment %s already has a GPU pool named %q", env.ID, req.Name)
		e.problem.Errors = []api.FieldError{fieldErr("name", "is already used in this environment")}
		return e
	})
}

func (s *Server) getGPUPool(w http.ResponseWriter, r *http.Request, p *principal) error {
	return serveGet(s, w, r, p, gpuPools, s.poolView)
}

func (s *Server) listGPUPools(w http.ResponseWriter, r *http.Request, p *principal) error {
	return serveList(s, w, r, p, gpuPools, s.poolView, nil)
}

// poolImmutable explains the pool fields PATCH refuses.
var poolImmutable = map[string]string{
	"name":           "cannot be changed; create a new pool (Terraform replaces it)",
	"environment_id": "cannot be changed; a pool belongs to one environment (Terraform replaces it)",
	"provider_id":    "cannot be changed: the gateway knows the pool's models under it (Terraform replaces it)",
	"id":             "is assigned by the control plane",
	"status":         "is read-only",
	"current_nodes":  "is read-only; the autoscaler moves it within autoscaling bounds",
	"base_url":       "is read-only",
	"hourly_cost":    "is read-only",
	"etag":           "is read-only; send it in the If-Match header",
}

// poolUpdatePayload is what a gpu_pool.update operation needs to know.
type poolUpdatePayload struct {
	// Replace: the nodes must be replaced one by one (hardware or backend changed).
	Replace bool `json:"replace"`
	// Previous is restored when the update cannot get capacity.
	Previous poolSpec `json:"previous"`
}

func (s *Server) updateGPUPool(w http.ResponseWriter, r *http.Request, p *principal) error {
	u, err := beginUpdate[api.GPUPoolUpdate, poolSpec, poolStatus](s, r, p, gpuPools, poolImmutable)
	if err != nil {
		return err
	}
	req, res, sp, st, id := u.req, u.res, u.spec, u.status, u.res.ID
	if req.NodeCount != nil && req.Autoscaling != nil {
		return invalid(fieldErr("node_count", "node_count and autoscaling are mutually exclusive; send one"))
	}
	old := sp
	old.CapacityFallback = slices.Clone(sp.CapacityFallback)
	old.Models = slices.Clone(sp.Models)
	if req.Backend != nil {
		sp.Backend = *req.Backend
	}
	if req.GPUType != nil {
		sp.GPUType = *req.GPUType
	}
	if req.GPUsPerNode != nil {
		sp.GPUsPerNode = *req.GPUsPerNode
	}
	if req.CapacityType != nil {
		sp.CapacityType = *req.CapacityType
	}
	if req.NodeCount != nil {
		sp.NodeCount, sp.Autoscaling = req.NodeCount, nil
	}
	if req.Autoscaling != nil {
		sp.Autoscaling, sp.NodeCount = req.Autoscaling, nil
	}
	if req.CapacityFallback != nil {
		sp.CapacityFallback = orEmptySlice(*req.CapacityFallback)
	}
	if req.Models != nil {
		sp.Models = orEmptySlice(*req.Models)
	}
	if req.IdleStopSeconds != nil {
		sp.IdleStopSeconds = *req.IdleStopSeconds
	}
	labels := res.Labels
	if req.Labels != nil {
		labels = orEmpty(*req.Labels)
	}
	env, err := s.store.GetResource(r.Context(), store.KindEnvironment, res.ParentID)
	if err != nil {
		return err
	}
	var envSp envSpec
	if err := json.Unmarshal(env.Spec, &envSp); err != nil {
		return err
	}
	errs := s.validatePoolSpec(sp, envSp.Region)
	errs = append(errs, api.ValidateLabels(labels)...)
	errs = append(errs, s.validateSimulatorLabels(labels)...)
	if len(errs) > 0 {
		return invalid(errs...)
	}

	specChanged := !jsonEqual(sp, old)
	changed := specChanged || !maps.Equal(labels, res.Labels)
	op := s.newOperation(opGPUPoolUpdate, store.KindGPUPool, id)
	// A failed pool is retried by any update, even one that changes nothing.
	// A pool stopped with its environment takes the change when it starts.
	switch {
	case !specChanged && st.Status != api.PoolStatusFailed:
		s.metadataOnly(op, "no changes to the nodes")
	case st.Status == api.PoolStatusStopped:
		s.metadataOnly(op, "the pool is stopped with its environment; the change applies when the environment starts")
	default:
		op.Message = "queued"
		op.Payload = mustJSON(poolUpdatePayload{
			Replace:  sp.GPUType != old.GPUType || sp.CapacityType != old.CapacityType || sp.GPUsPerNode != old.GPUsPerNode || sp.Backend != old.Backend,
			Previous: old,
		})
	}
	res.Spec = mustJSON(sp)
	res.Labels = labels
	return s.commitUpdate(w, r, gpuPools, res, changed, op, nil)
}

func (s *Server) deleteGPUPool(w http.ResponseWriter, r *http.Request, p *principal) error {
	res, err := s.beginDelete(r, p, gpuPools)
	if err != nil {
		return err
	}
	return s.startDelete(w, r, gpuPools, res, opGPUPoolDelete)
}

// simulateLoad is the simulator's autoscaler: it moves current_nodes of an
// autoscaling pool within its bounds, as load would. The spec and ETag do
// not change, so Terraform sees no drift.
func (s *Server) simulateLoad(w http.ResponseWriter, r *http.Request, p *principal) error {
	if err := p.require(gpuPools.writeScope); err != nil {
		return err
	}
	if err := s.simulatorOnly("the autoscaler endpoint (POST /v1/gpu-pools/{id}/simulator/load)"); err != nil {
		return err
	}
	var req api.SimulatedLoad
	if err := decodeJSON(r, &req, nil); err != nil {
		return err
	}
	id := r.PathValue("id")
	res, err := s.load(r.Context(), p, gpuPools, id)
	if err != nil {
		return err
	}
	var sp poolSpec
	if err := json.Unmarshal(res.Spec, &sp); err != nil {
		return err
	}
	if sp.Autoscaling == nil {
		return invalid(fieldErr("current_nodes", "GPU pool %s has a fixed node_count; only autoscaling pools scale", id))
	}
	if req.CurrentNodes < sp.Autoscaling.MinNodes || req.CurrentNodes > sp.Autoscaling.MaxNodes {
		return invalid(fieldErr("current_nodes", "must be within the autoscaling bounds %d..%d", sp.Autoscaling.MinNodes, sp.Autoscaling.MaxNodes))
	}
	if err := s.resizeAllocation(r.Context(), id, req.CurrentNodes, sp.GPUsPerNode); err != nil {
		return err
	}
	res, err = s.store.GetResource(r.Context(), store.KindGPUPool, id)
	if err != nil {
		return err
	}
	pool, err := s.poolView(r.Context(), res)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, pool)
	return nil
}

func (s *Server) listGPUTypes(w http.ResponseWriter, r *http.Request, p *principal) error {
	used, err := s.capacityUsageTx(r.Context(), s.store)
	if err != nil {
		return err
	}
	out := api.List[api.GPUType]{Items: make([]api.GPUType, 0, len(s.catalog.Types))}
	for _, t := range s.catalog.Types {
		t.Regions = slices.Clone(t.Regions)
		for i, o := range t.Regions {
			t.Regions[i].AvailableGPUs = api.GPUCount{
				OnDemand: s.gpu.Free(s.catalog, used, driver.UsageKey{Region: o.Region, GPUType: t.ID, CapacityType: api.CapacityOnDemand}),
				Spot:     s.gpu.Free(s.catalog, used, driver.UsageKey{Region: o.Region, GPUType: t.ID, CapacityType: api.CapacitySpot}),
			}
		}
		out.Items = append(out.Items, t)
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// poolView renders the API representation of a stored pool.
func (s *Server) poolView(ctx context.Context, res *store.Resource) (api.GPUPool, error) {
	var sp poolSpec
	var st poolStatus
	if err := json.Unmarshal(res.Spec, &sp); err != nil {
		return api.GPUPool{}, err
	}
	if err := json.Unmarshal(res.Status, &st); err != nil {
		return api.GPUPool{}, err
	}
	env, err := s.environment(ctx, res.ParentID)
	if err != nil {
		return api.GPUPool{}, fmt.Errorf("environment of pool %s: %w", res.ID, err)
	}
	var envSp envSpec
	if err := json.Unmarshal(env.Spec, &envSp); err != nil {
		return api.GPUPool{}, err
	}
	cost := 0.0
	if st.EffectiveGPUType != "" {
		price, _ := s.catalog.Price(st.EffectiveGPUType, envSp.Region, st.EffectiveCapacityType)
		cost = gpucatalog.Cost(price * float64(st.CurrentNodes*sp.GPUsPerNode))
	}
	pool := api.GPUPool{
		ID:                    res.ID,
		Name:                  res.Name,
		EnvironmentID:         res.ParentID,
		ProviderID:            res.AltKey,
		Backend:               sp.Backend,
		GPUType:               sp.GPUType,
		GPUsPerNode:           sp.GPUsPerNode,
		CapacityType:          sp.CapacityType,
		NodeCount:             sp.NodeCount,
		Autoscaling:           sp.Autoscaling,
		CapacityFallback:      orEmptySlice(sp.CapacityFallback),
		Models:                orEmptySlice(sp.Models),
		IdleStopSeconds:       sp.IdleStopSeconds,
		Labels:                orEmpty(res.Labels),
		Status:                st.Status,
		CurrentNodes:          st.CurrentNodes,
		EffectiveGPUType:      st.EffectiveGPUType,
		EffectiveCapacityType: st.EffectiveCapacityType,
		BaseURL:               s.gpu.BaseURL(poolOf(res, env.Name, envSp.Region, sp, st)),
		HourlyCost:            cost,
		ETag:                  etagOf(res),
		CreatedAt:             res.CreatedAt.UTC(),
		UpdatedAt:             res.UpdatedAt.UTC(),
	}
	return pool, nil
}

func setPoolStatus(res *store.Resource, fn func(*poolStatus)) error {
	var st poolStatus
	if err := json.Unmarshal(res.Status, &st); err != nil {
		return err
	}
	fn(&st)
	res.Status = mustJSON(st)
	return nil
}

// poolsOf lists an environment's pools, by name.
func (s *Server) poolsOf(ctx context.Context, envID string) ([]*store.Resource, error) {
	return s.childrenOf(ctx, gpuPools, envID)
}
