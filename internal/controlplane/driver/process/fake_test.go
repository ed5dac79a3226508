package process

import (
	"encoding/json"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// The driver's logic (locks, adoption, crash restarts, drains) is tested
// against a fake openclaw: this test binary, run through a script. Real
// gateways are ~790 MB and ~16 s each; they are tested in real_test.go and
// in the provider's acceptance tests.

const fakeVersion = "2099.1.0"

// fakeMode is read by the fake gateway from its state directory.
type fakeMode struct {
	// Crash: exit 1 at start with an OpenClaw-like config error.
	Crash bool `json:"crash"`
	// ReadyAfter: /readyz answers ready this long after start.
	ReadyAfter time.Duration `json:"ready_after"`
	// IgnoreTerm: do not exit on SIGTERM (a drain that never ends).
	IgnoreTerm bool `json:"ignore_term"`
}

func TestMain(m *testing.M) {
	if os.Getenv("FAKE_OPENCLAW") == "1" {
		os.Exit(fakeOpenClaw(os.Args[1:]))
	}
	os.Exit(m.Run())
}

func fakeOpenClaw(args []string) int {
	if len(args) > 0 && args[0] == "--version" {
		fmt.Printf("OpenClaw %s (fake)\n", fakeVersion)
		return 0
	}
	if len(args) < 2 || args[0] != "gateway" || args[1] != "run" {
		fmt.Fprintln(os.Stderr, "fake openclaw: unsupported command", args)
		return 2
	}
	fs := flag.NewFlagSet("gateway run", flag.ContinueOnError)
	port := fs.Int("port", 0, "")
	fs.String("bind", "", "")
	fs.String("auth", "", "")
	if err := fs.Parse(args[2:]); err != nil {
		return 2
	}
	dir := os.Getenv("OPENCLAW_STATE_DIR")
	var mode fakeMode
	if b, err := os.ReadFile(filepath.Join(dir, "fake-mode.json")); err == nil {
		_ = json.Unmarshal(b, &mode)
	}
	fmt.Printf("\x1b[36m[gateway]\x1b[39m loading configuration %s\n", os.Getenv("OPENCLAW_CONFIG_PATH"))
	if mode.Crash {
		fmt.Fprintf(os.Stderr, "Invalid config at %s/openclaw.json: fake.key: Unrecognized key\n", dir)
		return 1
	}
	ln, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", *port))
	if err != nil {
		fmt.Fprintln(os.Stderr, "listen:", err)
		return 1
	}
	start := time.Now()
	mux := http.NewServeMux()
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) { fmt.Fprint(w, `{"ok":true,"status":"live"}`) })
	mux.HandleFunc("/readyz", func(w http.ResponseWriter, _ *http.Request) {
		if time.Since(start) < mode.ReadyAfter {
			w.WriteHeader(http.StatusServiceUnavailable)
			fmt.Fprint(w, `{"ready":false,"failing":["startup-sidecars"]}`)
			return
		}
		fmt.Fprint(w, `{"ready":true,"failing":[]}`)
	})
	go func() { _ = http.Serve(ln, mux) }() //nolint:gosec // test fake
	fmt.Printf("[gateway] http server listening on %d\n", *port)
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM)
	for range sig {
		if mode.IgnoreTerm {
			fmt.Println("[gateway] SIGTERM ignored (fake)")
			continue
		}
		fmt.Println("[gateway] draining")
		return 0
	}
	return 0
}

// fakeBin writes a script that runs this test binary as openclaw.
func fakeBin(t *testing.T) string {
	t.Helper()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "openclaw")
	script := fmt.Sprintf("#!/bin/sh\nFAKE_OPENCLAW=1 exec %q \"$@\"\n", self)
	if err := os.WriteFile(p, []byte(script), 0o700); err != nil {
		t.Fatal(err)
	}
	return p
}

func setMode(t *testing.T, d *Driver, id string, m fakeMode) {
	t.Helper()
	b, _ := json.Marshal(m)
	if err := os.WriteFile(filepath.Join(d.StateDir(id), "fake-mode.json"), b, 0o600); err != nil {
		t.Fatal(err)
	}
}
