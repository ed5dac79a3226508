package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/openclaw/terraform-provider-openclaw/internal/api"
	"github.com/openclaw/terraform-provider-openclaw/internal/controlplane/driver"
	"github.com/openclaw/terraform-provider-openclaw/internal/controlplane/store"
	"github.com/openclaw/terraform-provider-openclaw/internal/schedule"
)

// Power is not configuration: a stop by a schedule or an operator changes
// the environment's power_state and its pools' current_nodes, never
// desired_state or node_count, so Terraform plans nothing.

// powerOverride is a manual power action with an end: schedules leave the
// environment alone until then.
type powerOverride struct {
	State string    `json:"state"`
	Until time.Time `json:"until"`
}

// powerPayload is the input of an environment.power operation.
type powerPayload struct {
	Action string `json:"action"`
	// Source is "schedule" or "manual".
	Source       string        `json:"source"`
	DrainTimeout time.Duration `json:"drain_timeout"`
}

const (
	powerBySchedule = "schedule"
	powerByOperator = "manual"
)

// envPower is what the power step and the scheduler read of an environment.
func envPower(res *store.Resource) (envSpec, envStatus, error) {
	var sp envSpec
	var st envStatus
	if err := json.Unmarshal(res.Spec, &sp); err != nil {
		return sp, st, err
	}
	err := json.Unmarshal(res.Status, &st)
	return sp, st, err
}

func (s *Server) powerEnvironment(w http.ResponseWriter, r *http.Request, p *principal) error {
	if err := p.require(api.ScopeEnvironmentsWrite); err != nil {
		return err
	}
	var req api.PowerRequest
	if err := decodeJSON(r, &req, nil); err != nil {
		return err
	}
	if err := schedule.ValidateState(req.State); err != nil {
		return invalid(fieldErr("state", "%s", err.Error()))
	}
	now := s.now()
	if req.Until != nil && !req.Until.After(now) {
		return invalid(fieldErr("until", "must be in the future (now is %s), got %s", now.UTC().Format(time.RFC3339), req.Until.UTC().Format(time.RFC3339)))
	}
	res, err := s.load(r.Context(), p, environments, r.PathValue("id"))
	if err != nil {
		return err
	}
	setAuditTarget(r.Context(), store.KindEnvironment, res.ID)
	sp, st, err := envPower(res)
	if err != nil {
		return err
	}
	switch {
	case st.Status == api.EnvStatusDeleting:
		return errorf(http.StatusConflict, api.CodeConflict, "environment %s is being deleted", res.ID)
	case req.State == schedule.Running && sp.DesiredState == api.DesiredStopped:
		e := errorf(http.StatusConflict, api.CodeConflict, "environment %q has desired_state = \"stopped\": it is stopped by configuration, not by power; set desired_state = \"running\" to start it", res.Name)
		e.problem.Errors = []api.FieldError{fieldErr("state", "cannot start an environment whose desired_state is stopped")}
		return e
	}
	op := s.newOperation(opEnvironmentPower, store.KindEnvironment, res.ID)
	op.Message = "queued"
	op.Payload = mustJSON(powerPayload{Action: actionFor(req.State), Source: powerByOperator, DrainTimeout: 5 * time.Minute})
	err = s.store.InTx(r.Context(), func(tx store.Tx) error {
		cur, err := tx.GetResource(r.Context(), store.KindEnvironment, res.ID)
		if err != nil {
			return err
		}
		if err := setStatus(cur, func(st *envStatus) {
			st.PowerOverride = nil
			if req.Until != nil {
				st.PowerOverride = &powerOverride{State: req.State, Until: req.Until.UTC()}
			}
		}); err != nil {
			return err
		}
		cur.UpdatedAt = s.now()
		if err := tx.UpdateResource(r.Context(), cur); err != nil {
			return err
		}
		return tx.CreateOperation(r.Context(), op)
	})
	if errors.Is(err, store.ErrConflict) {
		return errorf(http.StatusConflict, api.CodeConflict, "environment %s changed while the power action was being recorded; retry", res.ID)
	}
	if err != nil {
		return err
	}
	s.engine.kick()
	return s.accepted(w, op)
}

func actionFor(state string) string {
	if state == schedule.Running {
		return schedule.ActionStart
	}
	return schedule.ActionStop
}

func (s *Server) registerPowerSteps() {
	s.engine.steps[opEnvironmentPower] = s.powerStep
}

// powerStep stops or starts an environment: step 0 drains (stop) or
// prepares (start) and waits the simulator's delay; step 1 stops the gateway
// and scales its GPU pools to zero, releasing their capacity, or starts the
// gateway and brings the pools back to node_count (or autoscaling.min_nodes).
func (s *Server) powerStep(ctx context.Context, op *store.Operation) (stepOutcome, error) {
	var pl powerPayload
	if err := json.Unmarshal(op.Payload, &pl); err != nil {
		return stepOutcome{}, err
	}
	res, err := s.store.GetResource(ctx, store.KindEnvironment, op.TargetID)
	if errors.Is(err, store.ErrNotFound) {
		return stepOutcome{fail: errorf(http.StatusNotFound, api.CodeNotFound, "environment %s no longer exists", op.TargetID)}, nil
	}
	if err != nil {
		return stepOutcome{}, err
	}
	sp, st, err := envPower(res)
	if err != nil {
		return stepOutcome{}, err
	}
	stop := pl.Action == schedule.ActionStop
	switch {
	case !stop && sp.DesiredState == api.DesiredStopped:
		op.Message = "not started: desired_state is stopped"
		return stepOutcome{done: true}, nil
	case st.Status == api.EnvStatusFailed:
		return stepOutcome{fail: errorf(http.StatusConflict, api.CodeConflict, "environment %q is failed; apply its configuration again to repair it before power actions", res.Name)}, nil
	case stop && st.PowerState == api.PowerOff && st.Status == api.EnvStatusStopped:
		op.Message = "already stopped"
		return stepOutcome{done: true}, nil
	case !stop && st.PowerState == api.PowerOn && st.Status == api.EnvStatusRunning && st.StoppedBy == "":
		op.Message = "already running"
		return stepOutcome{done: true}, nil
	}
	if op.Step == 0 {
		during := api.EnvStatusProvisioning
		op.Message = fmt.Sprintf("starting the gateway of %s and its GPU pools (simulated)", res.Name)
		if stop {
			during = api.EnvStatusStopping
			op.Message = fmt.Sprintf("draining the gateway of %s (up to %s), then stopping it and scaling its GPU pools to zero (simulated)", res.Name, pl.DrainTimeout)
		}
		if _, err := s.mutateResource(ctx, store.KindEnvironment, res.ID, func(r *store.Resource) error {
			return setStatus(r, func(st *envStatus) { st.Status = during })
		}); err != nil {
			return stepOutcome{}, err
		}
		op.Step = 1
		return stepOutcome{after: s.delay(res.Labels)}, nil
	}
	if ferr := s.check(pl.Action, res.Labels); ferr != nil {
		// The gateway did not change state: report what it still is.
		if _, err := s.mutateResource(ctx, store.KindEnvironment, res.ID, func(r *store.Resource) error {
			return setStatus(r, func(st *envStatus) {
				st.Status = api.EnvStatusRunning
				if st.PowerState == api.PowerOff {
					st.Status = api.EnvStatusStopped
				}
			})
		}); err != nil {
			return stepOutcome{}, err
		}
		return stepOutcome{fail: errorf(http.StatusInternalServerError, api.CodeInternal, "environment %q failed to %s: %v", res.Name, pl.Action, ferr)}, nil
	}
	// The gateway through the driver (a real process on the process driver).
	if stop {
		err = s.gw.Stop(ctx, res.ID, pl.DrainTimeout)
	} else {
		err = s.startGateway(ctx, res.ID)
	}
	if err != nil {
		return stepOutcome{}, err
	}
	var poolProblems []string
	if stop {
		err = s.scalePoolsToZero(ctx, res.ID)
	} else {
		poolProblems, err = s.restorePools(ctx, res.ID)
	}
	if err != nil {
		return stepOutcome{}, err
	}
	if _, err := s.mutateResource(ctx, store.KindEnvironment, res.ID, func(r *store.Resource) error {
		return setStatus(r, func(st *envStatus) {
			if stop {
				st.Status, st.PowerState, st.StoppedBy = api.EnvStatusStopped, api.PowerOff, pl.Source
			} else {
				st.Status, st.PowerState, st.StoppedBy = api.EnvStatusRunning, api.PowerOn, ""
			}
		})
	}); err != nil {
		return stepOutcome{}, err
	}
	if err := s.materialiseEnvironment(ctx, res.ID); err != nil {
		return stepOutcome{}, err
	}
	if len(poolProblems) > 0 {
		return stepOutcome{fail: errorf(http.StatusConflict, api.CodeNoCapacity,
			"the gateway of %q is running, but %s; those pools stay stopped until the next start", res.Name, strings.Join(poolProblems, "; "))}, nil
	}
	if stop {
		op.Message = "stopped: gateway stopped, GPU pools at zero nodes"
	} else {
		op.Message = "started: gateway running, GPU pools back to their size"
	}
	return stepOutcome{done: true}, nil
}

// scalePoolsToZero stops every running pool of an environment and releases
// its capacity. Pools in the middle of their own operation are left to it.
func (s *Server) scalePoolsToZero(ctx context.Context, envID string) error {
	return s.store.InTx(ctx, func(tx store.Tx) error {
		if err := tx.Lock(ctx, capacityLock); err != nil {
			return err
		}
		return s.eachPool(ctx, tx, envID, func(pc *poolContext) (bool, error) {
			if pc.status.Status != api.PoolStatusRunning {
				return false, nil
			}
			pc.status.Status = api.PoolStatusStopped
			pc.status.CurrentNodes = 0
			pc.status.Allocation = nil
			return true, nil
		})
	})
}

// restorePools brings stopped pools back to their running size, on the GPU
// type they ran on when it has capacity, else on their capacity choices.
func (s *Server) restorePools(ctx context.Context, envID string) ([]string, error) {
	var problems []string
	err := s.store.InTx(ctx, func(tx store.Tx) error {
		problems = nil
		if err := tx.Lock(ctx, capacityLock); err != nil {
			return err
		}
		return s.eachPool(ctx, tx, envID, func(pc *poolContext) (bool, error) {
			if pc.status.Status != api.PoolStatusStopped {
				return false, nil
			}
			used, err := s.usageWithout(ctx, tx, pc)
			if err != nil {
				return false, err
			}
			nodes := targetNodes(pc.spec, 0)
			choices := choicesOf(pc.spec)
			// Back on what it ran on, while that is still one of its choices
			// (a change made while stopped may have removed it).
			ran := api.CapacityChoice{GPUType: pc.status.EffectiveGPUType, CapacityType: pc.status.EffectiveCapacityType}
			if slices.Contains(choices, ran) {
				choices = append([]api.CapacityChoice{ran}, choices...)
			}
			chosen, _, aerr := s.gpu.Allocate(driver.Placement{Catalog: s.catalog, Used: used, Region: pc.region, Choices: choices, Nodes: nodes, GPUsPerNode: pc.spec.GPUsPerNode})
			if aerr != nil {
				problems = append(problems, fmt.Sprintf("GPU pool %q found no capacity (%v)", pc.res.Name, aerr))
				return false, nil
			}
			pc.status.Status = api.PoolStatusRunning
			pc.status.CurrentNodes = nodes
			pc.status.EffectiveGPUType, pc.status.EffectiveCapacityType = chosen.GPUType, chosen.CapacityType
			pc.status.Allocation = &allocation{Region: pc.region, GPUType: chosen.GPUType, CapacityType: chosen.CapacityType, GPUs: nodes * pc.spec.GPUsPerNode}
			return true, nil
		})
	})
	return problems, err
}

// eachPool runs fn on each pool of an environment inside tx and writes the
// pools fn changed.
func (s *Server) eachPool(ctx context.Context, tx store.Tx, envID string, fn func(*poolContext) (bool, error)) error {
	items, _, err := tx.ListResources(ctx, store.ListFilter{Kind: store.KindGPUPool, ParentID: &envID, PageSize: 500})
	if err != nil {
		return err
	}
	for _, it := range items {
		pc, err := s.loadPoolContext(ctx, tx, it.ID)
		if err != nil {
			return err
		}
		changed, err := fn(pc)
		if err != nil {
			return err
		}
		if !changed {
			continue
		}
		pc.res.Status = mustJSON(pc.status)
		pc.res.UpdatedAt = s.now()
		if err := tx.UpdateResource(ctx, pc.res); err != nil {
			return err
		}
	}
	return nil
}
