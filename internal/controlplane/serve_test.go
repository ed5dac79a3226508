package controlplane_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/openclaw/terraform-provider-openclaw/internal/api"
	"github.com/openclaw/terraform-provider-openclaw/internal/client"
	"github.com/openclaw/terraform-provider-openclaw/internal/controlplane"
	"github.com/openclaw/terraform-provider-openclaw/internal/controlplane/keys"
	"github.com/openclaw/terraform-provider-openclaw/internal/controlplane/simulator"
)

type served struct {
	app      *controlplane.App
	url, key string
	started  chan struct{}
	stop     context.CancelFunc
	exited   chan error
}

func serve(t *testing.T, drain time.Duration) *served {
	t.Helper()
	key, _ := keys.Generate()
	app, err := controlplane.Open(t.Context(), controlplane.Options{DataDir: t.TempDir(), BootstrapKey: key, SimDelay: 10 * time.Millisecond, PollInterval: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = app.Close() })
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, stop := context.WithCancel(context.Background())
	t.Cleanup(stop)
	app.Server.Start(ctx)
	s := &served{app: app, url: "http://" + ln.Addr().String(), key: key, started: make(chan struct{}, 16), stop: stop, exited: make(chan error, 1)}
	// Report each request once its handler runs: from then on it is in
	// flight, and a shutdown must let it finish.
	started := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			s.started <- struct{}{}
			next.ServeHTTP(w, r)
		})
	}
	go func() {
		s.exited <- app.Serve(ctx, ln, controlplane.ServeOptions{ShutdownTimeout: drain, Middleware: started})
	}()
	return s
}

func (s *served) waitStarted(t *testing.T, n int) {
	t.Helper()
	for range n {
		select {
		case <-s.started:
		case <-time.After(10 * time.Second):
			t.Fatal("the request did not reach its handler")
		}
	}
}

// TestServeDrainsInFlight: on shutdown a long-poll in flight answers at
// once with the operation as it is (not after its minute), Serve returns
// without error, and no new connection is started.
func TestServeDrainsInFlight(t *testing.T) {
	t.Parallel()
	s := serve(t, 10*time.Second)
	c, err := client.New(client.Config{Endpoint: s.url, APIKey: s.key, MaxRetries: -1})
	if err != nil {
		t.Fatal(err)
	}
	op, err := c.CreateEnvironment(t.Context(), api.EnvironmentCreate{Name: "drain", Region: "us-east", Labels: map[string]string{simulator.LabelDelay: "1h"}})
	if err != nil {
		t.Fatal(err)
	}
	s.waitStarted(t, 1)

	type answer struct {
		status int
		err    error
		took   time.Duration
	}
	poll := make(chan answer, 1)
	go func() {
		req, _ := http.NewRequest(http.MethodGet, fmt.Sprintf("%s/v1/operations/%s?wait=60s", s.url, op.ID), nil)
		req.Header.Set("Authorization", "Bearer "+s.key)
		begin := time.Now()
		resp, err := (&http.Client{Transport: &http.Transport{DisableKeepAlives: true}}).Do(req)
		a := answer{err: err, took: time.Since(begin)}
		if err == nil {
			a.status = resp.StatusCode
			resp.Body.Close()
		}
		poll <- a
	}()
	s.waitStarted(t, 1) // the long-poll
	s.stop()

	select {
	case a := <-poll:
		if a.err != nil || a.status != http.StatusOK || a.took > 30*time.Second {
			t.Fatalf("long-poll during the drain: %d, %v after %s; want 200 well before its 60s", a.status, a.err, a.took)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the long-poll held the shutdown")
	}
	select {
	case err := <-s.exited:
		if err != nil {
			t.Fatalf("Serve: %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("Serve did not return")
	}
	if conn, err := net.Dial("tcp", strings.TrimPrefix(s.url, "http://")); err == nil {
		conn.Close()
		t.Fatal("a new connection was started after the shutdown")
	}
}

// TestServeDrainIsBounded: a request that does not finish (a client that
// never sends the rest of its body) is cut off when the drain timeout ends.
func TestServeDrainIsBounded(t *testing.T) {
	t.Parallel()
	s := serve(t, 200*time.Millisecond)
	conn, err := net.Dial("tcp", strings.TrimPrefix(s.url, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "POST /v1/environments HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"name\":", s.key)
	s.waitStarted(t, 1)
	s.stop()
	select {
	case err := <-s.exited:
		if !errors.Is(err, controlplane.ErrShutdownTimeout) {
			t.Fatalf("Serve: %v, want ErrShutdownTimeout", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the drain is not bounded")
	}
	// The connection was closed by the server.
	_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	if _, err := conn.Read(make([]byte, 1)); err == nil {
		t.Fatal("the stalled request's connection is still open")
	}
}

func TestIsLoopback(t *testing.T) {
	t.Parallel()
	for addr, want := range map[string]bool{
		"127.0.0.1:8080": true, "[::1]:8080": true, "localhost:8080": true, "127.0.0.2:80": true,
		"0.0.0.0:8080": false, ":8080": false, "[::]:8080": false, "10.0.0.5:8080": false, "controlplane.internal:8080": false,
	} {
		if got := controlplane.IsLoopback(addr); got != want {
			t.Errorf("IsLoopback(%q) = %v, want %v", addr, got, want)
		}
	}
}
