package shared

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/openclaw/terraform-provider-openclaw/internal/api"
	"github.com/openclaw/terraform-provider-openclaw/internal/client"
)

func TestFieldsPath(t *testing.T) {
	f := Fields{Rename: map[string]string{"secrets": "secrets_wo"}, Maps: []string{"labels", "secrets_wo"}}
	cases := []struct {
		field string
		want  path.Path
		ok    bool
	}{
		{"name", path.Root("name"), true},
		{"size.cpus", path.Root("size").AtName("cpus"), true},
		{"capacity_fallback[0].gpu_type", path.Root("capacity_fallback").AtListIndex(0).AtName("gpu_type"), true},
		{"models[12].id", path.Root("models").AtListIndex(12).AtName("id"), true},
		{"models[1]", path.Root("models").AtListIndex(1), true},
		{"labels.team", path.Root("labels").AtMapKey("team"), true},
		// Label keys may contain dots and slashes: the rest is the key.
		{"labels.simulator.openclaw.dev/fail", path.Root("labels").AtMapKey("simulator.openclaw.dev/fail"), true},
		{"secrets.OPENAI_API_KEY", path.Root("secrets_wo").AtMapKey("OPENAI_API_KEY"), true},
		{"labels", path.Root("labels"), true},
		{"", path.Empty(), false},
		{"models[x].id", path.Empty(), false},
		{"models[-1]", path.Empty(), false},
		{"models[0", path.Empty(), false},
		{"size.", path.Empty(), false},
		{".size", path.Empty(), false},
		{"models[0]id", path.Empty(), false},
	}
	for _, tc := range cases {
		got, ok := f.Path(tc.field)
		if ok != tc.ok || !got.Equal(tc.want) {
			t.Errorf("Path(%q) = %s, %v; want %s, %v", tc.field, got, ok, tc.want, tc.ok)
		}
	}
}

func TestAddErrorPlacesFieldErrorsOnAttributes(t *testing.T) {
	err := &client.APIError{Problem: api.Problem{
		Status: 400, Code: api.CodeInvalidArgument, Detail: "2 invalid fields", RequestID: "req_1",
		Errors: []api.FieldError{
			{Field: "capacity_fallback[0].gpu_type", Message: "unknown GPU type \"x\""},
			{Field: "labels.team", Message: "label values are at most 255 characters"},
		},
	}}
	var diags diag.Diagnostics
	AddError(&diags, "create GPU pool \"p\"", err, Fields{Maps: []string{"labels"}})
	if len(diags) != 2 {
		t.Fatalf("%d diagnostics, want one per field: %v", len(diags), diags)
	}
	want := []path.Path{
		path.Root("capacity_fallback").AtListIndex(0).AtName("gpu_type"),
		path.Root("labels").AtMapKey("team"),
	}
	for i, d := range diags {
		wd, ok := d.(diag.DiagnosticWithPath)
		if !ok || !wd.Path().Equal(want[i]) {
			t.Errorf("diagnostic %d is on %v, want %s", i, d, want[i])
			continue
		}
		if d.Summary() != `Could not create GPU pool "p"` || !strings.Contains(d.Detail(), "req_1") {
			t.Errorf("diagnostic %d: %q / %q", i, d.Summary(), d.Detail())
		}
	}
}

func TestAddErrorWithoutFields(t *testing.T) {
	var diags diag.Diagnostics
	AddError(&diags, "read environment env_1", errors.New("connection refused"), Fields{})
	if len(diags) != 1 || diags[0].Summary() != "Could not read environment env_1" || diags[0].Detail() != "connection refused" {
		t.Errorf("diagnostics %v", diags)
	}
}

func nullMap() types.Map { return types.MapNull(types.StringType) }

func TestLabelsFromAPI(t *testing.T) {
	ctx := t.Context()
	null, _ := LabelsFromAPI(ctx, nil, nullMap(), true)
	if !null.IsNull() {
		t.Errorf("no labels with a null prior = %s, want null", null)
	}
	empty, _ := LabelsFromAPI(ctx, nil, nullMap(), false)
	if empty.IsNull() || len(empty.Elements()) != 0 {
		t.Errorf("no labels without keepNull = %s, want {}", empty)
	}
	some, _ := LabelsFromAPI(ctx, map[string]string{"team": "a"}, nullMap(), true)
	m, _ := StringMap(ctx, some)
	if m["team"] != "a" || len(m) != 1 {
		t.Errorf("labels round trip = %v", m)
	}
}

type fakeModel struct{ id string }

func (m *fakeModel) Identity() (id, name, etag string) { return m.id, "n", "1" }
func (m *fakeModel) TimeoutsValue() timeouts.Value     { return timeouts.Value{} }

// TestReadIntoSaysWhenTheResourceIsGone: a resource gone when read back
// after its change is an error that says so, not an empty result.
func TestReadIntoSaysWhenTheResourceIsGone(t *testing.T) {
	l := &Lifecycle[fakeModel, *fakeModel, api.Environment]{
		Noun: "environment",
		ReadAPI: func(context.Context, *client.Client, string) (*api.Environment, error) {
			return nil, fmt.Errorf("GET /v1/environments/env_1: %w", client.ErrNotFound)
		},
	}
	l.data = &ProviderData{}
	var diags diag.Diagnostics
	l.readInto(t.Context(), "env_1", "created", &fakeModel{}, &diags)
	if !diags.HasError() || diags[0].Summary() != "Environment disappeared" || !strings.Contains(diags[0].Detail(), "env_1 was created") {
		t.Errorf("diagnostics %v", diags)
	}
}
