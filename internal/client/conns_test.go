package client

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/openclaw/terraform-provider-openclaw/internal/api"
)

// A refresh reads hundreds of resources, ten at a time (Terraform's default
// parallelism): the client must keep reusing the connections it opened
// instead of closing all but a few after each burst and dialling again
// (a TCP and, over https, a TLS handshake per request).
func TestConnectionsReusedUnderParallelism(t *testing.T) {
	var dials atomic.Int64
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, api.Environment{ID: "env_1", Name: "fleet-1"})
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			dials.Add(1)
		}
	}
	srv.Start()
	t.Cleanup(srv.Close)
	c, err := New(Config{Endpoint: srv.URL, APIKey: testAPIKey})
	if err != nil {
		t.Fatal(err)
	}

	const parallelism, requests = 10, 500
	var wg sync.WaitGroup
	work := make(chan struct{})
	errs := make(chan error, requests)
	for range parallelism {
		wg.Go(func() {
			for range work {
				if _, err := c.GetEnvironment(context.Background(), "env_1"); err != nil {
					errs <- err
				}
			}
		})
	}
	for range requests {
		work <- struct{}{}
	}
	close(work)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	// net/http dials when no connection is idle and keeps the new one even
	// if another came back meanwhile, so a loaded machine opens a few more
	// than the parallelism; closing all but GOMAXPROCS+1 opened 119.
	if limit := 2 * parallelism; dials.Load() > int64(limit) {
		t.Errorf("%d requests, %d at a time, opened %d connections; want at most %d", requests, parallelism, dials.Load(), limit)
	}
}
