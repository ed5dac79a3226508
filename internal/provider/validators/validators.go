// Package validators holds the plan-time validators the framework-validators
// module does not provide: durations, URLs and OpenClaw versions.
package validators

import (
	"context"
	"fmt"
	"net/url"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"

	"github.com/openclaw/terraform-provider-openclaw/internal/ocversion"
)

type stringFunc struct {
	desc  string
	check func(string) error
}

func (v stringFunc) Description(context.Context) string         { return v.desc }
func (v stringFunc) MarkdownDescription(context.Context) string { return v.desc }

func (v stringFunc) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if err := v.check(req.ConfigValue.ValueString()); err != nil {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid "+Label(req.Path), err.Error())
	}
}

// Label names an attribute for a diagnostic's summary. A set element's
// path ends in its value (allowed_cidrs[Value("10.0.0.1/33")]), which the
// detail quotes anyway: the summary says "allowed_cidrs entry".
func Label(p path.Path) string {
	steps := p.Steps()
	if n := len(steps); n > 0 {
		if _, ok := steps[n-1].(path.PathStepElementKeyValue); ok {
			return Label(p.ParentPath()) + " entry"
		}
	}
	return p.String()
}

// Duration accepts Go durations between min and max.
func Duration(lo, hi time.Duration) validator.String {
	return stringFunc{
		desc: fmt.Sprintf("a duration such as \"30s\" or \"2h\", between %s and %s", lo, hi),
		check: func(s string) error {
			d, err := time.ParseDuration(s)
			if err != nil {
				return fmt.Errorf("%q is not a duration: use a number with a unit, such as \"90s\", \"15m\" or \"720h\"", s)
			}
			if d < lo || d > hi {
				return fmt.Errorf("%s is out of range: it must be between %s and %s", s, lo, hi)
			}
			return nil
		},
	}
}

// HTTPURL accepts absolute http and https URLs.
func HTTPURL() validator.String {
	return stringFunc{
		desc: "an absolute http:// or https:// URL",
		check: func(s string) error {
			u, err := url.Parse(s)
			if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
				return fmt.Errorf("%q is not an absolute http:// or https:// URL, such as https://controlplane.example.com", s)
			}
			return nil
		},
	}
}

// OpenClawVersion accepts YYYY.M.PATCH[-N|-beta.N].
func OpenClawVersion() validator.String {
	return stringFunc{
		desc: "an OpenClaw version YYYY.M.PATCH, YYYY.M.PATCH-N or YYYY.M.PATCH-beta.N",
		check: func(s string) error {
			_, err := ocversion.Parse(s)
			return err
		},
	}
}

// steps accepts multiples of step between lo and hi, with one error that
// suggests only values in range.
type steps struct{ lo, hi, step int64 }

func (v steps) Description(context.Context) string {
	return fmt.Sprintf("a multiple of %d between %d and %d", v.step, v.lo, v.hi)
}
func (v steps) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (v steps) ValidateInt64(_ context.Context, req validator.Int64Request, resp *validator.Int64Response) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if msg := v.check(req.ConfigValue.ValueInt64()); msg != "" {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid "+Label(req.Path), msg)
	}
}

func (v steps) check(x int64) string {
	switch {
	case x < v.lo:
		return fmt.Sprintf("%d is below the minimum of %d: use %d or more, in steps of %d.", x, v.lo, v.lo, v.step)
	case x > v.hi:
		return fmt.Sprintf("%d is above the maximum of %d: use %d or less, in steps of %d.", x, v.hi, v.hi, v.step)
	case x%v.step != 0:
		// lo and hi are multiples of step, so both neighbours are in range.
		below, above := x/v.step*v.step, (x/v.step+1)*v.step
		return fmt.Sprintf("%d is not a multiple of %d; the nearest valid values are %d and %d.", x, v.step, below, above)
	}
	return ""
}

// Int64Steps accepts multiples of step from lo to hi (lo and hi multiples
// of step).
func Int64Steps(lo, hi, step int64) validator.Int64 { return steps{lo: lo, hi: hi, step: step} }
