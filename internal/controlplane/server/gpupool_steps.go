package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/openclaw/terraform-provider-openclaw/internal/api"
	"github.com/openclaw/terraform-provider-openclaw/internal/controlplane/driver"
	"github.com/openclaw/terraform-provider-openclaw/internal/controlplane/store"
)

func (s *Server) registerGPUPoolSteps() {
	s.engine.steps[opGPUPoolCreate] = s.createPoolStep
	s.engine.steps[opGPUPoolUpdate] = s.updatePoolStep
	s.engine.steps[opGPUPoolDelete] = s.deletePoolStep
}

// capacityLock serialises every transaction that allocates GPU capacity.
const capacityLock = "gpu-capacity"

// finalStep is where an update finishes after its node work.
const finalStep = 1000

type poolContext struct {
	res    *store.Resource
	spec   poolSpec
	status poolStatus
	env    *store.Resource
	region string
}

func (s *Server) loadPoolContext(ctx context.Context, tx store.Tx, id string) (*poolContext, error) {
	res, err := tx.GetResource(ctx, store.KindGPUPool, id)
	if err != nil {
		return nil, err
	}
	pc := &poolContext{res: res}
	if err := json.Unmarshal(res.Spec, &pc.spec); err != nil {
		return nil, err
	}
	if err := json.Unmarshal(res.Status, &pc.status); err != nil {
		return nil, err
	}
	if pc.env, err = tx.GetResource(ctx, store.KindEnvironment, res.ParentID); err != nil {
		return nil, fmt.Errorf("environment of pool %s: %w", id, err)
	}
	var envSp envSpec
	if err := json.Unmarshal(pc.env.Spec, &envSp); err != nil {
		return nil, err
	}
	pc.region = envSp.Region
	return pc, nil
}

// targetNodes is how many nodes a pool should run: its fixed count, or its
// current count held within the autoscaling bounds.
func targetNodes(sp poolSpec, current int64) int64 {
	if sp.NodeCount != nil {
		return *sp.NodeCount
	}
	return min(max(current, sp.Autoscaling.MinNodes), sp.Autoscaling.MaxNodes)
}

func choicesOf(sp poolSpec) []api.CapacityChoice {
	return append([]api.CapacityChoice{{GPUType: sp.GPUType, CapacityType: sp.CapacityType}}, sp.CapacityFallback...)
}

// usageWithout is the capacity usage with one pool's own allocation left
// out: that pool's nodes are swapped in place, not added.
func (s *Server) usageWithout(ctx context.Context, tx store.Tx, pc *poolContext) (driver.Usage, error) {
	used, err := s.capacityUsageTx(ctx, tx)
	if err != nil {
		return nil, err
	}
	if a := pc.status.Allocation; a != nil {
		used[driver.UsageKey{Region: a.Region, GPUType: a.GPUType, CapacityType: a.CapacityType}] -= a.GPUs
	}
	return used, nil
}

func noCapacity(poolName string, err error, keeps string) *apiError {
	var nc *driver.NoCapacityError
	detail := err.Error()
	if errors.As(err, &nc) {
		parts := make([]string, len(nc.Attempts))
		for i, a := range nc.Attempts {
			parts[i] = a.String()
		}
		detail = fmt.Sprintf("GPU pool %q: no capacity in %s for any choice. Tried, in order: %s.", poolName, nc.Region, strings.Join(parts, "; "))
	}
	if keeps != "" {
		detail += " " + keeps
	}
	detail += " Add capacity_fallback choices, lower node_count or gpus_per_node, or try another region."
	return errorf(http.StatusConflict, api.CodeNoCapacity, "%s", detail)
}

func describeFallback(tried []driver.Attempt, chosen api.CapacityChoice) string {
	if len(tried) == 0 {
		return ""
	}
	parts := make([]string, len(tried))
	for i, a := range tried {
		parts[i] = a.String()
	}
	return fmt.Sprintf(" (fell back to %s %s: %s)", chosen.GPUType, chosen.CapacityType, strings.Join(parts, "; "))
}

func (s *Server) createPoolStep(ctx context.Context, op *store.Operation) (stepOutcome, error) {
	switch op.Step {
	case 0:
		var out stepOutcome
		err := s.store.InTx(ctx, func(tx store.Tx) error {
			// Replicas on one PostgreSQL database must not allocate the same GPUs.
			if err := tx.Lock(ctx, capacityLock); err != nil {
				return err
			}
			pc, err := s.loadPoolContext(ctx, tx, op.TargetID)
			if err != nil {
				return err
			}
			used, err := s.usageWithout(ctx, tx, pc)
			if err != nil {
				return err
			}
			nodes := targetNodes(pc.spec, 0)
			chosen, tried, aerr := s.gpu.Allocate(driver.Placement{Catalog: s.catalog, Used: used, Region: pc.region, Choices: choicesOf(pc.spec), Nodes: nodes, GPUsPerNode: pc.spec.GPUsPerNode})
			if aerr != nil {
				// Fail fast and leave nothing behind: the pool is removed.
				out.fail = noCapacity(pc.res.Name, aerr, "Nothing was created.")
				return tx.DeleteResource(ctx, store.KindGPUPool, pc.res.ID)
			}
			pc.status.Status = api.PoolStatusProvisioning
			pc.status.EffectiveGPUType, pc.status.EffectiveCapacityType = chosen.GPUType, chosen.CapacityType
			pc.status.Allocation = &allocation{Region: pc.region, GPUType: chosen.GPUType, CapacityType: chosen.CapacityType, GPUs: nodes * pc.spec.GPUsPerNode}
			pc.res.Status = mustJSON(pc.status)
			pc.res.UpdatedAt = s.now()
			if err := tx.UpdateResource(ctx, pc.res); err != nil {
				return err
			}
			op.Step = 1
			op.Message = fmt.Sprintf("starting %d × %d %s (%s)%s (simulated)", nodes, pc.spec.GPUsPerNode, chosen.GPUType, chosen.CapacityType, describeFallback(tried, chosen))
			out.after = s.delay(pc.res.Labels)
			return nil
		})
		if errors.Is(err, store.ErrNotFound) {
			return stepOutcome{fail: errorf(http.StatusNotFound, api.CodeNotFound, "GPU pool %s no longer exists", op.TargetID)}, nil
		}
		return out, err
	default:
		return s.finishPool(ctx, op, "create")
	}
}

// finishPool brings a pool to running: its nodes are up, the gateway's
// openclaw.json lists it as a model provider.
func (s *Server) finishPool(ctx context.Context, op *store.Operation, transition string) (stepOutcome, error) {
	pc, err := s.loadPoolContext(ctx, s.store, op.TargetID)
	if errors.Is(err, store.ErrNotFound) {
		return stepOutcome{fail: errorf(http.StatusNotFound, api.CodeNotFound, "GPU pool %s no longer exists", op.TargetID)}, nil
	}
	if err != nil {
		return stepOutcome{}, err
	}
	if ferr := s.check(transition, pc.res.Labels); ferr != nil {
		if _, err := s.mutateResource(ctx, store.KindGPUPool, pc.res.ID, func(r *store.Resource) error {
			return setPoolStatus(r, func(st *poolStatus) {
				st.Status = api.PoolStatusFailed
				if transition == "create" {
					st.Allocation, st.CurrentNodes = nil, 0
				}
				st.Pending = nil
			})
		}); err != nil {
			return stepOutcome{}, err
		}
		return stepOutcome{fail: errorf(http.StatusInternalServerError, api.CodeInternal,
			"GPU pool %q failed to %s: %v; it is marked failed, apply again to retry", pc.res.Name, transition, ferr)}, nil
	}
	if _, err := s.mutateResource(ctx, store.KindGPUPool, pc.res.ID, func(r *store.Resource) error {
		var sp poolSpec
		if err := json.Unmarshal(r.Spec, &sp); err != nil {
			return err
		}
		return setPoolStatus(r, func(st *poolStatus) {
			if st.Pending != nil {
				st.Allocation, st.Pending = st.Pending, nil
				st.EffectiveGPUType, st.EffectiveCapacityType = st.Allocation.GPUType, st.Allocation.CapacityType
			}
			st.CurrentNodes = 0
			if st.Allocation != nil && sp.GPUsPerNode > 0 {
				st.CurrentNodes = st.Allocation.GPUs / sp.GPUsPerNode
			}
			st.Status = api.PoolStatusRunning
		})
	}); err != nil {
		return stepOutcome{}, err
	}
	if err := s.scalePool(ctx, pc.res.ID); err != nil {
		return stepOutcome{}, err
	}
	if err := s.materialiseEnvironment(ctx, pc.env.ID); err != nil {
		return stepOutcome{}, err
	}
	op.Message = fmt.Sprintf("%s: done; registered as models.providers.%s", transition, pc.res.AltKey)
	return stepOutcome{done: true}, nil
}

func (s *Server) updatePoolStep(ctx context.Context, op *store.Operation) (stepOutcome, error) {
	var payload poolUpdatePayload
	if len(op.Payload) > 0 {
		if err := json.Unmarshal(op.Payload, &payload); err != nil {
			return stepOutcome{}, err
		}
	}
	switch {
	case op.Step == 0:
		return s.startPoolUpdate(ctx, op, payload)
	case op.Step < finalStep:
		// Rolling replacement: one node per step, the pool keeps serving.
		pc, err := s.loadPoolContext(ctx, s.store, op.TargetID)
		if err != nil {
			return stepOutcome{}, err
		}
		total := targetNodes(pc.spec, pc.status.CurrentNodes)
		op.Message = fmt.Sprintf("replaced node %d of %d with %s (simulated)", op.Step, total, pc.status.Pending.GPUType)
		if int64(op.Step) >= total {
			op.Step = finalStep
			return stepOutcome{after: 0}, nil
		}
		op.Step++
		return stepOutcome{after: s.delay(pc.res.Labels)}, nil
	default:
		return s.finishPool(ctx, op, "update")
	}
}

func (s *Server) startPoolUpdate(ctx context.Context, op *store.Operation, payload poolUpdatePayload) (stepOutcome, error) {
	var out stepOutcome
	err := s.store.InTx(ctx, func(tx store.Tx) error {
		// Replicas on one PostgreSQL database must not allocate the same GPUs.
		if err := tx.Lock(ctx, capacityLock); err != nil {
			return err
		}
		pc, err := s.loadPoolContext(ctx, tx, op.TargetID)
		if err != nil {
			return err
		}
		used, err := s.usageWithout(ctx, tx, pc)
		if err != nil {
			return err
		}
		nodes := targetNodes(pc.spec, pc.status.CurrentNodes)
		var choices []api.CapacityChoice
		if payload.Replace || pc.status.Allocation == nil {
			choices = choicesOf(pc.spec)
		} else {
			choices = []api.CapacityChoice{{GPUType: pc.status.EffectiveGPUType, CapacityType: pc.status.EffectiveCapacityType}}
		}
		chosen, tried, aerr := s.gpu.Allocate(driver.Placement{Catalog: s.catalog, Used: used, Region: pc.region, Choices: choices, Nodes: nodes, GPUsPerNode: pc.spec.GPUsPerNode})
		if aerr != nil {
			// Keep serving on what runs now and say so: the configuration
			// goes back to what it was, so the next plan shows the change again.
			out.fail = noCapacity(pc.res.Name, aerr, fmt.Sprintf("The pool keeps running %d × %s (%s); its configuration is unchanged.", pc.status.CurrentNodes, pc.status.EffectiveGPUType, pc.status.EffectiveCapacityType))
			pc.res.Spec = mustJSON(payload.Previous)
			pc.res.Generation++
			pc.res.UpdatedAt = s.now()
			return tx.UpdateResource(ctx, pc.res)
		}
		alloc := &allocation{Region: pc.region, GPUType: chosen.GPUType, CapacityType: chosen.CapacityType, GPUs: nodes * pc.spec.GPUsPerNode}
		pc.status.Status = api.PoolStatusUpdating
		pc.status.Pending = alloc
		pc.res.Status = mustJSON(pc.status)
		pc.res.UpdatedAt = s.now()
		if err := tx.UpdateResource(ctx, pc.res); err != nil {
			return err
		}
		switch {
		case payload.Replace && nodes > 0:
			op.Step = 1
			op.Message = fmt.Sprintf("rolling replacement of %d nodes with %s (%s)%s (simulated)", nodes, chosen.GPUType, chosen.CapacityType, describeFallback(tried, chosen))
			out.after = s.delay(pc.res.Labels)
		case nodes != pc.status.CurrentNodes:
			op.Step = finalStep
			op.Message = fmt.Sprintf("scaling from %d to %d nodes (simulated)", pc.status.CurrentNodes, nodes)
			out.after = s.delay(pc.res.Labels)
		default:
			// Models, idle stop, fallback list: the gateway config changes, no nodes.
			op.Step = finalStep
			op.Message = "updating the gateway's model provider configuration"
		}
		return nil
	})
	if errors.Is(err, store.ErrNotFound) {
		return stepOutcome{fail: errorf(http.StatusNotFound, api.CodeNotFound, "GPU pool %s no longer exists", op.TargetID)}, nil
	}
	return out, err
}

func (s *Server) deletePoolStep(ctx context.Context, op *store.Operation) (stepOutcome, error) {
	pc, err := s.loadPoolContext(ctx, s.store, op.TargetID)
	if errors.Is(err, store.ErrNotFound) {
		op.Message = "already deleted"
		return stepOutcome{done: true}, nil
	}
	if err != nil {
		return stepOutcome{}, err
	}
	if op.Step == 0 {
		op.Step = 1
		op.Message = fmt.Sprintf("draining and stopping %d nodes (simulated)", pc.status.CurrentNodes)
		return stepOutcome{after: s.delay(pc.res.Labels)}, nil
	}
	if ferr := s.check("delete", pc.res.Labels); ferr != nil {
		if _, err := s.mutateResource(ctx, store.KindGPUPool, pc.res.ID, func(r *store.Resource) error {
			return setPoolStatus(r, func(st *poolStatus) { st.Status = api.PoolStatusFailed })
		}); err != nil {
			return stepOutcome{}, err
		}
		return stepOutcome{fail: errorf(http.StatusInternalServerError, api.CodeInternal, "GPU pool %q failed to delete: %v", pc.res.Name, ferr)}, nil
	}
	if err := s.gpu.Release(ctx, pc.res.ID); err != nil {
		return stepOutcome{}, err
	}
	if err := s.store.DeleteResource(ctx, store.KindGPUPool, pc.res.ID); err != nil && !errors.Is(err, store.ErrNotFound) {
		return stepOutcome{}, err
	}
	if err := s.materialiseEnvironment(ctx, pc.env.ID); err != nil && !errors.Is(err, store.ErrNotFound) {
		return stepOutcome{}, err
	}
	op.Message = "deleted; removed from the gateway's model providers"
	return stepOutcome{done: true}, nil
}

// resizeAllocation moves a pool to nodes nodes on its current GPU type,
// failing with no_capacity when the extra GPUs are not free.
func (s *Server) resizeAllocation(ctx context.Context, id string, nodes, gpusPerNode int64) error {
	var envID string
	err := s.store.InTx(ctx, func(tx store.Tx) error {
		if err := tx.Lock(ctx, capacityLock); err != nil {
			return err
		}
		pc, err := s.loadPoolContext(ctx, tx, id)
		if err != nil {
			return err
		}
		if pc.status.Status != api.PoolStatusRunning || pc.status.Allocation == nil {
			return errorf(http.StatusConflict, api.CodeConflict, "GPU pool %s is %s; the autoscaler acts on running pools only", id, pc.status.Status)
		}
		used, err := s.usageWithout(ctx, tx, pc)
		if err != nil {
			return err
		}
		cur := api.CapacityChoice{GPUType: pc.status.EffectiveGPUType, CapacityType: pc.status.EffectiveCapacityType}
		if _, _, aerr := s.gpu.Allocate(driver.Placement{Catalog: s.catalog, Used: used, Region: pc.region, Choices: []api.CapacityChoice{cur}, Nodes: nodes, GPUsPerNode: gpusPerNode}); aerr != nil {
			return noCapacity(pc.res.Name, aerr, "The pool keeps its current size.")
		}
		pc.status.Allocation.GPUs = nodes * gpusPerNode
		pc.status.CurrentNodes = nodes
		pc.res.Status = mustJSON(pc.status)
		pc.res.UpdatedAt = s.now()
		envID = pc.env.ID
		return tx.UpdateResource(ctx, pc.res)
	})
	if errors.Is(err, store.ErrNotFound) {
		return notFound("GPU pool", id)
	}
	if err != nil {
		return err
	}
	if err := s.scalePool(ctx, id); err != nil {
		return err
	}
	return s.materialiseEnvironment(ctx, envID)
}

// scalePool brings a pool's nodes to its current size through the driver.
func (s *Server) scalePool(ctx context.Context, id string) error {
	pc, err := s.loadPoolContext(ctx, s.store, id)
	if err != nil {
		return err
	}
	_, err = s.gpu.Scale(ctx, poolOf(pc.res, pc.env.Name, pc.region, pc.spec, pc.status))
	return err
}

// capacityUsageTx sums the GPUs every pool holds (allocated and pending),
// read through tx so an allocation decided on it is consistent.
func (s *Server) capacityUsageTx(ctx context.Context, tx store.Tx) (driver.Usage, error) {
	used := driver.Usage{}
	f := store.ListFilter{Kind: store.KindGPUPool, PageSize: 500}
	for {
		items, next, err := tx.ListResources(ctx, f)
		if err != nil {
			return nil, err
		}
		for _, res := range items {
			var st poolStatus
			if err := json.Unmarshal(res.Status, &st); err != nil {
				return nil, err
			}
			for _, a := range []*allocation{st.Allocation, st.Pending} {
				if a != nil {
					used[driver.UsageKey{Region: a.Region, GPUType: a.GPUType, CapacityType: a.CapacityType}] += a.GPUs
				}
			}
		}
		if next == "" {
			return used, nil
		}
		f.PageToken = next
	}
}
