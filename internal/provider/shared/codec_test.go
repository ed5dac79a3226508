package shared

import (
	"context"
	"reflect"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

var codecSizeTypes = map[string]attr.Type{"cpus": types.Int64Type}

type codecBase struct {
	ID     types.String `tfsdk:"id"`
	Labels types.Map    `tfsdk:"labels"`
}

type codecModel struct {
	codecBase
	Size     types.Object   `tfsdk:"size"`
	Names    types.Set      `tfsdk:"names"`
	On       types.Bool     `tfsdk:"on"`
	Ratio    types.Float64  `tfsdk:"ratio"`
	Timeouts timeouts.Value `tfsdk:"timeouts"`
	Note     string         `tfsdk:"-"` // not an attribute
}

// codecOdd has a field the codec leaves to the framework.
type codecOdd struct {
	codecBase
	Size     types.Object   `tfsdk:"size"`
	Names    []types.String `tfsdk:"names"`
	On       types.Bool     `tfsdk:"on"`
	Ratio    types.Float64  `tfsdk:"ratio"`
	Timeouts timeouts.Value `tfsdk:"timeouts"`
}

func codecSchema(ctx context.Context) schema.Schema {
	return schema.Schema{Attributes: map[string]schema.Attribute{
		"id":     schema.StringAttribute{Computed: true},
		"labels": schema.MapAttribute{Optional: true, ElementType: types.StringType},
		"size": schema.SingleNestedAttribute{Optional: true, Attributes: map[string]schema.Attribute{
			"cpus": schema.Int64Attribute{Optional: true},
		}},
		"names":    schema.SetAttribute{Computed: true, ElementType: types.StringType},
		"on":       schema.BoolAttribute{Optional: true},
		"ratio":    schema.Float64Attribute{Computed: true},
		"timeouts": timeouts.Attributes(ctx, timeouts.Opts{Create: true}),
	}}
}

func codecSamples(ctx context.Context, t *testing.T) []codecModel {
	t.Helper()
	var tmo codecModel
	// A timeouts value as the framework reads it from a configuration.
	s := tfsdk.State{Schema: codecSchema(ctx)}
	if d := s.Set(ctx, &codecModel{
		codecBase: codecBase{ID: types.StringNull(), Labels: types.MapNull(types.StringType)},
		Size:      types.ObjectNull(codecSizeTypes), Names: types.SetNull(types.StringType),
		Timeouts: timeouts.Value{Object: types.ObjectValueMust(map[string]attr.Type{"create": types.StringType},
			map[string]attr.Value{"create": types.StringValue("5m")})},
	}); d.HasError() {
		t.Fatal(d)
	}
	if d := s.Get(ctx, &tmo); d.HasError() {
		t.Fatal(d)
	}
	return []codecModel{
		{
			codecBase: codecBase{ID: types.StringValue("x_1"), Labels: types.MapValueMust(types.StringType, map[string]attr.Value{"a": types.StringValue("b")})},
			Size:      types.ObjectValueMust(codecSizeTypes, map[string]attr.Value{"cpus": types.Int64Value(4)}),
			Names:     types.SetValueMust(types.StringType, []attr.Value{types.StringValue("K1"), types.StringValue("K2")}),
			On:        types.BoolValue(true), Ratio: types.Float64Value(0.25),
			Timeouts: tmo.Timeouts,
		},
		{
			codecBase: codecBase{ID: types.StringUnknown(), Labels: types.MapNull(types.StringType)},
			Size:      types.ObjectUnknown(codecSizeTypes), Names: types.SetUnknown(types.StringType),
			On: types.BoolNull(), Ratio: types.Float64Unknown(),
			Timeouts: timeouts.Value{Object: types.ObjectNull(map[string]attr.Type{"create": types.StringType})},
		},
	}
}

// The codec must give exactly what the framework's Get and Set give.
func TestCodecMatchesFramework(t *testing.T) {
	ctx := context.Background()
	sch := codecSchema(ctx)
	if !CodecHandles[codecModel](ctx, tfsdk.State{Schema: sch}) {
		t.Fatal("the codec does not handle a model of attr.Value fields")
	}
	for i, m := range codecSamples(ctx, t) {
		framework, ours := tfsdk.State{Schema: sch}, tfsdk.State{Schema: sch}
		if d := framework.Set(ctx, &m); d.HasError() {
			t.Fatalf("sample %d: framework Set: %v", i, d)
		}
		if d := SetState(ctx, &ours, &m); d.HasError() {
			t.Fatalf("sample %d: SetState: %v", i, d)
		}
		if !ours.Raw.Equal(framework.Raw) {
			t.Errorf("sample %d: SetState = %v, framework = %v", i, ours.Raw, framework.Raw)
		}
		var want, got codecModel
		if d := framework.Get(ctx, &want); d.HasError() {
			t.Fatalf("sample %d: framework Get: %v", i, d)
		}
		if d := GetState(ctx, framework, &got); d.HasError() {
			t.Fatalf("sample %d: GetState: %v", i, d)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("sample %d: GetState = %+v, framework = %+v", i, got, want)
		}
	}
}

func TestCodecLeavesOtherModelsToFramework(t *testing.T) {
	ctx := context.Background()
	sch := codecSchema(ctx)
	if CodecHandles[codecOdd](ctx, tfsdk.State{Schema: sch}) {
		t.Error("a []types.String field must go the framework's way")
	}
	if CodecHandles[codecBase](ctx, tfsdk.State{Schema: sch}) {
		t.Error("a model missing attributes must go the framework's way")
	}
	// And the framework's way still works through GetState and SetState.
	m := codecSamples(ctx, t)[0]
	odd := codecOdd{codecBase: m.codecBase, Size: m.Size, Names: []types.String{types.StringValue("K1")}, On: m.On, Ratio: m.Ratio, Timeouts: m.Timeouts}
	s := tfsdk.State{Schema: sch}
	if d := SetState(ctx, &s, &odd); d.HasError() {
		t.Fatal(d)
	}
	var back codecOdd
	if d := GetState(ctx, s, &back); d.HasError() || len(back.Names) != 1 {
		t.Fatalf("round trip through the framework: %v %+v", d, back)
	}
}

// A value of the wrong type gets the framework's error, which names the
// attribute.
func TestCodecWrongTypeGetsFrameworkError(t *testing.T) {
	ctx := context.Background()
	m := codecSamples(ctx, t)[0]
	m.Size = types.ObjectValueMust(map[string]attr.Type{"other": types.StringType}, map[string]attr.Value{"other": types.StringValue("x")})
	s := tfsdk.State{Schema: codecSchema(ctx)}
	d := SetState(ctx, &s, &m)
	if !d.HasError() || !strings.Contains(d[0].Detail(), "size") {
		t.Fatalf("diagnostics = %v, want the framework's error naming size", d)
	}
}
