package shared

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/openclaw/terraform-provider-openclaw/internal/client"
)

// Lookup is the Read of a data source that finds one object by its ID or,
// when the ID is not configured, by another key such as its name. A family
// embeds it in its data source and declares the two lookups and the
// mapping; M is the data source's model, T the API type.
type Lookup[M any, T any] struct {
	DataSourceBase
	// ID is the model's id attribute.
	ID func(*M) types.String
	// ByID reads the object; what names the lookup in errors ("read
	// environment env_…").
	ByID func(ctx context.Context, c *client.Client, id string) (v *T, what string, err error)
	// ByKey finds the object from the rest of the configuration.
	ByKey func(ctx context.Context, c *client.Client, m *M) (v *T, what string, err error)
	// FromAPI fills the model.
	FromAPI func(ctx context.Context, m *M, v *T) diag.Diagnostics
}

func (l *Lookup[M, T]) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	m := new(M)
	resp.Diagnostics.Append(req.Config.Get(ctx, m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	var (
		v    *T
		what string
		err  error
	)
	if id := l.ID(m); Known(id) {
		v, what, err = l.ByID(ctx, l.Data().Client, id.ValueString())
	} else {
		v, what, err = l.ByKey(ctx, l.Data().Client, m)
	}
	if err != nil {
		AddError(&resp.Diagnostics, what, err, Fields{})
		return
	}
	resp.Diagnostics.Append(l.FromAPI(ctx, m, v)...)
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, m)...)
}
