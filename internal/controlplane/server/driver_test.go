package server_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/openclaw/terraform-provider-openclaw/internal/api"
	"github.com/openclaw/terraform-provider-openclaw/internal/controlplane/driver"
	"github.com/openclaw/terraform-provider-openclaw/internal/controlplane/simulator"
	"github.com/openclaw/terraform-provider-openclaw/internal/controlplane/store"
	"github.com/openclaw/terraform-provider-openclaw/internal/controlplane/store/sqlstore"
)

// nonSimDriver is a driver that is not the simulator: it offers no
// simulator features, runs one installed version, becomes ready only after
// a few health checks, and reports crashes through Events. The state
// directory work is the simulator's.
type nonSimDriver struct {
	*simulator.Simulator
	events chan driver.Event

	mu         sync.Mutex
	notReadyN  int // Health answers "starting" this many more times
	started    map[string]driver.Gateway
	logLines   []string
	healthSeen int
	// rejectStart, when set, is what Start returns.
	rejectStart error
}

func newNonSimDriver(dir string) *nonSimDriver {
	return &nonSimDriver{
		Simulator: simulator.New(simulator.Config{DataDir: dir}),
		events:    make(chan driver.Event, 4),
		notReadyN: 3,
		started:   map[string]driver.Gateway{},
	}
}

func (d *nonSimDriver) Name() string                 { return "test" }
func (d *nonSimDriver) Gateways() driver.Gateways    { return d }
func (d *nonSimDriver) Simulated() driver.Simulated  { return nil }
func (d *nonSimDriver) Versions() []string           { return []string{"2026.9.6"} }
func (d *nonSimDriver) DefaultVersion(string) string { return "2026.9.6" }
func (d *nonSimDriver) Events() <-chan driver.Event  { return d.events }
func (d *nonSimDriver) URL(g driver.Gateway) string  { return "http://127.0.0.1:18800" }
func (d *nonSimDriver) GPUNodes() driver.GPUNodes    { return simulator.Nodes{} }
func (d *nonSimDriver) Delete(ctx context.Context, id string) error {
	return d.Simulator.Delete(ctx, id)
}

func (d *nonSimDriver) Start(ctx context.Context, g driver.Gateway) error {
	d.mu.Lock()
	d.started[g.ID] = g
	reject := d.rejectStart
	d.mu.Unlock()
	if reject != nil {
		return reject
	}
	return d.Simulator.Start(ctx, g)
}

func (d *nonSimDriver) Health(ctx context.Context, id string) (driver.Health, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	h, err := d.Simulator.Health(ctx, id)
	if h.Phase == driver.PhaseReady && d.notReadyN > 0 {
		d.notReadyN--
		d.healthSeen++
		return driver.Health{Phase: driver.PhaseStarting, Message: "/readyz: not ready (failing: startup-sidecars)"}, nil
	}
	return h, err
}

func (d *nonSimDriver) Logs(context.Context, string, int) ([]string, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.logLines, nil
}

// startNonSim is start with a nonSimDriver on the same data directory.
func startNonSim(t *testing.T) (*cp, *nonSimDriver) {
	t.Helper()
	c := start(t)
	c.close(t)
	drv := newNonSimDriver(c.dataDir)
	c.opts.Driver = drv
	c.open(t)
	t.Cleanup(func() { c.close(t) })
	return c, drv
}

func TestNonSimulatorDriver(t *testing.T) {
	c, drv := startNonSim(t)

	t.Run("simulator labels are refused", func(t *testing.T) {
		p := wantProblem(t, c.do(t, req{method: http.MethodPost, path: "/v1/environments", key: c.admin,
			body: api.EnvironmentCreate{Name: uniqueName("lbl"), Region: "us-east", Labels: map[string]string{simulator.LabelFail: "create"}}}),
			http.StatusBadRequest, api.CodeInvalidArgument)
		if msg := fieldMessage(p, "labels."+simulator.LabelFail); !strings.Contains(msg, "simulator driver only") || !strings.Contains(msg, "test driver") {
			t.Errorf("labels error %q", msg)
		}
	})
	t.Run("a version that is not installed is refused naming the installed ones", func(t *testing.T) {
		p := wantProblem(t, c.do(t, req{method: http.MethodPost, path: "/v1/environments", key: c.admin,
			body: api.EnvironmentCreate{Name: uniqueName("ver"), Region: "us-east", OpenClawVersion: "2026.11.3"}}),
			http.StatusBadRequest, api.CodeInvalidArgument)
		if msg := fieldMessage(p, "openclaw_version"); !strings.Contains(msg, "not installed") || !strings.Contains(msg, "installed: 2026.9.6") {
			t.Errorf("openclaw_version error %q", msg)
		}
	})

	secret := "sk-ant-server-test-4242"
	env := c.createRunning(t, api.EnvironmentCreate{Name: uniqueName("real"), Region: "us-east", Secrets: map[string]string{"ANTHROPIC_API_KEY": secret}})
	t.Run("the default version is the driver's and running waits for ready", func(t *testing.T) {
		if env.OpenClawVersion != "2026.9.6" {
			t.Errorf("default version %s, want the installed 2026.9.6", env.OpenClawVersion)
		}
		drv.mu.Lock()
		seen, g := drv.healthSeen, drv.started[env.ID]
		drv.mu.Unlock()
		if seen != 3 {
			t.Errorf("running after %d not-ready health checks, want 3", seen)
		}
		if env.GatewayURL != "http://127.0.0.1:18800" {
			t.Errorf("gateway_url %s, want the driver's", env.GatewayURL)
		}
		if g.Secrets["ANTHROPIC_API_KEY"] != secret || !strings.HasPrefix(g.Token, "ocgw_") {
			t.Errorf("Start got secrets %v and token %q", g.Secrets != nil, g.Token)
		}
	})
	t.Run("the gateway token is the one the gateway got, with write scope only", func(t *testing.T) {
		tok := decode[api.GatewayToken](t, c.get(t, c.admin, "/v1/environments/"+env.ID+"/gateway-token"))
		drv.mu.Lock()
		want := drv.started[env.ID].Token
		drv.mu.Unlock()
		if tok.Token != want {
			t.Errorf("token %q, the gateway got %q", tok.Token, want)
		}
		reader, _ := c.newKey(t, keyOpts{scopes: []string{api.ScopeEnvironmentsRead}})
		wantProblem(t, c.get(t, reader, "/v1/environments/"+env.ID+"/gateway-token"), http.StatusForbidden, api.CodePermissionDenied)
		st, err := sqlstore.Open(context.Background(), c.dataDir+"/controlplane.db")
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close() //nolint:errcheck // test
		res, err := st.GetResource(context.Background(), store.KindEnvironment, env.ID)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(res.Status), want) {
			t.Error("the gateway token is stored in plaintext")
		}
	})
	t.Run("logs are redacted", func(t *testing.T) {
		drv.mu.Lock()
		tok := drv.started[env.ID].Token
		drv.logLines = []string{"[gateway] ready", "[debug] env ANTHROPIC_API_KEY=" + secret + " token=" + tok}
		drv.mu.Unlock()
		logs := decode[api.GatewayLogs](t, c.get(t, c.admin, "/v1/environments/"+env.ID+"/logs?tail=10"))
		joined := strings.Join(logs.Lines, "\n")
		if strings.Contains(joined, secret) || strings.Contains(joined, tok) || strings.Count(joined, "[redacted]") != 2 {
			t.Errorf("log lines not redacted: %q", logs.Lines)
		}
		wantProblem(t, c.get(t, c.admin, "/v1/environments/"+env.ID+"/logs?tail=0"), http.StatusBadRequest, api.CodeInvalidArgument)
	})
	t.Run("a failed gateway fails the environment with its message", func(t *testing.T) {
		drv.events <- driver.Event{GatewayID: env.ID, Phase: driver.PhaseFailed, Message: "the gateway crashed 4 times; last lines: boom"}
		var e api.Environment
		if !eventually(5*time.Second, func() bool { e, _ = c.env(t, env.ID); return e.Status == api.EnvStatusFailed }) {
			t.Fatalf("environment is %s, want failed", e.Status)
		}
		if e.PowerState != api.PowerOff || !strings.Contains(e.StatusMessage, "boom") {
			t.Errorf("failed environment: power %s, message %q", e.PowerState, e.StatusMessage)
		}
	})
	t.Run("a configuration the platform rejects fails at once with the driver's reason", func(t *testing.T) {
		e := c.createRunning(t, api.EnvironmentCreate{Name: uniqueName("rej"), Region: "us-east"})
		drv.mu.Lock()
		drv.rejectStart = fmt.Errorf("%w: claim state-oc-x-0 to 50 GiB (its storage class must allow volume expansion)", driver.ErrRejected)
		drv.mu.Unlock()
		defer func() {
			drv.mu.Lock()
			drv.rejectStart = nil
			drv.mu.Unlock()
		}()
		r := patch(t, c, e.ID, map[string]any{"state_volume_gb": 50}, "")
		wantStatus(t, r, http.StatusAccepted)
		op := c.waitOp(t, decode[api.Operation](t, r).ID, 5*time.Second, done)
		if op.Status != api.OperationFailed || op.Error == nil || !strings.Contains(op.Error.Detail, "must allow volume expansion") {
			t.Fatalf("operation %s: %+v; want failed with the driver's reason", op.Status, op.Error)
		}
		if got, _ := c.env(t, e.ID); got.Status != api.EnvStatusFailed || !strings.Contains(got.StatusMessage, "50 GiB") {
			t.Errorf("environment %s (%q), want failed with the reason", got.Status, got.StatusMessage)
		}
	})
	t.Run("the autoscaler endpoint is simulator-only", func(t *testing.T) {
		p := wantProblem(t, c.do(t, req{method: http.MethodPost, path: "/v1/gpu-pools/gpool_00000000000000000000000000/simulator/load", key: c.admin,
			body: api.SimulatedLoad{CurrentNodes: 1}}), http.StatusNotImplemented, api.CodeNotSupported)
		if !strings.Contains(p.Detail, "simulator driver") {
			t.Errorf("detail %q", p.Detail)
		}
	})
}

func TestSimulatorLogsSayWhatWasSimulated(t *testing.T) {
	c := start(t)
	env := c.createRunning(t, api.EnvironmentCreate{Name: uniqueName("simlog"), Region: "us-east"})
	logs := decode[api.GatewayLogs](t, c.get(t, c.admin, "/v1/environments/"+env.ID+"/logs"))
	if len(logs.Lines) == 0 || !strings.Contains(logs.Lines[len(logs.Lines)-1], "simulated") {
		t.Errorf("simulator log lines %q", logs.Lines)
	}
}
