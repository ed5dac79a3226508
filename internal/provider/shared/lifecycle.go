package shared

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/openclaw/terraform-provider-openclaw/internal/api"
	"github.com/openclaw/terraform-provider-openclaw/internal/client"
)

// Model is what the lifecycle needs of a family's resource model.
type Model interface {
	// Identity is the resource's ID, name and ETag as the state holds them.
	Identity() (id, name, etag string)
	TimeoutsValue() timeouts.Value
}

// Lifecycle is the Create, Read, Update, Delete and Import of a resource
// family: every mutation starts an operation and waits for it within the
// resource's timeouts (synchronous families answer Applied), and the same diagnostics
// come out everywhere. A family embeds it in its resource and declares only
// how to call the API and how to map its model; M is the model, PM its
// pointer, T the API type.
type Lifecycle[M any, PM interface {
	*M
	Model
}, T any] struct {
	ResourceBase
	// Noun names the family in messages ("GPU pool").
	Noun string
	// Fields places API validation errors on attributes.
	Fields Fields

	// CreateAPI starts the create from the plan and the configuration (for
	// write-only attributes). Conversion problems go to diags.
	CreateAPI func(ctx context.Context, c *client.Client, plan, config PM, diags *diag.Diagnostics) (*api.Operation, error)
	// ReadAPI reads the resource.
	ReadAPI func(ctx context.Context, c *client.Client, id string) (*T, error)
	// Gone reports a resource that is as good as deleted (being deleted).
	Gone func(*T) bool
	// FromAPI sets the model from the API.
	FromAPI func(ctx context.Context, pd *ProviderData, m PM, v *T) diag.Diagnostics
	// UpdateAPI starts the update from plan to state.
	UpdateAPI func(ctx context.Context, c *client.Client, plan, state, config PM, diags *diag.Diagnostics) (*api.Operation, error)
	// DeleteAPI starts the delete.
	DeleteAPI func(ctx context.Context, c *client.Client, state PM) (*api.Operation, error)
	// ImportID turns an import ID into the resource's ID (for example by
	// looking up a name).
	ImportID func(ctx context.Context, c *client.Client, raw string) (string, error)
	// Removed reports a failed create after which the control plane kept
	// nothing (so nothing stays in state either). Optional.
	Removed func(error) bool
	// CreateTimeout is the family's default create timeout (0:
	// DefaultCreateTimeout).
	CreateTimeout time.Duration
	// AdoptHint says how to find and import the object a failed create may
	// have made anyway (see AddCreateError). Optional: by default, by name.
	AdoptHint func(plan PM) string
}

// Applied is what a synchronous family's API calls (its change is made
// when the call answers, as for shutdown schedules) hand the lifecycle in
// place of an operation: nothing to wait for; id names the resource, which
// the lifecycle then reads back like any other.
func Applied(id string, err error) (*api.Operation, error) {
	if err != nil {
		return nil, err
	}
	return &api.Operation{TargetID: id, Status: api.OperationSucceeded}, nil
}

// ResourceBase is the Metadata and Configure every resource shares.
type ResourceBase struct {
	// TypeName is the suffix after the provider's name ("_gpu_pool").
	TypeName string
	data     *ProviderData
}

// ProviderData is the configured provider, nil before Configure.
func (b *ResourceBase) ProviderData() *ProviderData { return b.data }

func (b *ResourceBase) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + b.TypeName
}

func (b *ResourceBase) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	b.data = FromProviderData(req.ProviderData, &resp.Diagnostics)
}

func (l *Lifecycle[M, PM, T]) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	plan, cfg := PM(new(M)), PM(new(M))
	resp.Diagnostics.Append(req.Plan.Get(ctx, plan)...)
	resp.Diagnostics.Append(req.Config.Get(ctx, cfg)...)
	if resp.Diagnostics.HasError() {
		return
	}
	timeout, d := plan.TimeoutsValue().Create(ctx, cmp.Or(l.CreateTimeout, DefaultCreateTimeout))
	resp.Diagnostics.Append(d...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	_, name, _ := plan.Identity()
	action := fmt.Sprintf("create %s %q", l.Noun, name)
	op, err := l.CreateAPI(ctx, l.data.Client, plan, cfg, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	if err != nil {
		hint := fmt.Sprintf("Look for a %s named %q. If it is there, adopt it with `terraform import <address of this resource> <its ID>` instead of applying again, or delete it.", l.Noun, name)
		if l.AdoptHint != nil {
			hint = l.AdoptHint(plan)
		}
		AddCreateError(&resp.Diagnostics, action, err, l.Fields, hint)
		return
	}
	// Save the ID before waiting: if the wait fails or times out, Terraform
	// still tracks the resource instead of leaking it.
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), op.TargetID)...)
	action = fmt.Sprintf("create %s %q (%s)", l.Noun, name, op.TargetID)
	if err := Wait(ctx, l.data.Client, op, action, l.Fields, &resp.Diagnostics); err != nil {
		if l.Removed != nil && l.Removed(err) {
			resp.State.RemoveResource(ctx)
			return
		}
		resp.Diagnostics.AddWarning(fmt.Sprintf("%s saved in state as tainted", capitalize(l.Noun)),
			fmt.Sprintf("%s %s exists in the control plane and its ID is in the Terraform state, marked tainted: the next apply replaces it. To keep it instead, run `terraform untaint` on this resource.", capitalize(l.Noun), op.TargetID))
		return
	}
	l.readInto(ctx, op.TargetID, "created", plan, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, plan)...)
}

// readInto refreshes m after a change. A resource gone right after its
// change is an error that says so, not an empty result.
func (l *Lifecycle[M, PM, T]) readInto(ctx context.Context, id, done string, m PM, diags *diag.Diagnostics) {
	v, err := l.ReadAPI(ctx, l.data.Client, id)
	if errors.Is(err, client.ErrNotFound) {
		diags.AddError(fmt.Sprintf("%s disappeared", capitalize(l.Noun)),
			fmt.Sprintf("%s %s was %s, but it was gone when read back: it was deleted outside Terraform in the meantime. Run `terraform apply` again to create it anew.", capitalize(l.Noun), id, done))
		return
	}
	if err != nil {
		AddError(diags, fmt.Sprintf("read %s %s", l.Noun, id), err, l.Fields)
		return
	}
	diags.Append(l.FromAPI(ctx, l.data, m, v)...)
}

func (l *Lifecycle[M, PM, T]) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	// Refresh runs Read for every resource: through the model's codec, not
	// the framework's per-call reflection (see stateCodec).
	state := PM(new(M))
	resp.Diagnostics.Append(GetState(ctx, req.State, (*M)(state))...)
	if resp.Diagnostics.HasError() {
		return
	}
	id, _, _ := state.Identity()
	v, err := l.ReadAPI(ctx, l.data.Client, id)
	if errors.Is(err, client.ErrNotFound) || (err == nil && l.Gone != nil && l.Gone(v)) {
		tflog.Warn(ctx, l.Noun+" is gone from the control plane; removing it from state", map[string]any{"id": id})
		resp.State.RemoveResource(ctx)
		return
	}
	if err != nil {
		AddError(&resp.Diagnostics, fmt.Sprintf("read %s %s", l.Noun, id), err, l.Fields)
		return
	}
	resp.Diagnostics.Append(l.FromAPI(ctx, l.data, state, v)...)
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(SetState(ctx, &resp.State, (*M)(state))...)
}

func (l *Lifecycle[M, PM, T]) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	plan, state, cfg := PM(new(M)), PM(new(M)), PM(new(M))
	resp.Diagnostics.Append(req.Plan.Get(ctx, plan)...)
	resp.Diagnostics.Append(GetState(ctx, req.State, (*M)(state))...)
	resp.Diagnostics.Append(req.Config.Get(ctx, cfg)...)
	if resp.Diagnostics.HasError() {
		return
	}
	timeout, d := plan.TimeoutsValue().Update(ctx, DefaultUpdateTimeout)
	resp.Diagnostics.Append(d...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	id, name, _ := state.Identity()
	action := fmt.Sprintf("update %s %q (%s)", l.Noun, name, id)
	op, err := l.UpdateAPI(ctx, l.data.Client, plan, state, cfg, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	if err != nil {
		AddError(&resp.Diagnostics, action, err, l.Fields)
		return
	}
	if Wait(ctx, l.data.Client, op, action, l.Fields, &resp.Diagnostics) != nil {
		return
	}
	l.readInto(ctx, id, "updated", plan, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, plan)...)
}

func (l *Lifecycle[M, PM, T]) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	state := PM(new(M))
	resp.Diagnostics.Append(GetState(ctx, req.State, (*M)(state))...)
	if resp.Diagnostics.HasError() {
		return
	}
	id, name, _ := state.Identity()
	action := fmt.Sprintf("delete %s %q (%s)", l.Noun, name, id)
	DeleteAndWait(ctx, l.data.Client, state.TimeoutsValue(), action, l.Fields, &resp.Diagnostics, func(ctx context.Context) (*api.Operation, error) {
		return l.DeleteAPI(ctx, l.data.Client, state)
	})
}

func (l *Lifecycle[M, PM, T]) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	id, err := l.ImportID(ctx, l.data.Client, req.ID)
	if err != nil {
		AddError(&resp.Diagnostics, fmt.Sprintf("import %s %q", l.Noun, req.ID), err, Fields{})
		return
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), id)...)
}

func capitalize(s string) string {
	if s == "" || s[0] < 'a' || s[0] > 'z' {
		return s
	}
	return string(s[0]-'a'+'A') + s[1:]
}
