package provider

import (
	"context"
	"encoding/json"
	"math/big"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/openclaw/terraform-provider-openclaw/internal/api"
)

// refreshFixture is the provider server configured against a canned
// control plane that knows one environment, with that environment's
// configuration and state as Terraform would send them.
type refreshFixture struct {
	server     tfprotov6.ProviderServer
	resource   tftypes.Object
	config     *tfprotov6.DynamicValue
	state      *tfprotov6.DynamicValue
	stateValue tftypes.Value
	stateJSON  []byte
	gets       atomic.Int64 // GETs of the environment
}

const benchEnvType = "openclaw_environment"

func newRefreshFixture(tb testing.TB) *refreshFixture {
	tb.Helper()
	ctx := context.Background()
	f := &refreshFixture{server: NewServer("bench")()}
	created := time.Date(2026, 11, 1, 9, 30, 0, 0, time.UTC)
	env, err := json.Marshal(api.Environment{
		ID: "env_bench", Name: "fleet-1", Region: "us-east", OpenClawVersion: "2026.11.3", ReleaseChannel: "stable",
		Size: api.Size{CPUs: 2, MemoryMB: 4096}, StateVolumeGB: 10, DesiredState: api.DesiredRunning,
		Labels: map[string]string{"fleet": "bench"}, Status: "running", PowerState: "on",
		GatewayURL: "http://fleet-1.us-east.openclaw.internal:18789", ETag: "3", CreatedAt: created, UpdatedAt: created,
	})
	if err != nil {
		tb.Fatal(err)
	}
	whoami, _ := json.Marshal(api.WhoAmI{KeyID: "key_1", Name: "bench", Prefix: "ocp_bench", Scopes: []string{"admin"}})
	token, _ := json.Marshal(api.GatewayToken{Token: "gw_bench"})
	cp := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch r.URL.Path {
		case "/v1/whoami":
			_, _ = w.Write(whoami)
		case "/v1/environments/env_bench":
			f.gets.Add(1)
			_, _ = w.Write(env)
		case "/v1/environments/env_bench/gateway-token":
			_, _ = w.Write(token)
		default:
			http.NotFound(w, r)
		}
	}))
	tb.Cleanup(cp.Close)

	schemas, err := f.server.GetProviderSchema(ctx, &tfprotov6.GetProviderSchemaRequest{})
	if err != nil || len(schemas.Diagnostics) > 0 {
		tb.Fatalf("GetProviderSchema: %v %v", err, schemas.Diagnostics)
	}
	providerCfg := objectWith(schemas.Provider.ValueType().(tftypes.Object), map[string]tftypes.Value{
		"endpoint": tftypes.NewValue(tftypes.String, cp.URL),
		"api_key":  tftypes.NewValue(tftypes.String, "ocp_bench_key"),
	})
	configured, err := f.server.ConfigureProvider(ctx, &tfprotov6.ConfigureProviderRequest{Config: dynamic(tb, providerCfg)})
	if err != nil || len(configured.Diagnostics) > 0 {
		tb.Fatalf("ConfigureProvider: %v %v", err, configured.Diagnostics)
	}

	f.resource = schemas.ResourceSchemas[benchEnvType].ValueType().(tftypes.Object)
	labels := tftypes.NewValue(tftypes.Map{ElementType: tftypes.String}, map[string]tftypes.Value{"fleet": tftypes.NewValue(tftypes.String, "bench")})
	cfg := objectWith(f.resource, map[string]tftypes.Value{
		"name":   tftypes.NewValue(tftypes.String, "fleet-1"),
		"region": tftypes.NewValue(tftypes.String, "us-east"),
		"labels": labels,
	})
	f.config = dynamic(tb, cfg)

	// The state Terraform holds after the create: what a read returns.
	imported := objectWith(f.resource, map[string]tftypes.Value{"id": tftypes.NewValue(tftypes.String, "env_bench"), "labels": labels})
	read, err := f.server.ReadResource(ctx, &tfprotov6.ReadResourceRequest{TypeName: benchEnvType, CurrentState: dynamic(tb, imported)})
	if err != nil || len(read.Diagnostics) > 0 {
		tb.Fatalf("ReadResource: %v %s", err, diagText(read.Diagnostics))
	}
	f.state = read.NewState
	if f.stateValue, err = read.NewState.Unmarshal(f.resource); err != nil {
		tb.Fatal(err)
	}
	if f.stateJSON, err = json.Marshal(jsonOf(f.stateValue)); err != nil {
		tb.Fatal(err)
	}
	return f
}

// refresh makes the four calls Terraform makes per resource in a
// refreshing plan, and reports whether the plan changes nothing.
func (f *refreshFixture) refresh(tb testing.TB) bool {
	ctx := context.Background()
	v, err := f.server.ValidateResourceConfig(ctx, &tfprotov6.ValidateResourceConfigRequest{TypeName: benchEnvType, Config: f.config})
	if err != nil || len(v.Diagnostics) > 0 {
		tb.Fatalf("ValidateResourceConfig: %v %v", err, v.Diagnostics)
	}
	u, err := f.server.UpgradeResourceState(ctx, &tfprotov6.UpgradeResourceStateRequest{TypeName: benchEnvType, RawState: &tfprotov6.RawState{JSON: f.stateJSON}})
	if err != nil || len(u.Diagnostics) > 0 {
		tb.Fatalf("UpgradeResourceState: %v %v", err, u.Diagnostics)
	}
	r, err := f.server.ReadResource(ctx, &tfprotov6.ReadResourceRequest{TypeName: benchEnvType, CurrentState: u.UpgradedState})
	if err != nil || len(r.Diagnostics) > 0 {
		tb.Fatalf("ReadResource: %v %s", err, diagText(r.Diagnostics))
	}
	// Unchanged configuration: Terraform proposes the refreshed state.
	p, err := f.server.PlanResourceChange(ctx, &tfprotov6.PlanResourceChangeRequest{
		TypeName: benchEnvType, PriorState: r.NewState, ProposedNewState: r.NewState, Config: f.config,
	})
	if err != nil || len(p.Diagnostics) > 0 {
		tb.Fatalf("PlanResourceChange: %v %v", err, p.Diagnostics)
	}
	planned, err := p.PlannedState.Unmarshal(f.resource)
	if err != nil {
		tb.Fatal(err)
	}
	return planned.Equal(f.stateValue) && len(p.RequiresReplace) == 0
}

// The fixture is a faithful refresh: nothing to change, nothing replaced.
func TestRefreshFixtureIsNoOp(t *testing.T) {
	f := newRefreshFixture(t)
	before := f.gets.Load()
	if !f.refresh(t) {
		t.Fatal("a refresh of an unchanged environment plans a change")
	}
	if n := f.gets.Load() - before; n != 1 {
		t.Errorf("a refresh made %d GETs of the environment, want 1", n)
	}
}

// BenchmarkRefreshRPCs is the provider's share of a refreshing plan, per
// environment: ValidateResourceConfig, UpgradeResourceState, ReadResource
// (one GET) and PlanResourceChange, without Terraform and gRPC.
func BenchmarkRefreshRPCs(b *testing.B) {
	f := newRefreshFixture(b)
	b.ReportAllocs()
	for b.Loop() {
		f.refresh(b)
	}
}

// objectWith is an object of typ with the given attributes and every other
// one null, as in a configuration that sets only those.
func objectWith(typ tftypes.Object, set map[string]tftypes.Value) tftypes.Value {
	vals := make(map[string]tftypes.Value, len(typ.AttributeTypes))
	for name, t := range typ.AttributeTypes {
		vals[name] = tftypes.NewValue(t, nil)
	}
	for name, v := range set {
		vals[name] = v
	}
	return tftypes.NewValue(typ, vals)
}

func dynamic(tb testing.TB, v tftypes.Value) *tfprotov6.DynamicValue {
	tb.Helper()
	dv, err := tfprotov6.NewDynamicValue(v.Type(), v)
	if err != nil {
		tb.Fatal(err)
	}
	return &dv
}

// jsonOf renders a value as Terraform's JSON state does.
func jsonOf(v tftypes.Value) any {
	if v.IsNull() {
		return nil
	}
	switch t := v.Type().(type) {
	case tftypes.Object, tftypes.Map:
		var m map[string]tftypes.Value
		_ = v.As(&m)
		out := make(map[string]any, len(m))
		for k, e := range m {
			out[k] = jsonOf(e)
		}
		return out
	case tftypes.Set, tftypes.List:
		var l []tftypes.Value
		_ = v.As(&l)
		out := make([]any, 0, len(l))
		for _, e := range l {
			out = append(out, jsonOf(e))
		}
		return out
	default:
		switch {
		case t.Is(tftypes.String):
			var s string
			_ = v.As(&s)
			return s
		case t.Is(tftypes.Bool):
			var b bool
			_ = v.As(&b)
			return b
		case t.Is(tftypes.Number):
			var n big.Float
			_ = v.As(&n)
			return json.Number(strings.TrimSuffix(n.Text('f', -1), ".0"))
		}
	}
	return nil
}

func diagText(diags []*tfprotov6.Diagnostic) string {
	var b strings.Builder
	for _, d := range diags {
		b.WriteString(d.Summary + ": " + d.Detail + "; ")
	}
	return b.String()
}
