package server_test

import (
	"context"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/openclaw/terraform-provider-openclaw/internal/api"
	"github.com/openclaw/terraform-provider-openclaw/internal/controlplane/store"
)

// TestAuthentication covers bearer parsing, unknown, expired and revoked
// keys, the revocation grace period and allowed_cidrs.
func TestAuthentication(t *testing.T) {
	t.Parallel()
	c := start(t)
	now := time.Now().UTC()
	past, future := now.Add(-time.Hour), now.Add(time.Hour)
	read := []string{api.ScopeEnvironmentsRead}

	expired, _ := c.newKey(t, keyOpts{scopes: read, expiresAt: &past})
	notYetExpired, _ := c.newKey(t, keyOpts{scopes: read, expiresAt: &future})
	revoked, _ := c.newKey(t, keyOpts{scopes: read, revokedAt: &past})
	revokedGraceOver, _ := c.newKey(t, keyOpts{scopes: read, revokedAt: &past, graceUntil: ptr(now.Add(-time.Minute))})
	revokedInGrace, _ := c.newKey(t, keyOpts{scopes: read, revokedAt: &past, graceUntil: &future})
	otherNet, otherNetPrefix := c.newKey(t, keyOpts{scopes: read, allowedCIDRs: []string{"10.0.0.0/8", "2001:db8::/32"}})
	loopback, _ := c.newKey(t, keyOpts{scopes: read, allowedCIDRs: []string{"10.0.0.0/8", "127.0.0.0/8", "::1/128"}})

	cases := []struct {
		name          string
		authorization string // the whole header; "" sends none
		status        int
		code          string
		detail        string // substring of the problem detail
	}{
		{"no header", "", 401, api.CodeUnauthenticated, "missing Authorization header"},
		{"basic scheme", "Basic dXNlcjpwYXNz", 401, api.CodeUnauthenticated, "malformed"},
		{"bearer without key", "Bearer", 401, api.CodeUnauthenticated, "malformed"},
		{"bearer with blank key", "Bearer    ", 401, api.CodeUnauthenticated, "malformed"},
		{"token scheme", "Token " + c.admin, 401, api.CodeUnauthenticated, "malformed"},
		{"unknown key", "Bearer ocp_unknownunknownunknownunknownunknownun000000", 401, api.CodeUnauthenticated, "not recognised"},
		{"expired key", "Bearer " + expired, 401, api.CodeUnauthenticated, "expired"},
		{"revoked key", "Bearer " + revoked, 401, api.CodeUnauthenticated, "revoked"},
		{"revoked key after its grace period", "Bearer " + revokedGraceOver, 401, api.CodeUnauthenticated, "revoked"},
		{"revoked key inside its grace period", "Bearer " + revokedInGrace, 200, "", ""},
		{"key expiring later", "Bearer " + notYetExpired, 200, "", ""},
		{"lower-case scheme", "bearer " + notYetExpired, 200, "", ""},
		{"source outside allowed_cidrs", "Bearer " + otherNet, 403, api.CodePermissionDenied, "allowed_cidrs"},
		{"source inside allowed_cidrs", "Bearer " + loopback, 200, "", ""},
	}
	t.Run("requests", func(t *testing.T) {
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				t.Parallel()
				h := map[string]string{}
				if tc.authorization != "" {
					h["Authorization"] = tc.authorization
				}
				r := c.do(t, req{method: http.MethodGet, path: "/v1/environments", header: h})
				if tc.status == 200 {
					wantStatus(t, r, http.StatusOK)
					return
				}
				p := wantProblem(t, r, tc.status, tc.code)
				if !strings.Contains(p.Detail, tc.detail) {
					t.Errorf("detail %q does not mention %q", p.Detail, tc.detail)
				}
				// The secret part of a key is never echoed back.
				if secret, ok := strings.CutPrefix(tc.authorization, "Bearer "); ok && len(secret) > 20 && strings.Contains(string(r.body), secret) {
					t.Errorf("the problem echoes the API key: %s", r.body)
				}
				if tc.status == 403 && p.KeyPrefix != otherNetPrefix {
					t.Errorf("key_prefix %q, want %q", p.KeyPrefix, otherNetPrefix)
				}
			})
		}
	})

	t.Run("failures are audited without the key", func(t *testing.T) {
		events, _, err := c.app.Store.ListAudit(context.Background(), store.AuditFilter{Action: "auth", PageSize: 500})
		if err != nil {
			t.Fatal(err)
		}
		denied := 0
		for _, e := range events {
			if e.Outcome == "denied" {
				denied++
			}
			for _, secret := range []string{expired, revoked, otherNet, c.admin} {
				if strings.Contains(e.Detail, secret) {
					t.Errorf("audit event %d contains an API key: %+v", e.ID, e)
				}
			}
		}
		// The parallel requests above have all finished.
		if denied < 9 {
			t.Errorf("%d denied auth events audited, want at least 9", denied)
		}
	})
}

// TestScopes: a missing scope is a 403 naming the scope and the key prefix;
// environments:write implies environments:read; any valid key lists regions.
func TestScopes(t *testing.T) {
	t.Parallel()
	c := start(t)
	env := c.createRunning(t, api.EnvironmentCreate{Name: uniqueName("scoped"), Region: "us-east"})
	readKey, readPrefix := c.newKey(t, keyOpts{scopes: []string{api.ScopeEnvironmentsRead}})
	writeKey, _ := c.newKey(t, keyOpts{scopes: []string{api.ScopeEnvironmentsWrite}})
	gpuKey, gpuPrefix := c.newKey(t, keyOpts{scopes: []string{api.ScopeGPUPoolsRead}})
	noScopes, _ := c.newKey(t, keyOpts{})
	opPath := "/v1/operations/" + c.create(t, c.admin, api.EnvironmentCreate{Name: uniqueName("op"), Region: "us-west"}).ID

	cases := []struct {
		name         string
		key          string
		method, path string
		body         any
		status       int
		missingScope string
		prefix       string
	}{
		{"read key lists", readKey, "GET", "/v1/environments", nil, 200, "", ""},
		{"read key reads", readKey, "GET", "/v1/environments/" + env.ID, nil, 200, "", ""},
		{"read key reads operations", readKey, "GET", opPath, nil, 200, "", ""},
		{"read key cannot create", readKey, "POST", "/v1/environments", api.EnvironmentCreate{Name: uniqueName("x"), Region: "us-east"}, 403, api.ScopeEnvironmentsWrite, readPrefix},
		{"read key cannot patch", readKey, "PATCH", "/v1/environments/" + env.ID, map[string]any{"labels": map[string]string{}}, 403, api.ScopeEnvironmentsWrite, readPrefix},
		{"read key cannot delete", readKey, "DELETE", "/v1/environments/" + env.ID, nil, 403, api.ScopeEnvironmentsWrite, readPrefix},
		{"write implies read: get", writeKey, "GET", "/v1/environments/" + env.ID, nil, 200, "", ""},
		{"write implies read: list", writeKey, "GET", "/v1/environments", nil, 200, "", ""},
		{"write key creates", writeKey, "POST", "/v1/environments", api.EnvironmentCreate{Name: uniqueName("w"), Region: "us-east"}, 202, "", ""},
		{"write key patches", writeKey, "PATCH", "/v1/environments/" + env.ID, map[string]any{"labels": map[string]string{"by": "write-key"}}, 202, "", ""},
		{"other scope cannot list", gpuKey, "GET", "/v1/environments", nil, 403, api.ScopeEnvironmentsRead, gpuPrefix},
		{"other scope cannot get", gpuKey, "GET", "/v1/environments/" + env.ID, nil, 403, api.ScopeEnvironmentsRead, gpuPrefix},
		{"other scope cannot read environment operations", gpuKey, "GET", opPath, nil, 403, api.ScopeEnvironmentsRead, gpuPrefix},
		{"other scope lists regions", gpuKey, "GET", "/v1/regions", nil, 200, "", ""},
		{"no scopes lists regions", noScopes, "GET", "/v1/regions", nil, 200, "", ""},
		{"admin lists", c.admin, "GET", "/v1/environments", nil, 200, "", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := c.do(t, req{method: tc.method, path: tc.path, key: tc.key, body: tc.body})
			if tc.status < 400 {
				wantStatus(t, r, tc.status)
				return
			}
			p := wantProblem(t, r, tc.status, api.CodePermissionDenied)
			if p.MissingScope != tc.missingScope || p.KeyPrefix != tc.prefix {
				t.Errorf("missing_scope %q key_prefix %q, want %q and %q", p.MissingScope, p.KeyPrefix, tc.missingScope, tc.prefix)
			}
		})
	}

	t.Run("regions", func(t *testing.T) {
		r := c.get(t, noScopes, "/v1/regions")
		wantStatus(t, r, http.StatusOK)
		list := decode[api.List[api.Region]](t, r)
		var ids []string
		for _, reg := range list.Items {
			ids = append(ids, reg.ID)
			if reg.ID == "sa-east" && reg.Available {
				t.Errorf("sa-east should be unavailable")
			}
		}
		if !slices.Contains(ids, "us-east") || !slices.Contains(ids, "sa-east") || list.NextPageToken != "" {
			t.Errorf("regions %v (next %q)", ids, list.NextPageToken)
		}
	})
}

// TestEnvironmentBoundKey: a key bound to one environment sees only it;
// other environments (and their operations) do not exist for it.
func TestEnvironmentBoundKey(t *testing.T) {
	t.Parallel()
	c := start(t)
	mine := c.createRunning(t, api.EnvironmentCreate{Name: uniqueName("mine"), Region: "us-east"})
	otherOp := c.create(t, c.admin, api.EnvironmentCreate{Name: uniqueName("other"), Region: "us-east"})
	c.waitSucceeded(t, otherOp.ID)
	other := otherOp.TargetID
	bound, boundPrefix := c.newKey(t, keyOpts{scopes: []string{api.ScopeEnvironmentsWrite}, environmentID: mine.ID})

	wantStatus(t, c.get(t, bound, "/v1/environments/"+mine.ID), http.StatusOK)
	wantProblem(t, c.get(t, bound, "/v1/environments/"+other), http.StatusNotFound, api.CodeNotFound)
	wantProblem(t, c.get(t, bound, "/v1/operations/"+otherOp.ID), http.StatusNotFound, api.CodeNotFound)
	wantProblem(t, c.do(t, req{method: "PATCH", path: "/v1/environments/" + other, key: bound, body: map[string]any{"labels": map[string]string{}}}), http.StatusNotFound, api.CodeNotFound)
	wantProblem(t, c.do(t, req{method: "DELETE", path: "/v1/environments/" + other, key: bound}), http.StatusNotFound, api.CodeNotFound)

	for _, path := range []string{"/v1/environments", "/v1/environments?page_size=1", "/v1/environments?name=" + c.mustName(t, other)} {
		r := c.get(t, bound, path)
		wantStatus(t, r, http.StatusOK)
		list := decode[api.List[api.Environment]](t, r)
		for _, e := range list.Items {
			if e.ID != mine.ID {
				t.Errorf("%s: the bound key sees %s", path, e.ID)
			}
		}
		if strings.Contains(path, "name=") {
			if len(list.Items) != 0 {
				t.Errorf("%s: found the other environment by name", path)
			}
		} else if len(list.Items) != 1 || list.NextPageToken != "" {
			t.Errorf("%s: %d items (next %q), want exactly its own", path, len(list.Items), list.NextPageToken)
		}
	}

	// It may change its own environment and read that operation.
	r := c.do(t, req{method: "PATCH", path: "/v1/environments/" + mine.ID, key: bound, body: map[string]any{"labels": map[string]string{"owner": "bound"}}})
	wantStatus(t, r, http.StatusAccepted)
	op := decode[api.Operation](t, r)
	wantStatus(t, c.get(t, bound, "/v1/operations/"+op.ID), http.StatusOK)

	// It cannot create environments, even with the write scope.
	p := wantProblem(t, c.do(t, req{method: "POST", path: "/v1/environments", key: bound, body: api.EnvironmentCreate{Name: uniqueName("nope"), Region: "us-east"}}), http.StatusForbidden, api.CodePermissionDenied)
	if !strings.Contains(p.Detail, boundPrefix) {
		t.Errorf("detail %q does not name the key", p.Detail)
	}
}

func (c *cp) mustName(t *testing.T, id string) string {
	t.Helper()
	e, _ := c.env(t, id)
	return e.Name
}

// TestRateLimit: a key with rate_limit_per_minute=2 gets two quick
// requests, then 429 with Retry-After; other keys are not affected.
func TestRateLimit(t *testing.T) {
	t.Parallel()
	c := start(t)
	limited, prefix := c.newKey(t, keyOpts{scopes: []string{api.ScopeEnvironmentsRead}, ratePerMinute: 2})
	for i := range 2 {
		r := c.get(t, limited, "/v1/environments")
		if r.status != http.StatusOK {
			t.Fatalf("request %d: %s", i+1, r)
		}
	}
	r := c.get(t, limited, "/v1/environments")
	p := wantProblem(t, r, http.StatusTooManyRequests, api.CodeRateLimited)
	ra, err := strconv.Atoi(r.header.Get("Retry-After"))
	if err != nil || ra < 1 || ra > 60 {
		t.Errorf("Retry-After %q, want whole seconds between 1 and 60", r.header.Get("Retry-After"))
	}
	if !strings.Contains(p.Detail, prefix) {
		t.Errorf("detail %q does not name the key %s", p.Detail, prefix)
	}
	// A refused request does not consume capacity, and other keys have
	// their own buckets.
	wantProblem(t, c.get(t, limited, "/v1/regions"), http.StatusTooManyRequests, api.CodeRateLimited)
	wantStatus(t, c.get(t, c.admin, "/v1/environments"), http.StatusOK)
}
