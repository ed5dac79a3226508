package snapshot_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/openclaw/terraform-provider-openclaw/internal/api"
	"github.com/openclaw/terraform-provider-openclaw/internal/controlplane/archive"
	"github.com/openclaw/terraform-provider-openclaw/internal/controlplane/driver/process"
	"github.com/openclaw/terraform-provider-openclaw/internal/provider/acctest"
)

// On the process driver a snapshot is a real OpenClaw backup (`openclaw
// backup create` of the running gateway) and a restore is `openclaw backup
// restore` into a fresh state directory that a new gateway starts on.
func TestAccDataSnapshot_processDriverOpenClawBackup(t *testing.T) {
	cp := acctest.StartProcess(t)
	prodName, stagingName := acctest.Name("prod"), acctest.Name("staging")
	marker := "remember this: " + prodName + "\n"
	var prodID string
	var applied time.Time
	prodHCL := fmt.Sprintf(`
resource "openclaw_environment" "prod" {
  name   = %q
  region = "eu-central"
}
`, prodName)
	full := cp.Config(prodHCL + snapshotHCL(acctest.Name("nightly"), "") + fmt.Sprintf(`
resource "openclaw_environment" "staging" {
  name         = %q
  region       = "eu-central"
  restore_from = { snapshot_id = openclaw_data_snapshot.test.id }
}
`, stagingName))

	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		CheckDestroy:             checkSnapshotsDestroyed(cp),
		Steps: []resource.TestStep{
			{
				Config: cp.Config(prodHCL),
				Check: func(s *terraform.State) error {
					prodID = s.RootModule().Resources["openclaw_environment.prod"].Primary.ID
					return nil
				},
			},
			{
				PreConfig: func() {
					dir := stateDir(cp, prodID)
					writeState(t, dir, "workspace/MEMORY.md", marker)
					writeState(t, dir, "credentials/whatsapp/creds.json", `{"session":"prod-whatsapp-session"}`)
					applied = time.Now()
				},
				Config: full,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("status"), knownvalue.StringExact(api.SnapshotAvailable)),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("format"), knownvalue.StringExact(archive.FormatOpenClawBackup)),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("created_by"), knownvalue.StringRegexp(regexp.MustCompile(`^openclaw \d{4}\.\d+\.\d+\S* backup create$`))),
					statecheck.ExpectKnownValue("openclaw_environment.staging", tfjsonpath.New("status"), knownvalue.StringExact("running")),
				},
				Check: resource.ComposeTestCheckFunc(
					func(s *terraform.State) error {
						t.Logf("snapshot and restore applied in %.1fs (snapshot of a running gateway, then a new gateway started on the restored state)", time.Since(applied).Seconds())
						return checkOpenClawBlob(t, cp, s)
					},
					func(s *terraform.State) error {
						staging := s.RootModule().Resources["openclaw_environment.staging"].Primary
						if err := checkReady(staging.Attributes["gateway_url"]); err != nil {
							return err
						}
						dir := stateDir(cp, staging.ID)
						if got, err := os.ReadFile(filepath.Join(dir, "workspace", "MEMORY.md")); err != nil || string(got) != marker {
							return fmt.Errorf("restored workspace/MEMORY.md = %q, %v; want prod's %q", got, err, marker)
						}
						if _, err := os.Stat(filepath.Join(dir, "credentials", "whatsapp")); !os.IsNotExist(err) {
							return fmt.Errorf("include_credentials = false, yet prod's credentials/whatsapp is in staging (%v)", err)
						}
						return nil
					},
					func(*terraform.State) error { return timeDriver(t, cp, prodID) },
				),
			},
			{
				Config:           full,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
			},
		},
	})
}

// checkOpenClawBlob decrypts the stored snapshot and checks that it is an
// OpenClaw backup of prod, made by the version prod runs.
func checkOpenClawBlob(t *testing.T, cp *acctest.ControlPlane, s *terraform.State) error {
	snap := s.RootModule().Resources[addr].Primary
	version := s.RootModule().Resources["openclaw_environment.prod"].Primary.Attributes["openclaw_version"]
	p := blobPath(cp, snap.ID)
	if p == "" {
		return fmt.Errorf("no blob stored for %s", snap.ID)
	}
	ctx := context.Background()
	key, err := cp.App.Server.SecretValue(ctx, snap.ID, "data_key")
	if err != nil {
		return err
	}
	var info *archive.Info
	if _, err := cp.App.Snapshots.Read(ctx, filepath.Base(p), key, func(r io.Reader) (ierr error) {
		info, ierr = archive.Inspect(ctx, r, 0)
		return ierr
	}); err != nil {
		return err
	}
	if got, err := cp.Client.GetSnapshot(ctx, snap.ID); err == nil && got.CompletedAt != nil {
		t.Logf("snapshot operation (openclaw backup create, check, encrypt, store): %.1fs", got.CompletedAt.Sub(got.CreatedAt).Seconds())
	}
	if info.Format != archive.FormatOpenClawBackup || info.Backup.RuntimeVersion != version || info.Backup.SchemaVersion != 1 || info.Files == 0 {
		return fmt.Errorf("stored archive: %s, manifest %+v, %d files; want an OpenClaw %s backup", info.Format, info.Backup, info.Files, version)
	}
	t.Logf("stored snapshot: an OpenClaw %s backup (manifest schema %d), %d state files, %d bytes uncompressed, %s bytes encrypted",
		info.Backup.RuntimeVersion, info.Backup.SchemaVersion, info.Files, info.Bytes, snap.Attributes["size_bytes"])
	return nil
}

func checkReady(url string) error {
	resp, err := http.Get(url + "/readyz")
	if err != nil {
		return fmt.Errorf("the restored gateway at %s: %w", url, err)
	}
	body, _ := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), `"ready":true`) {
		return fmt.Errorf("GET %s/readyz → %d %s", url, resp.StatusCode, body)
	}
	return nil
}

// timeDriver measures the process driver's Backup of the running prod
// gateway and a Restore of it into a scratch state directory.
func timeDriver(t *testing.T, cp *acctest.ControlPlane, prodID string) error {
	d, ok := cp.App.Server.Driver().(*process.Driver)
	if !ok {
		return fmt.Errorf("driver %T, want the process driver", cp.App.Server.Driver())
	}
	ctx := context.Background()
	start := time.Now()
	b, err := d.Backup(ctx, prodID, t.TempDir())
	if err != nil {
		return err
	}
	backup := time.Since(start)
	start = time.Now()
	if err := d.Restore(ctx, "env_timing", b.Path); err != nil {
		return err
	}
	restore := time.Since(start)
	t.Logf("process driver on a running gateway: openclaw backup create --verify %.1fs (%d bytes), openclaw backup restore %.1fs", backup.Seconds(), b.SizeBytes, restore.Seconds())
	return d.Delete(ctx, "env_timing")
}
