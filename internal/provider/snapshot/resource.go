package snapshot

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/booldefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/int64planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/openclaw/terraform-provider-openclaw/internal/api"
	"github.com/openclaw/terraform-provider-openclaw/internal/client"
	"github.com/openclaw/terraform-provider-openclaw/internal/provider/shared"
	"github.com/openclaw/terraform-provider-openclaw/internal/provider/validators"
)

var (
	_ resource.ResourceWithConfigure      = (*Resource)(nil)
	_ resource.ResourceWithImportState    = (*Resource)(nil)
	_ resource.ResourceWithModifyPlan     = (*Resource)(nil)
	_ resource.ResourceWithValidateConfig = (*Resource)(nil)
)

// DefaultCreateTimeout: archiving a large state directory takes a while.
const DefaultCreateTimeout = 60 * time.Minute

var snapshotNameRegexp = regexp.MustCompile(`^[a-z]([-a-z0-9]*[a-z0-9])?$`)

// Resource is openclaw_data_snapshot.
type Resource struct {
	data *shared.ProviderData
}

// NewResource is the factory the provider registers.
func NewResource() resource.Resource { return &Resource{} }

func (r *Resource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_data_snapshot"
}

func (r *Resource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.data = shared.FromProviderData(req.ProviderData, &resp.Diagnostics)
}

func (r *Resource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	keep := []planmodifier.String{stringplanmodifier.UseStateForUnknown()}
	computed := func(k string) schema.StringAttribute {
		return schema.StringAttribute{Computed: true, Description: desc[k], PlanModifiers: keep}
	}
	keepInt := []planmodifier.Int64{int64planmodifier.UseStateForUnknown()}
	t := shared.TimeoutsAttribute(ctx, timeouts.Opts{Create: true, Update: true, Delete: true}).(schema.SingleNestedAttribute)
	if c, ok := t.Attributes["create"].(schema.StringAttribute); ok {
		c.Description = fmt.Sprintf("Time allowed for taking the snapshot. Default `%s`.", DefaultCreateTimeout)
		t.Attributes["create"] = c
	}
	resp.Schema = schema.Schema{
		Description: "A data snapshot: an encrypted, verified archive of an environment's state directory, taken online. Only environment_id forces a new snapshot; " +
			"everything else changes in place. A failed or corrupt snapshot is replaced by the next apply. Restore one with restore_from on a new openclaw_environment.",
		MarkdownDescription: "A data snapshot: an encrypted, verified archive of an environment's state directory (its SQLite databases, agents, credentials and workspace), " +
			"taken online while the gateway runs. Only `environment_id` forces a new snapshot; name, description, labels, retention and lock change in place. " +
			"A snapshot found `failed` or `corrupt` is replaced by the next apply. Restore one with `restore_from` on a new `openclaw_environment`.",
		Attributes: map[string]schema.Attribute{
			"id": computed("id"),
			"environment_id": schema.StringAttribute{
				Required:      true,
				Description:   desc["environment_id"],
				PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()},
			},
			"environment_name": computed("environment_name"),
			"name": schema.StringAttribute{
				Required:    true,
				Description: desc["name"],
				Validators: []validator.String{
					stringvalidator.LengthBetween(1, 63),
					stringvalidator.RegexMatches(snapshotNameRegexp, "must be a DNS label: lowercase letters, digits and hyphens, starting with a letter and not ending with a hyphen"),
				},
			},
			"description": schema.StringAttribute{
				Optional:    true,
				Computed:    true,
				Default:     stringdefault.StaticString(""),
				Description: desc["description"],
				Validators:  []validator.String{stringvalidator.LengthAtMost(1024)},
			},
			"labels": schema.MapAttribute{
				Optional:    true,
				ElementType: types.StringType,
				Description: desc["labels"],
				Validators:  validators.Labels(),
			},
			"retention_days": schema.Int64Attribute{
				Optional:    true,
				Description: desc["retention_days"],
				Validators:  []validator.Int64{int64validator.Between(api.MinRetentionDays, api.MaxRetentionDays)},
			},
			"expires_at": schema.StringAttribute{
				Optional:    true,
				Computed:    true,
				Description: desc["expires_at"],
				Validators:  []validator.String{validators.RFC3339()},
			},
			"locked": schema.BoolAttribute{
				Optional:    true,
				Computed:    true,
				Default:     booldefault.StaticBool(false),
				Description: desc["locked"],
			},
			"lock_until": schema.StringAttribute{
				Optional:    true,
				Description: desc["lock_until"],
				Validators:  []validator.String{validators.RFC3339()},
			},
			"retain_on_destroy": schema.BoolAttribute{
				Optional:    true,
				Computed:    true,
				Default:     booldefault.StaticBool(false),
				Description: desc["retain_on_destroy"],
			},
			"status":           schema.StringAttribute{Computed: true, Description: desc["status"]},
			"status_message":   schema.StringAttribute{Computed: true, Description: desc["status_message"]},
			"size_bytes":       schema.Int64Attribute{Computed: true, Description: desc["size_bytes"], PlanModifiers: keepInt},
			"sha256":           computed("sha256"),
			"file_count":       schema.Int64Attribute{Computed: true, Description: desc["file_count"], PlanModifiers: keepInt},
			"openclaw_version": computed("openclaw_version"),
			"etag":             schema.StringAttribute{Computed: true, Description: desc["etag"]},
			"created_at":       computed("created_at"),
			"updated_at":       schema.StringAttribute{Computed: true, Description: desc["updated_at"]},
			"completed_at":     computed("completed_at"),
			"verified_at":      computed("verified_at"),
			"timeouts":         t,
		},
	}
}

// policyPaths places the API's policy field names on attributes.
func policyPath(field string) path.Path { return path.Root(field) }

// ValidateConfig applies the control plane's retention and lock rules
// (api.SnapshotPolicy) at plan time.
func (r *Resource) ValidateConfig(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	var cfg resourceModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	if resp.Diagnostics.HasError() || cfg.RetentionDays.IsUnknown() || cfg.ExpiresAt.IsUnknown() || cfg.Locked.IsUnknown() || cfg.LockUntil.IsUnknown() {
		return
	}
	p := api.SnapshotPolicy{RetentionDays: cfg.RetentionDays.ValueInt64Pointer(), ExpiresAt: parseTime(cfg.ExpiresAt), Locked: cfg.Locked.ValueBool(), LockUntil: parseTime(cfg.LockUntil)}
	for _, fe := range p.Validate(time.Now()) {
		if fe.Field == "retention_days" {
			continue // the attribute's own validator says it
		}
		resp.Diagnostics.AddAttributeError(policyPath(fe.Field), "Invalid retention or lock", fmt.Sprintf("%s %s.", fe.Field, fe.Message))
	}
}

// ModifyPlan computes expires_at, keeps status steady for in-place changes,
// refuses shortening a locked snapshot, and replaces failed or corrupt
// snapshots with the reason in the plan.
func (r *Resource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.Plan.Raw.IsNull() {
		return
	}
	var plan, cfg resourceModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	if resp.Diagnostics.HasError() {
		return
	}
	var state *resourceModel
	if !req.State.Raw.IsNull() {
		state = &resourceModel{}
		resp.Diagnostics.Append(req.State.Get(ctx, state)...)
		if resp.Diagnostics.HasError() {
			return
		}
	}
	// expires_at: as configured, else computed from retention_days.
	if cfg.ExpiresAt.IsNull() {
		switch {
		case plan.RetentionDays.IsNull():
			plan.ExpiresAt = types.StringNull()
		case plan.RetentionDays.IsUnknown():
			plan.ExpiresAt = types.StringUnknown()
		case state != nil && known(state.CreatedAt):
			created, err := time.Parse(time.RFC3339, state.CreatedAt.ValueString())
			if err == nil {
				exp := created.Add(time.Duration(plan.RetentionDays.ValueInt64()) * 24 * time.Hour)
				plan.ExpiresAt = sameInstant(state.ExpiresAt, &exp)
			}
		default:
			plan.ExpiresAt = types.StringUnknown()
		}
	}
	if state == nil {
		resp.Diagnostics.Append(resp.Plan.Set(ctx, &plan)...)
		return
	}
	replace := !plan.EnvironmentID.Equal(state.EnvironmentID)
	switch s := state.Status.ValueString(); {
	case s == api.SnapshotFailed || s == api.SnapshotCorrupt:
		reason := state.StatusMessage.ValueString()
		if reason == "" {
			reason = "no reason recorded"
		}
		resp.Diagnostics.AddAttributeWarning(path.Root("status"), fmt.Sprintf("Snapshot is %s: it will be replaced", s),
			fmt.Sprintf("Snapshot %s (%s) is %s: %s. This plan replaces it, so the apply takes a good snapshot of environment %s.", state.Name.ValueString(), state.ID.ValueString(), s, reason, state.EnvironmentID.ValueString()))
		plan.Status = types.StringValue(api.SnapshotAvailable)
		resp.RequiresReplace = append(resp.RequiresReplace, path.Root("status"))
		replace = true
	case !replace:
		plan.Status = state.Status
		plan.StatusMessage = state.StatusMessage
	}
	if replace {
		resp.Diagnostics.Append(resp.Plan.Set(ctx, &plan)...)
		return
	}
	// The lock's rule, at plan time: the same function the control plane runs.
	if state.Locked.ValueBool() {
		created, _ := time.Parse(time.RFC3339, state.CreatedAt.ValueString())
		for _, fe := range api.CheckSnapshotChange(time.Now(), created, state.policy(), plan.policy()) {
			resp.Diagnostics.AddAttributeError(policyPath(fe.Field), "Snapshot is locked", fmt.Sprintf("%s %s.", fe.Field, fe.Message))
		}
	}
	resp.Diagnostics.Append(resp.Plan.Set(ctx, &plan)...)
}

func (r *Resource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan resourceModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	timeout, d := plan.Timeouts.Create(ctx, DefaultCreateTimeout)
	resp.Diagnostics.Append(d...)
	body, d := plan.toCreate(ctx)
	resp.Diagnostics.Append(d...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	action := fmt.Sprintf("snapshot environment %s as %q", body.EnvironmentID, body.Name)
	op, err := r.data.Client.CreateSnapshot(ctx, body)
	if err != nil {
		shared.AddError(&resp.Diagnostics, action, err, apiFields)
		return
	}
	// The ID first: a failed or timed-out wait still leaves the snapshot
	// tracked (and, failed, replaced by the next apply).
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), op.TargetID)...)
	if !shared.Wait(ctx, r.data.Client, op, action+" ("+op.TargetID+")", apiFields, &resp.Diagnostics) {
		return
	}
	if !r.readInto(ctx, op.TargetID, &plan, &resp.Diagnostics) {
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

// readInto refreshes m from the API; false (with a diagnostic) when it
// cannot.
func (r *Resource) readInto(ctx context.Context, id string, m *resourceModel, diags *diag.Diagnostics) bool {
	s, err := r.data.Client.GetSnapshot(ctx, id)
	if err != nil {
		shared.AddError(diags, "read snapshot "+id, err, apiFields)
		return false
	}
	diags.Append(m.fromAPI(ctx, s, true)...)
	return !diags.HasError()
}

func (r *Resource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state resourceModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	s, err := r.data.Client.GetSnapshot(ctx, state.ID.ValueString())
	if errors.Is(err, client.ErrNotFound) || (err == nil && s.Status == api.SnapshotDeleting) {
		tflog.Warn(ctx, "snapshot is gone from the control plane; removing it from state", map[string]any{"id": state.ID.ValueString()})
		resp.State.RemoveResource(ctx)
		return
	}
	if err != nil {
		shared.AddError(&resp.Diagnostics, "read snapshot "+state.ID.ValueString(), err, apiFields)
		return
	}
	resp.Diagnostics.Append(state.fromAPI(ctx, s, true)...)
	if state.RetainOnDestroy.IsNull() {
		state.RetainOnDestroy = types.BoolValue(false) // imported
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}

func (r *Resource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, state resourceModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	timeout, d := plan.Timeouts.Update(ctx, shared.DefaultUpdateTimeout)
	resp.Diagnostics.Append(d...)
	body, d := plan.toUpdate(ctx, &state)
	resp.Diagnostics.Append(d...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	id := state.ID.ValueString()
	action := fmt.Sprintf("update snapshot %q (%s)", state.Name.ValueString(), id)
	op, err := r.data.Client.UpdateSnapshot(ctx, id, state.ETag.ValueString(), body)
	if err != nil {
		shared.AddError(&resp.Diagnostics, action, err, apiFields)
		return
	}
	if !shared.Wait(ctx, r.data.Client, op, action, apiFields, &resp.Diagnostics) {
		return
	}
	if !r.readInto(ctx, id, &plan, &resp.Diagnostics) {
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

func (r *Resource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state resourceModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	id := state.ID.ValueString()
	if state.RetainOnDestroy.ValueBool() {
		resp.Diagnostics.AddWarning("Snapshot retained",
			fmt.Sprintf("retain_on_destroy is true: snapshot %q (%s) stays in the control plane and is no longer managed by Terraform. Delete it there, or let its retention end.", state.Name.ValueString(), id))
		return
	}
	action := fmt.Sprintf("delete snapshot %q (%s)", state.Name.ValueString(), id)
	shared.DeleteAndWait(ctx, r.data.Client, state.Timeouts, action, apiFields, &resp.Diagnostics, func(ctx context.Context) (*api.Operation, error) {
		return r.data.Client.DeleteSnapshot(ctx, id, "")
	})
}

// ImportState takes a snapshot ID (snap_...).
func (r *Resource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	if !strings.HasPrefix(req.ID, "snap_") {
		resp.Diagnostics.AddError("Invalid import ID", fmt.Sprintf("Import a data snapshot by its ID (snap_...), got %q. List them with the openclaw_data_snapshots data source.", req.ID))
		return
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), req.ID)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("retain_on_destroy"), false)...)
}
