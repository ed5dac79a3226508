package client

import (
	"context"
	"fmt"
	"net/http"
	"net/url"

	"github.com/openclaw/terraform-provider-openclaw/internal/api"
)

// Shutdown schedules are synchronous, like API keys: their mutations answer
// with the schedule. Power actions answer with an operation.

const schedulesPath = "/v1/shutdown-schedules"

// CreateShutdownSchedule creates an environment's schedule.
func (c *Client) CreateShutdownSchedule(ctx context.Context, req api.ShutdownScheduleCreate) (*api.ShutdownSchedule, error) {
	return call[api.ShutdownSchedule](ctx, c, http.MethodPost, schedulesPath, req)
}

// GetShutdownSchedule reads a schedule; ErrNotFound when there is none.
func (c *Client) GetShutdownSchedule(ctx context.Context, id string) (*api.ShutdownSchedule, error) {
	path, err := resourcePath(schedulesPath, id)
	if err != nil {
		return nil, err
	}
	return call[api.ShutdownSchedule](ctx, c, http.MethodGet, path, nil)
}

// ListShutdownSchedules lists schedules, of one environment when envID is set.
func (c *Client) ListShutdownSchedules(ctx context.Context, envID string) ([]api.ShutdownSchedule, error) {
	q := url.Values{}
	if envID != "" {
		q.Set("environment_id", envID)
	}
	return list[api.ShutdownSchedule](ctx, c, schedulesPath, q, 0)
}

// FindShutdownScheduleOf is the schedule of an environment; ErrNotFound
// when it has none.
func (c *Client) FindShutdownScheduleOf(ctx context.Context, envID string) (*api.ShutdownSchedule, error) {
	if envID == "" {
		return nil, fmt.Errorf("environment ID must not be empty")
	}
	all, err := c.ListShutdownSchedules(ctx, envID)
	if err != nil {
		return nil, err
	}
	for i := range all {
		if all[i].EnvironmentID == envID {
			return &all[i], nil
		}
	}
	return nil, fmt.Errorf("shutdown schedule of environment %s: %w", envID, ErrNotFound)
}

// UpdateShutdownSchedule changes a schedule, guarded by etag when non-empty.
func (c *Client) UpdateShutdownSchedule(ctx context.Context, id, etag string, req api.ShutdownScheduleUpdate) (*api.ShutdownSchedule, error) {
	path, err := resourcePath(schedulesPath, id)
	if err != nil {
		return nil, err
	}
	var out api.ShutdownSchedule
	if _, err := c.Do(ctx, http.MethodPatch, path, nil, req, &out, WithIfMatch(etag)); err != nil { //nolint:bodyclose // closed by Do
		return nil, err
	}
	return &out, nil
}

// DeleteShutdownSchedule deletes a schedule and its runs.
func (c *Client) DeleteShutdownSchedule(ctx context.Context, id string) error {
	path, err := resourcePath(schedulesPath, id)
	if err != nil {
		return err
	}
	_, err = c.Do(ctx, http.MethodDelete, path, nil, nil, nil) //nolint:bodyclose // closed by Do
	return err
}

// ListScheduleRuns returns a schedule's runs, newest first.
func (c *Client) ListScheduleRuns(ctx context.Context, id string) ([]api.ScheduleRun, error) {
	path, err := resourcePath(schedulesPath, id)
	if err != nil {
		return nil, err
	}
	return list[api.ScheduleRun](ctx, c, path+"/runs", nil, 0)
}

// PowerEnvironment starts or stops an environment by hand (power, not
// configuration); with req.Until, schedules take over again after it.
func (c *Client) PowerEnvironment(ctx context.Context, envID string, req api.PowerRequest) (*api.Operation, error) {
	path, err := resourcePath(environmentsPath, envID)
	if err != nil {
		return nil, err
	}
	return create(ctx, c, path+"/power", req)
}

// SetSimulatorClock moves the clock of a control plane run with --sim-clock
// (admin keys only).
func (c *Client) SetSimulatorClock(ctx context.Context, req api.SimulatorClock) (*api.SimulatorClock, error) {
	return call[api.SimulatorClock](ctx, c, http.MethodPost, "/v1/simulator/clock", req)
}
