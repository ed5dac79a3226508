package shared

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"

	"github.com/openclaw/terraform-provider-openclaw/internal/api"
	"github.com/openclaw/terraform-provider-openclaw/internal/client"
)

// Fields maps the API's request field paths ("size.cpus", "labels.team",
// "models[0].id") onto a resource's attribute paths, so a validation error
// from the API points at the attribute to fix.
type Fields struct {
	// Rename maps a top-level API field to its attribute ("secrets" → "secrets_wo").
	Rename map[string]string
	// Maps lists attributes that are maps: the rest of the path is a key
	// (which may itself contain dots, as label keys do).
	Maps []string
}

// Path returns the attribute path of an API field, or false when the field
// is empty or malformed (then the error is reported on the resource).
func (f Fields) Path(field string) (path.Path, bool) {
	p := path.Empty()
	rest := field
	for first := true; ; first = false {
		end := strings.IndexAny(rest, ".[")
		if end < 0 {
			end = len(rest)
		}
		name := rest[:end]
		if name == "" {
			return path.Empty(), false
		}
		if first {
			if r, ok := f.Rename[name]; ok {
				name = r
			}
			p = path.Root(name)
		} else {
			p = p.AtName(name)
		}
		rest = rest[end:]
		for strings.HasPrefix(rest, "[") {
			closing := strings.IndexByte(rest, ']')
			if closing < 0 {
				return path.Empty(), false
			}
			i, err := strconv.Atoi(rest[1:closing])
			if err != nil || i < 0 {
				return path.Empty(), false
			}
			p = p.AtListIndex(i)
			rest = rest[closing+1:]
		}
		if rest == "" {
			return p, true
		}
		if rest[0] != '.' || len(rest) == 1 {
			return path.Empty(), false
		}
		rest = rest[1:]
		if slices.Contains(f.Maps, name) {
			return p.AtMapKey(rest), true
		}
	}
}

// AddError turns an error from the client into diagnostics. action says
// what was being done ("create environment \"staging\""); fields places
// validation errors on their attributes.
func AddError(diags *diag.Diagnostics, action string, err error, fields Fields) {
	var (
		apiErr  *client.APIError
		opErr   *client.OperationError
		waitErr *client.WaitError
	)
	switch {
	case errors.As(err, &waitErr) && errors.Is(err, context.DeadlineExceeded):
		diags.AddError("Timed out waiting for the control plane", fmt.Sprintf(
			"Could not %s in time: %s.\n\nThe operation goes on in the control plane. Raise the matching value in this resource's `timeouts` (for example `timeouts = { create = \"45m\" }`), then run `terraform apply` again.",
			action, waitErr.Error()))
		return
	case errors.As(err, &opErr):
		addProblem(diags, fmt.Sprintf("Could not %s", action), opErr.Problem, fields,
			fmt.Sprintf("The control plane accepted the request, but operation %s failed.", opID(opErr.Operation)))
		return
	case errors.As(err, &apiErr):
		addProblem(diags, fmt.Sprintf("Could not %s", action), apiErr.Problem, fields, answeredBy(apiErr))
		return
	}
	diags.AddError(fmt.Sprintf("Could not %s", action), err.Error())
}

// answeredBy says which request got which answer when the body alone does
// not: a proxy's plain text ("proxy injected 503") or an answer that
// outlasted the retries.
func answeredBy(e *client.APIError) string {
	attempts := ""
	if e.Attempts > 1 {
		attempts = fmt.Sprintf(" after %d attempts", e.Attempts)
	}
	switch {
	case e.Problem.Code == "":
		return fmt.Sprintf("%s %s answered %d %s%s, and not with a control plane problem document: a proxy or load balancer in front of the control plane may have answered.",
			e.Method, e.Path, e.StatusCode, http.StatusText(e.StatusCode), attempts)
	case attempts != "":
		return fmt.Sprintf("%s %s still answered %d %s%s.", e.Method, e.Path, e.StatusCode, http.StatusText(e.StatusCode), attempts)
	}
	return ""
}

// AddCreateError is AddError for a create. When the failed request may
// have reached the control plane, it adds that the object may exist and
// how to find and import it (lookup), instead of creating a twin.
func AddCreateError(diags *diag.Diagnostics, action string, err error, fields Fields, lookup string) {
	var own diag.Diagnostics
	AddError(&own, action, err, fields)
	if !client.MayHaveBeenSent(err) {
		diags.Append(own...)
		return
	}
	note := "\n\nThe request may have reached the control plane before it failed, so the object may exist now. " + lookup
	for _, d := range own {
		if wp, ok := d.(diag.DiagnosticWithPath); ok && len(wp.Path().Steps()) > 0 {
			diags.AddAttributeError(wp.Path(), d.Summary(), d.Detail()+note)
			continue
		}
		diags.AddError(d.Summary(), d.Detail()+note)
	}
}

func opID(op *api.Operation) string {
	if op == nil {
		return "(unknown)"
	}
	return op.ID
}

// addProblem writes one diagnostic per field error (on its attribute), or
// one for the whole problem, with the fix for its code.
func addProblem(diags *diag.Diagnostics, summary string, p api.Problem, fields Fields, context string) {
	detail := p.Detail
	if detail == "" {
		detail = p.Title
	}
	if hint := hintFor(p); hint != "" {
		detail += "\n\n" + hint
	}
	if context != "" {
		detail = context + "\n\n" + detail
	}
	if p.RequestID != "" {
		detail += fmt.Sprintf("\n\n(control plane request ID %s)", p.RequestID)
	}
	placed := false
	for _, fe := range p.Errors {
		if attr, ok := fields.Path(fe.Field); ok {
			diags.AddAttributeError(attr, summary, fmt.Sprintf("%s %s.\n\n%s", attrName(attr), fe.Message, detail))
			placed = true
		}
	}
	if !placed {
		diags.AddError(summary, detail)
	}
}

func attrName(p path.Path) string {
	return "The value of " + p.String()
}

// hintFor says how to fix a problem of each stable code.
func hintFor(p api.Problem) string {
	switch p.Code {
	case api.CodePreconditionFailed:
		return "The object changed outside Terraform after it was last read (its ETag moved on). Run `terraform apply` again: Terraform refreshes it and plans against what is there now."
	case api.CodePermissionDenied:
		if p.MissingScope != "" {
			return fmt.Sprintf("The provider's API key (prefix %s) lacks the scope %q. Configure the provider with a key that has it (api_key or OPENCLAW_API_KEY), or ask an administrator to issue one.", p.KeyPrefix, p.MissingScope)
		}
		return "The provider's API key may not do this. Check its scopes, environment binding and allowed_cidrs."
	case api.CodeUnauthenticated:
		return "Check the provider's api_key (or the OPENCLAW_API_KEY environment variable): the key may be mistyped, expired or revoked."
	case api.CodeRateLimited:
		return "The API key's rate limit was still exceeded after the provider's retries. Raise max_retries, run with lower -parallelism, or use a key with a higher rate_limit_per_minute."
	case api.CodeInternal:
		return "This is a control plane failure; it may succeed if retried. If it persists, quote the request ID to the operator."
	}
	return ""
}
