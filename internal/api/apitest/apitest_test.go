package apitest_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/openclaw/terraform-provider-openclaw/internal/api/apitest"
)

// recorder captures the failures a validator reports.
type recorder struct {
	testing.TB
	errs []string
}

func (r *recorder) Helper() {}
func (r *recorder) Errorf(format string, args ...any) {
	r.errs = append(r.errs, fmt.Sprintf(format, args...))
}

const (
	operation = `{"id":"op_1","kind":"environment.create","target_kind":"environment","target_id":"env_1","status":"pending","created_at":"2026-11-22T06:14:56Z","updated_at":"2026-11-22T06:14:56Z"}`
	problem   = `{"type":"about:blank","title":"Not found","status":404,"code":"not_found"}`
)

func TestFindResponse(t *testing.T) {
	v := apitest.Validator(t)
	cases := []struct {
		method, path string
		status       int
		key, media   string
		pointer      string
	}{
		{"POST", "/v1/environments", 202, "202", "application/json", "/components/responses/Accepted/content/application~1json/schema"},
		{"POST", "/v1/environments", 409, "409", "application/problem+json", "/components/responses/Conflict/content/application~1problem+json/schema"},
		{"GET", "/v1/environments/{id}", 200, "200", "application/json", "/paths/~1v1~1environments~1{id}/get/responses/200/content/application~1json/schema"},
		{"get", "/readyz", 503, "503", "application/json", "/paths/~1readyz/get/responses/503/content/application~1json/schema"},
	}
	for _, c := range cases {
		r, err := v.FindResponse(c.method, c.path, c.status)
		if err != nil {
			t.Errorf("%s %s %d: %v", c.method, c.path, c.status, err)
			continue
		}
		if r.Key != c.key || r.MediaTypes[0] != c.media || r.SchemaPointer != c.pointer {
			t.Errorf("%s %s %d: %+v", c.method, c.path, c.status, r)
		}
		if _, err := v.Schema(r.SchemaPointer); err != nil {
			t.Errorf("%s %s %d: %v", c.method, c.path, c.status, err)
		}
	}
	for _, c := range []struct {
		method, path string
		status       int
	}{
		{"GET", "/v1/nope", 200},
		{"PUT", "/v1/environments/{id}", 200},
		{"GET", "/healthz", 500}, // no default response
	} {
		if r, err := v.FindResponse(c.method, c.path, c.status); err == nil {
			t.Errorf("%s %s %d: found %+v, want an error", c.method, c.path, c.status, r)
		}
	}
}

func TestValidateResponse(t *testing.T) {
	v := apitest.Validator(t)
	cases := []struct {
		name         string
		method, path string
		status       int
		contentType  string // "" skips the content type check
		body         string
		ok           bool
	}{
		{"operation", "GET", "/v1/operations/{id}", 200, "application/json", operation, true},
		{"accepted", "POST", "/v1/environments", 202, "application/json", operation, true},
		{"problem as default", "DELETE", "/v1/environments/{id}", 409, "application/problem+json", problem, true},
		{"problem instead of operation", "GET", "/v1/operations/{id}", 200, "", problem, false},
		{"operation with extra field", "GET", "/v1/operations/{id}", 200, "", strings.Replace(operation, `{`, `{"x":1,`, 1), false},
		{"not JSON", "GET", "/v1/operations/{id}", 200, "", `{"id":`, false},
		{"trailing data", "GET", "/v1/operations/{id}", 200, "", operation + `{}`, false},
		{"problem with JSON content type", "GET", "/v1/environments", 404, "application/json", problem, false},
		{"JSON with problem content type", "GET", "/v1/environments/{id}", 200, "application/problem+json", operation, false},
		{"yaml document", "GET", "/v1/openapi.yaml", 200, "application/yaml", "openapi: 3.1.0\n", true},
		{"metrics text", "GET", "/metrics", 200, "text/plain; version=0.0.4; charset=utf-8", "# HELP x\n", true},
		{"undocumented status", "GET", "/healthz", 404, "", problem, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rec := &recorder{TB: t}
			if c.contentType == "" {
				v.ValidateResponse(rec, c.method, c.path, c.status, []byte(c.body))
			} else {
				resp := &http.Response{StatusCode: c.status, Header: http.Header{"Content-Type": {c.contentType}}}
				v.CheckResponse(rec, c.method, c.path, resp, []byte(c.body))
			}
			if c.ok && len(rec.errs) > 0 {
				t.Errorf("valid response refused: %v", rec.errs)
			}
			if !c.ok && len(rec.errs) == 0 {
				t.Errorf("invalid response accepted")
			}
		})
	}
}
