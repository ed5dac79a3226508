package environment_test

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/openclaw/terraform-provider-openclaw/internal/provider/acctest"
)

// TestAccEnvironment_refreshRequests is the regression test for refresh
// cost: refreshing N environments reads each exactly once, with nothing
// else (no lists, no operation polls, no catalog reads).
func TestAccEnvironment_refreshRequests(t *testing.T) {
	cp := acctest.Start(t)
	cp.RequireInProcess(t)
	const n = 7
	config := cp.Config(fmt.Sprintf(`
resource "openclaw_environment" "fleet" {
  count  = %d
  name   = "%s-${count.index}"
  region = "us-east"
  labels = { fleet = "refresh" }
  secrets_wo         = { TOKEN = "t-${count.index}" }
  secrets_wo_version = 1
}
`, n, acctest.Name("refresh")))

	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		CheckDestroy:             cp.CheckEnvironmentsDestroyed,
		Steps: []resource.TestStep{
			{Config: config},
			{
				// The step refreshes, runs Check, then plans: Check sees
				// exactly the one refresh.
				PreConfig:    cp.Requests.Reset,
				RefreshState: true,
				Check: func(*terraform.State) error {
					got := cp.Requests.Counts()
					if got["GET /v1/environments/{id}"] != n {
						return fmt.Errorf("refresh of %d environments made %d GETs of an environment, want exactly %d (all: %v)", n, got["GET /v1/environments/{id}"], n, got)
					}
					for _, k := range slices.Sorted(maps.Keys(got)) {
						if k != "GET /v1/environments/{id}" && !strings.HasPrefix(k, "GET /v1/whoami") {
							return fmt.Errorf("refresh made %d unexpected %s requests (all: %v)", got[k], k, got)
						}
					}
					return nil
				},
			},
		},
	})
}
