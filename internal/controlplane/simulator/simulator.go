// Package simulator is the simulator provisioning driver: it starts no
// gateways and no GPU machines. It reproduces what the API's users observe
// of real provisioning: each transition takes time (a configurable delay),
// capacity is finite, some transitions fail (injected), and every
// environment gets a real state directory on disk (the openclaw.json a real
// gateway would start with, workspace/) that snapshots can archive.
//
// Fault injection, per resource, through reserved labels (simulator only;
// the process driver refuses them):
//
//	simulator.openclaw.dev/fail  = "create,update,delete"  transitions that fail
//	simulator.openclaw.dev/delay = "30s"                    this resource's delay
//
// and globally with Config.FailureRate.
package simulator

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/openclaw/terraform-provider-openclaw/internal/controlplane/archive"
	"github.com/openclaw/terraform-provider-openclaw/internal/controlplane/driver"
	"github.com/openclaw/terraform-provider-openclaw/internal/gpucatalog"
)

// Reserved labels read by the simulator.
const (
	LabelFail  = driver.SimulatorLabelPrefix + "fail"
	LabelDelay = driver.SimulatorLabelPrefix + "delay"
)

// GatewayPort is OpenClaw's default gateway port.
const GatewayPort = driver.GatewayPort

// Config tunes the simulator.
type Config struct {
	// DataDir holds environments/<id>/, each a gateway state directory.
	DataDir string
	// Delay is how long each transition takes.
	Delay time.Duration
	// FailureRate is the probability (0..1) that any transition fails.
	FailureRate float64
}

// ErrInjected marks a failure the simulator injected on purpose.
var ErrInjected = errors.New("simulator: injected failure")

// Simulator is the simulator driver.
type Simulator struct {
	cfg Config
	mu  sync.Mutex // guards the maps below
	// dirs serialises the writes to each state directory; environments are
	// written in parallel (one lock for all made a burst of creates queue
	// behind each other's file system calls).
	dirs map[string]*dirLock
	// running: gateways that are "on" (nothing runs; Health reports it).
	running map[string]bool
	// logs: what the simulator did to each gateway, as its "log".
	logs map[string][]string
	// versions: each gateway's OpenClaw version, for its backups' manifest.
	versions map[string]string
}

var (
	_ driver.Driver    = (*Simulator)(nil)
	_ driver.Gateways  = (*Simulator)(nil)
	_ driver.Simulated = (*Simulator)(nil)
)

// New returns a simulator writing under cfg.DataDir.
func New(cfg Config) *Simulator {
	return &Simulator{cfg: cfg, dirs: map[string]*dirLock{}, running: map[string]bool{}, logs: map[string][]string{}, versions: map[string]string{}}
}

type dirLock struct {
	sync.Mutex
	users int
}

// lockDir takes the write lock of id's state directory.
func (s *Simulator) lockDir(id string) (unlock func()) {
	s.mu.Lock()
	l := s.dirs[id]
	if l == nil {
		l = &dirLock{}
		s.dirs[id] = l
	}
	l.users++
	s.mu.Unlock()
	l.Lock()
	return func() {
		l.Unlock()
		s.mu.Lock()
		if l.users--; l.users == 0 {
			delete(s.dirs, id)
		}
		s.mu.Unlock()
	}
}

// Name is "simulator".
func (s *Simulator) Name() string { return "simulator" }

// Gateways is the simulator itself.
func (s *Simulator) Gateways() driver.Gateways { return s }

// GPUNodes are simulated nodes.
func (s *Simulator) GPUNodes() driver.GPUNodes { return Nodes{} }

// Simulated is the simulator itself.
func (s *Simulator) Simulated() driver.Simulated { return s }

// Close does nothing: nothing runs.
func (s *Simulator) Close() error { return nil }

// LabelPrefix of the labels the simulator reads.
func (s *Simulator) LabelPrefix() string { return driver.SimulatorLabelPrefix }

// Delay returns how long a transition of a resource with these labels takes.
func (s *Simulator) Delay(labels map[string]string) time.Duration {
	if v, ok := labels[LabelDelay]; ok {
		if d, err := time.ParseDuration(v); err == nil && d >= 0 {
			return d
		}
	}
	return s.cfg.Delay
}

// Check decides whether a transition ("create", "update", "delete", ...)
// fails, by label or by the global failure rate.
func (s *Simulator) Check(transition string, labels map[string]string) error {
	if v, ok := labels[LabelFail]; ok {
		for _, t := range strings.Split(v, ",") {
			if strings.TrimSpace(t) == transition {
				return fmt.Errorf("%w during %s (label %s)", ErrInjected, transition, LabelFail)
			}
		}
	}
	if s.cfg.FailureRate > 0 && rand.Float64() < s.cfg.FailureRate {
		return fmt.Errorf("%w during %s (failure rate %.2f)", ErrInjected, transition, s.cfg.FailureRate)
	}
	return nil
}

// Versions is nil: the simulator "runs" any version.
func (s *Simulator) Versions() []string { return nil }

// DefaultVersion leaves the choice to the control plane's release list.
func (s *Simulator) DefaultVersion(string) string { return "" }

// GatewayURL is where an environment's gateway would listen.
func GatewayURL(name, region string) string {
	return fmt.Sprintf("http://%s.%s.openclaw.internal:%d", name, region, GatewayPort)
}

// URL is the simulated gateway address.
func (s *Simulator) URL(g driver.Gateway) string { return GatewayURL(g.Name, g.Region) }

// StateDir is the gateway state directory of an environment.
func (s *Simulator) StateDir(id string) string {
	return filepath.Join(s.cfg.DataDir, "environments", id)
}

// Provision writes (or rewrites) the environment's state directory, as a
// gateway in a container would read it (port 18789 on all interfaces).
func (s *Simulator) Provision(_ context.Context, g driver.Gateway) error {
	defer s.lockDir(g.ID)()
	s.mu.Lock()
	s.versions[g.ID] = g.OpenClawVersion
	s.mu.Unlock()
	if err := driver.WriteStateDir(s.StateDir(g.ID), g, driver.ConfigOptions{
		Port:      GatewayPort,
		Bind:      "lan",
		Workspace: filepath.Join(s.StateDir(g.ID), "workspace"),
	}); err != nil {
		return err
	}
	return ensureStateDatabase(s.StateDir(g.ID))
}

// Materialise is Provision without a context.
func (s *Simulator) Materialise(g driver.Gateway) error { return s.Provision(context.Background(), g) }

// Start marks the gateway on; it is ready at once.
func (s *Simulator) Start(_ context.Context, g driver.Gateway) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.running[g.ID] = true
	s.logLocked(g.ID, "gateway started (simulated: no process runs)")
	return nil
}

// maxLogLines bounds each gateway's simulated log.
const maxLogLines = 200

func (s *Simulator) logLocked(id, line string) {
	l := append(s.logs[id], time.Now().UTC().Format(time.RFC3339)+" simulator: "+line)
	if len(l) > maxLogLines {
		l = l[len(l)-maxLogLines:]
	}
	s.logs[id] = l
}

// Stop marks the gateway off; it is stopped at once.
func (s *Simulator) Stop(_ context.Context, id string, _ time.Duration) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.running[id] {
		s.logLocked(id, "gateway stopped (simulated)")
	}
	delete(s.running, id)
	return nil
}

// Health is ready for a started gateway, stopped otherwise.
func (s *Simulator) Health(_ context.Context, id string) (driver.Health, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.running[id] {
		return driver.Health{Phase: driver.PhaseReady, Message: "simulated"}, nil
	}
	return driver.Health{Phase: driver.PhaseStopped, Message: "simulated"}, nil
}

// Delete removes the environment's state directory.
func (s *Simulator) Delete(_ context.Context, id string) error {
	defer s.lockDir(id)()
	s.mu.Lock()
	delete(s.running, id)
	delete(s.logs, id)
	delete(s.versions, id)
	s.mu.Unlock()
	if err := os.RemoveAll(s.StateDir(id)); err != nil {
		return fmt.Errorf("simulator: remove state directory: %w", err)
	}
	return nil
}

// Destroy is Delete without a context.
func (s *Simulator) Destroy(id string) error { return s.Delete(context.Background(), id) }

// Logs are what the simulator did to the gateway (this replica, since it
// started): no process runs, so there is no gateway output.
func (s *Simulator) Logs(_ context.Context, id string, tail int) ([]string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	l := s.logs[id]
	if len(l) > tail {
		l = l[len(l)-tail:]
	}
	return slices.Clone(l), nil
}

// BackupTool names the simulator's backups (driver.Backup.Tool).
const BackupTool = "control plane archiver (simulator)"

// Backup archives the state directory with the control plane's archiver
// (SQLite databases through the online backup API, a manifest of every
// file's SHA-256) into dir.
func (s *Simulator) Backup(ctx context.Context, id, dir string) (driver.Backup, error) {
	s.mu.Lock()
	version := s.versions[id]
	s.mu.Unlock()
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return driver.Backup{}, err
	}
	now := time.Now().UTC()
	path := filepath.Join(dir, fmt.Sprintf("%s-%s.tar.gz", id, now.Format("20060102T150405.000Z")))
	f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return driver.Backup{}, err
	}
	h := sha256.New()
	_, err = archive.Dir{TempDir: dir}.Create(ctx, s.StateDir(id), archive.Meta{OpenClawVersion: version, EnvironmentID: id, CreatedAt: now}, io.MultiWriter(f, h))
	var st os.FileInfo
	if err == nil {
		st, err = f.Stat()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		_ = os.Remove(path) // a partial archive is worse than none
		return driver.Backup{}, fmt.Errorf("simulator: back up %s: %w", id, err)
	}
	return driver.Backup{Path: path, SizeBytes: st.Size(), SHA256: hex.EncodeToString(h.Sum(nil)), Tool: BackupTool}, nil
}

// Restore extracts an archive written by Backup into a fresh state
// directory with the archiver's checks (paths that escape, links, sizes,
// every file against the manifest); on any error nothing is left.
func (s *Simulator) Restore(ctx context.Context, id, path string) error {
	dst := s.StateDir(id)
	if _, err := os.Lstat(dst); err == nil {
		return fmt.Errorf("simulator: %s: %w", dst, driver.ErrStateExists)
	}
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close() //nolint:errcheck // read-only
	_, err = archive.Dir{}.Restore(ctx, f, dst, archive.RestoreOptions{})
	return err
}

// Events is nil: nothing runs, nothing crashes.
func (s *Simulator) Events() <-chan driver.Event { return nil }

// Nodes are simulated GPU nodes: capacity from the catalog, a made-up
// in-cluster address, nothing served.
type Nodes struct{}

var _ driver.GPUNodes = Nodes{}

// Allocate places a pool in the simulated capacity.
func (Nodes) Allocate(req driver.Placement) (driver.Choice, []driver.Attempt, error) {
	return driver.Allocate(req.Catalog, req.Used, req.Region, req.Choices, req.Nodes, req.GPUsPerNode)
}

// Free is the simulated free capacity of a bucket.
func (Nodes) Free(cat gpucatalog.Catalog, used driver.Usage, k driver.UsageKey) int64 {
	return driver.Free(cat, used, k)
}

// Scale does nothing but answer the pool's address.
func (n Nodes) Scale(_ context.Context, p driver.Pool) (string, error) { return n.BaseURL(p), nil }

// Release does nothing.
func (Nodes) Release(context.Context, string) error { return nil }

// backendPort is each inference server's conventional port.
var backendPort = map[string]int{"vllm": 8000, "sglang": 30000, "llamacpp": 8080, "ollama": 11434}

// BaseURL is the model provider URL the gateway is given. vLLM, SGLang and
// llama.cpp speak the OpenAI API under /v1; Ollama's native API has none.
func (Nodes) BaseURL(p driver.Pool) string {
	u := fmt.Sprintf("http://%s.%s.%s.gpu.openclaw.internal:%d", p.Name, p.EnvName, p.Region, backendPort[p.Backend])
	if p.Backend != "ollama" {
		u += "/v1"
	}
	return u
}
