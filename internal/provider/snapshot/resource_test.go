package snapshot_test

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/compare"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/openclaw/terraform-provider-openclaw/internal/api"
	"github.com/openclaw/terraform-provider-openclaw/internal/client"
	"github.com/openclaw/terraform-provider-openclaw/internal/provider/acctest"
)

func TestAccDataSnapshot_lifecycle(t *testing.T) {
	cp := acctest.Start(t)
	env := acctest.Name("prod")
	name := acctest.Name("snap")
	sameID := statecheck.CompareValue(compare.ValuesSame())

	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		CheckDestroy:             checkSnapshotsDestroyed(cp),
		Steps: []resource.TestStep{
			{
				Config: cp.Config(envHCL(env, "") + snapshotHCL(name, `  retention_days = 7
  labels         = { purpose = "pre-migration" }`) + `
data "openclaw_data_snapshot" "byid" {
  id = openclaw_data_snapshot.test.id
}
`),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(addr, plancheck.ResourceActionCreate),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					sameID.AddStateValue(addr, tfjsonpath.New("id")),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("id"), knownvalue.StringRegexp(regexp.MustCompile(`^snap_[0-9a-z]{26}$`))),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("status"), knownvalue.StringExact(api.SnapshotAvailable)),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("environment_name"), knownvalue.StringExact(env)),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("openclaw_version"), knownvalue.StringExact("2026.11.4")),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("sha256"), knownvalue.StringRegexp(regexp.MustCompile(`^[0-9a-f]{64}$`))),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("retention_days"), knownvalue.Int64Exact(7)),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("expires_at"), knownvalue.NotNull()),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("locked"), knownvalue.Bool(false)),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("completed_at"), knownvalue.NotNull()),
					statecheck.ExpectKnownValue("data.openclaw_data_snapshot.byid", tfjsonpath.New("name"), knownvalue.StringExact(name)),
					statecheck.ExpectKnownValue("data.openclaw_data_snapshot.byid", tfjsonpath.New("status"), knownvalue.StringExact(api.SnapshotAvailable)),
				},
			},
			// Retention, name, description and labels change in place: the
			// same snapshot, and expires_at is known in the plan.
			{
				Config: cp.Config(envHCL(env, "") + snapshotHCL(name+"-kept", `  retention_days = 30
  description    = "kept for the audit"
  labels         = { purpose = "audit" }`)),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate),
					plancheck.ExpectKnownValue(addr, tfjsonpath.New("expires_at"), knownvalue.NotNull()),
					plancheck.ExpectKnownValue(addr, tfjsonpath.New("status"), knownvalue.StringExact(api.SnapshotAvailable)),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					sameID.AddStateValue(addr, tfjsonpath.New("id")),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("retention_days"), knownvalue.Int64Exact(30)),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("name"), knownvalue.StringExact(name+"-kept")),
				},
				Check: func(s *terraform.State) error {
					rs := s.RootModule().Resources[addr].Primary
					snap, err := cp.Client.GetSnapshot(context.Background(), rs.ID)
					if err != nil {
						return err
					}
					if want := snap.CreatedAt.Add(30 * 24 * time.Hour); snap.ExpiresAt == nil || !snap.ExpiresAt.Equal(want) || rs.Attributes["expires_at"] != want.UTC().Format(time.RFC3339) {
						return fmt.Errorf("expires_at %v (state %s), want %s", snap.ExpiresAt, rs.Attributes["expires_at"], want)
					}
					return nil
				},
			},
			// Nothing left to change.
			{
				Config: cp.Config(envHCL(env, "") + snapshotHCL(name+"-kept", `  retention_days = 30
  description    = "kept for the audit"
  labels         = { purpose = "audit" }`)),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
			},
			{
				ResourceName:            addr,
				ImportState:             true,
				ImportStateVerify:       true,
				ImportStateVerifyIgnore: []string{"timeouts"},
			},
		},
	})
}

// A blob damaged behind Terraform's back: verification marks the snapshot
// corrupt, and the next plan replaces it, saying why.
func TestAccDataSnapshot_corruptIsReplaced(t *testing.T) {
	cp := acctest.Start(t)
	acctestInProcess(t, cp)
	cfg := cp.Config(envHCL(acctest.Name("prod"), "") + snapshotHCL(acctest.Name("snap"), ""))
	var firstID string

	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		CheckDestroy:             checkSnapshotsDestroyed(cp),
		Steps: []resource.TestStep{
			{
				Config: cfg,
				Check: func(s *terraform.State) error {
					firstID = s.RootModule().Resources[addr].Primary.ID
					return nil
				},
			},
			{
				PreConfig: func() {
					p := blobPath(cp, firstID)
					raw, err := os.ReadFile(p)
					if err != nil {
						t.Fatal(err)
					}
					raw[len(raw)-10] ^= 0xff
					if err := os.WriteFile(p, raw, 0o600); err != nil {
						t.Fatal(err)
					}
					snap, err := cp.Client.VerifySnapshot(context.Background(), firstID)
					if err != nil || snap.Status != api.SnapshotCorrupt {
						t.Fatalf("verify after corruption: %+v, %v", snap, err)
					}
				},
				Config: cfg,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(addr, plancheck.ResourceActionDestroyBeforeCreate),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("status"), knownvalue.StringExact(api.SnapshotAvailable)),
				},
				Check: func(s *terraform.State) error {
					if id := s.RootModule().Resources[addr].Primary.ID; id == firstID {
						return fmt.Errorf("the corrupt snapshot %s was kept", id)
					}
					if _, err := cp.Client.GetSnapshot(context.Background(), firstID); err == nil {
						return fmt.Errorf("the corrupt snapshot %s still exists", firstID)
					}
					return nil
				},
			},
		},
	})
}

func acctestInProcess(t *testing.T, cp *acctest.ControlPlane) {
	t.Helper()
	cp.RequireInProcess(t)
}

// A locked snapshot refuses destroy with its lock's end date; once the
// lock has passed (the control plane's clock moves, nothing sleeps), it goes.
func TestAccDataSnapshot_lockedRefusesDestroy(t *testing.T) {
	var ahead atomic.Int64
	cp := acctest.Start(t, acctest.Options{Now: func() time.Time { return time.Now().UTC().Add(time.Duration(ahead.Load())) }})
	acctestInProcess(t, cp)
	env := envHCL(acctest.Name("prod"), "")
	until := time.Now().Add(72 * time.Hour).UTC().Truncate(time.Second).Format(time.RFC3339)
	locked := cp.Config(env + snapshotHCL(acctest.Name("snap"), fmt.Sprintf(`  retention_days = 30
  locked         = true
  lock_until     = %q`, until)))

	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		CheckDestroy:             checkSnapshotsDestroyed(cp),
		Steps: []resource.TestStep{
			{Config: locked},
			// Shortening the retention of a locked snapshot: refused at plan.
			{
				Config:      strings.Replace(locked, "retention_days = 30", "retention_days = 3", 1),
				ExpectError: acctest.ExpectError("cannot shorten retention while the snapshot is locked until " + until),
			},
			// Removing it from the configuration tries to delete it.
			{
				Config:      cp.Config(env),
				ExpectError: acctest.ExpectError(`locked until ` + until + ` and cannot be deleted before then`),
			},
			{
				PreConfig: func() { ahead.Store(int64(73 * time.Hour)) },
				Config:    cp.Config(env),
			},
		},
	})
}

// retain_on_destroy: destroy forgets the snapshot; it stays in the control
// plane.
func TestAccDataSnapshot_retainOnDestroy(t *testing.T) {
	cp := acctest.Start(t)
	var id string
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		CheckDestroy: func(s *terraform.State) error {
			snap, err := cp.Client.GetSnapshot(context.Background(), id)
			if err != nil {
				return fmt.Errorf("retain_on_destroy: the snapshot is gone after destroy: %w", err)
			}
			if snap.Status != api.SnapshotAvailable {
				return fmt.Errorf("retained snapshot is %s", snap.Status)
			}
			return nil
		},
		Steps: []resource.TestStep{{
			Config: cp.Config(envHCL(acctest.Name("prod"), "") + snapshotHCL(acctest.Name("keep"), `  retain_on_destroy = true`)),
			Check: func(s *terraform.State) error {
				id = s.RootModule().Resources[addr].Primary.ID
				return nil
			},
		}},
	})
}

// Staging restored from production's latest snapshot in one configuration:
// its workspace equals production's, and production's credentials stay out.
func TestAccDataSnapshot_restoreProdToStaging(t *testing.T) {
	cp := acctest.Start(t)
	acctestInProcess(t, cp)
	prodName := acctest.Name("prod")
	stagingName := acctest.Name("staging")
	var prodID string
	full := cp.Config(envHCL(prodName, "") + snapshotHCL(acctest.Name("nightly"), "") + fmt.Sprintf(`
data "openclaw_data_snapshots" "prod" {
  environment_id = openclaw_environment.prod.id
  depends_on     = [openclaw_data_snapshot.test]
}

resource "openclaw_environment" "staging" {
  name             = %q
  region           = "eu-central"
  openclaw_version = "2026.11.4"
  restore_from     = { snapshot_id = data.openclaw_data_snapshots.prod.most_recent.id }
}
`, stagingName))

	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		CheckDestroy:             checkSnapshotsDestroyed(cp),
		Steps: []resource.TestStep{
			{
				Config: cp.Config(envHCL(prodName, "")),
				Check: func(s *terraform.State) error {
					prodID = s.RootModule().Resources["openclaw_environment.prod"].Primary.ID
					return nil
				},
			},
			{
				PreConfig: func() {
					dir := stateDir(cp, prodID)
					writeState(t, dir, "credentials/whatsapp/creds.json", `{"session":"prod-whatsapp-session"}`)
					writeState(t, dir, "workspace/memory/2026-12-01.md", "what prod learned today\n")
					writeState(t, dir, "workspace/USER.md", "# User\nprefers short answers\n")
				},
				Config: full,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.CompareValuePairs("openclaw_environment.staging", tfjsonpath.New("restore_from").AtMapKey("snapshot_id"),
						addr, tfjsonpath.New("id"), compare.ValuesSame()),
					statecheck.ExpectKnownValue("openclaw_environment.staging", tfjsonpath.New("restore_from").AtMapKey("include_credentials"), knownvalue.Bool(false)),
					statecheck.ExpectKnownValue("data.openclaw_data_snapshots.prod", tfjsonpath.New("snapshots"), knownvalue.ListSizeExact(1)),
				},
				Check: func(s *terraform.State) error {
					stagingID := s.RootModule().Resources["openclaw_environment.staging"].Primary.ID
					prod, staging := stateDir(cp, prodID), stateDir(cp, stagingID)
					if err := sameTree(filepath.Join(prod, "workspace"), filepath.Join(staging, "workspace")); err != nil {
						return err
					}
					entries, _ := os.ReadDir(filepath.Join(staging, "credentials"))
					if len(entries) != 0 {
						return fmt.Errorf("staging got prod's credentials/: %v", entries)
					}
					if env, err := os.ReadFile(filepath.Join(staging, ".env")); err != nil || strings.Contains(string(env), "prod") {
						return fmt.Errorf("staging's .env: %q, %v", env, err)
					}
					return nil
				},
			},
			// Removing restore_from later changes nothing.
			{
				Config:   strings.Replace(full, "restore_from     = { snapshot_id = data.openclaw_data_snapshots.prod.most_recent.id }", "", 1),
				PlanOnly: true,
			},
		},
	})
}

// sameTree compares two directories file by file.
func sameTree(a, b string) error {
	files := map[string]string{}
	err := filepath.WalkDir(a, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(a, p)
		data, err := os.ReadFile(p)
		files[rel] = string(data)
		return err
	})
	if err != nil {
		return err
	}
	n := 0
	err = filepath.WalkDir(b, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(b, p)
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		want, ok := files[rel]
		if !ok {
			return fmt.Errorf("%s: only in the restored copy", rel)
		}
		if want != string(data) {
			return fmt.Errorf("%s differs: %q vs %q", rel, want, data)
		}
		n++
		return nil
	})
	if err == nil && n != len(files) {
		err = fmt.Errorf("the restored workspace has %d of %d files", n, len(files))
	}
	return err
}

func TestAccEnvironment_restoreOntoOlderVersionRefusedAtPlan(t *testing.T) {
	cp := acctest.Start(t)
	base := envHCL(acctest.Name("prod"), "") + snapshotHCL(acctest.Name("snap"), "")
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		CheckDestroy:             checkSnapshotsDestroyed(cp),
		Steps: []resource.TestStep{
			{Config: cp.Config(base)},
			{
				Config: cp.Config(base + fmt.Sprintf(`
resource "openclaw_environment" "old" {
  name             = %q
  region           = "eu-central"
  openclaw_version = "2026.11.3"
  restore_from     = { snapshot_id = openclaw_data_snapshot.test.id }
}
`, acctest.Name("old"))),
				PlanOnly:    true,
				ExpectError: acctest.ExpectError(`taken on OpenClaw 2026.11.4 .* forward-only`),
			},
		},
	})
}

func TestAccEnvironment_finalSnapshotOnDestroy(t *testing.T) {
	cp := acctest.Start(t)
	name := acctest.Name("final")
	var envID string
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		CheckDestroy: func(s *terraform.State) error {
			if err := cp.CheckEnvironmentsDestroyed(s); err != nil {
				return err
			}
			snaps, err := cp.Client.ListSnapshots(context.Background(), client.ListSnapshotsOptions{EnvironmentID: envID})
			if err != nil {
				return err
			}
			if len(snaps) != 1 || !strings.HasPrefix(snaps[0].Name, name+"-final-") || snaps[0].Status != api.SnapshotAvailable ||
				snaps[0].RetentionDays == nil || *snaps[0].RetentionDays != 30 || snaps[0].EnvironmentName != name {
				return fmt.Errorf("final snapshots after destroy: %+v", snaps)
			}
			return nil
		},
		Steps: []resource.TestStep{{
			Config: cp.Config(envHCL(name, `  final_snapshot = { enabled = true, retention_days = 30 }`)),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue("openclaw_environment.prod", tfjsonpath.New("final_snapshot").AtMapKey("enabled"), knownvalue.Bool(true)),
			},
			Check: func(s *terraform.State) error {
				envID = s.RootModule().Resources["openclaw_environment.prod"].Primary.ID
				return nil
			},
		}},
	})
}
