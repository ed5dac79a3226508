package server

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/openclaw/terraform-provider-openclaw/internal/api"
	"github.com/openclaw/terraform-provider-openclaw/internal/controlplane/driver"
	"github.com/openclaw/terraform-provider-openclaw/internal/controlplane/store"
)

// The server provisions only through the driver (internal/controlplane/
// driver). Simulator-only features go through s.sim, which is nil on
// other drivers; these helpers say so instead of pretending.

const (
	// defaultDrainTimeout is OpenClaw's normal drain allowance.
	defaultDrainTimeout = 5 * time.Minute
	// pollGateway is how often a step waiting for a gateway looks again.
	pollGateway = 500 * time.Millisecond
)

// delay is how long the simulator makes a transition take; 0 elsewhere.
func (s *Server) delay(labels map[string]string) time.Duration {
	if s.sim == nil {
		return 0
	}
	return s.sim.Delay(labels)
}

// check is the simulator's fault injection; nothing elsewhere.
func (s *Server) check(transition string, labels map[string]string) error {
	if s.sim == nil {
		return nil
	}
	return s.sim.Check(transition, labels)
}

// simulated tags operation messages of the simulator.
func (s *Server) simulated() string {
	if s.sim == nil {
		return ""
	}
	return " (simulated)"
}

// simulatorOnly refuses a simulator feature on another driver.
func (s *Server) simulatorOnly(feature string) error {
	if s.sim != nil {
		return nil
	}
	return errorf(http.StatusNotImplemented, api.CodeNotSupported,
		"%s is a feature of the simulator driver; this control plane runs the %s driver", feature, s.drv.Name())
}

// validateSimulatorLabels refuses simulator labels on another driver: they
// would be silently ignored there.
func (s *Server) validateSimulatorLabels(labels map[string]string) []api.FieldError {
	if s.sim != nil {
		return nil
	}
	var errs []api.FieldError
	for _, k := range slices.Sorted(maps.Keys(labels)) {
		if strings.HasPrefix(k, driver.SimulatorLabelPrefix) {
			errs = append(errs, fieldErr("labels."+k, "is read by the simulator driver only (fault injection); this control plane runs the %s driver, remove the label", s.drv.Name()))
		}
	}
	return errs
}

// validateInstalled refuses a version the driver cannot run.
func (s *Server) validateInstalled(version string) []api.FieldError {
	vs := s.gw.Versions()
	if vs == nil || slices.Contains(vs, version) {
		return nil
	}
	return []api.FieldError{fieldErr("openclaw_version",
		"OpenClaw %s is not installed on this control plane (%s driver); installed: %s. Choose an installed version or install %s (tools/openclaw.sh with OPENCLAW_VERSION=%s)",
		version, s.drv.Name(), strings.Join(vs, ", "), version, version)}
}

// defaultVersion is the version of a new environment that names none.
func (s *Server) defaultVersion(channel string) string {
	if v := s.gw.DefaultVersion(channel); v != "" {
		return v
	}
	return CurrentReleases[channel]
}

// gatewayTokenAAD binds a sealed gateway token to its environment.
func gatewayTokenAAD(envID string) string { return envID + "/gateway-token" }

// newGatewayToken generates and seals an environment's gateway token: a
// shared secret with full operator access (OpenClaw has no scopes on it).
func (s *Server) newGatewayToken(envID string) (*sealed, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return nil, err
	}
	nonce, ct, err := s.keyring.Seal("ocgw_"+base64.RawURLEncoding.EncodeToString(b), gatewayTokenAAD(envID))
	if err != nil {
		return nil, err
	}
	return &sealed{Nonce: nonce, Ciphertext: ct}, nil
}

// sealed is an encrypted value kept in a resource's status.
type sealed struct {
	Nonce      []byte `json:"nonce"`
	Ciphertext []byte `json:"ciphertext"`
}

// gatewayToken opens an environment's token, creating one for environments
// made before tokens existed.
func (s *Server) gatewayToken(ctx context.Context, envID string) (string, error) {
	res, err := s.store.GetResource(ctx, store.KindEnvironment, envID)
	if err != nil {
		return "", err
	}
	return s.tokenOf(ctx, res)
}

// tokenOf is gatewayToken of an environment already read.
func (s *Server) tokenOf(ctx context.Context, res *store.Resource) (string, error) {
	envID := res.ID
	var st envStatus
	if err := json.Unmarshal(res.Status, &st); err != nil {
		return "", err
	}
	if st.GatewayToken == nil {
		var err error
		res, err = s.mutateResource(ctx, store.KindEnvironment, envID, func(r *store.Resource) error {
			var cur envStatus
			if err := json.Unmarshal(r.Status, &cur); err != nil {
				return err
			}
			if cur.GatewayToken != nil {
				return nil
			}
			tok, err := s.newGatewayToken(envID)
			if err != nil {
				return err
			}
			cur.GatewayToken = tok
			r.Status = mustJSON(cur)
			return nil
		})
		if err != nil {
			return "", err
		}
		if err := json.Unmarshal(res.Status, &st); err != nil {
			return "", err
		}
	}
	return s.keyring.Open(st.GatewayToken.Nonce, st.GatewayToken.Ciphertext, gatewayTokenAAD(envID))
}

// gatewayOf describes an environment's gateway: spec, secret names and
// fingerprints, its running GPU pools as model providers. With launch, also
// the secret values and the token, for Start.
func (s *Server) gatewayOf(ctx context.Context, envID string, launch bool) (driver.Gateway, error) {
	env, err := s.store.GetResource(ctx, store.KindEnvironment, envID)
	if err != nil {
		return driver.Gateway{}, err
	}
	return s.gatewayFor(ctx, env, launch)
}

// gatewayFor is gatewayOf of an environment already read.
func (s *Server) gatewayFor(ctx context.Context, env *store.Resource, launch bool) (driver.Gateway, error) {
	envID := env.ID
	var sp envSpec
	if err := json.Unmarshal(env.Spec, &sp); err != nil {
		return driver.Gateway{}, err
	}
	g := driver.Gateway{
		ID:                 env.ID,
		Name:               env.Name,
		Region:             sp.Region,
		OpenClawVersion:    sp.OpenClawVersion,
		ReleaseChannel:     sp.ReleaseChannel,
		CPUs:               sp.Size.CPUs,
		MemoryMB:           sp.Size.MemoryMB,
		StateVolumeGB:      sp.StateVolumeGB,
		SecretFingerprints: map[string]string{},
	}
	secrets, err := s.store.ListSecrets(ctx, envID)
	if err != nil {
		return g, err
	}
	if launch {
		g.Secrets = map[string]string{}
	}
	for _, sec := range secrets {
		g.SecretNames = append(g.SecretNames, sec.Name)
		g.SecretFingerprints[sec.Name] = sec.Fingerprint
		if launch {
			v, err := s.keyring.Open(sec.Nonce, sec.Ciphertext, envID+"/"+sec.Name)
			if err != nil {
				return g, fmt.Errorf("open secret %s of %s: %w", sec.Name, envID, err)
			}
			g.Secrets[sec.Name] = v
		}
	}
	if launch {
		if g.Token, err = s.tokenOf(ctx, env); err != nil {
			return g, err
		}
	}
	pools, err := s.poolsOf(ctx, envID)
	if err != nil {
		return g, err
	}
	for _, p := range pools {
		var psp poolSpec
		var pst poolStatus
		if err := json.Unmarshal(p.Spec, &psp); err != nil {
			return g, err
		}
		if err := json.Unmarshal(p.Status, &pst); err != nil {
			return g, err
		}
		if pst.Status != api.PoolStatusRunning && pst.Status != api.PoolStatusUpdating {
			continue
		}
		apiKind := "openai-completions"
		if psp.Backend == "ollama" {
			apiKind = "ollama"
		}
		mp := driver.ModelProvider{ID: p.AltKey, BaseURL: s.gpu.BaseURL(poolOf(p, env.Name, sp.Region, psp, pst)), API: apiKind}
		for _, m := range psp.Models {
			mp.Models = append(mp.Models, driver.Model{ID: m.ID, ContextWindow: m.ContextWindow, MaxTokens: m.MaxTokens})
		}
		g.ModelProviders = append(g.ModelProviders, mp)
	}
	return g, nil
}

// poolOf describes a GPU pool to the driver's GPU half.
func poolOf(p *store.Resource, envName, region string, sp poolSpec, st poolStatus) driver.Pool {
	dp := driver.Pool{ID: p.ID, Name: p.Name, EnvName: envName, Region: region, Backend: sp.Backend, GPUType: st.EffectiveGPUType, Nodes: st.CurrentNodes}
	for _, m := range sp.Models {
		dp.Models = append(dp.Models, driver.Model{ID: m.ID, ContextWindow: m.ContextWindow, MaxTokens: m.MaxTokens})
	}
	return dp
}

// materialiseEnvironment rewrites an environment's state directory from its
// spec, its secrets' names and its running GPU pools.
func (s *Server) materialiseEnvironment(ctx context.Context, envID string) error {
	g, err := s.gatewayOf(ctx, envID, false)
	if err != nil {
		return err
	}
	return s.gw.Provision(ctx, g)
}

// provisionFor rewrites the state directory of an environment already read
// and returns its launch inputs, for Start: its secrets and pools are read
// once for both.
func (s *Server) provisionFor(ctx context.Context, env *store.Resource) (driver.Gateway, error) {
	g, err := s.gatewayFor(ctx, env, true)
	if err != nil {
		return g, err
	}
	dir := g
	dir.Secrets, dir.Token = nil, "" // Start's inputs only; never on disk
	return g, s.gw.Provision(ctx, dir)
}

// startGateway launches (or keeps, or adopts) an environment's gateway.
func (s *Server) startGateway(ctx context.Context, envID string) error {
	g, err := s.gatewayOf(ctx, envID, true)
	if err != nil {
		return err
	}
	return s.gw.Start(ctx, g)
}

// reconcileGateways runs once at start: every environment that should be
// running is started, which adopts a gateway that survived a control-plane
// restart and relaunches one that did not.
func (s *Server) reconcileGateways(ctx context.Context) {
	f := store.ListFilter{Kind: store.KindEnvironment, PageSize: 500}
	for ctx.Err() == nil {
		items, next, err := s.store.ListResources(ctx, f)
		if err != nil {
			s.logger.ErrorContext(ctx, "reconcile gateways: list environments", "err", err)
			return
		}
		for _, res := range items {
			var st envStatus
			var sp envSpec
			if json.Unmarshal(res.Status, &st) != nil || json.Unmarshal(res.Spec, &sp) != nil {
				continue
			}
			if st.Status != api.EnvStatusRunning || sp.DesiredState != api.DesiredRunning {
				continue // stopped, failed, or an operation in flight will start it
			}
			if err := s.startGateway(ctx, res.ID); err != nil {
				s.logger.ErrorContext(ctx, "reconcile gateways: start", "environment_id", res.ID, "err", err)
			}
		}
		if next == "" {
			return
		}
		f.PageToken = next
	}
}

// watchGateways applies what the driver observed on its own: a gateway
// that crashed too often is failed, with its last log lines.
func (s *Server) watchGateways(ctx context.Context) {
	events := s.gw.Events()
	if events == nil {
		return
	}
	for {
		select {
		case <-ctx.Done():
			return
		case ev := <-events:
			s.logger.WarnContext(ctx, "gateway event", "environment_id", ev.GatewayID, "phase", ev.Phase)
			_, err := s.mutateResource(ctx, store.KindEnvironment, ev.GatewayID, func(r *store.Resource) error {
				return setStatus(r, func(st *envStatus) {
					if ev.Phase == driver.PhaseFailed {
						st.Status, st.PowerState, st.Message = api.EnvStatusFailed, api.PowerOff, ev.Message
					} else if st.Status == api.EnvStatusRunning {
						st.Message = ev.Message // restarted after a crash, or ready again
					}
				})
			})
			if err != nil && !errors.Is(err, store.ErrNotFound) && ctx.Err() == nil {
				s.logger.ErrorContext(ctx, "apply gateway event", "environment_id", ev.GatewayID, "err", err)
			}
		}
	}
}

// redact removes an environment's secret values and token from text the
// gateway wrote.
func (s *Server) redact(ctx context.Context, envID string, lines []string) ([]string, error) {
	g, err := s.gatewayOf(ctx, envID, true)
	if err != nil {
		return nil, err
	}
	values := slices.Collect(maps.Values(g.Secrets))
	values = append(values, g.Token)
	out := make([]string, len(lines))
	for i, l := range lines {
		for _, v := range values {
			if len(v) >= 4 {
				l = strings.ReplaceAll(l, v, "[redacted]")
			}
		}
		out[i] = l
	}
	return out, nil
}

const (
	defaultLogTail = 100
	maxLogTail     = 1000
)

// getEnvironmentLogs is GET /v1/environments/{id}/logs?tail=N.
func (s *Server) getEnvironmentLogs(w http.ResponseWriter, r *http.Request, p *principal) error {
	if err := p.require(api.ScopeEnvironmentsRead); err != nil {
		return err
	}
	tail := defaultLogTail
	if v := r.URL.Query().Get("tail"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxLogTail {
			return invalid(fieldErr("tail", "must be an integer between 1 and %d, got %q", maxLogTail, v))
		}
		tail = n
	}
	res, err := s.load(r.Context(), p, environments, r.PathValue("id"))
	if err != nil {
		return err
	}
	lines, err := s.gw.Logs(r.Context(), res.ID, tail)
	if errors.Is(err, driver.ErrNotSupported) {
		return errorf(http.StatusNotImplemented, api.CodeNotSupported, "%s", err.Error())
	}
	if err != nil {
		return err
	}
	if lines, err = s.redact(r.Context(), res.ID, lines); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, api.GatewayLogs{EnvironmentID: res.ID, Lines: orEmptySlice(lines)})
	return nil
}

// getGatewayToken is GET /v1/environments/{id}/gateway-token. The token
// gives full operator access to the gateway, so it needs write scope.
func (s *Server) getGatewayToken(w http.ResponseWriter, r *http.Request, p *principal) error {
	if err := p.require(api.ScopeEnvironmentsWrite); err != nil {
		return err
	}
	res, err := s.load(r.Context(), p, environments, r.PathValue("id"))
	if err != nil {
		return err
	}
	tok, err := s.gatewayToken(r.Context(), res.ID)
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, api.GatewayToken{EnvironmentID: res.ID, Token: tok})
	return nil
}
