package server

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/openclaw/terraform-provider-openclaw/internal/api"
	"github.com/openclaw/terraform-provider-openclaw/internal/controlplane/keys"
	"github.com/openclaw/terraform-provider-openclaw/internal/controlplane/secrets"
	"github.com/openclaw/terraform-provider-openclaw/internal/controlplane/store"
)

// A cached key is trusted for keyCacheTTL, a change to any key forgets them
// all, and a lookup that began before the change cannot put its stale read
// back.
func TestKeyCache(t *testing.T) {
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	c := newKeyCache()
	c.now = func() time.Time { return now }
	k := &store.APIKey{ID: "key_1", Prefix: "ocp_1"}

	if got, _ := c.get("h"); got != nil {
		t.Fatalf("empty cache returned %+v", got)
	}
	_, gen := c.get("h")
	c.put("h", k, gen)
	if got, _ := c.get("h"); got != k {
		t.Fatalf("got %+v, want the key just put", got)
	}
	now = now.Add(keyCacheTTL)
	if got, _ := c.get("h"); got != nil {
		t.Fatalf("a key older than the TTL is read again, got %+v", got)
	}

	_, gen = c.get("h")
	c.put("h", k, gen)
	_, stale := c.get("other")
	c.invalidate()
	if got, _ := c.get("h"); got != nil {
		t.Fatalf("invalidate kept %+v", got)
	}
	c.put("other", k, stale)
	if got, _ := c.get("other"); got != nil {
		t.Fatalf("a read from before the invalidation was put back: %+v", got)
	}

	_, gen = c.get("h")
	c.put("h", k, gen)
	used := now.Add(time.Second)
	c.touched("h", used)
	got, _ := c.get("h")
	if got == k || got.LastUsedAt == nil || !got.LastUsedAt.Equal(used) || k.LastUsedAt != nil {
		t.Fatalf("touched: got %+v (the cached copy records the use; the original is never written)", got)
	}
}

// TestKeyRevocationAcrossReplicas: two replicas on one database. A key
// revoked through replica A is refused by A at once, and by replica B, which
// verified it a moment before, once keyCacheTTL has passed on B's clock
// (what the API key docs promise), not before and not later.
func TestKeyRevocationAcrossReplicas(t *testing.T) {
	dir := t.TempDir()
	kr, _, err := secrets.Load("", dir)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	replica := func() *Server {
		s := newTestServerOn(t, dir, kr)
		s.keys.now = func() time.Time { return now }
		return s
	}
	a, b := replica(), replica()
	newKey := func(name string, scopes ...string) (id, secret string) {
		t.Helper()
		secret, err := keys.Generate()
		if err != nil {
			t.Fatal(err)
		}
		k := &store.APIKey{ID: newID("key"), Name: name, Prefix: keys.DisplayPrefix(secret), SecretHash: keys.Hash(secret),
			Scopes: scopes, Labels: map[string]string{}, CreatedAt: now, UpdatedAt: now}
		if err := a.store.CreateAPIKey(t.Context(), k); err != nil {
			t.Fatal(err)
		}
		return k.ID, secret
	}
	_, admin := newKey("admin", api.ScopeAdmin)
	id, reader := newKey("reader", api.ScopeEnvironmentsRead)
	call := func(s *Server, method, target, secret string) int {
		t.Helper()
		r := httptest.NewRequest(method, target, nil)
		r.Header.Set("Authorization", "Bearer "+secret)
		w := httptest.NewRecorder()
		s.Handler().ServeHTTP(w, r)
		return w.Code
	}
	for name, s := range map[string]*Server{"A": a, "B": b} {
		if code := call(s, http.MethodGet, "/v1/environments", reader); code != http.StatusOK {
			t.Fatalf("replica %s answers the reader key with %d before the revocation", name, code)
		}
	}
	if code := call(a, http.MethodPost, "/v1/api-keys/"+id+"/revoke", admin); code != http.StatusOK {
		t.Fatalf("revoke through replica A: %d", code)
	}
	if code := call(a, http.MethodGet, "/v1/environments", reader); code != http.StatusUnauthorized {
		t.Fatalf("replica A answers the key it revoked with %d, want 401 at once", code)
	}
	now = now.Add(keyCacheTTL - time.Millisecond)
	if code := call(b, http.MethodGet, "/v1/environments", reader); code != http.StatusOK {
		t.Fatalf("replica B answers with %d within the cache window; the docs promise up to %v (if this changed, update them)", code, keyCacheTTL)
	}
	now = now.Add(time.Millisecond)
	if code := call(b, http.MethodGet, "/v1/environments", reader); code != http.StatusUnauthorized {
		t.Fatalf("replica B answers the revoked key with %d after %v, want 401", code, keyCacheTTL)
	}
}
