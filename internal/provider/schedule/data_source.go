package schedule

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework-validators/datasourcevalidator"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/openclaw/terraform-provider-openclaw/internal/api"
	"github.com/openclaw/terraform-provider-openclaw/internal/client"
	"github.com/openclaw/terraform-provider-openclaw/internal/provider/shared"
)

var (
	_ datasource.DataSourceWithConfigure        = (*DataSource)(nil)
	_ datasource.DataSourceWithConfigValidators = (*DataSource)(nil)
)

// DataSource is the openclaw_shutdown_schedule data source.
type DataSource struct {
	shared.Lookup[scheduleModel, api.ShutdownSchedule]
}

// NewDataSource is the factory the provider registers.
func NewDataSource() datasource.DataSource {
	return &DataSource{shared.Lookup[scheduleModel, api.ShutdownSchedule]{
		DataSourceBase: shared.DataSourceBase{TypeName: "_shutdown_schedule"},
		ID:             func(m *scheduleModel) types.String { return m.ID },
		ByID: func(ctx context.Context, c *client.Client, id string) (*api.ShutdownSchedule, string, error) {
			s, err := c.GetShutdownSchedule(ctx, id)
			return s, fmt.Sprintf("read shutdown schedule %s", id), err
		},
		ByKey: func(ctx context.Context, c *client.Client, m *scheduleModel) (*api.ShutdownSchedule, string, error) {
			envID := m.EnvironmentID.ValueString()
			s, err := c.FindShutdownScheduleOf(ctx, envID)
			return s, fmt.Sprintf("find the shutdown schedule of environment %s", envID), err
		},
		FromAPI: func(ctx context.Context, m *scheduleModel, s *api.ShutdownSchedule) diag.Diagnostics {
			// Everything is computed here: lists as the control plane has them.
			m.Windows, m.Exceptions = types.ListValueMust(windowType, nil), types.ListValueMust(exceptionType, nil)
			return m.fromAPI(ctx, s)
		},
	}}
}

func (d *DataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	str := func(k string) schema.Attribute {
		return schema.StringAttribute{Computed: true, MarkdownDescription: desc[k]}
	}
	resp.Schema = schema.Schema{
		MarkdownDescription: "Reads the shutdown schedule of an environment (or one schedule by ID) with what the control plane computes of it: " +
			"`power_now`, `next_transitions`, `running_hours_per_week`, `estimated_monthly_savings` and `last_run`, for dashboards and outputs.",
		Attributes: map[string]schema.Attribute{
			"id":             schema.StringAttribute{Optional: true, Computed: true, MarkdownDescription: "ID of the schedule. Exactly one of `id` and `environment_id`."},
			"environment_id": schema.StringAttribute{Optional: true, Computed: true, MarkdownDescription: "The environment whose schedule to read (an environment has at most one). Exactly one of `id` and `environment_id`."},
			"name":           str("name"),
			"description":    str("description"),
			"enabled":        schema.BoolAttribute{Computed: true, MarkdownDescription: desc["enabled"]},
			"time_zone":      str("time_zone"),
			"windows": schema.ListNestedAttribute{Computed: true, MarkdownDescription: desc["windows"], NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
				"days":  schema.ListAttribute{Computed: true, ElementType: types.StringType, MarkdownDescription: desc["window_days"]},
				"start": str("window_start"),
				"stop":  str("window_stop"),
			}}},
			"start_cron": str("start_cron"),
			"stop_cron":  str("stop_cron"),
			"exceptions": schema.ListNestedAttribute{Computed: true, MarkdownDescription: desc["exceptions"], NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
				"from":   str("exc_from"),
				"until":  str("exc_until"),
				"state":  str("exc_state"),
				"reason": str("exc_reason"),
			}}},
			"enforcement":   str("enforcement"),
			"drain_timeout": str("drain_timeout"),
			"power_now":     str("power_now"),
			"next_transitions": schema.ListNestedAttribute{Computed: true, MarkdownDescription: desc["next_transitions"], NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
				"at":     str("transition_at"),
				"action": str("transition_action"),
			}}},
			"running_hours_per_week":    schema.Float64Attribute{Computed: true, MarkdownDescription: desc["running_hours_per_week"]},
			"estimated_monthly_savings": schema.Float64Attribute{Computed: true, MarkdownDescription: desc["estimated_monthly_savings"]},
			"last_run": schema.SingleNestedAttribute{Computed: true, MarkdownDescription: desc["last_run"], Attributes: map[string]schema.Attribute{
				"at":           str("run_at"),
				"action":       str("run_action"),
				"outcome":      str("run_outcome"),
				"operation_id": str("run_operation_id"),
			}},
			"etag":       str("etag"),
			"created_at": str("created_at"),
		},
	}
}

func (d *DataSource) ConfigValidators(context.Context) []datasource.ConfigValidator {
	return []datasource.ConfigValidator{datasourcevalidator.ExactlyOneOf(path.MatchRoot("id"), path.MatchRoot("environment_id"))}
}
