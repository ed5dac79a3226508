package shared

import (
	"context"
	"errors"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/openclaw/terraform-provider-openclaw/internal/client"
)

// CheckEnvironmentReference checks at plan time that a configured
// environment_id (at attr) names an environment the provider's key can see,
// with one cached read per ID. Unknown values (an environment created in
// the same apply) are left to apply. Every family with an environment_id
// calls it from ModifyPlan.
func CheckEnvironmentReference(ctx context.Context, data *ProviderData, attr path.Path, id types.String, diags *diag.Diagnostics) {
	if data == nil || id.IsNull() || id.IsUnknown() || id.ValueString() == "" {
		return
	}
	_, err := data.Caches.Environment(ctx, id.ValueString())
	switch {
	case err == nil:
	case errors.Is(err, client.ErrNotFound):
		scope := ""
		if data.Identity != nil && data.Identity.EnvironmentID != "" {
			scope = fmt.Sprintf(" The provider's API key (prefix %s) is bound to environment %s and sees no other.", data.Identity.Prefix, data.Identity.EnvironmentID)
		}
		diags.AddAttributeError(attr, "Unknown environment",
			fmt.Sprintf("%s is %q, but the control plane at %s has no environment with that ID.%s Use the id of an existing environment, such as openclaw_environment.<name>.id or data.openclaw_environment.<name>.id.",
				attr, id.ValueString(), data.Client.Endpoint(), scope))
	default:
		WarnUnchecked(data, attr, fmt.Sprintf("that environment %q exists", id.ValueString()), err, diags)
	}
}

// WarnUnchecked reports a plan-time check that could not run because the
// control plane could not be read: a warning, never silence. The control
// plane still checks on apply.
func WarnUnchecked(data *ProviderData, attr path.Path, what string, err error, diags *diag.Diagnostics) {
	why := err.Error()
	if data != nil && data.CredentialsUnchecked {
		why += " (skip_credentials_validation is set, so the endpoint and key were not checked either)"
	}
	diags.AddAttributeWarning(attr, "Could not check "+attr.String()+" at plan time",
		fmt.Sprintf("The provider could not check %s: %s.\n\nThe plan goes ahead unchecked; the control plane checks it on apply.", what, why))
}
