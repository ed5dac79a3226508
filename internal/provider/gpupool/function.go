package gpupool

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/function"

	"github.com/openclaw/terraform-provider-openclaw/internal/api"
	"github.com/openclaw/terraform-provider-openclaw/internal/gpucatalog"
)

var _ function.Function = (*MonthlyCostFunction)(nil)

// MonthlyCostFunction is provider::openclaw::gpu_monthly_cost.
type MonthlyCostFunction struct{}

// NewMonthlyCostFunction is the factory the provider registers.
func NewMonthlyCostFunction() function.Function { return &MonthlyCostFunction{} }

func (f *MonthlyCostFunction) Metadata(_ context.Context, _ function.MetadataRequest, resp *function.MetadataResponse) {
	resp.Name = "gpu_monthly_cost"
}

func (f *MonthlyCostFunction) Definition(_ context.Context, _ function.DefinitionRequest, resp *function.DefinitionResponse) {
	resp.Definition = function.Definition{
		Summary: "Monthly cost in USD of GPUs used some hours a week",
		MarkdownDescription: "Prices `gpus` GPUs of `gpu_type` in `region` running `hours_per_week` hours a week, over an average month (52/12 weeks), with the provider's built-in default price list. " +
			"It needs no control plane, so module authors can budget in `locals`, `validation` blocks and outputs; a control plane whose operator replaced the GPU catalog may price differently (read live prices with the `openclaw_gpu_types` data source).",
		Parameters: []function.Parameter{
			function.StringParameter{Name: "gpu_type", MarkdownDescription: "GPU type, for example `nvidia-l4`."},
			function.StringParameter{Name: "region", MarkdownDescription: "Region, for example `eu-central`."},
			function.StringParameter{Name: "capacity_type", MarkdownDescription: "`on_demand` or `spot`."},
			function.Int64Parameter{Name: "gpus", MarkdownDescription: "Number of GPUs (nodes × gpus_per_node), 0 or more."},
			function.Float64Parameter{Name: "hours_per_week", MarkdownDescription: "Hours a week the GPUs run, 0 to 168 (168 is always on; 50 is 10 hours on weekdays)."},
		},
		Return: function.Float64Return{},
	}
}

func (f *MonthlyCostFunction) Run(ctx context.Context, req function.RunRequest, resp *function.RunResponse) {
	var (
		gpuType, region, capacityType string
		gpus                          int64
		hours                         float64
	)
	resp.Error = function.ConcatFuncErrors(resp.Error, req.Arguments.Get(ctx, &gpuType, &region, &capacityType, &gpus, &hours))
	if resp.Error != nil {
		return
	}
	cost, argErr := monthlyCost(gpucatalog.Default(), gpuType, region, capacityType, gpus, hours)
	if argErr != nil {
		resp.Error = argErr
		return
	}
	resp.Error = resp.Result.Set(ctx, cost)
}

// monthlyCost returns the cost or an error naming the argument at fault.
func monthlyCost(cat gpucatalog.Catalog, gpuType, region, capacityType string, gpus int64, hours float64) (float64, *function.FuncError) {
	t, ok := cat.Type(gpuType)
	if !ok {
		ids := make([]string, 0, len(cat.Types))
		for _, t := range cat.Types {
			ids = append(ids, t.ID)
		}
		return 0, function.NewArgumentFuncError(0, fmt.Sprintf("unknown GPU type %q; known types: %s", gpuType, strings.Join(ids, ", ")))
	}
	if !slices.Contains(api.CapacityTypes, capacityType) {
		return 0, function.NewArgumentFuncError(2, fmt.Sprintf("capacity_type must be on_demand or spot, got %q", capacityType))
	}
	if gpus < 0 {
		return 0, function.NewArgumentFuncError(3, fmt.Sprintf("gpus must not be negative, got %d", gpus))
	}
	if hours < 0 || hours > 168 {
		return 0, function.NewArgumentFuncError(4, fmt.Sprintf("hours_per_week must be between 0 and 168 (a week has 168 hours), got %v", hours))
	}
	price, ok := cat.Price(gpuType, region, capacityType)
	if !ok {
		var where []string
		for _, o := range t.Regions {
			where = append(where, o.Region)
		}
		return 0, function.NewArgumentFuncError(1, fmt.Sprintf("%s is not offered in %q; it is offered in %s", gpuType, region, strings.Join(where, ", ")))
	}
	return gpucatalog.Cost(price * float64(gpus) * hours * gpucatalog.WeeksPerMonth), nil
}
