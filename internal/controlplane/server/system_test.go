package server_test

import (
	"bytes"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/openclaw/terraform-provider-openclaw/internal/api"
)

// TestSystemEndpoints covers the unauthenticated endpoints, the metrics'
// route labels and the problem answer for unknown paths.
func TestSystemEndpoints(t *testing.T) {
	t.Parallel()
	c := start(t)

	t.Run("healthz", func(t *testing.T) {
		r := c.get(t, "", "/healthz")
		wantStatus(t, r, http.StatusOK)
		if h := decode[api.Health](t, r); h.Status != "ok" {
			t.Errorf("healthz %+v", h)
		}
	})
	t.Run("readyz", func(t *testing.T) {
		r := c.get(t, "", "/readyz")
		wantStatus(t, r, http.StatusOK)
		if h := decode[api.Health](t, r); h.Status != "ok" || h.Checks["database"] != "ok" {
			t.Errorf("readyz %+v, want status ok with database ok", h)
		}
	})
	t.Run("openapi document", func(t *testing.T) {
		r := c.get(t, "", "/v1/openapi.yaml")
		wantStatus(t, r, http.StatusOK)
		if !bytes.Equal(r.body, api.OpenAPISpec) {
			t.Errorf("served document differs from internal/api/openapi.yaml (%d vs %d bytes)", len(r.body), len(api.OpenAPISpec))
		}
	})
	t.Run("unknown paths answer problem 404", func(t *testing.T) {
		for _, path := range []string{"/v1/nope", "/nope", "/v1/environments/x/y", "/v1/operations"} {
			r := c.get(t, c.admin, path)
			p := wantProblem(t, r, http.StatusNotFound, api.CodeNotFound)
			if p.Instance != path {
				t.Errorf("%s: instance %q", path, p.Instance)
			}
		}
		// A method the path does not have is a 405 problem listing those it has.
		for path, allow := range map[string]string{
			"/v1/environments/env_x": "GET, PATCH, DELETE",
			"/v1/environments":       "GET, POST",
			"/v1/regions":            "GET",
			"/healthz":               "GET",
		} {
			r := c.do(t, req{method: http.MethodPut, path: path, key: c.admin, body: "{}"})
			p := wantProblem(t, r, http.StatusMethodNotAllowed, api.CodeMethodNotAllowed)
			if got := r.header.Get("Allow"); got != allow {
				t.Errorf("PUT %s: Allow %q, want %q", path, got, allow)
			}
			if !strings.Contains(p.Detail, allow) {
				t.Errorf("PUT %s: detail %q does not list %s", path, p.Detail, allow)
			}
		}
	})
	t.Run("metrics by route pattern and code", func(t *testing.T) {
		wantStatus(t, c.get(t, c.admin, "/v1/environments"), http.StatusOK)
		for range 2 {
			wantProblem(t, c.get(t, c.admin, "/v1/environments/env_missing"), http.StatusNotFound, api.CodeNotFound)
		}
		r := c.get(t, "", "/metrics")
		wantStatus(t, r, http.StatusOK)
		text := string(r.body)
		series := map[string]int{}
		re := regexp.MustCompile(`(?m)^openclaw_http_requests_total\{code="(\d+)",route="([^"]*)"\} (\d+)$`)
		for _, m := range re.FindAllStringSubmatch(text, -1) {
			n, _ := strconv.Atoi(m[3])
			series[m[2]+" "+m[1]] = n
		}
		want := map[string]int{
			"GET /v1/environments 200":      1,
			"GET /v1/environments/{id} 404": 2,
			"GET /healthz 200":              1,
		}
		for k, n := range want {
			if series[k] != n {
				t.Errorf("openclaw_http_requests_total{route,code = %s} = %d, want %d\nseries: %v", k, series[k], n, series)
			}
		}
		if series["unmatched 404"] < 1 {
			t.Errorf("unknown paths should be counted under route=\"unmatched\"; series: %v", series)
		}
		for k := range series {
			if regexp.MustCompile(`env_missing|/nope`).MatchString(k) {
				t.Errorf("raw path in a route label: %s", k)
			}
		}
		if !regexp.MustCompile(`(?m)^openclaw_http_request_duration_seconds_bucket\{code="200",route="GET /v1/environments",le=`).MatchString(text) {
			t.Errorf("no latency histogram by route and code")
		}
	})
}

// TestReadyzUnavailable: when the database is gone, /readyz answers 503
// with a Health document naming the failed check.
func TestReadyzUnavailable(t *testing.T) {
	t.Parallel()
	c := start(t)
	c.app.Server.Close()
	if err := c.app.Store.Close(); err != nil {
		t.Fatal(err)
	}
	r := c.get(t, "", "/readyz")
	wantStatus(t, r, http.StatusServiceUnavailable)
	if h := decode[api.Health](t, r); h.Status != "unavailable" || h.Checks["database"] == "" || h.Checks["database"] == "ok" {
		t.Errorf("readyz %+v", h)
	}
	// Liveness does not depend on the database.
	wantStatus(t, c.get(t, "", "/healthz"), http.StatusOK)
	// An authenticated route cannot look up the key: a problem, not a leak.
	wantProblem(t, c.get(t, c.admin, "/v1/environments"), http.StatusInternalServerError, api.CodeInternal)
}
