package environment

import (
	"context"
	"reflect"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/openclaw/terraform-provider-openclaw/internal/api"
	"github.com/openclaw/terraform-provider-openclaw/internal/provider/shared"
)

func emptyState(ctx context.Context) tfsdk.State {
	var sr resource.SchemaResponse
	NewResource().(*Resource).Schema(ctx, resource.SchemaRequest{}, &sr)
	return tfsdk.State{Schema: sr.Schema}
}

// sampleModel is an environment's model as a refresh holds it.
func sampleModel(ctx context.Context, t testing.TB, env *api.Environment) resourceModel {
	t.Helper()
	var m resourceModel
	m.Labels = types.MapNull(types.StringType)
	m.GatewayToken = types.StringValue("tok")
	if d := m.fromAPI(ctx, env, true); d.HasError() {
		t.Fatal(d)
	}
	if d := m.snapshotsFromAPI(env); d.HasError() {
		t.Fatal(d)
	}
	m.SecretsWO = types.MapNull(types.StringType)
	m.SecretsWOVersion = types.Int64Value(2)
	m.Timeouts.Object = types.ObjectNull(map[string]attr.Type{"create": types.StringType, "update": types.StringType, "delete": types.StringType})
	return m
}

// Refresh reads and writes this model for every environment: the codec
// must handle it, and give what the framework gives.
func TestStateCodecMatchesFramework(t *testing.T) {
	ctx := context.Background()
	empty := emptyState(ctx)
	if !shared.CodecHandles[resourceModel](ctx, empty) {
		t.Fatal("the state codec does not handle resourceModel: every refresh goes through the framework's reflection")
	}

	withSnapshots := sampleEnv()
	withSnapshots.RestoreFrom = &api.RestoreFrom{SnapshotID: "snap_1", IncludeCredentials: true}
	withSnapshots.FinalSnapshot = &api.FinalSnapshot{Enabled: true, RetentionDays: 7}
	noLabels := sampleEnv()
	noLabels.Labels = nil
	for _, env := range []*api.Environment{sampleEnv(), withSnapshots, noLabels} {
		m := sampleModel(ctx, t, env)
		framework, ours := empty, empty
		if d := framework.Set(ctx, &m); d.HasError() {
			t.Fatal(d)
		}
		if d := shared.SetState(ctx, &ours, &m); d.HasError() {
			t.Fatal(d)
		}
		if !ours.Raw.Equal(framework.Raw) {
			t.Fatalf("SetState = %v\nframework = %v", ours.Raw, framework.Raw)
		}
		var want, got resourceModel
		if d := framework.Get(ctx, &want); d.HasError() {
			t.Fatal(d)
		}
		if d := shared.GetState(ctx, framework, &got); d.HasError() {
			t.Fatal(d)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("GetState = %+v\nframework = %+v", got, want)
		}
	}
}

// BenchmarkStateGetSet is Read's conversions of one environment: the
// framework's reflection against the codec.
func BenchmarkStateGetSet(b *testing.B) {
	ctx := context.Background()
	m := sampleModel(ctx, b, sampleEnv())
	state := emptyState(ctx)
	if d := state.Set(ctx, &m); d.HasError() {
		b.Fatal(d)
	}
	conversions := map[string]struct {
		get func(tfsdk.State, *resourceModel) diag.Diagnostics
		set func(*tfsdk.State, *resourceModel) diag.Diagnostics
	}{
		"framework": {
			get: func(s tfsdk.State, m *resourceModel) diag.Diagnostics { return s.Get(ctx, m) },
			set: func(s *tfsdk.State, m *resourceModel) diag.Diagnostics { return s.Set(ctx, m) },
		},
		"codec": {
			get: func(s tfsdk.State, m *resourceModel) diag.Diagnostics { return shared.GetState(ctx, s, m) },
			set: func(s *tfsdk.State, m *resourceModel) diag.Diagnostics { return shared.SetState(ctx, s, m) },
		},
	}
	for name, conv := range conversions {
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				var got resourceModel
				out := state
				if d := append(conv.get(state, &got), conv.set(&out, &got)...); d.HasError() {
					b.Fatal(d)
				}
			}
		})
	}
}
