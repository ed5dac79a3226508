package process

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/openclaw/terraform-provider-openclaw/internal/controlplane/driver"
)

func newTestDriver(t *testing.T, dataDir, bin string) *Driver {
	t.Helper()
	d, err := New(Config{
		DataDir: dataDir, Bin: bin, PortMin: 21000, PortMax: 21999,
		RestartBackoff: 20 * time.Millisecond, StartTimeout: 20 * time.Second,
	})
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func testGateway(id string) driver.Gateway {
	return driver.Gateway{
		ID: id, Name: "gw-" + id, Region: "us-east", OpenClawVersion: fakeVersion, ReleaseChannel: "stable",
		Secrets:            map[string]string{"ANTHROPIC_API_KEY": "sk-ant-test-value-1234"},
		SecretNames:        []string{"ANTHROPIC_API_KEY"},
		SecretFingerprints: map[string]string{"ANTHROPIC_API_KEY": "fp1"},
		Token:              "ocgw_test_token_abcdef",
	}
}

// waitPhase polls Health until it reports want.
func waitPhase(t *testing.T, d *Driver, id string, want driver.Phase) driver.Health {
	t.Helper()
	return waitHealth(t, d, id, string(want), func(h driver.Health) bool { return h.Phase == want })
}

// waitHealth polls Health until cond holds, for up to 20 s: it is these
// tests' one wait on the gateway processes (the driver is asynchronous by
// design, and the server's engine polls Health the same way).
func waitHealth(t *testing.T, d *Driver, id, want string, cond func(driver.Health) bool) driver.Health {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		h, err := d.Health(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		if cond(h) {
			return h
		}
		if time.Now().After(deadline) {
			t.Fatalf("gateway %s is %s (%s), want %s", id, h.Phase, h.Message, want)
		}
		<-tick.C
	}
}

func alive(pid int) bool { return syscall.Kill(pid, 0) == nil }

func TestStartReadyStopStartDelete(t *testing.T) {
	ctx := context.Background()
	data := t.TempDir()
	d := newTestDriver(t, data, fakeBin(t))
	t.Cleanup(func() { _ = d.Close() })
	g := testGateway("env_a")
	if err := d.Provision(ctx, g); err != nil {
		t.Fatal(err)
	}
	setMode(t, d, g.ID, fakeMode{ReadyAfter: 300 * time.Millisecond})
	if err := d.Start(ctx, g); err != nil {
		t.Fatal(err)
	}
	if h, _ := d.Health(ctx, g.ID); h.Phase != driver.PhaseStarting {
		t.Fatalf("right after Start: %s (%s), want starting until /readyz is ready", h.Phase, h.Message)
	}
	h := waitPhase(t, d, g.ID, driver.PhaseReady)
	url := d.URL(g)
	resp, err := http.Get(url + "/readyz")
	if err != nil {
		t.Fatalf("gateway_url %s does not answer: %v", url, err)
	}
	_ = resp.Body.Close()

	// Secrets and token: in the process's environment, nowhere on disk.
	environ, err := os.ReadFile("/proc/" + strconv.Itoa(h.PID) + "/environ")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"ANTHROPIC_API_KEY=sk-ant-test-value-1234", "OPENCLAW_GATEWAY_TOKEN=ocgw_test_token_abcdef", "OPENCLAW_STATE_DIR=" + d.StateDir(g.ID)} {
		if !strings.Contains(string(environ), want) {
			t.Errorf("gateway environment lacks %s", want)
		}
	}
	if strings.Contains(string(environ), "OPENCLAW_ENCRYPTION_KEY") {
		t.Error("the control plane's own environment leaked into the gateway's")
	}
	assertNotOnDisk(t, data, "sk-ant-test-value-1234", "ocgw_test_token_abcdef")
	var cfg map[string]any
	b, _ := os.ReadFile(filepath.Join(d.StateDir(g.ID), "openclaw.json"))
	if err := json.Unmarshal(b, &cfg); err != nil {
		t.Fatal(err)
	}
	gwCfg := cfg["gateway"].(map[string]any)
	if gwCfg["mode"] != "local" || gwCfg["bind"] != "loopback" || int(gwCfg["port"].(float64)) != d.gws[g.ID].port {
		t.Errorf("gateway config %v", gwCfg)
	}

	// Stop is a drain: the process goes, the port stays reserved.
	pid := h.PID
	if err := d.Stop(ctx, g.ID, 5*time.Second); err != nil {
		t.Fatal(err)
	}
	waitPhase(t, d, g.ID, driver.PhaseStopped)
	if alive(pid) {
		t.Fatalf("pid %d still runs after stop", pid)
	}
	if lines, _ := d.Logs(ctx, g.ID, 5); !strings.Contains(strings.Join(lines, "\n"), "draining") {
		t.Errorf("log tail %q does not show the drain", lines)
	}
	// Start again: same state directory, same port.
	if err := d.Start(ctx, g); err != nil {
		t.Fatal(err)
	}
	h2 := waitPhase(t, d, g.ID, driver.PhaseReady)
	if h2.PID == pid || d.URL(g) != url {
		t.Errorf("restart: pid %d (was %d), url %s (was %s)", h2.PID, pid, d.URL(g), url)
	}
	if err := d.Delete(ctx, g.ID); !errors.Is(err, driver.ErrRunning) {
		t.Fatalf("delete of a running gateway: %v, want ErrRunning", err)
	}
	_ = d.Stop(ctx, g.ID, 5*time.Second)
	waitPhase(t, d, g.ID, driver.PhaseStopped)
	if err := d.Delete(ctx, g.ID); err != nil {
		t.Fatal(err)
	}
	for _, dir := range []string{d.StateDir(g.ID), d.runDir(g.ID)} {
		if _, err := os.Stat(dir); !os.IsNotExist(err) {
			t.Errorf("%s still exists after delete", dir)
		}
	}
}

func TestLogsHaveNoColours(t *testing.T) {
	ctx := context.Background()
	d := newTestDriver(t, t.TempDir(), fakeBin(t))
	t.Cleanup(func() { _ = d.Close() })
	g := testGateway("env_log")
	_ = d.Provision(ctx, g)
	if err := d.Start(ctx, g); err != nil {
		t.Fatal(err)
	}
	waitPhase(t, d, g.ID, driver.PhaseReady)
	lines, err := d.Logs(ctx, g.ID, 2)
	if err != nil || len(lines) != 2 {
		t.Fatalf("Logs(2) = %q, %v", lines, err)
	}
	all, _ := d.Logs(ctx, g.ID, 100)
	joined := strings.Join(all, "\n")
	if strings.Contains(joined, "\x1b[") || !strings.Contains(joined, "[gateway] loading configuration") {
		t.Errorf("log lines %q: want the gateway's lines without terminal colours", all)
	}
	stopAndWait(t, d, g.ID)
}

func TestCrashingGatewayIsRestartedThenFailed(t *testing.T) {
	ctx := context.Background()
	d := newTestDriver(t, t.TempDir(), fakeBin(t))
	t.Cleanup(func() { _ = d.Close() })
	g := testGateway("env_crash")
	_ = d.Provision(ctx, g)
	setMode(t, d, g.ID, fakeMode{Crash: true})
	if err := d.Start(ctx, g); err != nil {
		t.Fatal(err)
	}
	var restarts int
	timeout := time.After(20 * time.Second)
	for {
		select {
		case ev := <-d.Events():
			if ev.GatewayID != g.ID {
				continue
			}
			if ev.Phase == driver.PhaseStarting {
				restarts++
				if !strings.Contains(ev.Message, "restart") {
					t.Errorf("restart event %q", ev.Message)
				}
				continue
			}
			if ev.Phase != driver.PhaseFailed {
				t.Fatalf("event %+v", ev)
			}
			if restarts != 3 {
				t.Errorf("%d restarts before failing, want 3 (MaxRestarts)", restarts)
			}
			for _, want := range []string{"crashed 4 times", "exit status 1", "Invalid config at", "Unrecognized key"} {
				if !strings.Contains(ev.Message, want) {
					t.Errorf("failure message lacks %q:\n%s", want, ev.Message)
				}
			}
			h := waitPhase(t, d, g.ID, driver.PhaseFailed)
			if h.Message != ev.Message {
				t.Errorf("Health message %q differs from the event's", h.Message)
			}
			// A new Start clears the failure and tries again.
			setMode(t, d, g.ID, fakeMode{})
			if err := d.Start(ctx, g); err != nil {
				t.Fatal(err)
			}
			waitPhase(t, d, g.ID, driver.PhaseReady)
			stopAndWait(t, d, g.ID)
			return
		case <-timeout:
			t.Fatal("no failed event")
		}
	}
}

func TestDrainEndsWithKillAfterTimeout(t *testing.T) {
	ctx := context.Background()
	d := newTestDriver(t, t.TempDir(), fakeBin(t))
	t.Cleanup(func() { _ = d.Close() })
	g := testGateway("env_stubborn")
	_ = d.Provision(ctx, g)
	setMode(t, d, g.ID, fakeMode{IgnoreTerm: true})
	if err := d.Start(ctx, g); err != nil {
		t.Fatal(err)
	}
	h := waitPhase(t, d, g.ID, driver.PhaseReady)
	if err := d.Stop(ctx, g.ID, 300*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	if h, _ := d.Health(ctx, g.ID); h.Phase != driver.PhaseStopping {
		t.Errorf("while draining: %s, want stopping", h.Phase)
	}
	waitPhase(t, d, g.ID, driver.PhaseStopped)
	if alive(h.PID) {
		t.Fatal("the gateway still runs after the drain timeout")
	}
	if lines, _ := d.Logs(ctx, g.ID, 10); !strings.Contains(strings.Join(lines, "\n"), "SIGTERM ignored") {
		t.Errorf("log %q: SIGTERM was not sent before the kill", lines)
	}
}

func TestChangedSecretRestartsSameInputsKeep(t *testing.T) {
	ctx := context.Background()
	d := newTestDriver(t, t.TempDir(), fakeBin(t))
	t.Cleanup(func() { _ = d.Close() })
	g := testGateway("env_secret")
	_ = d.Provision(ctx, g)
	if err := d.Start(ctx, g); err != nil {
		t.Fatal(err)
	}
	first := waitPhase(t, d, g.ID, driver.PhaseReady)
	if err := d.Start(ctx, g); err != nil {
		t.Fatal(err)
	}
	if h, _ := d.Health(ctx, g.ID); h.PID != first.PID {
		t.Fatalf("Start with the same inputs replaced pid %d by %d", first.PID, h.PID)
	}
	g.Secrets = map[string]string{"ANTHROPIC_API_KEY": "sk-ant-rotated-5678"}
	g.SecretFingerprints = map[string]string{"ANTHROPIC_API_KEY": "fp2"}
	if err := d.Start(ctx, g); err != nil {
		t.Fatal(err)
	}
	h := waitHealth(t, d, g.ID, "relaunched with the new secret", func(h driver.Health) bool {
		return h.Phase == driver.PhaseReady && h.PID != first.PID
	})
	environ, _ := os.ReadFile("/proc/" + strconv.Itoa(h.PID) + "/environ")
	if !strings.Contains(string(environ), "sk-ant-rotated-5678") {
		t.Error("the relaunched gateway lacks the new secret value")
	}
	if alive(first.PID) {
		t.Error("the old gateway still runs")
	}
	stopAndWait(t, d, g.ID)
}

// A control plane that restarts adopts the gateway it finds running, never
// launching a second one on the same state directory, and relaunches it
// when it dies later.
func TestAdoptionAfterControlPlaneRestart(t *testing.T) {
	ctx := context.Background()
	data, bin := t.TempDir(), fakeBin(t)
	d1 := newTestDriver(t, data, bin)
	g := testGateway("env_adopt")
	_ = d1.Provision(ctx, g)
	if err := d1.Start(ctx, g); err != nil {
		t.Fatal(err)
	}
	h1 := waitPhase(t, d1, g.ID, driver.PhaseReady)
	// The control plane goes away (Close without StopOnClose leaves the
	// gateway running, as kill -9 of the control plane would).
	if err := d1.Close(); err != nil {
		t.Fatal(err)
	}
	if !alive(h1.PID) {
		t.Fatal("the gateway died with the control plane")
	}

	d2 := newTestDriver(t, data, bin)
	t.Cleanup(func() { _ = d2.Close() })
	h2 := waitPhase(t, d2, g.ID, driver.PhaseReady)
	if h2.PID != h1.PID {
		t.Fatalf("after restart pid %d, want the adopted %d", h2.PID, h1.PID)
	}
	if err := d2.Start(ctx, g); err != nil {
		t.Fatal(err)
	}
	if h, _ := d2.Health(ctx, g.ID); h.PID != h1.PID {
		t.Fatalf("Start after restart replaced the adopted gateway (%d → %d)", h1.PID, h.PID)
	}
	// The lock is what forbids a second gateway, whatever the driver thinks.
	d2.mu.Lock()
	gw := d2.gws[g.ID]
	saved := gw.pid
	gw.pid = 0
	err := d2.launchLocked(gw)
	gw.pid = saved
	d2.mu.Unlock()
	if err == nil || !strings.Contains(err.Error(), "another gateway holds the state directory") {
		t.Fatalf("a second launch on the same state directory: %v", err)
	}
	// The adopted gateway dies: it is relaunched (a crash, with backoff).
	if err := syscall.Kill(h1.PID, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	waitHealth(t, d2, g.ID, "the dead adopted gateway relaunched", func(h driver.Health) bool {
		return h.Phase == driver.PhaseReady && h.PID != h1.PID
	})
	stopAndWait(t, d2, g.ID)
}

func TestVersions(t *testing.T) {
	d := newTestDriver(t, t.TempDir(), fakeBin(t))
	t.Cleanup(func() { _ = d.Close() })
	if v := d.Versions(); len(v) != 1 || v[0] != fakeVersion {
		t.Fatalf("Versions() = %v", v)
	}
	if v := d.DefaultVersion("stable"); v != fakeVersion {
		t.Errorf("DefaultVersion(stable) = %q", v)
	}
	g := testGateway("env_v")
	g.OpenClawVersion = "2026.11.3"
	err := d.Start(context.Background(), g)
	if !errors.Is(err, driver.ErrUnknownVersion) || !strings.Contains(err.Error(), "installed: "+fakeVersion) {
		t.Fatalf("Start of an uninstalled version: %v", err)
	}
}

func TestNoOpenClawSaysWhatToDo(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	_, err := New(Config{DataDir: t.TempDir(), CacheDir: t.TempDir()})
	if err == nil || !strings.Contains(err.Error(), "tools/openclaw.sh") || !strings.Contains(err.Error(), "--openclaw-bin") {
		t.Fatalf("New without openclaw: %v", err)
	}
}

func TestCacheInstallsAreFound(t *testing.T) {
	cache := t.TempDir()
	for _, v := range []string{"2026.9.6", "2026.11.3"} {
		dir := filepath.Join(cache, "openclaw-"+v)
		_ = os.MkdirAll(dir, 0o700)
		_ = os.WriteFile(filepath.Join(dir, "openclaw"), []byte("#!/bin/sh\n"), 0o700)
		_ = os.WriteFile(filepath.Join(dir, ".complete"), nil, 0o600)
	}
	_ = os.MkdirAll(filepath.Join(cache, "openclaw-2026.12.0"), 0o700) // an unfinished install
	d, err := New(Config{DataDir: t.TempDir(), CacheDir: cache})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = d.Close() })
	if got := strings.Join(d.Versions(), ","); got != "2026.11.3,2026.9.6" {
		t.Fatalf("Versions() = %s, want the complete installs, newest first", got)
	}
}

func TestSimulatedGPUNodeServesThePoolsModels(t *testing.T) {
	ctx := context.Background()
	data := t.TempDir()
	d := newTestDriver(t, data, fakeBin(t))
	p := driver.Pool{ID: "gpu_1", Name: "llm", EnvName: "prod", Region: "us-east", Backend: "vllm", Nodes: 2, Models: []driver.Model{{ID: "llama-3.1-8b", ContextWindow: 8192}}}
	url, err := d.GPUNodes().Scale(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(url, "http://127.0.0.1:") || !strings.HasSuffix(url, "/v1") || d.GPUNodes().BaseURL(p) != url {
		t.Fatalf("base URL %q", url)
	}
	body := get(t, url+"/models")
	if !strings.Contains(body, `"llama-3.1-8b"`) {
		t.Errorf("/v1/models = %s", body)
	}
	resp, err := http.Post(url+"/chat/completions", "application/json", strings.NewReader(`{"model":"llama-3.1-8b","messages":[{"role":"user","content":"hi"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if resp.Header.Get("X-OpenClaw-Simulated-GPU-Node") != "llm" || !strings.Contains(string(b), "simulated GPU node") || !strings.Contains(string(b), `"chat.completion"`) {
		t.Errorf("chat completion: %s %s", resp.Header, b)
	}
	// A restarted control plane serves it again on the same port.
	_ = d.Close()
	d2 := newTestDriver(t, data, fakeBin(t))
	t.Cleanup(func() { _ = d2.Close() })
	if d2.GPUNodes().BaseURL(p) != url {
		t.Fatalf("after restart %q, want %q", d2.GPUNodes().BaseURL(p), url)
	}
	if !strings.Contains(get(t, url+"/models"), "llama-3.1-8b") {
		t.Error("not served after restart")
	}
	if err := d2.GPUNodes().Release(ctx, p.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := http.Get(url + "/models"); err == nil {
		t.Error("still served after release")
	}
}

func get(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close() //nolint:errcheck // test
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

func stopAndWait(t *testing.T, d *Driver, id string) {
	t.Helper()
	if err := d.Stop(context.Background(), id, 5*time.Second); err != nil {
		t.Fatal(err)
	}
	waitPhase(t, d, id, driver.PhaseStopped)
}

// assertNotOnDisk fails when any file under dir holds one of the values.
func assertNotOnDisk(t *testing.T, dir string, values ...string) {
	t.Helper()
	_ = filepath.WalkDir(dir, func(p string, e fs.DirEntry, err error) error {
		if err != nil || !e.Type().IsRegular() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		for _, v := range values {
			if strings.Contains(string(b), v) {
				t.Errorf("%s holds a secret value", p)
			}
		}
		return nil
	})
}
