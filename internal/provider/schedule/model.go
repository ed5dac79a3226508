// Package schedule implements openclaw_shutdown_schedule, its data source
// and the schedule_hours_per_week function.
package schedule

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/openclaw/terraform-provider-openclaw/internal/api"
	"github.com/openclaw/terraform-provider-openclaw/internal/provider/shared"
	sched "github.com/openclaw/terraform-provider-openclaw/internal/schedule"
)

var (
	windowAttrTypes     = map[string]attr.Type{"days": types.ListType{ElemType: types.StringType}, "start": types.StringType, "stop": types.StringType}
	exceptionAttrTypes  = map[string]attr.Type{"from": types.StringType, "until": types.StringType, "state": types.StringType, "reason": types.StringType}
	transitionAttrTypes = map[string]attr.Type{"at": types.StringType, "action": types.StringType}
	lastRunAttrTypes    = map[string]attr.Type{"at": types.StringType, "action": types.StringType, "outcome": types.StringType, "operation_id": types.StringType}

	windowType     = types.ObjectType{AttrTypes: windowAttrTypes}
	exceptionType  = types.ObjectType{AttrTypes: exceptionAttrTypes}
	transitionType = types.ObjectType{AttrTypes: transitionAttrTypes}
)

type windowModel struct {
	Days  []types.String `tfsdk:"days"`
	Start types.String   `tfsdk:"start"`
	Stop  types.String   `tfsdk:"stop"`
}

type exceptionModel struct {
	From   types.String `tfsdk:"from"`
	Until  types.String `tfsdk:"until"`
	State  types.String `tfsdk:"state"`
	Reason types.String `tfsdk:"reason"`
}

type transitionModel struct {
	At     types.String `tfsdk:"at"`
	Action types.String `tfsdk:"action"`
}

type lastRunModel struct {
	At          types.String `tfsdk:"at"`
	Action      types.String `tfsdk:"action"`
	Outcome     types.String `tfsdk:"outcome"`
	OperationID types.String `tfsdk:"operation_id"`
}

// scheduleModel holds the attributes the resource and the data source share.
type scheduleModel struct {
	ID                      types.String  `tfsdk:"id"`
	Name                    types.String  `tfsdk:"name"`
	EnvironmentID           types.String  `tfsdk:"environment_id"`
	Description             types.String  `tfsdk:"description"`
	Enabled                 types.Bool    `tfsdk:"enabled"`
	TimeZone                types.String  `tfsdk:"time_zone"`
	Windows                 types.List    `tfsdk:"windows"`
	StartCron               types.String  `tfsdk:"start_cron"`
	StopCron                types.String  `tfsdk:"stop_cron"`
	Exceptions              types.List    `tfsdk:"exceptions"`
	Enforcement             types.String  `tfsdk:"enforcement"`
	DrainTimeout            types.String  `tfsdk:"drain_timeout"`
	PowerNow                types.String  `tfsdk:"power_now"`
	NextTransitions         types.List    `tfsdk:"next_transitions"`
	RunningHoursPerWeek     types.Float64 `tfsdk:"running_hours_per_week"`
	EstimatedMonthlySavings types.Float64 `tfsdk:"estimated_monthly_savings"`
	LastRun                 types.Object  `tfsdk:"last_run"`
	ETag                    types.String  `tfsdk:"etag"`
	CreatedAt               types.String  `tfsdk:"created_at"`
}

// resourceModel is openclaw_shutdown_schedule's full model.
type resourceModel struct {
	scheduleModel
	Timeouts timeouts.Value `tfsdk:"timeouts"`
}

// Identity and TimeoutsValue make resourceModel a shared.Model.
func (m *resourceModel) Identity() (id, name, etag string) {
	return m.ID.ValueString(), m.Name.ValueString(), m.ETag.ValueString()
}

func (m *resourceModel) TimeoutsValue() timeouts.Value { return m.Timeouts }

func stringOrNull(s string) types.String {
	if s == "" {
		return types.StringNull()
	}
	return types.StringValue(s)
}

// fromAPI sets every attribute from the API. Lists the configuration left
// out (null) stay null when the API has none, so values echo as written.
func (m *scheduleModel) fromAPI(ctx context.Context, s *api.ShutdownSchedule) diag.Diagnostics {
	var diags diag.Diagnostics
	m.ID = types.StringValue(s.ID)
	m.Name = types.StringValue(s.Name)
	m.EnvironmentID = types.StringValue(s.EnvironmentID)
	m.Description = types.StringValue(s.Description)
	m.Enabled = types.BoolValue(s.Enabled)
	m.TimeZone = types.StringValue(s.TimeZone)
	m.StartCron = stringOrNull(s.StartCron)
	m.StopCron = stringOrNull(s.StopCron)
	m.Enforcement = types.StringValue(s.Enforcement)
	m.DrainTimeout = types.StringValue(s.DrainTimeout)
	m.PowerNow = types.StringValue(s.PowerNow)
	m.RunningHoursPerWeek = types.Float64Value(s.RunningHoursPerWeek)
	m.EstimatedMonthlySavings = types.Float64Value(s.EstimatedMonthlySavings)
	m.ETag = types.StringValue(s.ETag)
	m.CreatedAt = shared.Timestamp(s.CreatedAt)

	if len(s.Windows) == 0 && m.Windows.IsNull() {
		m.Windows = types.ListNull(windowType)
	} else {
		ws := make([]windowModel, len(s.Windows))
		for i, w := range s.Windows {
			days := make([]types.String, len(w.Days))
			for j, d := range w.Days {
				days[j] = types.StringValue(d)
			}
			ws[i] = windowModel{Days: days, Start: types.StringValue(w.Start), Stop: types.StringValue(w.Stop)}
		}
		v, d := types.ListValueFrom(ctx, windowType, ws)
		diags.Append(d...)
		m.Windows = v
	}
	if len(s.Exceptions) == 0 && m.Exceptions.IsNull() {
		m.Exceptions = types.ListNull(exceptionType)
	} else {
		es := make([]exceptionModel, len(s.Exceptions))
		for i, e := range s.Exceptions {
			es[i] = exceptionModel{From: types.StringValue(e.From), Until: types.StringValue(e.Until), State: types.StringValue(e.State), Reason: stringOrNull(e.Reason)}
		}
		v, d := types.ListValueFrom(ctx, exceptionType, es)
		diags.Append(d...)
		m.Exceptions = v
	}
	ts := make([]transitionModel, len(s.NextTransitions))
	for i, tr := range s.NextTransitions {
		ts[i] = transitionModel{At: shared.Timestamp(tr.At), Action: types.StringValue(tr.Action)}
	}
	v, d := types.ListValueFrom(ctx, transitionType, ts)
	diags.Append(d...)
	m.NextTransitions = v
	if s.LastRun == nil {
		m.LastRun = types.ObjectNull(lastRunAttrTypes)
	} else {
		o, d := types.ObjectValueFrom(ctx, lastRunAttrTypes, lastRunModel{
			At: shared.Timestamp(s.LastRun.At), Action: types.StringValue(s.LastRun.Action),
			Outcome: types.StringValue(s.LastRun.Outcome), OperationID: stringOrNull(s.LastRun.OperationID),
		})
		diags.Append(d...)
		m.LastRun = o
	}
	return diags
}

// timetable reads the schedule's timing from the model; ok is false while
// any of it is unknown (values from other resources at plan time).
func (m *scheduleModel) timetable(ctx context.Context) (sched.Spec, bool, diag.Diagnostics) {
	var diags diag.Diagnostics
	spec := sched.Spec{TimeZone: m.TimeZone.ValueString(), StartCron: m.StartCron.ValueString(), StopCron: m.StopCron.ValueString()}
	if m.TimeZone.IsUnknown() || m.StartCron.IsUnknown() || m.StopCron.IsUnknown() || m.Windows.IsUnknown() || m.Exceptions.IsUnknown() {
		return spec, false, nil
	}
	ws, ok, d := windowsOf(ctx, m.Windows)
	diags.Append(d...)
	if !ok {
		return spec, false, diags
	}
	spec.Windows = ws
	if !m.Exceptions.IsNull() {
		var es []exceptionModel
		diags.Append(m.Exceptions.ElementsAs(ctx, &es, false)...)
		for _, e := range es {
			if e.From.IsUnknown() || e.Until.IsUnknown() || e.State.IsUnknown() || e.Reason.IsUnknown() {
				return spec, false, diags
			}
			spec.Exceptions = append(spec.Exceptions, sched.Exception{From: e.From.ValueString(), Until: e.Until.ValueString(), State: e.State.ValueString(), Reason: e.Reason.ValueString()})
		}
	}
	return spec, !diags.HasError(), diags
}

// windowsOf converts a windows list; ok is false while any part is unknown.
func windowsOf(ctx context.Context, l types.List) ([]sched.Window, bool, diag.Diagnostics) {
	if l.IsNull() {
		return nil, true, nil
	}
	if l.IsUnknown() {
		return nil, false, nil
	}
	var ws []windowModel
	diags := l.ElementsAs(ctx, &ws, false)
	if diags.HasError() {
		return nil, false, diags
	}
	out := make([]sched.Window, 0, len(ws))
	for _, w := range ws {
		if w.Start.IsUnknown() || w.Stop.IsUnknown() || w.Days == nil {
			return nil, false, diags
		}
		sw := sched.Window{Start: w.Start.ValueString(), Stop: w.Stop.ValueString()}
		for _, d := range w.Days {
			if d.IsUnknown() {
				return nil, false, diags
			}
			sw.Days = append(sw.Days, d.ValueString())
		}
		out = append(out, sw)
	}
	return out, true, diags
}

// toCreate is the API body for the planned schedule.
func (m *scheduleModel) toCreate(ctx context.Context) (api.ShutdownScheduleCreate, diag.Diagnostics) {
	spec, _, diags := m.timetable(ctx)
	return api.ShutdownScheduleCreate{
		Name: m.Name.ValueString(), EnvironmentID: m.EnvironmentID.ValueString(), Description: m.Description.ValueString(),
		Enabled: m.Enabled.ValueBoolPointer(), TimeZone: spec.TimeZone, Windows: apiWindows(spec.Windows),
		StartCron: spec.StartCron, StopCron: spec.StopCron, Exceptions: apiExceptions(spec.Exceptions),
		Enforcement: m.Enforcement.ValueString(), DrainTimeout: m.DrainTimeout.ValueString(),
	}, diags
}

// toUpdate sends every configurable field: the plan is the whole truth, so
// switching between windows and cron clears the other form.
func (m *scheduleModel) toUpdate(ctx context.Context) (api.ShutdownScheduleUpdate, diag.Diagnostics) {
	c, diags := m.toCreate(ctx)
	ws, es := orEmpty(c.Windows), orEmpty(c.Exceptions)
	return api.ShutdownScheduleUpdate{
		Name: &c.Name, Description: &c.Description, Enabled: c.Enabled, TimeZone: &c.TimeZone,
		Windows: &ws, StartCron: &c.StartCron, StopCron: &c.StopCron, Exceptions: &es,
		Enforcement: &c.Enforcement, DrainTimeout: &c.DrainTimeout,
	}, diags
}

func orEmpty[T any](v []T) []T {
	if v == nil {
		return []T{}
	}
	return v
}

func apiWindows(ws []sched.Window) []api.ShutdownWindow {
	var out []api.ShutdownWindow
	for _, w := range ws {
		out = append(out, api.ShutdownWindow(w))
	}
	return out
}

func apiExceptions(es []sched.Exception) []api.ShutdownException {
	var out []api.ShutdownException
	for _, e := range es {
		out = append(out, api.ShutdownException(e))
	}
	return out
}
