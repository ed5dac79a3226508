package shared

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// PlanUnchanged reports a plan that changes nothing on an existing resource
// whose status is not failedStatus and whose mustBeSet attributes are
// set: ModifyPlan has nothing to check or refine then and returns before
// converting any model. In a refresh of hundreds of unchanged resources
// this is most of ModifyPlan's cost.
func PlanUnchanged(ctx context.Context, req resource.ModifyPlanRequest, failedStatus string, mustBeSet ...path.Path) bool {
	if req.State.Raw.IsNull() || req.Plan.Raw.IsNull() || !req.Plan.Raw.Equal(req.State.Raw) {
		return false
	}
	var status types.String
	if req.State.GetAttribute(ctx, path.Root("status"), &status).HasError() || status.ValueString() == failedStatus {
		return false
	}
	for _, p := range mustBeSet {
		var v attr.Value
		if req.State.GetAttribute(ctx, p, &v).HasError() || v == nil || v.IsNull() {
			return false
		}
	}
	return true
}
