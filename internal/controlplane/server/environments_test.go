package server_test

import (
	"errors"
	"io/fs"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/openclaw/terraform-provider-openclaw/internal/api"
	"github.com/openclaw/terraform-provider-openclaw/internal/controlplane/simulator"
)

// TestEnvironmentLifecycle drives one environment through create, reads,
// long-polls, updates of every kind, stop and start, deletion protection
// and delete, all through the API.
func TestEnvironmentLifecycle(t *testing.T) {
	t.Parallel()
	c := start(t)
	name := uniqueName("life")
	// A slower create, so that provisioning is observable.
	op := c.create(t, c.admin, api.EnvironmentCreate{
		Name: name, Region: "eu-central",
		Labels: map[string]string{simulator.LabelDelay: "500ms", "team": "a"},
	})
	id := op.TargetID
	if op.Status != api.OperationPending || op.CompletedAt != nil {
		t.Errorf("a fresh create operation is %s (completed %v), want pending", op.Status, op.CompletedAt)
	}

	t.Run("readable at once while provisioning", func(t *testing.T) {
		e, r := c.env(t, id)
		if e.Status != api.EnvStatusProvisioning || e.PowerState != api.PowerOff {
			t.Errorf("status %s power %s, want provisioning/off", e.Status, e.PowerState)
		}
		if got := r.header.Get("ETag"); got != strconv.Quote(e.ETag) {
			t.Errorf("ETag header %q, body etag %q", got, e.ETag)
		}
	})

	t.Run("long-poll returns on change", func(t *testing.T) {
		prev := c.operation(t, op.ID, "")
		for !prev.Done() {
			began := time.Now()
			cur := c.operation(t, op.ID, "5s")
			took := time.Since(began)
			if took > 3*time.Second {
				t.Fatalf("long-poll took %s; it should answer as soon as the operation changes", took)
			}
			if cur.Status == prev.Status && cur.Message == prev.Message && !cur.Done() {
				t.Fatalf("long-poll answered after %s without a change: %+v", took, cur)
			}
			prev = cur
		}
		if prev.Status != api.OperationSucceeded || prev.CompletedAt == nil || prev.Error != nil {
			t.Fatalf("create ended %+v", prev)
		}
		// On a finished operation, wait answers at once.
		began := time.Now()
		c.operation(t, op.ID, "5s")
		if time.Since(began) > time.Second {
			t.Errorf("wait on a finished operation took %s", time.Since(began))
		}
	})

	e, _ := c.env(t, id)
	if e.Status != api.EnvStatusRunning || e.PowerState != api.PowerOn {
		t.Fatalf("after create: status %s power %s", e.Status, e.PowerState)
	}

	t.Run("resize makes a new etag", func(t *testing.T) {
		before, _ := c.env(t, id)
		r := patch(t, c, id, map[string]any{"size": map[string]any{"cpus": 4, "memory_mb": 8192}}, "")
		wantStatus(t, r, http.StatusAccepted)
		up := decode[api.Operation](t, r)
		if up.Kind != "environment.update" || up.TargetID != id || up.Done() {
			t.Errorf("resize operation %+v", up)
		}
		c.waitSucceeded(t, up.ID)
		after, _ := c.env(t, id)
		if after.Size != (api.Size{CPUs: 4, MemoryMB: 8192}) || after.Status != api.EnvStatusRunning {
			t.Errorf("after resize: %+v %s", after.Size, after.Status)
		}
		if after.ETag == before.ETag {
			t.Errorf("etag stayed %q across a resize", after.ETag)
		}
	})

	t.Run("labels only need no provisioning", func(t *testing.T) {
		before, _ := c.env(t, id)
		r := patch(t, c, id, map[string]any{"labels": map[string]string{"team": "b", "tier": "gold"}}, "")
		wantStatus(t, r, http.StatusAccepted)
		up := decode[api.Operation](t, r)
		if up.Status != api.OperationSucceeded || up.CompletedAt == nil {
			t.Errorf("labels-only operation is %s, want already succeeded", up.Status)
		}
		after, _ := c.env(t, id)
		if after.Status != before.Status || after.Labels["team"] != "b" || after.Labels["tier"] != "gold" || len(after.Labels) != 2 {
			t.Errorf("after labels: status %s labels %v", after.Status, after.Labels)
		}
		// Labels replace the whole map: the delay label is gone.
		if _, ok := after.Labels[simulator.LabelDelay]; ok {
			t.Errorf("labels were merged, not replaced: %v", after.Labels)
		}
	})

	t.Run("no-op patch keeps the etag", func(t *testing.T) {
		before, _ := c.env(t, id)
		r := patch(t, c, id, map[string]any{"size": before.Size, "labels": before.Labels}, "")
		wantStatus(t, r, http.StatusAccepted)
		if up := decode[api.Operation](t, r); up.Status != api.OperationSucceeded || up.Message != "no changes" {
			t.Errorf("no-op operation %+v", up)
		}
		if after, _ := c.env(t, id); after.ETag != before.ETag {
			t.Errorf("etag moved from %s to %s without a change", before.ETag, after.ETag)
		}
	})

	t.Run("state volume can only grow", func(t *testing.T) {
		r := patch(t, c, id, map[string]any{"state_volume_gb": 5}, "")
		p := wantProblem(t, r, http.StatusBadRequest, api.CodeInvalidArgument)
		if !slices.Equal(fields(p), []string{"state_volume_gb"}) || !strings.Contains(fieldMessage(p, "state_volume_gb"), "only grow") {
			t.Errorf("shrink refusal %s", r.body)
		}
		r = patch(t, c, id, map[string]any{"state_volume_gb": 50}, "")
		wantStatus(t, r, http.StatusAccepted)
		c.waitSucceeded(t, decode[api.Operation](t, r).ID)
		if after, _ := c.env(t, id); after.StateVolumeGB != 50 {
			t.Errorf("state volume %d after growing to 50", after.StateVolumeGB)
		}
	})

	t.Run("version only moves forward", func(t *testing.T) {
		r := patch(t, c, id, map[string]any{"openclaw_version": "2026.8.14"}, "")
		p := wantProblem(t, r, http.StatusBadRequest, api.CodeInvalidArgument)
		if !slices.Equal(fields(p), []string{"openclaw_version"}) || !strings.Contains(fieldMessage(p, "openclaw_version"), "forward-only") {
			t.Errorf("downgrade refusal %s", r.body)
		}
		r = patch(t, c, id, map[string]any{"openclaw_version": "2026.11.3-1"}, "")
		wantStatus(t, r, http.StatusAccepted)
		c.waitSucceeded(t, decode[api.Operation](t, r).ID)
		if after, _ := c.env(t, id); after.OpenClawVersion != "2026.11.3-1" {
			t.Errorf("version %s after upgrade", after.OpenClawVersion)
		}
		// The beta rule applies to updates too.
		p = wantProblem(t, patch(t, c, id, map[string]any{"openclaw_version": "2026.12.0-beta.5"}, ""), http.StatusBadRequest, api.CodeInvalidArgument)
		if !strings.Contains(fieldMessage(p, "openclaw_version"), "beta") {
			t.Errorf("beta on stable: %+v", p)
		}
	})

	t.Run("several invalid update fields are all reported", func(t *testing.T) {
		r := patch(t, c, id, map[string]any{"size": map[string]any{"cpus": 0, "memory_mb": 1000}, "desired_state": "paused", "labels": map[string]string{"Bad Key": "x"}, "secrets": map[string]string{"lower": "x"}}, "")
		p := wantProblem(t, r, http.StatusBadRequest, api.CodeInvalidArgument)
		if want := []string{"desired_state", "labels.Bad Key", "secrets.lower", "size.cpus", "size.memory_mb"}; !slices.Equal(fields(p), want) {
			t.Errorf("fields %v, want %v", fields(p), want)
		}
	})

	t.Run("stop and start", func(t *testing.T) {
		r := patch(t, c, id, map[string]any{"desired_state": "stopped"}, "")
		wantStatus(t, r, http.StatusAccepted)
		c.waitSucceeded(t, decode[api.Operation](t, r).ID)
		e, _ := c.env(t, id)
		if e.Status != api.EnvStatusStopped || e.PowerState != api.PowerOff || e.DesiredState != api.DesiredStopped {
			t.Errorf("after stop: status %s power %s desired %s", e.Status, e.PowerState, e.DesiredState)
		}
		r = patch(t, c, id, map[string]any{"desired_state": "running"}, "")
		wantStatus(t, r, http.StatusAccepted)
		c.waitSucceeded(t, decode[api.Operation](t, r).ID)
		if e, _ = c.env(t, id); e.Status != api.EnvStatusRunning || e.PowerState != api.PowerOn {
			t.Errorf("after start: status %s power %s", e.Status, e.PowerState)
		}
	})

	t.Run("deletion protection", func(t *testing.T) {
		r := patch(t, c, id, map[string]any{"deletion_protection": true}, "")
		wantStatus(t, r, http.StatusAccepted)
		if up := decode[api.Operation](t, r); up.Status != api.OperationSucceeded {
			t.Errorf("deletion_protection is metadata; operation %s", up.Status)
		}
		p := wantProblem(t, del(t, c, id, ""), http.StatusConflict, api.CodeConflict)
		if !slices.Equal(fields(p), []string{"deletion_protection"}) || !strings.Contains(p.Detail, "deletion_protection") {
			t.Errorf("protected delete refusal %+v", p)
		}
		if e, _ := c.env(t, id); e.Status != api.EnvStatusRunning {
			t.Errorf("a refused delete changed the status to %s", e.Status)
		}
		wantStatus(t, patch(t, c, id, map[string]any{"deletion_protection": false}, ""), http.StatusAccepted)
	})

	t.Run("delete", func(t *testing.T) {
		if _, err := os.Stat(c.stateDir(id)); err != nil {
			t.Fatalf("state directory before delete: %v", err)
		}
		r := del(t, c, id, "")
		wantStatus(t, r, http.StatusAccepted)
		dop := decode[api.Operation](t, r)
		if dop.Kind != "environment.delete" || r.header.Get("Location") != "/v1/operations/"+dop.ID {
			t.Errorf("delete operation %+v, Location %q", dop, r.header.Get("Location"))
		}
		// A second delete while the first runs answers the same operation.
		if r2 := del(t, c, id, ""); r2.status == http.StatusAccepted {
			if again := decode[api.Operation](t, r2); again.ID != dop.ID {
				t.Errorf("second delete made operation %s, want %s", again.ID, dop.ID)
			}
		} else {
			wantProblem(t, r2, http.StatusNotFound, api.CodeNotFound)
		}
		c.waitSucceeded(t, dop.ID)
		wantProblem(t, c.get(t, c.admin, "/v1/environments/"+id), http.StatusNotFound, api.CodeNotFound)
		wantProblem(t, del(t, c, id, ""), http.StatusNotFound, api.CodeNotFound)
		wantProblem(t, patch(t, c, id, map[string]any{}, ""), http.StatusNotFound, api.CodeNotFound)
		if _, err := os.Stat(c.stateDir(id)); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("state directory still there after delete: %v", err)
		}
		// The name is free again.
		c.createRunning(t, api.EnvironmentCreate{Name: name, Region: "eu-central"})
	})
}

// TestListEnvironments: name and label filters, and pagination that visits
// every environment exactly once, oldest first.
func TestListEnvironments(t *testing.T) {
	t.Parallel()
	c := start(t)
	var ids []string
	names := map[string]string{}
	for i := range 5 {
		team := "a"
		if i%2 == 1 {
			team = "b"
		}
		n := uniqueName("list")
		op := c.create(t, c.admin, api.EnvironmentCreate{Name: n, Region: "us-east", Labels: map[string]string{"team": team, "idx": strconv.Itoa(i)}})
		ids = append(ids, op.TargetID)
		names[op.TargetID] = n
	}
	list := func(t *testing.T, query string) api.List[api.Environment] {
		t.Helper()
		r := c.get(t, c.admin, "/v1/environments"+query)
		wantStatus(t, r, http.StatusOK)
		return decode[api.List[api.Environment]](t, r)
	}
	idsOf := func(l api.List[api.Environment]) []string {
		var out []string
		for _, e := range l.Items {
			out = append(out, e.ID)
		}
		return out
	}

	t.Run("all, oldest first", func(t *testing.T) {
		l := list(t, "")
		if got := idsOf(l); !slices.Equal(got, ids) || l.NextPageToken != "" {
			t.Errorf("ids %v (next %q), want %v", got, l.NextPageToken, ids)
		}
	})
	t.Run("pages of two", func(t *testing.T) {
		var seen []string
		token, pages := "", 0
		for {
			q := "?page_size=2"
			if token != "" {
				q += "&page_token=" + token
			}
			l := list(t, q)
			pages++
			if len(l.Items) > 2 {
				t.Fatalf("page of %d items with page_size=2", len(l.Items))
			}
			seen = append(seen, idsOf(l)...)
			if token = l.NextPageToken; token == "" {
				break
			}
			if pages > 5 {
				t.Fatalf("pagination does not end: %v", seen)
			}
		}
		if !slices.Equal(seen, ids) || pages != 3 {
			t.Errorf("%d pages saw %v, want 3 pages with %v", pages, seen, ids)
		}
	})
	t.Run("by name", func(t *testing.T) {
		l := list(t, "?name="+names[ids[3]])
		if got := idsOf(l); !slices.Equal(got, []string{ids[3]}) {
			t.Errorf("name filter: %v", got)
		}
		if l := list(t, "?name=absent"); len(l.Items) != 0 {
			t.Errorf("unknown name found %v", idsOf(l))
		}
	})
	t.Run("by labels", func(t *testing.T) {
		if got := idsOf(list(t, "?label=team=a")); !slices.Equal(got, []string{ids[0], ids[2], ids[4]}) {
			t.Errorf("team=a: %v", got)
		}
		if got := idsOf(list(t, "?label=team=b&label=idx=3")); !slices.Equal(got, []string{ids[3]}) {
			t.Errorf("team=b,idx=3: %v", got)
		}
		if got := idsOf(list(t, "?label=team=c")); len(got) != 0 {
			t.Errorf("team=c: %v", got)
		}
		l := list(t, "?label=team=a&page_size=2")
		if got := idsOf(l); !slices.Equal(got, []string{ids[0], ids[2]}) || l.NextPageToken == "" {
			t.Fatalf("team=a page 1: %v next %q", got, l.NextPageToken)
		}
		l = list(t, "?label=team=a&page_size=2&page_token="+l.NextPageToken)
		if got := idsOf(l); !slices.Equal(got, []string{ids[4]}) || l.NextPageToken != "" {
			t.Errorf("team=a page 2: %v next %q", got, l.NextPageToken)
		}
	})
	t.Run("bad parameters", func(t *testing.T) {
		for query, field := range map[string]string{
			"?page_token=not-a-token": "page_token",
			"?page_token=%21%21%21":   "page_token",
			"?page_token=AAAA":        "page_token",
			"?page_size=0":            "page_size",
			"?page_size=501":          "page_size",
			"?page_size=two":          "page_size",
			"?label=team":             "label",
			"?label==x":               "label",
		} {
			t.Run(query, func(t *testing.T) {
				p := wantProblem(t, c.get(t, c.admin, "/v1/environments"+query), http.StatusBadRequest, api.CodeInvalidArgument)
				if !slices.Equal(fields(p), []string{field}) {
					t.Errorf("fields %v, want [%s]", fields(p), field)
				}
			})
		}
	})
}

// TestDeleteCancelsPendingCreate: deleting an environment whose create is
// still waiting fails the create (conflict) and removes the environment.
func TestDeleteCancelsPendingCreate(t *testing.T) {
	t.Parallel()
	c := start(t)
	op := c.create(t, c.admin, api.EnvironmentCreate{Name: uniqueName("cancel"), Region: "us-east", Labels: map[string]string{simulator.LabelDelay: "2s"}})
	// Wait until the first step has run and the create is waiting for its
	// delay (no step holds it right now).
	c.waitOp(t, op.ID, 5*time.Second, func(o api.Operation) bool { return o.Status == api.OperationRunning })
	r := del(t, c, op.TargetID, "")
	wantStatus(t, r, http.StatusAccepted)
	dop := decode[api.Operation](t, r)

	created := c.operation(t, op.ID, "")
	if created.Status != api.OperationFailed || created.Error == nil || created.Error.Code != api.CodeConflict || created.CompletedAt == nil {
		t.Fatalf("create after delete: %+v (error %+v), want failed with conflict", created, created.Error)
	}
	if !strings.Contains(created.Error.Detail, "deleted") {
		t.Errorf("cancellation detail %q", created.Error.Detail)
	}
	if e, _ := c.env(t, op.TargetID); e.Status != api.EnvStatusDeleting {
		t.Errorf("status %s while deleting", e.Status)
	}
	c.waitSucceeded(t, dop.ID)
	wantProblem(t, c.get(t, c.admin, "/v1/environments/"+op.TargetID), http.StatusNotFound, api.CodeNotFound)
	if o := c.operation(t, op.ID, ""); o.Status != api.OperationFailed {
		t.Errorf("the cancelled create ran after all: %+v", o)
	}
}

// TestDuplicateName: a second environment with a taken name is a 409
// naming the field and the existing environment.
func TestDuplicateName(t *testing.T) {
	t.Parallel()
	c := start(t)
	name := uniqueName("dup")
	first := c.create(t, c.admin, api.EnvironmentCreate{Name: name, Region: "us-east"})
	r := c.do(t, req{method: http.MethodPost, path: "/v1/environments", key: c.admin, body: api.EnvironmentCreate{Name: name, Region: "eu-west"}})
	p := wantProblem(t, r, http.StatusConflict, api.CodeConflict)
	if !slices.Equal(fields(p), []string{"name"}) || !strings.Contains(p.Detail, first.TargetID) || !strings.Contains(p.Detail, name) {
		t.Errorf("duplicate refusal %s", r.body)
	}
	// Only one environment has the name.
	l := decode[api.List[api.Environment]](t, c.get(t, c.admin, "/v1/environments?name="+name))
	if len(l.Items) != 1 || l.Items[0].ID != first.TargetID || l.Items[0].Region != "us-east" {
		t.Errorf("environments named %s: %+v", name, l.Items)
	}
}

// TestETagIfMatch: reads carry the generation as a strong ETag; PATCH and
// DELETE honour If-Match.
func TestETagIfMatch(t *testing.T) {
	t.Parallel()
	c := start(t)
	e := c.createRunning(t, api.EnvironmentCreate{Name: uniqueName("etag"), Region: "us-east"})
	_, r := c.env(t, e.ID)
	etag := r.header.Get("ETag")
	if etag != strconv.Quote(e.ETag) || e.ETag == "" {
		t.Fatalf("ETag header %q, body etag %q", etag, e.ETag)
	}
	if _, err := strconv.Atoi(e.ETag); err != nil {
		t.Errorf("etag %q is not a generation number", e.ETag)
	}
	stale := strconv.Quote(e.ETag + "0")
	labels := func(v string) map[string]any { return map[string]any{"labels": map[string]string{"v": v}} }

	p := wantProblem(t, patch(t, c, e.ID, labels("x"), stale), http.StatusPreconditionFailed, api.CodePreconditionFailed)
	if !strings.Contains(p.Detail, etag) {
		t.Errorf("412 detail %q does not give the current ETag %s", p.Detail, etag)
	}
	wantStatus(t, patch(t, c, e.ID, labels("star"), "*"), http.StatusAccepted)
	cur, r := c.env(t, e.ID)
	if cur.ETag == e.ETag {
		t.Fatalf("etag did not change after a label change")
	}
	wantStatus(t, patch(t, c, e.ID, labels("current"), r.header.Get("ETag")), http.StatusAccepted)
	// The ETag read before the last change is now stale.
	wantProblem(t, patch(t, c, e.ID, labels("old"), r.header.Get("ETag")), http.StatusPreconditionFailed, api.CodePreconditionFailed)
	cur, r = c.env(t, e.ID)
	// Weak comparison and lists, as RFC 9110 allows.
	wantStatus(t, patch(t, c, e.ID, labels("weak"), "W/"+r.header.Get("ETag")), http.StatusAccepted)
	cur, r = c.env(t, e.ID)
	wantStatus(t, patch(t, c, e.ID, labels("list"), stale+", "+r.header.Get("ETag")), http.StatusAccepted)
	if cur, _ = c.env(t, e.ID); cur.Labels["v"] != "list" {
		t.Errorf("labels %v", cur.Labels)
	}

	wantProblem(t, del(t, c, e.ID, stale), http.StatusPreconditionFailed, api.CodePreconditionFailed)
	if got, _ := c.env(t, e.ID); got.Status != api.EnvStatusRunning {
		t.Errorf("a refused delete changed the status to %s", got.Status)
	}
	_, r = c.env(t, e.ID)
	wantStatus(t, del(t, c, e.ID, r.header.Get("ETag")), http.StatusAccepted)
}

// TestOperationsEndpoint: unknown operations and bad wait values.
func TestOperationsEndpoint(t *testing.T) {
	t.Parallel()
	c := start(t)
	op := c.create(t, c.admin, api.EnvironmentCreate{Name: uniqueName("ops"), Region: "us-east"})
	wantProblem(t, c.get(t, c.admin, "/v1/operations/op_missing"), http.StatusNotFound, api.CodeNotFound)
	for _, wait := range []string{"soon", "-1s", "5"} {
		p := wantProblem(t, c.get(t, c.admin, "/v1/operations/"+op.ID+"?wait="+wait), http.StatusBadRequest, api.CodeInvalidArgument)
		if !slices.Equal(fields(p), []string{"wait"}) {
			t.Errorf("wait=%s: fields %v", wait, fields(p))
		}
	}
	got := c.waitSucceeded(t, op.ID)
	if got.ID != op.ID || got.TargetID != op.TargetID || got.CreatedAt.IsZero() || got.UpdatedAt.Before(got.CreatedAt) || got.CompletedAt.Before(got.CreatedAt) {
		t.Errorf("operation %+v", got)
	}
}
