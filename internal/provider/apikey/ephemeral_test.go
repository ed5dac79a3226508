package apikey_test

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"

	"github.com/openclaw/terraform-provider-openclaw/internal/api"
	"github.com/openclaw/terraform-provider-openclaw/internal/client"
	"github.com/openclaw/terraform-provider-openclaw/internal/provider/acctest"
)

// TestAccAPIKey_ephemeral: the ephemeral key works during the run (a second
// provider instance configured with it creates a key) and the control plane
// says it is revoked once Terraform has closed it.
func TestAccAPIKey_ephemeral(t *testing.T) {
	cp := acctest.Start(t)
	name := acctest.Name("run")
	cfg := cp.Config(fmt.Sprintf(`
ephemeral "openclaw_api_key" "run" {
  name   = %q
  scopes = ["api_keys:manage", "environments:read"]
  ttl    = "10m"
  labels = { purpose = "ci" }
}
`, name) + secondProvider(cp, "ephemeral.openclaw_api_key.run.secret") + fmt.Sprintf(`
# Created with the ephemeral key, during apply.
resource "openclaw_api_key" "child" {
  provider = openclawsecond
  name     = %q
  scopes   = ["environments:read"]
}

provider "echo" {
  data = {
    id         = ephemeral.openclaw_api_key.run.id
    prefix     = ephemeral.openclaw_api_key.run.prefix
    expires_at = ephemeral.openclaw_api_key.run.expires_at
  }
}

resource "echo" "run" {}
`, acctest.Name("child")))

	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: factories,
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_10_0)},
		CheckDestroy:             checkKeysRevoked(cp),
		Steps: []resource.TestStep{
			{
				Config: cfg,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("echo.run", tfjsonpath.New("data").AtMapKey("id"), knownvalue.StringRegexp(idRegexp)),
					statecheck.ExpectKnownValue("echo.run", tfjsonpath.New("data").AtMapKey("prefix"), knownvalue.StringRegexp(prefixRegexp)),
				},
				Check: func(s *terraform.State) error {
					ctx := context.Background()
					id, err := attr(s, "echo.run", "data.id")
					if err != nil {
						return err
					}
					k, err := cp.Client.GetAPIKey(ctx, id)
					if err != nil {
						return err
					}
					if !k.Ephemeral || k.Name != name || k.Labels["purpose"] != "ci" {
						return fmt.Errorf("the ephemeral key: %+v", k)
					}
					// Closed at the end of the apply: revoked at once.
					if k.Status != api.KeyStatusRevoked || k.RevokedAt == nil || k.RevokeGraceUntil != nil {
						return fmt.Errorf("the ephemeral key is %s (revoked_at %v) after the run, want revoked", k.Status, k.RevokedAt)
					}
					if d := k.ExpiresAt.Sub(k.CreatedAt); d.Minutes() != 10 {
						return fmt.Errorf("the ephemeral key lives %s, want its ttl of 10m", d)
					}
					// It worked during the run: the audit log has the child
					// key's creation made with it.
					childID, _ := attr(s, "openclaw_api_key.child", "id")
					events, err := cp.Client.ListAuditEvents(ctx, client.ListAuditEventsOptions{KeyID: id})
					if err != nil {
						return err
					}
					if !slices.ContainsFunc(events, func(e api.AuditEvent) bool {
						return e.Action == "POST /v1/api-keys" && e.Outcome == api.AuditSuccess && e.ResourceID == childID
					}) {
						return fmt.Errorf("no successful creation of %s by the ephemeral key in the audit log: %+v", childID, events)
					}
					// Every ephemeral key this test opened (plan, apply) is closed.
					all, err := cp.Client.ListAPIKeys(ctx, client.ListAPIKeysOptions{Name: name})
					if err != nil {
						return err
					}
					if len(all) < 2 {
						return fmt.Errorf("%d ephemeral keys, want one opened for the plan and one for the apply", len(all))
					}
					for _, k := range all {
						if k.Status != api.KeyStatusRevoked {
							return fmt.Errorf("ephemeral key %s is %s, want revoked", k.ID, k.Status)
						}
					}
					return nil
				},
			},
		},
	})
}
