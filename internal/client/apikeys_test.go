package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-log/tflogtest"

	"github.com/openclaw/terraform-provider-openclaw/internal/api"
)

const testKeySecret = "ocp_0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcd012345"

// A create retried after a lost answer replays it (same Idempotency-Key),
// and the secret in the answer never reaches the TRACE log.
func TestCreateAPIKey_RetryReplaysAndSecretIsNotLogged(t *testing.T) {
	t.Setenv(logLevelEnv, "")
	var (
		mu   sync.Mutex
		keys []string
	)
	c := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		keys = append(keys, r.Header.Get(api.HeaderIdempotencyKey))
		n := len(keys)
		mu.Unlock()
		if r.Method != http.MethodPost || r.URL.Path != "/v1/api-keys" {
			http.Error(w, "unexpected "+r.Method+" "+r.URL.Path, 400)
			return
		}
		if n == 1 {
			w.WriteHeader(http.StatusBadGateway) // the first answer is lost
			return
		}
		var body api.APIKeyCreate
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil || body.Name != "ci" || body.TTL != "720h" {
			http.Error(w, "bad body", 400)
			return
		}
		writeJSON(w, 201, api.APIKeyCreated{Key: api.APIKey{ID: "key_1", Name: "ci", Prefix: testKeySecret[:12], Status: api.KeyStatusActive}, Secret: testKeySecret})
	}))
	var buf bytes.Buffer
	ctx := tflogtest.RootLogger(context.Background(), &buf)
	got, err := c.CreateAPIKey(ctx, api.APIKeyCreate{Name: "ci", Scopes: []string{api.ScopeEnvironmentsRead}, TTL: "720h"})
	if err != nil {
		t.Fatal(err)
	}
	if got.Secret != testKeySecret || got.Key.ID != "key_1" {
		t.Errorf("got %+v", got.Key)
	}
	if len(keys) != 2 || keys[0] == "" || keys[0] != keys[1] {
		t.Errorf("Idempotency-Keys %q: want one key reused by the retry", keys)
	}
	if strings.Contains(buf.String(), testKeySecret) || strings.Contains(buf.String(), testKeySecret[4:]) {
		t.Errorf("the TRACE log contains the secret:\n%s", buf.String())
	}
	if !strings.Contains(buf.String(), `\"secret\":\"***\"`) {
		t.Errorf("the response body is not logged with the secret masked:\n%s", buf.String())
	}
}

func TestCreateAPIKey_AnswerWithoutSecretIsAnError(t *testing.T) {
	c := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 201, api.APIKeyCreated{Key: api.APIKey{ID: "key_1"}})
	}))
	if _, err := c.CreateAPIKey(context.Background(), api.APIKeyCreate{Name: "ci"}); err == nil {
		t.Fatal("a create answer without a secret must be an error: the secret is never returned again")
	}
}

func TestRevokeAPIKey_GracePeriod(t *testing.T) {
	var bodies []string
	c := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || r.URL.Path != "/v1/api-keys/key_1/revoke" {
			http.Error(w, "unexpected "+r.Method+" "+r.URL.Path, 400)
			return
		}
		b, _ := io.ReadAll(r.Body)
		bodies = append(bodies, string(b))
		writeJSON(w, 200, api.APIKey{ID: "key_1", Status: api.KeyStatusRevoked})
	}))
	ctx := context.Background()
	if _, err := c.RevokeAPIKey(ctx, "key_1", 24*time.Hour); err != nil {
		t.Fatal(err)
	}
	if _, err := c.RevokeAPIKey(ctx, "key_1", 0); err != nil {
		t.Fatal(err)
	}
	if len(bodies) != 2 || bodies[0] != `{"grace_period":"24h0m0s"}` || bodies[1] != "" {
		t.Errorf("bodies %q: want the grace period, then no body", bodies)
	}
}

// FindAPIKeyByName prefers the newest key that still works: during a
// rotation two keys share the name.
func TestFindAPIKeyByName(t *testing.T) {
	t0 := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	lists := map[string][]api.APIKey{
		"rotating": {
			{ID: "key_old", Name: "rotating", Status: api.KeyStatusRevoking, CreatedAt: t0},
			{ID: "key_new", Name: "rotating", Status: api.KeyStatusActive, CreatedAt: t0.Add(time.Hour)},
		},
		"gone": {
			{ID: "key_a", Name: "gone", Status: api.KeyStatusRevoked, CreatedAt: t0},
			{ID: "key_b", Name: "gone", Status: api.KeyStatusExpired, CreatedAt: t0.Add(time.Hour)},
		},
		"old-works": {
			{ID: "key_works", Name: "old-works", Status: api.KeyStatusActive, CreatedAt: t0},
			{ID: "key_dead", Name: "old-works", Status: api.KeyStatusRevoked, CreatedAt: t0.Add(time.Hour)},
			{ID: "key_other", Name: "other", Status: api.KeyStatusActive, CreatedAt: t0.Add(2 * time.Hour)},
		},
	}
	c := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, api.List[api.APIKey]{Items: lists[r.URL.Query().Get("name")]})
	}))
	ctx := context.Background()
	for name, want := range map[string]string{"rotating": "key_new", "gone": "key_b", "old-works": "key_works"} {
		k, err := c.FindAPIKeyByName(ctx, name)
		if err != nil || k.ID != want {
			t.Errorf("%s: got %v, %v; want %s", name, k, err, want)
		}
	}
	if _, err := c.FindAPIKeyByName(ctx, "missing"); !errors.Is(err, ErrNotFound) {
		t.Errorf("missing: %v, want ErrNotFound", err)
	}
}

func TestListAuditEvents_Filters(t *testing.T) {
	since := time.Date(2026, 11, 22, 6, 0, 0, 0, time.FixedZone("CET", 3600))
	c := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		if r.URL.Path != "/v1/audit-events" || q.Get("key_id") != "key_1" || q.Get("outcome") != "denied" ||
			q.Get("action") != "auth" || q.Get("since") != "2026-11-22T05:00:00Z" {
			http.Error(w, "unexpected "+r.URL.String(), 400)
			return
		}
		if q.Get("page_token") == "" {
			writeJSON(w, 200, api.List[api.AuditEvent]{Items: []api.AuditEvent{{ID: 2}}, NextPageToken: "p2"})
			return
		}
		writeJSON(w, 200, api.List[api.AuditEvent]{Items: []api.AuditEvent{{ID: 1}}})
	}))
	events, err := c.ListAuditEvents(context.Background(), ListAuditEventsOptions{KeyID: "key_1", Action: "auth", Outcome: "denied", Since: since})
	if err != nil || len(events) != 2 || events[0].ID != 2 {
		t.Fatalf("events %v, err %v", events, err)
	}
}
