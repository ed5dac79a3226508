package environment

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/openclaw/terraform-provider-openclaw/internal/api"
)

func sampleEnv() *api.Environment {
	created := time.Date(2026, 11, 1, 9, 30, 0, 123, time.UTC)
	return &api.Environment{
		ID: "env_1", Name: "prod", Region: "eu-central", OpenClawVersion: "2026.11.3", ReleaseChannel: "stable",
		Size: api.Size{CPUs: 4, MemoryMB: 8192}, StateVolumeGB: 50, DesiredState: "running",
		Labels: map[string]string{"team": "platform"}, DeletionProtection: true,
		Secrets: []api.SecretInfo{{Name: "OPENAI_API_KEY", Version: 1}, {Name: "ANTHROPIC_API_KEY", Version: 3}},
		Status:  "running", PowerState: "on", GatewayURL: "http://prod.eu-central.openclaw.internal:18789", ETag: "7",
		CreatedAt: created, UpdatedAt: created.Add(time.Hour),
	}
}

func sizeObj(cpus, mem int64) types.Object {
	return types.ObjectValueMust(sizeAttrTypes, map[string]attr.Value{"cpus": types.Int64Value(cpus), "memory_mb": types.Int64Value(mem)})
}

func TestFromAPI(t *testing.T) {
	ctx := context.Background()
	var m environmentModel
	m.Labels = types.MapNull(types.StringType)
	if d := m.fromAPI(ctx, sampleEnv(), true); d.HasError() {
		t.Fatal(d)
	}
	if !m.Size.Equal(sizeObj(4, 8192)) {
		t.Errorf("size = %v", m.Size)
	}
	if m.CreatedAt.ValueString() != "2026-11-01T09:30:00Z" || m.UpdatedAt.ValueString() != "2026-11-01T10:30:00Z" {
		t.Errorf("times = %s %s", m.CreatedAt, m.UpdatedAt)
	}
	var names []string
	m.SecretNames.ElementsAs(ctx, &names, false)
	if len(names) != 2 {
		t.Errorf("secret names = %v", names)
	}
	if m.Labels.IsNull() || len(m.Labels.Elements()) != 1 {
		t.Errorf("labels = %v", m.Labels)
	}
	if !m.DeletionProtection.ValueBool() || m.ETag.ValueString() != "7" || m.PowerState.ValueString() != "on" {
		t.Errorf("scalars wrong: %+v", m)
	}
}

func TestFromAPILabelsNullVersusEmpty(t *testing.T) {
	ctx := context.Background()
	env := sampleEnv()
	env.Labels = map[string]string{}

	// Config without labels: stays null, so no diff against "no labels".
	var resourceSide environmentModel
	resourceSide.Labels = types.MapNull(types.StringType)
	resourceSide.fromAPI(ctx, env, true)
	if !resourceSide.Labels.IsNull() {
		t.Errorf("null labels became %v", resourceSide.Labels)
	}
	// Config with labels = {}: stays an empty map.
	var explicit environmentModel
	explicit.Labels = types.MapValueMust(types.StringType, map[string]attr.Value{})
	explicit.fromAPI(ctx, env, true)
	if explicit.Labels.IsNull() || len(explicit.Labels.Elements()) != 0 {
		t.Errorf("empty labels became %v", explicit.Labels)
	}
	// Data sources always show a map.
	var ds environmentModel
	ds.fromAPI(ctx, env, false)
	if ds.Labels.IsNull() {
		t.Error("data source labels are null")
	}
}

func planFromEnv(t *testing.T, env *api.Environment) resourceModel {
	t.Helper()
	var m resourceModel
	m.Labels = types.MapNull(types.StringType)
	if d := m.fromAPI(context.Background(), env, true); d.HasError() {
		t.Fatal(d)
	}
	return m
}

func TestToCreate(t *testing.T) {
	ctx := context.Background()
	m := planFromEnv(t, sampleEnv())
	m.OpenClawVersion = types.StringUnknown() // left to the control plane
	req, d := m.toCreate(ctx, map[string]string{"ANTHROPIC_API_KEY": "sk"})
	if d.HasError() {
		t.Fatal(d)
	}
	b, _ := json.Marshal(req)
	want := `{"name":"prod","region":"eu-central","release_channel":"stable","size":{"cpus":4,"memory_mb":8192},"state_volume_gb":50,"desired_state":"running","labels":{"team":"platform"},"deletion_protection":true,"secrets":{"ANTHROPIC_API_KEY":"sk"}}`
	if string(b) != want {
		t.Errorf("create body\n got %s\nwant %s", b, want)
	}
	m.Labels = types.MapNull(types.StringType)
	req, _ = m.toCreate(ctx, nil)
	if req.Labels != nil || req.Secrets != nil {
		t.Errorf("empty labels/secrets are sent: %+v", req)
	}
}

func TestToUpdateSendsOnlyDifferences(t *testing.T) {
	ctx := context.Background()
	state := planFromEnv(t, sampleEnv())

	same := planFromEnv(t, sampleEnv())
	req, _ := same.toUpdate(ctx, &state, nil)
	if b, _ := json.Marshal(req); string(b) != `{}` {
		t.Errorf("no-op update sends %s", b)
	}

	plan := planFromEnv(t, sampleEnv())
	plan.Size = sizeObj(8, 16384)
	plan.DesiredState = types.StringValue("stopped")
	plan.Labels = types.MapNull(types.StringType) // labels removed from config
	req, _ = plan.toUpdate(ctx, &state, map[string]string{})
	b, _ := json.Marshal(req)
	want := `{"size":{"cpus":8,"memory_mb":16384},"desired_state":"stopped","labels":{},"secrets":{}}`
	if string(b) != want {
		t.Errorf("update body\n got %s\nwant %s", b, want)
	}
}

func TestAPIFieldPaths(t *testing.T) {
	for field, want := range map[string]string{
		"size.cpus":           "size.cpus",
		"labels.team":         `labels["team"]`,
		"labels.a.b/c":        `labels["a.b/c"]`,
		"secrets.OPENAI_KEY":  `secrets_wo["OPENAI_KEY"]`,
		"name":                "name",
		"deletion_protection": "deletion_protection",
	} {
		p, ok := apiFields.Path(field)
		if !ok || p.String() != want {
			t.Errorf("Path(%q) = %s, %v; want %s", field, p, ok, want)
		}
	}
	if _, ok := apiFields.Path(""); ok {
		t.Error("empty field has a path")
	}
}
