package schedule

import (
	"context"
	"fmt"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework-validators/listvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/booldefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/openclaw/terraform-provider-openclaw/internal/api"
	"github.com/openclaw/terraform-provider-openclaw/internal/client"
	"github.com/openclaw/terraform-provider-openclaw/internal/provider/shared"
	"github.com/openclaw/terraform-provider-openclaw/internal/provider/validators"
	sched "github.com/openclaw/terraform-provider-openclaw/internal/schedule"
)

var (
	_ resource.ResourceWithConfigure      = (*Resource)(nil)
	_ resource.ResourceWithImportState    = (*Resource)(nil)
	_ resource.ResourceWithModifyPlan     = (*Resource)(nil)
	_ resource.ResourceWithValidateConfig = (*Resource)(nil)
)

// Resource is openclaw_shutdown_schedule: the shared lifecycle (the API is
// synchronous: shared.Applied) plus this family's schema and plan rules.
type Resource struct {
	shared.Lifecycle[resourceModel, *resourceModel, api.ShutdownSchedule]
}

// NewResource is the factory the provider registers.
func NewResource() resource.Resource {
	return &Resource{shared.Lifecycle[resourceModel, *resourceModel, api.ShutdownSchedule]{
		ResourceBase: shared.ResourceBase{TypeName: "_shutdown_schedule"},
		Noun:         "shutdown schedule",
		Fields:       shared.Fields{},
		CreateAPI: func(ctx context.Context, c *client.Client, plan, _ *resourceModel, diags *diag.Diagnostics) (*api.Operation, error) {
			body, d := plan.toCreate(ctx)
			if diags.Append(d...); diags.HasError() {
				return nil, nil
			}
			s, err := c.CreateShutdownSchedule(ctx, body)
			if err != nil {
				return nil, err
			}
			return shared.Applied(s.ID, nil)
		},
		ReadAPI: func(ctx context.Context, c *client.Client, id string) (*api.ShutdownSchedule, error) {
			return c.GetShutdownSchedule(ctx, id)
		},
		FromAPI: func(ctx context.Context, _ *shared.ProviderData, m *resourceModel, s *api.ShutdownSchedule) diag.Diagnostics {
			return m.fromAPI(ctx, s)
		},
		UpdateAPI: func(ctx context.Context, c *client.Client, plan, state, _ *resourceModel, diags *diag.Diagnostics) (*api.Operation, error) {
			body, d := plan.toUpdate(ctx)
			if diags.Append(d...); diags.HasError() {
				return nil, nil
			}
			id := state.ID.ValueString()
			_, err := c.UpdateShutdownSchedule(ctx, id, state.ETag.ValueString(), body)
			return shared.Applied(id, err)
		},
		// The environment keeps its power state.
		DeleteAPI: func(ctx context.Context, c *client.Client, state *resourceModel) (*api.Operation, error) {
			id := state.ID.ValueString()
			return shared.Applied(id, c.DeleteShutdownSchedule(ctx, id))
		},
		// The schedule's ID (sched_...) or its environment's (env_...): an
		// environment has at most one schedule.
		ImportID: func(ctx context.Context, c *client.Client, raw string) (string, error) {
			switch {
			case strings.HasPrefix(raw, "env_"):
				s, err := c.FindShutdownScheduleOf(ctx, raw)
				if err != nil {
					return "", err
				}
				return s.ID, nil
			case strings.HasPrefix(raw, "sched_"):
				return raw, nil
			}
			return "", fmt.Errorf("%q is neither a shutdown schedule ID (sched_...) nor an environment ID (env_...)", raw)
		},
	}}
}

func (r *Resource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	keep := []planmodifier.String{stringplanmodifier.UseStateForUnknown()}
	resp.Schema = schema.Schema{
		MarkdownDescription: "Stops and starts one environment on a timetable: running windows (or a start and a stop cron expression) in an IANA time zone, " +
			"with exceptions for holidays and launches. The control plane's scheduler carries out every transition as an ordinary operation: a stop drains the gateway, " +
			"stops it and scales its GPU pools to zero; a start brings them back. Power is not configuration: `desired_state` and `node_count` never change, " +
			"so plans stay empty. `running_hours_per_week` is known at plan time. Only `environment_id` forces replacement.",
		Attributes: map[string]schema.Attribute{
			"id":   schema.StringAttribute{Computed: true, MarkdownDescription: desc["id"], PlanModifiers: keep},
			"name": schema.StringAttribute{Required: true, MarkdownDescription: desc["name"], Validators: validators.Name()},
			"environment_id": schema.StringAttribute{
				Required: true, MarkdownDescription: desc["environment_id"],
				Validators:    []validator.String{stringvalidator.LengthAtLeast(1)},
				PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()},
			},
			"description": schema.StringAttribute{
				Optional: true, Computed: true, Default: stringdefault.StaticString(""), MarkdownDescription: desc["description"],
				Validators: []validator.String{stringvalidator.LengthAtMost(api.MaxScheduleDesc)},
			},
			"enabled":   schema.BoolAttribute{Optional: true, Computed: true, Default: booldefault.StaticBool(true), MarkdownDescription: desc["enabled"]},
			"time_zone": schema.StringAttribute{Required: true, MarkdownDescription: desc["time_zone"], Validators: []validator.String{zoneCheck}},
			"windows": schema.ListNestedAttribute{
				Optional: true, MarkdownDescription: desc["windows"],
				Validators: []validator.List{listvalidator.SizeAtMost(64)},
				NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
					"days": schema.ListAttribute{
						Required: true, ElementType: types.StringType, MarkdownDescription: desc["window_days"],
						Validators: []validator.List{listvalidator.SizeAtLeast(1), listvalidator.ValueStringsAre(dayCheck)},
					},
					"start": schema.StringAttribute{Required: true, MarkdownDescription: desc["window_start"], Validators: []validator.String{startCheck}},
					"stop":  schema.StringAttribute{Required: true, MarkdownDescription: desc["window_stop"], Validators: []validator.String{stopCheck}},
				}},
			},
			"start_cron": schema.StringAttribute{Optional: true, MarkdownDescription: desc["start_cron"], Validators: []validator.String{cronCheck}},
			"stop_cron":  schema.StringAttribute{Optional: true, MarkdownDescription: desc["stop_cron"], Validators: []validator.String{cronCheck}},
			"exceptions": schema.ListNestedAttribute{
				Optional: true, MarkdownDescription: desc["exceptions"],
				Validators: []validator.List{listvalidator.SizeAtMost(256)},
				NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
					"from":   schema.StringAttribute{Required: true, MarkdownDescription: desc["exc_from"], Validators: []validator.String{boundCheck}},
					"until":  schema.StringAttribute{Required: true, MarkdownDescription: desc["exc_until"], Validators: []validator.String{boundCheck}},
					"state":  schema.StringAttribute{Required: true, MarkdownDescription: desc["exc_state"], Validators: []validator.String{stateCheck}},
					"reason": schema.StringAttribute{Optional: true, MarkdownDescription: desc["exc_reason"], Validators: []validator.String{stringvalidator.LengthAtMost(256)}},
				}},
			},
			"enforcement": schema.StringAttribute{
				Optional: true, Computed: true, Default: stringdefault.StaticString(api.EnforceTransitions), MarkdownDescription: desc["enforcement"],
				Validators: []validator.String{stringvalidator.OneOf(api.EnforcementModes...)},
			},
			"drain_timeout": schema.StringAttribute{
				Optional: true, Computed: true, Default: stringdefault.StaticString(api.DefaultDrainTimeout), MarkdownDescription: desc["drain_timeout"],
				Validators: []validator.String{validators.Duration(0, api.MaxDrainTimeout)},
			},
			"power_now":                 schema.StringAttribute{Computed: true, MarkdownDescription: desc["power_now"]},
			"next_transitions":          nextTransitionsAttribute(),
			"running_hours_per_week":    schema.Float64Attribute{Computed: true, MarkdownDescription: desc["running_hours_per_week"]},
			"estimated_monthly_savings": schema.Float64Attribute{Computed: true, MarkdownDescription: desc["estimated_monthly_savings"]},
			"last_run":                  lastRunAttribute(),
			"etag":                      schema.StringAttribute{Computed: true, MarkdownDescription: desc["etag"]},
			"created_at":                schema.StringAttribute{Computed: true, MarkdownDescription: desc["created_at"], PlanModifiers: keep},
			"timeouts":                  shared.TimeoutsAttribute(ctx, timeouts.Opts{Create: true, Read: true, Update: true, Delete: true}),
		},
	}
}

func nextTransitionsAttribute() schema.ListNestedAttribute {
	return schema.ListNestedAttribute{
		Computed: true, MarkdownDescription: desc["next_transitions"],
		NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
			"at":     schema.StringAttribute{Computed: true, MarkdownDescription: desc["transition_at"]},
			"action": schema.StringAttribute{Computed: true, MarkdownDescription: desc["transition_action"]},
		}},
	}
}

func lastRunAttribute() schema.SingleNestedAttribute {
	return schema.SingleNestedAttribute{
		Computed: true, MarkdownDescription: desc["last_run"],
		Attributes: map[string]schema.Attribute{
			"at":           schema.StringAttribute{Computed: true, MarkdownDescription: desc["run_at"]},
			"action":       schema.StringAttribute{Computed: true, MarkdownDescription: desc["run_action"]},
			"outcome":      schema.StringAttribute{Computed: true, MarkdownDescription: desc["run_outcome"]},
			"operation_id": schema.StringAttribute{Computed: true, MarkdownDescription: desc["run_operation_id"]},
		},
	}
}

// ValidateConfig applies the rules between fields (one form, stop ≠ start,
// until not before from) with the shared package; single values are
// checked by the attributes' validators.
func (r *Resource) ValidateConfig(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	var cfg resourceModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	if resp.Diagnostics.HasError() {
		return
	}
	spec, known, d := cfg.timetable(ctx)
	resp.Diagnostics.Append(d...)
	if !known {
		return
	}
	for _, p := range spec.CrossProblems() {
		at := attrPath(p.Field)
		if p.Field == "windows" && len(spec.Windows) == 0 {
			at = path.Root("start_cron")
		}
		resp.Diagnostics.AddAttributeError(at, "Invalid shutdown schedule", fmt.Sprintf("%s %s.", p.Field, p.Message))
	}
}

// ModifyPlan puts running_hours_per_week in the plan, computed by the same
// code as the control plane's figure.
func (r *Resource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	// Destroy, or nothing changes (the figure is in the state already).
	if req.Plan.Raw.IsNull() || req.Plan.Raw.Equal(req.State.Raw) {
		return
	}
	var plan resourceModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	spec, known, d := plan.timetable(ctx)
	resp.Diagnostics.Append(d...)
	if !known {
		return
	}
	if hours, err := sched.HoursPerWeek(spec); err == nil {
		resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root("running_hours_per_week"), hours)...)
	}
}
