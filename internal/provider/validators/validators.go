// Package validators holds the plan-time validators the framework-validators
// module does not provide: durations, URLs, certificates and OpenClaw versions.
package validators

import (
	"context"
	"fmt"
	"net/url"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/schema/validator"

	"github.com/openclaw/terraform-provider-openclaw/internal/api"
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
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid "+req.Path.String(), err.Error())
	}
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

type multipleOf struct{ n int64 }

func (v multipleOf) Description(context.Context) string {
	return fmt.Sprintf("a multiple of %d", v.n)
}
func (v multipleOf) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (v multipleOf) ValidateInt64(_ context.Context, req validator.Int64Request, resp *validator.Int64Response) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if x := req.ConfigValue.ValueInt64(); x%v.n != 0 {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid "+req.Path.String(),
			fmt.Sprintf("%d is not a multiple of %d; the nearest valid values are %d and %d", x, v.n, x/v.n*v.n, (x/v.n+1)*v.n))
	}
}

// Int64MultipleOf accepts multiples of n.
func Int64MultipleOf(n int64) validator.Int64 { return multipleOf{n: n} }

// CertificatePEM accepts PEM text holding one or more certificates, by the
// rule the client and control plane load them with.
func CertificatePEM() validator.String {
	return stringFunc{
		desc: "PEM-encoded certificates (-----BEGIN CERTIFICATE-----)",
		check: func(s string) error {
			_, err := api.ParseCertificatesPEM([]byte(s))
			return err
		},
	}
}
