package apikey

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/ephemeral"
	"github.com/hashicorp/terraform-plugin-framework/ephemeral/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/openclaw/terraform-provider-openclaw/internal/api"
	"github.com/openclaw/terraform-provider-openclaw/internal/client"
	"github.com/openclaw/terraform-provider-openclaw/internal/provider/shared"
	"github.com/openclaw/terraform-provider-openclaw/internal/provider/validators"
)

var (
	_ ephemeral.EphemeralResourceWithConfigure = (*EphemeralResource)(nil)
	_ ephemeral.EphemeralResourceWithClose     = (*EphemeralResource)(nil)
)

const (
	defaultEphemeralName = "terraform-ephemeral"
	// privateKeyID is where Open leaves the key's ID for Close.
	privateKeyID = "key_id"
)

// EphemeralResource is the openclaw_api_key ephemeral resource: a
// short-lived key for one Terraform run, revoked when Terraform closes it.
// Neither it nor its secret ever reaches the plan or the state.
type EphemeralResource struct {
	data *shared.ProviderData
}

// NewEphemeralResource is the factory the provider registers.
func NewEphemeralResource() ephemeral.EphemeralResource { return &EphemeralResource{} }

type ephemeralModel struct {
	Name               types.String `tfsdk:"name"`
	Description        types.String `tfsdk:"description"`
	Scopes             types.Set    `tfsdk:"scopes"`
	EnvironmentID      types.String `tfsdk:"environment_id"`
	TTL                types.String `tfsdk:"ttl"`
	AllowedCIDRs       types.Set    `tfsdk:"allowed_cidrs"`
	RateLimitPerMinute types.Int64  `tfsdk:"rate_limit_per_minute"`
	Labels             types.Map    `tfsdk:"labels"`
	ID                 types.String `tfsdk:"id"`
	Secret             types.String `tfsdk:"secret"`
	Prefix             types.String `tfsdk:"prefix"`
	ExpiresAt          types.String `tfsdk:"expires_at"`
}

func (e *EphemeralResource) Metadata(_ context.Context, req ephemeral.MetadataRequest, resp *ephemeral.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_api_key"
}

func (e *EphemeralResource) Configure(_ context.Context, req ephemeral.ConfigureRequest, resp *ephemeral.ConfigureResponse) {
	e.data = shared.FromProviderData(req.ProviderData, &resp.Diagnostics)
}

func (e *EphemeralResource) Schema(_ context.Context, _ ephemeral.SchemaRequest, resp *ephemeral.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "A short-lived API key for this Terraform run only, for example to configure another provider or a write-only argument with a narrowly scoped key. " +
			"Terraform opens it when it needs it (during plan and again during apply, each time a new key) and closes it at the end, which revokes the key at once (on a control plane with several replicas, within a second on every replica). " +
			"It never reaches the plan or the state. The key lives for `ttl` (default 15 minutes, at most 1 hour): a run longer than that must choose a longer `ttl`. Requires Terraform 1.10 or later.",
		Attributes: map[string]schema.Attribute{
			"name": schema.StringAttribute{
				Optional:            true,
				MarkdownDescription: fmt.Sprintf("Name of the key, shown in the API and the audit log. Default `%s`. %s", defaultEphemeralName, "A DNS label of at most 40 characters."),
				Validators:          validators.Name(),
			},
			"description": schema.StringAttribute{
				Optional: true, MarkdownDescription: desc["description"],
				Validators: []validator.String{stringvalidator.LengthAtMost(api.MaxKeyDescription)},
			},
			"scopes": schema.SetAttribute{
				Required: true, ElementType: types.StringType, MarkdownDescription: desc["scopes"], Validators: scopesValidators(),
			},
			"environment_id": schema.StringAttribute{
				Optional: true, MarkdownDescription: desc["environment_id"],
				Validators: []validator.String{stringvalidator.LengthAtLeast(1)},
			},
			"ttl": schema.StringAttribute{
				Optional:            true,
				MarkdownDescription: "Lifetime of the key, a Go duration between `1m` and `1h`. Default `15m`. The key is revoked when Terraform closes it, usually well before.",
				Validators:          []validator.String{validators.Duration(api.MinEphemeralKeyTTL, api.MaxEphemeralKeyTTL)},
			},
			"allowed_cidrs": schema.SetAttribute{
				Optional: true, ElementType: types.StringType, MarkdownDescription: desc["allowed_cidrs"], Validators: cidrsValidators(),
			},
			"rate_limit_per_minute": schema.Int64Attribute{
				Optional: true, MarkdownDescription: desc["rate_limit"],
				Validators: []validator.Int64{int64validator.Between(0, api.MaxKeyRatePerMin)},
			},
			"labels": schema.MapAttribute{
				Optional: true, ElementType: types.StringType, MarkdownDescription: desc["labels"], Validators: validators.Labels(),
			},
			"id":         schema.StringAttribute{Computed: true, MarkdownDescription: desc["id"]},
			"secret":     schema.StringAttribute{Computed: true, Sensitive: true, MarkdownDescription: "The key's secret (`ocp_...`), valid until Terraform closes the ephemeral resource or `expires_at`, whichever comes first."},
			"prefix":     schema.StringAttribute{Computed: true, MarkdownDescription: desc["prefix"]},
			"expires_at": schema.StringAttribute{Computed: true, MarkdownDescription: "When the key expires at the latest (RFC 3339)."},
		},
	}
}

func (e *EphemeralResource) Open(ctx context.Context, req ephemeral.OpenRequest, resp *ephemeral.OpenResponse) {
	var m ephemeralModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	body := api.APIKeyCreate{
		Name:               m.Name.ValueString(),
		Description:        m.Description.ValueString(),
		EnvironmentID:      m.EnvironmentID.ValueString(),
		TTL:                m.TTL.ValueString(),
		RateLimitPerMinute: int(m.RateLimitPerMinute.ValueInt64()),
		Ephemeral:          true,
	}
	if body.Name == "" {
		body.Name = defaultEphemeralName
	}
	if body.TTL == "" {
		body.TTL = api.DefaultEphemeralKeyTTL.String()
	}
	resp.Diagnostics.Append(m.Scopes.ElementsAs(ctx, &body.Scopes, false)...)
	if known(m.AllowedCIDRs) {
		resp.Diagnostics.Append(m.AllowedCIDRs.ElementsAs(ctx, &body.AllowedCIDRs, false)...)
	}
	if known(m.Labels) {
		resp.Diagnostics.Append(m.Labels.ElementsAs(ctx, &body.Labels, false)...)
	}
	if resp.Diagnostics.HasError() {
		return
	}
	created, err := e.data.Client.CreateAPIKey(ctx, body)
	if err != nil {
		shared.AddError(&resp.Diagnostics, fmt.Sprintf("open ephemeral API key %q", body.Name), err, apiFields)
		return
	}
	id, err := json.Marshal(created.Key.ID)
	if err != nil {
		resp.Diagnostics.AddError("Could not remember the ephemeral API key", err.Error())
		return
	}
	resp.Diagnostics.Append(resp.Private.SetKey(ctx, privateKeyID, id)...)
	m.ID = types.StringValue(created.Key.ID)
	m.Secret = types.StringValue(created.Secret)
	m.Prefix = types.StringValue(created.Key.Prefix)
	m.ExpiresAt = timeString(created.Key.ExpiresAt)
	resp.Diagnostics.Append(resp.Result.Set(ctx, &m)...)
}

// Close revokes the key at once.
func (e *EphemeralResource) Close(ctx context.Context, req ephemeral.CloseRequest, resp *ephemeral.CloseResponse) {
	raw, d := req.Private.GetKey(ctx, privateKeyID)
	resp.Diagnostics.Append(d...)
	if resp.Diagnostics.HasError() || raw == nil {
		return
	}
	var id string
	if err := json.Unmarshal(raw, &id); err != nil || id == "" {
		resp.Diagnostics.AddError("Could not revoke the ephemeral API key", fmt.Sprintf("Its ID was not remembered (%q): revoke it by hand; it expires on its own in any case.", raw))
		return
	}
	if _, err := e.data.Client.RevokeAPIKey(ctx, id, 0); err != nil && !errors.Is(err, client.ErrNotFound) {
		shared.AddError(&resp.Diagnostics, fmt.Sprintf("revoke ephemeral API key %s (it expires on its own at the latest after its ttl)", id), err, apiFields)
	}
}
