package schedule_test

import (
	"context"
	"errors"
	"fmt"
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
	"github.com/openclaw/terraform-provider-openclaw/internal/controlplane/server"
	"github.com/openclaw/terraform-provider-openclaw/internal/provider/acctest"
)

const sched = "openclaw_shutdown_schedule.test"

// at parses an RFC 3339 time.
func at(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

// startAt starts a control plane on a --sim-clock clock reading now: real
// time moved by an offset, so its operations keep running while a test
// jumps across a schedule's edges.
func startAt(t *testing.T, now string) (*acctest.ControlPlane, *server.SimClock) {
	t.Helper()
	clk := server.NewSimClock()
	clk.Set(at(now))
	cp := acctest.Start(t, acctest.Options{Now: clk.Now})
	cp.RequireInProcess(t)
	return cp, clk
}

func envHCL(name string) string {
	return fmt.Sprintf(`
resource "openclaw_environment" "test" {
  name   = %q
  region = "us-east"
}
`, name)
}

func scheduleHCL(body string) string {
	return `
resource "openclaw_shutdown_schedule" "test" {
  name           = "office-hours"
  environment_id = openclaw_environment.test.id
` + body + `
}
`
}

const weekdayWindows = `
  time_zone = "Europe/Berlin"
  windows = [
    { days = ["mon", "tue", "wed", "thu", "fri"], start = "08:00", stop = "19:00" },
  ]
`

func checkDestroyed(cp *acctest.ControlPlane) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		if err := cp.CheckDestroyed("openclaw_shutdown_schedule", func(ctx context.Context, c *client.Client, id string) error {
			_, err := c.GetShutdownSchedule(ctx, id)
			return err
		})(s); err != nil {
			return err
		}
		return cp.CheckEnvironmentsDestroyed(s)
	}
}

func TestAccShutdownSchedule_lifecycle(t *testing.T) {
	cp, _ := startAt(t, "2026-12-07T10:00:00Z") // Monday 11:00 in Berlin
	env := acctest.Name("sched")
	sameID := statecheck.CompareValue(compare.ValuesSame())
	withExceptions := weekdayWindows + `
  exceptions = [
    { from = "2026-12-24", until = "2026-12-26", state = "stopped", reason = "holidays" },
  ]
`
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		CheckDestroy:             checkDestroyed(cp),
		Steps: []resource.TestStep{
			{
				Config: cp.Config(envHCL(env) + scheduleHCL(withExceptions)),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(sched, plancheck.ResourceActionCreate),
						// Known before apply: the provider computes it.
						plancheck.ExpectKnownValue(sched, tfjsonpath.New("running_hours_per_week"), knownvalue.Float64Exact(55)),
						plancheck.ExpectUnknownValue(sched, tfjsonpath.New("estimated_monthly_savings")),
					},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					sameID.AddStateValue(sched, tfjsonpath.New("id")),
					statecheck.ExpectKnownValue(sched, tfjsonpath.New("running_hours_per_week"), knownvalue.Float64Exact(55)),
					statecheck.ExpectKnownValue(sched, tfjsonpath.New("power_now"), knownvalue.StringExact("running")),
					statecheck.ExpectKnownValue(sched, tfjsonpath.New("enforcement"), knownvalue.StringExact("transitions")),
					statecheck.ExpectKnownValue(sched, tfjsonpath.New("drain_timeout"), knownvalue.StringExact("5m")),
					statecheck.ExpectKnownValue(sched, tfjsonpath.New("next_transitions").AtSliceIndex(0), knownvalue.ObjectExact(map[string]knownvalue.Check{
						"at": knownvalue.StringExact("2026-12-07T18:00:00Z"), "action": knownvalue.StringExact("stop"),
					})),
					statecheck.ExpectKnownValue(sched, tfjsonpath.New("estimated_monthly_savings"), knownvalue.NotNull()),
					statecheck.ExpectKnownValue(sched, tfjsonpath.New("start_cron"), knownvalue.Null()),
				},
			},
			// Nothing moves on refresh.
			{
				Config: cp.Config(envHCL(env) + scheduleHCL(withExceptions)),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
			},
			// To the cron form, continuous: in place, hours in the plan.
			{
				Config: cp.Config(envHCL(env) + scheduleHCL(`
  time_zone   = "America/New_York"
  start_cron  = "0 8 * * 1-5"
  stop_cron   = "0 18 * * 1-5"
  enforcement = "continuous"
  description = "staging, New York office hours"
`)),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(sched, plancheck.ResourceActionUpdate),
						plancheck.ExpectKnownValue(sched, tfjsonpath.New("running_hours_per_week"), knownvalue.Float64Exact(50)),
					},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					sameID.AddStateValue(sched, tfjsonpath.New("id")),
					statecheck.ExpectKnownValue(sched, tfjsonpath.New("windows"), knownvalue.Null()),
					statecheck.ExpectKnownValue(sched, tfjsonpath.New("exceptions"), knownvalue.Null()),
					statecheck.ExpectKnownValue(sched, tfjsonpath.New("enforcement"), knownvalue.StringExact("continuous")),
				},
			},
			{
				ResourceName: sched, ImportState: true, ImportStateVerify: true,
				ImportStateVerifyIgnore: []string{"timeouts", "last_run", "next_transitions", "power_now"},
			},
			// By the environment's ID too.
			{
				ResourceName: sched, ImportState: true, ImportStateVerify: true,
				ImportStateIdFunc: func(s *terraform.State) (string, error) {
					return s.RootModule().Resources["openclaw_environment.test"].Primary.ID, nil
				},
				ImportStateVerifyIgnore: []string{"timeouts", "last_run", "next_transitions", "power_now"},
			},
			// Only environment_id replaces.
			{
				Config: cp.Config(envHCL(env) + `
resource "openclaw_environment" "other" {
  name   = "` + env + `-b"
  region = "us-east"
}
resource "openclaw_shutdown_schedule" "test" {
  name           = "renamed"
  environment_id = openclaw_environment.other.id
  time_zone      = "UTC"
  stop_cron      = "0 19 * * *"
}
`),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(sched, plancheck.ResourceActionDestroyBeforeCreate),
						plancheck.ExpectKnownValue(sched, tfjsonpath.New("running_hours_per_week"), knownvalue.Float64Exact(0)),
					},
				},
			},
		},
	})
}

// A stop by the scheduler changes power, not configuration: the next plan
// is empty, and state shows the environment off and its pool at zero.
func TestAccShutdownSchedule_scheduledStopLeavesEmptyPlan(t *testing.T) {
	cp, clk := startAt(t, "2026-12-07T18:59:00Z") // Monday, a minute before 19:00 UTC
	env := acctest.Name("nightly")
	config := cp.Config(envHCL(env) + `
resource "openclaw_gpu_pool" "test" {
  name           = "inference"
  environment_id = openclaw_environment.test.id
  provider_id    = "local-llm"
  backend        = "vllm"
  gpu_type       = "nvidia-l4"
  node_count     = 1
}
` + scheduleHCL(`
  time_zone = "UTC"
  windows   = [{ days = ["mon", "tue", "wed", "thu", "fri"], start = "08:00", stop = "19:00" }]
`))
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		CheckDestroy:             checkDestroyed(cp),
		Steps: []resource.TestStep{
			{
				Config: config,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("openclaw_environment.test", tfjsonpath.New("power_state"), knownvalue.StringExact("on")),
				},
			},
			{
				PreConfig: func() {
					clk.Set(at("2026-12-07T19:00:05Z"))
					waitForPower(t, cp, env, api.PowerOff)
				},
				Config: config,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("openclaw_environment.test", tfjsonpath.New("power_state"), knownvalue.StringExact("off")),
					statecheck.ExpectKnownValue("openclaw_environment.test", tfjsonpath.New("desired_state"), knownvalue.StringExact("running")),
					statecheck.ExpectKnownValue("openclaw_gpu_pool.test", tfjsonpath.New("current_nodes"), knownvalue.Int64Exact(0)),
					statecheck.ExpectKnownValue("openclaw_gpu_pool.test", tfjsonpath.New("node_count"), knownvalue.Int64Exact(1)),
					statecheck.ExpectKnownValue(sched, tfjsonpath.New("last_run").AtMapKey("action"), knownvalue.StringExact("stop")),
					statecheck.ExpectKnownValue(sched, tfjsonpath.New("power_now"), knownvalue.StringExact("stopped")),
				},
			},
			{
				PreConfig: func() {
					clk.Set(at("2026-12-08T08:00:05Z"))
					waitForPower(t, cp, env, api.PowerOn)
				},
				Config: config,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("openclaw_gpu_pool.test", tfjsonpath.New("current_nodes"), knownvalue.Int64Exact(1)),
				},
			},
		},
	})
}

// waitForPower runs the scheduler until the environment's power state is want
// and nothing is in flight.
func waitForPower(t *testing.T, cp *acctest.ControlPlane, name, want string) {
	t.Helper()
	var e *api.Environment
	err := acctest.Poll(30*time.Second, 50*time.Millisecond, func() (bool, error) {
		if err := cp.App.Server.RunSchedules(context.Background()); err != nil {
			return false, err
		}
		e = cp.EnvironmentByName(t, name)
		return e.PowerState == want && (e.Status == api.EnvStatusRunning || e.Status == api.EnvStatusStopped), nil
	})
	if errors.Is(err, acctest.ErrPollTimeout) {
		t.Fatalf("environment %s is %s/%s, want power %s", name, e.Status, e.PowerState, want)
	}
	if err != nil {
		t.Fatal(err)
	}
}

func TestAccShutdownSchedule_invalidInputs(t *testing.T) {
	cp := acctest.Start(t)
	cases := []struct{ body, err string }{
		{`time_zone = "Europe/Berlinn"
  windows = [{ days = ["mon"], start = "08:00", stop = "19:00" }]`, `time_zone unknown time zone "Europe/Berlinn"`},
		{`time_zone = "UTC+2"
  windows = [{ days = ["mon"], start = "08:00", stop = "19:00" }]`, `fixed UTC offset`},
		{`time_zone = "UTC"
  windows = [{ days = ["mon"], start = "8:00", stop = "19:00" }]`, `windows\[0\].start must be a 24-hour time HH:MM with two-digit hours`},
		{`time_zone = "UTC"
  windows = [{ days = ["mon"], start = "08:00", stop = "24:30" }]`, `windows\[0\].stop must be a 24-hour time`},
		{`time_zone = "UTC"
  windows = [{ days = ["monday"], start = "08:00", stop = "19:00" }]`, `windows\[0\].days\[0\] must be one of mon, tue`},
		{`time_zone = "UTC"
  windows = [{ days = [], start = "08:00", stop = "19:00" }]`, `windows\[0\].days list must contain at least 1`},
		{`time_zone = "UTC"
  windows = [{ days = ["mon"], start = "08:00", stop = "19:00" }]
  stop_cron = "0 19 * * *"`, `windows windows and start_cron/stop_cron are mutually exclusive`},
		{`time_zone = "UTC"`, `set windows \(running hours\) or start_cron/stop_cron`},
		{`time_zone = "UTC"
  stop_cron = "0 25 * * *"`, `stop_cron is not a 5-field cron expression`},
		{`time_zone = "UTC"
  windows = [{ days = ["mon"], start = "08:00", stop = "19:00" }]
  exceptions = [{ from = "2026-12-26", until = "2026-12-24", state = "stopped" }]`, `exceptions\[0\].until must not be before from`},
	}
	var steps []resource.TestStep
	for _, tc := range cases {
		steps = append(steps, resource.TestStep{
			Config: cp.Config(`
resource "openclaw_shutdown_schedule" "test" {
  name           = "bad"
  environment_id = "env_00000000000000000000000000"
  ` + tc.body + `
}
`),
			PlanOnly:    true,
			ExpectError: acctest.ExpectError(tc.err),
		})
	}
	// The function refuses what the resource refuses, naming the window.
	steps = append(steps, resource.TestStep{
		Config:      cp.Config(`output "x" { value = provider::openclaw::schedule_hours_per_week([{ days = ["mon"], start = "8:00", stop = "19:00" }]) }`),
		PlanOnly:    true,
		ExpectError: acctest.ExpectError(`windows\[0\].start: must be a 24-hour time`),
	})
	resource.ParallelTest(t, resource.TestCase{ProtoV6ProviderFactories: acctest.ProviderFactories, Steps: steps})
}

func TestAccShutdownSchedule_dataSourceAndFunction(t *testing.T) {
	cp, _ := startAt(t, "2026-12-07T10:00:00Z")
	env := acctest.Name("sched-ds")
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		CheckDestroy:             checkDestroyed(cp),
		Steps: []resource.TestStep{
			{
				Config: cp.Config(envHCL(env) + scheduleHCL(weekdayWindows) + `
data "openclaw_shutdown_schedule" "by_env" {
  environment_id = openclaw_shutdown_schedule.test.environment_id
}
data "openclaw_shutdown_schedule" "by_id" {
  id = openclaw_shutdown_schedule.test.id
}
locals {
  windows = [
    { days = ["mon", "tue", "wed", "thu", "fri"], start = "08:00", stop = "19:00" },
    { days = ["fri"], start = "18:00", stop = "02:00" },
  ]
}
output "hours" {
  value = provider::openclaw::schedule_hours_per_week(local.windows)
  precondition {
    condition     = provider::openclaw::schedule_hours_per_week(local.windows) <= 70
    error_message = "staging must not run more than 70 hours a week"
  }
}
output "same_as_resource" {
  value = provider::openclaw::schedule_hours_per_week(openclaw_shutdown_schedule.test.windows) == openclaw_shutdown_schedule.test.running_hours_per_week
}
`),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("data.openclaw_shutdown_schedule.by_env", tfjsonpath.New("running_hours_per_week"), knownvalue.Float64Exact(55)),
					statecheck.ExpectKnownValue("data.openclaw_shutdown_schedule.by_env", tfjsonpath.New("time_zone"), knownvalue.StringExact("Europe/Berlin")),
					statecheck.ExpectKnownValue("data.openclaw_shutdown_schedule.by_env", tfjsonpath.New("windows").AtSliceIndex(0).AtMapKey("stop"), knownvalue.StringExact("19:00")),
					statecheck.ExpectKnownValue("data.openclaw_shutdown_schedule.by_id", tfjsonpath.New("power_now"), knownvalue.StringExact("running")),
					statecheck.ExpectKnownValue("data.openclaw_shutdown_schedule.by_id", tfjsonpath.New("estimated_monthly_savings"), knownvalue.NotNull()),
					// 55 on weekdays, plus Friday 19:00-02:00 beyond the merged hour.
					statecheck.ExpectKnownOutputValue("hours", knownvalue.Float64Exact(62)),
					statecheck.ExpectKnownOutputValue("same_as_resource", knownvalue.Bool(true)),
				},
			},
		},
	})
}
