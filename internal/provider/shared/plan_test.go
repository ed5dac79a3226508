package shared

import (
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

func TestPlanUnchanged(t *testing.T) {
	s := schema.Schema{Attributes: map[string]schema.Attribute{
		"name":     schema.StringAttribute{Required: true},
		"status":   schema.StringAttribute{Computed: true},
		"estimate": schema.Float64Attribute{Computed: true},
	}}
	typ := s.Type().TerraformType(t.Context())
	obj := func(name, status any, estimate any) tftypes.Value {
		return tftypes.NewValue(typ, map[string]tftypes.Value{
			"name":     tftypes.NewValue(tftypes.String, name),
			"status":   tftypes.NewValue(tftypes.String, status),
			"estimate": tftypes.NewValue(tftypes.Number, estimate),
		})
	}
	null := tftypes.NewValue(typ, nil)
	cases := []struct {
		name        string
		plan, state tftypes.Value
		mustBeSet   []path.Path
		want        bool
	}{
		{"nothing changes", obj("a", "running", 1.5), obj("a", "running", 1.5), nil, true},
		{"a change", obj("b", "running", 1.5), obj("a", "running", 1.5), nil, false},
		{"an unknown", obj("a", tftypes.UnknownValue, 1.5), obj("a", "running", 1.5), nil, false},
		{"create", obj("a", "running", 1.5), null, nil, false},
		{"destroy", null, obj("a", "running", 1.5), nil, false},
		{"failed is retried", obj("a", "failed", 1.5), obj("a", "failed", 1.5), nil, false},
		{"a value still to compute", obj("a", "running", nil), obj("a", "running", nil), []path.Path{path.Root("estimate")}, false},
		{"that value set", obj("a", "running", 2.0), obj("a", "running", 2.0), []path.Path{path.Root("estimate")}, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			req := resource.ModifyPlanRequest{
				Plan:  tfsdk.Plan{Schema: s, Raw: tc.plan},
				State: tfsdk.State{Schema: s, Raw: tc.state},
			}
			if got := PlanUnchanged(t.Context(), req, "failed", tc.mustBeSet...); got != tc.want {
				t.Fatalf("PlanUnchanged = %v, want %v", got, tc.want)
			}
		})
	}
}
