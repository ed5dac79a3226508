package server

import (
	"testing"

	"github.com/openclaw/terraform-provider-openclaw/internal/controlplane/store"
)

// The decoded spec and status follow the stored revision: a new revision is
// decoded again, and a reader still holding an older one cannot replace it.
func TestDecodeCacheFollowsRevisions(t *testing.T) {
	c := newDecodeCache[envSpec, envStatus]()
	r1 := &store.Resource{ID: "env_1", Revision: 1, Spec: []byte(`{"region":"us-east"}`), Status: []byte(`{"status":"provisioning"}`)}
	r2 := &store.Resource{ID: "env_1", Revision: 2, Spec: []byte(`{"region":"us-east"}`), Status: []byte(`{"status":"running"}`)}
	if _, st, err := c.of(r1); err != nil || st.Status != "provisioning" {
		t.Fatalf("revision 1: %+v, %v", st, err)
	}
	if _, st, err := c.of(r2); err != nil || st.Status != "running" {
		t.Fatalf("revision 2: %+v, %v (the cached revision 1 was returned)", st, err)
	}
	if _, st, _ := c.of(r1); st.Status != "provisioning" {
		t.Fatalf("an older revision is decoded as itself, got %+v", st)
	}
	if d := c.m["env_1"]; d.revision != 2 {
		t.Fatalf("cached revision %d: an older read replaced the newer", d.revision)
	}
	bad := &store.Resource{ID: "env_2", Revision: 1, Spec: []byte(`{`), Status: []byte(`{}`)}
	if _, _, err := c.of(bad); err == nil {
		t.Fatal("a spec that is not JSON decoded without error")
	}
}
