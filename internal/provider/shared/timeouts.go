package shared

import (
	"context"
	"fmt"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"

	"github.com/openclaw/terraform-provider-openclaw/internal/provider/validators"
)

// MaxTimeout bounds every `timeouts` value: a week.
const MaxTimeout = 7 * 24 * time.Hour

// TimeoutsAttribute is the `timeouts = { create = "30m" }` nested attribute
// with documented defaults. The timeouts module's own attribute carries no
// descriptions, so the docs would show bare names.
func TimeoutsAttribute(ctx context.Context, opts timeouts.Opts) schema.Attribute {
	attr, ok := timeouts.Attributes(ctx, opts).(schema.SingleNestedAttribute)
	if !ok {
		panic("timeouts.Attributes no longer returns a SingleNestedAttribute")
	}
	attr.Description = ""
	attr.MarkdownDescription = "How long to wait for the control plane's operations, as Go durations such as `\"30s\"` or `\"45m\"`. On timeout the operation goes on in the control plane and the error says so."
	defaults := map[string]string{
		"create": DefaultCreateTimeout.String(),
		"read":   DefaultReadTimeout.String(),
		"update": DefaultUpdateTimeout.String(),
		"delete": DefaultDeleteTimeout.String(),
	}
	for name, a := range attr.Attributes {
		s, ok := a.(schema.StringAttribute)
		if !ok {
			continue
		}
		s.Description = "" // the module's own, with Markdown in plain text
		s.MarkdownDescription = fmt.Sprintf("Time allowed for %s operations, from `1s` to `%s`. Default `%s`.", name, MaxTimeout, defaults[name])
		// The module's own validator says neither which attribute is wrong
		// nor that the value must be positive.
		s.Validators = []validator.String{validators.Duration(time.Second, MaxTimeout)}
		attr.Attributes[name] = s
	}
	return attr
}
