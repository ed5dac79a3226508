package server_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/openclaw/terraform-provider-openclaw/internal/api"
)

// The wait parameter accepts exactly the documented syntax.
func TestOperationWaitSyntax(t *testing.T) {
	t.Parallel()
	c := start(t)
	op := c.create(t, c.admin, api.EnvironmentCreate{Name: uniqueName("wait"), Region: "us-east"})
	c.waitSucceeded(t, op.ID)
	for _, ok := range []string{"0s", "250ms", "2s", "1m"} {
		wantStatus(t, c.get(t, c.admin, "/v1/operations/"+op.ID+"?wait="+ok), http.StatusOK)
	}
	for _, bad := range []string{"1h30m", "1.5s", "-1s", "soon", "10", "5m", "10h", "61s", "60001ms"} {
		pr := wantProblem(t, c.get(t, c.admin, "/v1/operations/"+op.ID+"?wait="+bad), http.StatusBadRequest, api.CodeInvalidArgument)
		// Every refusal names the parameter and the contract's limit.
		if msg := fieldMessage(pr, "wait"); !strings.Contains(msg, "1m0s") {
			t.Errorf("wait=%s: the error does not name wait and its limit: %+v", bad, pr)
		}
	}
}

// A replayed response is as uncacheable as the original.
func TestIdempotentReplayIsNotCacheable(t *testing.T) {
	t.Parallel()
	c := start(t)
	body := api.EnvironmentCreate{Name: uniqueName("replay"), Region: "us-east"}
	h := map[string]string{api.HeaderIdempotencyKey: "replay-cache-1"}
	first := c.do(t, req{method: http.MethodPost, path: "/v1/environments", key: c.admin, body: body, header: h})
	second := c.do(t, req{method: http.MethodPost, path: "/v1/environments", key: c.admin, body: body, header: h})
	if second.header.Get("Idempotent-Replayed") != "true" || string(first.body) != string(second.body) {
		t.Fatalf("not replayed: %s / %s", first, second)
	}
	if got := second.header.Get("Cache-Control"); got != "no-store" {
		t.Errorf("replay Cache-Control = %q", got)
	}
}
