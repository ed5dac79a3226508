package environment_test

import (
	"fmt"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/compare"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/openclaw/terraform-provider-openclaw/internal/provider/acctest"
)

func TestAccEnvironmentDataSources(t *testing.T) {
	cp := acctest.Start(t)
	team := acctest.Name("team")
	a, b, c := acctest.Name("ds-a"), acctest.Name("ds-b"), acctest.Name("ds-c")
	config := cp.Config(fmt.Sprintf(`
resource "openclaw_environment" "a" {
  name   = %[2]q
  region = "eu-central"
  labels = { team = %[1]q, tier = "prod" }
  secrets_wo         = { OPENAI_API_KEY = "sk-openai-x" }
  secrets_wo_version = 1
}
resource "openclaw_environment" "b" {
  name   = %[3]q
  region = "us-east"
  labels = { team = %[1]q, tier = "prod" }
  # Created after a, so the list's "oldest first" order is a, b.
  depends_on = [openclaw_environment.a]
}
resource "openclaw_environment" "c" {
  name   = %[4]q
  region = "eu-central"
  labels = { team = %[1]q, tier = "dev" }
}

data "openclaw_environment" "by_name" {
  name = openclaw_environment.a.name
}
data "openclaw_environment" "by_id" {
  id = openclaw_environment.b.id
}
data "openclaw_environments" "prod" {
  labels     = { team = %[1]q, tier = "prod" }
  depends_on = [openclaw_environment.a, openclaw_environment.b, openclaw_environment.c]
}
data "openclaw_environments" "prod_eu" {
  labels     = { team = %[1]q, tier = "prod" }
  region     = "eu-central"
  depends_on = [openclaw_environment.a, openclaw_environment.b, openclaw_environment.c]
}
data "openclaw_environments" "exact" {
  name = openclaw_environment.c.name
}
`, team, a, b, c))
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		CheckDestroy:             cp.CheckEnvironmentsDestroyed,
		Steps: []resource.TestStep{
			{
				Config: config,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.CompareValuePairs("data.openclaw_environment.by_name", tfjsonpath.New("id"), "openclaw_environment.a", tfjsonpath.New("id"), compare.ValuesSame()),
					statecheck.CompareValuePairs("data.openclaw_environment.by_name", tfjsonpath.New("gateway_url"), "openclaw_environment.a", tfjsonpath.New("gateway_url"), compare.ValuesSame()),
					statecheck.CompareValuePairs("data.openclaw_environment.by_name", tfjsonpath.New("size"), "openclaw_environment.a", tfjsonpath.New("size"), compare.ValuesSame()),
					statecheck.ExpectKnownValue("data.openclaw_environment.by_name", tfjsonpath.New("secret_names"), knownvalue.SetExact([]knownvalue.Check{knownvalue.StringExact("OPENAI_API_KEY")})),
					statecheck.CompareValuePairs("data.openclaw_environment.by_id", tfjsonpath.New("name"), "openclaw_environment.b", tfjsonpath.New("name"), compare.ValuesSame()),
					statecheck.ExpectKnownValue("data.openclaw_environment.by_id", tfjsonpath.New("labels"), knownvalue.MapExact(map[string]knownvalue.Check{
						"team": knownvalue.StringExact(team), "tier": knownvalue.StringExact("prod"),
					})),
					// Oldest first, filtered by every label.
					statecheck.ExpectKnownValue("data.openclaw_environments.prod", tfjsonpath.New("environments"), knownvalue.ListExact([]knownvalue.Check{
						knownvalue.ObjectPartial(map[string]knownvalue.Check{"name": knownvalue.StringExact(a)}),
						knownvalue.ObjectPartial(map[string]knownvalue.Check{"name": knownvalue.StringExact(b)}),
					})),
					statecheck.ExpectKnownValue("data.openclaw_environments.prod_eu", tfjsonpath.New("environments"), knownvalue.ListExact([]knownvalue.Check{
						knownvalue.ObjectPartial(map[string]knownvalue.Check{"name": knownvalue.StringExact(a), "region": knownvalue.StringExact("eu-central")}),
					})),
					statecheck.ExpectKnownValue("data.openclaw_environments.exact", tfjsonpath.New("environments"), knownvalue.ListExact([]knownvalue.Check{
						knownvalue.ObjectPartial(map[string]knownvalue.Check{"name": knownvalue.StringExact(c), "status": knownvalue.StringExact("running")}),
					})),
				},
			},
			{
				Config:      cp.Config(`data "openclaw_environment" "x" { name = "` + acctest.Name("missing") + `" }`),
				ExpectError: acctest.ExpectError(`Could not find environment named`),
			},
			{
				Config:      cp.Config(`data "openclaw_environment" "x" {}`),
				ExpectError: acctest.ExpectError(`Missing Attribute Configuration.*Exactly one of these attributes must be configured: \[id,name\]`),
			},
			{Config: cp.Config("")},
		},
	})
}
