package main

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/openclaw/terraform-provider-openclaw/internal/testpki"
)

// syncBuffer collects the control plane's log lines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// startServe runs `serve` with args and returns its address once it
// listens, its logs and its exit.
func startServe(t *testing.T, args ...string) (addr string, logs *syncBuffer, exited <-chan error) {
	t.Helper()
	dir := t.TempDir()
	t.Setenv("OPENCLAW_BOOTSTRAP_KEY", "ocp_main_test_bootstrap_key_000000000000")
	addrFile := filepath.Join(dir, "addr")
	logs = &syncBuffer{}
	done := make(chan error, 1)
	go func() {
		done <- run(append([]string{"serve", "--data-dir", filepath.Join(dir, "data"), "--addr-file", addrFile}, args...), logs)
	}()
	deadline := time.Now().Add(30 * time.Second)
	for {
		if b, err := os.ReadFile(addrFile); err == nil && len(b) > 0 {
			return strings.TrimSpace(string(b)), logs, done
		}
		select {
		case err := <-done:
			t.Fatalf("serve exited before listening: %v\n%s", err, logs)
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("serve did not listen within 30s:\n%s", logs)
		}
	}
}

// sigterm stops the serve started last, as systemd or Kubernetes does, and
// waits for it to exit.
func sigterm(t *testing.T, exited <-chan error, logs *syncBuffer) {
	t.Helper()
	if err := syscall.Kill(os.Getpid(), syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-exited:
		if err != nil {
			t.Fatalf("serve after SIGTERM: %v\n%s", err, logs)
		}
	case <-time.After(30 * time.Second):
		t.Fatalf("serve did not exit after SIGTERM:\n%s", logs)
	}
	if !strings.Contains(logs.String(), "shutting down") {
		t.Errorf("no shutdown in the logs:\n%s", logs)
	}
}

// TestServeTLS: --tls-cert and --tls-key serve HTTPS (TLS 1.2 or later)
// and SIGTERM ends serve cleanly. Not parallel: the signal goes to the
// whole test process.
func TestServeTLS(t *testing.T) {
	dir := t.TempDir()
	ca := testpki.NewCA(t, "main-test")
	certFile, keyFile := ca.Server(t, testpki.CertOptions{}).Write(t, dir, "server")
	addr, logs, exited := startServe(t, "--listen", "127.0.0.1:0", "--tls-cert", certFile, "--tls-key", keyFile)

	roots := x509.NewCertPool()
	roots.AddCert(ca.Cert)
	c := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: roots}}, Timeout: 10 * time.Second}
	resp, err := c.Get("https://" + addr + "/healthz")
	if err != nil {
		t.Fatalf("https /healthz: %v\n%s", err, logs)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.TLS == nil || resp.TLS.Version < tls.VersionTLS12 {
		t.Fatalf("https /healthz: %d %+v", resp.StatusCode, resp.TLS)
	}
	if resp, err := http.Get("http://" + addr + "/healthz"); err == nil {
		resp.Body.Close()
		if resp.StatusCode == http.StatusOK {
			t.Fatal("plain HTTP is answered on the TLS port")
		}
	}
	if !strings.Contains(logs.String(), `"scheme":"https"`) || strings.Contains(logs.String(), "plain HTTP") {
		t.Errorf("logs:\n%s", logs)
	}
	sigterm(t, exited, logs)
}

// TestServePlainHTTPWarning: plain HTTP on every interface warns at start;
// on loopback (make demo) it does not.
func TestServePlainHTTPWarning(t *testing.T) {
	for _, c := range []struct {
		listen string
		warn   bool
	}{
		{"127.0.0.1:0", false},
		{"0.0.0.0:0", true},
	} {
		_, logs, exited := startServe(t, "--listen", c.listen)
		sigterm(t, exited, logs)
		if got := strings.Contains(logs.String(), "serving plain HTTP on a non-loopback address"); got != c.warn {
			t.Errorf("--listen %s: warning %v, want %v:\n%s", c.listen, got, c.warn, logs)
		}
	}
}

func TestServeFlagErrors(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--tls-cert", "a.crt"}, "--tls-cert and --tls-key"},
		{[]string{"--tls-client-ca", "ca.pem"}, "--tls-client-ca (OPENCLAW_TLS_CLIENT_CA) needs TLS"},
		{[]string{"--shutdown-timeout", "soon"}, "--shutdown-timeout"},
		{[]string{"--tls-cert", "/nonexistent.crt", "--tls-key", "/nonexistent.key"}, "no such file"},
		{[]string{"--driver", "kubernetes", "--kubeconfig", "/nonexistent/kubeconfig"}, "kubernetes driver: load kubeconfig /nonexistent/kubeconfig"},
		{[]string{"--driver", "kubrenetes"}, "use simulator, process or kubernetes"},
	} {
		err := run(append([]string{"serve", "--data-dir", t.TempDir()}, c.args...), &syncBuffer{})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("serve %v: %v, want %q", c.args, err, c.want)
		}
	}
}
