package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	"github.com/openclaw/terraform-provider-openclaw/internal/api"
	"github.com/openclaw/terraform-provider-openclaw/internal/controlplane/simulator"
	"github.com/openclaw/terraform-provider-openclaw/internal/controlplane/store"
)

// Environment operations are two steps: step 0 marks the transition and
// waits the simulator's delay; step 1 performs it. Both are idempotent, so a
// step re-run after a crash does no harm.
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
		if op.Step == 0 {
			status := during
			if transition == "update" && spec.DesiredState == api.DesiredStopped {
				status = api.EnvStatusStopping
			}
			if _, err := s.mutateResource(ctx, store.KindEnvironment, res.ID, func(r *store.Resource) error {
				return setStatus(r, func(st *envStatus) { st.Status = status })
			}); err != nil {
				return stepOutcome{}, err
			}
			op.Step = 1
			op.Message = fmt.Sprintf("%s: %s (simulated)", status, res.Name)
			return stepOutcome{after: s.sim.Delay(res.Labels)}, nil
		}

		if ferr := s.sim.Check(transition, res.Labels); ferr != nil {
			if _, err := s.mutateResource(ctx, store.KindEnvironment, res.ID, func(r *store.Resource) error {
				return setStatus(r, func(st *envStatus) { st.Status = api.EnvStatusFailed })
			}); err != nil {
				return stepOutcome{}, err
			}
			return stepOutcome{fail: errorf(http.StatusInternalServerError, api.CodeInternal,
				"environment %q failed to %s: %v; the environment is marked failed, apply again to retry", res.Name, transition, ferr)}, nil
		}
		if err := s.materialiseEnvironment(ctx, res.ID); err != nil {
			return stepOutcome{}, err
		}
		if _, err := s.mutateResource(ctx, store.KindEnvironment, res.ID, func(r *store.Resource) error {
			// Read the spec again: a later update may already have changed it,
			// and its own operation will apply it next.
			var cur envSpec
			if err := json.Unmarshal(r.Spec, &cur); err != nil {
				return err
			}
			return setStatus(r, func(st *envStatus) {
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
	if op.Step == 0 {
		op.Step = 1
		op.Message = fmt.Sprintf("deleting: %s (simulated)", res.Name)
		return stepOutcome{after: s.sim.Delay(res.Labels)}, nil
	}
	if ferr := s.sim.Check("delete", res.Labels); ferr != nil {
		if _, err := s.mutateResource(ctx, store.KindEnvironment, res.ID, func(r *store.Resource) error {
			return setStatus(r, func(st *envStatus) { st.Status = api.EnvStatusFailed })
		}); err != nil {
			return stepOutcome{}, err
		}
		return stepOutcome{fail: errorf(http.StatusInternalServerError, api.CodeInternal,
			"environment %q failed to delete: %v; it is marked failed, delete again to retry", res.Name, ferr)}, nil
	}
	// With cascade (checked when the delete was accepted) the children go too.
	if err := s.cascadeChildren(ctx, environments, res.ID); err != nil {
		return stepOutcome{}, err
	}
	if err := s.sim.Destroy(res.ID); err != nil {
		return stepOutcome{}, err
	}
	if err := s.store.DeleteResource(ctx, store.KindEnvironment, res.ID); err != nil && !errors.Is(err, store.ErrNotFound) {
		return stepOutcome{}, err
	}
	op.Message = "deleted"
	return stepOutcome{done: true}, nil
}

// gatewayOf describes what the simulator materialises for an environment.
func (s *Server) gatewayOf(res *store.Resource, spec envSpec, secrets []store.Secret) simulator.Gateway {
	g := simulator.Gateway{
		ID:              res.ID,
		Name:            res.Name,
		Region:          spec.Region,
		OpenClawVersion: spec.OpenClawVersion,
		ReleaseChannel:  spec.ReleaseChannel,
		CPUs:            spec.Size.CPUs,
		MemoryMB:        spec.Size.MemoryMB,
		StateVolumeGB:   spec.StateVolumeGB,
	}
	for _, sec := range secrets {
		g.SecretNames = append(g.SecretNames, sec.Name)
	}
	return g
}
