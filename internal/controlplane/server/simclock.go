package server

import (
	"net/http"
	"sync"
	"time"

	"github.com/openclaw/terraform-provider-openclaw/internal/api"
)

// SimClock is the control plane's clock under --sim-clock: real time moved
// by an offset that POST /v1/simulator/clock sets, so the scheduler, key
// expiry and operation delays of a control plane in another process can be
// tested without waiting. Time keeps running from the new value.
type SimClock struct {
	mu     sync.Mutex
	offset time.Duration
}

// NewSimClock starts at real time.
func NewSimClock() *SimClock { return &SimClock{} }

// Now is the simulated time.
func (c *SimClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().UTC().Add(c.offset)
}

// Set moves the clock to t.
func (c *SimClock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.offset = time.Until(t)
}

func (s *Server) setSimClock(w http.ResponseWriter, r *http.Request, p *principal) error {
	if err := p.require(api.ScopeAdmin); err != nil {
		return err
	}
	if s.simClock == nil {
		return errorf(http.StatusNotFound, api.CodeNotFound, "the simulator clock is off: the control plane's clock moves only when it runs with --sim-clock (OPENCLAW_SIM_CLOCK=1)")
	}
	if p.boundEnvironment() != "" {
		return errorf(http.StatusForbidden, api.CodePermissionDenied, "API key %s is bound to one environment and cannot move the control plane's clock", p.key.Prefix)
	}
	var req api.SimulatorClock
	if err := decodeJSON(r, &req, nil); err != nil {
		return err
	}
	if req.Now.IsZero() {
		return invalid(fieldErr("now", "is required: an RFC 3339 timestamp"))
	}
	s.simClock.Set(req.Now)
	s.scheduler.kick()
	s.engine.kick()
	writeJSON(w, http.StatusOK, api.SimulatorClock{Now: s.now()})
	return nil
}
