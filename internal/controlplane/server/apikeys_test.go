package server_test

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/openclaw/terraform-provider-openclaw/internal/api"
	"github.com/openclaw/terraform-provider-openclaw/internal/api/apitest"
	"github.com/openclaw/terraform-provider-openclaw/internal/controlplane/keys"
)

func init() {
	keyOf := func(t *testing.T, w *routeWorld) string {
		secret, _ := w.c.newKey(t, keyOpts{scopes: []string{api.ScopeEnvironmentsRead}, environmentID: w.a.ID})
		return w.c.keyID(t, secret)
	}
	addRouteFixtures(map[string]routeFixture{
		"GET /v1/api-keys": {
			scope: api.ScopeAPIKeysManage, bound: http.StatusOK,
			request: func(t *testing.T, w *routeWorld) req {
				keyOf(t, w) // one key of a that a bound key must not list
				return req{method: http.MethodGet, path: "/v1/api-keys"}
			},
		},
		"POST /v1/api-keys": {
			scope: api.ScopeAPIKeysManage, bound: http.StatusNotFound,
			request: func(t *testing.T, w *routeWorld) req {
				return req{method: http.MethodPost, path: "/v1/api-keys", body: api.APIKeyCreate{
					Name: uniqueName("route"), Scopes: []string{api.ScopeEnvironmentsRead}, EnvironmentID: w.a.ID,
				}}
			},
		},
		"GET /v1/api-keys/{id}": {
			scope: api.ScopeAPIKeysManage, bound: http.StatusNotFound,
			request: func(t *testing.T, w *routeWorld) req {
				return req{method: http.MethodGet, path: "/v1/api-keys/" + keyOf(t, w)}
			},
		},
		"PATCH /v1/api-keys/{id}": {
			scope: api.ScopeAPIKeysManage, bound: http.StatusNotFound,
			request: func(t *testing.T, w *routeWorld) req {
				return req{method: http.MethodPatch, path: "/v1/api-keys/" + keyOf(t, w), body: api.APIKeyUpdate{Description: ptr("touched")}}
			},
		},
		"DELETE /v1/api-keys/{id}": {
			scope: api.ScopeAPIKeysManage, bound: http.StatusNotFound,
			request: func(t *testing.T, w *routeWorld) req {
				return req{method: http.MethodDelete, path: "/v1/api-keys/" + keyOf(t, w)}
			},
		},
		"POST /v1/api-keys/{id}/revoke": {
			scope: api.ScopeAPIKeysManage, bound: http.StatusNotFound,
			request: func(t *testing.T, w *routeWorld) req {
				return req{method: http.MethodPost, path: "/v1/api-keys/" + keyOf(t, w) + "/revoke", body: api.APIKeyRevoke{GracePeriod: "1h"}}
			},
		},
		"GET /v1/audit-events": {
			scope: api.ScopeAdmin, bound: http.StatusForbidden,
			request: func(t *testing.T, w *routeWorld) req { return req{method: http.MethodGet, path: "/v1/audit-events"} },
		},
	})
}

// clock is a control plane clock tests move by hand.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// startAt is start with the control plane's clock under the test's control.
// The clock stands still: tests that wait for operations use start.
func startAt(t *testing.T, now time.Time) (*cp, *clock) {
	t.Helper()
	admin, err := keys.Generate()
	if err != nil {
		t.Fatal(err)
	}
	clk := &clock{now: now.UTC()}
	dir := t.TempDir()
	c := &cp{admin: admin, dataDir: dir, opts: harnessOptions(dir, admin), spec: apitest.Validator(t)}
	c.opts.Now = clk.Now
	c.open(t)
	t.Cleanup(func() { c.close(t) })
	return c, clk
}

// mint creates a key through the API with key and returns the answer.
func (c *cp) mint(t testing.TB, key string, body api.APIKeyCreate) api.APIKeyCreated {
	t.Helper()
	r := c.do(t, req{method: http.MethodPost, path: "/v1/api-keys", key: key, body: body})
	wantStatus(t, r, http.StatusCreated)
	created := decode[api.APIKeyCreated](t, r)
	if loc := r.header.Get("Location"); loc != "/v1/api-keys/"+created.Key.ID {
		t.Errorf("Location %q, want /v1/api-keys/%s", loc, created.Key.ID)
	}
	return created
}

func (c *cp) apiKey(t testing.TB, id string) api.APIKey {
	t.Helper()
	r := c.get(t, c.admin, "/v1/api-keys/"+id)
	wantStatus(t, r, http.StatusOK)
	return decode[api.APIKey](t, r)
}

// TestAPIKeyLifecycle: create (secret once, well formed), use, read, list,
// change metadata, refuse other changes, revoke with a grace period that
// cannot be extended, revoke now; revoked keys stay readable.
func TestAPIKeyLifecycle(t *testing.T) {
	t.Parallel()
	start0 := time.Date(2026, 11, 22, 8, 0, 0, 0, time.UTC)
	c, clk := startAt(t, start0)

	created := c.mint(t, c.admin, api.APIKeyCreate{
		Name: "ci-deploy", Description: "CI pipeline", Scopes: []string{api.ScopeEnvironmentsRead, api.ScopeEnvironmentsRead, api.ScopeAPIKeysManage},
		TTL: "720h", AllowedCIDRs: []string{"::1/128", "127.0.0.0/8"}, RateLimitPerMinute: 600, Labels: map[string]string{"team": "platform"},
	})
	secret, k := created.Secret, created.Key
	if !keys.WellFormed(secret) || k.Prefix != keys.DisplayPrefix(secret) || !strings.HasPrefix(secret, k.Prefix) {
		t.Fatalf("secret %s… / prefix %q: not a well-formed key with its prefix", secret[:8], k.Prefix)
	}
	if !slices.Equal(k.Scopes, []string{api.ScopeAPIKeysManage, api.ScopeEnvironmentsRead}) {
		t.Errorf("scopes %v, want sorted without duplicates", k.Scopes)
	}
	if !slices.Equal(k.AllowedCIDRs, []string{"127.0.0.0/8", "::1/128"}) {
		t.Errorf("allowed_cidrs %v", k.AllowedCIDRs)
	}
	if k.Status != api.KeyStatusActive || k.ExpiresAt == nil || !k.ExpiresAt.Equal(start0.Add(720*time.Hour)) || !k.CreatedAt.Equal(start0) {
		t.Errorf("status %s, expires_at %v, created_at %v", k.Status, k.ExpiresAt, k.CreatedAt)
	}
	if k.Ephemeral || k.RateLimitPerMinute != 600 || k.Labels["team"] != "platform" || k.Description != "CI pipeline" {
		t.Errorf("fields not kept: %+v", k)
	}

	// The secret authenticates, within its scopes.
	wantStatus(t, c.get(t, secret, "/v1/environments"), http.StatusOK)
	p := wantProblem(t, c.do(t, req{method: http.MethodPost, path: "/v1/environments", key: secret,
		body: api.EnvironmentCreate{Name: "nope", Region: "us-east"}}), http.StatusForbidden, api.CodePermissionDenied)
	if p.MissingScope != api.ScopeEnvironmentsWrite || p.KeyPrefix != k.Prefix {
		t.Errorf("missing_scope %q key_prefix %q", p.MissingScope, p.KeyPrefix)
	}

	// Reads never show the secret; last use is recorded.
	r := c.get(t, c.admin, "/v1/api-keys/"+k.ID)
	wantStatus(t, r, http.StatusOK)
	mustNotContainSecret(t, "GET /v1/api-keys/{id}", r.body, secret)
	if got := decode[api.APIKey](t, r); got.LastUsedAt == nil || !got.LastUsedAt.Equal(start0) {
		t.Errorf("last_used_at %v, want %v", got.LastUsedAt, start0)
	}
	r = c.get(t, c.admin, "/v1/api-keys?name=ci-deploy")
	wantStatus(t, r, http.StatusOK)
	mustNotContainSecret(t, "GET /v1/api-keys", r.body, secret)
	if list := decode[api.List[api.APIKey]](t, r); len(list.Items) != 1 || list.Items[0].ID != k.ID {
		t.Errorf("list by name: %+v", list)
	}

	// Metadata changes in place.
	r = c.do(t, req{method: http.MethodPatch, path: "/v1/api-keys/" + k.ID, key: c.admin,
		body: api.APIKeyUpdate{Name: ptr("ci-deploy-2"), Description: ptr(""), Labels: &map[string]string{"team": "ml"}}})
	wantStatus(t, r, http.StatusOK)
	if got := decode[api.APIKey](t, r); got.Name != "ci-deploy-2" || got.Description != "" || got.Labels["team"] != "ml" || !slices.Equal(got.Scopes, k.Scopes) {
		t.Errorf("after PATCH: %+v", got)
	}
	// What the key may do cannot change.
	for field, value := range map[string]any{
		"scopes": []string{api.ScopeAdmin}, "environment_id": "env_x", "expires_at": "2027-01-01T00:00:00Z", "ttl": "1h",
		"allowed_cidrs": []string{}, "rate_limit_per_minute": 1, "secret": "ocp_x",
	} {
		r := c.do(t, req{method: http.MethodPatch, path: "/v1/api-keys/" + k.ID, key: c.admin, body: map[string]any{field: value}})
		p := wantProblem(t, r, http.StatusBadRequest, api.CodeInvalidArgument)
		if msg := fieldMessage(p, field); !strings.Contains(msg, "new key") {
			t.Errorf("PATCH %s: message %q does not say it needs a new key", field, msg)
		}
	}

	// Revoke with a grace period: still works until it ends.
	r = c.do(t, req{method: http.MethodPost, path: "/v1/api-keys/" + k.ID + "/revoke", key: c.admin, body: api.APIKeyRevoke{GracePeriod: "24h"}})
	wantStatus(t, r, http.StatusOK)
	got := decode[api.APIKey](t, r)
	if got.Status != api.KeyStatusRevoking || got.RevokedAt == nil || !got.RevokedAt.Equal(start0) ||
		got.RevokeGraceUntil == nil || !got.RevokeGraceUntil.Equal(start0.Add(24*time.Hour)) {
		t.Fatalf("after revoke with grace: %+v", got)
	}
	clk.advance(23 * time.Hour)
	wantStatus(t, c.get(t, secret, "/v1/environments"), http.StatusOK)
	// Revoking again cannot extend the grace period.
	r = c.do(t, req{method: http.MethodPost, path: "/v1/api-keys/" + k.ID + "/revoke", key: c.admin, body: api.APIKeyRevoke{GracePeriod: "168h"}})
	wantStatus(t, r, http.StatusOK)
	if got := decode[api.APIKey](t, r); !got.RevokeGraceUntil.Equal(start0.Add(24 * time.Hour)) {
		t.Errorf("a second revoke moved the grace end to %v", got.RevokeGraceUntil)
	}
	clk.advance(time.Hour)
	p = wantProblem(t, c.get(t, secret, "/v1/environments"), http.StatusUnauthorized, api.CodeUnauthenticated)
	if !strings.Contains(p.Detail, "revoked") || !strings.Contains(p.Detail, k.Prefix) {
		t.Errorf("detail %q", p.Detail)
	}
	if got := c.apiKey(t, k.ID); got.Status != api.KeyStatusRevoked {
		t.Errorf("status %s after the grace period, want revoked", got.Status)
	}

	// DELETE revokes at once, ends a running grace period, and keeps the
	// key readable.
	other := c.mint(t, c.admin, api.APIKeyCreate{Name: "other", Scopes: []string{api.ScopeEnvironmentsRead}})
	wantStatus(t, c.do(t, req{method: http.MethodPost, path: "/v1/api-keys/" + other.Key.ID + "/revoke", key: c.admin, body: map[string]string{"grace_period": "1h"}}), http.StatusOK)
	wantStatus(t, c.get(t, other.Secret, "/v1/regions"), http.StatusOK)
	r = c.do(t, req{method: http.MethodDelete, path: "/v1/api-keys/" + other.Key.ID, key: c.admin})
	wantStatus(t, r, http.StatusOK)
	if got := decode[api.APIKey](t, r); got.Status != api.KeyStatusRevoked || got.RevokeGraceUntil != nil {
		t.Errorf("after DELETE: %+v", got)
	}
	wantProblem(t, c.get(t, other.Secret, "/v1/regions"), http.StatusUnauthorized, api.CodeUnauthenticated)
	wantStatus(t, c.get(t, c.admin, "/v1/api-keys/"+other.Key.ID), http.StatusOK)
	// Revoke without a body is the same as DELETE; unknown keys are 404.
	third := c.mint(t, c.admin, api.APIKeyCreate{Name: "third", Scopes: []string{api.ScopeEnvironmentsRead}})
	wantStatus(t, c.do(t, req{method: http.MethodPost, path: "/v1/api-keys/" + third.Key.ID + "/revoke", key: c.admin}), http.StatusOK)
	wantProblem(t, c.get(t, third.Secret, "/v1/regions"), http.StatusUnauthorized, api.CodeUnauthenticated)
	wantProblem(t, c.do(t, req{method: http.MethodDelete, path: "/v1/api-keys/key_nope", key: c.admin}), http.StatusNotFound, api.CodeNotFound)
	wantProblem(t, c.get(t, c.admin, "/v1/api-keys/key_nope"), http.StatusNotFound, api.CodeNotFound)
}

// TestAPIKeyExpiry: keys expire at expires_at (default 90 days, 15 minutes
// for ephemeral keys), then authenticate no more and read as expired.
func TestAPIKeyExpiry(t *testing.T) {
	t.Parallel()
	start0 := time.Date(2026, 11, 22, 8, 0, 0, 0, time.UTC)
	c, clk := startAt(t, start0)
	def := c.mint(t, c.admin, api.APIKeyCreate{Name: "default", Scopes: []string{api.ScopeEnvironmentsRead}})
	if !def.Key.ExpiresAt.Equal(start0.Add(api.DefaultKeyTTL)) {
		t.Errorf("default expiry %v, want %v", def.Key.ExpiresAt, start0.Add(api.DefaultKeyTTL))
	}
	eph := c.mint(t, c.admin, api.APIKeyCreate{Name: "eph", Scopes: []string{api.ScopeEnvironmentsRead}, Ephemeral: true})
	if !eph.Key.Ephemeral || !eph.Key.ExpiresAt.Equal(start0.Add(api.DefaultEphemeralKeyTTL)) {
		t.Errorf("ephemeral key: %+v", eph.Key)
	}
	at := start0.Add(2 * time.Hour)
	short := c.mint(t, c.admin, api.APIKeyCreate{Name: "short", Scopes: []string{api.ScopeEnvironmentsRead}, ExpiresAt: &at})
	if !short.Key.ExpiresAt.Equal(at) {
		t.Errorf("expires_at %v, want %v", short.Key.ExpiresAt, at)
	}
	wantStatus(t, c.get(t, short.Secret, "/v1/regions"), http.StatusOK)

	clk.advance(2 * time.Hour)
	for _, k := range []api.APIKeyCreated{eph, short} {
		p := wantProblem(t, c.get(t, k.Secret, "/v1/regions"), http.StatusUnauthorized, api.CodeUnauthenticated)
		if !strings.Contains(p.Detail, "expired") {
			t.Errorf("detail %q", p.Detail)
		}
		if got := c.apiKey(t, k.Key.ID); got.Status != api.KeyStatusExpired {
			t.Errorf("%s: status %s, want expired", k.Key.Name, got.Status)
		}
	}
	wantStatus(t, c.get(t, def.Secret, "/v1/regions"), http.StatusOK)
}

// TestAPIKeyCreateValidation: every invalid field is a 400 naming it and
// saying how to fix it.
func TestAPIKeyCreateValidation(t *testing.T) {
	t.Parallel()
	start0 := time.Date(2026, 11, 22, 8, 0, 0, 0, time.UTC)
	c, _ := startAt(t, start0)
	read := []string{api.ScopeEnvironmentsRead}
	at := func(d time.Duration) *time.Time { v := start0.Add(d); return &v }
	cases := []struct {
		name  string
		body  any
		field string
		want  string // substring of the field's message
	}{
		{"unknown scope", api.APIKeyCreate{Name: "k", Scopes: []string{"environments:delete"}}, "scopes", `unknown scope "environments:delete"; valid scopes are admin, api_keys:manage, environments:read`},
		{"no scopes", api.APIKeyCreate{Name: "k", Scopes: []string{}}, "scopes", "at least one scope"},
		{"bad name", api.APIKeyCreate{Name: "CI Key", Scopes: read}, "name", "DNS label"},
		{"ttl and expires_at", api.APIKeyCreate{Name: "k", Scopes: read, TTL: "2h", ExpiresAt: at(3 * time.Hour)}, "ttl", "not both"},
		{"ttl not a duration", api.APIKeyCreate{Name: "k", Scopes: read, TTL: "30d"}, "ttl", `"30d" is not a duration`},
		{"ttl too short", api.APIKeyCreate{Name: "k", Scopes: read, TTL: "59m"}, "ttl", "between 1h and 8760h"},
		{"ttl too long", api.APIKeyCreate{Name: "k", Scopes: read, TTL: "8761h"}, "ttl", "between 1h and 8760h"},
		{"ephemeral ttl too long", api.APIKeyCreate{Name: "k", Scopes: read, TTL: "2h", Ephemeral: true}, "ttl", "between 1m and 1h for an ephemeral key"},
		{"ephemeral ttl too short", api.APIKeyCreate{Name: "k", Scopes: read, TTL: "30s", Ephemeral: true}, "ttl", "between 1m and 1h"},
		{"expires_at in the past", api.APIKeyCreate{Name: "k", Scopes: read, ExpiresAt: at(-time.Hour)}, "expires_at", "between 1h and 8760h"},
		{"expires_at too far", api.APIKeyCreate{Name: "k", Scopes: read, ExpiresAt: at(400 * 24 * time.Hour)}, "expires_at", "between 1h and 8760h"},
		{"cidr with host bits", api.APIKeyCreate{Name: "k", Scopes: read, AllowedCIDRs: []string{"10.1.2.3/8"}}, "allowed_cidrs", "host bits set; the network is 10.0.0.0/8"},
		{"cidr is an address", api.APIKeyCreate{Name: "k", Scopes: read, AllowedCIDRs: []string{"203.0.113.7"}}, "allowed_cidrs", "write 203.0.113.7/32"},
		{"cidr garbage", api.APIKeyCreate{Name: "k", Scopes: read, AllowedCIDRs: []string{"office"}}, "allowed_cidrs", "not a network in CIDR notation"},
		{"negative rate", api.APIKeyCreate{Name: "k", Scopes: read, RateLimitPerMinute: -1}, "rate_limit_per_minute", "between 0"},
		{"secret sent", map[string]any{"name": "k", "scopes": read, "secret": "ocp_mine"}, "secret", "generated by the control plane"},
		{"description too long", api.APIKeyCreate{Name: "k", Scopes: read, Description: strings.Repeat("x", 1025)}, "description", "at most 1024"},
		{"bad label", api.APIKeyCreate{Name: "k", Scopes: read, Labels: map[string]string{"Bad Key": "x"}}, "labels.Bad Key", "label keys"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := c.do(t, req{method: http.MethodPost, path: "/v1/api-keys", key: c.admin, body: tc.body})
			p := wantProblem(t, r, http.StatusBadRequest, api.CodeInvalidArgument)
			if msg := fieldMessage(p, tc.field); !strings.Contains(msg, tc.want) {
				t.Errorf("errors %+v: field %s does not say %q", p.Errors, tc.field, tc.want)
			}
		})
	}
	t.Run("revoke grace period", func(t *testing.T) {
		k := c.mint(t, c.admin, api.APIKeyCreate{Name: "k", Scopes: read})
		for grace, want := range map[string]string{"169h": "between 0s and 168h", "-1h": "between 0s", "a day": "is not a duration"} {
			p := wantProblem(t, c.do(t, req{method: http.MethodPost, path: "/v1/api-keys/" + k.Key.ID + "/revoke", key: c.admin,
				body: api.APIKeyRevoke{GracePeriod: grace}}), http.StatusBadRequest, api.CodeInvalidArgument)
			if msg := fieldMessage(p, "grace_period"); !strings.Contains(msg, want) {
				t.Errorf("grace %s: %q does not say %q", grace, msg, want)
			}
		}
		if got := c.apiKey(t, k.Key.ID); got.RevokedAt != nil {
			t.Errorf("a refused revoke revoked the key")
		}
	})
}

// TestAPIKeyNoEscalation: a key can create only keys that can do no more
// than itself: held scopes (admin holds all, write implies read), its own
// environment, networks inside its own, and no longer life.
func TestAPIKeyNoEscalation(t *testing.T) {
	t.Parallel()
	c := start(t)
	envA := c.createRunning(t, api.EnvironmentCreate{Name: uniqueName("esc-a"), Region: "us-east"})
	envB := c.createRunning(t, api.EnvironmentCreate{Name: uniqueName("esc-b"), Region: "us-east"})
	manager := c.mint(t, c.admin, api.APIKeyCreate{Name: "manager", Scopes: []string{api.ScopeAPIKeysManage, api.ScopeEnvironmentsWrite}})

	create := func(key string, body api.APIKeyCreate) *resp {
		t.Helper()
		return c.do(t, req{method: http.MethodPost, path: "/v1/api-keys", key: key, body: body})
	}
	refused := func(r *resp, status int, scope, field string) {
		t.Helper()
		code := api.CodePermissionDenied
		if status == http.StatusNotFound {
			code = api.CodeNotFound
		}
		p := wantProblem(t, r, status, code)
		if p.MissingScope != scope {
			t.Errorf("missing_scope %q, want %q (%s)", p.MissingScope, scope, p.Detail)
		}
		if field != "" && fieldMessage(p, field) == "" {
			t.Errorf("errors %+v do not name %s", p.Errors, field)
		}
	}

	t.Run("scopes", func(t *testing.T) {
		refused(create(manager.Secret, api.APIKeyCreate{Name: "k", Scopes: []string{api.ScopeAdmin}}), http.StatusForbidden, api.ScopeAdmin, "scopes")
		refused(create(manager.Secret, api.APIKeyCreate{Name: "k", Scopes: []string{api.ScopeEnvironmentsRead, api.ScopeSnapshotsWrite}}), http.StatusForbidden, api.ScopeSnapshotsWrite, "scopes")
		// Held, and implied by a held scope.
		c.mint(t, manager.Secret, api.APIKeyCreate{Name: "k", Scopes: []string{api.ScopeEnvironmentsWrite, api.ScopeEnvironmentsRead, api.ScopeAPIKeysManage}})
		c.mint(t, c.admin, api.APIKeyCreate{Name: "k", Scopes: []string{api.ScopeAdmin}})
	})
	t.Run("environment", func(t *testing.T) {
		bound := c.mint(t, c.admin, api.APIKeyCreate{Name: "bound", Scopes: []string{api.ScopeAdmin}, EnvironmentID: envA.ID})
		refused(create(bound.Secret, api.APIKeyCreate{Name: "k", Scopes: []string{api.ScopeEnvironmentsRead}}), http.StatusForbidden, "", "environment_id")
		r := create(bound.Secret, api.APIKeyCreate{Name: "k", Scopes: []string{api.ScopeEnvironmentsRead}, EnvironmentID: envB.ID})
		refused(r, http.StatusNotFound, "", "environment_id")
		// The other environment is answered exactly like one that does not exist.
		missing := create(bound.Secret, api.APIKeyCreate{Name: "k", Scopes: []string{api.ScopeEnvironmentsRead}, EnvironmentID: "env_missing"})
		if got, want := decode[api.Problem](t, r).Detail, strings.ReplaceAll(decode[api.Problem](t, missing).Detail, "env_missing", envB.ID); got != want {
			t.Errorf("another environment (%q) is distinguishable from a missing one (%q)", got, want)
		}
		k := c.mint(t, bound.Secret, api.APIKeyCreate{Name: "k", Scopes: []string{api.ScopeEnvironmentsRead}, EnvironmentID: envA.ID})
		if k.Key.EnvironmentID != envA.ID {
			t.Errorf("environment_id %q", k.Key.EnvironmentID)
		}
		// Unbound creators need the environment to exist.
		refused(create(c.admin, api.APIKeyCreate{Name: "k", Scopes: []string{api.ScopeEnvironmentsRead}, EnvironmentID: "env_missing"}), http.StatusNotFound, "", "environment_id")
	})
	t.Run("networks", func(t *testing.T) {
		office := c.mint(t, c.admin, api.APIKeyCreate{Name: "office", Scopes: []string{api.ScopeAdmin}, AllowedCIDRs: []string{"127.0.0.0/8", "::1/128"}})
		refused(create(office.Secret, api.APIKeyCreate{Name: "k", Scopes: []string{api.ScopeEnvironmentsRead}}), http.StatusForbidden, "", "allowed_cidrs")
		refused(create(office.Secret, api.APIKeyCreate{Name: "k", Scopes: []string{api.ScopeEnvironmentsRead}, AllowedCIDRs: []string{"0.0.0.0/0"}}), http.StatusForbidden, "", "allowed_cidrs")
		c.mint(t, office.Secret, api.APIKeyCreate{Name: "k", Scopes: []string{api.ScopeEnvironmentsRead}, AllowedCIDRs: []string{"127.0.0.1/32"}})
	})
	t.Run("lifetime", func(t *testing.T) {
		shortLived := c.mint(t, c.admin, api.APIKeyCreate{Name: "short", Scopes: []string{api.ScopeAdmin}, TTL: "48h"})
		refused(create(shortLived.Secret, api.APIKeyCreate{Name: "k", Scopes: []string{api.ScopeEnvironmentsRead}, TTL: "72h"}), http.StatusForbidden, "", "expires_at")
		// The default lifetime shrinks to the creator's.
		k := c.mint(t, shortLived.Secret, api.APIKeyCreate{Name: "k", Scopes: []string{api.ScopeEnvironmentsRead}})
		if !k.Key.ExpiresAt.Equal(*shortLived.Key.ExpiresAt) {
			t.Errorf("default expiry %v, want the creator's %v", k.Key.ExpiresAt, shortLived.Key.ExpiresAt)
		}
	})
}

// TestAPIKeyBoundManager: a key-manager bound to an environment sees and
// revokes only the keys of that environment.
func TestAPIKeyBoundManager(t *testing.T) {
	t.Parallel()
	c := start(t)
	envA := c.createRunning(t, api.EnvironmentCreate{Name: uniqueName("mgr-a"), Region: "us-east"})
	envB := c.createRunning(t, api.EnvironmentCreate{Name: uniqueName("mgr-b"), Region: "us-east"})
	mgr := c.mint(t, c.admin, api.APIKeyCreate{Name: "mgr", Scopes: []string{api.ScopeAPIKeysManage, api.ScopeEnvironmentsRead}, EnvironmentID: envA.ID})
	mine := c.mint(t, mgr.Secret, api.APIKeyCreate{Name: "mine", Scopes: []string{api.ScopeEnvironmentsRead}, EnvironmentID: envA.ID})
	theirs := c.mint(t, c.admin, api.APIKeyCreate{Name: "theirs", Scopes: []string{api.ScopeEnvironmentsRead}, EnvironmentID: envB.ID})

	for _, path := range []string{"/v1/api-keys", "/v1/api-keys?environment_id=" + envB.ID, "/v1/api-keys?name=theirs", "/v1/api-keys?page_size=1"} {
		r := c.get(t, mgr.Secret, path)
		wantStatus(t, r, http.StatusOK)
		for _, k := range decode[api.List[api.APIKey]](t, r).Items {
			if k.EnvironmentID != envA.ID {
				t.Errorf("%s: the bound manager sees key %s of %q", path, k.ID, k.EnvironmentID)
			}
		}
	}
	wantStatus(t, c.get(t, mgr.Secret, "/v1/api-keys/"+mine.Key.ID), http.StatusOK)
	wantProblem(t, c.get(t, mgr.Secret, "/v1/api-keys/"+theirs.Key.ID), http.StatusNotFound, api.CodeNotFound)
	wantProblem(t, c.do(t, req{method: http.MethodDelete, path: "/v1/api-keys/" + theirs.Key.ID, key: mgr.Secret}), http.StatusNotFound, api.CodeNotFound)
	wantStatus(t, c.get(t, theirs.Secret, "/v1/environments/"+envB.ID), http.StatusOK)
	wantStatus(t, c.do(t, req{method: http.MethodDelete, path: "/v1/api-keys/" + mine.Key.ID, key: mgr.Secret}), http.StatusOK)
}

// TestAPIKeyListPagination: pages of keys, oldest first, with filters.
func TestAPIKeyListPagination(t *testing.T) {
	t.Parallel()
	c := start(t)
	var want []string
	for range 5 {
		want = append(want, c.mint(t, c.admin, api.APIKeyCreate{Name: "paged", Scopes: []string{api.ScopeEnvironmentsRead}}).Key.ID)
	}
	c.mint(t, c.admin, api.APIKeyCreate{Name: "other", Scopes: []string{api.ScopeEnvironmentsRead}})
	var got []string
	path := "/v1/api-keys?name=paged&page_size=2"
	for range 5 {
		r := c.get(t, c.admin, path)
		wantStatus(t, r, http.StatusOK)
		page := decode[api.List[api.APIKey]](t, r)
		for _, k := range page.Items {
			got = append(got, k.ID)
		}
		if page.NextPageToken == "" {
			break
		}
		path = "/v1/api-keys?name=paged&page_size=2&page_token=" + page.NextPageToken
	}
	if !slices.Equal(got, want) {
		t.Errorf("pages %v, want %v", got, want)
	}
	wantProblem(t, c.get(t, c.admin, "/v1/api-keys?page_token=***"), http.StatusBadRequest, api.CodeInvalidArgument)
	wantProblem(t, c.get(t, c.admin, "/v1/api-keys?page_size=0"), http.StatusBadRequest, api.CodeInvalidArgument)
}

// TestAPIKeySecretStoredOnlyEncrypted: a retried create whose first answer
// was lost gets the same secret back (the idempotent replay), yet neither
// the database nor the control plane's logs ever hold the secret in
// plaintext.
func TestAPIKeySecretStoredOnlyEncrypted(t *testing.T) {
	t.Parallel()
	c := start(t)
	body := api.APIKeyCreate{Name: "replayed", Scopes: []string{api.ScopeEnvironmentsRead}}
	h := map[string]string{api.HeaderIdempotencyKey: "create-replayed-1"}
	first := c.do(t, req{method: http.MethodPost, path: "/v1/api-keys", key: c.admin, body: body, header: h})
	wantStatus(t, first, http.StatusCreated)
	second := c.do(t, req{method: http.MethodPost, path: "/v1/api-keys", key: c.admin, body: body, header: h})
	wantStatus(t, second, http.StatusCreated)
	a, b := decode[api.APIKeyCreated](t, first), decode[api.APIKeyCreated](t, second)
	if second.header.Get("Idempotent-Replayed") != "true" || a.Secret != b.Secret || a.Key.ID != b.Key.ID {
		t.Fatalf("the retry was not a replay of the first answer: %s vs %s", a.Key.ID, b.Key.ID)
	}
	wantStatus(t, c.get(t, b.Secret, "/v1/regions"), http.StatusOK)

	rec, err := c.app.Store.GetIdempotency(context.Background(), c.keyID(t, c.admin), "create-replayed-1")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(rec.ResponseBody), "ocr1:") {
		t.Errorf("the stored replay is not sealed: %.20q", rec.ResponseBody)
	}
	mustNotContainSecret(t, "the stored replay", rec.ResponseBody, a.Secret)

	// Every file of the data directory (database, WAL, key file).
	c.close(t)
	err = filepath.WalkDir(c.dataDir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		mustNotContainSecret(t, path, data, a.Secret)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestAuditEvents: admin keys read who did what, when, from where and with
// which outcome; filters and pages work; no secret is recorded; other keys
// may not read it.
func TestAuditEvents(t *testing.T) {
	t.Parallel()
	start0 := time.Date(2026, 11, 22, 8, 0, 0, 0, time.UTC)
	c, clk := startAt(t, start0)
	adminID := c.keyID(t, c.admin)
	k := c.mint(t, c.admin, api.APIKeyCreate{Name: "audited", Scopes: []string{api.ScopeEnvironmentsRead}})
	clk.advance(time.Minute)
	wantProblem(t, c.do(t, req{method: http.MethodPost, path: "/v1/environments", key: k.Secret,
		body: api.EnvironmentCreate{Name: "x", Region: "us-east"}}), http.StatusForbidden, api.CodePermissionDenied)
	wantStatus(t, c.do(t, req{method: http.MethodDelete, path: "/v1/api-keys/" + k.Key.ID, key: c.admin}), http.StatusOK)
	wantProblem(t, c.get(t, k.Secret, "/v1/regions"), http.StatusUnauthorized, api.CodeUnauthenticated)

	list := func(query string) api.List[api.AuditEvent] {
		t.Helper()
		r := c.get(t, c.admin, "/v1/audit-events"+query)
		wantStatus(t, r, http.StatusOK)
		mustNotContainSecret(t, "the audit log", r.body, k.Secret)
		return decode[api.List[api.AuditEvent]](t, r)
	}
	all := list("")
	type seen struct{ action, outcome, keyID, resource string }
	var got []seen
	for _, e := range all.Items {
		got = append(got, seen{e.Action, e.Outcome, e.KeyID, e.ResourceID})
		if e.SourceIP != "127.0.0.1" || e.RequestID == "" || e.Time.IsZero() {
			t.Errorf("event without source, request ID or time: %+v", e)
		}
	}
	// Newest first.
	want := []seen{
		{"auth", api.AuditDenied, k.Key.ID, ""},
		{"DELETE /v1/api-keys/{id}", api.AuditSuccess, adminID, k.Key.ID},
		{"POST /v1/environments", api.AuditFailure, k.Key.ID, ""},
		{"POST /v1/api-keys", api.AuditSuccess, adminID, k.Key.ID},
	}
	if !slices.Equal(got, want) {
		t.Errorf("audit log:\n got %+v\nwant %+v", got, want)
	}
	if e := all.Items[0]; !strings.Contains(e.Detail, "revoked") || e.KeyPrefix != k.Key.Prefix || e.StatusCode != 401 {
		t.Errorf("auth failure event %+v", e)
	}

	if l := list("?key_id=" + k.Key.ID); len(l.Items) != 2 {
		t.Errorf("by key: %d events", len(l.Items))
	}
	if l := list("?outcome=success"); len(l.Items) != 2 {
		t.Errorf("by outcome: %d events", len(l.Items))
	}
	if l := list("?action=POST%20/v1/api-keys"); len(l.Items) != 1 || l.Items[0].ResourceID != k.Key.ID {
		t.Errorf("by action: %+v", l.Items)
	}
	if l := list("?since=" + start0.Add(time.Minute).Format(time.RFC3339)); len(l.Items) != 3 {
		t.Errorf("since: %d events, want 3", len(l.Items))
	}
	page := list("?page_size=3")
	if len(page.Items) != 3 || page.NextPageToken == "" {
		t.Fatalf("first page: %d items, token %q", len(page.Items), page.NextPageToken)
	}
	if rest := list("?page_size=3&page_token=" + page.NextPageToken); len(rest.Items) != 1 || rest.NextPageToken != "" {
		t.Errorf("second page: %+v", rest)
	}
	wantProblem(t, c.get(t, c.admin, "/v1/audit-events?outcome=maybe"), http.StatusBadRequest, api.CodeInvalidArgument)
	wantProblem(t, c.get(t, c.admin, "/v1/audit-events?since=yesterday"), http.StatusBadRequest, api.CodeInvalidArgument)

	manager := c.mint(t, c.admin, api.APIKeyCreate{Name: "manager", Scopes: []string{api.ScopeAPIKeysManage}})
	p := wantProblem(t, c.get(t, manager.Secret, "/v1/audit-events"), http.StatusForbidden, api.CodePermissionDenied)
	if p.MissingScope != api.ScopeAdmin {
		t.Errorf("missing_scope %q", p.MissingScope)
	}
}
