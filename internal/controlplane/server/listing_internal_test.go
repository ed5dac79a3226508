package server

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/openclaw/terraform-provider-openclaw/internal/api"
	"github.com/openclaw/terraform-provider-openclaw/internal/controlplane/keys"
	"github.com/openclaw/terraform-provider-openclaw/internal/controlplane/store"
)

// readCounter counts the store reads a view can make per item.
type readCounter struct {
	store.Store
	reads atomic.Int64
}

func (c *readCounter) GetResource(ctx context.Context, kind, id string) (*store.Resource, error) {
	c.reads.Add(1)
	return c.Store.GetResource(ctx, kind, id)
}

func (c *readCounter) ListResources(ctx context.Context, f store.ListFilter) ([]*store.Resource, string, error) {
	c.reads.Add(1)
	return c.Store.ListResources(ctx, f)
}

func (c *readCounter) ListSecrets(ctx context.Context, id string) ([]store.Secret, error) {
	c.reads.Add(1)
	return c.Store.ListSecrets(ctx, id)
}

func (c *readCounter) GetAPIKeyByHash(ctx context.Context, hash string) (*store.APIKey, error) {
	c.reads.Add(1)
	return c.Store.GetAPIKeyByHash(ctx, hash)
}

func (c *readCounter) SecretInfos(ctx context.Context, ids []string) (map[string][]store.Secret, error) {
	c.reads.Add(1)
	return c.Store.SecretInfos(ctx, ids)
}

// TestListQueriesConstant: listing a page of environments reads the store
// a fixed number of times whatever the page holds (no query per item), and
// the secrets each item shows are still its own.
func TestListQueriesConstant(t *testing.T) {
	s := newTestServer(t)
	counter := &readCounter{Store: s.store}
	s.store = counter
	ctx := t.Context()
	admin := newPrincipal(&store.APIKey{Prefix: "ocp_test", Scopes: []string{api.ScopeAdmin}})

	reads := func(n int) int64 {
		t.Helper()
		for i := 0; ; i++ {
			items, _, err := counter.Store.ListResources(ctx, store.ListFilter{Kind: store.KindEnvironment, PageSize: 500})
			if err != nil {
				t.Fatal(err)
			}
			if len(items) >= n {
				break
			}
			now := time.Now()
			id := fmt.Sprintf("env_%026d", len(items))
			if err := counter.CreateResource(ctx, &store.Resource{Kind: store.KindEnvironment, ID: id, Name: fmt.Sprintf("e%d", len(items)),
				Spec: mustJSON(envSpec{Region: "us-east"}), Status: mustJSON(envStatus{Status: api.EnvStatusRunning}), Labels: map[string]string{}, CreatedAt: now, UpdatedAt: now}); err != nil {
				t.Fatal(err)
			}
			sealed, err := s.sealSecrets(id, map[string]string{"TOKEN": id}, nil)
			if err != nil {
				t.Fatal(err)
			}
			if err := counter.PutSecrets(ctx, id, sealed); err != nil {
				t.Fatal(err)
			}
		}
		counter.reads.Store(0)
		w := httptest.NewRecorder()
		if err := s.listEnvironments(w, httptest.NewRequest(http.MethodGet, "/v1/environments?page_size=500", nil), admin); err != nil {
			t.Fatal(err)
		}
		var page api.List[api.Environment]
		if err := json.Unmarshal(w.Body.Bytes(), &page); err != nil {
			t.Fatal(err)
		}
		if len(page.Items) != n {
			t.Fatalf("listed %d environments, want %d", len(page.Items), n)
		}
		for _, e := range page.Items {
			if len(e.Secrets) != 1 || e.Secrets[0].Name != "TOKEN" || e.Secrets[0].Fingerprint != s.keyring.Fingerprint(e.ID) {
				t.Fatalf("environment %s lists secrets %+v, want its own TOKEN", e.ID, e.Secrets)
			}
		}
		return counter.reads.Load()
	}
	few, many := reads(3), reads(40)
	if few != many {
		t.Fatalf("a page of 3 environments took %d store reads, a page of 40 took %d: want the same (no read per item)", few, many)
	}
	if few > 2 {
		t.Errorf("a page takes %d store reads, want 2 (the page, its secrets)", few)
	}
}

// TestGetQueries: a GET of an environment reads the store twice (the
// environment with its labels, its secrets) once its API key is verified;
// the key is read again only after keyCacheTTL or a change to a key.
func TestGetQueries(t *testing.T) {
	s := newTestServer(t)
	counter := &readCounter{Store: s.store}
	s.store = counter
	ctx := t.Context()
	now := time.Now()
	secret, err := keys.Generate()
	if err != nil {
		t.Fatal(err)
	}
	if err := counter.CreateAPIKey(ctx, &store.APIKey{ID: "key_get", Name: "get", Prefix: keys.DisplayPrefix(secret), SecretHash: keys.Hash(secret),
		Scopes: []string{api.ScopeEnvironmentsRead}, Labels: map[string]string{}, CreatedAt: now, UpdatedAt: now}); err != nil {
		t.Fatal(err)
	}
	const id = "env_00000000000000000000000001"
	if err := counter.CreateResource(ctx, &store.Resource{Kind: store.KindEnvironment, ID: id, Name: "get",
		Spec: mustJSON(envSpec{Region: "us-east"}), Status: mustJSON(envStatus{Status: api.EnvStatusRunning}),
		Labels: map[string]string{"team": "a"}, CreatedAt: now, UpdatedAt: now}); err != nil {
		t.Fatal(err)
	}
	get := func() int64 {
		t.Helper()
		counter.reads.Store(0)
		r := httptest.NewRequest(http.MethodGet, "/v1/environments/"+id, nil)
		r.Header.Set("Authorization", "Bearer "+secret)
		w := httptest.NewRecorder()
		s.Handler().ServeHTTP(w, r)
		var env api.Environment
		if w.Code != http.StatusOK || json.Unmarshal(w.Body.Bytes(), &env) != nil || env.Labels["team"] != "a" {
			t.Fatalf("GET: %d %s", w.Code, w.Body)
		}
		return counter.reads.Load()
	}
	if n := get(); n != 3 {
		t.Errorf("first GET: %d store reads, want 3 (the key, the environment with its labels, its secrets)", n)
	}
	if n := get(); n != 2 {
		t.Errorf("second GET: %d store reads, want 2 (the key is cached)", n)
	}
	s.keys.invalidate()
	if n := get(); n != 3 {
		t.Errorf("GET after a key change: %d store reads, want 3 (the key is read again)", n)
	}
}
