package snapshot

import (
	"context"
	"fmt"
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

// Resource is openclaw_data_snapshot: the shared lifecycle, this family's
// schema and plan rules, and a Delete that honours retain_on_destroy.
type Resource struct {
	shared.Lifecycle[resourceModel, *resourceModel, api.Snapshot]
}

// NewResource is the factory the provider registers.
func NewResource() resource.Resource {
	return &Resource{shared.Lifecycle[resourceModel, *resourceModel, api.Snapshot]{
		ResourceBase:  shared.ResourceBase{TypeName: "_data_snapshot"},
		Noun:          "snapshot",
		Fields:        apiFields,
		CreateTimeout: DefaultCreateTimeout,
		CreateAPI: func(ctx context.Context, c *client.Client, plan, _ *resourceModel, diags *diag.Diagnostics) (*api.Operation, error) {
			body, d := plan.toCreate(ctx)
			if diags.Append(d...); diags.HasError() {
				return nil, nil
			}
			return c.CreateSnapshot(ctx, body)
		},
		ReadAPI: func(ctx context.Context, c *client.Client, id string) (*api.Snapshot, error) {
			return c.GetSnapshot(ctx, id)
		},
		AdoptHint: func(plan *resourceModel) string {
			return fmt.Sprintf("Look for a snapshot named %q in data \"openclaw_data_snapshots\" (or GET /v1/snapshots?environment_id=%s). If it is there, adopt it with `terraform import <address of this resource> <its snap_ ID>` instead of applying again, or delete it.", plan.Name.ValueString(), plan.EnvironmentID.ValueString())
		},
		Gone: func(s *api.Snapshot) bool { return s.Status == api.SnapshotDeleting },
		FromAPI: func(ctx context.Context, _ *shared.ProviderData, m *resourceModel, s *api.Snapshot) diag.Diagnostics {
			if m.RetainOnDestroy.IsNull() {
				m.RetainOnDestroy = types.BoolValue(false) // imported
			}
			return m.fromAPI(ctx, s, true)
		},
		UpdateAPI: func(ctx context.Context, c *client.Client, plan, state, _ *resourceModel, diags *diag.Diagnostics) (*api.Operation, error) {
			body, d := plan.toUpdate(ctx, state)
			if diags.Append(d...); diags.HasError() {
				return nil, nil
			}
			return c.UpdateSnapshot(ctx, state.ID.ValueString(), state.ETag.ValueString(), body)
		},
		DeleteAPI: func(ctx context.Context, c *client.Client, state *resourceModel) (*api.Operation, error) {
			return c.DeleteSnapshot(ctx, state.ID.ValueString(), "")
		},
		ImportID: func(_ context.Context, _ *client.Client, raw string) (string, error) {
			if !strings.HasPrefix(raw, "snap_") {
				return "", fmt.Errorf("import a data snapshot by its ID (snap_...), got %q; list them with the openclaw_data_snapshots data source", raw)
			}
			return raw, nil
		},
	}}
}

func (r *Resource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	keep := []planmodifier.String{stringplanmodifier.UseStateForUnknown()}
	computed := func(k string) schema.StringAttribute {
		return schema.StringAttribute{Computed: true, MarkdownDescription: desc[k], PlanModifiers: keep}
	}
	keepInt := []planmodifier.Int64{int64planmodifier.UseStateForUnknown()}
	t := shared.TimeoutsAttribute(ctx, timeouts.Opts{Create: true, Update: true, Delete: true}).(schema.SingleNestedAttribute)
	if c, ok := t.Attributes["create"].(schema.StringAttribute); ok {
		c.MarkdownDescription = fmt.Sprintf("Time allowed for taking the snapshot. Default `%s`.", DefaultCreateTimeout)
		t.Attributes["create"] = c
	}
	resp.Schema = schema.Schema{
		MarkdownDescription: "A data snapshot: an encrypted, verified archive of an environment's state directory (its SQLite databases, agents, credentials and workspace), " +
			"taken online while the gateway runs by the control plane's driver (a real `openclaw backup create` on the process driver; see `format`). Only `environment_id` forces a new snapshot; name, description, labels, retention and lock change in place. " +
			"A snapshot found `failed` or `corrupt` is replaced by the next apply. Restore one with `restore_from` on a new `openclaw_environment`.",
		Attributes: map[string]schema.Attribute{
			"id": computed("id"),
			"environment_id": schema.StringAttribute{
				Required:            true,
				MarkdownDescription: desc["environment_id"],
				PlanModifiers:       []planmodifier.String{stringplanmodifier.RequiresReplace()},
			},
			"environment_name": computed("environment_name"),
			"name": schema.StringAttribute{
				Required:            true,
				MarkdownDescription: desc["name"],
				Validators: []validator.String{
					stringvalidator.LengthBetween(1, api.MaxSnapshotNameLen),
					stringvalidator.RegexMatches(api.NamePattern, api.NameRule),
				},
			},
			"description": schema.StringAttribute{
				Optional:            true,
				Computed:            true,
				Default:             stringdefault.StaticString(""),
				MarkdownDescription: desc["description"],
				Validators:          []validator.String{stringvalidator.LengthAtMost(api.MaxSnapshotDescriptionLen)},
			},
			"labels": schema.MapAttribute{
				Optional:            true,
				ElementType:         types.StringType,
				MarkdownDescription: desc["labels"],
				Validators:          validators.Labels(),
			},
			"retention_days": schema.Int64Attribute{
				Optional:            true,
				MarkdownDescription: desc["retention_days"],
				Validators:          []validator.Int64{int64validator.Between(api.MinRetentionDays, api.MaxRetentionDays)},
			},
			"expires_at": schema.StringAttribute{
				Optional:            true,
				Computed:            true,
				MarkdownDescription: desc["expires_at"],
				Validators:          []validator.String{validators.RFC3339()},
			},
			"locked": schema.BoolAttribute{
				Optional:            true,
				Computed:            true,
				Default:             booldefault.StaticBool(false),
				MarkdownDescription: desc["locked"],
			},
			"lock_until": schema.StringAttribute{
				Optional:            true,
				MarkdownDescription: desc["lock_until"],
				Validators:          []validator.String{validators.RFC3339()},
			},
			"retain_on_destroy": schema.BoolAttribute{
				Optional:            true,
				Computed:            true,
				Default:             booldefault.StaticBool(false),
				MarkdownDescription: desc["retain_on_destroy"],
			},
			"status":           schema.StringAttribute{Computed: true, MarkdownDescription: desc["status"]},
			"status_message":   schema.StringAttribute{Computed: true, MarkdownDescription: desc["status_message"]},
			"size_bytes":       schema.Int64Attribute{Computed: true, MarkdownDescription: desc["size_bytes"], PlanModifiers: keepInt},
			"sha256":           computed("sha256"),
			"file_count":       schema.Int64Attribute{Computed: true, MarkdownDescription: desc["file_count"], PlanModifiers: keepInt},
			"openclaw_version": computed("openclaw_version"),
			"format":           computed("format"),
			"created_by":       computed("created_by"),
			"etag":             schema.StringAttribute{Computed: true, MarkdownDescription: desc["etag"]},
			"created_at":       computed("created_at"),
			"updated_at":       schema.StringAttribute{Computed: true, MarkdownDescription: desc["updated_at"]},
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
	if shared.PlanUnchanged(ctx, req, api.SnapshotFailed) {
		var status types.String
		if d := req.State.GetAttribute(ctx, path.Root("status"), &status); !d.HasError() && status.ValueString() != api.SnapshotCorrupt {
			return // nothing to check or refine (most of a large refresh)
		}
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
		case state != nil && shared.Known(state.CreatedAt):
			created, err := time.Parse(time.RFC3339, state.CreatedAt.ValueString())
			if err == nil {
				exp := created.Add(time.Duration(plan.RetentionDays.ValueInt64()) * 24 * time.Hour)
				plan.ExpiresAt = sameInstant(state.ExpiresAt, &exp)
			}
		default:
			plan.ExpiresAt = types.StringUnknown()
		}
	}
	if state == nil || !plan.EnvironmentID.Equal(state.EnvironmentID) {
		shared.CheckEnvironmentReference(ctx, r.ProviderData(), path.Root("environment_id"), plan.EnvironmentID, &resp.Diagnostics)
		if resp.Diagnostics.HasError() {
			return
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

// Delete deletes the snapshot, or with retain_on_destroy only forgets it.
func (r *Resource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state resourceModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if state.RetainOnDestroy.ValueBool() {
		resp.Diagnostics.AddWarning("Snapshot retained",
			fmt.Sprintf("retain_on_destroy is true: snapshot %q (%s) stays in the control plane and is no longer managed by Terraform. Delete it there, or let its retention end.", state.Name.ValueString(), state.ID.ValueString()))
		return
	}
	r.Lifecycle.Delete(ctx, req, resp)
}
