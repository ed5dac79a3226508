package apikey_test

import (
	"context"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"

	"github.com/openclaw/terraform-provider-openclaw/internal/api"
	"github.com/openclaw/terraform-provider-openclaw/internal/client"
	"github.com/openclaw/terraform-provider-openclaw/internal/controlplane/keys"
	"github.com/openclaw/terraform-provider-openclaw/internal/provider"
	"github.com/openclaw/terraform-provider-openclaw/internal/provider/acctest"
)

// TestAccAPIKey_traceLogHasNoSecret runs a full create, use and destroy with
// TF_LOG=TRACE and asserts that no secret reaches any log line: not
// Terraform's, not the provider's (whose TRACE lines include every HTTP
// body, with secrets masked), not the control plane's. Besides the secrets
// the test knows, it looks for any string passing the key format's
// checksum, as a secret scanner would: that covers the ephemeral key, whose
// secret the test never sees.
//
// plugin-testing sends Terraform's log and, through terraform-plugin-log's
// test sink, the in-process providers' logs to TF_ACC_LOG_PATH. Both are
// read from the process environment, so this test is not parallel. The
// default provider is configured from OPENCLAW_* variables, as a real
// configuration should be: plugin-testing logs the test's HCL, and a
// literal key there would be the test's own leak.
func TestAccAPIKey_traceLogHasNoSecret(t *testing.T) {
	logPath := filepath.Join(t.TempDir(), "trace.log")
	t.Setenv("TF_LOG", "TRACE")
	t.Setenv("TF_ACC_LOG_PATH", logPath)
	t.Setenv("TF_LOG_PATH_MASK", "")
	var cpLog syncBuffer
	cp := acctest.Start(t, acctest.Options{LogWriter: &cpLog})
	cp.RequireInProcess(t) // reads the control plane's log
	t.Setenv("OPENCLAW_ENDPOINT", cp.Endpoint)
	t.Setenv("OPENCLAW_API_KEY", cp.APIKey)
	ephemeralName := acctest.Name("traced-run")
	key := "provider \"openclaw\" {}\n" + keyConfig(acctest.Name("traced"), "")
	used := key + secondProvider(cp, "openclaw_api_key.test.secret") + fmt.Sprintf(`
data "openclaw_environments" "seen" {
  provider = openclawsecond
}

ephemeral "openclaw_api_key" "run" {
  name   = %q
  scopes = ["api_keys:manage"]
}

provider %q {
  endpoint = %q
  api_key  = ephemeral.openclaw_api_key.run.secret
}

data "openclaw_api_key" "via_ephemeral" {
  provider = %s
  id       = openclaw_api_key.test.id
}
`, ephemeralName, third, cp.Endpoint, third)
	withThird := maps.Clone(factories)
	withThird[third] = provider.NewServerWithError("acctest")
	var secret string

	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: withThird,
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_10_0)},
		CheckDestroy:             checkKeysRevoked(cp),
		Steps: []resource.TestStep{
			{Config: key},
			{
				Config: used,
				Check: func(s *terraform.State) error {
					var err error
					secret, err = attr(s, addr, "secret")
					if err != nil {
						return err
					}
					// An ephemeral key (the plan's: data sources are read
					// then) was used during the run.
					eph, err := cp.Client.ListAPIKeys(context.Background(), client.ListAPIKeysOptions{Name: ephemeralName})
					if err != nil {
						return err
					}
					if !slices.ContainsFunc(eph, func(k api.APIKey) bool { return k.LastUsedAt != nil }) {
						return fmt.Errorf("none of the %d ephemeral keys was used", len(eph))
					}
					return nil
				},
			},
		},
	})

	raw, err := os.ReadFile(logPath)
	if err != nil {
		t.Fatalf("read the TRACE log: %v", err)
	}
	tfLog := string(raw)
	// It must really be a TRACE log of this run, bodies included.
	for _, want := range []string{"[TRACE]", "Sending HTTP request", "/v1/api-keys", `\"secret\":\"***\"`} {
		if !strings.Contains(tfLog, want) {
			t.Fatalf("the TRACE log (%d bytes) does not contain %q: it was not captured at TRACE", len(raw), want)
		}
	}
	if !strings.Contains(cpLog.String(), `"route":"POST /v1/api-keys"`) {
		t.Fatalf("the control plane's log does not record the key's creation:\n%s", cpLog.String())
	}
	logs := map[string]string{"Terraform's TRACE log": tfLog, "the control plane's log": cpLog.String()}
	for what, log := range logs {
		for _, s := range []string{secret, cp.APIKey} {
			for _, part := range []string{s, strings.TrimPrefix(s, keys.Prefix)} {
				if i := strings.Index(log, part); i >= 0 {
					t.Errorf("%s contains the secret %s… at byte %d: %s", what, s[:8], i, around(log, i))
				}
			}
		}
		for _, loc := range keyLike.FindAllStringIndex(log, -1) {
			if candidate := log[loc[0]:loc[1]]; keys.WellFormed(candidate) {
				t.Errorf("%s contains a well-formed API key %s… at byte %d: %s", what, candidate[:8], loc[0], around(log, loc[0]))
			}
		}
	}
	t.Logf("scanned %d bytes of TRACE log and %d bytes of control plane log", len(raw), len(cpLog.String()))
}

// third is the local name of a third instance of the provider (see second).
const third = "openclawthird"

// keyLike finds candidate keys; keys.WellFormed checks their checksum.
var keyLike = regexp.MustCompile(`ocp_[0-9A-Za-z]{46}`)

// around is the log line around byte i, the secret itself cut out.
func around(log string, i int) string {
	start := strings.LastIndexByte(log[:i], '\n') + 1
	end := strings.IndexByte(log[i:], '\n')
	if end < 0 {
		end = len(log) - i
	}
	return fmt.Sprintf("%q", log[start:i]+"<SECRET>"+log[min(i+20, len(log)):i+end])
}
