package schedule

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/function"
	"github.com/hashicorp/terraform-plugin-framework/types"

	sched "github.com/openclaw/terraform-provider-openclaw/internal/schedule"
)

var _ function.Function = (*HoursPerWeekFunction)(nil)

// HoursPerWeekFunction is provider::openclaw::schedule_hours_per_week.
type HoursPerWeekFunction struct{}

// NewHoursPerWeekFunction is the factory the provider registers.
func NewHoursPerWeekFunction() function.Function { return &HoursPerWeekFunction{} }

func (f *HoursPerWeekFunction) Metadata(_ context.Context, _ function.MetadataRequest, resp *function.MetadataResponse) {
	resp.Name = "schedule_hours_per_week"
}

func (f *HoursPerWeekFunction) Definition(_ context.Context, _ function.DefinitionRequest, resp *function.DefinitionResponse) {
	resp.Definition = function.Definition{
		Summary: "Running hours per week of shutdown schedule windows",
		MarkdownDescription: "Returns the running hours of a nominal week for a list of windows (`{ days, start, stop }`, as in `openclaw_shutdown_schedule`): " +
			"overlapping and adjacent windows count once, overnight windows run into the next day. The same figure the resource's `running_hours_per_week` reports, " +
			"computed by the same code, so a module can assert a budget in a `validation` or `precondition` block. It needs no control plane.",
		Parameters: []function.Parameter{
			function.ListParameter{
				Name:                "windows",
				ElementType:         types.ObjectType{AttrTypes: map[string]attr.Type{"days": types.ListType{ElemType: types.StringType}, "start": types.StringType, "stop": types.StringType}},
				MarkdownDescription: "Running windows, for example `[{ days = [\"mon\", \"tue\", \"wed\", \"thu\", \"fri\"], start = \"08:00\", stop = \"19:00\" }]`.",
			},
		},
		Return: function.Float64Return{},
	}
}

type fnWindow struct {
	Days  []string `tfsdk:"days"`
	Start string   `tfsdk:"start"`
	Stop  string   `tfsdk:"stop"`
}

func (f *HoursPerWeekFunction) Run(ctx context.Context, req function.RunRequest, resp *function.RunResponse) {
	var ws []fnWindow
	resp.Error = function.ConcatFuncErrors(resp.Error, req.Arguments.Get(ctx, &ws))
	if resp.Error != nil {
		return
	}
	in := make([]sched.Window, len(ws))
	for i, w := range ws {
		in[i] = sched.Window(w)
	}
	hours, err := sched.WindowHours(in)
	if err != nil {
		resp.Error = function.NewArgumentFuncError(0, err.Error())
		return
	}
	resp.Error = resp.Result.Set(ctx, hours)
}
