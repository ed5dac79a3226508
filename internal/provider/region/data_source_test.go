package region_test

import (
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/openclaw/terraform-provider-openclaw/internal/provider/acctest"
)

func TestAccRegionsDataSource(t *testing.T) {
	cp := acctest.Start(t)
	cp.RequireInProcess(t) // asserts the reference control plane's region list
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: cp.Config(`
data "openclaw_regions" "all" {}
data "openclaw_regions" "open" { available_only = true }
`),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("data.openclaw_regions.all", tfjsonpath.New("ids"), knownvalue.ListExact([]knownvalue.Check{
						knownvalue.StringExact("us-east"), knownvalue.StringExact("us-west"), knownvalue.StringExact("eu-central"),
						knownvalue.StringExact("eu-west"), knownvalue.StringExact("ap-southeast"), knownvalue.StringExact("sa-east"),
					})),
					statecheck.ExpectKnownValue("data.openclaw_regions.all", tfjsonpath.New("regions").AtSliceIndex(5), knownvalue.ObjectExact(map[string]knownvalue.Check{
						"id": knownvalue.StringExact("sa-east"), "display_name": knownvalue.StringExact("South America East"),
						"location": knownvalue.StringExact("São Paulo, BR"), "available": knownvalue.Bool(false),
					})),
					statecheck.ExpectKnownValue("data.openclaw_regions.open", tfjsonpath.New("ids"), knownvalue.ListSizeExact(5)),
				},
			},
		},
	})
}
