package gpupool_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/compare"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/openclaw/terraform-provider-openclaw/internal/client"
	"github.com/openclaw/terraform-provider-openclaw/internal/provider/acctest"
)

const pool = "openclaw_gpu_pool.test"

// envHCL is an environment in eu-central, where an L4 costs $0.864 on
// demand and H200 spot is sold out.
func envHCL(name string) string {
	return fmt.Sprintf(`
resource "openclaw_environment" "test" {
  name   = %q
  region = "eu-central"
}
`, name)
}

func poolHCL(providerID, body string) string {
	return fmt.Sprintf(`
resource "openclaw_gpu_pool" "test" {
  name           = "inference"
  environment_id = openclaw_environment.test.id
  provider_id    = %q
%s
}
`, providerID, body)
}

func checkPoolsDestroyed(cp *acctest.ControlPlane) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		if err := cp.CheckDestroyed("openclaw_gpu_pool", func(ctx context.Context, c *client.Client, id string) error {
			_, err := c.GetGPUPool(ctx, id)
			return err
		})(s); err != nil {
			return err
		}
		return cp.CheckEnvironmentsDestroyed(s)
	}
}

func TestAccGPUPool_lifecycle(t *testing.T) {
	cp := acctest.Start(t)
	env := acctest.Name("gpu")
	sameID := statecheck.CompareValue(compare.ValuesSame())
	base := `
  backend  = "vllm"
  gpu_type = "nvidia-l4"
  models = [
    { id = "meta-llama/Llama-3.1-8B-Instruct", context_window = 131072, max_tokens = 8192 },
  ]
  labels = { team = "ml" }
`
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		CheckDestroy:             checkPoolsDestroyed(cp),
		Steps: []resource.TestStep{
			// The estimate is in the plan: 2 L4 at their highest regional
			// price, $0.896 (the environment's region is not known yet).
			{
				Config: cp.Config(envHCL(env) + poolHCL("local-llama", base+"  node_count = 2")),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(pool, plancheck.ResourceActionCreate),
						plancheck.ExpectKnownValue(pool, tfjsonpath.New("hourly_cost_estimate"), knownvalue.Float64Exact(1.792)),
						plancheck.ExpectKnownValue(pool, tfjsonpath.New("current_nodes"), knownvalue.Int64Exact(2)),
					},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					sameID.AddStateValue(pool, tfjsonpath.New("id")),
					statecheck.ExpectKnownValue(pool, tfjsonpath.New("status"), knownvalue.StringExact("running")),
					statecheck.ExpectKnownValue(pool, tfjsonpath.New("current_nodes"), knownvalue.Int64Exact(2)),
					statecheck.ExpectKnownValue(pool, tfjsonpath.New("effective_gpu_type"), knownvalue.StringExact("nvidia-l4")),
					statecheck.ExpectKnownValue(pool, tfjsonpath.New("effective_capacity_type"), knownvalue.StringExact("on_demand")),
					statecheck.ExpectKnownValue(pool, tfjsonpath.New("base_url"), knownvalue.StringRegexp(regexp.MustCompile(`^http://inference\.`+env+`\.eu-central\.gpu\.openclaw\.internal:8000/v1$`))),
					statecheck.ExpectKnownValue(pool, tfjsonpath.New("hourly_cost"), knownvalue.Float64Exact(1.728)),
					statecheck.ExpectKnownValue(pool, tfjsonpath.New("models").AtSliceIndex(0).AtMapKey("max_tokens"), knownvalue.Int64Exact(8192)),
				},
				Check: gatewayHasProvider(cp, env, "local-llama", "/v1"),
			},
			// The estimate does not move on refresh: outputs stay quiet.
			{
				Config: cp.Config(envHCL(env) + poolHCL("local-llama", base+"  node_count = 2")),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(pool, tfjsonpath.New("hourly_cost_estimate"), knownvalue.Float64Exact(1.792)),
				},
			},
			// Labels only: metadata, so status, nodes and cost are known in
			// the plan, as for environments.
			{
				Config: cp.Config(envHCL(env) + poolHCL("local-llama", strings.Replace(base, `labels = { team = "ml" }`, `labels = { team = "ml", tier = "gold" }`, 1)+"  node_count = 2")),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(pool, plancheck.ResourceActionUpdate),
						plancheck.ExpectKnownValue(pool, tfjsonpath.New("status"), knownvalue.StringExact("running")),
						plancheck.ExpectKnownValue(pool, tfjsonpath.New("current_nodes"), knownvalue.Int64Exact(2)),
						plancheck.ExpectKnownValue(pool, tfjsonpath.New("hourly_cost"), knownvalue.Float64Exact(1.728)),
						plancheck.ExpectUnknownValue(pool, tfjsonpath.New("etag")),
					},
				},
			},
			// Resize: in place, the estimate in the plan.
			{
				Config: cp.Config(envHCL(env) + poolHCL("local-llama", base+"  node_count = 3")),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(pool, plancheck.ResourceActionUpdate),
						plancheck.ExpectKnownValue(pool, tfjsonpath.New("hourly_cost_estimate"), knownvalue.Float64Exact(2.688)),
						plancheck.ExpectKnownValue(pool, tfjsonpath.New("current_nodes"), knownvalue.Int64Exact(3)),
						plancheck.ExpectKnownValue(pool, tfjsonpath.New("effective_gpu_type"), knownvalue.StringExact("nvidia-l4")),
					},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					sameID.AddStateValue(pool, tfjsonpath.New("id")),
					statecheck.ExpectKnownValue(pool, tfjsonpath.New("current_nodes"), knownvalue.Int64Exact(3)),
					statecheck.ExpectKnownValue(pool, tfjsonpath.New("hourly_cost"), knownvalue.Float64Exact(2.592)),
				},
			},
			// New GPU type and backend: in place, a rolling replacement.
			{
				Config: cp.Config(envHCL(env) + poolHCL("local-llama", `
  backend       = "ollama"
  gpu_type      = "nvidia-a100-80gb"
  gpus_per_node = 2
  node_count    = 3
  labels        = { team = "ml" }
`)),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(pool, plancheck.ResourceActionUpdate),
						plancheck.ExpectUnknownValue(pool, tfjsonpath.New("effective_gpu_type")),
						plancheck.ExpectKnownValue(pool, tfjsonpath.New("hourly_cost_estimate"), knownvalue.Float64Exact(23.976)),
					},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					sameID.AddStateValue(pool, tfjsonpath.New("id")),
					statecheck.ExpectKnownValue(pool, tfjsonpath.New("effective_gpu_type"), knownvalue.StringExact("nvidia-a100-80gb")),
					statecheck.ExpectKnownValue(pool, tfjsonpath.New("base_url"), knownvalue.StringRegexp(regexp.MustCompile(`:11434$`))),
					statecheck.ExpectKnownValue(pool, tfjsonpath.New("models"), knownvalue.Null()),
				},
				Check: gatewayHasProvider(cp, env, "local-llama", ":11434"),
			},
			{
				ResourceName:            pool,
				ImportState:             true,
				ImportStateVerify:       true,
				ImportStateVerifyIgnore: []string{"timeouts"},
			},
			{
				ResourceName: pool,
				ImportState:  true,
				ImportStateIdFunc: func(s *terraform.State) (string, error) {
					rs := s.RootModule().Resources[pool]
					return rs.Primary.Attributes["environment_id"] + "/inference", nil
				},
				ImportStateVerify:       true,
				ImportStateVerifyIgnore: []string{"timeouts"},
			},
			{
				ResourceName:    pool,
				ImportState:     true,
				ImportStateKind: resource.ImportBlockWithID,
			},
			// A new provider_id is a new pool: the gateway knows models under it.
			{
				Config: cp.Config(envHCL(env) + poolHCL("shared-llama", `
  backend       = "ollama"
  gpu_type      = "nvidia-a100-80gb"
  gpus_per_node = 2
  node_count    = 3
  labels        = { team = "ml" }
`)),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(pool, plancheck.ResourceActionDestroyBeforeCreate),
					},
				},
				Check: gatewayHasProvider(cp, env, "shared-llama", ":11434"),
			},
		},
	})
}

// gatewayHasProvider checks the environment's simulated openclaw.json
// registers the pool as models.providers.<id> with its base URL.
func gatewayHasProvider(cp *acctest.ControlPlane, env, providerID, urlSuffix string) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		if cp.App == nil {
			return nil
		}
		e, err := cp.Client.FindEnvironmentByName(context.Background(), env)
		if err != nil {
			return err
		}
		raw, err := os.ReadFile(filepath.Join(cp.DataDir, "environments", e.ID, "openclaw.json"))
		if err != nil {
			return err
		}
		var cfg struct {
			Models struct {
				Providers map[string]struct {
					BaseURL string `json:"baseUrl"`
				} `json:"providers"`
			} `json:"models"`
		}
		if err := json.Unmarshal(raw, &cfg); err != nil {
			return err
		}
		p, ok := cfg.Models.Providers[providerID]
		if !ok || len(cfg.Models.Providers) != 1 {
			return fmt.Errorf("openclaw.json providers = %v, want exactly %q", cfg.Models.Providers, providerID)
		}
		if !regexp.MustCompile(regexp.QuoteMeta(urlSuffix) + `$`).MatchString(p.BaseURL) {
			return fmt.Errorf("baseUrl %q does not end in %q", p.BaseURL, urlSuffix)
		}
		return nil
	}
}

func TestAccGPUPool_capacityFallback(t *testing.T) {
	cp := acctest.Start(t)
	env := acctest.Name("fallback")
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		CheckDestroy:             checkPoolsDestroyed(cp),
		Steps: []resource.TestStep{
			{
				// H200 spot is sold out in eu-central: the H100 spot fallback runs.
				Config: cp.Config(envHCL(env) + poolHCL("big", `
  backend       = "sglang"
  gpu_type      = "nvidia-h200-141gb"
  capacity_type = "spot"
  gpus_per_node = 8
  node_count    = 1
  capacity_fallback = [
    { gpu_type = "nvidia-h100-80gb", capacity_type = "spot" },
    { gpu_type = "nvidia-h100-80gb", capacity_type = "on_demand" },
  ]
`)),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(pool, tfjsonpath.New("gpu_type"), knownvalue.StringExact("nvidia-h200-141gb")),
					statecheck.ExpectKnownValue(pool, tfjsonpath.New("effective_gpu_type"), knownvalue.StringExact("nvidia-h100-80gb")),
					statecheck.ExpectKnownValue(pool, tfjsonpath.New("effective_capacity_type"), knownvalue.StringExact("spot")),
					statecheck.ExpectKnownValue(pool, tfjsonpath.New("base_url"), knownvalue.StringRegexp(regexp.MustCompile(`:30000/v1$`))),
				},
			},
		},
	})
}

func TestAccGPUPool_noCapacityAnywhere(t *testing.T) {
	cp := acctest.Start(t)
	env := acctest.Name("nocap")
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		CheckDestroy:             checkPoolsDestroyed(cp),
		Steps: []resource.TestStep{
			{Config: cp.Config(envHCL(env))},
			{
				// 4 nodes × 8 GPUs = 32; eu-central has 16 H200 and 24 H100 on demand.
				Config: cp.Config(envHCL(env) + poolHCL("huge", `
  backend       = "vllm"
  gpu_type      = "nvidia-h200-141gb"
  gpus_per_node = 8
  node_count    = 4
  capacity_fallback = [
    { gpu_type = "nvidia-h200-141gb", capacity_type = "spot" },
    { gpu_type = "nvidia-h100-80gb", capacity_type = "on_demand" },
  ]
`)),
				ExpectError: acctest.ExpectError(`Could not create GPU pool "inference".*no capacity in eu-central for any choice. ` +
					`Tried, in order: nvidia-h200-141gb \(on_demand\): needs 32 GPUs, 16 free; ` +
					`nvidia-h200-141gb \(spot\): needs 32 GPUs, 0 free; nvidia-h100-80gb \(on_demand\): needs 32 GPUs, 24 free. Nothing was created.`),
			},
			// Nothing was left behind: not in the control plane, not in state.
			{
				Config: cp.Config(envHCL(env)),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: func(*terraform.State) error {
					pools, err := cp.Client.ListGPUPools(context.Background(), cp.EnvironmentByName(t, env).ID, "")
					if err != nil {
						return err
					}
					if len(pools) != 0 {
						return fmt.Errorf("%d pool(s) left behind after no_capacity: %+v", len(pools), pools)
					}
					return nil
				},
			},
		},
	})
}

func TestAccGPUPool_autoscalerIsNotDrift(t *testing.T) {
	cp := acctest.Start(t)
	env := acctest.Name("autoscale")
	cfg := cp.Config(envHCL(env) + poolHCL("elastic", `
  backend     = "vllm"
  gpu_type    = "nvidia-l4"
  autoscaling = { min_nodes = 1, max_nodes = 4 }
`))
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		CheckDestroy:             checkPoolsDestroyed(cp),
		Steps: []resource.TestStep{
			{
				Config: cfg,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(pool, tfjsonpath.New("current_nodes"), knownvalue.Int64Exact(1)),
					// Priced at max_nodes and the highest regional price: 4 × $0.896.
					statecheck.ExpectKnownValue(pool, tfjsonpath.New("hourly_cost_estimate"), knownvalue.Float64Exact(3.584)),
				},
			},
			{
				PreConfig: func() {
					e := cp.EnvironmentByName(t, env)
					p, err := cp.Client.FindGPUPool(context.Background(), e.ID, "inference")
					if err != nil {
						t.Fatal(err)
					}
					if _, err := cp.Client.SimulateGPUPoolLoad(context.Background(), p.ID, 3); err != nil {
						t.Fatal(err)
					}
				},
				Config: cfg,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(pool, tfjsonpath.New("current_nodes"), knownvalue.Int64Exact(3)),
					statecheck.ExpectKnownValue(pool, tfjsonpath.New("hourly_cost"), knownvalue.Float64Exact(2.592)),
					statecheck.ExpectKnownValue(pool, tfjsonpath.New("hourly_cost_estimate"), knownvalue.Float64Exact(3.584)),
					statecheck.ExpectKnownValue(pool, tfjsonpath.New("hourly_cost_estimate"), knownvalue.Float64Exact(3.584)),
				},
			},
			// Narrowing the bounds is an in-place update.
			{
				Config: cp.Config(envHCL(env) + poolHCL("elastic", `
  backend     = "vllm"
  gpu_type    = "nvidia-l4"
  autoscaling = { min_nodes = 1, max_nodes = 2 }
`)),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(pool, plancheck.ResourceActionUpdate)},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(pool, tfjsonpath.New("current_nodes"), knownvalue.Int64Exact(2)),
				},
			},
			// From autoscaling to a fixed size, in place.
			{
				Config: cp.Config(envHCL(env) + poolHCL("elastic", `
  backend    = "vllm"
  gpu_type   = "nvidia-l4"
  node_count = 1
`)),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(pool, plancheck.ResourceActionUpdate)},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(pool, tfjsonpath.New("current_nodes"), knownvalue.Int64Exact(1)),
					statecheck.ExpectKnownValue(pool, tfjsonpath.New("autoscaling"), knownvalue.Null()),
				},
			},
		},
	})
}

func TestAccGPUPool_planTimeValidation(t *testing.T) {
	cp := acctest.Start(t)
	env := acctest.Name("gpuvalid")
	// The environment exists first, so its region is known to the checks.
	cases := []struct{ body, want string }{
		{`
  backend    = "vllm"
  gpu_type   = "nvidia-b300"
  node_count = 1`, `Unknown GPU type.*gpu_type = "nvidia-b300".*no "nvidia-b300". Available types: nvidia-a100-80gb, nvidia-a10g, nvidia-h100-80gb, nvidia-h200-141gb, nvidia-l4`},
		{`
  backend     = "vllm"
  gpu_type    = "nvidia-l4"
  autoscaling = { min_nodes = 5, max_nodes = 2 }`, `Invalid autoscaling bounds.*min_nodes \(5\) is greater than max_nodes \(2\)`},
		{`
  backend     = "vllm"
  gpu_type    = "nvidia-l4"
  node_count  = 1
  autoscaling = { min_nodes = 1, max_nodes = 2 }`, `Invalid Attribute Combination.*node_count.*autoscaling`},
		{`
  backend  = "vllm"
  gpu_type = "nvidia-l4"`, `Missing Attribute Configuration.*Exactly one of these attributes must be configured: \[node_count,autoscaling\]`},
		{`
  backend    = "triton"
  gpu_type   = "nvidia-l4"
  node_count = 1`, `backend value must be one of`},
		{`
  backend       = "vllm"
  gpu_type      = "nvidia-l4"
  gpus_per_node = 3
  node_count    = 1`, `gpus_per_node value must be one of`},
		{`
  backend    = "vllm"
  gpu_type   = "nvidia-l4"
  node_count = 1
  capacity_fallback = [{ gpu_type = "nvidia-x", capacity_type = "spot" }]`, `Unknown GPU type.*no "nvidia-x"`},
		{`
  backend    = "vllm"
  gpu_type   = "nvidia-l4"
  node_count = 1
  models     = [{ id = "m", context_window = 100, max_tokens = 200 }]`, `Invalid max_tokens.*max_tokens \(200\) exceeds context_window \(100\)`},
	}
	steps := []resource.TestStep{{Config: cp.Config(envHCL(env))}}
	for _, c := range cases {
		steps = append(steps, resource.TestStep{
			Config:      cp.Config(envHCL(env) + poolHCL("p", c.body)),
			PlanOnly:    true,
			ExpectError: acctest.ExpectError(c.want),
		})
	}
	// A made-up environment ID is refused at plan time, on its attribute.
	steps = append(steps, resource.TestStep{
		Config: cp.Config(envHCL(env) + `
resource "openclaw_gpu_pool" "ghost" {
  name           = "ghost"
  environment_id = "env_doesnotexist"
  provider_id    = "ghost"
  backend        = "vllm"
  gpu_type       = "nvidia-l4"
  node_count     = 1
}`),
		PlanOnly:    true,
		ExpectError: acctest.ExpectError(`Error: Unknown environment.*with openclaw_gpu_pool.ghost.*environment_id is "env_doesnotexist", but the control plane at .* has no environment with that ID`),
	})
	// ap-southeast offers no H200: refused at plan time for an existing environment.
	steps = append(steps, resource.TestStep{
		Config: cp.Config(`
resource "openclaw_environment" "test" {
  name   = "` + env + `"
  region = "eu-central"
}
resource "openclaw_environment" "asia" {
  name   = "` + env + `-asia"
  region = "ap-southeast"
}`),
	}, resource.TestStep{
		Config: cp.Config(`
resource "openclaw_environment" "test" {
  name   = "` + env + `"
  region = "eu-central"
}
resource "openclaw_environment" "asia" {
  name   = "` + env + `-asia"
  region = "ap-southeast"
}
resource "openclaw_gpu_pool" "test" {
  name           = "p"
  environment_id = openclaw_environment.asia.id
  provider_id    = "p"
  backend        = "vllm"
  gpu_type       = "nvidia-h200-141gb"
  node_count     = 1
}`),
		PlanOnly:    true,
		ExpectError: acctest.ExpectError(`GPU type not offered in the environment's region.*nvidia-h200-141gb is not offered in ap-southeast.*us-east, eu-central`),
	}, resource.TestStep{Config: cp.Config(envHCL(env))})
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		CheckDestroy:             checkPoolsDestroyed(cp),
		Steps:                    steps,
	})
}

func TestAccGPUPool_dataSourcesAndFunction(t *testing.T) {
	cp := acctest.Start(t)
	env := acctest.Name("gpuds")
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		CheckDestroy:             checkPoolsDestroyed(cp),
		Steps: []resource.TestStep{
			{
				Config: cp.Config(envHCL(env) + poolHCL("llm", `
  backend    = "vllm"
  gpu_type   = "nvidia-l4"
  node_count = 1
`) + `
data "openclaw_gpu_pool" "by_name" {
  environment_id = openclaw_gpu_pool.test.environment_id
  name           = openclaw_gpu_pool.test.name
}

data "openclaw_gpu_types" "cheap_big" {
  region           = "us-east"
  min_memory_gb    = 80
  max_hourly_price = 5
}

output "l4_always_on_4_gpus" {
  value = provider::openclaw::gpu_monthly_cost("nvidia-l4", "us-east", "on_demand", 4, 168)
}
`),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.CompareValuePairs("data.openclaw_gpu_pool.by_name", tfjsonpath.New("id"), pool, tfjsonpath.New("id"), compare.ValuesSame()),
					statecheck.CompareValuePairs("data.openclaw_gpu_pool.by_name", tfjsonpath.New("base_url"), pool, tfjsonpath.New("base_url"), compare.ValuesSame()),
					// 80 GB and at most $5/GPU-hour in us-east, cheapest first:
					// H100 spot 2.80, A100 on demand 3.70, H200 spot 4.20.
					statecheck.ExpectKnownValue("data.openclaw_gpu_types.cheap_big", tfjsonpath.New("offers"), knownvalue.ListExact([]knownvalue.Check{
						knownvalue.ObjectPartial(map[string]knownvalue.Check{"gpu_type": knownvalue.StringExact("nvidia-a100-80gb"), "capacity_type": knownvalue.StringExact("spot"), "hourly_price": knownvalue.Float64Exact(1.5)}),
						knownvalue.ObjectPartial(map[string]knownvalue.Check{"gpu_type": knownvalue.StringExact("nvidia-h100-80gb"), "capacity_type": knownvalue.StringExact("spot"), "hourly_price": knownvalue.Float64Exact(2.8)}),
						knownvalue.ObjectPartial(map[string]knownvalue.Check{"gpu_type": knownvalue.StringExact("nvidia-a100-80gb"), "capacity_type": knownvalue.StringExact("on_demand"), "hourly_price": knownvalue.Float64Exact(3.7)}),
						knownvalue.ObjectPartial(map[string]knownvalue.Check{"gpu_type": knownvalue.StringExact("nvidia-h200-141gb"), "capacity_type": knownvalue.StringExact("spot"), "hourly_price": knownvalue.Float64Exact(4.2)}),
					})),
					// $0.80 × 4 GPUs × 168 h × 52/12 weeks.
					statecheck.ExpectKnownOutputValue("l4_always_on_4_gpus", knownvalue.Float64Exact(2329.6)),
				},
			},
			{
				Config:      cp.Config(`output "x" { value = provider::openclaw::gpu_monthly_cost("nvidia-l4", "sa-east", "on_demand", 1, 40) }`),
				ExpectError: acctest.ExpectError(`nvidia-l4 is not offered in "sa-east"`),
			},
			{
				Config:      cp.Config(`output "x" { value = provider::openclaw::gpu_monthly_cost("nvidia-l4", "us-east", "on_demand", 1, 200) }`),
				ExpectError: acctest.ExpectError(`hours_per_week must be between 0 and 168`),
			},
			{Config: cp.Config(envHCL(env))},
		},
	})
}
