package environment_test

import (
	"context"
	"fmt"
	"regexp"
	"strings"
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
	"github.com/openclaw/terraform-provider-openclaw/internal/provider/acctest"
)

const addr = "openclaw_environment.test"

func envConfig(name, extra string) string {
	return fmt.Sprintf(`
resource "openclaw_environment" "test" {
  name   = %q
  region = "eu-central"
%s
}
`, name, extra)
}

func TestAccEnvironment_lifecycle(t *testing.T) {
	cp := acctest.Start(t)
	name := acctest.Name("life")
	renamed := acctest.Name("renamed")
	sameID := statecheck.CompareValue(compare.ValuesSame())

	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		CheckDestroy:             cp.CheckEnvironmentsDestroyed,
		Steps: []resource.TestStep{
			{
				Config: cp.Config(envConfig(name, `  labels = { team = "platform", tier = "dev" }`)),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(addr, plancheck.ResourceActionCreate),
						plancheck.ExpectUnknownValue(addr, tfjsonpath.New("openclaw_version")),
						plancheck.ExpectKnownValue(addr, tfjsonpath.New("size"), knownvalue.ObjectExact(map[string]knownvalue.Check{
							"cpus": knownvalue.Int64Exact(2), "memory_mb": knownvalue.Int64Exact(4096),
						})),
					},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					sameID.AddStateValue(addr, tfjsonpath.New("id")),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("id"), knownvalue.StringRegexp(regexp.MustCompile(`^env_[0-9a-z]{26}$`))),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("name"), knownvalue.StringExact(name)),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("status"), knownvalue.StringExact("running")),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("power_state"), knownvalue.StringExact("on")),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("openclaw_version"), knownvalue.StringExact("2026.11.3")),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("release_channel"), knownvalue.StringExact("stable")),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("state_volume_gb"), knownvalue.Int64Exact(10)),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("gateway_url"), knownvalue.StringExact("http://"+name+".eu-central.openclaw.internal:18789")),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("labels"), knownvalue.MapExact(map[string]knownvalue.Check{
						"team": knownvalue.StringExact("platform"), "tier": knownvalue.StringExact("dev"),
					})),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("secret_names"), knownvalue.SetSizeExact(0)),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("etag"), knownvalue.StringExact("1")),
				},
			},
			// Resize, relabel, stop and upgrade: all in place, same ID.
			{
				Config: cp.Config(envConfig(name, `
  openclaw_version = "2026.11.4"
  size             = { cpus = 4, memory_mb = 8192 }
  state_volume_gb  = 20
  desired_state    = "stopped"
  labels           = { team = "platform" }`)),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate),
						plancheck.ExpectKnownValue(addr, tfjsonpath.New("id"), knownvalue.NotNull()),
					},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					sameID.AddStateValue(addr, tfjsonpath.New("id")),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("size").AtMapKey("cpus"), knownvalue.Int64Exact(4)),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("size").AtMapKey("memory_mb"), knownvalue.Int64Exact(8192)),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("state_volume_gb"), knownvalue.Int64Exact(20)),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("openclaw_version"), knownvalue.StringExact("2026.11.4")),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("status"), knownvalue.StringExact("stopped")),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("power_state"), knownvalue.StringExact("off")),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("labels"), knownvalue.MapSizeExact(1)),
				},
			},
			// A labels-only change is metadata: status is known in the plan.
			{
				Config: cp.Config(envConfig(name, `
  openclaw_version = "2026.11.4"
  size             = { cpus = 4, memory_mb = 8192 }
  state_volume_gb  = 20
  desired_state    = "stopped"
  labels           = { team = "ml" }`)),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate),
						plancheck.ExpectKnownValue(addr, tfjsonpath.New("status"), knownvalue.StringExact("stopped")),
					},
				},
			},
			{
				ResourceName:            addr,
				ImportState:             true,
				ImportStateVerify:       true,
				ImportStateVerifyIgnore: []string{"timeouts"},
			},
			{
				ResourceName:    addr,
				ImportState:     true,
				ImportStateKind: resource.ImportBlockWithID,
			},
			// Import by name works too.
			{
				ResourceName:            addr,
				ImportState:             true,
				ImportStateId:           name,
				ImportStateVerify:       true,
				ImportStateVerifyIgnore: []string{"timeouts"},
			},
			// A new name is a new environment.
			{
				Config: cp.Config(envConfig(renamed, `
  openclaw_version = "2026.11.4"
  size             = { cpus = 4, memory_mb = 8192 }
  state_volume_gb  = 20
  desired_state    = "stopped"
  labels           = { team = "ml" }`)),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(addr, plancheck.ResourceActionDestroyBeforeCreate),
					},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("name"), knownvalue.StringExact(renamed)),
				},
				Check: func(s *terraform.State) error {
					_, err := cp.Client.FindEnvironmentByName(context.Background(), name)
					if err == nil {
						return fmt.Errorf("the environment under the old name %q still exists after the replacement", name)
					}
					return nil
				},
			},
		},
	})
}

func TestAccEnvironment_driftIsDetected(t *testing.T) {
	cp := acctest.Start(t)
	name := acctest.Name("drift")
	cfg := cp.Config(envConfig(name, `  size = { cpus = 2, memory_mb = 4096 }`))

	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		CheckDestroy:             cp.CheckEnvironmentsDestroyed,
		Steps: []resource.TestStep{
			{Config: cfg},
			// Resized behind Terraform's back: the plan puts it back in place.
			{
				PreConfig: func() {
					env := cp.EnvironmentByName(t, name)
					op, err := cp.Client.UpdateEnvironment(context.Background(), env.ID, env.ETag, api.EnvironmentUpdate{Size: &api.Size{CPUs: 8, MemoryMB: 16384}})
					cp.WaitFor(t, op, err)
				},
				Config: cfg,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate),
						plancheck.ExpectKnownValue(addr, tfjsonpath.New("size").AtMapKey("cpus"), knownvalue.Int64Exact(2)),
					},
				},
				Check: func(*terraform.State) error {
					if env := cp.EnvironmentByName(t, name); env.Size.CPUs != 2 {
						return fmt.Errorf("apply did not restore the size: API says %d cpus", env.Size.CPUs)
					}
					return nil
				},
			},
			// Deleted behind Terraform's back: the plan creates it again.
			{
				PreConfig: func() {
					env := cp.EnvironmentByName(t, name)
					op, err := cp.Client.DeleteEnvironment(context.Background(), env.ID, "")
					cp.WaitFor(t, op, err)
				},
				Config: cfg,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(addr, plancheck.ResourceActionCreate),
					},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("status"), knownvalue.StringExact("running")),
				},
			},
		},
	})
}

func TestAccEnvironment_planTimeValidation(t *testing.T) {
	cp := acctest.Start(t)
	name := acctest.Name("valid")
	cases := []struct {
		config string
		want   string
	}{
		{envConfig("Bad_Name", ""), `Invalid name.*"Bad_Name" is not a DNS label.*such as "bad-name"`},
		{envConfig(strings.Repeat("a", 41), ""), `Invalid name.*is 41 characters long; a name is at most 40`},
		{envConfig(name, `  timeouts = { create = "forever" }`), `Invalid timeouts.create.*"forever" is not a duration`},
		{envConfig(name, `  timeouts = { delete = "-5m" }`), `Invalid timeouts.delete.*-5m is out of range: it must be between 1s and 168h0m0s`},
		{strings.Replace(envConfig(name, ""), "eu-central", "mars-north", 1), `Unknown region.*no region "mars-north".*eu-central`},
		{strings.Replace(envConfig(name, ""), "eu-central", "sa-east", 1), `Region not accepting new environments`},
		{envConfig(name, `  size = { cpus = 2, memory_mb = 1000 }`), `Invalid size.memory_mb.*1000 is below the minimum of 1024: use 1024 or more, in steps of 256`},
		{envConfig(name, `  size = { cpus = 2, memory_mb = 4000 }`), `4000 is not a multiple of 256; the nearest valid values are 3840 and 4096`},
		{envConfig(name, `  size = { cpus = 65 }`), `size.cpus value must be between 1 and 64`},
		{envConfig(name, `  openclaw_version = "2026.13.1"`), `not an OpenClaw version`},
		{envConfig(name, `  openclaw_version = "2026.12.0-beta.2"`), `Beta version on a non-beta channel.*release_channel = "beta"`},
		{envConfig(name, `  desired_state = "paused"`), `desired_state value must be one of`},
		{envConfig(name, `  labels = { "Bad Key" = "x" }`), `label keys are 1-63 characters`},
		{envConfig(name, `  secrets_wo = { lower = "x" }
  secrets_wo_version = 1`), `secret names are environment variable names`},
		{envConfig(name, `  secrets_wo = { OPENAI_API_KEY = "x" }`), `secrets_wo_version.*must be specified`},
	}
	steps := make([]resource.TestStep, 0, len(cases))
	for _, c := range cases {
		steps = append(steps, resource.TestStep{
			Config:      cp.Config(c.config),
			PlanOnly:    true,
			ExpectError: acctest.ExpectError(c.want),
		})
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		Steps:                    steps,
	})
}

func TestAccEnvironment_forwardOnlyChanges(t *testing.T) {
	cp := acctest.Start(t)
	name := acctest.Name("forward")
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		CheckDestroy:             cp.CheckEnvironmentsDestroyed,
		Steps: []resource.TestStep{
			{Config: cp.Config(envConfig(name, `
  openclaw_version = "2026.11.3"
  state_volume_gb  = 50`))},
			{
				Config: cp.Config(envConfig(name, `
  openclaw_version = "2026.10.1"
  state_volume_gb  = 50`)),
				PlanOnly:    true,
				ExpectError: acctest.ExpectError(`OpenClaw version cannot go back.*forward-only`),
			},
			{
				Config: cp.Config(envConfig(name, `
  openclaw_version = "2026.11.3"
  state_volume_gb  = 20`)),
				PlanOnly:    true,
				ExpectError: acctest.ExpectError(`State volume cannot shrink.*50 GB → 20 GB`),
			},
		},
	})
}

func TestAccEnvironment_duplicateNameSurfacesConflict(t *testing.T) {
	cp := acctest.Start(t)
	name := acctest.Name("dup")
	op, err := cp.Client.CreateEnvironment(context.Background(), api.EnvironmentCreate{Name: name, Region: "us-east"})
	cp.WaitFor(t, op, err)
	t.Cleanup(func() {
		op, err := cp.Client.DeleteEnvironment(context.Background(), op.TargetID, "")
		cp.WaitFor(t, op, err)
	})

	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config:      cp.Config(envConfig(name, "")),
				ExpectError: acctest.ExpectError(`Could not create environment.*name.*already exists \(id ` + op.TargetID + `\); choose another name or import it`),
			},
		},
	})
}

func TestAccEnvironment_createTimeoutKeepsID(t *testing.T) {
	cp := acctest.Start(t, acctest.Options{SimDelay: 2 * time.Second})
	cp.RequireInProcess(t)
	name := acctest.Name("slow")
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		CheckDestroy:             cp.CheckEnvironmentsDestroyed,
		Steps: []resource.TestStep{
			{
				Config:      cp.Config(envConfig(name, `  timeouts = { create = "1s" }`)),
				ExpectError: acctest.ExpectError(`Timed out waiting for the control plane.*create environment.*timeouts`),
			},
			// The ID was saved before waiting: Terraform knows the (tainted)
			// environment and replaces it rather than creating a duplicate.
			{
				Config: cp.Config(envConfig(name, `  timeouts = { create = "1m" }`)),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(addr, plancheck.ResourceActionDestroyBeforeCreate),
					},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("status"), knownvalue.StringExact("running")),
				},
			},
		},
	})
}

func TestAccEnvironment_secretsAreWriteOnly(t *testing.T) {
	cp := acctest.Start(t)
	name := acctest.Name("secrets")
	const first, second = "sk-ant-first-7f3c9a1e5b", "sk-ant-second-2d8e6f4a0c"
	secretsCfg := func(value string, version int) string {
		return cp.Config(envConfig(name, fmt.Sprintf(`
  secrets_wo         = { ANTHROPIC_API_KEY = %q, OPENAI_API_KEY = "sk-openai-0a1b2c3d" }
  secrets_wo_version = %d`, value, version)))
	}
	serverHolds := func(want string) resource.TestCheckFunc {
		return func(s *terraform.State) error {
			for _, rs := range s.RootModule().Resources {
				for k, v := range rs.Primary.Attributes {
					if strings.Contains(v, "sk-ant-") || strings.Contains(v, "sk-openai-") {
						return fmt.Errorf("state attribute %s holds a secret value", k)
					}
				}
			}
			if cp.App == nil {
				return nil // external control plane: values cannot be read back
			}
			env := cp.EnvironmentByName(t, name)
			got, err := cp.App.Server.SecretValue(context.Background(), env.ID, "ANTHROPIC_API_KEY")
			if err != nil {
				return err
			}
			if got != want {
				return fmt.Errorf("control plane holds %q, want %q", got, want)
			}
			return nil
		}
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		CheckDestroy:             cp.CheckEnvironmentsDestroyed,
		Steps: []resource.TestStep{
			{
				Config: secretsCfg(first, 1),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("secrets_wo"), knownvalue.Null()),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("secrets_wo_version"), knownvalue.Int64Exact(1)),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("secret_names"), knownvalue.SetExact([]knownvalue.Check{
						knownvalue.StringExact("ANTHROPIC_API_KEY"), knownvalue.StringExact("OPENAI_API_KEY"),
					})),
				},
				Check: serverHolds(first),
			},
			// A new value without a new version is invisible to Terraform.
			{
				Config: secretsCfg(second, 1),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: serverHolds(first),
			},
			// Bumping the version sends the secrets again, in place.
			{
				Config: secretsCfg(second, 2),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate)},
				},
				Check: serverHolds(second),
			},
		},
	})
}

func TestAccEnvironment_deletionProtection(t *testing.T) {
	cp := acctest.Start(t)
	name := acctest.Name("protected")
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		CheckDestroy:             cp.CheckEnvironmentsDestroyed,
		Steps: []resource.TestStep{
			{Config: cp.Config(envConfig(name, `  deletion_protection = true`))},
			{
				Config:      cp.Config(envConfig(name, `  deletion_protection = true`)),
				Destroy:     true,
				ExpectError: acctest.ExpectError(`deletion_protection.*set deletion_protection to false first`),
			},
			{
				Config: cp.Config(envConfig(name, `  deletion_protection = false`)),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate),
						plancheck.ExpectKnownValue(addr, tfjsonpath.New("status"), knownvalue.StringExact("running")),
					},
				},
			},
		},
	})
}

func TestAccEnvironment_failedProvisioningIsRetried(t *testing.T) {
	cp := acctest.Start(t)
	cp.RequireInProcess(t)
	name := acctest.Name("flaky")
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		CheckDestroy:             cp.CheckEnvironmentsDestroyed,
		Steps: []resource.TestStep{
			{
				Config:      cp.Config(envConfig(name, `  labels = { "simulator.openclaw.dev/fail" = "create" }`)),
				ExpectError: acctest.ExpectError(`Could not create environment.*failed to create: simulator: injected failure`),
			},
			{
				Config: cp.Config(envConfig(name, "")),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(addr, plancheck.ResourceActionDestroyBeforeCreate)},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("status"), knownvalue.StringExact("running")),
				},
			},
		},
	})
}

func TestAccEnvironment_failedUpdateIsRetried(t *testing.T) {
	cp := acctest.Start(t)
	cp.RequireInProcess(t)
	name := acctest.Name("retry")
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		CheckDestroy:             cp.CheckEnvironmentsDestroyed,
		Steps: []resource.TestStep{
			{Config: cp.Config(envConfig(name, `  labels = { "simulator.openclaw.dev/fail" = "update" }`))},
			{
				Config: cp.Config(envConfig(name, `  labels = { "simulator.openclaw.dev/fail" = "update" }
  size = { cpus = 4, memory_mb = 8192 }`)),
				ExpectError: acctest.ExpectError(`Could not update environment.*failed to update: simulator: injected failure.*marked failed, apply again to retry`),
			},
			// The control plane took the new size but the environment failed:
			// the next apply retries (here with the fault removed).
			{
				Config: cp.Config(envConfig(name, `  size = { cpus = 4, memory_mb = 8192 }`)),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate),
						plancheck.ExpectUnknownValue(addr, tfjsonpath.New("status")),
					},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("status"), knownvalue.StringExact("running")),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("size").AtMapKey("cpus"), knownvalue.Int64Exact(4)),
				},
			},
		},
	})
}
