package client_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/openclaw/terraform-provider-openclaw/internal/api"
	"github.com/openclaw/terraform-provider-openclaw/internal/client"
	"github.com/openclaw/terraform-provider-openclaw/internal/controlplane"
)

// TestLostResponsesAreReplayed puts a proxy in front of a real control
// plane that lets the first PATCH and the first DELETE of each resource
// reach the server, waits until their operation has finished, and then
// drops the answer by closing the connection. The client retries with the
// same Idempotency-Key and gets the original answer: not a false 412 (the
// update moved the ETag on) nor a 404 (the delete already ran).
func TestLostResponsesAreReplayed(t *testing.T) {
	const adminKey = "ocp_lost_response_test_admin_key_0123456789"
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	app, err := controlplane.Open(ctx, controlplane.Options{
		DataDir: t.TempDir(), BootstrapKey: adminKey, SimDelay: time.Millisecond, PollInterval: 20 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	app.Server.Start(ctx)
	t.Cleanup(func() { _ = app.Close() })
	upstream := app.Server.Handler()

	var (
		mu      sync.Mutex
		dropped = map[string]string{} // "PATCH /v1/..." → operation ID of the lost answer
	)
	finish := func(opID string) {
		for {
			rec := httptest.NewRecorder()
			r := httptest.NewRequest(http.MethodGet, "/v1/operations/"+opID+"?wait=1s", nil).WithContext(ctx)
			r.Header.Set("Authorization", "Bearer "+adminKey)
			upstream.ServeHTTP(rec, r)
			var op api.Operation
			if json.Unmarshal(rec.Body.Bytes(), &op) != nil || op.Done() || ctx.Err() != nil {
				return
			}
		}
	}
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		target := r.Method + " " + r.URL.Path
		mu.Lock()
		_, seen := dropped[target]
		lose := (r.Method == http.MethodPatch || r.Method == http.MethodDelete) && !seen
		if lose {
			dropped[target] = ""
		}
		mu.Unlock()
		if !lose {
			upstream.ServeHTTP(w, r)
			return
		}
		rec := httptest.NewRecorder()
		upstream.ServeHTTP(rec, r)
		var op api.Operation
		if rec.Code == http.StatusAccepted && json.Unmarshal(rec.Body.Bytes(), &op) == nil {
			finish(op.ID)
		}
		mu.Lock()
		dropped[target] = op.ID
		mu.Unlock()
		conn, _, err := w.(http.Hijacker).Hijack()
		if err != nil {
			t.Errorf("hijack: %v", err)
			return
		}
		_ = conn.Close() // the answer is lost on the way back
	}))
	t.Cleanup(proxy.Close)

	c, err := client.New(client.Config{Endpoint: proxy.URL, APIKey: adminKey, RetryWaitMin: time.Millisecond, RetryWaitMax: 5 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	op, err := c.CreateEnvironment(ctx, api.EnvironmentCreate{Name: "lost-answers", Region: "us-east"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.WaitForOperation(ctx, op); err != nil {
		t.Fatal(err)
	}
	env, err := c.GetEnvironment(ctx, op.TargetID)
	if err != nil {
		t.Fatal(err)
	}

	team := map[string]string{"team": "search"}
	upd, err := c.UpdateEnvironment(ctx, env.ID, env.ETag, api.EnvironmentUpdate{Labels: &team})
	if err != nil {
		t.Fatalf("update whose answer was lost: %v", err)
	}
	if lost := dropped["PATCH /v1/environments/"+env.ID]; lost == "" || upd.ID != lost {
		t.Errorf("update answered with operation %s, the lost answer was %q", upd.ID, lost)
	}
	if got, err := c.GetEnvironment(ctx, env.ID); err != nil || got.Labels["team"] != "search" || got.ETag == env.ETag {
		t.Fatalf("after the update: %+v, %v", got, err)
	}

	del, err := c.DeleteEnvironment(ctx, env.ID, "")
	if err != nil {
		t.Fatalf("delete whose answer was lost: %v", err)
	}
	if lost := dropped["DELETE /v1/environments/"+env.ID]; lost == "" || del.ID != lost {
		t.Errorf("delete answered with operation %s, the lost answer was %q", del.ID, lost)
	}
	if _, err := c.GetEnvironment(ctx, env.ID); err == nil {
		t.Errorf("the environment is still there after its delete")
	}
}
