package client

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"reflect"
	"sync"
	"testing"

	"github.com/openclaw/terraform-provider-openclaw/internal/api"
)

func TestListEnvironments_Pagination(t *testing.T) {
	var (
		mu      sync.Mutex
		queries []url.Values
	)
	pages := map[string]api.List[api.Environment]{
		"":   {Items: []api.Environment{{ID: "e1"}, {ID: "e2"}}, NextPageToken: "p2"},
		"p2": {Items: []api.Environment{{ID: "e3"}, {ID: "e4"}}, NextPageToken: "p3"},
		"p3": {Items: []api.Environment{{ID: "e5"}}},
	}
	c := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet || r.URL.Path != "/v1/environments" {
			http.Error(w, "unexpected "+r.Method+" "+r.URL.Path, 400)
			return
		}
		q := r.URL.Query()
		mu.Lock()
		queries = append(queries, q)
		mu.Unlock()
		page, ok := pages[q.Get("page_token")]
		if !ok {
			writeProblem(w, 400, api.CodeInvalidArgument, "bad page token")
			return
		}
		writeJSON(w, 200, page)
	}))

	envs, err := c.ListEnvironments(context.Background(), ListEnvironmentsOptions{
		Name:     "prod",
		Labels:   map[string]string{"team": "ml", "env": "prod"},
		PageSize: 2,
	})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, e := range envs {
		ids = append(ids, e.ID)
	}
	if want := []string{"e1", "e2", "e3", "e4", "e5"}; !reflect.DeepEqual(ids, want) {
		t.Errorf("ids = %v, want %v", ids, want)
	}
	if len(queries) != 3 {
		t.Fatalf("requests = %d, want 3", len(queries))
	}
	for i, token := range []string{"", "p2", "p3"} {
		q := queries[i]
		if got := q.Get("page_token"); got != token {
			t.Errorf("request %d page_token = %q, want %q", i, got, token)
		}
		if q.Get("page_size") != "2" || q.Get("name") != "prod" {
			t.Errorf("request %d query = %v", i, q)
		}
		// Labels go out as repeated label=k=v parameters (sorted by key).
		if got, want := q["label"], []string{"env=prod", "team=ml"}; !reflect.DeepEqual(got, want) {
			t.Errorf("request %d label = %q, want %q", i, got, want)
		}
	}
}

func TestListEnvironments_RepeatedPageTokenStops(t *testing.T) {
	c := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, api.List[api.Environment]{Items: []api.Environment{{ID: "e"}}, NextPageToken: "same"})
	}))
	if _, err := c.ListEnvironments(context.Background(), ListEnvironmentsOptions{}); err == nil {
		t.Fatal("a server repeating its page token must not loop forever")
	}
}

func TestFindEnvironmentByName(t *testing.T) {
	c := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var items []api.Environment
		switch r.URL.Query().Get("name") {
		case "prod":
			items = []api.Environment{{ID: "env-prod", Name: "prod"}}
		case "sloppy":
			// A server ignoring the filter: the client must not adopt these.
			items = []api.Environment{{ID: "env-a", Name: "a"}, {ID: "env-b", Name: "b"}}
		}
		writeJSON(w, 200, api.List[api.Environment]{Items: items})
	}))
	ctx := context.Background()
	env, err := c.FindEnvironmentByName(ctx, "prod")
	if err != nil || env.ID != "env-prod" {
		t.Fatalf("env %+v err %v", env, err)
	}
	for _, name := range []string{"missing", "sloppy"} {
		if _, err := c.FindEnvironmentByName(ctx, name); !errors.Is(err, ErrNotFound) {
			t.Errorf("%s: err = %v, want ErrNotFound", name, err)
		}
	}
	if _, err := c.FindEnvironmentByName(ctx, ""); err == nil {
		t.Error("empty name accepted")
	}
}

func TestGetEnvironment(t *testing.T) {
	c := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/v1/environments/env-1":
			w.Header().Set("ETag", `"5"`)
			writeJSON(w, 200, api.Environment{
				ID: "env-1", Name: "dev", Size: api.Size{CPUs: 2, MemoryMB: 4096},
				Labels: map[string]string{"a": "b"}, Secrets: []api.SecretInfo{{Name: "K", Version: 2}},
			})
		default:
			writeProblem(w, 404, api.CodeNotFound, "environment not found")
		}
	}))
	ctx := context.Background()
	env, err := c.GetEnvironment(ctx, "env-1")
	if err != nil {
		t.Fatal(err)
	}
	if env.Name != "dev" || env.Size.MemoryMB != 4096 || env.Labels["a"] != "b" || env.Secrets[0].Version != 2 {
		t.Errorf("env = %+v", env)
	}
	if env.ETag != `"5"` {
		t.Errorf("ETag = %q, want it from the header when the body has none", env.ETag)
	}
	_, err = c.GetEnvironment(ctx, "env-gone")
	if !errors.Is(err, ErrNotFound) {
		t.Errorf("err = %v, want ErrNotFound", err)
	}
}

func TestListRegions(t *testing.T) {
	c := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/v1/regions" || r.URL.RawQuery != "" {
			http.Error(w, "unexpected "+r.URL.String(), 400)
			return
		}
		writeJSON(w, 200, api.List[api.Region]{Items: []api.Region{
			{ID: "eu-1", DisplayName: "Europe 1", Location: "Frankfurt", Available: true},
			{ID: "us-1", DisplayName: "US 1", Location: "Virginia"},
		}})
	}))
	regions, err := c.ListRegions(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(regions) != 2 || regions[0].ID != "eu-1" || !regions[0].Available || regions[1].Available {
		t.Errorf("regions = %+v", regions)
	}
}
