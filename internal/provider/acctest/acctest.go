// Package acctest runs the provider's acceptance tests against a real
// control plane: by default one started in-process per test (SQLite in a
// temporary directory, simulator delays in milliseconds), or, when
// OPENCLAW_ENDPOINT and OPENCLAW_API_KEY are set, an external one.
package acctest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	sdkacctest "github.com/hashicorp/terraform-plugin-testing/helper/acctest"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/openclaw/terraform-provider-openclaw/internal/api"

	"github.com/openclaw/terraform-provider-openclaw/internal/client"
	"github.com/openclaw/terraform-provider-openclaw/internal/controlplane"
	"github.com/openclaw/terraform-provider-openclaw/internal/controlplane/certs"
	"github.com/openclaw/terraform-provider-openclaw/internal/controlplane/driver"
	kubedriver "github.com/openclaw/terraform-provider-openclaw/internal/controlplane/driver/kubernetes"
	"github.com/openclaw/terraform-provider-openclaw/internal/controlplane/driver/process"
	"github.com/openclaw/terraform-provider-openclaw/internal/controlplane/keys"
	"github.com/openclaw/terraform-provider-openclaw/internal/provider"
)

// ProviderFactories serve the provider in-process to Terraform.
var ProviderFactories = map[string]func() (tfprotov6.ProviderServer, error){
	"openclaw": provider.NewServerWithError("acctest"),
}

var cliConfigOnce sync.Once

// quietTerraform points Terraform at an empty CLI config (the machine's
// default path does not exist and every run would warn) and disables its
// update checks.
func quietTerraform(t *testing.T) {
	cliConfigOnce.Do(func() {
		if _, err := os.Stat(os.Getenv("TF_CLI_CONFIG_FILE")); os.Getenv("TF_CLI_CONFIG_FILE") == "" || err != nil {
			// Shared by every test of the process, so not t.TempDir().
			dir, err := os.MkdirTemp("", "openclaw-acctest-cli") //nolint:usetesting
			if err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(dir, "terraformrc")
			if err := os.WriteFile(path, nil, 0o600); err != nil {
				t.Fatal(err)
			}
			// Process-wide on purpose: t.Setenv forbids parallel tests.
			if err := os.Setenv("TF_CLI_CONFIG_FILE", path); err != nil { //nolint:usetesting
				t.Fatal(err)
			}
		}
		if err := os.Setenv("CHECKPOINT_DISABLE", "1"); err != nil { //nolint:usetesting
			t.Fatal(err)
		}
	})
}

// ControlPlane is the control plane a test talks to.
type ControlPlane struct {
	Endpoint string
	APIKey   string
	// App is the in-process control plane; nil when external.
	App *controlplane.App
	// DataDir is the in-process control plane's data directory.
	DataDir string
	// Client is an admin client, for changes behind Terraform's back.
	Client *client.Client
	// Requests counts the requests the in-process control plane served.
	Requests *RequestCounter

	opts    Options
	key     string
	cancel  context.CancelFunc
	handler atomic.Value // http.Handler of the current App
}

// RequestCounter counts requests by method and route pattern
// ("GET /v1/environments/{id}").
type RequestCounter struct {
	mu     sync.Mutex
	counts map[string]int
}

// Reset forgets what was counted so far.
func (c *RequestCounter) Reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.counts = map[string]int{}
}

// Counts returns a copy of the counts so far.
func (c *RequestCounter) Counts() map[string]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make(map[string]int, len(c.counts))
	for k, v := range c.counts {
		out[k] = v
	}
	return out
}

// idSegment is a path segment holding an object ID (env_<ulid>).
var idSegment = regexp.MustCompile(`^[a-z]+_[0-9a-z]{26}$`)

func (c *RequestCounter) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		segs := strings.Split(r.URL.Path, "/")
		for i, seg := range segs {
			if idSegment.MatchString(seg) {
				segs[i] = "{id}"
			}
		}
		c.mu.Lock()
		if c.counts == nil {
			c.counts = map[string]int{}
		}
		c.counts[r.Method+" "+strings.Join(segs, "/")]++
		c.mu.Unlock()
		next.ServeHTTP(w, r)
	})
}

// Options tune an in-process control plane.
type Options struct {
	// SimDelay is the simulator's transition delay; default 10ms.
	SimDelay time.Duration
	// RateLimit per key per second; default unlimited.
	RateLimit float64
	// Now is the control plane's clock; default time.Now. Tests shift it
	// to make keys old or expired without sleeping.
	Now func() time.Time
	// LogWriter, when set, receives the control plane's JSON logs (tests
	// assert that no secret reaches them).
	LogWriter io.Writer
	// Process runs real OpenClaw gateways (the process driver) instead of
	// the simulator; see StartProcess.
	Process *process.Config
	// Kubernetes runs gateways as StatefulSets on the test cluster (the
	// Kubernetes driver); see StartKubernetes.
	Kubernetes *kubedriver.Config
	// TLS, when set, serves HTTPS from these files, re-read at every
	// handshake (tests rotate them).
	TLS *TLS
}

// TLS is the in-process control plane's HTTPS setup.
type TLS struct {
	CertFile, KeyFile string
	// ClientCAFile turns on mutual TLS.
	ClientCAFile string
	// Admin is the TLS setup of ControlPlane.Client.
	Admin client.TLSConfig
}

// External reports whether tests run against an external control plane.
func External() bool { return os.Getenv("OPENCLAW_ENDPOINT") != "" }

// Start returns the control plane for one test. Tests that only make sense
// in-process (they inspect the database or need a specific simulator delay)
// call RequireInProcess.
func Start(t *testing.T, opts ...Options) *ControlPlane {
	t.Helper()
	quietTerraform(t)
	var o Options
	if len(opts) > 0 {
		o = opts[0]
	}
	if External() {
		key := os.Getenv("OPENCLAW_API_KEY")
		if key == "" {
			t.Fatal("OPENCLAW_ENDPOINT is set but OPENCLAW_API_KEY is not: external acceptance tests need both")
		}
		return newControlPlane(t, os.Getenv("OPENCLAW_ENDPOINT"), key, nil)
	}
	if o.SimDelay == 0 {
		o.SimDelay = 10 * time.Millisecond
	}
	key, err := keys.Generate()
	if err != nil {
		t.Fatal(err)
	}
	cp := &ControlPlane{DataDir: t.TempDir(), opts: o, key: key}
	cp.open(t)
	cp.Requests = &RequestCounter{}
	srv := httptest.NewUnstartedServer(cp.Requests.wrap(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		cp.handler.Load().(http.Handler).ServeHTTP(w, r)
	})))
	var admin client.TLSConfig
	if o.TLS != nil {
		// The control plane's own TLS setup; every handshake re-reads the
		// files, so a rotation is seen at once.
		r, err := certs.New(certs.Config{CertFile: o.TLS.CertFile, KeyFile: o.TLS.KeyFile, ClientCAFile: o.TLS.ClientCAFile, CheckInterval: -1})
		if err != nil {
			cp.close(t)
			t.Fatalf("TLS for the in-process control plane: %v", err)
		}
		srv.TLS = r.TLSConfig()
		srv.Config.ErrorLog = log.New(io.Discard, "", 0) // refused handshakes are what TLS tests do
		srv.StartTLS()
		admin = o.TLS.Admin
	} else {
		srv.Start()
	}
	t.Cleanup(func() {
		srv.Close()
		cp.close(t)
	})
	c, err := client.New(client.Config{Endpoint: srv.URL, APIKey: key, UserAgent: "openclaw-acctest", TLS: admin})
	if err != nil {
		t.Fatal(err)
	}
	cp.Endpoint, cp.APIKey, cp.Client = srv.URL, key, c
	return cp
}

// open starts a control plane on cp.DataDir and serves it.
func (cp *ControlPlane) open(t *testing.T) {
	t.Helper()
	o := cp.opts
	var drv driver.Driver
	if o.Process != nil {
		cfg := *o.Process
		cfg.DataDir = cp.DataDir
		d, err := process.New(cfg)
		if err != nil {
			t.Fatalf("process driver: %v", err)
		}
		drv = d
	}
	if o.Kubernetes != nil {
		d, err := kubedriver.New(context.Background(), *o.Kubernetes)
		if err != nil {
			t.Fatalf("kubernetes driver: %v", err)
		}
		drv = d
	}
	ctx, cancel := context.WithCancel(context.Background())
	app, err := controlplane.Open(ctx, controlplane.Options{
		DataDir:      cp.DataDir,
		BootstrapKey: cp.key,
		Driver:       drv,
		SimDelay:     o.SimDelay,
		RateLimit:    o.RateLimit,
		RateBurst:    100,
		PollInterval: 50 * time.Millisecond,
		Logger:       testLogger(t, o.LogWriter),
		Now:          o.Now,
		DrainTimeout: 30 * time.Second,
	})
	if err != nil {
		cancel()
		if drv != nil {
			_ = drv.Close()
		}
		t.Fatalf("start in-process control plane: %v", err)
	}
	app.Server.Start(ctx)
	cp.App, cp.cancel = app, cancel
	cp.handler.Store(app.Server.Handler())
}

func (cp *ControlPlane) close(t *testing.T) {
	t.Helper()
	cp.cancel()
	if err := cp.App.Close(); err != nil {
		t.Errorf("close control plane: %v", err)
	}
}

// Restart replaces the in-process control plane by a new one on the same
// data directory and database, at the same endpoint. The old one stops
// without stopping its gateways, as a control plane killed with kill -9
// leaves them: the new one must adopt them (the Kubernetes driver's
// gateways run on the cluster anyway; its new informers list them).
func (cp *ControlPlane) Restart(t *testing.T) {
	t.Helper()
	cp.RequireInProcess(t)
	if d, ok := cp.App.Server.Driver().(*process.Driver); ok {
		if err := d.Detach(); err != nil {
			t.Fatal(err)
		}
	}
	cp.close(t)
	cp.open(t)
}

// processTests numbers the process-driver tests of this test binary.
var processTests atomic.Int64

// StartProcess is Start on the process driver: real `openclaw gateway`
// processes, found through OPENCLAW_BIN (tools/test.sh sets it, after
// installing openclaw with tools/openclaw.sh) or the install cache. Each
// gateway is about 800 MB and takes seconds to tens of seconds to be
// ready, so these tests are few and never parallel. Gateways still running
// when the test ends are stopped.
func StartProcess(t *testing.T) *ControlPlane {
	t.Helper()
	if os.Getenv("TF_ACC") == "" {
		t.Skip("acceptance test with real OpenClaw gateways: run through make test (TF_ACC=1, installs openclaw)")
	}
	if External() {
		t.Skip("the process driver tests run an in-process control plane (unset OPENCLAW_ENDPOINT)")
	}
	// Each test gets its own port range, offset by the process ID, so that
	// test processes (and tests) never race each other for a gateway port.
	base := 20000 + (os.Getpid()%40)*500 + int(processTests.Add(1)%10)*50
	return Start(t, Options{Process: &process.Config{
		Bin:            os.Getenv("OPENCLAW_BIN"),
		PortMin:        base,
		PortMax:        base + 49,
		StopOnClose:    true,
		StartTimeout:   6 * time.Minute,
		MaxRestarts:    2,
		RestartBackoff: 200 * time.Millisecond,
	}})
}

func newControlPlane(t *testing.T, endpoint, key string, app *controlplane.App) *ControlPlane {
	c, err := client.New(client.Config{Endpoint: endpoint, APIKey: key, UserAgent: "openclaw-acctest"})
	if err != nil {
		t.Fatal(err)
	}
	return &ControlPlane{Endpoint: endpoint, APIKey: key, App: app, Client: c}
}

// RequireInProcess skips a test that needs the in-process control plane
// when running against an external one.
func (cp *ControlPlane) RequireInProcess(t *testing.T) {
	t.Helper()
	if cp.App == nil {
		t.Skip("needs the in-process control plane (unset OPENCLAW_ENDPOINT)")
	}
}

// ProviderBlock configures the provider for this control plane.
func (cp *ControlPlane) ProviderBlock() string {
	return fmt.Sprintf("provider \"openclaw\" {\n  endpoint = %q\n  api_key  = %q\n}\n", cp.Endpoint, cp.APIKey)
}

// Config prepends the provider block to HCL.
func (cp *ControlPlane) Config(hcl string) string {
	return cp.ProviderBlock() + "\n" + hcl
}

// Name returns a unique, valid resource name with a readable prefix, so
// tests can share an external control plane.
func Name(prefix string) string {
	return strings.ToLower(prefix + "-" + sdkacctest.RandStringFromCharSet(8, sdkacctest.CharSetAlphaNum))
}

// testLogger sends the control plane's logs to the test log, visible with -v
// or on failure.
func testLogger(t *testing.T, w io.Writer) *slog.Logger {
	if w != nil {
		return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	if os.Getenv("OPENCLAW_ACCTEST_LOG") == "" {
		return slog.New(slog.DiscardHandler)
	}
	return slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// CheckDestroyed returns a CheckDestroy function asserting through the API
// that every resource of the given type in the final state is gone.
// get must return an error matching client.ErrNotFound for a deleted object.
func (cp *ControlPlane) CheckDestroyed(resourceType string, get func(ctx context.Context, c *client.Client, id string) error) func(*terraform.State) error {
	return func(s *terraform.State) error {
		for name, rs := range s.RootModule().Resources {
			if rs.Type != resourceType {
				continue
			}
			err := get(context.Background(), cp.Client, rs.Primary.ID)
			if err == nil {
				return fmt.Errorf("%s (%s) still exists after destroy", name, rs.Primary.ID)
			}
			if !errors.Is(err, client.ErrNotFound) {
				return fmt.Errorf("check %s (%s) is destroyed: %w", name, rs.Primary.ID, err)
			}
		}
		return nil
	}
}

// CheckEnvironmentsDestroyed is CheckDestroyed for openclaw_environment.
func (cp *ControlPlane) CheckEnvironmentsDestroyed(s *terraform.State) error {
	return cp.CheckDestroyed("openclaw_environment", func(ctx context.Context, c *client.Client, id string) error {
		_, err := c.GetEnvironment(ctx, id)
		return err
	})(s)
}

// WaitFor waits for an operation started behind Terraform's back.
func (cp *ControlPlane) WaitFor(t *testing.T, op *api.Operation, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if _, err := cp.Client.WaitForOperation(ctx, op); err != nil {
		t.Fatal(err)
	}
}

// EnvironmentByName reads an environment the test created, by name.
func (cp *ControlPlane) EnvironmentByName(t *testing.T, name string) *api.Environment {
	t.Helper()
	env, err := cp.Client.FindEnvironmentByName(context.Background(), name)
	if err != nil {
		t.Fatalf("find environment %q: %v", name, err)
	}
	return env
}

// ExpectError matches Terraform's error output, in which long messages are
// wrapped: every space in pattern matches any run of white space.
func ExpectError(pattern string) *regexp.Regexp {
	return regexp.MustCompile(`(?s)` + strings.ReplaceAll(pattern, " ", `\s+`))
}

// ErrPollTimeout is Poll's answer when its condition did not hold in time.
var ErrPollTimeout = errors.New("condition not reached in time")

// Poll calls check every interval until it reports done or fails, or within
// has passed (ErrPollTimeout). It is the acceptance tests' one wait on state
// that a real process or the scheduler reaches on its own, outside any
// operation (operations have WaitFor).
func Poll(within, every time.Duration, check func() (done bool, err error)) error {
	deadline := time.Now().Add(within)
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		done, err := check()
		if err != nil || done {
			return err
		}
		if time.Now().After(deadline) {
			return ErrPollTimeout
		}
		<-tick.C
	}
}
