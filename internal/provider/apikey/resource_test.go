package apikey_test

import (
	"context"
	"errors"
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
	"github.com/openclaw/terraform-provider-openclaw/internal/client"
	"github.com/openclaw/terraform-provider-openclaw/internal/provider/acctest"
)

const addr = "openclaw_api_key.test"

var (
	secretRegexp = regexp.MustCompile(`^ocp_[0-9A-Za-z]{46}$`)
	prefixRegexp = regexp.MustCompile(`^ocp_[0-9A-Za-z]{8}$`)
	idRegexp     = regexp.MustCompile(`^key_[0-9a-z]{26}$`)
)

func keyConfig(name, extra string) string {
	return fmt.Sprintf(`
resource "openclaw_api_key" "test" {
  name   = %q
  scopes = ["environments:read"]
%s
}
`, name, extra)
}

// TestAccAPIKey_createAndUse: a created key's secret configures a second
// provider instance, which can read but, lacking environments:write, cannot
// create (the diagnostic names the scope and the key's prefix). Metadata
// changes in place, scopes replace the key, and the database never holds
// the secret in plaintext.
func TestAccAPIKey_createAndUse(t *testing.T) {
	cp := acctest.Start(t)
	cp.RequireInProcess(t) // reads the database files
	name := acctest.Name("reader")
	var id, secret, prefix string
	// Filled in once the key exists: the expected diagnostic names its prefix.
	denied := &regexp.Regexp{}
	sameID := statecheck.CompareValue(compare.ValuesSame())
	sameSecret := statecheck.CompareValue(compare.ValuesSame())
	limited := secondProvider(cp, "openclaw_api_key.test.secret") + `
data "openclaw_environments" "seen" {
  provider = openclawsecond
}
`
	labels := `  labels = { team = "platform" }`

	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: factories,
		CheckDestroy:             checkKeysRevoked(cp),
		Steps: []resource.TestStep{
			{
				Config: cp.Config(keyConfig(name, labels)),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(addr, plancheck.ResourceActionCreate),
						plancheck.ExpectUnknownValue(addr, tfjsonpath.New("secret")),
						plancheck.ExpectKnownValue(addr, tfjsonpath.New("rotation_due_at"), knownvalue.Null()),
					},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					sameID.AddStateValue(addr, tfjsonpath.New("id")),
					sameSecret.AddStateValue(addr, tfjsonpath.New("secret")),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("id"), knownvalue.StringRegexp(idRegexp)),
					statecheck.ExpectSensitiveValue(addr, tfjsonpath.New("secret")),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("secret"), knownvalue.StringRegexp(secretRegexp)),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("prefix"), knownvalue.StringRegexp(prefixRegexp)),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("status"), knownvalue.StringExact(api.KeyStatusActive)),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("scopes"), knownvalue.SetExact([]knownvalue.Check{knownvalue.StringExact("environments:read")})),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("description"), knownvalue.StringExact("")),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("rate_limit_per_minute"), knownvalue.Int64Exact(0)),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("allowed_cidrs"), knownvalue.Null()),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("environment_id"), knownvalue.Null()),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("last_used_at"), knownvalue.Null()),
				},
				Check: func(s *terraform.State) error {
					var err error
					if id, err = attr(s, addr, "id"); err != nil {
						return err
					}
					secret, _ = attr(s, addr, "secret")
					prefix, _ = attr(s, addr, "prefix")
					if !strings.HasPrefix(secret, prefix) {
						return fmt.Errorf("prefix %s is not the start of the secret", prefix)
					}
					*denied = *acctest.ExpectError(`API key ` + regexp.QuoteMeta(prefix) + ` lacks the scope "environments:write"`)
					expires, _ := attr(s, addr, "expires_at")
					if at, err := time.Parse(time.RFC3339, expires); err != nil || time.Until(at) < 89*24*time.Hour || time.Until(at) > 90*24*time.Hour {
						return fmt.Errorf("expires_at %s, want the default of 90 days", expires)
					}
					// The API never shows the secret; the database holds only
					// its hash (and the encrypted idempotent replay).
					k, err := cp.Client.GetAPIKey(context.Background(), id)
					if err != nil {
						return err
					}
					if k.Prefix != prefix || strings.Contains(fmt.Sprintf("%+v", k), secret) {
						return fmt.Errorf("the API's view of the key: %+v", k)
					}
					return noSecretInDataDir(cp, secret, cp.APIKey)
				},
			},
			// A second provider instance configured with the new secret reads.
			{
				Config: cp.Config(keyConfig(name, labels) + limited),
				ConfigStateChecks: []statecheck.StateCheck{
					sameSecret.AddStateValue(addr, tfjsonpath.New("secret")),
					statecheck.ExpectKnownValue("data.openclaw_environments.seen", tfjsonpath.New("environments"), knownvalue.ListSizeExact(0)),
				},
				Check: func(*terraform.State) error {
					k, err := cp.Client.GetAPIKey(context.Background(), id)
					if err != nil {
						return err
					}
					if k.LastUsedAt == nil {
						return errors.New("last_used_at is not set: the second provider did not use the key")
					}
					return nil
				},
			},
			// ... but cannot create: the diagnostic names the scope and the key.
			{
				Config: cp.Config(keyConfig(name, labels) + limited + fmt.Sprintf(`
resource "openclaw_environment" "denied" {
  provider = openclawsecond
  name     = %q
  region   = "eu-central"
}
`, acctest.Name("denied"))),
				ExpectError: denied,
			},
			// Name, description and labels change in place: same key, same secret.
			{
				Config: cp.Config(keyConfig(name+"-renamed", `  description = "reads environments"
  labels      = { team = "ml" }`) + limited),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate),
						plancheck.ExpectKnownValue(addr, tfjsonpath.New("secret"), knownvalue.StringRegexp(secretRegexp)),
					},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					sameID.AddStateValue(addr, tfjsonpath.New("id")),
					sameSecret.AddStateValue(addr, tfjsonpath.New("secret")),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("name"), knownvalue.StringExact(name+"-renamed")),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("labels"), knownvalue.MapExact(map[string]knownvalue.Check{"team": knownvalue.StringExact("ml")})),
				},
			},
			// What the key may do is fixed: new scopes are a new key, and
			// the old one is revoked.
			{
				Config: cp.Config(strings.Replace(keyConfig(name+"-renamed", `  description = "reads environments"`), `["environments:read"]`, `["environments:read", "gpu_pools:read"]`, 1)),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(addr, plancheck.ResourceActionDestroyBeforeCreate),
					},
				},
				Check: func(s *terraform.State) error {
					newID, _ := attr(s, addr, "id")
					if newID == id {
						return errors.New("the key was not replaced")
					}
					old, err := cp.Client.GetAPIKey(context.Background(), id)
					if err != nil {
						return err
					}
					if old.Status != api.KeyStatusRevoked {
						return fmt.Errorf("the replaced key is %s, want revoked", old.Status)
					}
					if err := works(t, cp, secret); !errors.Is(err, client.ErrUnauthenticated) {
						return fmt.Errorf("the replaced key's secret: %v, want unauthenticated", err)
					}
					return nil
				},
			},
		},
	})
}

// TestAccAPIKey_environmentBound: a key bound to one environment sees it and
// nothing else; another environment does not exist for it.
func TestAccAPIKey_environmentBound(t *testing.T) {
	cp := acctest.Start(t)
	ctx := context.Background()
	var envs [2]*api.Environment
	for i, prefix := range []string{"mine", "theirs"} {
		op, err := cp.Client.CreateEnvironment(ctx, api.EnvironmentCreate{Name: acctest.Name(prefix), Region: "eu-central"})
		cp.WaitFor(t, op, err)
		env, err := cp.Client.GetEnvironment(ctx, op.TargetID)
		if err != nil {
			t.Fatal(err)
		}
		envs[i] = env
		t.Cleanup(func() {
			op, err := cp.Client.DeleteEnvironment(context.Background(), env.ID, "")
			if err == nil {
				_, _ = cp.Client.WaitForOperation(context.Background(), op)
			}
		})
	}
	mine, theirs := envs[0], envs[1]
	key := keyConfig(acctest.Name("bound"), fmt.Sprintf("  environment_id = %q", mine.ID))
	bound := secondProvider(cp, "openclaw_api_key.test.secret")

	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: factories,
		CheckDestroy:             checkKeysRevoked(cp),
		Steps: []resource.TestStep{
			{
				Config: cp.Config(key),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("environment_id"), knownvalue.StringExact(mine.ID)),
				},
			},
			{
				Config: cp.Config(key + bound + fmt.Sprintf(`
data "openclaw_environment" "mine" {
  provider = openclawsecond
  id       = %q
}
data "openclaw_environments" "all" {
  provider = openclawsecond
}
`, mine.ID)),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("data.openclaw_environment.mine", tfjsonpath.New("name"), knownvalue.StringExact(mine.Name)),
					statecheck.ExpectKnownValue("data.openclaw_environments.all", tfjsonpath.New("environments"), knownvalue.ListSizeExact(1)),
					statecheck.ExpectKnownValue("data.openclaw_environments.all", tfjsonpath.New("environments").AtSliceIndex(0).AtMapKey("id"), knownvalue.StringExact(mine.ID)),
				},
			},
			// The other environment is not found, by ID or by name.
			{
				Config: cp.Config(key + bound + fmt.Sprintf(`
data "openclaw_environment" "theirs" {
  provider = openclawsecond
  id       = %q
}
`, theirs.ID)),
				ExpectError: acctest.ExpectError(fmt.Sprintf(`environment "%s" not found`, theirs.ID)),
			},
			{
				Config: cp.Config(key + bound + fmt.Sprintf(`
data "openclaw_environment" "theirs" {
  provider = openclawsecond
  name     = %q
}
`, theirs.Name)),
				ExpectError: acctest.ExpectError(fmt.Sprintf(`environment named "%s": not found`, theirs.Name)),
			},
		},
	})
}

// TestAccAPIKey_expiry: once a key expires (the control plane's clock is
// moved past expires_at) its secret no longer authenticates, Terraform
// warns and plans a new key, and apply creates one that works.
func TestAccAPIKey_expiry(t *testing.T) {
	clk := &shiftedClock{}
	cp := acctest.Start(t, acctest.Options{Now: clk.Now})
	cp.RequireInProcess(t) // moves the control plane's clock
	key := keyConfig(acctest.Name("short"), `  ttl = "1h"`)
	var first string

	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: factories,
		CheckDestroy:             checkKeysRevoked(cp),
		Steps: []resource.TestStep{
			{
				Config: cp.Config(key),
				Check: func(s *terraform.State) error {
					first, _ = attr(s, addr, "secret")
					expires, _ := attr(s, addr, "expires_at")
					if at, err := time.Parse(time.RFC3339, expires); err != nil || at.Sub(clk.Now()) > time.Hour || at.Sub(clk.Now()) < 59*time.Minute {
						return fmt.Errorf("expires_at %s, want an hour from now", expires)
					}
					return works(t, cp, first)
				},
			},
			// Two hours later: expired, so the plan creates a new key.
			{
				PreConfig: func() {
					clk.set(2 * time.Hour)
					err := works(t, cp, first)
					if !errors.Is(err, client.ErrUnauthenticated) || !strings.Contains(err.Error(), "expired") {
						t.Errorf("the expired key: %v, want unauthenticated: expired", err)
					}
				},
				Config:             cp.Config(key),
				PlanOnly:           true,
				ExpectNonEmptyPlan: true,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PostApplyPostRefresh: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(addr, plancheck.ResourceActionCreate),
					},
				},
			},
			{
				Config: cp.Config(key),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(addr, plancheck.ResourceActionCreate)},
				},
				Check: func(s *terraform.State) error {
					second, _ := attr(s, addr, "secret")
					if second == first {
						return errors.New("the expired key was kept")
					}
					return works(t, cp, second)
				},
			},
		},
	})
}

// TestAccAPIKey_rotation: a key created 31 days ago (the control plane's
// clock) with rotation_period = "720h" is planned for replacement; applying
// rotates it without downtime: with create_before_destroy and
// revoke_grace_period the new key exists and the old one keeps working for
// the grace period.
func TestAccAPIKey_rotation(t *testing.T) {
	clk := &shiftedClock{}
	clk.set(-31 * 24 * time.Hour)
	cp := acctest.Start(t, acctest.Options{Now: clk.Now})
	cp.RequireInProcess(t) // moves the control plane's clock
	cfg := cp.Config(keyConfig(acctest.Name("rotating"), `
  rotation_period     = "720h"
  revoke_grace_period = "1h"

  lifecycle {
    create_before_destroy = true
  }`))
	var oldID, oldSecret string

	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: factories,
		CheckDestroy:             checkKeysRevoked(cp),
		Steps: []resource.TestStep{
			{
				Config: cfg,
				// Created 31 days ago: the very next plan rotates it.
				ExpectNonEmptyPlan: true,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PostApplyPostRefresh: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(addr, plancheck.ResourceActionCreateBeforeDestroy),
						plancheck.ExpectUnknownValue(addr, tfjsonpath.New("rotation_due_at")),
						plancheck.ExpectUnknownValue(addr, tfjsonpath.New("secret")),
					},
				},
				Check: func(s *terraform.State) error {
					oldID, _ = attr(s, addr, "id")
					oldSecret, _ = attr(s, addr, "secret")
					created, _ := attr(s, addr, "created_at")
					due, _ := attr(s, addr, "rotation_due_at")
					c, err1 := time.Parse(time.RFC3339, created)
					d, err2 := time.Parse(time.RFC3339, due)
					if err1 != nil || err2 != nil || d.Sub(c) != 720*time.Hour || time.Since(c) < 31*24*time.Hour-time.Minute {
						return fmt.Errorf("created_at %s, rotation_due_at %s", created, due)
					}
					return nil
				},
			},
			{
				PreConfig: func() { clk.set(0) },
				Config:    cfg,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(addr, plancheck.ResourceActionCreateBeforeDestroy),
					},
				},
				Check: func(s *terraform.State) error {
					newID, _ := attr(s, addr, "id")
					newSecret, _ := attr(s, addr, "secret")
					if newID == oldID || newSecret == oldSecret {
						return errors.New("the key was not rotated")
					}
					old, err := cp.Client.GetAPIKey(context.Background(), oldID)
					if err != nil {
						return err
					}
					if old.Status != api.KeyStatusRevoking || old.RevokeGraceUntil == nil || time.Until(*old.RevokeGraceUntil) < 50*time.Minute {
						return fmt.Errorf("the old key after rotation: status %s, grace until %v; want revoking for about an hour", old.Status, old.RevokeGraceUntil)
					}
					// Zero downtime: both secrets work during the grace period.
					if err := works(t, cp, oldSecret); err != nil {
						return fmt.Errorf("the old secret stopped working at once: %w", err)
					}
					return works(t, cp, newSecret)
				},
			},
		},
	})
}

// TestAccAPIKey_import: import by ID and by name brings every readable
// attribute, leaves the secret null (it cannot be read back), and the plan
// of the same configuration is empty afterwards.
func TestAccAPIKey_import(t *testing.T) {
	cp := acctest.Start(t)
	name := acctest.Name("imported")
	expires := time.Now().Add(30 * 24 * time.Hour).UTC().Truncate(time.Second).Format(time.RFC3339)
	cfg := cp.Config(fmt.Sprintf(`
resource "openclaw_api_key" "test" {
  name                  = %q
  description           = "imported key"
  scopes                = ["environments:read", "gpu_pools:write"]
  allowed_cidrs         = ["203.0.113.0/24", "2001:db8::/32"]
  rate_limit_per_minute = 120
  expires_at            = %q
  labels                = { team = "platform" }
}
`, name, expires))
	secretNull := func(states []*terraform.InstanceState) error {
		for _, s := range states {
			if v := s.Attributes["secret"]; v != "" {
				return fmt.Errorf("the imported secret is %q, want null", v[:4])
			}
		}
		return nil
	}

	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: factories,
		CheckDestroy:             checkKeysRevoked(cp),
		Steps: []resource.TestStep{
			{
				Config: cfg,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("expires_at"), knownvalue.StringExact(expires)),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("allowed_cidrs"), knownvalue.SetSizeExact(2)),
				},
			},
			{
				ResourceName:            addr,
				ImportState:             true,
				ImportStateVerify:       true,
				ImportStateVerifyIgnore: []string{"secret"},
				ImportStateCheck:        secretNull,
			},
			{
				ResourceName:            addr,
				ImportState:             true,
				ImportStateId:           name,
				ImportStateVerify:       true,
				ImportStateVerifyIgnore: []string{"secret"},
				ImportStateCheck:        secretNull,
			},
			// An import block with the same configuration plans nothing but
			// the import.
			{
				Config:          cfg,
				ResourceName:    addr,
				ImportState:     true,
				ImportStateKind: resource.ImportBlockWithID,
				ImportPlanChecks: resource.ImportPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(addr, plancheck.ResourceActionNoop),
						plancheck.ExpectKnownValue(addr, tfjsonpath.New("secret"), knownvalue.Null()),
					},
				},
			},
		},
	})
}

// TestAccAPIKey_planTimeValidation: invalid values are refused at plan time
// with the field and the fix.
func TestAccAPIKey_planTimeValidation(t *testing.T) {
	cp := acctest.Start(t)
	name := acctest.Name("valid")
	soon := time.Now().Add(10 * time.Minute).UTC().Format(time.RFC3339)
	cases := []struct {
		config string
		want   string
	}{
		{strings.Replace(keyConfig(name, ""), `"environments:read"`, `"environments:delete"`, 1),
			`"environments:delete" is not an OpenClaw scope. Valid scopes: admin, api_keys:manage, environments:read, environments:write, gpu_pools:read`},
		{strings.Replace(keyConfig(name, ""), `["environments:read"]`, `[]`, 1), `scopes set must contain at least 1 elements`},
		{keyConfig("CI Key", ""), `Invalid name.*"CI Key" is not a DNS label: use lowercase letters, digits and hyphens.*such as "ci-key"`},
		{keyConfig("", ""), `Invalid name.*the name is empty`},
		{keyConfig(name, `  allowed_cidrs = ["10.0.0.1/33"]`), `Error: Invalid allowed_cidrs entry.*"10.0.0.1/33" is not a network in CIDR notation`},
		{keyConfig(name, `  expires_at = "2020-01-01T00:00:00Z"`), `Expiry out of range.*expires_at 2020-01-01T00:00:00Z is in the past \([0-9]+ years ago\).*at least an hour from now`},
		{keyConfig(name, `  expires_at = "2099-01-01T00:00:00Z"`), `expires_at 2099-01-01T00:00:00Z is [0-9]+ years from now.*Choose an earlier time, no later than`},
		{keyConfig(name, `  environment_id = "env_doesnotexist"`), `Error: Unknown environment.*environment_id is "env_doesnotexist", but the control plane at .* has no environment with that ID`},
		{keyConfig(name, `  allowed_cidrs = ["10.1.2.3/8"]`), `"10.1.2.3/8" has host bits set; write the network "10.0.0.0/8"`},
		{keyConfig(name, `  allowed_cidrs = ["203.0.113.7"]`), `is an address, not a network; write "203.0.113.7/32"`},
		{keyConfig(name, `  ttl = "30d"`), `"30d" is not a duration`},
		{keyConfig(name, `  ttl = "10m"`), `10m is out of range: it must be between 1h0m0s and 8760h0m0s`},
		{keyConfig(name, fmt.Sprintf("  ttl = \"2h\"\n  expires_at = %q", soon)), `These attributes cannot be configured together: \[ttl,expires_at\]`},
		{keyConfig(name, fmt.Sprintf("  expires_at = %q", soon)), `Expiry out of range.*a new key must expire between 1h and 8760h`},
		{keyConfig(name, `  expires_at = "next week"`), `"next week" is not an RFC 3339 timestamp`},
		{keyConfig(name, `  rotation_period = "2160h"`), `rotation_period 2160h is not shorter than the key's lifetime \(the default lifetime of 2160h`},
		{keyConfig(name, "  ttl = \"720h\"\n  rotation_period = \"720h\""), `the key would expire before it is rotated`},
		{keyConfig(name, `  revoke_grace_period = "169h"`), `169h is out of range: it must be between 0s and 168h0m0s`},
		{keyConfig(name, `  rate_limit_per_minute = 70000`), `rate_limit_per_minute value must be between 0 and 60000`},
		{keyConfig(name, `  labels = { "Bad Key" = "x" }`), `label keys are 1-63 characters`},
		{`
ephemeral "openclaw_api_key" "run" {
  scopes = ["environments:read"]
  ttl    = "2h"
}
`, `2h is out of range: it must be between 1m0s and 1h0m0s`},
		{`
data "openclaw_api_key" "both" {
  id   = "key_x"
  name = "x"
}
`, `Exactly one of these attributes must be configured: \[id,name\]`},
	}
	steps := make([]resource.TestStep, 0, len(cases))
	for _, c := range cases {
		steps = append(steps, resource.TestStep{Config: cp.Config(c.config), PlanOnly: true, ExpectError: acctest.ExpectError(c.want)})
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: factories,
		Steps:                    steps,
	})
}
