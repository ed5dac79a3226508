package environment_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/openclaw/terraform-provider-openclaw/internal/api"
	"github.com/openclaw/terraform-provider-openclaw/internal/provider/acctest"
)

// Acceptance tests on the process driver: real `openclaw gateway`
// processes (about 800 MB and 10-60 s to ready each on these machines), so
// they are few and sequential. Each logs the gateway's resident memory and
// its time to ready.

const processSecret = "sk-ant-acctest-process-7f3a9c"

func processEnvConfig(name, desired string, withPool bool) string {
	hcl := fmt.Sprintf(`
resource "openclaw_environment" "test" {
  name               = %q
  region             = "eu-central"
  desired_state      = %q
  secrets_wo         = { ANTHROPIC_API_KEY = %q }
  secrets_wo_version = 1
}
`, name, desired, processSecret)
	if withPool {
		hcl += `
resource "openclaw_gpu_pool" "llm" {
  name           = "llm"
  environment_id = openclaw_environment.test.id
  provider_id    = "local-llm"
  backend        = "vllm"
  gpu_type       = "nvidia-l4"
  node_count     = 1
  models         = [{ id = "meta-llama/Llama-3.1-8B-Instruct", context_window = 131072, max_tokens = 8192 }]
}
`
	}
	return hcl
}

// gatewayPID is the pid the process driver recorded for an environment.
func gatewayPID(t *testing.T, cp *acctest.ControlPlane, id string) int {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(cp.DataDir, "gateways", id, "runtime.json"))
	if err != nil {
		t.Fatal(err)
	}
	var rt struct {
		PID int `json:"pid"`
	}
	if err := json.Unmarshal(b, &rt); err != nil {
		t.Fatal(err)
	}
	return rt.PID
}

func processAlive(pid int) bool {
	if pid == 0 || syscall.Kill(pid, 0) != nil {
		return false
	}
	// A zombie is not running.
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	return err == nil && !strings.Contains(string(b), ") Z ")
}

// groupRSSMB sums the resident memory of the gateway's session (the
// gateway and its workers).
func groupRSSMB(pid int) int64 {
	entries, _ := os.ReadDir("/proc")
	var kb int64
	for _, e := range entries {
		if _, err := strconv.Atoi(e.Name()); err != nil {
			continue
		}
		stat, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue
		}
		f := strings.Fields(string(stat[strings.LastIndexByte(string(stat), ')')+2:]))
		if len(f) < 4 || f[3] != strconv.Itoa(pid) { // field 6: session id
			continue
		}
		status, _ := os.ReadFile("/proc/" + e.Name() + "/status")
		for _, l := range strings.Split(string(status), "\n") {
			if v, ok := strings.CutPrefix(l, "VmRSS:"); ok {
				n, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
				kb += n
			}
		}
	}
	return kb / 1024
}

// checkGatewayReady asserts that gateway_url answers /healthz and /readyz
// ready, and logs what the gateway costs.
func checkGatewayReady(t *testing.T, cp *acctest.ControlPlane, started *time.Time) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		rs := s.RootModule().Resources[addr]
		url := rs.Primary.Attributes["gateway_url"]
		if !strings.HasPrefix(url, "http://127.0.0.1:") {
			return fmt.Errorf("gateway_url %q: want the local address the real gateway listens on", url)
		}
		for _, p := range []string{"/healthz", "/readyz"} {
			resp, err := http.Get(url + p)
			if err != nil {
				return fmt.Errorf("GET %s%s: %w", url, p, err)
			}
			body, _ := io.ReadAll(resp.Body)
			_ = resp.Body.Close()
			if resp.StatusCode != http.StatusOK || (p == "/readyz" && !strings.Contains(string(body), `"ready":true`)) {
				return fmt.Errorf("GET %s%s → %d %s", url, p, resp.StatusCode, body)
			}
		}
		pid := gatewayPID(t, cp, rs.Primary.ID)
		t.Logf("real gateway %s: pid %d, ready %.1fs after the apply began, resident memory %d MB (gateway and workers)",
			rs.Primary.ID, pid, time.Since(*started).Seconds(), groupRSSMB(pid))
		return nil
	}
}

func TestAccProcessDriver_lifecycle(t *testing.T) {
	cp := acctest.StartProcess(t)
	name := acctest.Name("proc")
	var started time.Time
	var firstPID int
	begin := func() { started = time.Now() }

	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		CheckDestroy: func(s *terraform.State) error {
			if err := cp.CheckEnvironmentsDestroyed(s); err != nil {
				return err
			}
			id := s.RootModule().Resources[addr].Primary.ID
			if processAlive(firstPID) {
				return fmt.Errorf("gateway pid %d still runs after destroy", firstPID)
			}
			for _, dir := range []string{filepath.Join(cp.DataDir, "environments", id), filepath.Join(cp.DataDir, "gateways", id)} {
				if _, err := os.Stat(dir); !os.IsNotExist(err) {
					return fmt.Errorf("%s is left after destroy (deleting an environment removes its state directory)", dir)
				}
			}
			return nil
		},
		Steps: []resource.TestStep{
			// Create with a secret and a GPU pool: a live gateway.
			{
				PreConfig: begin,
				Config:    cp.Config(processEnvConfig(name, "running", true)),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("status"), knownvalue.StringExact("running")),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("power_state"), knownvalue.StringExact("on")),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("openclaw_version"), knownvalue.StringRegexp(regexp.MustCompile(`^\d{4}\.\d+\.\d+`))),
					statecheck.ExpectSensitiveValue(addr, tfjsonpath.New("gateway_token")),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("gateway_token"), knownvalue.StringRegexp(regexp.MustCompile(`^ocgw_`))),
				},
				Check: resource.ComposeTestCheckFunc(
					checkGatewayReady(t, cp, &started),
					func(s *terraform.State) error {
						env := s.RootModule().Resources[addr].Primary
						firstPID = gatewayPID(t, cp, env.ID)
						token := env.Attributes["gateway_token"]
						// Secret and token: in the gateway's environment only.
						environ, err := os.ReadFile(fmt.Sprintf("/proc/%d/environ", firstPID))
						if err != nil {
							return err
						}
						for _, want := range []string{"ANTHROPIC_API_KEY=" + processSecret, "OPENCLAW_GATEWAY_TOKEN=" + token} {
							if !strings.Contains(string(environ), want) {
								return fmt.Errorf("the gateway's environment lacks %s", strings.SplitN(want, "=", 2)[0])
							}
						}
						if err := notOnDisk(cp.DataDir, processSecret, token); err != nil {
							return err
						}
						// The pool is a provider in the real openclaw.json, served
						// by its simulated GPU node, and the gateway took it.
						pool := s.RootModule().Resources["openclaw_gpu_pool.llm"].Primary
						var cfg struct {
							Models struct {
								Providers map[string]struct {
									BaseURL string `json:"baseUrl"`
								} `json:"providers"`
							} `json:"models"`
						}
						b, _ := os.ReadFile(filepath.Join(cp.DataDir, "environments", env.ID, "openclaw.json"))
						if err := json.Unmarshal(b, &cfg); err != nil {
							return err
						}
						baseURL := cfg.Models.Providers["local-llm"].BaseURL
						if baseURL == "" || baseURL != pool.Attributes["base_url"] {
							return fmt.Errorf("openclaw.json local-llm baseUrl %q, pool base_url %q", baseURL, pool.Attributes["base_url"])
						}
						resp, err := http.Get(baseURL + "/models")
						if err != nil {
							return fmt.Errorf("the simulated GPU node at %s: %w", baseURL, err)
						}
						body, _ := io.ReadAll(resp.Body)
						_ = resp.Body.Close()
						if !strings.Contains(string(body), "Llama-3.1-8B-Instruct") {
							return fmt.Errorf("GET %s/models = %s", baseURL, body)
						}
						return waitForLog(cp, env.ID, "hot reload applied (models.providers.local-llm)", "Invalid config")
					},
				),
			},
			// Stop: a drain; the process is gone, power off, plan empty after.
			{
				Config: cp.Config(processEnvConfig(name, "stopped", true)),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("status"), knownvalue.StringExact("stopped")),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("power_state"), knownvalue.StringExact("off")),
				},
				Check: func(s *terraform.State) error {
					if processAlive(firstPID) {
						return fmt.Errorf("gateway pid %d still runs after stop", firstPID)
					}
					lines, err := cp.Client.GetEnvironmentLogs(context.Background(), s.RootModule().Resources[addr].Primary.ID, 50)
					if err != nil {
						return err
					}
					if !strings.Contains(strings.Join(lines, "\n"), "[shutdown]") {
						return fmt.Errorf("the gateway's log shows no shutdown (drain): %q", lines)
					}
					return nil
				},
			},
			// Start again: same state directory, ready again.
			{
				PreConfig: begin,
				Config:    cp.Config(processEnvConfig(name, "running", true)),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate)},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("status"), knownvalue.StringExact("running")),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("power_state"), knownvalue.StringExact("on")),
				},
				Check: checkGatewayReady(t, cp, &started),
			},
			{
				ResourceName:            addr,
				ImportState:             true,
				ImportStateVerify:       true,
				ImportStateVerifyIgnore: []string{"secrets_wo", "secrets_wo_version", "timeouts"},
			},
		},
	})
}

// A control plane that stops without stopping its gateways (as kill -9
// leaves them) is restarted: the new one adopts the running gateway. Then
// the gateway crashes on every start: after its restarts it is failed with
// its log lines, and the next apply repairs it.
func TestAccProcessDriver_adoptionAndCrash(t *testing.T) {
	cp := acctest.StartProcess(t)
	name := acctest.Name("adopt")
	var started time.Time
	var pid int
	var envID string
	cfg := cp.Config(processEnvConfig(name, "running", false))

	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		CheckDestroy:             cp.CheckEnvironmentsDestroyed,
		Steps: []resource.TestStep{
			{
				PreConfig: func() { started = time.Now() },
				Config:    cfg,
				Check: resource.ComposeTestCheckFunc(
					checkGatewayReady(t, cp, &started),
					func(s *terraform.State) error {
						envID = s.RootModule().Resources[addr].Primary.ID
						pid = gatewayPID(t, cp, envID)
						return nil
					},
				),
			},
			{
				PreConfig: func() {
					cp.Restart(t)
					if !processAlive(pid) {
						t.Fatal("the gateway died with the control plane")
					}
				},
				Config: cfg,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: func(s *terraform.State) error {
					if got := gatewayPID(t, cp, envID); got != pid || !processAlive(pid) {
						return fmt.Errorf("after the restart the gateway is pid %d (alive %v), want the adopted %d", got, processAlive(pid), pid)
					}
					return nil
				},
			},
			{
				// Break the config behind the control plane's back (OpenClaw
				// refuses unknown keys) and kill the gateway: every restart
				// fails, then the environment is failed with the log lines.
				PreConfig: func() {
					path := filepath.Join(cp.DataDir, "environments", envID, "openclaw.json")
					b, err := os.ReadFile(path)
					if err != nil {
						t.Fatal(err)
					}
					broken := strings.Replace(string(b), "{", `{ "notAnOpenClawKey": true,`, 1)
					if err := os.WriteFile(path, []byte(broken), 0o600); err != nil {
						t.Fatal(err)
					}
					if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
						t.Fatal(err)
					}
					env := waitForStatus(t, cp, envID, api.EnvStatusFailed, 6*time.Minute)
					for _, want := range []string{"crashed", "Last lines of its log", "notAnOpenClawKey"} {
						if !strings.Contains(env.StatusMessage, want) {
							t.Errorf("status_message lacks %q:\n%s", want, env.StatusMessage)
						}
					}
					if env.PowerState != api.PowerOff {
						t.Errorf("power_state %s, want off", env.PowerState)
					}
					started = time.Now()
				},
				// The failed environment is planned as an update; apply writes
				// the config again and starts it.
				Config: cfg,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate)},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("status"), knownvalue.StringExact("running")),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("status_message"), knownvalue.StringExact("")),
				},
				Check: checkGatewayReady(t, cp, &started),
			},
		},
	})
}

func waitForStatus(t *testing.T, cp *acctest.ControlPlane, id, status string, within time.Duration) *api.Environment {
	t.Helper()
	var env *api.Environment
	err := acctest.Poll(within, 500*time.Millisecond, func() (bool, error) {
		var err error
		env, err = cp.Client.GetEnvironment(context.Background(), id)
		return err == nil && env.Status == status, err
	})
	if errors.Is(err, acctest.ErrPollTimeout) {
		t.Fatalf("environment %s is %s (%s) after %s, want %s", id, env.Status, env.StatusMessage, within, status)
	}
	if err != nil {
		t.Fatal(err)
	}
	return env
}

// waitForLog waits for the gateway's log (through the API) to mention want,
// failing early when it mentions bad.
func waitForLog(cp *acctest.ControlPlane, id, want, bad string) error {
	var joined string
	err := acctest.Poll(2*time.Minute, time.Second, func() (bool, error) {
		lines, err := cp.Client.GetEnvironmentLogs(context.Background(), id, 1000)
		if err != nil {
			return false, err
		}
		joined = strings.Join(lines, "\n")
		if strings.Contains(joined, bad) {
			return false, fmt.Errorf("the gateway's log says %q:\n%s", bad, joined)
		}
		return strings.Contains(joined, want), nil
	})
	if errors.Is(err, acctest.ErrPollTimeout) {
		return fmt.Errorf("the gateway's log never mentions %q:\n%s", want, joined)
	}
	return err
}

// notOnDisk fails when a file under dir holds one of the values.
func notOnDisk(dir string, values ...string) error {
	return filepath.WalkDir(dir, func(p string, e fs.DirEntry, err error) error {
		if err != nil {
			if os.IsNotExist(err) || os.IsPermission(err) {
				return nil // the gateway's files come and go
			}
			return err
		}
		if !e.Type().IsRegular() {
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return nil //nolint:nilerr // removed while walking
		}
		for _, v := range values {
			if strings.Contains(string(b), v) {
				return fmt.Errorf("%s holds a secret value (secrets and the gateway token must reach the gateway only as environment variables)", p)
			}
		}
		return nil
	})
}
