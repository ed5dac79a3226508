package shared

import (
	"context"
	"errors"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/openclaw/terraform-provider-openclaw/internal/api"
	"github.com/openclaw/terraform-provider-openclaw/internal/client"
)

// Wait waits for an operation the control plane accepted, within ctx's
// deadline (the resource's timeout). It is the one waiting helper of every
// resource: failure, timeout or cancellation become diagnostics that say
// what failed and what to do, and the error is returned for callers that
// branch on it (nil on success).
func Wait(ctx context.Context, c *client.Client, op *api.Operation, action string, fields Fields, diags *diag.Diagnostics) error {
	tflog.Debug(ctx, "waiting for operation", map[string]any{"operation_id": op.ID, "kind": op.Kind, "target_id": op.TargetID})
	final, err := c.WaitForOperation(ctx, op)
	if err != nil {
		AddError(diags, action, err, fields)
		return err
	}
	tflog.Debug(ctx, "operation finished", map[string]any{"operation_id": final.ID, "status": final.Status})
	return nil
}

// DeleteAndWait is the Delete of an asynchronous resource: start the delete
// within the resource's delete timeout and wait for it. A resource that is
// already gone is deleted.
func DeleteAndWait(ctx context.Context, c *client.Client, t timeouts.Value, action string, fields Fields, diags *diag.Diagnostics, start func(context.Context) (*api.Operation, error)) {
	timeout, d := t.Delete(ctx, DefaultDeleteTimeout)
	diags.Append(d...)
	if diags.HasError() {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	op, err := start(ctx)
	if errors.Is(err, client.ErrNotFound) {
		return
	}
	if err != nil {
		AddError(diags, action, err, fields)
		return
	}
	_ = Wait(ctx, c, op, action, fields, diags) // failures are in diags
}
