// Package storetest is the conformance suite of store.Store. Every
// implementation runs the same Run; a behaviour that differs between
// databases is a bug in the implementation, not a reason to skip.
package storetest

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/oklog/ulid/v2"

	"github.com/openclaw/terraform-provider-openclaw/internal/controlplane/store"
)

// Run runs the suite. open must return a fresh, empty, migrated store for
// each call and arrange (with t.Cleanup) for it to be closed and discarded.
// Subtests run in parallel, each on its own store, so open is called
// concurrently.
func Run(t *testing.T, open func(t *testing.T) store.Store) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s store.Store)
	}{
		{"PingAndDriver", testPingAndDriver},
		{"ResourceRoundTrip", testResourceRoundTrip},
		{"ResourceNotFound", testResourceNotFound},
		{"ResourceUniqueKeys", testResourceUniqueKeys},
		{"ResourceListFilters", testResourceListFilters},
		{"ResourcePagination", testResourcePagination},
		{"ResourcePageSizeLimits", testResourcePageSizeLimits},
		{"ResourceUpdate", testResourceUpdate},
		{"ResourceConcurrentUpdates", testResourceConcurrentUpdates},
		{"ResourceDeleteCascades", testResourceDeleteCascades},
		{"Secrets", testSecrets},
		{"SecretInfos", testSecretInfos},
		{"Transactions", testTransactions},
		{"Timestamps", testTimestamps},
		{"OperationRoundTrip", testOperationRoundTrip},
		{"ClaimDue", testClaimDue},
		{"ClaimLease", testClaimLease},
		{"ClaimPerTargetOrder", testClaimPerTargetOrder},
		{"ClaimNeverFinished", testClaimNeverFinished},
		{"ClaimConcurrent", testClaimConcurrent},
		{"Idempotency", testIdempotency},
		{"APIKeys", testAPIKeys},
		{"APIKeyList", testAPIKeyList},
		{"APIKeyRevokeAndMetadata", testAPIKeyRevokeAndMetadata},
		{"Audit", testAudit},
		{"Lock", testLock},
		{"ScheduleRuns", testScheduleRuns},
		{"SnapshotsNewestFirst", testSnapshotsNewestFirst},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.fn(t, open(t))
		})
	}
}

// ---------------------------------------------------------------- helpers

// newID makes an ID the way callers do: prefix_lowercaseULID, so that IDs
// sort in creation order.
func newID(prefix string) string {
	return prefix + "_" + strings.ToLower(ulid.Make().String())
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func wantErr(t *testing.T, err, target error) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Fatalf("got error %v, want %v", err, target)
	}
}

func wantUnique(t *testing.T, err error, field string) {
	t.Helper()
	var uv *store.UniqueViolation
	if !errors.As(err, &uv) {
		t.Fatalf("got error %v, want a UniqueViolation on %s", err, field)
	}
	if uv.Field != field {
		t.Fatalf("UniqueViolation on %q, want %q (error: %v)", uv.Field, field, err)
	}
	if !errors.Is(err, store.ErrConflict) {
		t.Fatalf("UniqueViolation %v does not wrap ErrConflict", err)
	}
}

// sameJSON compares two values through their JSON encodings, which show
// times in full and read well in a failure message.
func sameJSON(t *testing.T, what string, got, want any) {
	t.Helper()
	g, err := json.MarshalIndent(got, "", "  ")
	must(t, err)
	w, err := json.MarshalIndent(want, "", "  ")
	must(t, err)
	if !bytes.Equal(g, w) {
		t.Fatalf("%s differs\n got: %s\nwant: %s", what, g, w)
	}
}

func sameBytes(t *testing.T, what string, got, want []byte) {
	t.Helper()
	if (got == nil) != (want == nil) || !bytes.Equal(got, want) {
		t.Fatalf("%s: got %q (nil=%v), want %q (nil=%v)", what, got, got == nil, want, want == nil)
	}
}

func sameTime(t *testing.T, what string, got, want time.Time) {
	t.Helper()
	if !got.Equal(want) {
		t.Fatalf("%s: got %s, want %s", what, got.Format(time.RFC3339Nano), want.Format(time.RFC3339Nano))
	}
	if got.Location() != time.UTC {
		t.Fatalf("%s: location %s, want UTC", what, got.Location())
	}
}

func sameTimePtr(t *testing.T, what string, got, want *time.Time) {
	t.Helper()
	if (got == nil) != (want == nil) {
		t.Fatalf("%s: got %v, want %v", what, got, want)
	}
	if got != nil {
		sameTime(t, what, *got, *want)
	}
}

// recent checks a timestamp the store chose: UTC, between before (minus the
// microsecond it may have truncated) and now.
func recent(t *testing.T, what string, got, before time.Time) {
	t.Helper()
	if got.IsZero() || got.Location() != time.UTC {
		t.Fatalf("%s = %v: want a UTC timestamp", what, got)
	}
	if got.Before(before.Add(-time.Microsecond)) || got.After(time.Now().Add(time.Second)) {
		t.Fatalf("%s = %s, not between %s and now", what, got.Format(time.RFC3339Nano), before.Format(time.RFC3339Nano))
	}
}

// ts is a fixed time with microsecond precision.
func ts(minute int) time.Time {
	return time.Date(2031, 5, 17, 9, 0, 0, 123456000, time.UTC).Add(time.Duration(minute) * time.Minute)
}

func ptr[T any](v T) *T { return &v }

// normResource makes nil and empty label maps compare equal.
func normResource(r *store.Resource) *store.Resource {
	c := *r
	if c.Labels == nil {
		c.Labels = map[string]string{}
	}
	return &c
}

func sameResource(t *testing.T, got, want *store.Resource) {
	t.Helper()
	sameBytes(t, want.ID+" spec", got.Spec, want.Spec)
	sameBytes(t, want.ID+" status", got.Status, want.Status)
	sameJSON(t, "resource "+want.ID, normResource(got), normResource(want))
	sameTime(t, want.ID+" created_at", got.CreatedAt, want.CreatedAt)
	sameTime(t, want.ID+" updated_at", got.UpdatedAt, want.UpdatedAt)
}

func createResource(t *testing.T, s store.Tx, kind, parent, name string, labels map[string]string) *store.Resource {
	t.Helper()
	r := &store.Resource{
		Kind: kind, ID: newID(kindPrefix(kind)), ParentID: parent, Name: name,
		Spec: json.RawMessage(`{"name":` + fmt.Sprintf("%q", name) + `}`), Labels: labels,
	}
	must(t, s.CreateResource(context.Background(), r))
	return r
}

func kindPrefix(kind string) string {
	switch kind {
	case store.KindEnvironment:
		return "env"
	case store.KindGPUPool:
		return "gpl"
	case store.KindAPIKey:
		return "key"
	case store.KindShutdownSchedule:
		return "sch"
	case store.KindDataSnapshot:
		return "snp"
	}
	return "res"
}

func resourceIDs(items []*store.Resource) []string {
	ids := []string{}
	for _, r := range items {
		ids = append(ids, r.ID)
	}
	return ids
}

func list(t *testing.T, s store.Tx, f store.ListFilter) []string {
	t.Helper()
	items, next, err := s.ListResources(context.Background(), f)
	must(t, err)
	if next != "" {
		t.Fatalf("unexpected next page token for %+v", f)
	}
	sameRevisions(t, s, f, items, next)
	return resourceIDs(items)
}

// sameRevisions checks that ListRevisions selects exactly the page
// ListResources selected for f: the same IDs at the same revisions, in the
// same order, with the same next page token.
func sameRevisions(t *testing.T, s store.Tx, f store.ListFilter, items []*store.Resource, next string) {
	t.Helper()
	refs, refsNext, err := s.ListRevisions(context.Background(), f)
	must(t, err)
	want := make([]store.ResourceRef, 0, len(items))
	for _, r := range items {
		want = append(want, store.ResourceRef{ID: r.ID, Revision: r.Revision})
	}
	if !slices.Equal(refs, want) || refsNext != next {
		t.Fatalf("ListRevisions(%+v) = %v, token %q; ListResources selected %v, token %q", f, refs, refsNext, want, next)
	}
}

func sameIDs(t *testing.T, what string, got, want []string) {
	t.Helper()
	if got == nil {
		got = []string{}
	}
	if want == nil {
		want = []string{}
	}
	if !slices.Equal(got, want) {
		t.Fatalf("%s:\n got %v\nwant %v", what, got, want)
	}
}

// ---------------------------------------------------------------- basics

func testPingAndDriver(t *testing.T, s store.Store) {
	must(t, s.Ping(t.Context()))
	if d := s.Driver(); d != "sqlite" && d != "postgres" {
		t.Fatalf("Driver() = %q, want sqlite or postgres", d)
	}
	n, err := s.CountAPIKeys(t.Context())
	must(t, err)
	if n != 0 {
		t.Fatalf("fresh store has %d API keys", n)
	}
	items, next, err := s.ListResources(t.Context(), store.ListFilter{Kind: store.KindEnvironment})
	must(t, err)
	if len(items) != 0 || next != "" {
		t.Fatalf("fresh store lists %d environments, token %q", len(items), next)
	}
}

// ---------------------------------------------------------------- resources

func testResourceRoundTrip(t *testing.T, s store.Store) {
	ctx := t.Context()
	env := createResource(t, s, store.KindEnvironment, "", "prod", nil)

	before := time.Now()
	r := &store.Resource{
		Kind:     store.KindGPUPool,
		ID:       newID("gpl"),
		ParentID: env.ID,
		Name:     "pool-a",
		AltKey:   "provider-123",
		Spec:     json.RawMessage(`{"size": 3, "zone":"eu-west-1a", "nested": {"list": [1, 2.5, "x"], "null": null}, "unicode": "żółw ✓"}`),
		Status:   json.RawMessage(`{"phase":"ready","nodes":["n1","n2"]}`),
		Labels:   map[string]string{"team": "ml", "tier": "gold", "empty": "", "with space": "a b=c"},
	}
	must(t, s.CreateResource(ctx, r))
	if r.Generation != 1 || r.Revision != 1 {
		t.Fatalf("new resource: generation %d revision %d, want 1 and 1", r.Generation, r.Revision)
	}
	recent(t, "created_at", r.CreatedAt, before)
	recent(t, "updated_at", r.UpdatedAt, before)

	got, err := s.GetResource(ctx, store.KindGPUPool, r.ID)
	must(t, err)
	sameResource(t, got, r)

	got, err = s.GetResourceByName(ctx, store.KindGPUPool, env.ID, "pool-a")
	must(t, err)
	sameResource(t, got, r)

	// Preset counters and times are kept; absent documents, labels and alt
	// key stay absent.
	preset := &store.Resource{
		Kind: store.KindGPUPool, ID: newID("gpl"), ParentID: env.ID, Name: "pool-b",
		Generation: 7, Revision: 3, CreatedAt: ts(0), UpdatedAt: ts(5),
	}
	must(t, s.CreateResource(ctx, preset))
	if preset.Generation != 7 || preset.Revision != 3 {
		t.Fatalf("preset counters changed to %d/%d", preset.Generation, preset.Revision)
	}
	sameTime(t, "preset created_at", preset.CreatedAt, ts(0))
	got, err = s.GetResource(ctx, store.KindGPUPool, preset.ID)
	must(t, err)
	sameResource(t, got, preset)
	if got.Spec != nil || got.Status != nil || got.AltKey != "" || len(got.Labels) != 0 {
		t.Fatalf("absent fields came back: %+v", got)
	}

	// Empty alt keys are not values: any number of resources may have none.
	third := createResource(t, s, store.KindGPUPool, env.ID, "pool-c", nil)
	if third.AltKey != "" {
		t.Fatal("alt key invented")
	}

	// A resource of one kind is not found as another.
	_, err = s.GetResource(ctx, store.KindEnvironment, r.ID)
	wantErr(t, err, store.ErrNotFound)
	got, err = s.GetResource(ctx, store.KindEnvironment, env.ID)
	must(t, err)
	sameResource(t, got, env)
}

func testResourceNotFound(t *testing.T, s store.Store) {
	ctx := t.Context()
	env := createResource(t, s, store.KindEnvironment, "", "prod", nil)
	pool := createResource(t, s, store.KindGPUPool, env.ID, "pool", nil)

	_, err := s.GetResource(ctx, store.KindEnvironment, newID("env"))
	wantErr(t, err, store.ErrNotFound)
	_, err = s.GetResourceByName(ctx, store.KindEnvironment, "", "staging")
	wantErr(t, err, store.ErrNotFound)
	// Name lookups are scoped by parent and kind.
	_, err = s.GetResourceByName(ctx, store.KindGPUPool, "", "pool")
	wantErr(t, err, store.ErrNotFound)
	_, err = s.GetResourceByName(ctx, store.KindGPUPool, newID("env"), "pool")
	wantErr(t, err, store.ErrNotFound)
	_, err = s.GetResourceByName(ctx, store.KindDataSnapshot, env.ID, "pool")
	wantErr(t, err, store.ErrNotFound)
	got, err := s.GetResourceByName(ctx, store.KindGPUPool, env.ID, "pool")
	must(t, err)
	sameResource(t, got, pool)

	ghost := &store.Resource{Kind: store.KindEnvironment, ID: newID("env"), Name: "ghost", Revision: 1}
	wantErr(t, s.UpdateResource(ctx, ghost), store.ErrNotFound)
	wantErr(t, s.DeleteResource(ctx, store.KindEnvironment, ghost.ID), store.ErrNotFound)
	// Wrong kind for an existing ID.
	wrong := *pool
	wrong.Kind = store.KindDataSnapshot
	wantErr(t, s.UpdateResource(ctx, &wrong), store.ErrNotFound)
	wantErr(t, s.DeleteResource(ctx, store.KindDataSnapshot, pool.ID), store.ErrNotFound)
	if _, err := s.GetResource(ctx, store.KindGPUPool, pool.ID); err != nil {
		t.Fatalf("pool gone after a wrong-kind delete: %v", err)
	}
}

func testResourceUniqueKeys(t *testing.T, s store.Store) {
	ctx := t.Context()
	env1 := createResource(t, s, store.KindEnvironment, "", "prod", nil)

	dup := &store.Resource{Kind: store.KindEnvironment, ID: newID("env"), Name: "prod", Labels: map[string]string{"dup": "yes"}}
	wantUnique(t, s.CreateResource(ctx, dup), "name")
	if dup.Revision != 0 || !dup.CreatedAt.IsZero() {
		t.Fatalf("failed create changed its argument: %+v", dup)
	}
	_, err := s.GetResource(ctx, store.KindEnvironment, dup.ID)
	wantErr(t, err, store.ErrNotFound)
	sameIDs(t, "labels of the failed create", list(t, s, store.ListFilter{Kind: store.KindEnvironment, Labels: map[string]string{"dup": "yes"}}), nil)

	// The same name is fine for another kind or under another parent.
	env2 := createResource(t, s, store.KindEnvironment, "", "staging", nil)
	createResource(t, s, store.KindGPUPool, "", "prod", nil)
	createResource(t, s, store.KindDataSnapshot, env1.ID, "prod", nil)
	createResource(t, s, store.KindDataSnapshot, env2.ID, "prod", nil)
	dupSnap := &store.Resource{Kind: store.KindDataSnapshot, ID: newID("snp"), ParentID: env2.ID, Name: "prod"}
	wantUnique(t, s.CreateResource(ctx, dupSnap), "name")

	// Alt keys are unique within (kind, parent) too.
	a := &store.Resource{Kind: store.KindGPUPool, ID: newID("gpl"), ParentID: env1.ID, Name: "a", AltKey: "p-1"}
	must(t, s.CreateResource(ctx, a))
	b := &store.Resource{Kind: store.KindGPUPool, ID: newID("gpl"), ParentID: env1.ID, Name: "b", AltKey: "p-1"}
	wantUnique(t, s.CreateResource(ctx, b), "alt_key")
	b.AltKey = "p-2"
	must(t, s.CreateResource(ctx, b))
	must(t, s.CreateResource(ctx, &store.Resource{Kind: store.KindGPUPool, ID: newID("gpl"), ParentID: env2.ID, Name: "a", AltKey: "p-1"}))
	must(t, s.CreateResource(ctx, &store.Resource{Kind: store.KindDataSnapshot, ID: newID("snp"), ParentID: env1.ID, Name: "a", AltKey: "p-1"}))

	// Reusing an ID is a conflict as well.
	err = s.CreateResource(ctx, &store.Resource{Kind: store.KindGPUPool, ID: a.ID, ParentID: env2.ID, Name: "other"})
	wantUnique(t, err, "id")

	// Updates hit the same constraints and leave the row as it was.
	b2 := *b
	b2.Name = "a"
	wantUnique(t, s.UpdateResource(ctx, &b2), "name")
	if b2.Revision != b.Revision {
		t.Fatalf("failed update changed the revision to %d", b2.Revision)
	}
	b2 = *b
	b2.AltKey = "p-1"
	wantUnique(t, s.UpdateResource(ctx, &b2), "alt_key")
	got, err := s.GetResource(ctx, store.KindGPUPool, b.ID)
	must(t, err)
	sameResource(t, got, b)

	// And the resource is still writable afterwards.
	b2 = *b
	b2.Name = "b-renamed"
	must(t, s.UpdateResource(ctx, &b2))
	if b2.Revision != 2 {
		t.Fatalf("revision %d after one successful update, want 2", b2.Revision)
	}
}

func testResourceListFilters(t *testing.T, s store.Store) {
	ctx := t.Context()
	env1 := createResource(t, s, store.KindEnvironment, "", "env1", map[string]string{"stage": "prod"})
	env2 := createResource(t, s, store.KindEnvironment, "", "env2", map[string]string{"stage": "dev"})
	p1 := createResource(t, s, store.KindGPUPool, env1.ID, "p1", map[string]string{"team": "ml", "tier": "gold"})
	p2 := createResource(t, s, store.KindGPUPool, env1.ID, "p2", map[string]string{"team": "ml", "tier": "silver"})
	p3 := createResource(t, s, store.KindGPUPool, env2.ID, "p3", map[string]string{"team": "web", "tier": "gold"})
	p4 := createResource(t, s, store.KindGPUPool, env2.ID, "p1", nil)
	createResource(t, s, store.KindDataSnapshot, env1.ID, "p1", map[string]string{"team": "ml", "tier": "gold"})

	pools := store.ListFilter{Kind: store.KindGPUPool}
	sameIDs(t, "all pools", list(t, s, pools), []string{p1.ID, p2.ID, p3.ID, p4.ID})
	sameIDs(t, "all environments", list(t, s, store.ListFilter{Kind: store.KindEnvironment}), []string{env1.ID, env2.ID})
	sameIDs(t, "top-level environments", list(t, s, store.ListFilter{Kind: store.KindEnvironment, ParentID: ptr("")}), []string{env1.ID, env2.ID})

	f := pools
	f.ParentID = &env1.ID
	sameIDs(t, "pools of env1", list(t, s, f), []string{p1.ID, p2.ID})
	f.ParentID = ptr("")
	sameIDs(t, "top-level pools", list(t, s, f), nil)

	f = pools
	f.Name = "p1"
	sameIDs(t, "pools named p1", list(t, s, f), []string{p1.ID, p4.ID})
	f.ParentID = &env2.ID
	sameIDs(t, "pools named p1 in env2", list(t, s, f), []string{p4.ID})

	for _, c := range []struct {
		labels map[string]string
		want   []string
	}{
		{map[string]string{"team": "ml"}, []string{p1.ID, p2.ID}},
		{map[string]string{"team": "ml", "tier": "gold"}, []string{p1.ID}},
		{map[string]string{"tier": "gold"}, []string{p1.ID, p3.ID}},
		{map[string]string{"tier": "gold", "team": "web"}, []string{p3.ID}},
		{map[string]string{"team": "ml", "tier": "bronze"}, nil},
		{map[string]string{"team": "nobody"}, nil},
		{map[string]string{"stage": "prod"}, nil}, // an environment's label
		{map[string]string{}, []string{p1.ID, p2.ID, p3.ID, p4.ID}},
	} {
		f := pools
		f.Labels = c.labels
		sameIDs(t, fmt.Sprintf("pools labelled %v", c.labels), list(t, s, f), c.want)
	}
	f = pools
	f.Labels = map[string]string{"team": "ml"}
	f.ParentID = &env2.ID
	sameIDs(t, "ml pools in env2", list(t, s, f), nil)

	f = pools
	f.ParentIDs = []string{env2.ID, env1.ID, newID("env")}
	sameIDs(t, "pools of env1 and env2", list(t, s, f), []string{p1.ID, p2.ID, p3.ID, p4.ID})
	f.ParentIDs = []string{env2.ID}
	sameIDs(t, "pools of env2 by parent list", list(t, s, f), []string{p3.ID, p4.ID})
	f.Name = "p1"
	sameIDs(t, "pools named p1 of env2 by parent list", list(t, s, f), []string{p4.ID})
	f.Name = ""
	f.ParentIDs = []string{}
	sameIDs(t, "pools of an empty parent list", list(t, s, f), nil)

	f = pools
	f.IDs = []string{p3.ID, p1.ID, newID("gpl"), env1.ID}
	sameIDs(t, "pools by ID", list(t, s, f), []string{p1.ID, p3.ID})
	f.IDs = []string{}
	sameIDs(t, "pools by an empty ID list", list(t, s, f), nil)
	f.IDs = []string{p1.ID, p2.ID, p3.ID}
	f.Labels = map[string]string{"tier": "gold"}
	sameIDs(t, "gold pools by ID", list(t, s, f), []string{p1.ID, p3.ID})

	// Listed resources carry everything, labels included.
	items, _, err := s.ListResources(ctx, pools)
	must(t, err)
	for i, want := range []*store.Resource{p1, p2, p3, p4} {
		sameResource(t, items[i], want)
	}

	// A write shows in ListRevisions as the new revision.
	p2.Labels = map[string]string{"team": "ml", "tier": "bronze"}
	must(t, s.UpdateResource(ctx, p2))
	refs, _, err := s.ListRevisions(ctx, pools)
	must(t, err)
	if len(refs) != 4 || refs[1] != (store.ResourceRef{ID: p2.ID, Revision: p2.Revision}) || p2.Revision != p1.Revision+1 {
		t.Fatalf("after an update of %s to revision %d, ListRevisions = %v", p2.ID, p2.Revision, refs)
	}
}

func testResourcePagination(t *testing.T, s store.Store) {
	ctx := t.Context()
	var all, even []string
	for i := range 23 {
		labels := map[string]string{"parity": "odd"}
		if i%2 == 0 {
			labels["parity"] = "even"
		}
		r := createResource(t, s, store.KindDataSnapshot, "", fmt.Sprintf("snap-%02d", i), labels)
		all = append(all, r.ID)
		if i%2 == 0 {
			even = append(even, r.ID)
		}
	}
	createResource(t, s, store.KindEnvironment, "", "not-a-snapshot", nil)

	walk := func(f store.ListFilter) (ids []string, sizes []int) {
		t.Helper()
		for range 100 {
			items, next, err := s.ListResources(ctx, f)
			must(t, err)
			sameRevisions(t, s, f, items, next)
			ids = append(ids, resourceIDs(items)...)
			sizes = append(sizes, len(items))
			if next == "" {
				return ids, sizes
			}
			f.PageToken = next
		}
		t.Fatal("pagination does not end")
		return nil, nil
	}

	ids, sizes := walk(store.ListFilter{Kind: store.KindDataSnapshot, PageSize: 5})
	sameIDs(t, "all pages", ids, all)
	if !slices.Equal(sizes, []int{5, 5, 5, 5, 3}) {
		t.Fatalf("page sizes %v, want [5 5 5 5 3]", sizes)
	}
	// 12 even snapshots in pages of 4: the last full page has no token.
	ids, sizes = walk(store.ListFilter{Kind: store.KindDataSnapshot, Labels: map[string]string{"parity": "even"}, PageSize: 4})
	sameIDs(t, "even pages", ids, even)
	if !slices.Equal(sizes, []int{4, 4, 4}) {
		t.Fatalf("page sizes %v, want [4 4 4]", sizes)
	}
	ids, _ = walk(store.ListFilter{Kind: store.KindDataSnapshot, PageSize: 1})
	sameIDs(t, "pages of one", ids, all)

	// Writes between pages neither repeat nor skip the items that remain.
	f := store.ListFilter{Kind: store.KindDataSnapshot, PageSize: 10}
	first, next, err := s.ListResources(ctx, f)
	must(t, err)
	must(t, s.DeleteResource(ctx, store.KindDataSnapshot, all[12]))
	late := createResource(t, s, store.KindDataSnapshot, "", "late", nil)
	f.PageToken = next
	rest, _ := walk(f)
	want := slices.Concat(all[10:12], all[13:], []string{late.ID})
	sameIDs(t, "after concurrent writes", append(resourceIDs(first), rest...), slices.Concat(all[:10], want))

	// Well-formed base64 of something that is not a token this store issued
	// (a forged or truncated one) is refused too.
	for _, bad := range []string{"!!!", "not base64?", "%%", "AAAA", "////", "eyJ4IjoxfQ", base64.RawURLEncoding.EncodeToString([]byte("snap_01"))} {
		_, _, err := s.ListResources(ctx, store.ListFilter{Kind: store.KindDataSnapshot, PageToken: bad})
		if !errors.Is(err, store.ErrInvalidPageToken) {
			t.Fatalf("page token %q: got %v, want ErrInvalidPageToken", bad, err)
		}
		if _, _, err := s.ListRevisions(ctx, store.ListFilter{Kind: store.KindDataSnapshot, PageToken: bad}); !errors.Is(err, store.ErrInvalidPageToken) {
			t.Fatalf("ListRevisions, page token %q: got %v, want ErrInvalidPageToken", bad, err)
		}
	}
}

func testResourcePageSizeLimits(t *testing.T, s store.Store) {
	ctx := t.Context()
	var ids []string
	must(t, s.InTx(ctx, func(tx store.Tx) error {
		for i := range 501 {
			r := &store.Resource{Kind: store.KindDataSnapshot, ID: newID("snp"), Name: fmt.Sprintf("s%03d", i)}
			if err := tx.CreateResource(ctx, r); err != nil {
				return err
			}
			ids = append(ids, r.ID)
		}
		return nil
	}))
	for _, c := range []struct{ size, want int }{{0, 100}, {-3, 100}, {100, 100}, {499, 499}, {500, 500}, {1000, 500}} {
		items, next, err := s.ListResources(ctx, store.ListFilter{Kind: store.KindDataSnapshot, PageSize: c.size})
		must(t, err)
		if len(items) != c.want || next == "" {
			t.Fatalf("PageSize %d: %d items, token %q; want %d and a token", c.size, len(items), next, c.want)
		}
		sameIDs(t, "first page", resourceIDs(items), ids[:c.want])
	}
	_, next, err := s.ListResources(ctx, store.ListFilter{Kind: store.KindDataSnapshot, PageSize: 1000})
	must(t, err)
	items, next, err := s.ListResources(ctx, store.ListFilter{Kind: store.KindDataSnapshot, PageSize: 1000, PageToken: next})
	must(t, err)
	if next != "" || len(items) != 1 || items[0].ID != ids[500] {
		t.Fatalf("second page: %d items, token %q", len(items), next)
	}
}

func testResourceUpdate(t *testing.T, s store.Store) {
	ctx := t.Context()
	env := createResource(t, s, store.KindEnvironment, "", "prod", nil)
	r := &store.Resource{
		Kind: store.KindGPUPool, ID: newID("gpl"), ParentID: env.ID, Name: "pool", AltKey: "p-1",
		Spec: json.RawMessage(`{"size":1}`), Labels: map[string]string{"old": "1", "keep": "k"},
	}
	must(t, s.CreateResource(ctx, r))

	a, err := s.GetResource(ctx, r.Kind, r.ID)
	must(t, err)
	stale, err := s.GetResource(ctx, r.Kind, r.ID)
	must(t, err)

	time.Sleep(2 * time.Millisecond)
	before := time.Now()
	a.Name = "pool-renamed"
	a.AltKey = "p-2"
	a.Generation = 2
	a.Spec = json.RawMessage(`{"size": 2}`)
	a.Status = json.RawMessage(`{"phase":"resizing"}`)
	a.Labels = map[string]string{"keep": "k2", "new": "n"}
	must(t, s.UpdateResource(ctx, a))
	if a.Revision != 2 {
		t.Fatalf("revision %d after update, want 2", a.Revision)
	}
	recent(t, "updated_at", a.UpdatedAt, before)
	sameTime(t, "created_at after update", a.CreatedAt, r.CreatedAt)
	got, err := s.GetResource(ctx, r.Kind, r.ID)
	must(t, err)
	sameResource(t, got, a)

	// A writer that read revision 1 loses and changes nothing.
	stale.Spec = json.RawMessage(`{"size":99}`)
	stale.Labels = map[string]string{"stale": "yes"}
	err = s.UpdateResource(ctx, stale)
	wantErr(t, err, store.ErrConflict)
	if errors.Is(err, store.ErrNotFound) {
		t.Fatalf("stale update reported not found: %v", err)
	}
	if stale.Revision != 1 {
		t.Fatalf("failed update changed the caller's revision to %d", stale.Revision)
	}
	got, err = s.GetResource(ctx, r.Kind, r.ID)
	must(t, err)
	sameResource(t, got, a)

	// Labels were replaced, not merged.
	pools := store.ListFilter{Kind: store.KindGPUPool}
	pools.Labels = map[string]string{"old": "1"}
	sameIDs(t, "old label", list(t, s, pools), nil)
	pools.Labels = map[string]string{"keep": "k"}
	sameIDs(t, "old value", list(t, s, pools), nil)
	pools.Labels = map[string]string{"keep": "k2", "new": "n"}
	sameIDs(t, "new labels", list(t, s, pools), []string{r.ID})
	_, err = s.GetResourceByName(ctx, r.Kind, env.ID, "pool")
	wantErr(t, err, store.ErrNotFound)

	// A caller may choose UpdatedAt ...
	a.UpdatedAt = ts(60)
	must(t, s.UpdateResource(ctx, a))
	sameTime(t, "preset updated_at", a.UpdatedAt, ts(60))
	got, err = s.GetResource(ctx, r.Kind, r.ID)
	must(t, err)
	sameResource(t, got, a)
	// ... otherwise (the value it read, or zero) the store sets now.
	before = time.Now()
	must(t, s.UpdateResource(ctx, got))
	recent(t, "updated_at", got.UpdatedAt, before)
	got.UpdatedAt = time.Time{}
	before = time.Now()
	must(t, s.UpdateResource(ctx, got))
	recent(t, "updated_at", got.UpdatedAt, before)
	if got.Revision != 5 {
		t.Fatalf("revision %d after four updates, want 5", got.Revision)
	}

	// Clearing documents, labels and the alt key.
	got.Spec, got.Status, got.Labels, got.AltKey = nil, nil, nil, ""
	must(t, s.UpdateResource(ctx, got))
	cleared, err := s.GetResource(ctx, r.Kind, r.ID)
	must(t, err)
	if cleared.Spec != nil || cleared.Status != nil || len(cleared.Labels) != 0 || cleared.AltKey != "" {
		t.Fatalf("not cleared: %+v", cleared)
	}
	// The freed alt key can be taken by another pool.
	must(t, s.CreateResource(ctx, &store.Resource{Kind: store.KindGPUPool, ID: newID("gpl"), ParentID: env.ID, Name: "other", AltKey: "p-2"}))

	// Updating a deleted resource is not found.
	must(t, s.DeleteResource(ctx, r.Kind, r.ID))
	wantErr(t, s.UpdateResource(ctx, cleared), store.ErrNotFound)
}

func testResourceConcurrentUpdates(t *testing.T, s store.Store) {
	ctx := t.Context()
	r := &store.Resource{Kind: store.KindEnvironment, ID: newID("env"), Name: "counter", Spec: json.RawMessage(`{"n":0}`)}
	must(t, s.CreateResource(ctx, r))
	const workers, increments = 6, 10
	errs := make(chan error, workers)
	for range workers {
		go func() {
			errs <- func() error {
				for range increments {
					for {
						cur, err := s.GetResource(ctx, r.Kind, r.ID)
						if err != nil {
							return err
						}
						var doc struct{ N int }
						if err := json.Unmarshal(cur.Spec, &doc); err != nil {
							return err
						}
						cur.Spec = json.RawMessage(fmt.Sprintf(`{"n":%d}`, doc.N+1))
						err = s.UpdateResource(ctx, cur)
						if errors.Is(err, store.ErrConflict) {
							continue
						}
						if err != nil {
							return err
						}
						break
					}
				}
				return nil
			}()
		}()
	}
	for range workers {
		must(t, <-errs)
	}
	got, err := s.GetResource(ctx, r.Kind, r.ID)
	must(t, err)
	if string(got.Spec) != fmt.Sprintf(`{"n":%d}`, workers*increments) || got.Revision != workers*increments+1 {
		t.Fatalf("after %d increments: spec %s revision %d (lost updates)", workers*increments, got.Spec, got.Revision)
	}
}

func secret(name string, version int64) store.Secret {
	return store.Secret{
		Name: name, Nonce: []byte("nonce-" + name + "\x00\xff"), Ciphertext: []byte{0, 1, 2, 0xfe, 0xff, byte(version)},
		Version: version, Fingerprint: "sha256:" + name,
	}
}

func testResourceDeleteCascades(t *testing.T, s store.Store) {
	ctx := t.Context()
	env := createResource(t, s, store.KindEnvironment, "", "prod", map[string]string{"team": "ml"})
	other := createResource(t, s, store.KindEnvironment, "", "dev", map[string]string{"team": "ml"})
	must(t, s.PutSecrets(ctx, env.ID, []store.Secret{secret("a", 1), secret("b", 1)}))
	must(t, s.PutSecrets(ctx, other.ID, []store.Secret{secret("a", 1)}))

	must(t, s.DeleteResource(ctx, store.KindEnvironment, env.ID))
	_, err := s.GetResource(ctx, store.KindEnvironment, env.ID)
	wantErr(t, err, store.ErrNotFound)
	_, err = s.GetResourceByName(ctx, store.KindEnvironment, "", "prod")
	wantErr(t, err, store.ErrNotFound)
	secrets, err := s.ListSecrets(ctx, env.ID)
	must(t, err)
	if len(secrets) != 0 {
		t.Fatalf("%d secrets survived the delete", len(secrets))
	}
	sameIDs(t, "label filter after delete", list(t, s, store.ListFilter{Kind: store.KindEnvironment, Labels: map[string]string{"team": "ml"}}), []string{other.ID})
	secrets, err = s.ListSecrets(ctx, other.ID)
	must(t, err)
	if len(secrets) != 1 {
		t.Fatalf("the other environment has %d secrets, want 1", len(secrets))
	}
	wantErr(t, s.DeleteResource(ctx, store.KindEnvironment, env.ID), store.ErrNotFound)

	// The name is free again, and a resource reusing the ID starts bare.
	again := &store.Resource{Kind: store.KindEnvironment, ID: env.ID, Name: "prod"}
	must(t, s.CreateResource(ctx, again))
	got, err := s.GetResource(ctx, store.KindEnvironment, env.ID)
	must(t, err)
	if len(got.Labels) != 0 {
		t.Fatalf("labels survived the delete: %v", got.Labels)
	}
	secrets, err = s.ListSecrets(ctx, env.ID)
	must(t, err)
	if len(secrets) != 0 {
		t.Fatalf("secrets survived the delete: %d", len(secrets))
	}
}

func testSecrets(t *testing.T, s store.Store) {
	ctx := t.Context()
	env := createResource(t, s, store.KindEnvironment, "", "prod", nil)
	other := createResource(t, s, store.KindEnvironment, "", "dev", nil)

	b := secret("b", 3)
	b.UpdatedAt = ts(0)
	a := secret("a", 1)
	before := time.Now()
	must(t, s.PutSecrets(ctx, env.ID, []store.Secret{b, a}))
	must(t, s.PutSecrets(ctx, other.ID, []store.Secret{secret("z", 9)}))

	got, err := s.ListSecrets(ctx, env.ID)
	must(t, err)
	if len(got) != 2 || got[0].Name != "a" || got[1].Name != "b" {
		t.Fatalf("secrets %+v, want a and b in name order", got)
	}
	recent(t, "default updated_at", got[0].UpdatedAt, before)
	a.UpdatedAt = got[0].UpdatedAt
	for i, want := range []store.Secret{a, b} {
		want.ResourceID = env.ID
		sameJSON(t, "secret "+want.Name, got[i], want)
		sameBytes(t, "nonce", got[i].Nonce, want.Nonce)
		sameBytes(t, "ciphertext", got[i].Ciphertext, want.Ciphertext)
	}

	// Put replaces the whole set.
	must(t, s.PutSecrets(ctx, env.ID, []store.Secret{secret("a", 2), secret("c", 1)}))
	got, err = s.ListSecrets(ctx, env.ID)
	must(t, err)
	if len(got) != 2 || got[0].Name != "a" || got[0].Version != 2 || got[1].Name != "c" {
		t.Fatalf("after replace: %+v", got)
	}

	// A set naming a secret twice fails as a whole.
	err = s.PutSecrets(ctx, env.ID, []store.Secret{secret("x", 1), secret("x", 2)})
	if err == nil {
		t.Fatal("duplicate secret names accepted")
	}
	got, err = s.ListSecrets(ctx, env.ID)
	must(t, err)
	if len(got) != 2 || got[0].Name != "a" || got[1].Name != "c" {
		t.Fatalf("a failed put changed the set: %+v", got)
	}

	must(t, s.PutSecrets(ctx, env.ID, nil))
	got, err = s.ListSecrets(ctx, env.ID)
	must(t, err)
	if len(got) != 0 {
		t.Fatalf("empty put left %d secrets", len(got))
	}
	got, err = s.ListSecrets(ctx, newID("env"))
	must(t, err)
	if len(got) != 0 {
		t.Fatalf("unknown resource has %d secrets", len(got))
	}
	got, err = s.ListSecrets(ctx, other.ID)
	must(t, err)
	if len(got) != 1 || got[0].Name != "z" || got[0].Version != 9 {
		t.Fatalf("another resource's secrets changed: %+v", got)
	}
}

var errRollback = errors.New("roll back, please")

func testTransactions(t *testing.T, s store.Store) {
	ctx := t.Context()
	env := createResource(t, s, store.KindEnvironment, "", "prod", nil)

	// Commit: everything written in the transaction is there afterwards,
	// and the transaction reads its own writes.
	var pool *store.Resource
	must(t, s.InTx(ctx, func(tx store.Tx) error {
		pool = &store.Resource{Kind: store.KindGPUPool, ID: newID("gpl"), ParentID: env.ID, Name: "pool", Labels: map[string]string{"a": "b"}}
		if err := tx.CreateResource(ctx, pool); err != nil {
			return err
		}
		if err := tx.PutSecrets(ctx, pool.ID, []store.Secret{secret("token", 1)}); err != nil {
			return err
		}
		if err := tx.CreateOperation(ctx, &store.Operation{ID: newID("op"), Kind: "create", TargetKind: store.KindGPUPool, TargetID: pool.ID}); err != nil {
			return err
		}
		got, err := tx.GetResource(ctx, store.KindGPUPool, pool.ID)
		if err != nil {
			return err
		}
		sameResource(t, got, pool)
		sameIDs(t, "list in transaction", list(t, tx, store.ListFilter{Kind: store.KindGPUPool, Labels: map[string]string{"a": "b"}}), []string{pool.ID})
		return nil
	}))
	got, err := s.GetResource(ctx, store.KindGPUPool, pool.ID)
	must(t, err)
	sameResource(t, got, pool)
	ops, err := s.ListActiveOperations(ctx, pool.ID)
	must(t, err)
	if len(ops) != 1 {
		t.Fatalf("%d operations after commit, want 1", len(ops))
	}

	// An error rolls every write back and is returned.
	var ghost *store.Resource
	var opID string
	err = s.InTx(ctx, func(tx store.Tx) error {
		ghost = &store.Resource{Kind: store.KindGPUPool, ID: newID("gpl"), ParentID: env.ID, Name: "ghost"}
		if err := tx.CreateResource(ctx, ghost); err != nil {
			return err
		}
		if err := tx.PutSecrets(ctx, pool.ID, nil); err != nil {
			return err
		}
		upd := *pool
		upd.Spec = json.RawMessage(`{"changed":true}`)
		if err := tx.UpdateResource(ctx, &upd); err != nil {
			return err
		}
		opID = newID("op")
		if err := tx.CreateOperation(ctx, &store.Operation{ID: opID, Kind: "create", TargetID: ghost.ID}); err != nil {
			return err
		}
		if err := tx.AppendAudit(ctx, &store.AuditEvent{Action: "rolled.back"}); err != nil {
			return err
		}
		return fmt.Errorf("wrapped: %w", errRollback)
	})
	wantErr(t, err, errRollback)
	_, err = s.GetResource(ctx, store.KindGPUPool, ghost.ID)
	wantErr(t, err, store.ErrNotFound)
	_, err = s.GetOperation(ctx, opID)
	wantErr(t, err, store.ErrNotFound)
	got, err = s.GetResource(ctx, store.KindGPUPool, pool.ID)
	must(t, err)
	sameResource(t, got, pool)
	secrets, err := s.ListSecrets(ctx, pool.ID)
	must(t, err)
	if len(secrets) != 1 {
		t.Fatalf("rolled-back secret deletion took effect: %d secrets", len(secrets))
	}
	events, _, err := s.ListAudit(ctx, store.AuditFilter{Action: "rolled.back"})
	must(t, err)
	if len(events) != 0 {
		t.Fatal("rolled-back audit event persisted")
	}

	// A panic rolls back too, and propagates.
	var panicked any
	func() {
		defer func() { panicked = recover() }()
		_ = s.InTx(ctx, func(tx store.Tx) error {
			ghost = &store.Resource{Kind: store.KindGPUPool, ID: newID("gpl"), ParentID: env.ID, Name: "panic"}
			if err := tx.CreateResource(ctx, ghost); err != nil {
				return err
			}
			panic("boom")
		})
	}()
	if panicked != "boom" {
		t.Fatalf("recovered %v, want the panic value", panicked)
	}
	_, err = s.GetResource(ctx, store.KindGPUPool, ghost.ID)
	wantErr(t, err, store.ErrNotFound)
	must(t, s.Ping(ctx)) // the connection went back to the pool in a usable state

	// A failed statement does not spoil the transaction: the caller may
	// handle a conflict and carry on.
	var kept *store.Resource
	must(t, s.InTx(ctx, func(tx store.Tx) error {
		err := tx.CreateResource(ctx, &store.Resource{Kind: store.KindGPUPool, ID: newID("gpl"), ParentID: env.ID, Name: "pool"})
		wantUnique(t, err, "name")
		stale := *pool
		stale.Revision = 99
		wantErr(t, tx.UpdateResource(ctx, &stale), store.ErrConflict)
		rec := &store.IdempotencyRecord{Principal: "p", Key: "k", Method: "POST", Path: "/x", RequestHash: "h"}
		if err := tx.CreateIdempotency(ctx, rec); err != nil {
			return err
		}
		wantErr(t, tx.CreateIdempotency(ctx, rec), store.ErrConflict)
		k := &store.APIKey{ID: newID("key"), Name: "k", SecretHash: "h"}
		if err := tx.CreateAPIKey(ctx, k); err != nil {
			return err
		}
		wantUnique(t, tx.CreateAPIKey(ctx, &store.APIKey{ID: newID("key"), Name: "k2", SecretHash: "h"}), "secret_hash")
		kept = &store.Resource{Kind: store.KindGPUPool, ID: newID("gpl"), ParentID: env.ID, Name: "kept"}
		return tx.CreateResource(ctx, kept)
	}))
	_, err = s.GetResource(ctx, store.KindGPUPool, kept.ID)
	must(t, err)
	_, err = s.GetIdempotency(ctx, "p", "k")
	must(t, err)
	n, err := s.CountAPIKeys(ctx)
	must(t, err)
	if n != 1 {
		t.Fatalf("%d API keys after the transaction, want 1", n)
	}
}

func testTimestamps(t *testing.T, s store.Store) {
	ctx := t.Context()
	zone := time.FixedZone("UTC+5:30", 5*3600+1800)
	in := time.Date(2031, 2, 3, 4, 5, 6, 123456789, zone)
	near := func(what string, got time.Time) {
		t.Helper()
		if got.Location() != time.UTC {
			t.Fatalf("%s: location %s, want UTC", what, got.Location())
		}
		if d := got.Sub(in); d < -time.Microsecond || d > time.Microsecond {
			t.Fatalf("%s: %s is %s away from %s", what, got.Format(time.RFC3339Nano), d, in.Format(time.RFC3339Nano))
		}
	}

	r := &store.Resource{Kind: store.KindEnvironment, ID: newID("env"), Name: "tz", CreatedAt: in, UpdatedAt: in}
	must(t, s.CreateResource(ctx, r))
	got, err := s.GetResource(ctx, r.Kind, r.ID)
	must(t, err)
	near("resource created_at", got.CreatedAt)
	sameTime(t, "returned vs stored created_at", r.CreatedAt, got.CreatedAt)

	op := &store.Operation{ID: newID("op"), Kind: "k", TargetID: "t", NextRunAt: in, LeaseUntil: in, CompletedAt: &in}
	must(t, s.CreateOperation(ctx, op))
	gotOp, err := s.GetOperation(ctx, op.ID)
	must(t, err)
	near("next_run_at", gotOp.NextRunAt)
	near("lease_until", gotOp.LeaseUntil)
	near("completed_at", *gotOp.CompletedAt)
	sameJSON(t, "returned vs stored operation", op, gotOp)

	k := &store.APIKey{ID: newID("key"), Name: "tz", SecretHash: "h", ExpiresAt: &in}
	must(t, s.CreateAPIKey(ctx, k))
	gotKey, err := s.GetAPIKey(ctx, k.ID)
	must(t, err)
	near("expires_at", *gotKey.ExpiresAt)

	// Comparisons are made on instants, at microsecond resolution, across
	// second and zone boundaries.
	due := time.Date(2031, 2, 3, 12, 0, 0, 1000, time.UTC)
	dueOp := &store.Operation{ID: newID("op"), Kind: "k", TargetID: newID("t"), NextRunAt: due}
	must(t, s.CreateOperation(ctx, dueOp))
	claimed, err := s.ClaimOperations(ctx, "w", due.Add(-time.Microsecond).In(zone), due.Add(time.Minute), 10)
	must(t, err)
	for _, c := range claimed {
		if c.ID == dueOp.ID {
			t.Fatal("claimed one microsecond early")
		}
	}
	claimed, err = s.ClaimOperations(ctx, "w", due.In(zone), due.Add(time.Minute), 10)
	must(t, err)
	if !slices.ContainsFunc(claimed, func(o *store.Operation) bool { return o.ID == dueOp.ID }) {
		t.Fatal("not claimed when due")
	}

	for i := range 3 {
		must(t, s.AppendAudit(ctx, &store.AuditEvent{Time: due.Add(time.Duration(i-1) * time.Microsecond), Action: "tick"}))
	}
	events, _, err := s.ListAudit(ctx, store.AuditFilter{Action: "tick", Since: due.In(zone)})
	must(t, err)
	if len(events) != 2 {
		t.Fatalf("%d events since %s, want 2", len(events), due)
	}
}

// ---------------------------------------------------------------- operations

func sameOperation(t *testing.T, got, want *store.Operation) {
	t.Helper()
	sameBytes(t, want.ID+" payload", got.Payload, want.Payload)
	sameBytes(t, want.ID+" error", got.Error, want.Error)
	sameJSON(t, "operation "+want.ID, got, want)
	for _, p := range []struct {
		what      string
		got, want time.Time
	}{
		{"next_run_at", got.NextRunAt, want.NextRunAt}, {"lease_until", got.LeaseUntil, want.LeaseUntil},
		{"created_at", got.CreatedAt, want.CreatedAt}, {"updated_at", got.UpdatedAt, want.UpdatedAt},
	} {
		if !p.got.Equal(p.want) {
			t.Fatalf("%s %s: got %s want %s", want.ID, p.what, p.got, p.want)
		}
	}
	sameTimePtr(t, want.ID+" completed_at", got.CompletedAt, want.CompletedAt)
}

func testOperationRoundTrip(t *testing.T, s store.Store) {
	ctx := t.Context()
	target := newID("env")
	before := time.Now()
	full := &store.Operation{
		ID: newID("op"), Kind: "environment.update", TargetKind: store.KindEnvironment, TargetID: target,
		Status: store.OpRunning, Step: 3, Message: "resizing pool 2 of 3",
		Payload: json.RawMessage(`{"previous": {"size": 1}}`), Attempts: 2,
		NextRunAt: ts(10), LeaseOwner: "replica-1", LeaseUntil: ts(11),
	}
	must(t, s.CreateOperation(ctx, full))
	recent(t, "created_at", full.CreatedAt, before)
	got, err := s.GetOperation(ctx, full.ID)
	must(t, err)
	sameOperation(t, got, full)
	if got.CompletedAt != nil || got.Error != nil {
		t.Fatalf("unset fields came back: %+v", got)
	}

	// Defaults: pending, due at creation, no lease.
	bare := &store.Operation{ID: newID("op"), Kind: "environment.create", TargetKind: store.KindEnvironment, TargetID: target}
	must(t, s.CreateOperation(ctx, bare))
	if bare.Status != store.OpPending || !bare.NextRunAt.Equal(bare.CreatedAt) || !bare.LeaseUntil.IsZero() || bare.LeaseOwner != "" {
		t.Fatalf("defaults: %+v", bare)
	}
	got, err = s.GetOperation(ctx, bare.ID)
	must(t, err)
	sameOperation(t, got, bare)
	many, err := s.GetOperations(ctx, []string{full.ID, newID("op"), bare.ID})
	must(t, err)
	if len(many) != 2 || many[full.ID] == nil || many[bare.ID] == nil {
		t.Fatalf("GetOperations = %v, want %s and %s", many, full.ID, bare.ID)
	}
	sameOperation(t, many[full.ID], full)
	sameOperation(t, many[bare.ID], bare)
	if none, err := s.GetOperations(ctx, nil); err != nil || len(none) != 0 {
		t.Fatalf("GetOperations(nil) = %v, %v", none, err)
	}
	if !got.LeaseUntil.IsZero() || got.Payload != nil {
		t.Fatalf("zero fields came back set: %+v", got)
	}

	// Update writes every mutable field.
	done := ts(20)
	got.Status = store.OpFailed
	got.Step = 7
	got.Message = "provider said no"
	got.Payload = json.RawMessage(`{"p":1}`)
	got.Error = json.RawMessage(`{"type":"about:blank","title":"Quota exceeded","status":422}`)
	got.Attempts = 5
	got.NextRunAt = ts(30)
	got.LeaseOwner = ""
	got.LeaseUntil = time.Time{}
	got.CompletedAt = &done
	before = time.Now()
	must(t, s.UpdateOperation(ctx, got))
	recent(t, "updated_at", got.UpdatedAt, before)
	again, err := s.GetOperation(ctx, bare.ID)
	must(t, err)
	sameOperation(t, again, got)
	if !got.Done() || !again.Done() {
		t.Fatal("failed operation not done")
	}
	// And back: a completed_at can be cleared.
	again.CompletedAt = nil
	again.Status = store.OpPending
	must(t, s.UpdateOperation(ctx, again))
	got, err = s.GetOperation(ctx, bare.ID)
	must(t, err)
	sameOperation(t, got, again)

	_, err = s.GetOperation(ctx, newID("op"))
	wantErr(t, err, store.ErrNotFound)
	wantErr(t, s.UpdateOperation(ctx, &store.Operation{ID: newID("op"), Status: store.OpPending}), store.ErrNotFound)
	wantUnique(t, s.CreateOperation(ctx, &store.Operation{ID: full.ID, Kind: "x"}), "id")

	// Active operations: unfinished, of that target, oldest first.
	mk := func(target, status string) *store.Operation {
		op := &store.Operation{ID: newID("op"), Kind: "k", TargetKind: store.KindGPUPool, TargetID: target, Status: status}
		must(t, s.CreateOperation(ctx, op))
		return op
	}
	pool, other := newID("gpl"), newID("gpl")
	o1 := mk(pool, store.OpPending)
	mk(pool, store.OpSucceeded)
	o3 := mk(pool, store.OpRunning)
	mk(pool, store.OpFailed)
	mk(other, store.OpPending)
	o6 := mk(pool, store.OpPending)
	active, err := s.ListActiveOperations(ctx, pool)
	must(t, err)
	var ids []string
	for _, op := range active {
		ids = append(ids, op.ID)
	}
	sameIDs(t, "active operations", ids, []string{o1.ID, o3.ID, o6.ID})
	sameOperation(t, active[1], o3)
	active, err = s.ListActiveOperations(ctx, newID("gpl"))
	must(t, err)
	if len(active) != 0 {
		t.Fatalf("unknown target has %d active operations", len(active))
	}
}

func opIDs(ops []*store.Operation) []string {
	ids := []string{}
	for _, op := range ops {
		ids = append(ids, op.ID)
	}
	slices.Sort(ids)
	return ids
}

func sortedIDs(ids ...string) []string {
	ids = slices.Clone(ids)
	slices.Sort(ids)
	return ids
}

func newOp(t *testing.T, s store.Tx, target string, nextRun time.Time) *store.Operation {
	t.Helper()
	op := &store.Operation{ID: newID("op"), Kind: "k", TargetKind: store.KindGPUPool, TargetID: target, NextRunAt: nextRun, CreatedAt: ts(-100)}
	must(t, s.CreateOperation(context.Background(), op))
	return op
}

func claim(t *testing.T, s store.Tx, owner string, now time.Time, lease time.Duration, limit int) []*store.Operation {
	t.Helper()
	ops, err := s.ClaimOperations(context.Background(), owner, now, now.Add(lease), limit)
	must(t, err)
	for _, op := range ops {
		if op.LeaseOwner != owner || !op.LeaseUntil.Equal(now.Add(lease)) {
			t.Fatalf("claimed %s carries lease %q until %s, want %q until %s", op.ID, op.LeaseOwner, op.LeaseUntil, owner, now.Add(lease))
		}
	}
	return ops
}

func finish(t *testing.T, s store.Tx, op *store.Operation, status string) {
	t.Helper()
	op.Status = status
	op.LeaseOwner, op.LeaseUntil = "", time.Time{}
	op.CompletedAt = ptr(time.Now())
	must(t, s.UpdateOperation(context.Background(), op))
}

func testClaimDue(t *testing.T, s store.Store) {
	ctx := t.Context()
	now := ts(0)
	past := newOp(t, s, newID("gpl"), now.Add(-time.Minute))
	exact := newOp(t, s, newID("gpl"), now)
	future := newOp(t, s, newID("gpl"), now.Add(time.Minute))
	past.Attempts, past.Step, past.Message = 4, 2, "kept"
	must(t, s.UpdateOperation(ctx, past))

	got := claim(t, s, "a", now, 2*time.Minute, 10)
	sameIDs(t, "due operations", opIDs(got), sortedIDs(past.ID, exact.ID))
	stored, err := s.GetOperation(ctx, past.ID)
	must(t, err)
	want := *past
	want.LeaseOwner, want.LeaseUntil = "a", now.Add(2*time.Minute)
	sameOperation(t, stored, &want)
	sameOperation(t, got[slices.IndexFunc(got, func(o *store.Operation) bool { return o.ID == past.ID })], &want)
	stored, err = s.GetOperation(ctx, future.ID)
	must(t, err)
	if stored.LeaseOwner != "" {
		t.Fatal("an operation that is not due was leased")
	}

	// Once its time comes the future operation is claimable (the others
	// are still leased to a).
	got = claim(t, s, "b", now.Add(time.Minute), 30*time.Second, 10)
	sameIDs(t, "due a minute later", opIDs(got), []string{future.ID})

	// limit caps a claim; the rest are left for the next one.
	var ids []string
	for range 5 {
		ids = append(ids, newOp(t, s, newID("gpl"), now.Add(-time.Hour)).ID)
	}
	later := now.Add(time.Hour) // the earlier leases have expired by then
	first := claim(t, s, "c", later, time.Minute, 2)
	if len(first) != 2 {
		t.Fatalf("claimed %d with limit 2", len(first))
	}
	if ops := claim(t, s, "c", later, time.Minute, 0); len(ops) != 0 {
		t.Fatalf("claimed %d with limit 0", len(ops))
	}
	rest := claim(t, s, "d", later, time.Minute, 100)
	all := append(opIDs(first), opIDs(rest)...)
	slices.Sort(all)
	sameIDs(t, "two claims", all, sortedIDs(append(ids, past.ID, exact.ID, future.ID)...))
}

func testClaimLease(t *testing.T, s store.Store) {
	now := ts(0)
	op := newOp(t, s, newID("gpl"), now)
	lease := 30 * time.Second

	sameIDs(t, "a claims", opIDs(claim(t, s, "a", now, lease, 10)), []string{op.ID})
	sameIDs(t, "b during a's lease", opIDs(claim(t, s, "b", now.Add(10*time.Second), lease, 10)), nil)
	// The owner can renew its lease.
	sameIDs(t, "a renews", opIDs(claim(t, s, "a", now.Add(10*time.Second), lease, 10)), []string{op.ID})
	// The lease now runs until now+40s; it holds up to and including that instant.
	sameIDs(t, "b after the first lease", opIDs(claim(t, s, "b", now.Add(35*time.Second), lease, 10)), nil)
	sameIDs(t, "b at the end of the lease", opIDs(claim(t, s, "b", now.Add(40*time.Second), lease, 10)), nil)
	sameIDs(t, "b after expiry", opIDs(claim(t, s, "b", now.Add(40*time.Second+time.Microsecond), lease, 10)), []string{op.ID})
	sameIDs(t, "a after losing it", opIDs(claim(t, s, "a", now.Add(41*time.Second), lease, 10)), nil)
	got, err := s.GetOperation(t.Context(), op.ID)
	must(t, err)
	if got.LeaseOwner != "b" || !got.LeaseUntil.Equal(now.Add(70*time.Second+time.Microsecond)) {
		t.Fatalf("lease %q until %s", got.LeaseOwner, got.LeaseUntil)
	}
	// A running operation whose owner died is taken over.
	got.Status = store.OpRunning
	must(t, s.UpdateOperation(t.Context(), got))
	sameIDs(t, "c takes over", opIDs(claim(t, s, "c", now.Add(2*time.Minute), lease, 10)), []string{op.ID})
}

func testClaimPerTargetOrder(t *testing.T, s store.Store) {
	ctx := t.Context()
	now := ts(0)
	target := newID("gpl")
	older := newOp(t, s, target, now.Add(time.Hour)) // not due yet
	newer := newOp(t, s, target, now)
	// The newer operation waits for the older one even though only it is due.
	sameIDs(t, "blocked by an older operation", opIDs(claim(t, s, "a", now, time.Minute, 10)), nil)

	older.NextRunAt = now
	must(t, s.UpdateOperation(ctx, older))
	got := claim(t, s, "a", now, time.Minute, 10)
	sameIDs(t, "only the oldest", opIDs(got), []string{older.ID})
	// While the older one runs only it is claimable (here by b, a's lease
	// having expired).
	older.Status = store.OpRunning
	must(t, s.UpdateOperation(ctx, older))
	sameIDs(t, "while the older runs", opIDs(claim(t, s, "b", now.Add(2*time.Minute), time.Minute, 10)), []string{older.ID})
	stored, err := s.GetOperation(ctx, older.ID)
	must(t, err)
	finish(t, s, stored, store.OpSucceeded)
	sameIDs(t, "after the older succeeded", opIDs(claim(t, s, "a", now.Add(3*time.Minute), time.Minute, 10)), []string{newer.ID})

	// A failed operation does not block its successors either.
	t2 := newID("gpl")
	f := newOp(t, s, t2, now)
	f.Status = store.OpFailed
	must(t, s.UpdateOperation(ctx, f))
	next := newOp(t, s, t2, now)
	// Independent targets are claimed together, one operation each.
	t3, t4 := newID("gpl"), newID("gpl")
	a3 := newOp(t, s, t3, now)
	newOp(t, s, t3, now)
	a4 := newOp(t, s, t4, now)
	newOp(t, s, t4, now)
	sameIDs(t, "one per target", opIDs(claim(t, s, "c", now.Add(4*time.Minute), time.Minute, 10)), sortedIDs(next.ID, a3.ID, a4.ID))
}

func testClaimNeverFinished(t *testing.T, s store.Store) {
	ctx := t.Context()
	now := ts(0)
	var pending []string
	for _, status := range []string{store.OpSucceeded, store.OpFailed, store.OpPending} {
		for _, lease := range []struct {
			owner string
			until time.Time
		}{{"", time.Time{}}, {"dead", now.Add(-time.Hour)}} {
			op := newOp(t, s, newID("gpl"), now.Add(-time.Hour))
			op.Status, op.LeaseOwner, op.LeaseUntil = status, lease.owner, lease.until
			must(t, s.UpdateOperation(ctx, op))
			if status == store.OpPending {
				pending = append(pending, op.ID)
			}
		}
	}
	sameIDs(t, "claimable", opIDs(claim(t, s, "a", now, time.Minute, 100)), sortedIDs(pending...))
	sameIDs(t, "claimable by the previous owner", opIDs(claim(t, s, "dead", now.Add(time.Hour), time.Minute, 100)), sortedIDs(pending...))
}

// testClaimConcurrent races several replicas for many operations: every
// operation must be run exactly once, and those of one target in order.
func testClaimConcurrent(t *testing.T, s store.Store) {
	ctx := t.Context()
	now := ts(0)
	// 40 targets: every fourth has a queue of four operations, the others
	// one; all due, so every claimer starts out wanting the same rows.
	var ops []*store.Operation
	must(t, s.InTx(ctx, func(tx store.Tx) error {
		for i := range 40 {
			target := newID("gpl")
			n := 1
			if i%4 == 0 {
				n = 4
			}
			for range n {
				ops = append(ops, newOp(t, tx, target, now.Add(-time.Duration(i)*time.Second)))
			}
		}
		return nil
	}))

	const replicas, goroutinesPerReplica = 4, 2
	start := make(chan struct{})
	var (
		mu      sync.Mutex
		claims  = map[string][]string{} // op -> owners that claimed it
		order   = map[string][]string{} // target -> ops in completion order
		done    int
		errs    = make(chan error, replicas*goroutinesPerReplica)
		timeout = time.Now().Add(30 * time.Second)
	)
	lock, unlock := mu.Lock, mu.Unlock
	for r := range replicas {
		for g := range goroutinesPerReplica {
			owner := fmt.Sprintf("replica-%d/worker-%d", r, g)
			go func() {
				<-start
				errs <- func() error {
					for {
						lock()
						finished := done >= len(ops) // > only if something ran twice
						unlock()
						if finished {
							return nil
						}
						if time.Now().After(timeout) {
							return errors.New("timed out before every operation ran")
						}
						got, err := s.ClaimOperations(ctx, owner, now, now.Add(time.Hour), 2)
						if err != nil {
							return err
						}
						for _, op := range got {
							lock()
							claims[op.ID] = append(claims[op.ID], owner)
							unlock()
							op.Status = store.OpSucceeded
							op.LeaseOwner, op.LeaseUntil = "", time.Time{}
							op.CompletedAt = ptr(now)
							// Record completion before the write: the next
							// operation of the target can be claimed as soon
							// as it is committed.
							lock()
							order[op.TargetID] = append(order[op.TargetID], op.ID)
							done++
							unlock()
							if err := s.UpdateOperation(ctx, op); err != nil {
								return err
							}
						}
						if len(got) == 0 {
							time.Sleep(time.Millisecond)
						}
					}
				}()
			}()
		}
	}
	close(start)
	for range replicas * goroutinesPerReplica {
		must(t, <-errs)
	}
	for _, op := range ops {
		if owners := claims[op.ID]; len(owners) != 1 {
			t.Errorf("operation %s claimed %d times, by %v", op.ID, len(owners), owners)
		}
		got, err := s.GetOperation(ctx, op.ID)
		must(t, err)
		if got.Status != store.OpSucceeded {
			t.Errorf("operation %s ended %s", op.ID, got.Status)
		}
	}
	byTarget := map[string][]string{}
	for _, op := range ops {
		byTarget[op.TargetID] = append(byTarget[op.TargetID], op.ID)
	}
	for target, want := range byTarget {
		sameIDs(t, "completion order of "+target, order[target], want)
	}
	if len(claims) != len(ops) {
		t.Fatalf("%d operations claimed, want %d", len(claims), len(ops))
	}
	left := claim(t, s, "late", now.Add(2*time.Hour), time.Minute, 100)
	if len(left) != 0 {
		t.Fatalf("%d finished operations claimed again", len(left))
	}
}

// ---------------------------------------------------------------- idempotency

func testIdempotency(t *testing.T, s store.Store) {
	ctx := t.Context()
	before := time.Now()
	rec := &store.IdempotencyRecord{Principal: "key_1", Key: "abc", Method: "POST", Path: "/v1/environments", RequestHash: "sha256:1"}
	must(t, s.CreateIdempotency(ctx, rec))
	recent(t, "created_at", rec.CreatedAt, before)
	got, err := s.GetIdempotency(ctx, "key_1", "abc")
	must(t, err)
	sameJSON(t, "pending record", got, rec)
	if got.StatusCode != 0 || len(got.ResponseBody) != 0 || got.Location != "" {
		t.Fatalf("pending record has a response: %+v", got)
	}

	// The key is taken; the first record stands.
	dup := *rec
	dup.RequestHash = "sha256:2"
	wantErr(t, s.CreateIdempotency(ctx, &dup), store.ErrConflict)
	got, err = s.GetIdempotency(ctx, "key_1", "abc")
	must(t, err)
	if got.RequestHash != "sha256:1" {
		t.Fatalf("duplicate overwrote the record: %+v", got)
	}
	// Keys are per principal.
	must(t, s.CreateIdempotency(ctx, &store.IdempotencyRecord{Principal: "key_2", Key: "abc", Method: "POST", Path: "/v1/x", RequestHash: "h"}))

	rec.StatusCode = 201
	rec.ResponseBody = []byte(`{"id":"env_1"}` + "\n\x00binary\xff")
	rec.Location = "/v1/environments/env_1"
	must(t, s.CompleteIdempotency(ctx, rec))
	got, err = s.GetIdempotency(ctx, "key_1", "abc")
	must(t, err)
	sameJSON(t, "completed record", got, rec)
	sameBytes(t, "response body", got.ResponseBody, rec.ResponseBody)
	other, err := s.GetIdempotency(ctx, "key_2", "abc")
	must(t, err)
	if other.StatusCode != 0 {
		t.Fatal("completing one principal's record completed another's")
	}

	_, err = s.GetIdempotency(ctx, "key_1", "nope")
	wantErr(t, err, store.ErrNotFound)
	_, err = s.GetIdempotency(ctx, "key_3", "abc")
	wantErr(t, err, store.ErrNotFound)
	wantErr(t, s.CompleteIdempotency(ctx, &store.IdempotencyRecord{Principal: "key_1", Key: "nope", StatusCode: 200}), store.ErrNotFound)

	must(t, s.DeleteIdempotency(ctx, "key_1", "abc"))
	_, err = s.GetIdempotency(ctx, "key_1", "abc")
	wantErr(t, err, store.ErrNotFound)
	wantErr(t, s.DeleteIdempotency(ctx, "key_1", "abc"), store.ErrNotFound)
	must(t, s.CreateIdempotency(ctx, &dup)) // the key is free again

	// Purge removes exactly the records created before the cutoff.
	now := time.Now()
	for i, age := range []time.Duration{3 * time.Hour, 2 * time.Hour, 90 * time.Minute} {
		must(t, s.CreateIdempotency(ctx, &store.IdempotencyRecord{Principal: "old", Key: fmt.Sprint(i), Method: "POST", Path: "/", RequestHash: "h", CreatedAt: now.Add(-age)}))
	}
	n, err := s.PurgeIdempotency(ctx, now.Add(-time.Hour))
	must(t, err)
	if n != 3 {
		t.Fatalf("purged %d, want 3", n)
	}
	for i := range 3 {
		_, err := s.GetIdempotency(ctx, "old", fmt.Sprint(i))
		wantErr(t, err, store.ErrNotFound)
	}
	for _, k := range [][2]string{{"key_2", "abc"}, {"key_1", "abc"}} {
		if _, err := s.GetIdempotency(ctx, k[0], k[1]); err != nil {
			t.Fatalf("recent record %v purged: %v", k, err)
		}
	}
	n, err = s.PurgeIdempotency(ctx, now.Add(-time.Hour))
	must(t, err)
	if n != 0 {
		t.Fatalf("second purge removed %d", n)
	}
}

// ---------------------------------------------------------------- API keys

func normKey(k *store.APIKey) *store.APIKey {
	c := *k
	if len(c.Scopes) == 0 {
		c.Scopes = nil
	}
	if len(c.AllowedCIDRs) == 0 {
		c.AllowedCIDRs = nil
	}
	if c.Labels == nil {
		c.Labels = map[string]string{}
	}
	return &c
}

func sameKey(t *testing.T, got, want *store.APIKey) {
	t.Helper()
	sameJSON(t, "API key "+want.Name, normKey(got), normKey(want))
	sameTime(t, "created_at", got.CreatedAt, want.CreatedAt)
	sameTime(t, "updated_at", got.UpdatedAt, want.UpdatedAt)
	sameTimePtr(t, "expires_at", got.ExpiresAt, want.ExpiresAt)
	sameTimePtr(t, "last_used_at", got.LastUsedAt, want.LastUsedAt)
	sameTimePtr(t, "revoked_at", got.RevokedAt, want.RevokedAt)
	sameTimePtr(t, "revoke_grace_until", got.RevokeGraceUntil, want.RevokeGraceUntil)
}

func testAPIKeys(t *testing.T, s store.Store) {
	ctx := t.Context()
	before := time.Now()
	full := &store.APIKey{
		ID: newID("key"), Name: "ci", Description: "CI pipeline", Prefix: "ock_ab12", SecretHash: "sha256:full",
		Scopes: []string{"environments:read", "environments:write"}, EnvironmentID: newID("env"),
		AllowedCIDRs: []string{"10.0.0.0/8", "2001:db8::/32"}, RateLimitPerMinute: 600,
		Labels: map[string]string{"owner": "platform"}, ExpiresAt: ptr(ts(1000)),
		LastUsedAt: ptr(ts(1)), RevokedAt: ptr(ts(2)), RevokeGraceUntil: ptr(ts(3)), Ephemeral: true,
	}
	must(t, s.CreateAPIKey(ctx, full))
	recent(t, "created_at", full.CreatedAt, before)
	recent(t, "updated_at", full.UpdatedAt, before)
	bare := &store.APIKey{ID: newID("key"), Name: "bare", Prefix: "ock_cd34", SecretHash: "sha256:bare", CreatedAt: ts(0), UpdatedAt: ts(0)}
	must(t, s.CreateAPIKey(ctx, bare))

	for _, want := range []*store.APIKey{full, bare} {
		got, err := s.GetAPIKey(ctx, want.ID)
		must(t, err)
		sameKey(t, got, want)
		got, err = s.GetAPIKeyByHash(ctx, want.SecretHash)
		must(t, err)
		sameKey(t, got, want)
	}
	got, err := s.GetAPIKey(ctx, bare.ID)
	must(t, err)
	if got.ExpiresAt != nil || got.LastUsedAt != nil || got.RevokedAt != nil || got.RevokeGraceUntil != nil || got.Ephemeral {
		t.Fatalf("unset fields came back set: %+v", got)
	}

	_, err = s.GetAPIKey(ctx, newID("key"))
	wantErr(t, err, store.ErrNotFound)
	_, err = s.GetAPIKeyByHash(ctx, "sha256:nope")
	wantErr(t, err, store.ErrNotFound)

	// Names are not unique (a rotation has two keys with one name); secret
	// hashes and IDs are.
	rotated := &store.APIKey{ID: newID("key"), Name: "ci", SecretHash: "sha256:other"}
	must(t, s.CreateAPIKey(ctx, rotated))
	wantUnique(t, s.CreateAPIKey(ctx, &store.APIKey{ID: newID("key"), Name: "other", SecretHash: "sha256:full"}), "secret_hash")
	wantUnique(t, s.CreateAPIKey(ctx, &store.APIKey{ID: rotated.ID, Name: "other", SecretHash: "sha256:third"}), "id")
	named, _, err := s.ListAPIKeys(ctx, store.APIKeyFilter{Name: "ci"})
	must(t, err)
	sameIDs(t, "keys named ci", keyIDs(named), []string{full.ID, rotated.ID})
	must(t, s.DeleteAPIKey(ctx, rotated.ID))
	n, err := s.CountAPIKeys(ctx)
	must(t, err)
	if n != 2 {
		t.Fatalf("count %d, want 2", n)
	}

	// Touch changes last_used_at and nothing else.
	used := ts(500)
	must(t, s.TouchAPIKey(ctx, bare.ID, used))
	got, err = s.GetAPIKey(ctx, bare.ID)
	must(t, err)
	want := *bare
	want.LastUsedAt = &used
	sameKey(t, got, &want)
	wantErr(t, s.TouchAPIKey(ctx, newID("key"), used), store.ErrNotFound)

	// Update writes every field but last_used_at (Touch's alone).
	upd := *bare // its LastUsedAt is nil: a stale value must not erase the touch
	upd.Name = "bare-renamed"
	upd.Description = "now described"
	upd.Prefix = "ock_ef56"
	upd.SecretHash = "sha256:rotated"
	upd.Scopes = []string{"audit:read"}
	upd.EnvironmentID = newID("env")
	upd.AllowedCIDRs = []string{"192.168.0.0/16"}
	upd.RateLimitPerMinute = 60
	upd.Labels = map[string]string{"a": "b", "c": "d"}
	upd.ExpiresAt = ptr(ts(2000))
	upd.RevokedAt = ptr(ts(600))
	upd.RevokeGraceUntil = ptr(ts(660))
	upd.Ephemeral = true
	before = time.Now()
	must(t, s.UpdateAPIKey(ctx, &upd))
	recent(t, "updated_at", upd.UpdatedAt, before)
	got, err = s.GetAPIKey(ctx, bare.ID)
	must(t, err)
	want = upd
	want.LastUsedAt = &used
	sameKey(t, got, &want)
	_, err = s.GetAPIKeyByHash(ctx, "sha256:bare")
	wantErr(t, err, store.ErrNotFound)
	renamed, _, err := s.ListAPIKeys(ctx, store.APIKeyFilter{Name: "bare-renamed"})
	must(t, err)
	sameIDs(t, "keys named bare-renamed", keyIDs(renamed), []string{bare.ID})

	// Clearing.
	got.ExpiresAt, got.RevokedAt, got.RevokeGraceUntil, got.Scopes, got.AllowedCIDRs, got.Labels = nil, nil, nil, nil, nil, nil
	got.Ephemeral = false
	must(t, s.UpdateAPIKey(ctx, got))
	cleared, err := s.GetAPIKey(ctx, bare.ID)
	must(t, err)
	sameKey(t, cleared, got)

	clash := *full
	clash.SecretHash = "sha256:rotated"
	wantUnique(t, s.UpdateAPIKey(ctx, &clash), "secret_hash")
	got, err = s.GetAPIKey(ctx, full.ID)
	must(t, err)
	sameKey(t, got, full)
	wantErr(t, s.UpdateAPIKey(ctx, &store.APIKey{ID: newID("key"), Name: "x", SecretHash: "y"}), store.ErrNotFound)

	must(t, s.DeleteAPIKey(ctx, full.ID))
	_, err = s.GetAPIKey(ctx, full.ID)
	wantErr(t, err, store.ErrNotFound)
	wantErr(t, s.DeleteAPIKey(ctx, full.ID), store.ErrNotFound)
	n, err = s.CountAPIKeys(ctx)
	must(t, err)
	if n != 1 {
		t.Fatalf("count %d after delete, want 1", n)
	}
	// Name and hash are free again.
	must(t, s.CreateAPIKey(ctx, &store.APIKey{ID: newID("key"), Name: "ci", SecretHash: "sha256:full"}))
}

func testAPIKeyList(t *testing.T, s store.Store) {
	ctx := t.Context()
	var want []string
	for i := range 11 {
		k := &store.APIKey{ID: newID("key"), Name: fmt.Sprintf("k%02d", i), SecretHash: fmt.Sprintf("h%02d", i), Scopes: []string{"s"}}
		must(t, s.CreateAPIKey(ctx, k))
		want = append(want, k.ID)
	}
	var got []string
	var sizes []int
	token := ""
	for range 10 {
		keys, next, err := s.ListAPIKeys(ctx, store.APIKeyFilter{PageSize: 4, PageToken: token})
		must(t, err)
		for _, k := range keys {
			got = append(got, k.ID)
			if len(k.Scopes) != 1 {
				t.Fatalf("listed key without its fields: %+v", k)
			}
		}
		sizes = append(sizes, len(keys))
		if token = next; token == "" {
			break
		}
	}
	sameIDs(t, "API key pages", got, want)
	if !slices.Equal(sizes, []int{4, 4, 3}) {
		t.Fatalf("page sizes %v", sizes)
	}
	keys, next, err := s.ListAPIKeys(ctx, store.APIKeyFilter{})
	must(t, err)
	if len(keys) != 11 || next != "" {
		t.Fatalf("default page: %d keys, token %q", len(keys), next)
	}
	_, _, err = s.ListAPIKeys(ctx, store.APIKeyFilter{PageSize: 4, PageToken: "***"})
	wantErr(t, err, store.ErrInvalidPageToken)

	// Filters by name and environment, paginated within the filter.
	env := newID("env")
	var bound []string
	for i := range 5 {
		k := &store.APIKey{ID: newID("key"), Name: "bound", SecretHash: fmt.Sprintf("hb%02d", i), EnvironmentID: env}
		must(t, s.CreateAPIKey(ctx, k))
		bound = append(bound, k.ID)
	}
	must(t, s.CreateAPIKey(ctx, &store.APIKey{ID: newID("key"), Name: "bound", SecretHash: "hb-other", EnvironmentID: newID("env")}))
	got = nil
	token = ""
	for range 10 {
		keys, next, err := s.ListAPIKeys(ctx, store.APIKeyFilter{EnvironmentID: env, PageSize: 2, PageToken: token})
		must(t, err)
		got = append(got, keyIDs(keys)...)
		if token = next; token == "" {
			break
		}
	}
	sameIDs(t, "keys of one environment", got, bound)
	keys, _, err = s.ListAPIKeys(ctx, store.APIKeyFilter{Name: "bound", EnvironmentID: env})
	must(t, err)
	sameIDs(t, "keys named bound in one environment", keyIDs(keys), bound)
	keys, _, err = s.ListAPIKeys(ctx, store.APIKeyFilter{Name: "bound"})
	must(t, err)
	if len(keys) != 6 {
		t.Fatalf("%d keys named bound, want 6", len(keys))
	}
}

// testAPIKeyRevokeAndMetadata: revocation is one statement that never
// revives a key or extends its grace period, and a metadata update touches
// nothing else (so it cannot undo a concurrent revocation).
func testAPIKeyRevokeAndMetadata(t *testing.T, s store.Store) {
	ctx := t.Context()
	newKey := func(name string) *store.APIKey {
		k := &store.APIKey{ID: newID("key"), Name: name, SecretHash: newID("hash"), Scopes: []string{"admin"},
			Labels: map[string]string{"a": "b"}, CreatedAt: ts(0), UpdatedAt: ts(0)}
		must(t, s.CreateAPIKey(ctx, k))
		return k
	}
	revoke := func(id string, at time.Time, grace *time.Time) *store.APIKey {
		t.Helper()
		k, err := s.RevokeAPIKey(ctx, id, at, grace)
		must(t, err)
		return k
	}
	wantRevoked := func(what string, k *store.APIKey, at time.Time, grace *time.Time) {
		t.Helper()
		if k.RevokedAt == nil {
			t.Fatalf("%s: not revoked", what)
		}
		sameTime(t, what+" revoked_at", *k.RevokedAt, at)
		sameTimePtr(t, what+" revoke_grace_until", k.RevokeGraceUntil, grace)
	}

	// First revocation with a grace period; it can be shortened, not extended.
	k := newKey("graced")
	wantRevoked("first", revoke(k.ID, ts(10), ptr(ts(100))), ts(10), ptr(ts(100)))
	wantRevoked("extension refused", revoke(k.ID, ts(20), ptr(ts(200))), ts(10), ptr(ts(100)))
	wantRevoked("shortened", revoke(k.ID, ts(30), ptr(ts(50))), ts(10), ptr(ts(50)))
	wantRevoked("ended now", revoke(k.ID, ts(40), nil), ts(10), nil)
	wantRevoked("never revived", revoke(k.ID, ts(60), ptr(ts(500))), ts(10), nil)
	got, err := s.GetAPIKey(ctx, k.ID)
	must(t, err)
	wantRevoked("stored", got, ts(10), nil)
	if got.Name != "graced" || len(got.Scopes) != 1 || got.Labels["a"] != "b" {
		t.Fatalf("revocation changed other fields: %+v", got)
	}

	// Without a grace period, at once.
	now := newKey("now")
	wantRevoked("immediate", revoke(now.ID, ts(10), nil), ts(10), nil)
	_, err = s.RevokeAPIKey(ctx, newID("key"), ts(10), nil)
	wantErr(t, err, store.ErrNotFound)

	// Metadata only: revocation and everything else stay.
	m := newKey("meta")
	revoke(m.ID, ts(10), ptr(ts(100)))
	upd, err := s.UpdateAPIKeyMetadata(ctx, m.ID, "meta-renamed", "described", map[string]string{"x": "y"}, ts(20))
	must(t, err)
	if upd.Name != "meta-renamed" || upd.Description != "described" || len(upd.Labels) != 1 || upd.Labels["x"] != "y" {
		t.Fatalf("metadata not written: %+v", upd)
	}
	sameTime(t, "updated_at", upd.UpdatedAt, ts(20))
	wantRevoked("after metadata update", upd, ts(10), ptr(ts(100)))
	got, err = s.GetAPIKey(ctx, m.ID)
	must(t, err)
	sameKey(t, got, upd)
	cleared, err := s.UpdateAPIKeyMetadata(ctx, m.ID, "meta", "", nil, ts(30))
	must(t, err)
	if cleared.Labels == nil || len(cleared.Labels) != 0 || cleared.Description != "" {
		t.Fatalf("labels and description not cleared: %+v", cleared)
	}
	_, err = s.UpdateAPIKeyMetadata(ctx, newID("key"), "x", "", nil, ts(30))
	wantErr(t, err, store.ErrNotFound)
}

func keyIDs(keys []*store.APIKey) []string {
	ids := make([]string, 0, len(keys))
	for _, k := range keys {
		ids = append(ids, k.ID)
	}
	return ids
}

// ---------------------------------------------------------------- audit

func testAudit(t *testing.T, s store.Store) {
	ctx := t.Context()
	var events []*store.AuditEvent
	keys := []string{"key_1", "key_2", "key_3"}
	for i := range 30 {
		e := &store.AuditEvent{
			Time: ts(i), KeyID: keys[i%3], KeyPrefix: "ock_" + keys[i%3], Action: []string{"environment.create", "environment.delete"}[i%2],
			ResourceKind: store.KindEnvironment, ResourceID: fmt.Sprintf("env_%d", i), SourceIP: "192.0.2.1",
			Outcome: []string{"success", "success", "denied"}[i%3], StatusCode: 200 + i, RequestID: fmt.Sprintf("req-%d", i),
			Detail: `{"why":"because"}`,
		}
		must(t, s.AppendAudit(ctx, e))
		if i > 0 && e.ID <= events[i-1].ID {
			t.Fatalf("audit IDs not increasing: %d after %d", e.ID, events[i-1].ID)
		}
		events = append(events, e)
	}
	before := time.Now()
	now := &store.AuditEvent{Action: "auth.failed", Outcome: "denied", KeyPrefix: "ock_zz"}
	must(t, s.AppendAudit(ctx, now))
	recent(t, "default time", now.Time, before)

	newestFirst := func(keep func(*store.AuditEvent) bool) []string {
		var ids []string
		for i := len(events) - 1; i >= 0; i-- {
			if keep(events[i]) {
				ids = append(ids, fmt.Sprint(events[i].ID))
			}
		}
		return ids
	}
	walk := func(f store.AuditFilter) ([]string, []*store.AuditEvent) {
		t.Helper()
		var ids []string
		var all []*store.AuditEvent
		for range 100 {
			page, next, err := s.ListAudit(ctx, f)
			must(t, err)
			for _, e := range page {
				ids = append(ids, fmt.Sprint(e.ID))
			}
			all = append(all, page...)
			if next == "" {
				return ids, all
			}
			f.PageToken = next
		}
		t.Fatal("audit pagination does not end")
		return nil, nil
	}

	ids, all := walk(store.AuditFilter{})
	if len(all) != 31 || all[0].ID != now.ID {
		t.Fatalf("unfiltered: %d events, first %d", len(all), all[0].ID)
	}
	sameIDs(t, "unfiltered", ids[1:], newestFirst(func(*store.AuditEvent) bool { return true }))
	sameJSON(t, "audit event", all[1], events[29])

	since := ts(20)
	for _, c := range []struct {
		name string
		f    store.AuditFilter
		keep func(*store.AuditEvent) bool
	}{
		{"by key", store.AuditFilter{KeyID: "key_2"}, func(e *store.AuditEvent) bool { return e.KeyID == "key_2" }},
		{"by action", store.AuditFilter{Action: "environment.delete"}, func(e *store.AuditEvent) bool { return e.Action == "environment.delete" }},
		{"by outcome", store.AuditFilter{Outcome: "success", PageSize: 3}, func(e *store.AuditEvent) bool { return e.Outcome == "success" }},
		{"since", store.AuditFilter{Since: since, PageSize: 4}, func(e *store.AuditEvent) bool { return !e.Time.Before(since) }},
		{"combined", store.AuditFilter{KeyID: "key_1", Action: "environment.create", Outcome: "success", Since: ts(5), PageSize: 1},
			func(e *store.AuditEvent) bool {
				return e.KeyID == "key_1" && e.Action == "environment.create" && e.Outcome == "success" && !e.Time.Before(ts(5))
			}},
		{"nothing", store.AuditFilter{KeyID: "key_9"}, func(*store.AuditEvent) bool { return false }},
	} {
		ids, _ := walk(c.f)
		sameIDs(t, c.name, ids, newestFirst(c.keep))
	}

	page, next, err := s.ListAudit(ctx, store.AuditFilter{PageSize: 10})
	must(t, err)
	if len(page) != 10 || next == "" {
		t.Fatalf("first page of 10: %d events, token %q", len(page), next)
	}
	for _, bad := range []string{"***", "YWJj" /* "abc" */, "LTE" /* "-1" */} {
		_, _, err := s.ListAudit(ctx, store.AuditFilter{PageToken: bad})
		if !errors.Is(err, store.ErrInvalidPageToken) {
			t.Fatalf("token %q: got %v, want ErrInvalidPageToken", bad, err)
		}
	}
}

// testLock: transactions taking the same named lock run one after another,
// so read-modify-write cycles inside them never conflict.
func testLock(t *testing.T, s store.Store) {
	ctx := context.Background()
	if err := s.Lock(ctx, "capacity"); err == nil {
		t.Fatal("Lock outside a transaction succeeded")
	}
	r := &store.Resource{Kind: store.KindGPUPool, ID: newID("gpool"), Name: "counter", Spec: json.RawMessage(`{"n":0}`), Status: json.RawMessage(`{}`)}
	must(t, s.CreateResource(ctx, r))
	const workers = 8
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- s.InTx(ctx, func(tx store.Tx) error {
				if err := tx.Lock(ctx, "capacity"); err != nil {
					return err
				}
				cur, err := tx.GetResource(ctx, store.KindGPUPool, r.ID)
				if err != nil {
					return err
				}
				var doc struct{ N int }
				if err := json.Unmarshal(cur.Spec, &doc); err != nil {
					return err
				}
				time.Sleep(5 * time.Millisecond) // widen the window a lost update would need
				cur.Spec = json.RawMessage(fmt.Sprintf(`{"n":%d}`, doc.N+1))
				return tx.UpdateResource(ctx, cur)
			})
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("a locked read-modify-write failed (the lock did not serialise it): %v", err)
		}
	}
	got, err := s.GetResource(ctx, store.KindGPUPool, r.ID)
	must(t, err)
	if string(got.Spec) != fmt.Sprintf(`{"n":%d}`, workers) {
		t.Fatalf("counter = %s after %d locked increments", got.Spec, workers)
	}
}

func testScheduleRuns(t *testing.T, s store.Store) {
	ctx := t.Context()
	env := createResource(t, s, store.KindEnvironment, "", "staging", nil)
	sch := createResource(t, s, store.KindShutdownSchedule, env.ID, "office-hours", nil)
	other := createResource(t, s, store.KindShutdownSchedule, "", "other", nil)
	_, err := s.LatestScheduleRun(ctx, sch.ID)
	wantErr(t, err, store.ErrNotFound)

	var ids []string
	for i, action := range []string{"stop", "start", "stop"} {
		r := &store.ScheduleRun{ID: newID("run"), ScheduleID: sch.ID, At: ts(i * 60), Action: action,
			Trigger: "transition", Outcome: "started", OperationID: newID("op"), CreatedAt: ts(i*60 + 1)}
		must(t, s.CreateScheduleRun(ctx, r))
		ids = append(ids, r.ID)
	}
	// The same transition again (another replica): refused, and inside a
	// transaction the refusal does not abort it.
	err = s.InTx(ctx, func(tx store.Tx) error {
		dup := &store.ScheduleRun{ID: newID("run"), ScheduleID: sch.ID, At: ts(60), Action: "start", Trigger: "transition", Outcome: "started"}
		wantUnique(t, tx.CreateScheduleRun(ctx, dup), "at")
		return tx.CreateScheduleRun(ctx, &store.ScheduleRun{ID: newID("run"), ScheduleID: other.ID, At: ts(60), Action: "start", Trigger: "initial", Outcome: "skipped", Detail: "why"})
	})
	must(t, err)

	latest, err := s.LatestScheduleRun(ctx, sch.ID)
	must(t, err)
	if latest.ID != ids[2] || latest.Action != "stop" || latest.Trigger != "transition" || latest.Outcome != "started" || latest.OperationID == "" {
		t.Fatalf("latest run = %+v, want %s", latest, ids[2])
	}
	sameTime(t, "run at", latest.At, ts(120))
	sameTime(t, "run created_at", latest.CreatedAt, ts(121))

	// Many schedules in one query: each one's LatestScheduleRun (by At, not
	// by creation: other's earlier run is written last), schedules without
	// runs left out.
	idle := createResource(t, s, store.KindShutdownSchedule, env.ID, "idle", nil)
	must(t, s.CreateScheduleRun(ctx, &store.ScheduleRun{ID: newID("run"), ScheduleID: other.ID, At: ts(-60), Action: "stop", Trigger: "initial", Outcome: "skipped", Detail: "earlier"}))
	runs, err := s.LatestScheduleRuns(ctx, []string{sch.ID, other.ID, idle.ID, newID("sch")})
	must(t, err)
	if len(runs) != 2 || runs[sch.ID] == nil || runs[sch.ID].ID != ids[2] || runs[other.ID] == nil || runs[other.ID].Detail != "why" {
		t.Fatalf("LatestScheduleRuns = %+v, want %s's run %s and other's run \"why\"", runs, sch.ID, ids[2])
	}
	sameTime(t, "batched run at", runs[sch.ID].At, ts(120))
	if one, err := s.LatestScheduleRun(ctx, other.ID); err != nil || one.ID != runs[other.ID].ID {
		t.Fatalf("LatestScheduleRun(other) = %+v, %v; LatestScheduleRuns chose %s", one, err, runs[other.ID].ID)
	}
	if runs, err := s.LatestScheduleRuns(ctx, nil); err != nil || len(runs) != 0 {
		t.Fatalf("LatestScheduleRuns(nil) = %v, %v", runs, err)
	}

	page, next, err := s.ListScheduleRuns(ctx, sch.ID, 2, "")
	must(t, err)
	if len(page) != 2 || page[0].ID != ids[2] || page[1].ID != ids[1] || next == "" {
		t.Fatalf("first page: %d runs, next %q", len(page), next)
	}
	page, next, err = s.ListScheduleRuns(ctx, sch.ID, 2, next)
	must(t, err)
	if len(page) != 1 || page[0].ID != ids[0] || next != "" {
		t.Fatalf("second page: %d runs, next %q", len(page), next)
	}
	_, _, err = s.ListScheduleRuns(ctx, sch.ID, 2, "bogus")
	wantErr(t, err, store.ErrInvalidPageToken)

	// Runs go with their schedule.
	must(t, s.DeleteResource(ctx, store.KindShutdownSchedule, sch.ID))
	page, _, err = s.ListScheduleRuns(ctx, sch.ID, 0, "")
	must(t, err)
	if len(page) != 0 {
		t.Fatalf("%d runs survived their schedule", len(page))
	}
	page, _, err = s.ListScheduleRuns(ctx, other.ID, 0, "")
	must(t, err)
	if len(page) != 2 || page[0].Detail != "earlier" || page[1].Outcome != "skipped" || page[1].Detail != "why" {
		t.Fatalf("other schedule's runs: %+v", page)
	}
}

// testSnapshotsNewestFirst: snapshots are children of their environment
// (parent_id), listed newest first across pages, and outlive it: deleting
// the environment's row leaves them.
func testSnapshotsNewestFirst(t *testing.T, s store.Store) {
	ctx := t.Context()
	env := createResource(t, s, store.KindEnvironment, "", "prod", nil)
	other := createResource(t, s, store.KindEnvironment, "", "staging", nil)
	var ids []string
	for i := range 7 {
		ids = append(ids, createResource(t, s, store.KindDataSnapshot, env.ID, fmt.Sprintf("snap-%d", i), nil).ID)
		createResource(t, s, store.KindDataSnapshot, other.ID, fmt.Sprintf("snap-%d", i), nil)
	}
	slices.Reverse(ids)
	var got []string
	f := store.ListFilter{Kind: store.KindDataSnapshot, ParentID: &env.ID, Descending: true, PageSize: 3}
	for range 10 {
		items, next, err := s.ListResources(ctx, f)
		must(t, err)
		sameRevisions(t, s, f, items, next)
		got = append(got, resourceIDs(items)...)
		if next == "" {
			break
		}
		f.PageToken = next
	}
	if !slices.Equal(got, ids) {
		t.Fatalf("newest first: got %v, want %v", got, ids)
	}
	must(t, s.DeleteResource(ctx, store.KindEnvironment, env.ID))
	items, _, err := s.ListResources(ctx, store.ListFilter{Kind: store.KindDataSnapshot, ParentID: &env.ID})
	must(t, err)
	if len(items) != 7 {
		t.Fatalf("after deleting the environment, %d of its 7 snapshots remain", len(items))
	}
}

func testSecretInfos(t *testing.T, s store.Store) {
	ctx := t.Context()
	env := createResource(t, s, store.KindEnvironment, "", "prod", nil)
	other := createResource(t, s, store.KindEnvironment, "", "dev", nil)
	bare := createResource(t, s, store.KindEnvironment, "", "bare", nil)
	must(t, s.PutSecrets(ctx, env.ID, []store.Secret{secret("b", 3), secret("a", 1)}))
	must(t, s.PutSecrets(ctx, other.ID, []store.Secret{secret("z", 9)}))

	got, err := s.SecretInfos(ctx, []string{env.ID, bare.ID, newID("env")})
	must(t, err)
	if len(got) != 1 {
		t.Fatalf("secret infos for %d resources, want only the one with secrets: %+v", len(got), got)
	}
	e := got[env.ID]
	if len(e) != 2 || e[0].Name != "a" || e[1].Name != "b" || e[1].Version != 3 || e[0].Fingerprint != secret("a", 1).Fingerprint {
		t.Fatalf("secret infos %+v, want a and b in name order with versions and fingerprints", e)
	}
	for _, i := range e {
		if i.ResourceID != env.ID || len(i.Nonce) != 0 || len(i.Ciphertext) != 0 || i.UpdatedAt.IsZero() {
			t.Fatalf("secret info %+v: want its resource ID and time, no nonce or ciphertext", i)
		}
	}
	got, err = s.SecretInfos(ctx, nil)
	must(t, err)
	if len(got) != 0 {
		t.Fatalf("no IDs: %+v", got)
	}
}
