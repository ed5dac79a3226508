package server

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/openclaw/terraform-provider-openclaw/internal/controlplane/driver"
)

func TestRetryAfterError(t *testing.T) {
	dbErr := errors.New("database is locked")
	outage := fmt.Errorf("kubernetes driver: start environment env-1: the Kubernetes API server at https://127.0.0.1:6443 is unreachable or failing (%w, retried): dial tcp: connection refused", driver.ErrTransient)

	backoff, fail := retryAfterError(opEnvironmentCreate, 1, dbErr)
	if fail != nil || backoff != 200*time.Millisecond {
		t.Fatalf("first retry: backoff %v, fail %v; want 200ms and no failure", backoff, fail)
	}
	if backoff, _ := retryAfterError(opEnvironmentCreate, 20, outage); backoff != 3200*time.Millisecond {
		t.Errorf("backoff after 20 attempts = %v, want the 3.2s ceiling", backoff)
	}

	// A database error fails after maxStepAttempts, without its text.
	_, fail = retryAfterError(opEnvironmentCreate, maxStepAttempts, dbErr)
	if fail == nil || fail.problem.Status != http.StatusInternalServerError || strings.Contains(fail.problem.Detail, "locked") {
		t.Fatalf("database error at the limit: %+v; want a 500 that does not quote the database", fail)
	}

	// A platform outage keeps being retried past that, then fails quoting
	// the driver's message, which names the unreachable server.
	if _, fail := retryAfterError(opEnvironmentCreate, maxStepAttempts, outage); fail != nil {
		t.Fatalf("outage at %d attempts already failed: %s", maxStepAttempts, fail.problem.Detail)
	}
	_, fail = retryAfterError(opEnvironmentCreate, maxPlatformAttempts, outage)
	if fail == nil || fail.problem.Status != http.StatusServiceUnavailable || !strings.Contains(fail.problem.Detail, "https://127.0.0.1:6443 is unreachable") {
		t.Fatalf("outage at the limit: %+v; want a 503 naming the API server", fail)
	}
}
