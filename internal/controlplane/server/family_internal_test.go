package server

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/openclaw/terraform-provider-openclaw/internal/controlplane/store"
)

// TestChildFamilies: any family under environments blocks the
// environment's deletion (named by kind, name and ID) and goes with it in a
// cascade, without touching the guard or the cascade; a family that
// outlives its parent does neither.
func TestChildFamilies(t *testing.T) {
	s := newTestServer(t)
	ctx := t.Context()
	widgets := &family{kind: "widget", noun: "widget", parent: store.KindEnvironment}
	keepsakes := &family{kind: "keepsake", noun: "keepsake", parent: store.KindEnvironment, outlivesParent: true}
	s.families = append(append([]*family{}, families...), widgets, keepsakes)

	now := time.Now()
	put := func(kind, id, parent, name string) {
		t.Helper()
		if err := s.store.CreateResource(ctx, &store.Resource{Kind: kind, ID: id, ParentID: parent, Name: name,
			Spec: mustJSON(map[string]any{}), Status: mustJSON(map[string]any{"status": "running"}), Labels: map[string]string{}, CreatedAt: now, UpdatedAt: now}); err != nil {
			t.Fatal(err)
		}
	}
	put(store.KindEnvironment, "env_1", "", "owner")
	put("widget", "wid_1", "env_1", "gear")
	put("keepsake", "kee_1", "env_1", "photo")
	env, err := s.store.GetResource(ctx, store.KindEnvironment, "env_1")
	if err != nil {
		t.Fatal(err)
	}

	var ae *apiError
	if err := s.guardChildren(ctx, environments, env); !errors.As(err, &ae) || ae.problem.Status != 409 {
		t.Fatalf("guard = %v, want a 409", err)
	}
	if d := ae.problem.Detail; !strings.Contains(d, "1 widget(s): gear (wid_1)") || strings.Contains(d, "keepsake") || !strings.Contains(d, "cascade=true") {
		t.Errorf("409 detail %q: want the widget named, the keepsake not, and the way out", d)
	}
	if err := s.cascadeChildren(ctx, environments, "env_1"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.store.GetResource(ctx, "widget", "wid_1"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("the widget survived the cascade: %v", err)
	}
	if _, err := s.store.GetResource(ctx, "keepsake", "kee_1"); err != nil {
		t.Errorf("the keepsake, which outlives its environment, went with it: %v", err)
	}
	if err := s.guardChildren(ctx, environments, env); err != nil {
		t.Errorf("guard with only an outliving child = %v, want nil", err)
	}
}

// TestOperationReadScopes: operations are read with their family's scope.
func TestOperationReadScopes(t *testing.T) {
	for _, f := range families {
		if scope, ok := readScopeOf(f.kind); !ok || scope != f.readScope {
			t.Errorf("%s: read scope %q, %v; want %q", f.kind, scope, ok, f.readScope)
		}
	}
	if _, ok := readScopeOf("unknown"); ok {
		t.Errorf("an unknown kind has a read scope")
	}
}
