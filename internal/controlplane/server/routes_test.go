package server_test

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/openclaw/terraform-provider-openclaw/internal/api"
	"github.com/openclaw/terraform-provider-openclaw/internal/controlplane/keys"
)

// routeWorld is what route fixtures build requests against: environment a
// owns every target; the bound key is bound to environment b.
type routeWorld struct {
	c   *cp
	a   api.Environment
	b   api.Environment
	opA string // an operation of a
	// poolID is a GPU pool of a, made on first use.
	poolID string
}

// routeFixture describes one authenticated route for TestEveryRouteEnforcesKeys.
type routeFixture struct {
	// scope is the scope the route needs ("" when any valid key may call it).
	scope string
	// bound is the status for a key bound to environment b asking about
	// environment a: 404 (a is not revealed), 403 (refused), or 200
	// (answered, and the body must not mention a).
	bound int
	// request builds a request about environment a; the test adds the key.
	// Requests that succeed change their target, so it may make a fresh one.
	request func(t *testing.T, w *routeWorld) req
}

// routeFixtures has an entry for every route the server registers; each
// family's test file adds its own with addRouteFixtures in an init func.
var routeFixtures = map[string]routeFixture{}

func addRouteFixtures(m map[string]routeFixture) {
	for pattern, f := range m {
		if _, dup := routeFixtures[pattern]; dup {
			panic("two route fixtures for " + pattern)
		}
		routeFixtures[pattern] = f
	}
}

func init() {
	addRouteFixtures(map[string]routeFixture{
		"GET /v1/regions": {
			scope: "", bound: http.StatusOK,
			request: func(t *testing.T, w *routeWorld) req { return req{method: http.MethodGet, path: "/v1/regions"} },
		},
		"GET /v1/environments": {
			scope: api.ScopeEnvironmentsRead, bound: http.StatusOK,
			request: func(t *testing.T, w *routeWorld) req { return req{method: http.MethodGet, path: "/v1/environments"} },
		},
		"POST /v1/environments": {
			scope: api.ScopeEnvironmentsWrite, bound: http.StatusForbidden,
			request: func(t *testing.T, w *routeWorld) req {
				return req{method: http.MethodPost, path: "/v1/environments", body: api.EnvironmentCreate{Name: uniqueName("route"), Region: "us-east"}}
			},
		},
		"GET /v1/environments/{id}": {
			scope: api.ScopeEnvironmentsRead, bound: http.StatusNotFound,
			request: func(t *testing.T, w *routeWorld) req {
				return req{method: http.MethodGet, path: "/v1/environments/" + w.a.ID}
			},
		},
		"PATCH /v1/environments/{id}": {
			scope: api.ScopeEnvironmentsWrite, bound: http.StatusNotFound,
			request: func(t *testing.T, w *routeWorld) req {
				return req{method: http.MethodPatch, path: "/v1/environments/" + w.a.ID, body: map[string]any{"labels": map[string]string{"touched": "yes"}}}
			},
		},
		"DELETE /v1/environments/{id}": {
			scope: api.ScopeEnvironmentsWrite, bound: http.StatusNotFound,
			request: func(t *testing.T, w *routeWorld) req {
				// Its own environment: a successful delete must not take a away.
				return req{method: http.MethodDelete, path: "/v1/environments/" + w.freshEnvironment(t)}
			},
		},
		"GET /v1/environments/{id}/logs": {
			scope: api.ScopeEnvironmentsRead, bound: http.StatusNotFound,
			request: func(t *testing.T, w *routeWorld) req {
				return req{method: http.MethodGet, path: "/v1/environments/" + w.a.ID + "/logs?tail=5"}
			},
		},
		"GET /v1/environments/{id}/gateway-token": {
			scope: api.ScopeEnvironmentsWrite, bound: http.StatusNotFound,
			request: func(t *testing.T, w *routeWorld) req {
				return req{method: http.MethodGet, path: "/v1/environments/" + w.a.ID + "/gateway-token"}
			},
		},
		"GET /v1/operations/{id}": {
			scope: api.ScopeEnvironmentsRead, bound: http.StatusNotFound,
			request: func(t *testing.T, w *routeWorld) req {
				return req{method: http.MethodGet, path: "/v1/operations/" + w.opA}
			},
		},
	})
}

// freshEnvironment creates a running environment that a bound key for b
// must not see either (it is not b).
func (w *routeWorld) freshEnvironment(t *testing.T) string {
	t.Helper()
	return w.c.createRunning(t, api.EnvironmentCreate{Name: uniqueName("fresh"), Region: "us-east"}).ID
}

// TestEveryRouteEnforcesKeys runs every registered route against every rule
// an API key carries: expired or revoked → 401, revoked within its grace
// period → works, source outside allowed_cidrs → 403, missing scope → 403
// naming it, bound to another environment → 404 (not revealed), over its
// rate → 429 with Retry-After. The routes come from the server, so a new
// route without a fixture fails here.
func TestEveryRouteEnforcesKeys(t *testing.T) {
	t.Parallel()
	c := start(t)
	w := &routeWorld{c: c}
	opA := c.create(t, c.admin, api.EnvironmentCreate{Name: uniqueName("route-a"), Region: "us-east"})
	c.waitSucceeded(t, opA.ID)
	w.opA = opA.ID
	w.a, _ = c.env(t, opA.TargetID)
	w.b = c.createRunning(t, api.EnvironmentCreate{Name: uniqueName("route-b"), Region: "us-east"})

	now := time.Now().UTC()
	past, soon, later := now.Add(-time.Hour), now.Add(-time.Minute), now.Add(2*time.Hour)
	all := []string{api.ScopeAdmin}
	expired, _ := c.newKey(t, keyOpts{scopes: all, expiresAt: &past})
	revoked, _ := c.newKey(t, keyOpts{scopes: all, revokedAt: &past})
	graceOver, _ := c.newKey(t, keyOpts{scopes: all, revokedAt: &past, graceUntil: &soon})
	inGrace, _ := c.newKey(t, keyOpts{scopes: all, revokedAt: &past, graceUntil: &later})
	otherNet, otherNetPrefix := c.newKey(t, keyOpts{scopes: all, allowedCIDRs: []string{"10.0.0.0/8", "2001:db8::/32"}})
	noScopes, noScopesPrefix := c.newKey(t, keyOpts{scopes: []string{}})
	bound, _ := c.newKey(t, keyOpts{scopes: all, environmentID: w.b.ID})

	routes := c.app.Server.Routes()
	if len(routes) == 0 {
		t.Fatal("the server registers no routes")
	}
	for pattern := range routeFixtures {
		if !slices.Contains(routes, pattern) {
			t.Errorf("route fixture for %q, which the server does not register; remove it", pattern)
		}
	}
	for _, pattern := range routes {
		f, ok := routeFixtures[pattern]
		if !ok {
			t.Errorf("route %q has no fixture in routeFixtures: add one (addRouteFixtures in the family's test file) so every key rule is checked on it", pattern)
			continue
		}
		t.Run(pattern, func(t *testing.T) {
			t.Parallel()
			send := func(key string) *resp {
				t.Helper()
				r := f.request(t, w)
				r.key = key
				return c.do(t, r)
			}
			unauthenticated := func(name, key, detail string) {
				t.Run(name, func(t *testing.T) {
					p := wantProblem(t, send(key), http.StatusUnauthorized, api.CodeUnauthenticated)
					if !strings.Contains(p.Detail, detail) {
						t.Errorf("detail %q does not say %q", p.Detail, detail)
					}
				})
			}
			unauthenticated("expired", expired, "expired")
			unauthenticated("revoked", revoked, "revoked")
			unauthenticated("revoked after its grace period", graceOver, "revoked")

			t.Run("revoked within its grace period", func(t *testing.T) {
				if r := send(inGrace); r.status >= 400 {
					t.Errorf("a key within its grace period was refused: %s", r)
				}
			})
			t.Run("outside allowed_cidrs", func(t *testing.T) {
				p := wantProblem(t, send(otherNet), http.StatusForbidden, api.CodePermissionDenied)
				if !strings.Contains(p.Detail, "allowed_cidrs") || p.KeyPrefix != otherNetPrefix {
					t.Errorf("detail %q, key_prefix %q: want allowed_cidrs and %s", p.Detail, p.KeyPrefix, otherNetPrefix)
				}
			})
			t.Run("missing scope", func(t *testing.T) {
				r := send(noScopes)
				if f.scope == "" {
					if r.status >= 400 {
						t.Errorf("a route needing no scope refused a key without scopes: %s", r)
					}
					return
				}
				p := wantProblem(t, r, http.StatusForbidden, api.CodePermissionDenied)
				if p.MissingScope != f.scope || p.KeyPrefix != noScopesPrefix || !strings.Contains(p.Detail, f.scope) {
					t.Errorf("missing_scope %q, key_prefix %q, detail %q: want %s, %s", p.MissingScope, p.KeyPrefix, p.Detail, f.scope, noScopesPrefix)
				}
			})
			t.Run("bound to another environment", func(t *testing.T) {
				r := send(bound)
				switch f.bound {
				case http.StatusNotFound:
					wantProblem(t, r, http.StatusNotFound, api.CodeNotFound)
				case http.StatusForbidden:
					wantProblem(t, r, http.StatusForbidden, api.CodePermissionDenied)
				case http.StatusOK:
					wantStatus(t, r, http.StatusOK)
				default:
					t.Fatalf("fixture bound status %d is not 404, 403 or 200", f.bound)
				}
				// Echoing an ID the caller sent reveals nothing; the name of
				// environment a, or a listed ID, would.
				if strings.Contains(string(r.body), w.a.Name) || (r.status == http.StatusOK && strings.Contains(string(r.body), w.a.ID)) {
					t.Errorf("the answer to a key bound to another environment reveals environment %s (%s): %s", w.a.ID, w.a.Name, r.body)
				}
			})
			t.Run("over its rate", func(t *testing.T) {
				// One request a minute: the first (to another route) uses it.
				limited, prefix := c.newKey(t, keyOpts{scopes: all, ratePerMinute: 1})
				wantStatus(t, c.get(t, limited, "/v1/regions"), http.StatusOK)
				r := send(limited)
				p := wantProblem(t, r, http.StatusTooManyRequests, api.CodeRateLimited)
				if ra, err := strconv.Atoi(r.header.Get("Retry-After")); err != nil || ra < 1 {
					t.Errorf("Retry-After %q, want whole seconds", r.header.Get("Retry-After"))
				}
				if !strings.Contains(p.Detail, prefix) {
					t.Errorf("detail %q does not name the key %s", p.Detail, prefix)
				}
			})
		})
	}
}

// keyID is the ID of a key created with newKey.
func (c *cp) keyID(t testing.TB, secret string) string {
	t.Helper()
	k, err := c.app.Store.GetAPIKeyByHash(context.Background(), keys.Hash(secret))
	if err != nil {
		t.Fatalf("find key by secret: %v", err)
	}
	return k.ID
}

// mustNotContainSecret fails when body holds the secret or its random body.
func mustNotContainSecret(t testing.TB, what string, body []byte, secret string) {
	t.Helper()
	for _, s := range []string{secret, strings.TrimPrefix(secret, keys.Prefix)} {
		if strings.Contains(string(body), s) {
			t.Errorf("%s contains the secret %s…", what, fmt.Sprint(secret[:8]))
		}
	}
}
