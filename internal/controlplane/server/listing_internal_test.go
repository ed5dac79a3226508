package server

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
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
	// afterRevisions, when set, runs once ListRevisions has read (a write
	// racing a list between its two reads).
	afterRevisions func()
}

func (c *readCounter) GetResource(ctx context.Context, kind, id string) (*store.Resource, error) {
	c.reads.Add(1)
	return c.Store.GetResource(ctx, kind, id)
}

func (c *readCounter) ListResources(ctx context.Context, f store.ListFilter) ([]*store.Resource, string, error) {
	c.reads.Add(1)
	return c.Store.ListResources(ctx, f)
}

func (c *readCounter) ListRevisions(ctx context.Context, f store.ListFilter) ([]store.ResourceRef, string, error) {
	c.reads.Add(1)
	refs, next, err := c.Store.ListRevisions(ctx, f)
	if c.afterRevisions != nil {
		c.afterRevisions()
	}
	return refs, next, err
}

func (c *readCounter) ListSecrets(ctx context.Context, id string) ([]store.Secret, error) {
	c.reads.Add(1)
	return c.Store.ListSecrets(ctx, id)
}

func (c *readCounter) GetResourceByName(ctx context.Context, kind, parentID, name string) (*store.Resource, error) {
	c.reads.Add(1)
	return c.Store.GetResourceByName(ctx, kind, parentID, name)
}

func (c *readCounter) GetOperation(ctx context.Context, id string) (*store.Operation, error) {
	c.reads.Add(1)
	return c.Store.GetOperation(ctx, id)
}

func (c *readCounter) GetOperations(ctx context.Context, ids []string) (map[string]*store.Operation, error) {
	c.reads.Add(1)
	return c.Store.GetOperations(ctx, ids)
}

func (c *readCounter) LatestScheduleRun(ctx context.Context, id string) (*store.ScheduleRun, error) {
	c.reads.Add(1)
	return c.Store.LatestScheduleRun(ctx, id)
}

func (c *readCounter) LatestScheduleRuns(ctx context.Context, ids []string) (map[string]*store.ScheduleRun, error) {
	c.reads.Add(1)
	return c.Store.LatestScheduleRuns(ctx, ids)
}

func (c *readCounter) ListScheduleRuns(ctx context.Context, id string, size int, token string) ([]*store.ScheduleRun, string, error) {
	c.reads.Add(1)
	return c.Store.ListScheduleRuns(ctx, id, size, token)
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
// a fixed number of times whatever the page holds (no query per item): the
// page's revisions, its secrets, and the full rows of items not kept from an
// earlier list. A page listed again is byte for byte the same, and the
// secrets each item shows are still its own.
func TestListQueriesConstant(t *testing.T) {
	s := newTestServer(t)
	counter := &readCounter{Store: s.store}
	s.store = counter
	admin := newPrincipal(&store.APIKey{Prefix: "ocp_test", Scopes: []string{api.ScopeAdmin}})

	reads := func(n int) (cold, warm int64) {
		t.Helper()
		seedEnvironments(t, s, counter.Store, n)
		counter.reads.Store(0)
		first := listEnvironmentsBody(t, s, admin, n)
		cold = counter.reads.Swap(0)
		again := listEnvironmentsBody(t, s, admin, n)
		warm = counter.reads.Load()
		if again != first {
			t.Fatalf("a page listed again from kept items differs:\n%s\nfirst:\n%s", again, first)
		}
		return cold, warm
	}
	fewCold, fewWarm := reads(3)
	manyCold, manyWarm := reads(40)
	if fewCold != manyCold || fewWarm != manyWarm {
		t.Fatalf("a page of 3 environments took %d store reads (%d listed again), a page of 40 took %d (%d): want the same (no read per item)", fewCold, fewWarm, manyCold, manyWarm)
	}
	if fewCold > 3 || fewWarm > 2 {
		t.Errorf("a page takes %d store reads and %d listed again, want 3 (revisions, secrets, rows) and 2 (revisions, secrets)", fewCold, fewWarm)
	}
}

// TestChildListQueriesConstant: the lists of GPU pools, of shutdown
// schedules and of a schedule's runs read the store a fixed number of times
// whatever the page holds, though each item shows its environment's region,
// the environment's pools' cost, its latest run and that run's operation.
func TestChildListQueriesConstant(t *testing.T) {
	s := newTestServer(t)
	counter := &readCounter{Store: s.store}
	s.store = counter
	admin := newPrincipal(&store.APIKey{Prefix: "ocp_test", Scopes: []string{api.ScopeAdmin}})
	ctx := t.Context()
	seeded := 0
	var firstSchedule string
	seed := func(n int) {
		t.Helper()
		envs := seedEnvironments(t, s, counter.Store, n)
		now := time.Now()
		for ; seeded < n; seeded++ {
			env := envs[seeded]
			nodes := int64(1)
			pool := &store.Resource{Kind: store.KindGPUPool, ID: fmt.Sprintf("gpl_%026d", seeded), ParentID: env, Name: "pool", AltKey: fmt.Sprintf("p-%d", seeded),
				Spec:   mustJSON(poolSpec{Backend: "vllm", GPUType: "nvidia-l4", GPUsPerNode: 1, CapacityType: "on_demand", NodeCount: &nodes}),
				Status: mustJSON(poolStatus{Status: "ready", CurrentNodes: 1, EffectiveGPUType: "nvidia-l4", EffectiveCapacityType: "on_demand"}),
				Labels: map[string]string{}, CreatedAt: now, UpdatedAt: now}
			sched := &store.Resource{Kind: store.KindShutdownSchedule, ID: fmt.Sprintf("sch_%026d", seeded), ParentID: env, Name: "office-hours",
				Spec: mustJSON(schedSpec{Enabled: true, TimeZone: "UTC", Enforcement: "transitions", DrainTimeout: "5m",
					Windows: []api.ShutdownWindow{{Days: []string{"mon", "tue"}, Start: "08:00", Stop: "19:00"}}}),
				Status: mustJSON(schedStatus{AppliesFrom: now}), Labels: map[string]string{}, CreatedAt: now, UpdatedAt: now}
			op := &store.Operation{ID: fmt.Sprintf("op_%026d", seeded), Kind: opEnvironmentPower, TargetKind: store.KindEnvironment, TargetID: env,
				Status: store.OpSucceeded, Message: "stopped"}
			for _, err := range []error{
				counter.CreateResource(ctx, pool), counter.CreateResource(ctx, sched), counter.CreateOperation(ctx, op),
			} {
				if err != nil {
					t.Fatal(err)
				}
			}
			if seeded == 0 {
				firstSchedule = sched.ID
			}
			// Each schedule has a run, and the first one a run per
			// environment, for the runs list.
			runsOf := []string{sched.ID}
			if sched.ID != firstSchedule {
				runsOf = append(runsOf, firstSchedule)
			}
			for _, id := range runsOf {
				if err := counter.CreateScheduleRun(ctx, &store.ScheduleRun{ID: newID("run"), ScheduleID: id, At: now.Add(time.Duration(seeded) * time.Minute), Action: "stop",
					Trigger: "transition", Outcome: "started", OperationID: op.ID, CreatedAt: now}); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	list := func(name string, handler func(http.ResponseWriter, *http.Request, *principal) error, target string, check func([]byte)) int64 {
		t.Helper()
		counter.reads.Store(0)
		r := httptest.NewRequest(http.MethodGet, target, nil)
		r.SetPathValue("id", firstSchedule)
		w := httptest.NewRecorder()
		if err := handler(w, r, admin); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		n := counter.reads.Load()
		check(w.Body.Bytes())
		return n
	}
	reads := func(n int) map[string]int64 {
		t.Helper()
		seed(n)
		return map[string]int64{
			"pools": list("pools", s.listGPUPools, "/v1/gpu_pools?page_size=500", func(b []byte) {
				var page api.List[api.GPUPool]
				mustUnmarshal(t, b, &page)
				if len(page.Items) != n || page.Items[n-1].HourlyCost == 0 || page.Items[n-1].BaseURL == "" {
					t.Fatalf("pools: %d listed, want %d with a cost and a base URL: %+v", len(page.Items), n, page.Items[n-1])
				}
			}),
			"schedules": list("schedules", s.listSchedules, "/v1/shutdown_schedules?page_size=500", func(b []byte) {
				var page api.List[api.ShutdownSchedule]
				mustUnmarshal(t, b, &page)
				last := page.Items[len(page.Items)-1]
				if len(page.Items) != n || last.LastRun == nil || last.LastRun.Outcome != store.OpSucceeded || last.EstimatedMonthlySavings == 0 {
					t.Fatalf("schedules: %d listed, want %d with their last run's operation and savings: %+v", len(page.Items), n, last)
				}
			}),
			"runs": list("runs", s.listScheduleRuns, "/v1/shutdown_schedules/x/runs?page_size=500", func(b []byte) {
				var page api.List[api.ScheduleRun]
				mustUnmarshal(t, b, &page)
				if len(page.Items) != n || page.Items[0].Outcome != store.OpSucceeded || !strings.Contains(page.Items[0].Detail, "stopped") {
					t.Fatalf("runs: %d listed, want %d showing their operation: %+v", len(page.Items), n, page.Items[0])
				}
			}),
		}
	}
	few, many := reads(3), reads(40)
	for _, name := range []string{"pools", "schedules", "runs"} {
		if few[name] != many[name] {
			t.Errorf("a list of 3 %s took %d store reads, of 40 took %d: want the same (no read per item)", name, few[name], many[name])
		}
	}
	t.Logf("store reads per page: %v", few)
}

func mustUnmarshal(t *testing.T, b []byte, v any) {
	t.Helper()
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("%v in %s", err, b)
	}
}

// TestListKeptItemsFollowChanges: an item kept from an earlier list is
// shown again only while nothing it shows changed: a new revision, a secret
// written behind the server's back, an environment deleted between the two
// reads of a list.
func TestListKeptItemsFollowChanges(t *testing.T) {
	s := newTestServer(t)
	counter := &readCounter{Store: s.store}
	s.store = counter
	ctx := t.Context()
	admin := newPrincipal(&store.APIKey{Prefix: "ocp_test", Scopes: []string{api.ScopeAdmin}})
	ids := seedEnvironments(t, s, counter.Store, 3)
	decode := func(body string) []api.Environment {
		t.Helper()
		var page api.List[api.Environment]
		if err := json.Unmarshal([]byte(body), &page); err != nil {
			t.Fatal(err)
		}
		return page.Items
	}
	listEnvironmentsBody(t, s, admin, 3)

	res, err := counter.Store.GetResource(ctx, store.KindEnvironment, ids[1])
	if err != nil {
		t.Fatal(err)
	}
	res.Labels = map[string]string{"team": "changed"}
	if err := counter.UpdateResource(ctx, res); err != nil {
		t.Fatal(err)
	}
	sealed, err := s.sealSecrets(ids[2], map[string]string{"TOKEN": "rotated", "EXTRA": "x"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := counter.PutSecrets(ctx, ids[2], sealed); err != nil {
		t.Fatal(err)
	}
	items := decode(listEnvironmentsBody(t, s, admin, 3))
	if items[1].Labels["team"] != "changed" || items[1].ETag != etagOf(res) {
		t.Errorf("after an update, the list shows %+v, want the new labels and ETag %s", items[1], etagOf(res))
	}
	if len(items[2].Secrets) != 2 || items[2].Secrets[0].Name != "EXTRA" {
		t.Errorf("after a secret write, the list shows secrets %+v, want EXTRA and TOKEN", items[2].Secrets)
	}
	if items[0].Labels["team"] == "changed" || len(items[0].Secrets) != 1 {
		t.Errorf("an unchanged environment shows %+v", items[0])
	}

	counter.afterRevisions = func() {
		counter.afterRevisions = nil
		if err := counter.DeleteResource(ctx, store.KindEnvironment, ids[1]); err != nil {
			t.Error(err)
		}
		res, err := counter.Store.GetResource(ctx, store.KindEnvironment, ids[0])
		if err != nil {
			t.Error(err)
			return
		}
		res.Labels = map[string]string{"team": "raced"}
		if err := counter.UpdateResource(ctx, res); err != nil {
			t.Error(err)
		}
	}
	// The revisions are read before the writes. With nothing kept, the
	// deleted one is left out and the updated one is read whole, at its new
	// revision (a kept item shows the revision the page was read at).
	s.envJSON = newEncodedCache()
	items = decode(listEnvironmentsBody(t, s, admin, 2))
	if items[0].ID != ids[0] || items[0].Labels["team"] != "raced" || items[1].ID != ids[2] {
		t.Errorf("a list racing a delete and an update shows %+v", items)
	}
}

// seedEnvironments makes st hold at least n environments, each with a
// secret TOKEN, and returns their IDs in list order.
func seedEnvironments(t *testing.T, s *Server, st store.Store, n int) []string {
	t.Helper()
	ctx := t.Context()
	for {
		items, _, err := st.ListResources(ctx, store.ListFilter{Kind: store.KindEnvironment, PageSize: 500})
		if err != nil {
			t.Fatal(err)
		}
		if len(items) >= n {
			ids := make([]string, len(items))
			for i, it := range items {
				ids[i] = it.ID
			}
			return ids
		}
		now := time.Now()
		id := fmt.Sprintf("env_%026d", len(items))
		if err := st.CreateResource(ctx, &store.Resource{Kind: store.KindEnvironment, ID: id, Name: fmt.Sprintf("e%d", len(items)),
			Spec: mustJSON(envSpec{Region: "us-east"}), Status: mustJSON(envStatus{Status: api.EnvStatusRunning}), Labels: map[string]string{}, CreatedAt: now, UpdatedAt: now}); err != nil {
			t.Fatal(err)
		}
		sealed, err := s.sealSecrets(id, map[string]string{"TOKEN": id}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := st.PutSecrets(ctx, id, sealed); err != nil {
			t.Fatal(err)
		}
	}
}

// listEnvironmentsBody lists up to 500 environments as p, checks there are n
// and that each shows its own TOKEN secret, and returns the body.
func listEnvironmentsBody(t *testing.T, s *Server, p *principal, n int) string {
	t.Helper()
	w := httptest.NewRecorder()
	if err := s.listEnvironments(w, httptest.NewRequest(http.MethodGet, "/v1/environments?page_size=500", nil), p); err != nil {
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
		if len(e.Secrets) == 0 || e.Secrets[len(e.Secrets)-1].Name != "TOKEN" || (len(e.Secrets) == 1 && e.Secrets[0].Fingerprint != s.keyring.Fingerprint(e.ID)) {
			t.Fatalf("environment %s lists secrets %+v, want its own TOKEN", e.ID, e.Secrets)
		}
	}
	return w.Body.String()
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
