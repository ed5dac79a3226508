package server

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"reflect"
	"testing"

	"github.com/openclaw/terraform-provider-openclaw/internal/api"
	"github.com/openclaw/terraform-provider-openclaw/internal/controlplane/driver"
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

// A page of cached item encodings is written byte for byte as writeJSON
// writes the page of views.
func TestRawListIsTheEncodedList(t *testing.T) {
	items := []api.Environment{
		{ID: "env_1", Name: "a", Labels: map[string]string{"team": "<ops>"}, Secrets: []api.SecretInfo{}},
		{ID: "env_2", Name: "b & c", Labels: map[string]string{}, Secrets: []api.SecretInfo{{Name: "TOKEN", Version: 2}}},
	}
	for _, tc := range []struct {
		items []api.Environment
		next  string
	}{{items, "tok<en>"}, {items[:1], ""}, {[]api.Environment{}, ""}} {
		want := httptest.NewRecorder()
		writeJSON(want, http.StatusOK, api.List[api.Environment]{Items: tc.items, NextPageToken: tc.next})
		raws := make([]json.RawMessage, 0, len(tc.items))
		for _, it := range tc.items {
			b, err := json.Marshal(it)
			if err != nil {
				t.Fatal(err)
			}
			raws = append(raws, b)
		}
		got := httptest.NewRecorder()
		writeRawList(got, raws, tc.next)
		if got.Body.String() != want.Body.String() || got.Code != want.Code || !reflect.DeepEqual(got.Header(), want.Header()) {
			t.Errorf("raw list:\n%s %v\nwant:\n%s %v", got.Body, got.Header(), want.Body, want.Header())
		}
	}
}

// A cached encoding is used again only at the same revision and inputs.
func TestEncodedCache(t *testing.T) {
	c := newEncodedCache()
	calls := 0
	enc := func(v string) func() (any, error) {
		return func() (any, error) { calls++; return v, nil }
	}
	for _, step := range []struct {
		rev    int64
		inputs string
		v      string
		want   string
		calls  int
	}{
		{1, "url", "one", `"one"`, 1},
		{1, "url", "ignored", `"one"`, 1},
		{1, "url\x00TOKEN", "secrets changed", `"secrets changed"`, 2},
		{2, "url\x00TOKEN", "revision 2", `"revision 2"`, 3},
	} {
		gw := driver.Gateway{ID: "env_1", Name: "a", Region: "us-east"}
		raw, err := c.of("env_1", step.rev, gw, step.inputs, enc(step.v))
		if err != nil || string(raw) != step.want || calls != step.calls {
			t.Fatalf("revision %d %q: %s, %v after %d encodes; want %s after %d", step.rev, step.inputs, raw, err, calls, step.want, step.calls)
		}
		if e, ok := c.at("env_1", step.rev); !ok || string(e.raw) != step.want || e.inputs != step.inputs || !reflect.DeepEqual(e.gateway, gw) {
			t.Fatalf("at(revision %d) = %+v, %v; want what of kept", step.rev, e, ok)
		}
	}
	if _, ok := c.at("env_1", 1); ok {
		t.Fatal("at returned revision 1 after revision 2 was kept")
	}
	if _, ok := c.at("env_2", 2); ok {
		t.Fatal("at returned an item never kept")
	}
}
