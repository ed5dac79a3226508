package server_test

import (
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/openclaw/terraform-provider-openclaw/internal/api"
)

func init() {
	addRouteFixtures(map[string]routeFixture{
		"GET /v1/whoami": {
			scope: "", bound: http.StatusOK,
			request: func(t *testing.T, w *routeWorld) req { return req{method: http.MethodGet, path: "/v1/whoami"} },
		},
	})
}

// whoami describes the calling key, whatever its scopes, and never its secret.
func TestWhoAmI(t *testing.T) {
	t.Parallel()
	c := start(t)
	env := c.createRunning(t, api.EnvironmentCreate{Name: uniqueName("who"), Region: "us-east"})
	expires := time.Now().UTC().Add(48 * time.Hour).Truncate(time.Second)
	secret, prefix := c.newKey(t, keyOpts{scopes: []string{api.ScopeGPUPoolsRead, api.ScopeEnvironmentsRead}, environmentID: env.ID, expiresAt: &expires})

	r := c.get(t, secret, "/v1/whoami")
	wantStatus(t, r, http.StatusOK)
	who := decode[api.WhoAmI](t, r)
	if who.KeyID != c.keyID(t, secret) || who.Prefix != prefix || who.EnvironmentID != env.ID {
		t.Errorf("whoami %+v: want key %s, prefix %s, environment %s", who, c.keyID(t, secret), prefix, env.ID)
	}
	if want := []string{api.ScopeEnvironmentsRead, api.ScopeGPUPoolsRead}; !slices.Equal(who.Scopes, want) {
		t.Errorf("scopes %v, want %v (sorted)", who.Scopes, want)
	}
	if who.ExpiresAt == nil || !who.ExpiresAt.Equal(expires) {
		t.Errorf("expires_at %v, want %v", who.ExpiresAt, expires)
	}
	mustNotContainSecret(t, "whoami", r.body, secret)

	admin := decode[api.WhoAmI](t, c.get(t, c.admin, "/v1/whoami"))
	if admin.Name != "bootstrap-admin" || admin.EnvironmentID != "" || !slices.Equal(admin.Scopes, []string{api.ScopeAdmin}) {
		t.Errorf("bootstrap key: %+v", admin)
	}

	p := wantProblem(t, c.get(t, "ocp_wrong", "/v1/whoami"), http.StatusUnauthorized, api.CodeUnauthenticated)
	if !strings.Contains(p.Detail, "not recognised") {
		t.Errorf("detail %q", p.Detail)
	}
}

// A body field that has the right JSON type but an unreadable value is named.
func TestBodyValueErrorsNameTheField(t *testing.T) {
	t.Parallel()
	c := start(t)
	cases := []struct{ path, body, field, msg string }{
		{"/v1/api-keys", `{"name":"k","scopes":["admin"],"expires_at":"tomorrow"}`, "expires_at", `RFC 3339 timestamp such as "2027-01-31T12:00:00Z", not "tomorrow"`},
		{"/v1/api-keys", `{"name":"k","scopes":["admin"],"expires_at":"2027-02-30T00:00:00Z"}`, "expires_at", "RFC 3339"},
	}
	for _, tc := range cases {
		r := c.do(t, req{method: http.MethodPost, path: tc.path, key: c.admin, body: tc.body})
		p := wantProblem(t, r, http.StatusBadRequest, api.CodeInvalidArgument)
		if got := fieldMessage(p, tc.field); !strings.Contains(got, tc.msg) {
			t.Errorf("%s: errors %+v, want %s: %q", tc.body, p.Errors, tc.field, tc.msg)
		}
		if strings.Contains(p.Detail, "could not be read") || strings.Contains(p.Detail, "parsing time") {
			t.Errorf("detail %q is the decoder's message", p.Detail)
		}
	}
}

// A missing environment in a create is a 404 that names environment_id
// with a message that reads after the field's name (before: "The value of
// environment_id no environment …").
func TestMissingEnvironmentReferenceNamesTheField(t *testing.T) {
	t.Parallel()
	c := start(t)
	for path, body := range map[string]any{
		"/v1/api-keys":  api.APIKeyCreate{Name: "k", Scopes: []string{api.ScopeEnvironmentsRead}, EnvironmentID: "env_doesnotexist"},
		"/v1/gpu-pools": api.GPUPoolCreate{Name: "p", EnvironmentID: "env_doesnotexist", ProviderID: "p", Backend: "vllm", GPUType: "nvidia-l4", NodeCount: ptr(int64(1))},
	} {
		p := wantProblem(t, c.do(t, req{method: http.MethodPost, path: path, key: c.admin, body: body}), http.StatusNotFound, api.CodeNotFound)
		if msg := fieldMessage(p, "environment_id"); !strings.HasPrefix(msg, `names no existing environment ("env_doesnotexist")`) {
			t.Errorf("POST %s: errors %+v", path, p.Errors)
		}
	}
}
