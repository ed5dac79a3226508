// Package process is the process provisioning driver: one real `openclaw
// gateway run` process per running environment, on this machine.
//
// Layout under the data directory:
//
//	environments/<id>/      the gateway's state directory (OPENCLAW_STATE_DIR),
//	                        openclaw.json in it (OPENCLAW_CONFIG_PATH)
//	gateways/<id>/lock      held (flock) by the running gateway: never two
//	                        gateways on one state directory
//	gateways/<id>/runtime.json  port, pid, launch fingerprint (no secrets)
//	gateways/<id>/gateway.log   the gateway's stdout and stderr
//	gateways/<id>/openclaw.log  OpenClaw's own file log (logging.file)
//	gpu-nodes/<pool>.json   the port of a pool's simulated GPU node
//
// Secret values and the gateway token reach the gateway only as environment
// variables of its process; the gateway runs in its own session, so it
// survives a control-plane restart and is adopted by the next one.
package process

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/openclaw/terraform-provider-openclaw/internal/controlplane/driver"
	"github.com/openclaw/terraform-provider-openclaw/internal/ocversion"
)

// Config tunes the process driver.
type Config struct {
	// DataDir holds state directories and the driver's runtime files.
	DataDir string
	// Bin is the openclaw executable (--openclaw-bin, OPENCLAW_BIN). When
	// empty, the installs of tools/openclaw.sh under CacheDir, else PATH.
	Bin string
	// CacheDir is where tools/openclaw.sh installs; default
	// ${XDG_CACHE_HOME:-$HOME/.cache}/openclaw-tf.
	CacheDir string
	// PortMin..PortMax is the range of gateway and GPU node ports; default
	// 18800-18999.
	PortMin, PortMax int
	// Bind is the gateway's bind mode: "loopback" (default) or "lan".
	Bind string
	// Host is the host name in gateway URLs; default 127.0.0.1 on loopback,
	// the machine's host name on lan.
	Host string
	// StartTimeout fails a gateway that is not ready this long after its
	// launch; default 5m.
	StartTimeout time.Duration
	// MaxRestarts after crashes before the gateway is failed; default 3.
	MaxRestarts int
	// RestartBackoff is the first restart's delay, doubled for each next
	// one; default 1s.
	RestartBackoff time.Duration
	// StableAfter: a gateway that ran this long before crashing starts a
	// fresh count of restarts; default 2m.
	StableAfter time.Duration
	// StopOnClose stops every gateway when the driver closes. Off by
	// default: gateways outlive the control plane and are adopted.
	StopOnClose bool
	Logger      *slog.Logger
}

// Driver is the process driver.
type Driver struct {
	cfg      Config
	installs []install
	logger   *slog.Logger
	events   chan driver.Event
	nodes    *Nodes
	http     *http.Client

	mu    sync.Mutex
	gws   map[string]*gateway
	ports map[int]string // port -> owner (gateway or pool ID)
	done  chan struct{}
	wg    sync.WaitGroup
}

var (
	_ driver.Driver   = (*Driver)(nil)
	_ driver.Gateways = (*Driver)(nil)
)

type install struct {
	version string
	bin     string
}

// gateway is what the driver knows of one environment's gateway.
type gateway struct {
	id   string
	port int
	// pid of the running process (0: none); cmd is set for our own
	// children, nil for adopted ones.
	pid    int
	cmd    *exec.Cmd
	exited chan struct{}
	// launch fingerprints the inputs of the running process.
	launch     string
	launchedAt time.Time
	// spec of the last Start: held in memory only (it has secret values),
	// to restart after a crash.
	spec        driver.Gateway
	wantRunning bool
	stopping    bool
	relaunch    bool // start again once the process exits (changed inputs)
	restarts    int
	restartAt   *time.Timer
	failed      string
}

// runtimeFile is gateways/<id>/runtime.json.
type runtimeFile struct {
	Port      int       `json:"port"`
	PID       int       `json:"pid,omitempty"`
	Launch    string    `json:"launch,omitempty"`
	Version   string    `json:"openclaw_version,omitempty"`
	StartedAt time.Time `json:"started_at,omitzero"`
}

// New finds the installed openclaw versions, adopts gateways left running
// by an earlier control plane and restarts the GPU nodes' stubs.
func New(cfg Config) (*Driver, error) {
	if cfg.DataDir == "" {
		return nil, errors.New("process driver: DataDir is required")
	}
	if cfg.PortMin == 0 && cfg.PortMax == 0 {
		cfg.PortMin, cfg.PortMax = 18800, 18999
	}
	if cfg.PortMin < 1 || cfg.PortMax > 65535 || cfg.PortMin > cfg.PortMax {
		return nil, fmt.Errorf("process driver: bad port range %d-%d", cfg.PortMin, cfg.PortMax)
	}
	switch cfg.Bind {
	case "":
		cfg.Bind = "loopback"
	case "loopback", "lan":
	default:
		return nil, fmt.Errorf("process driver: bind must be loopback or lan, got %q", cfg.Bind)
	}
	if cfg.Host == "" {
		cfg.Host = "127.0.0.1"
		if cfg.Bind == "lan" {
			if h, err := os.Hostname(); err == nil {
				cfg.Host = h
			}
		}
	}
	if cfg.StartTimeout <= 0 {
		cfg.StartTimeout = 5 * time.Minute
	}
	if cfg.MaxRestarts <= 0 {
		cfg.MaxRestarts = 3
	}
	if cfg.RestartBackoff <= 0 {
		cfg.RestartBackoff = time.Second
	}
	if cfg.StableAfter <= 0 {
		cfg.StableAfter = 2 * time.Minute
	}
	if cfg.CacheDir == "" {
		cfg.CacheDir = DefaultCacheDir()
	}
	d := &Driver{
		cfg:    cfg,
		logger: cfg.Logger,
		events: make(chan driver.Event, 64),
		http:   &http.Client{Timeout: 2 * time.Second},
		gws:    map[string]*gateway{},
		ports:  map[int]string{},
		done:   make(chan struct{}),
	}
	if d.logger == nil {
		d.logger = slog.New(slog.DiscardHandler)
	}
	var err error
	if d.installs, err = findInstalls(cfg); err != nil {
		return nil, err
	}
	for _, dir := range []string{"environments", "gateways", "gpu-nodes"} {
		if err := os.MkdirAll(filepath.Join(cfg.DataDir, dir), 0o700); err != nil {
			return nil, err
		}
	}
	if err := d.loadGateways(); err != nil {
		return nil, err
	}
	d.nodes = &Nodes{d: d, servers: map[string]*stubServer{}}
	if err := d.nodes.load(); err != nil {
		return nil, err
	}
	return d, nil
}

// DefaultCacheDir is where tools/openclaw.sh installs openclaw.
func DefaultCacheDir() string {
	if x := os.Getenv("XDG_CACHE_HOME"); x != "" {
		return filepath.Join(x, "openclaw-tf")
	}
	home, _ := os.UserHomeDir()
	return filepath.Join(home, ".cache", "openclaw-tf")
}

var versionOutput = regexp.MustCompile(`OpenClaw (\d{4}\.\d+\.\d+(?:-[0-9A-Za-z.]+)?)`)

// findInstalls: the explicit binary, else tools/openclaw.sh's cache, else PATH.
func findInstalls(cfg Config) ([]install, error) {
	probe := func(bin string) (install, error) {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		out, err := exec.CommandContext(ctx, bin, "--version").CombinedOutput()
		if err != nil {
			return install{}, fmt.Errorf("%s --version: %w: %s", bin, err, strings.TrimSpace(string(out)))
		}
		m := versionOutput.FindStringSubmatch(string(out))
		if m == nil {
			return install{}, fmt.Errorf("%s --version printed no OpenClaw version: %q", bin, strings.TrimSpace(string(out)))
		}
		return install{version: m[1], bin: bin}, nil
	}
	if cfg.Bin != "" {
		in, err := probe(cfg.Bin)
		if err != nil {
			return nil, fmt.Errorf("process driver: --openclaw-bin / OPENCLAW_BIN: %w", err)
		}
		return []install{in}, nil
	}
	var found []install
	dirs, _ := filepath.Glob(filepath.Join(cfg.CacheDir, "openclaw-*"))
	for _, dir := range dirs {
		bin := filepath.Join(dir, "openclaw")
		if _, err := os.Stat(filepath.Join(dir, ".complete")); err != nil {
			continue
		}
		v := strings.TrimPrefix(filepath.Base(dir), "openclaw-")
		if _, err := ocversion.Parse(v); err == nil {
			found = append(found, install{version: v, bin: bin})
		}
	}
	if len(found) == 0 {
		if bin, err := exec.LookPath("openclaw"); err == nil {
			in, err := probe(bin)
			if err != nil {
				return nil, fmt.Errorf("process driver: openclaw on PATH: %w", err)
			}
			found = append(found, in)
		}
	}
	if len(found) == 0 {
		return nil, fmt.Errorf("process driver: no openclaw found: not given with --openclaw-bin / OPENCLAW_BIN, none installed under %s, none on PATH; run tools/openclaw.sh to install it (Node 24 and openclaw from npm), or use --driver simulator", cfg.CacheDir)
	}
	slices.SortFunc(found, func(a, b install) int {
		va, _ := ocversion.Parse(a.version)
		vb, _ := ocversion.Parse(b.version)
		return ocversion.Compare(vb, va)
	})
	return found, nil
}

// Name is "process".
func (d *Driver) Name() string { return "process" }

// Gateways is the driver itself.
func (d *Driver) Gateways() driver.Gateways { return d }

// GPUNodes are simulated GPU nodes served by local stubs.
func (d *Driver) GPUNodes() driver.GPUNodes { return d.nodes }

// Simulated is nil: fault labels and the autoscaler are simulator features.
func (d *Driver) Simulated() driver.Simulated { return nil }

// Events delivers crashes and failures.
func (d *Driver) Events() <-chan driver.Event { return d.events }

// Detach is Close that leaves every gateway running whatever StopOnClose
// says: a control plane handing its gateways to the next one (tests use it
// to restart a control plane as kill -9 would).
func (d *Driver) Detach() error {
	d.mu.Lock()
	d.cfg.StopOnClose = false
	d.mu.Unlock()
	return d.Close()
}

// Close stops watching gateways (and with StopOnClose stops them, waiting
// for their exit) and stops the GPU node stubs.
func (d *Driver) Close() error {
	d.mu.Lock()
	select {
	case <-d.done:
		d.mu.Unlock()
		return nil
	default:
	}
	close(d.done)
	stop := d.cfg.StopOnClose
	var waits []chan struct{}
	for _, gw := range d.gws {
		if gw.restartAt != nil {
			gw.restartAt.Stop()
		}
		if stop && gw.pid != 0 {
			gw.wantRunning, gw.stopping, gw.relaunch = false, true, false
			d.signal(gw, syscall.SIGTERM)
			waits = append(waits, gw.exited)
		}
	}
	d.mu.Unlock()
	for _, w := range waits {
		select {
		case <-w:
		case <-time.After(30 * time.Second):
		}
	}
	if stop {
		d.mu.Lock()
		for _, gw := range d.gws {
			if gw.pid != 0 {
				_ = syscall.Kill(-gw.pid, syscall.SIGKILL) // did not drain in time
			}
		}
		d.mu.Unlock()
	}
	d.nodes.close()
	d.wg.Wait()
	return nil
}

// Versions are the installed versions, newest first.
func (d *Driver) Versions() []string {
	out := make([]string, len(d.installs))
	for i, in := range d.installs {
		out[i] = in.version
	}
	return out
}

// DefaultVersion is the newest installed version the channel may run.
func (d *Driver) DefaultVersion(channel string) string {
	for _, in := range d.installs {
		if v, err := ocversion.Parse(in.version); err == nil && ocversion.ChannelAllows(channel, v) {
			return in.version
		}
	}
	return d.installs[0].version
}

func (d *Driver) binFor(version string) (string, error) {
	for _, in := range d.installs {
		if in.version == version {
			return in.bin, nil
		}
	}
	return "", fmt.Errorf("%w: OpenClaw %s is not installed here; installed: %s", driver.ErrUnknownVersion, version, strings.Join(d.Versions(), ", "))
}

// StateDir is an environment's gateway state directory.
func (d *Driver) StateDir(id string) string { return filepath.Join(d.cfg.DataDir, "environments", id) }

func (d *Driver) runDir(id string) string { return filepath.Join(d.cfg.DataDir, "gateways", id) }

// URL is where the gateway answers.
func (d *Driver) URL(g driver.Gateway) string {
	d.mu.Lock()
	defer d.mu.Unlock()
	gw := d.gws[g.ID]
	if gw == nil || gw.port == 0 {
		return ""
	}
	return fmt.Sprintf("http://%s:%d", d.cfg.Host, gw.port)
}

// Provision writes the state directory and openclaw.json, reserving the
// gateway's port the first time.
func (d *Driver) Provision(_ context.Context, g driver.Gateway) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	gw, err := d.gatewayLocked(g.ID)
	if err != nil {
		return err
	}
	return driver.WriteStateDir(d.StateDir(g.ID), g, driver.ConfigOptions{
		Port:      gw.port,
		Bind:      d.cfg.Bind,
		Workspace: filepath.Join(d.StateDir(g.ID), "workspace"),
		LogFile:   filepath.Join(d.runDir(g.ID), "openclaw.log"),
	})
}

// gatewayLocked returns the gateway's record, creating it with a port.
func (d *Driver) gatewayLocked(id string) (*gateway, error) {
	if gw := d.gws[id]; gw != nil {
		return gw, nil
	}
	port, err := d.allocPortLocked(id)
	if err != nil {
		return nil, err
	}
	gw := &gateway{id: id, port: port}
	if err := os.MkdirAll(d.runDir(id), 0o700); err != nil {
		return nil, err
	}
	d.gws[id] = gw
	return gw, d.saveRuntimeLocked(gw)
}

// allocPortLocked reserves the first port of the range that no gateway or
// node holds and that nothing else listens on.
func (d *Driver) allocPortLocked(owner string) (int, error) {
	for p := d.cfg.PortMin; p <= d.cfg.PortMax; p++ {
		if _, taken := d.ports[p]; taken {
			continue
		}
		ln, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(p)))
		if err != nil {
			continue
		}
		_ = ln.Close()
		d.ports[p] = owner
		return p, nil
	}
	return 0, fmt.Errorf("process driver: no free port in %d-%d (--gateway-ports)", d.cfg.PortMin, d.cfg.PortMax)
}

func (d *Driver) saveRuntimeLocked(gw *gateway) error {
	rt := runtimeFile{Port: gw.port, PID: gw.pid, Launch: gw.launch, Version: gw.spec.OpenClawVersion}
	if gw.pid != 0 {
		rt.StartedAt = gw.launchedAt
	}
	b, _ := json.MarshalIndent(rt, "", "  ")
	return driver.WriteFileAtomic(filepath.Join(d.runDir(gw.id), "runtime.json"), append(b, '\n'))
}

// loadGateways reads runtime files and adopts gateways that still run: a
// gateway holds its lock for as long as it lives.
func (d *Driver) loadGateways() error {
	dirs, err := os.ReadDir(filepath.Join(d.cfg.DataDir, "gateways"))
	if err != nil {
		return err
	}
	for _, e := range dirs {
		b, err := os.ReadFile(filepath.Join(d.runDir(e.Name()), "runtime.json"))
		if err != nil {
			continue
		}
		var rt runtimeFile
		if err := json.Unmarshal(b, &rt); err != nil || rt.Port == 0 {
			continue
		}
		gw := &gateway{id: e.Name(), port: rt.Port}
		d.gws[gw.id] = gw
		d.ports[rt.Port] = gw.id
		if rt.PID != 0 && d.lockHeld(gw.id) && syscall.Kill(rt.PID, 0) == nil {
			gw.pid, gw.launch, gw.launchedAt = rt.PID, rt.Launch, rt.StartedAt
			gw.exited = make(chan struct{})
			d.logger.Info("adopted a running gateway", "environment_id", gw.id, "pid", gw.pid, "port", gw.port)
			d.wg.Add(1)
			go d.watchAdopted(gw, gw.pid, gw.exited)
		}
	}
	return nil
}

// lockHeld reports whether some process holds the gateway's lock.
func (d *Driver) lockHeld(id string) bool {
	f, err := os.OpenFile(filepath.Join(d.runDir(id), "lock"), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return false
	}
	defer f.Close() //nolint:errcheck // the lock goes with the descriptor
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		return true
	}
	_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
	return false
}

// fingerprint identifies a launch's inputs without revealing them: secret
// fingerprints are keyed hashes already; the token is hashed with them.
func fingerprint(g driver.Gateway) string {
	h := sha256.New()
	fmt.Fprintf(h, "version=%s\n", g.OpenClawVersion)
	for _, k := range slices.Sorted(maps.Keys(g.SecretFingerprints)) {
		fmt.Fprintf(h, "secret %s=%s\n", k, g.SecretFingerprints[k])
	}
	fmt.Fprintf(h, "token=%s\n", g.Token)
	return hex.EncodeToString(h.Sum(nil))[:32]
}

// Start launches the gateway, keeps (or adopts) one already running with
// the same inputs, or restarts one running with other inputs.
func (d *Driver) Start(_ context.Context, g driver.Gateway) error {
	if _, err := d.binFor(g.OpenClawVersion); err != nil {
		return err
	}
	if g.Token == "" {
		return errors.New("process driver: Start needs the gateway token")
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	gw, err := d.gatewayLocked(g.ID)
	if err != nil {
		return err
	}
	fp := fingerprint(g)
	gw.spec, gw.wantRunning, gw.failed = g, true, ""
	if gw.restartAt != nil {
		gw.restartAt.Stop()
		gw.restartAt = nil
	}
	if gw.pid != 0 {
		if gw.launch == fp && !gw.stopping {
			return nil // running as asked (or adopted)
		}
		// Other inputs (a secret, the version), or a drain in progress:
		// start again once this process has exited.
		gw.relaunch = true
		if !gw.stopping {
			gw.stopping = true
			d.signal(gw, syscall.SIGTERM)
		}
		return nil
	}
	gw.restarts = 0
	return d.launchLocked(gw)
}

// launchLocked starts the gateway process holding the state directory's lock.
func (d *Driver) launchLocked(gw *gateway) error {
	select {
	case <-d.done:
		return errors.New("process driver: closed")
	default:
	}
	g := gw.spec
	bin, err := d.binFor(g.OpenClawVersion)
	if err != nil {
		return err
	}
	lock, err := os.OpenFile(filepath.Join(d.runDir(gw.id), "lock"), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return err
	}
	defer lock.Close() //nolint:errcheck // the child holds its own copy
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		return fmt.Errorf("process driver: another gateway holds the state directory of %s (lock %s): %w", gw.id, lock.Name(), err)
	}
	logf, err := os.OpenFile(filepath.Join(d.runDir(gw.id), "gateway.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return err
	}
	defer logf.Close() //nolint:errcheck // the child holds its own copy
	dir := d.StateDir(gw.id)
	cmd := exec.Command(bin, "gateway", "run", "--port", strconv.Itoa(gw.port), "--bind", d.cfg.Bind, "--auth", "token") //nolint:gosec // bin is an installed openclaw
	cmd.Dir = dir
	cmd.Env = gatewayEnv(g, dir)
	cmd.Stdout, cmd.Stderr = logf, logf
	// fd 3 in the child: the lock lives exactly as long as the gateway.
	cmd.ExtraFiles = []*os.File{lock}
	// Its own session: it survives the control plane and is adopted.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	fmt.Fprintf(logf, "--- %s control plane: starting openclaw %s gateway on port %d\n", time.Now().UTC().Format(time.RFC3339), g.OpenClawVersion, gw.port)
	if err := cmd.Start(); err != nil {
		_ = syscall.Flock(int(lock.Fd()), syscall.LOCK_UN)
		return fmt.Errorf("process driver: start %s: %w", bin, err)
	}
	gw.cmd, gw.pid, gw.launch, gw.launchedAt = cmd, cmd.Process.Pid, fingerprint(g), time.Now()
	gw.stopping, gw.relaunch = false, false
	gw.exited = make(chan struct{})
	if err := d.saveRuntimeLocked(gw); err != nil {
		d.logger.Error("write runtime file", "environment_id", gw.id, "err", err)
	}
	d.logger.Info("started a gateway", "environment_id", gw.id, "pid", gw.pid, "port", gw.port, "version", g.OpenClawVersion)
	// Not in d.wg: it ends with the process, which may outlive Close.
	go d.watchChild(gw, cmd, gw.exited)
	return nil
}

// gatewayEnv is the gateway's whole environment: a few variables of ours,
// never the control plane's own (its database URL, encryption key).
func gatewayEnv(g driver.Gateway, dir string) []string {
	var env []string
	for _, k := range slices.Sorted(maps.Keys(g.Secrets)) {
		env = append(env, k+"="+g.Secrets[k])
	}
	env = append(env, baseEnv()...)
	// Last, so a secret cannot replace them.
	return append(env,
		"OPENCLAW_STATE_DIR="+dir,
		"OPENCLAW_CONFIG_PATH="+filepath.Join(dir, "openclaw.json"),
		"OPENCLAW_GATEWAY_TOKEN="+g.Token,
	)
}

// baseEnv is what openclaw needs of the control plane's environment.
func baseEnv() []string {
	env := []string{"NO_COLOR=1", "FORCE_COLOR=0"}
	for _, k := range []string{"PATH", "HOME", "LANG", "TZ", "TMPDIR"} {
		if v, ok := os.LookupEnv(k); ok {
			env = append(env, k+"="+v)
		}
	}
	return env
}

func (d *Driver) watchChild(gw *gateway, cmd *exec.Cmd, exited chan struct{}) {
	err := cmd.Wait()
	how := "exited with status 0"
	if err != nil {
		how = err.Error()
	}
	d.onExit(gw, cmd.Process.Pid, exited, how)
}

// watchAdopted follows a gateway this driver did not start: it cannot wait
// for it, so it watches the lock the gateway holds.
func (d *Driver) watchAdopted(gw *gateway, pid int, exited chan struct{}) {
	defer d.wg.Done()
	t := time.NewTicker(250 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-d.done:
			return
		case <-t.C:
		}
		if !d.lockHeld(gw.id) || syscall.Kill(pid, 0) != nil {
			d.onExit(gw, pid, exited, "exited (adopted process; status unknown)")
			return
		}
	}
}

// onExit handles the end of a gateway process: a requested stop, a
// relaunch with new inputs, or a crash restarted with backoff.
func (d *Driver) onExit(gw *gateway, pid int, exited chan struct{}, how string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if gw.pid != pid {
		return
	}
	// Whatever it left behind (workers in its session) goes with it.
	_ = syscall.Kill(-pid, syscall.SIGKILL)
	uptime := time.Since(gw.launchedAt)
	gw.pid, gw.cmd = 0, nil
	close(exited)
	closed := false
	select {
	case <-d.done:
		closed = true
	default:
	}
	if err := d.saveRuntimeLocked(gw); err != nil && !closed {
		d.logger.Error("write runtime file", "environment_id", gw.id, "err", err)
	}
	switch {
	case closed:
		return
	case gw.relaunch && gw.wantRunning:
		if err := d.launchLocked(gw); err != nil {
			d.failLocked(gw, fmt.Sprintf("relaunch failed: %v", err))
		}
		return
	case gw.stopping || !gw.wantRunning:
		gw.stopping = false
		return
	}
	if uptime > d.cfg.StableAfter {
		gw.restarts = 0
	}
	gw.restarts++
	if gw.restarts > d.cfg.MaxRestarts {
		d.failLocked(gw, fmt.Sprintf("the gateway crashed %d times (last: %s); it is not restarted again. Last lines of its log:\n%s",
			gw.restarts, how, strings.Join(d.tail(gw.id, 20), "\n")))
		return
	}
	backoff := d.cfg.RestartBackoff << (gw.restarts - 1)
	msg := fmt.Sprintf("the gateway %s after %s; restart %d of %d in %s", how, uptime.Round(time.Millisecond), gw.restarts, d.cfg.MaxRestarts, backoff)
	d.logger.Warn("gateway crashed", "environment_id", gw.id, "detail", msg)
	d.emit(driver.Event{GatewayID: gw.id, Phase: driver.PhaseStarting, Message: msg})
	gw.restartAt = time.AfterFunc(backoff, func() {
		d.mu.Lock()
		defer d.mu.Unlock()
		gw.restartAt = nil
		if gw.wantRunning && gw.pid == 0 && gw.failed == "" {
			if err := d.launchLocked(gw); err != nil {
				d.failLocked(gw, fmt.Sprintf("restart failed: %v", err))
			}
		}
	})
}

func (d *Driver) failLocked(gw *gateway, msg string) {
	gw.failed, gw.wantRunning = msg, false
	d.logger.Error("gateway failed", "environment_id", gw.id)
	d.emit(driver.Event{GatewayID: gw.id, Phase: driver.PhaseFailed, Message: msg})
}

func (d *Driver) emit(ev driver.Event) {
	select {
	case d.events <- ev:
	default:
		d.logger.Warn("gateway event dropped (nobody reads them)", "environment_id", ev.GatewayID)
	}
}

// signal sends sig to the gateway's process (the leader of its session).
func (d *Driver) signal(gw *gateway, sig syscall.Signal) {
	if gw.pid != 0 {
		_ = syscall.Kill(gw.pid, sig)
	}
}

// Stop drains the gateway: SIGTERM, then SIGKILL of its whole session
// after drain.
func (d *Driver) Stop(_ context.Context, id string, drain time.Duration) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	gw := d.gws[id]
	if gw == nil {
		return nil
	}
	gw.wantRunning, gw.relaunch, gw.failed = false, false, ""
	if gw.restartAt != nil {
		gw.restartAt.Stop()
		gw.restartAt = nil
	}
	if gw.pid == 0 || gw.stopping {
		return nil
	}
	gw.stopping = true
	pid, exited := gw.pid, gw.exited
	d.signal(gw, syscall.SIGTERM)
	d.logger.Info("draining a gateway", "environment_id", id, "pid", pid, "drain_timeout", drain.String())
	d.wg.Add(1)
	go func() {
		defer d.wg.Done()
		select {
		case <-exited:
		case <-d.done:
		case <-time.After(drain):
			d.logger.Warn("gateway did not drain in time; killing it", "environment_id", id, "pid", pid)
			_ = syscall.Kill(-pid, syscall.SIGKILL)
		}
	}()
	return nil
}

// Health is what the gateway's process and its /readyz say.
func (d *Driver) Health(ctx context.Context, id string) (driver.Health, error) {
	d.mu.Lock()
	gw := d.gws[id]
	if gw == nil {
		d.mu.Unlock()
		return driver.Health{Phase: driver.PhaseStopped, Message: "no gateway"}, nil
	}
	h := driver.Health{PID: gw.pid, Restarts: gw.restarts}
	port, launched := gw.port, gw.launchedAt
	switch {
	case gw.failed != "":
		h.Phase, h.Message = driver.PhaseFailed, gw.failed
	case gw.pid == 0 && gw.restartAt != nil:
		h.Phase, h.Message = driver.PhaseStarting, fmt.Sprintf("restarting after a crash (%d of %d)", gw.restarts, d.cfg.MaxRestarts)
	case gw.pid == 0:
		h.Phase, h.Message = driver.PhaseStopped, "no gateway process"
	case gw.stopping:
		h.Phase, h.Message = driver.PhaseStopping, "draining"
	}
	d.mu.Unlock()
	if h.Phase != "" {
		return h, nil
	}
	ready, detail := d.probe(ctx, port)
	if ready {
		h.Phase, h.Message = driver.PhaseReady, detail
		return h, nil
	}
	h.Phase, h.Message = driver.PhaseStarting, detail
	if time.Since(launched) > d.cfg.StartTimeout {
		d.mu.Lock()
		if gw.pid == h.PID && gw.failed == "" {
			msg := fmt.Sprintf("the gateway was not ready %s after its start (%s). Last lines of its log:\n%s", d.cfg.StartTimeout, detail, strings.Join(d.tail(id, 20), "\n"))
			gw.failed, gw.wantRunning, gw.stopping = msg, false, true
			_ = syscall.Kill(-gw.pid, syscall.SIGKILL)
		}
		h.Phase, h.Message = driver.PhaseFailed, gw.failed
		d.mu.Unlock()
	}
	return h, nil
}

// probe asks the gateway's /readyz (unauthenticated JSON).
func (d *Driver) probe(ctx context.Context, port int) (bool, string) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, fmt.Sprintf("http://127.0.0.1:%d/readyz", port), nil)
	if err != nil {
		return false, err.Error()
	}
	resp, err := d.http.Do(req)
	if err != nil {
		return false, "waiting for /readyz: not answering yet"
	}
	defer resp.Body.Close() //nolint:errcheck // read-only
	var body struct {
		Ready   bool     `json:"ready"`
		Failing []string `json:"failing"`
	}
	_ = json.NewDecoder(resp.Body).Decode(&body)
	if resp.StatusCode == http.StatusOK && body.Ready {
		return true, "/readyz: ready"
	}
	return false, fmt.Sprintf("/readyz: not ready (failing: %s)", strings.Join(body.Failing, ", "))
}

// Delete removes a stopped gateway's state directory and runtime files.
func (d *Driver) Delete(_ context.Context, id string) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if gw := d.gws[id]; gw != nil {
		if gw.pid != 0 {
			return fmt.Errorf("process driver: delete %s: %w (pid %d)", id, driver.ErrRunning, gw.pid)
		}
		if gw.restartAt != nil {
			gw.restartAt.Stop()
		}
		delete(d.ports, gw.port)
		delete(d.gws, id)
	}
	for _, dir := range []string{d.StateDir(id), d.runDir(id)} {
		if err := os.RemoveAll(dir); err != nil {
			return fmt.Errorf("process driver: remove %s: %w", dir, err)
		}
	}
	return nil
}

// ansi matches terminal escape sequences (colours) in the gateway's output.
var ansi = regexp.MustCompile(`\x1b\[[0-9;]*[A-Za-z]`)

// Logs returns the last lines of the gateway's stdout and stderr.
func (d *Driver) Logs(_ context.Context, id string, tail int) ([]string, error) {
	return d.tail(id, tail), nil
}

func (d *Driver) tail(id string, n int) []string {
	f, err := os.Open(filepath.Join(d.runDir(id), "gateway.log"))
	if err != nil {
		return nil
	}
	defer f.Close() //nolint:errcheck // read-only
	const window = 256 << 10
	st, err := f.Stat()
	if err != nil {
		return nil
	}
	off := max(0, st.Size()-window)
	buf := make([]byte, st.Size()-off)
	if _, err := f.ReadAt(buf, off); err != nil {
		return nil
	}
	lines := strings.Split(strings.TrimRight(string(buf), "\n"), "\n")
	if off > 0 && len(lines) > 0 {
		lines = lines[1:] // a partial first line
	}
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	for i, l := range lines {
		lines[i] = ansi.ReplaceAllString(l, "")
	}
	return lines
}
