package server_test

import (
	"bytes"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/openclaw/terraform-provider-openclaw/internal/api"
)

// TestIdempotency: a repeated Idempotency-Key replays the first response,
// a reused key with another body is refused, concurrent duplicates create
// one environment, and keys are scoped to the API key that sent them.
func TestIdempotency(t *testing.T) {
	t.Parallel()
	c := start(t)
	post := func(t *testing.T, key, idem string, body any) *resp {
		t.Helper()
		return c.do(t, req{method: http.MethodPost, path: "/v1/environments", key: key, body: body, header: map[string]string{api.HeaderIdempotencyKey: idem}})
	}
	count := func(t *testing.T, name string) int {
		t.Helper()
		r := c.get(t, c.admin, "/v1/environments?name="+name)
		wantStatus(t, r, http.StatusOK)
		return len(decode[api.List[api.Environment]](t, r).Items)
	}

	t.Run("replay", func(t *testing.T) {
		t.Parallel()
		body := api.EnvironmentCreate{Name: uniqueName("idem"), Region: "us-east"}
		first := post(t, c.admin, "replay-1", body)
		wantStatus(t, first, http.StatusAccepted)
		if first.header.Get("Idempotent-Replayed") != "" {
			t.Errorf("the first response claims to be a replay")
		}
		second := post(t, c.admin, "replay-1", body)
		wantStatus(t, second, http.StatusAccepted)
		if second.header.Get("Idempotent-Replayed") != "true" {
			t.Errorf("Idempotent-Replayed %q, want true", second.header.Get("Idempotent-Replayed"))
		}
		if !bytes.Equal(first.body, second.body) {
			t.Errorf("replayed body differs:\n%s\n%s", first.body, second.body)
		}
		if first.header.Get("Location") != second.header.Get("Location") || second.header.Get("Location") == "" {
			t.Errorf("Location %q then %q", first.header.Get("Location"), second.header.Get("Location"))
		}
		if n := count(t, body.Name); n != 1 {
			t.Errorf("%d environments named %s, want 1", n, body.Name)
		}
	})

	t.Run("same key, other body", func(t *testing.T) {
		t.Parallel()
		name := uniqueName("idem")
		wantStatus(t, post(t, c.admin, "reuse-1", api.EnvironmentCreate{Name: name, Region: "us-east"}), http.StatusAccepted)
		r := post(t, c.admin, "reuse-1", api.EnvironmentCreate{Name: name, Region: "eu-west"})
		p := wantProblem(t, r, http.StatusUnprocessableEntity, api.CodeConflict)
		if !strings.Contains(p.Detail, "reuse-1") || !strings.Contains(p.Detail, "different request") {
			t.Errorf("detail %q", p.Detail)
		}
		if n := count(t, name); n != 1 {
			t.Errorf("%d environments named %s", n, name)
		}
	})

	t.Run("concurrent duplicates", func(t *testing.T) {
		t.Parallel()
		body := api.EnvironmentCreate{Name: uniqueName("race"), Region: "us-east"}
		const n = 20
		results := make([]*resp, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() { results[i] = post(t, c.admin, "race-1", body) })
		}
		wg.Wait()
		var opID string
		replayed := 0
		for i, r := range results {
			wantStatus(t, r, http.StatusAccepted)
			op := decode[api.Operation](t, r)
			if opID == "" {
				opID = op.ID
			}
			if op.ID != opID {
				t.Errorf("response %d has operation %s, another %s", i, op.ID, opID)
			}
			if r.header.Get("Idempotent-Replayed") == "true" {
				replayed++
			}
		}
		if replayed != n-1 {
			t.Errorf("%d of %d responses are replays, want %d", replayed, n, n-1)
		}
		if got := count(t, body.Name); got != 1 {
			t.Errorf("%d environments created by %d concurrent requests with one key", got, n)
		}
	})

	t.Run("refusals are replayed too", func(t *testing.T) {
		t.Parallel()
		bad := map[string]any{"name": "Bad_Name", "region": "us-east"}
		first := post(t, c.admin, "bad-1", bad)
		wantProblem(t, first, http.StatusBadRequest, api.CodeInvalidArgument)
		second := post(t, c.admin, "bad-1", bad)
		wantProblem(t, second, http.StatusBadRequest, api.CodeInvalidArgument)
		if second.header.Get("Idempotent-Replayed") != "true" || !bytes.Equal(first.body, second.body) {
			t.Errorf("a refused request with a key is not replayed as it was")
		}
	})

	t.Run("keys are per API key", func(t *testing.T) {
		t.Parallel()
		other, _ := c.newKey(t, keyOpts{scopes: []string{api.ScopeEnvironmentsWrite}})
		a := post(t, c.admin, "shared-1", api.EnvironmentCreate{Name: uniqueName("mine"), Region: "us-east"})
		b := post(t, other, "shared-1", api.EnvironmentCreate{Name: uniqueName("theirs"), Region: "us-east"})
		wantStatus(t, a, http.StatusAccepted)
		wantStatus(t, b, http.StatusAccepted)
		if b.header.Get("Idempotent-Replayed") != "" || decode[api.Operation](t, a).ID == decode[api.Operation](t, b).ID {
			t.Errorf("another API key's request was answered from this key's record")
		}
	})

	t.Run("key length and characters", func(t *testing.T) {
		t.Parallel()
		for _, tc := range []struct {
			key    string
			status int
		}{
			{strings.Repeat("k", 256), 400},
			{"key-ümlaut", 400},
			{strings.Repeat("k", 255), 202},
			{"with spaces and !\"#$%&'()*+,-./:;<=>?@[]^_`{|}~", 202},
		} {
			r := post(t, c.admin, tc.key, api.EnvironmentCreate{Name: uniqueName("klen"), Region: "us-east"})
			if tc.status == 202 {
				wantStatus(t, r, http.StatusAccepted)
				continue
			}
			p := wantProblem(t, r, http.StatusBadRequest, api.CodeInvalidArgument)
			if !strings.Contains(p.Detail, "Idempotency-Key") {
				t.Errorf("detail %q", p.Detail)
			}
		}
	})

	t.Run("PATCH and DELETE replay their first answer", func(t *testing.T) {
		t.Parallel()
		env := c.createRunning(t, api.EnvironmentCreate{Name: uniqueName("idem"), Region: "us-east"})
		mutate := func(method, idem string, body any) *resp {
			return c.do(t, req{method: method, path: "/v1/environments/" + env.ID, key: c.admin, body: body,
				header: map[string]string{api.HeaderIdempotencyKey: idem, "If-Match": `"` + env.ETag + `"`}})
		}
		body := map[string]any{"labels": map[string]string{"team": "a"}}
		first := mutate(http.MethodPatch, "patch-1", body)
		wantStatus(t, first, http.StatusAccepted)
		// The update moved the ETag on: without the key the same request
		// is refused; with it, it is answered as the first time.
		wantProblem(t, c.do(t, req{method: http.MethodPatch, path: "/v1/environments/" + env.ID, key: c.admin, body: body,
			header: map[string]string{"If-Match": `"` + env.ETag + `"`}}), http.StatusPreconditionFailed, api.CodePreconditionFailed)
		again := mutate(http.MethodPatch, "patch-1", body)
		wantStatus(t, again, http.StatusAccepted)
		if again.header.Get("Idempotent-Replayed") != "true" || !bytes.Equal(first.body, again.body) {
			t.Errorf("a repeated PATCH is not replayed: %s", again)
		}
		// The same key with another If-Match is another request.
		wantProblem(t, c.do(t, req{method: http.MethodPatch, path: "/v1/environments/" + env.ID, key: c.admin, body: body,
			header: map[string]string{api.HeaderIdempotencyKey: "patch-1", "If-Match": `"999"`}}), http.StatusUnprocessableEntity, api.CodeConflict)

		c.waitSucceeded(t, decode[api.Operation](t, first).ID)
		del := func() *resp {
			return c.do(t, req{method: http.MethodDelete, path: "/v1/environments/" + env.ID, key: c.admin, header: map[string]string{api.HeaderIdempotencyKey: "delete-1"}})
		}
		d1 := del()
		wantStatus(t, d1, http.StatusAccepted)
		c.waitSucceeded(t, decode[api.Operation](t, d1).ID)
		// Gone now: a retry of the lost answer still gets the first one, not 404.
		d2 := del()
		wantStatus(t, d2, http.StatusAccepted)
		if d2.header.Get("Idempotent-Replayed") != "true" || !bytes.Equal(d1.body, d2.body) {
			t.Errorf("a repeated DELETE is not replayed: %s", d2)
		}
	})
}
