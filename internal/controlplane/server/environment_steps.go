package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	"github.com/openclaw/terraform-provider-openclaw/internal/api"
	"github.com/openclaw/terraform-provider-openclaw/internal/controlplane/driver"
	"github.com/openclaw/terraform-provider-openclaw/internal/controlplane/store"
)

// Environment operation steps. Every step is idempotent, so a step re-run
// after a crash does no harm:
//
//	0  mark the transition; wait the simulator's delay (0 on other drivers)
//	1  provision the state directory, then start or stop the gateway
//	2  wait until the gateway is ready (running) or failed
//	3  wait until the gateway has stopped (drained)
const (
	stepEnvApply       = 1
	stepEnvWaitReady   = 2
	stepEnvWaitStopped = 3
)

func (s *Server) registerEnvironmentSteps() {
	s.engine.steps[opEnvironmentCreate] = s.envTransition("create", api.EnvStatusProvisioning)
	s.engine.steps[opEnvironmentUpdate] = s.envTransition("update", api.EnvStatusUpdating)
	s.engine.steps[opEnvironmentDelete] = s.deleteEnvironmentStep
}

func (s *Server) envTransition(transition, during string) stepFunc {
	return func(ctx context.Context, op *store.Operation) (stepOutcome, error) {
		res, err := s.store.GetResource(ctx, store.KindEnvironment, op.TargetID)
		if errors.Is(err, store.ErrNotFound) {
			return stepOutcome{fail: errorf(http.StatusNotFound, api.CodeNotFound, "environment %s no longer exists", op.TargetID)}, nil
		}
		if err != nil {
			return stepOutcome{}, err
		}
		var spec envSpec
		if err := json.Unmarshal(res.Spec, &spec); err != nil {
			return stepOutcome{}, err
		}
		switch op.Step {
		case 0:
			status := during
			if transition == "update" && spec.DesiredState == api.DesiredStopped {
				status = api.EnvStatusStopping
			}
			if _, err := s.mutateFrom(ctx, res, func(r *store.Resource) error {
				return setStatus(r, func(st *envStatus) { st.Status = status })
			}); err != nil {
				return stepOutcome{}, err
			}
			op.Step = stepEnvApply
			op.Message = fmt.Sprintf("%s: %s%s", status, res.Name, s.simulated())
			return stepOutcome{after: s.delay(res.Labels)}, nil
		case stepEnvApply:
			if ferr := s.check(transition, res.Labels); ferr != nil {
				return s.failEnvironment(ctx, res, false, fmt.Sprintf("environment %q failed to %s: %v; the environment is marked failed, apply again to retry", res.Name, transition, ferr))
			}
			if transition == "create" && spec.RestoreFrom != nil {
				// Before the state directory is provisioned: a restore
				// writes only into a fresh directory.
				fail, err := s.restoreEnvironment(ctx, res, spec)
				if err != nil {
					return stepOutcome{}, err
				}
				if fail != "" {
					return s.failEnvironment(ctx, res, false, fmt.Sprintf("environment %q could not be restored: %s; the environment is marked failed", res.Name, fail))
				}
				if res, err = s.store.GetResource(ctx, store.KindEnvironment, res.ID); err != nil {
					return stepOutcome{}, err // a restore may record what it did
				}
			}
			g, err := s.provisionFor(ctx, res)
			if err != nil {
				if errors.Is(err, driver.ErrRejected) {
					return s.failEnvironment(ctx, res, false, fmt.Sprintf("environment %q cannot be applied: %v", res.Name, err))
				}
				return stepOutcome{}, err
			}
			// A configuration change does not start a gateway that a
			// schedule or an operator holds stopped (power.go).
			var st envStatus
			if err := json.Unmarshal(res.Status, &st); err != nil {
				return stepOutcome{}, err
			}
			if spec.DesiredState == api.DesiredStopped || st.StoppedBy != "" {
				if err := s.gw.Stop(ctx, res.ID, s.drainTimeout); err != nil {
					return stepOutcome{}, err
				}
				op.Step = stepEnvWaitStopped
				op.Message = fmt.Sprintf("draining the gateway of %s (up to %s)", res.Name, s.drainTimeout)
				return s.waitStopped(ctx, op, res)
			}
			if err := s.gw.Start(ctx, g); err != nil {
				if errors.Is(err, driver.ErrUnknownVersion) || errors.Is(err, driver.ErrRejected) {
					return s.failEnvironment(ctx, res, true, fmt.Sprintf("environment %q cannot start: %v", res.Name, err))
				}
				return stepOutcome{}, err
			}
			op.Step = stepEnvWaitReady
			op.Message = fmt.Sprintf("starting the gateway of %s", res.Name)
			return s.waitReady(ctx, op, res, transition)
		case stepEnvWaitReady:
			return s.waitReady(ctx, op, res, transition)
		default:
			return s.waitStopped(ctx, op, res)
		}
	}
}

// waitReady finishes a start once the gateway's /readyz reports ready.
func (s *Server) waitReady(ctx context.Context, op *store.Operation, res *store.Resource, transition string) (stepOutcome, error) {
	h, err := s.gw.Health(ctx, res.ID)
	if err != nil {
		return stepOutcome{}, err
	}
	switch h.Phase {
	case driver.PhaseReady:
	case driver.PhaseFailed, driver.PhaseStopped:
		return s.failEnvironment(ctx, res, true, fmt.Sprintf("environment %q failed to %s: the gateway did not become ready: %s; the environment is marked failed, apply again to retry", res.Name, transition, h.Message))
	default:
		op.Message = fmt.Sprintf("starting the gateway of %s: %s", res.Name, h.Message)
		return stepOutcome{after: pollGateway}, nil
	}
	if _, err := s.mutateFrom(ctx, res, func(r *store.Resource) error {
		// Read the spec again: a later update may already have changed it,
		// and its own operation will apply it next.
		var cur envSpec
		if err := json.Unmarshal(r.Spec, &cur); err != nil {
			return err
		}
		return setStatus(r, func(st *envStatus) {
			st.Message = ""
			if cur.DesiredState == api.DesiredStopped {
				st.Status, st.PowerState = api.EnvStatusStopped, api.PowerOff
			} else {
				st.Status, st.PowerState = api.EnvStatusRunning, api.PowerOn
			}
		})
	}); err != nil {
		return stepOutcome{}, err
	}
	op.Message = fmt.Sprintf("%s: done", transition)
	return stepOutcome{done: true}, nil
}

// waitStopped finishes a stop once no gateway process is left.
func (s *Server) waitStopped(ctx context.Context, op *store.Operation, res *store.Resource) (stepOutcome, error) {
	h, err := s.gw.Health(ctx, res.ID)
	if err != nil {
		return stepOutcome{}, err
	}
	if h.Phase != driver.PhaseStopped && h.Phase != driver.PhaseFailed {
		return stepOutcome{after: pollGateway}, nil
	}
	if _, err := s.mutateFrom(ctx, res, func(r *store.Resource) error {
		var cur envSpec
		if err := json.Unmarshal(r.Spec, &cur); err != nil {
			return err
		}
		return setStatus(r, func(st *envStatus) {
			st.Status, st.PowerState, st.Message = api.EnvStatusStopped, api.PowerOff, ""
			if cur.DesiredState == api.DesiredStopped {
				st.StoppedBy = "" // configuration decides from now on
			}
		})
	}); err != nil {
		return stepOutcome{}, err
	}
	op.Message = "stopped"
	return stepOutcome{done: true}, nil
}

// failEnvironment marks an environment failed and fails its operation;
// powerOff when no gateway runs any more.
func (s *Server) failEnvironment(ctx context.Context, res *store.Resource, powerOff bool, detail string) (stepOutcome, error) {
	if _, err := s.mutateFrom(ctx, res, func(r *store.Resource) error {
		return setStatus(r, func(st *envStatus) {
			st.Status, st.Message = api.EnvStatusFailed, detail
			if powerOff {
				st.PowerState = api.PowerOff
			}
		})
	}); err != nil {
		return stepOutcome{}, err
	}
	return stepOutcome{fail: errorf(http.StatusInternalServerError, api.CodeInternal, "%s", detail)}, nil
}

func (s *Server) deleteEnvironmentStep(ctx context.Context, op *store.Operation) (stepOutcome, error) {
	res, err := s.store.GetResource(ctx, store.KindEnvironment, op.TargetID)
	if errors.Is(err, store.ErrNotFound) {
		op.Message = "already deleted"
		return stepOutcome{done: true}, nil
	}
	if err != nil {
		return stepOutcome{}, err
	}
	switch op.Step {
	case 0:
		op.Step = stepEnvApply
		op.Message = fmt.Sprintf("deleting: %s%s", res.Name, s.simulated())
		return stepOutcome{after: s.delay(res.Labels)}, nil
	case stepEnvApply:
		if ferr := s.check("delete", res.Labels); ferr != nil {
			if _, err := s.mutateFrom(ctx, res, func(r *store.Resource) error {
				return setStatus(r, func(st *envStatus) { st.Status = api.EnvStatusFailed })
			}); err != nil {
				return stepOutcome{}, err
			}
			return stepOutcome{fail: errorf(http.StatusInternalServerError, api.CodeInternal,
				"environment %q failed to delete: %v; it is marked failed, delete again to retry", res.Name, ferr)}, nil
		}
		if err := s.gw.Stop(ctx, res.ID, s.drainTimeout); err != nil {
			return stepOutcome{}, err
		}
		op.Step = stepEnvWaitStopped
		op.Message = fmt.Sprintf("deleting: draining the gateway of %s", res.Name)
		fallthrough
	default:
		h, err := s.gw.Health(ctx, res.ID)
		if err != nil {
			return stepOutcome{}, err
		}
		if h.Phase != driver.PhaseStopped && h.Phase != driver.PhaseFailed {
			return stepOutcome{after: pollGateway}, nil
		}
	}
	var spec envSpec
	if err := json.Unmarshal(res.Spec, &spec); err != nil {
		return stepOutcome{}, err
	}
	if fs := spec.FinalSnapshot; fs != nil && fs.Enabled {
		// Taken once the gateway is stopped; snapshots outlive it.
		fail, err := s.takeFinalSnapshot(ctx, op, res, fs)
		if err != nil {
			return stepOutcome{}, err
		}
		if fail != nil {
			return stepOutcome{fail: fail}, nil //nolint:nilerr // fail is the operation's outcome, not a step error
		}
	}
	// The pools' nodes stop first; with cascade (checked when the delete
	// was accepted) the children go too.
	pools, err := s.childrenOf(ctx, gpuPools, res.ID)
	if err != nil {
		return stepOutcome{}, err
	}
	for _, p := range pools {
		if err := s.gpu.Release(ctx, p.ID); err != nil {
			return stepOutcome{}, err
		}
	}
	if err := s.cascadeChildren(ctx, environments, res.ID); err != nil {
		return stepOutcome{}, err
	}
	if err := s.gw.Delete(ctx, res.ID); err != nil {
		return stepOutcome{}, err
	}
	if err := s.store.DeleteResource(ctx, store.KindEnvironment, res.ID); err != nil && !errors.Is(err, store.ErrNotFound) {
		return stepOutcome{}, err
	}
	op.Message = "deleted"
	return stepOutcome{done: true}, nil
}
