package server_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/openclaw/terraform-provider-openclaw/internal/api"
	"github.com/openclaw/terraform-provider-openclaw/internal/controlplane/simulator"
)

// TestOperationSurvivesRestart: an operation in flight when the control
// plane stops is finished by the next start on the same data directory.
func TestOperationSurvivesRestart(t *testing.T) {
	t.Parallel()
	c := start(t)
	op := c.create(t, c.admin, api.EnvironmentCreate{
		Name: uniqueName("restart"), Region: "us-east",
		Labels:  map[string]string{simulator.LabelDelay: "1s"},
		Secrets: map[string]string{"API_TOKEN": "restart-secret-value"},
	})
	// The first step ran; the second waits for the delay. Close stops the
	// engine (and waits for it), so only the next process can finish it.
	c.waitOp(t, op.ID, 5*time.Second, func(o api.Operation) bool { return o.Status == api.OperationRunning })
	c.close(t)
	if got, err := c.app.Store.GetOperation(t.Context(), op.ID); err == nil {
		t.Fatalf("the store answers after Close: %+v", got)
	}

	c.open(t) // same data directory, database and encryption key file
	if c.app.BootstrapKey != "" {
		t.Errorf("a restart created another bootstrap key")
	}
	done := c.waitSucceeded(t, op.ID)
	if done.Message != "create: done" {
		t.Errorf("message %q", done.Message)
	}
	e, _ := c.env(t, op.TargetID)
	if e.Status != api.EnvStatusRunning || e.PowerState != api.PowerOn {
		t.Errorf("after restart: status %s power %s", e.Status, e.PowerState)
	}
	// The reopened keyring decrypts what the first process sealed.
	if v, err := c.app.Server.SecretValue(t.Context(), e.ID, "API_TOKEN"); err != nil || v != "restart-secret-value" {
		t.Errorf("SecretValue after restart = %q, %v", v, err)
	}
	wantStatus(t, c.get(t, c.admin, "/v1/environments"), http.StatusOK)
}
