package server_test

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/openclaw/terraform-provider-openclaw/internal/api"
)

// TestRequestBodies: bodies are decoded strictly, and every refusal is a
// problem naming what is wrong.
func TestRequestBodies(t *testing.T) {
	t.Parallel()
	c := start(t)
	env := c.createRunning(t, api.EnvironmentCreate{Name: uniqueName("bodies"), Region: "us-east"})
	big := `{"name":"big","region":"us-east","labels":{"a":"` + strings.Repeat("x", 1<<20) + `"}}`

	cases := []struct {
		name        string
		method      string
		body        string
		contentType string // "" keeps application/json; "-" sends none
		header      map[string]string
		status      int
		field       string // expected errors[].field, if any
		fields      []string
		detail      string // substring of the detail or of the field's message
	}{
		{name: "over 1 MiB", body: big, status: 413, detail: "exceeds 1048576 bytes"},
		{name: "over 1 MiB with an idempotency key", body: big, header: map[string]string{api.HeaderIdempotencyKey: "big-1"}, status: 413, detail: "exceeds"},
		{name: "unknown field", body: `{"name":"a","region":"us-east","colour":"red"}`, status: 400, field: "colour", detail: "unknown field"},
		{name: "read-only field", body: `{"name":"a","region":"us-east","status":"running"}`, status: 400, field: "status", detail: "read-only"},
		{name: "mistyped nested field", body: `{"name":"a","region":"us-east","size":{"cpus":"two","memory_mb":4096}}`, status: 400, field: "size.cpus", detail: "must be an integer"},
		{name: "mistyped top-level field", body: `{"name":"a","region":"us-east","deletion_protection":"yes"}`, status: 400, field: "deletion_protection", detail: "boolean"},
		// encoding/json reports map values by the map's path, not the key's.
		{name: "mistyped map value", body: `{"name":"a","region":"us-east","labels":{"team":7}}`, status: 400, field: "labels", detail: "must be a string, not number"},
		{name: "fractional integer", body: `{"name":"a","region":"us-east","state_volume_gb":10.5}`, status: 400, field: "state_volume_gb", detail: "integer"},
		{name: "invalid JSON", body: `{"name": "a", "region": }`, status: 400, detail: "not valid JSON"},
		{name: "truncated JSON", body: `{"name": "a"`, status: 400, detail: "ends in the middle"},
		{name: "trailing object", body: `{"name":"a","region":"us-east"} {}`, status: 400, detail: "after its JSON object"},
		{name: "trailing garbage", body: `{"name":"a","region":"us-east"}xyz`, status: 400, detail: "not valid JSON"},
		{name: "empty body", body: ``, status: 400, detail: "empty"},
		{name: "array instead of object", body: `[]`, status: 400, detail: "must be a JSON object"},
		{name: "unknown nested field", body: `{"name":"a","region":"us-east","size":{"cpus":2,"memory_mb":4096,"gpus":1}}`, status: 400, field: "size.gpus", detail: "unknown field"},
		{name: "null instead of object", body: `null`, status: 400, detail: "must be a JSON object, not null"},
		{name: "text/plain", body: `{"name":"a","region":"us-east"}`, contentType: "text/plain", status: 415, detail: "Content-Type"},
		{name: "form encoded", body: `name=a`, contentType: "application/x-www-form-urlencoded", status: 415, detail: "application/json"},
		{name: "malformed content type", body: `{}`, contentType: "application/", status: 415, detail: "not supported"},
		{name: "patch name", method: "PATCH", body: `{"name":"renamed"}`, status: 400, field: "name", detail: "cannot be changed"},
		{name: "patch region", method: "PATCH", body: `{"region":"eu-west"}`, status: 400, field: "region", detail: "cannot be changed"},
		{name: "patch power_state", method: "PATCH", body: `{"power_state":"off"}`, status: 400, field: "power_state", detail: "desired_state"},
		{name: "patch etag", method: "PATCH", body: `{"etag":"1"}`, status: 400, field: "etag", detail: "If-Match"},
		{name: "patch unknown", method: "PATCH", body: `{"colour":"red"}`, status: 400, field: "colour", detail: "unknown field"},
		{name: "patch nested field named like an immutable one", method: "PATCH", body: `{"size":{"cpus":2,"memory_mb":4096,"name":"x"}}`, status: 400, field: "size.name", detail: "unknown field"},
		{name: "patch null", method: "PATCH", body: `null`, status: 400, detail: "must be a JSON object, not null"},
		{name: "patch trailing data", method: "PATCH", body: `{}{}`, status: 400, detail: "after its JSON object"},
		{name: "patch empty body", method: "PATCH", body: ``, status: 400, detail: "empty"},
		{name: "patch wrong content type", method: "PATCH", body: `{}`, contentType: "text/yaml", status: 415, detail: "Content-Type"},
		{name: "json with charset accepted", body: `{"name":"` + uniqueName("charset") + `","region":"us-east"}`, contentType: "application/json; charset=utf-8", status: 202},
		{name: "+json media type accepted", method: "PATCH", body: `{}`, contentType: "application/merge-patch+json", status: 202},
		{name: "no content type", body: `{"name":"` + uniqueName("noct") + `","region":"us-east"}`, contentType: "-", status: 415, detail: "no Content-Type"},
		{name: "patch without content type", method: "PATCH", body: `{}`, contentType: "-", status: 415, detail: "Content-Type: application/json"},
		{name: "latin-1 charset", body: `{"name":"a","region":"us-east"}`, contentType: "application/json; charset=iso-8859-1", status: 415, detail: "UTF-8"},
		{name: "invalid UTF-8 in a string", body: "{\"name\":\"\xff(\",\"region\":\"us-east\"}", status: 400, field: "name", detail: "not valid UTF-8"},
		{name: "invalid UTF-8 in a label value", body: "{\"name\":\"a\",\"region\":\"us-east\",\"labels\":{\"team\":\"a\xc3\"}}", status: 400, field: "labels.team", detail: "not valid UTF-8"},
		{name: "invalid UTF-8 in a label key", body: "{\"name\":\"a\",\"region\":\"us-east\",\"labels\":{\"t\xe9am\":\"x\"}}", status: 400, field: "labels", detail: "key that is not valid UTF-8"},
		{name: "lone surrogate escape", body: `{"name":"a\ud800","region":"us-east"}`, status: 400, field: "name", detail: "not valid UTF-8"},
		{name: "surrogate pair accepted by the scan", body: `{"name":"a\ud83d\ude00","region":"us-east"}`, status: 400, field: "name", detail: "DNS label"},
		{name: "duplicate key", body: `{"name":"a","region":"us-east","name":"b"}`, status: 400, field: "name", detail: "appears twice"},
		{name: "duplicate key in another case", body: `{"name":"a","region":"us-east","NAME":"b"}`, status: 400, field: "NAME", detail: `"name" name the same field`},
		{name: "duplicate nested key", body: `{"name":"a","region":"us-east","size":{"cpus":2,"cpus":4,"memory_mb":4096}}`, status: 400, field: "size.cpus", detail: "appears twice"},
		{name: "duplicate label", body: `{"name":"a","region":"us-east","labels":{"team":"x","team":"y"}}`, status: 400, field: "labels.team", detail: "appears twice"},
		{name: "patch duplicate key", method: "PATCH", body: `{"labels":{},"labels":{"a":"b"}}`, status: 400, field: "labels", detail: "appears twice"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			method, path := http.MethodPost, "/v1/environments"
			if tc.method == "PATCH" {
				method, path = tc.method, "/v1/environments/"+env.ID
			}
			h := map[string]string{"Content-Type": tc.contentType}
			if tc.contentType == "" {
				h["Content-Type"] = "application/json"
			}
			if tc.contentType == "-" {
				h["Content-Type"] = ""
			}
			for k, v := range tc.header {
				h[k] = v
			}
			r := c.do(t, req{method: method, path: path, key: c.admin, body: tc.body, header: h})
			if tc.status < 400 {
				wantStatus(t, r, tc.status)
				return
			}
			p := wantProblem(t, r, tc.status, api.CodeInvalidArgument)
			text := p.Detail
			if tc.field != "" {
				tc.fields = []string{tc.field}
			}
			if tc.fields != nil {
				if got := fields(p); !slices.Equal(got, tc.fields) {
					t.Fatalf("errors[].field %v, want %v; body %s", got, tc.fields, r.body)
				}
				text = fieldMessage(p, tc.fields[0])
			}
			if !strings.Contains(text, tc.detail) {
				t.Errorf("%q does not mention %q", text, tc.detail)
			}
		})
	}
}

// TestCreateValidation: every rule of createEnvironment answers 400 naming
// the field by its JSON path, and several invalid fields are all reported.
func TestCreateValidation(t *testing.T) {
	t.Parallel()
	c := start(t)
	manyLabels := map[string]string{}
	for i := range 65 {
		manyLabels[fmt.Sprintf("k%d", i)] = "v"
	}
	valid := func(mut func(b map[string]any)) map[string]any {
		b := map[string]any{"name": "valid-name", "region": "us-east"}
		mut(b)
		return b
	}
	cases := []struct {
		name   string
		body   map[string]any
		fields []string
		msg    string // substring of the first field's message
	}{
		{"name missing", valid(func(b map[string]any) { delete(b, "name") }), []string{"name"}, "required"},
		{"name upper case", valid(func(b map[string]any) { b["name"] = "Prod" }), []string{"name"}, "DNS label"},
		{"name with underscore", valid(func(b map[string]any) { b["name"] = "my_env" }), []string{"name"}, "DNS label"},
		{"name starting with a digit", valid(func(b map[string]any) { b["name"] = "1env" }), []string{"name"}, "DNS label"},
		{"name ending with a hyphen", valid(func(b map[string]any) { b["name"] = "env-" }), []string{"name"}, "DNS label"},
		{"name of 41 characters", valid(func(b map[string]any) { b["name"] = strings.Repeat("a", 41) }), []string{"name"}, "at most 40"},
		{"name of 40 characters is fine", valid(func(b map[string]any) { b["name"] = strings.Repeat("a", 40); b["region"] = "nowhere" }), []string{"region"}, "unknown region"},
		{"region missing", valid(func(b map[string]any) { delete(b, "region") }), []string{"region"}, "required"},
		{"region unknown", valid(func(b map[string]any) { b["region"] = "mars-north" }), []string{"region"}, "unknown region"},
		{"region unavailable", valid(func(b map[string]any) { b["region"] = "sa-east" }), []string{"region"}, "not accepting"},
		{"version syntax", valid(func(b map[string]any) { b["openclaw_version"] = "v2026.11.3" }), []string{"openclaw_version"}, "not an OpenClaw version"},
		{"version month 13", valid(func(b map[string]any) { b["openclaw_version"] = "2026.13.1" }), []string{"openclaw_version"}, "not an OpenClaw version"},
		{"beta version on stable", valid(func(b map[string]any) { b["openclaw_version"] = "2026.12.0-beta.2" }), []string{"openclaw_version"}, "beta"},
		{"beta version on extended-stable", valid(func(b map[string]any) {
			b["openclaw_version"] = "2026.12.0-beta.2"
			b["release_channel"] = "extended-stable"
		}), []string{"openclaw_version"}, "beta"},
		{"release channel unknown", valid(func(b map[string]any) { b["release_channel"] = "nightly" }), []string{"release_channel"}, "must be one of"},
		{"cpus zero", valid(func(b map[string]any) { b["size"] = map[string]any{"cpus": 0, "memory_mb": 4096} }), []string{"size.cpus"}, "between 1 and 64"},
		{"cpus 65", valid(func(b map[string]any) { b["size"] = map[string]any{"cpus": 65, "memory_mb": 4096} }), []string{"size.cpus"}, "between 1 and 64"},
		{"memory below 1024", valid(func(b map[string]any) { b["size"] = map[string]any{"cpus": 2, "memory_mb": 768} }), []string{"size.memory_mb"}, "multiple of 256"},
		{"memory not a multiple of 256", valid(func(b map[string]any) { b["size"] = map[string]any{"cpus": 2, "memory_mb": 4000} }), []string{"size.memory_mb"}, "multiple of 256"},
		{"memory above 512 GiB", valid(func(b map[string]any) { b["size"] = map[string]any{"cpus": 2, "memory_mb": 524288 + 256} }), []string{"size.memory_mb"}, "multiple of 256"},
		{"size without fields", valid(func(b map[string]any) { b["size"] = map[string]any{} }), []string{"size.cpus", "size.memory_mb"}, "between 1 and 64"},
		{"state volume zero", valid(func(b map[string]any) { b["state_volume_gb"] = 0 }), []string{"state_volume_gb"}, "between 1 and 16384"},
		{"state volume too big", valid(func(b map[string]any) { b["state_volume_gb"] = 16385 }), []string{"state_volume_gb"}, "between 1 and 16384"},
		{"desired state unknown", valid(func(b map[string]any) { b["desired_state"] = "paused" }), []string{"desired_state"}, "must be"},
		{"label key with a space", valid(func(b map[string]any) { b["labels"] = map[string]string{"Bad Key": "x"} }), []string{"labels.Bad Key"}, "label keys"},
		{"label key starting with a digit", valid(func(b map[string]any) { b["labels"] = map[string]string{"1abc": "x"} }), []string{"labels.1abc"}, "label keys"},
		{"label key of 64 characters", valid(func(b map[string]any) { b["labels"] = map[string]string{strings.Repeat("k", 64): "x"} }), []string{"labels." + strings.Repeat("k", 64)}, "1-63"},
		{"label value too long", valid(func(b map[string]any) { b["labels"] = map[string]string{"team": strings.Repeat("v", 256)} }), []string{"labels.team"}, "at most 255"},
		{"too many labels", valid(func(b map[string]any) { b["labels"] = manyLabels }), []string{"labels"}, "at most 64"},
		{"secret name lower case", valid(func(b map[string]any) { b["secrets"] = map[string]string{"lower": "v"} }), []string{"secrets.lower"}, "environment variable names"},
		{"secret name starting with a digit", valid(func(b map[string]any) { b["secrets"] = map[string]string{"1KEY": "v"} }), []string{"secrets.1KEY"}, "environment variable names"},
		{"secret value empty", valid(func(b map[string]any) { b["secrets"] = map[string]string{"API_KEY": ""} }), []string{"secrets.API_KEY"}, "1 to"},
		{"secret value over 64 KiB", valid(func(b map[string]any) { b["secrets"] = map[string]string{"API_KEY": strings.Repeat("s", 64<<10+1)} }), []string{"secrets.API_KEY"}, "1 to"},
		{"everything wrong at once", map[string]any{
			"name": "Bad_Name", "region": "sa-east", "openclaw_version": "latest",
			"size": map[string]any{"cpus": 100, "memory_mb": 1000}, "state_volume_gb": -1, "desired_state": "on",
			"labels": map[string]string{"Bad Key": "x", "ok": "y"}, "secrets": map[string]string{"lower": "v", "GOOD": "v"},
		}, []string{"desired_state", "labels.Bad Key", "name", "openclaw_version", "region", "secrets.lower", "size.cpus", "size.memory_mb", "state_volume_gb"}, ""},
	}
	t.Run("rules", func(t *testing.T) {
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				t.Parallel()
				r := c.do(t, req{method: http.MethodPost, path: "/v1/environments", key: c.admin, body: tc.body})
				p := wantProblem(t, r, http.StatusBadRequest, api.CodeInvalidArgument)
				got := fields(p)
				want := slices.Sorted(slices.Values(tc.fields))
				if !slices.Equal(got, want) {
					t.Fatalf("errors[].field %v, want %v; body %s", got, want, r.body)
				}
				if tc.msg != "" && !strings.Contains(fieldMessage(p, tc.fields[0]), tc.msg) {
					t.Errorf("message for %s is %q, want it to mention %q", tc.fields[0], fieldMessage(p, tc.fields[0]), tc.msg)
				}
				if len(want) > 1 && !strings.Contains(p.Detail, fmt.Sprintf("%d invalid fields", len(want))) {
					t.Errorf("detail %q does not count the %d invalid fields", p.Detail, len(want))
				}
			})
		}
	})
	// No refused request created anything.
	r := c.get(t, c.admin, "/v1/environments")
	wantStatus(t, r, http.StatusOK)
	if list := decode[api.List[api.Environment]](t, r); len(list.Items) != 0 {
		t.Errorf("refused creates left %d environments", len(list.Items))
	}
}

// TestCreateDefaults: omitted optional fields take the documented defaults.
func TestCreateDefaults(t *testing.T) {
	t.Parallel()
	c := start(t)
	e := c.createRunning(t, api.EnvironmentCreate{Name: uniqueName("defaults"), Region: "eu-west"})
	want := api.Environment{
		ID: e.ID, Name: e.Name, Region: "eu-west", OpenClawVersion: "2026.11.3", ReleaseChannel: "stable",
		Size: api.Size{CPUs: 2, MemoryMB: 4096}, StateVolumeGB: 10, DesiredState: api.DesiredRunning,
		Labels: map[string]string{}, Secrets: []api.SecretInfo{}, Status: api.EnvStatusRunning, PowerState: api.PowerOn,
		GatewayURL: "http://" + e.Name + ".eu-west.openclaw.internal:18789", ETag: e.ETag, CreatedAt: e.CreatedAt, UpdatedAt: e.UpdatedAt,
	}
	if fmt.Sprintf("%+v", e) != fmt.Sprintf("%+v", want) {
		t.Errorf("defaults:\n got %+v\nwant %+v", e, want)
	}
	beta := c.createRunning(t, api.EnvironmentCreate{Name: uniqueName("beta"), Region: "us-east", ReleaseChannel: "beta"})
	if beta.OpenClawVersion != "2026.12.0-beta.2" {
		t.Errorf("beta channel default version %q", beta.OpenClawVersion)
	}
}
