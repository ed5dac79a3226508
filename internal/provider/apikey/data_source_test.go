package apikey_test

import (
	"fmt"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/compare"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/openclaw/terraform-provider-openclaw/internal/provider/acctest"
)

// TestAccAPIKeyDataSource: a key's metadata by ID and by name, the same as
// the resource's, and never its secret.
func TestAccAPIKeyDataSource(t *testing.T) {
	cp := acctest.Start(t)
	name := acctest.Name("looked-up")
	cfg := cp.Config(keyConfig(name, `  description = "for lookups"
  allowed_cidrs = ["10.0.0.0/8"]
  labels        = { team = "platform" }`) + `
data "openclaw_api_key" "by_id" {
  id = openclaw_api_key.test.id
}

data "openclaw_api_key" "by_name" {
  name       = openclaw_api_key.test.name
  depends_on = [openclaw_api_key.test]
}
`)
	checks := []statecheck.StateCheck{}
	for _, ds := range []string{"data.openclaw_api_key.by_id", "data.openclaw_api_key.by_name"} {
		for _, a := range []string{"id", "name", "prefix", "expires_at", "created_at", "status"} {
			checks = append(checks, statecheck.CompareValuePairs(addr, tfjsonpath.New(a), ds, tfjsonpath.New(a), compare.ValuesSame()))
		}
		checks = append(checks,
			statecheck.ExpectKnownValue(ds, tfjsonpath.New("description"), knownvalue.StringExact("for lookups")),
			statecheck.ExpectKnownValue(ds, tfjsonpath.New("scopes"), knownvalue.SetExact([]knownvalue.Check{knownvalue.StringExact("environments:read")})),
			statecheck.ExpectKnownValue(ds, tfjsonpath.New("allowed_cidrs"), knownvalue.SetExact([]knownvalue.Check{knownvalue.StringExact("10.0.0.0/8")})),
			statecheck.ExpectKnownValue(ds, tfjsonpath.New("labels"), knownvalue.MapExact(map[string]knownvalue.Check{"team": knownvalue.StringExact("platform")})),
			statecheck.ExpectKnownValue(ds, tfjsonpath.New("ephemeral"), knownvalue.Bool(false)),
			statecheck.ExpectKnownValue(ds, tfjsonpath.New("revoked_at"), knownvalue.Null()),
		)
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: factories,
		CheckDestroy:             checkKeysRevoked(cp),
		Steps: []resource.TestStep{
			{
				Config:            cfg,
				ConfigStateChecks: checks,
				Check: func(s *terraform.State) error {
					for _, ds := range []string{"data.openclaw_api_key.by_id", "data.openclaw_api_key.by_name"} {
						if _, err := attr(s, ds, "secret"); err == nil {
							return fmt.Errorf("%s has a secret attribute", ds)
						}
					}
					return nil
				},
			},
		},
	})
}
