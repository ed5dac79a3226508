package snapshot_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/openclaw/terraform-provider-openclaw/internal/client"
	"github.com/openclaw/terraform-provider-openclaw/internal/provider/acctest"
)

const addr = "openclaw_data_snapshot.test"

// envHCL is an environment named name, resource label "prod".
func envHCL(name, extra string) string {
	return fmt.Sprintf(`
resource "openclaw_environment" "prod" {
  name             = %q
  region           = "eu-central"
  openclaw_version = "2026.11.4"
%s
}
`, name, extra)
}

// snapshotHCL is a snapshot of openclaw_environment.prod.
func snapshotHCL(name, extra string) string {
	return fmt.Sprintf(`
resource "openclaw_data_snapshot" "test" {
  environment_id = openclaw_environment.prod.id
  name           = %q
%s
}
`, name, extra)
}

// checkSnapshotsDestroyed asserts the final state's snapshots are gone.
func checkSnapshotsDestroyed(cp *acctest.ControlPlane) func(*terraform.State) error {
	return func(s *terraform.State) error {
		if err := cp.CheckEnvironmentsDestroyed(s); err != nil {
			return err
		}
		return cp.CheckDestroyed("openclaw_data_snapshot", func(ctx context.Context, c *client.Client, id string) error {
			_, err := c.GetSnapshot(ctx, id)
			return err
		})(s)
	}
}

// stateDir is an in-process environment's state directory.
func stateDir(cp *acctest.ControlPlane, envID string) string {
	return filepath.Join(cp.DataDir, "environments", envID)
}

func writeState(t *testing.T, dir, rel, content string) {
	t.Helper()
	p := filepath.Join(dir, filepath.FromSlash(rel))
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

// blobPath is where the default file:// store keeps a snapshot's archive.
func blobPath(cp *acctest.ControlPlane, id string) string {
	m, _ := filepath.Glob(filepath.Join(cp.DataDir, "snapshots", id+"-*.tar.gz.age"))
	if len(m) != 1 {
		return ""
	}
	return m[0]
}
