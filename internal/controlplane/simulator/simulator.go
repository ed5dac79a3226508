// Package simulator is the control plane's provisioning backend in this
// reference implementation: a SIMULATOR. It does not start gateways or GPU
// machines. It reproduces what the API's users observe of real provisioning:
// each transition takes time (a configurable delay), capacity is finite, some
// transitions fail (injected), and every environment gets a real state
// directory on disk (openclaw.json derived from its spec, workspace/) that
// snapshots can archive.
//
// Fault injection, per resource, through reserved labels:
//
//	simulator.openclaw.dev/fail  = "create,update,delete"  transitions that fail
//	simulator.openclaw.dev/delay = "30s"                    this resource's delay
//
// and globally with Config.FailureRate.
package simulator

import (
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"
)

// Reserved labels read by the simulator.
const (
	LabelFail  = "simulator.openclaw.dev/fail"
	LabelDelay = "simulator.openclaw.dev/delay"
)

// GatewayPort is OpenClaw's default gateway port.
const GatewayPort = 18789

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

// Simulator is the provisioning backend.
type Simulator struct {
	cfg Config
	mu  sync.Mutex // serialises state-directory writes
}

// New returns a simulator writing under cfg.DataDir.
func New(cfg Config) *Simulator {
	return &Simulator{cfg: cfg}
}

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

// Gateway describes what to materialise for one environment.
type Gateway struct {
	ID              string
	Name            string
	Region          string
	OpenClawVersion string
	ReleaseChannel  string
	CPUs            int64
	MemoryMB        int64
	StateVolumeGB   int64
	// SecretNames become environment variables of the gateway; their values
	// are injected at start and never written to disk.
	SecretNames []string
	// ModelProviders are registered as models.providers.<id>.
	ModelProviders []ModelProvider
}

// ModelProvider is an inference endpoint the gateway can use.
type ModelProvider struct {
	ID      string
	BaseURL string
	API     string
	Models  []Model
}

// Model is one model a provider serves.
type Model struct {
	ID            string `json:"id"`
	ContextWindow int64  `json:"contextWindow,omitempty"`
	MaxTokens     int64  `json:"maxTokens,omitempty"`
}

// GatewayURL is where an environment's gateway listens.
func GatewayURL(name, region string) string {
	return fmt.Sprintf("http://%s.%s.openclaw.internal:%d", name, region, GatewayPort)
}

// StateDir is the gateway state directory of an environment.
func (s *Simulator) StateDir(id string) string {
	return filepath.Join(s.cfg.DataDir, "environments", id)
}

// Materialise writes (or rewrites) the environment's state directory. It is
// idempotent: user files in workspace/ are kept.
func (s *Simulator) Materialise(g Gateway) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	dir := s.StateDir(g.ID)
	for _, sub := range []string{"state", "credentials", "agents", "workspace/memory"} {
		if err := os.MkdirAll(filepath.Join(dir, sub), 0o700); err != nil {
			return fmt.Errorf("simulator: create state directory: %w", err)
		}
	}
	if err := ensureStateDatabase(dir); err != nil {
		return err
	}
	cfg, err := json.MarshalIndent(openclawConfig(g), "", "  ")
	if err != nil {
		return err
	}
	if err := writeFileAtomic(filepath.Join(dir, "openclaw.json"), append(cfg, '\n')); err != nil {
		return err
	}
	// Control-plane metadata lives beside openclaw.json, not in it: OpenClaw's
	// config schema is strict and refuses unknown keys.
	meta, _ := json.MarshalIndent(map[string]any{
		"environment_id":   g.ID,
		"name":             g.Name,
		"region":           g.Region,
		"openclaw_version": g.OpenClawVersion,
		"release_channel":  g.ReleaseChannel,
		"image":            "ghcr.io/openclaw/openclaw:" + g.OpenClawVersion,
		"size":             map[string]int64{"cpus": g.CPUs, "memory_mb": g.MemoryMB},
		"state_volume_gb":  g.StateVolumeGB,
	}, "", "  ")
	if err := writeFileAtomic(filepath.Join(dir, "controlplane.json"), append(meta, '\n')); err != nil {
		return err
	}
	names := slices.Clone(g.SecretNames)
	slices.Sort(names)
	env := "# Injected by the control plane when the gateway starts; values are never written here.\n"
	for _, n := range names {
		env += "# " + n + "\n"
	}
	if err := writeFileAtomic(filepath.Join(dir, ".env"), []byte(env)); err != nil {
		return err
	}
	workspace := map[string]string{
		"AGENTS.md": "# Agents\n\nManaged by the OpenClaw control plane for environment " + g.Name + ".\n",
		"SOUL.md":   "# Soul\n",
		"USER.md":   "# User\n",
		"MEMORY.md": "# Memory\n",
	}
	for name, content := range workspace {
		p := filepath.Join(dir, "workspace", name)
		if _, err := os.Stat(p); err == nil {
			continue
		}
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			return fmt.Errorf("simulator: write %s: %w", p, err)
		}
	}
	return nil
}

// Destroy removes the environment's state directory.
func (s *Simulator) Destroy(id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := os.RemoveAll(s.StateDir(id)); err != nil {
		return fmt.Errorf("simulator: remove state directory: %w", err)
	}
	return nil
}

// openclawConfig derives openclaw.json from the spec, using only keys of
// OpenClaw's config schema.
func openclawConfig(g Gateway) map[string]any {
	providers := map[string]any{}
	for _, p := range g.ModelProviders {
		providers[p.ID] = map[string]any{
			"baseUrl": p.BaseURL,
			"api":     p.API,
			"models":  p.Models,
		}
	}
	return map[string]any{
		"gateway": map[string]any{
			"port": GatewayPort,
			"bind": "lan",
			"auth": map[string]any{"mode": "token"},
		},
		"agents": map[string]any{
			"defaults": map[string]any{"workspace": "~/.openclaw/workspace"},
		},
		"models": map[string]any{
			"mode":      "merge",
			"providers": providers,
		},
	}
}

func writeFileAtomic(path string, data []byte) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, data, 0o600); err != nil {
		return fmt.Errorf("simulator: write %s: %w", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("simulator: write %s: %w", path, err)
	}
	return nil
}
