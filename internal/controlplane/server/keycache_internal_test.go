package server

import (
	"testing"
	"time"

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
