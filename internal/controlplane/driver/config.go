package driver

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
)

// GatewayPort is OpenClaw's default gateway port.
const GatewayPort = 18789

// ConfigOptions are what differs between where gateways run.
type ConfigOptions struct {
	// Port and Bind of the gateway (gateway.port, gateway.bind).
	Port int
	Bind string
	// Workspace is the agents' default workspace directory.
	Workspace string
	// LogFile is logging.file; empty keeps OpenClaw's default.
	LogFile string
}

// OpenClawConfig is the openclaw.json of a gateway. OpenClaw's schema is
// strict (an unknown key stops startup), so only keys of that schema are
// used; both drivers write this, and the process driver's tests start a
// real gateway on it. gateway.mode must be "local" and every model needs a
// name, or the gateway refuses to start.
func OpenClawConfig(g Gateway, o ConfigOptions) map[string]any {
	providers := map[string]any{}
	for _, p := range g.ModelProviders {
		models := make([]map[string]any, 0, len(p.Models))
		for _, m := range p.Models {
			mm := map[string]any{"id": m.ID, "name": m.ID}
			if m.ContextWindow > 0 {
				mm["contextWindow"] = m.ContextWindow
			}
			if m.MaxTokens > 0 {
				mm["maxTokens"] = m.MaxTokens
			}
			models = append(models, mm)
		}
		providers[p.ID] = map[string]any{
			"baseUrl": p.BaseURL,
			"api":     p.API,
			"models":  models,
		}
	}
	cfg := map[string]any{
		"gateway": map[string]any{
			"mode": "local",
			"port": o.Port,
			"bind": o.Bind,
			"auth": map[string]any{"mode": "token"},
		},
		"agents": map[string]any{
			"defaults": map[string]any{"workspace": o.Workspace},
		},
		"models": map[string]any{
			"mode":      "merge",
			"providers": providers,
		},
	}
	if o.LogFile != "" {
		cfg["logging"] = map[string]any{"file": o.LogFile}
	}
	return cfg
}

// WriteStateDir creates or rewrites a gateway state directory: openclaw.json,
// controlplane.json (the control plane's metadata, beside the config because
// the config's schema refuses unknown keys), a .env that names the secrets
// without their values, and the workspace files OpenClaw expects. User files
// already in workspace/ are kept.
func WriteStateDir(dir string, g Gateway, o ConfigOptions) error {
	for _, sub := range []string{"state", "credentials", "agents", "workspace/memory"} {
		if err := os.MkdirAll(filepath.Join(dir, sub), 0o700); err != nil {
			return fmt.Errorf("create state directory: %w", err)
		}
	}
	cfg, err := json.MarshalIndent(OpenClawConfig(g, o), "", "  ")
	if err != nil {
		return err
	}
	if err := WriteFileAtomic(filepath.Join(dir, "openclaw.json"), append(cfg, '\n')); err != nil {
		return err
	}
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
	if err := WriteFileAtomic(filepath.Join(dir, "controlplane.json"), append(meta, '\n')); err != nil {
		return err
	}
	names := slices.Clone(g.SecretNames)
	slices.Sort(names)
	env := "# Injected by the control plane when the gateway starts; values are never written here.\n"
	for _, n := range names {
		env += "# " + n + "\n"
	}
	if err := WriteFileAtomic(filepath.Join(dir, ".env"), []byte(env)); err != nil {
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
			return fmt.Errorf("write %s: %w", p, err)
		}
	}
	return nil
}

// WriteFileAtomic writes data to path through a rename, so a reader (the
// gateway reloading its config) never sees half a file.
func WriteFileAtomic(path string, data []byte) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, data, 0o600); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
