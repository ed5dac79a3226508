package process

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/openclaw/terraform-provider-openclaw/internal/controlplane/driver"
)

// Backup runs `openclaw backup create --output DIR --verify --json` on the
// gateway's state directory: OpenClaw's own backup, safe while the gateway
// runs (it uses SQLite's online backup, never copies live files).
func (d *Driver) Backup(ctx context.Context, id, dir string) (driver.Backup, error) {
	bin, version, err := d.toolFor(id)
	if err != nil {
		return driver.Backup{}, err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return driver.Backup{}, err
	}
	var out struct {
		ArchivePath string `json:"archivePath"`
		Verified    bool   `json:"verified"`
	}
	if err := d.runTool(ctx, bin, id, &out, "backup", "create", "--output", dir, "--verify", "--json"); err != nil {
		return driver.Backup{}, err
	}
	if out.ArchivePath == "" || !out.Verified {
		return driver.Backup{}, fmt.Errorf("openclaw %s backup create did not report a verified archive", version)
	}
	f, err := os.Open(out.ArchivePath)
	if err != nil {
		return driver.Backup{}, err
	}
	defer f.Close() //nolint:errcheck // read-only
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return driver.Backup{}, err
	}
	return driver.Backup{Path: out.ArchivePath, SizeBytes: n, SHA256: hex.EncodeToString(h.Sum(nil)), Tool: "openclaw " + version + " backup create"}, nil
}

// Restore runs `openclaw backup restore ARCHIVE --target STAGING` (which
// verifies the archive and refuses a non-empty target), then moves the
// archived state directory into place as the state directory of id, which
// must not exist. The gateway is not started: that is Start.
func (d *Driver) Restore(ctx context.Context, id, archive string) error {
	dst := d.StateDir(id)
	if _, err := os.Stat(dst); err == nil {
		return fmt.Errorf("process driver: %s: %w", dst, driver.ErrStateExists)
	}
	bin := d.installs[0].bin
	staging := filepath.Join(d.cfg.DataDir, "gateways", id+".restoring")
	if err := os.RemoveAll(staging); err != nil {
		return err
	}
	defer os.RemoveAll(staging) //nolint:errcheck // best effort
	var out struct {
		OK          bool   `json:"ok"`
		ArchiveRoot string `json:"archiveRoot"`
	}
	if err := d.runTool(ctx, bin, "", &out, "backup", "restore", archive, "--target", staging, "--json"); err != nil {
		return err
	}
	var manifest struct {
		Assets []struct {
			Kind        string `json:"kind"`
			ArchivePath string `json:"archivePath"`
		} `json:"assets"`
	}
	b, err := os.ReadFile(filepath.Join(staging, out.ArchiveRoot, "manifest.json"))
	if err != nil {
		return fmt.Errorf("process driver: restored archive has no manifest: %w", err)
	}
	if err := json.Unmarshal(b, &manifest); err != nil {
		return fmt.Errorf("process driver: restored manifest: %w", err)
	}
	for _, a := range manifest.Assets {
		if a.Kind != "state" {
			continue
		}
		src := filepath.Join(staging, filepath.FromSlash(a.ArchivePath))
		if !strings.HasPrefix(src, staging+string(filepath.Separator)) {
			return fmt.Errorf("process driver: archive path %q escapes the staging directory", a.ArchivePath)
		}
		return os.Rename(src, dst)
	}
	return errors.New("process driver: the archive holds no state directory")
}

// toolFor is the openclaw of the version that last ran the gateway.
func (d *Driver) toolFor(id string) (bin, version string, err error) {
	d.mu.Lock()
	gw := d.gws[id]
	version = d.installs[0].version
	if gw != nil && gw.spec.OpenClawVersion != "" {
		version = gw.spec.OpenClawVersion
	}
	d.mu.Unlock()
	if _, err := os.Stat(d.StateDir(id)); err != nil {
		return "", "", fmt.Errorf("process driver: no state directory for %s: %w", id, err)
	}
	bin, err = d.binFor(version)
	return bin, version, err
}

// runTool runs an openclaw command (on gateway id's state directory when id
// is set) and decodes its JSON output.
func (d *Driver) runTool(ctx context.Context, bin, id string, out any, args ...string) error {
	cmd := exec.CommandContext(ctx, bin, args...) //nolint:gosec // bin is an installed openclaw
	env := baseEnv()
	if id != "" {
		dir := d.StateDir(id)
		env = append(env, "OPENCLAW_STATE_DIR="+dir, "OPENCLAW_CONFIG_PATH="+filepath.Join(dir, "openclaw.json"))
	}
	cmd.Env = env
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("openclaw %s: %w: %s", strings.Join(args[:2], " "), err, lastLines(stderr.String(), 5))
	}
	if err := json.Unmarshal(stdout.Bytes(), out); err != nil {
		return fmt.Errorf("openclaw %s printed no JSON: %w: %s", strings.Join(args[:2], " "), err, lastLines(stdout.String(), 5))
	}
	return nil
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, " | ")
}
