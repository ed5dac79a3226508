package validators

import (
	"context"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

func runAll(vs []validator.String, p path.Path, v string) diag.Diagnostics {
	var d diag.Diagnostics
	for _, x := range vs {
		resp := &validator.StringResponse{}
		x.ValidateString(context.Background(), validator.StringRequest{Path: p, ConfigValue: types.StringValue(v)}, resp)
		d.Append(resp.Diagnostics...)
	}
	return d
}

// One mistake is one error, and it says what to write instead.
func TestNameOneErrorPerMistake(t *testing.T) {
	cases := map[string]string{
		"":                       "the name is empty",
		"Bad_Name":               `"Bad_Name" is not a DNS label: use lowercase letters, digits and hyphens, starting with a letter and not ending with a hyphen, such as "bad-name"`,
		"1st":                    `such as "st"`,
		strings.Repeat("a", 41):  "is 41 characters long; a name is at most 40",
		"--":                     `such as "prod-eu"`,
		"ok-name":                "",
		strings.Repeat("b", 40):  "",
		"CI Key With Many Words": `such as "ci-key-with-many-words"`,
	}
	for in, want := range cases {
		d := runAll(Name(), path.Root("name"), in)
		if want == "" {
			if d.HasError() {
				t.Errorf("%q: unexpected %v", in, d)
			}
			continue
		}
		if d.ErrorsCount() != 1 || !strings.Contains(d.Errors()[0].Detail(), want) || d.Errors()[0].Summary() != "Invalid name" {
			t.Errorf("%q: %v, want one \"Invalid name\" error saying %q", in, d, want)
		}
		if s := suggestName(in); s != "prod-eu" && checkName(s) != nil {
			t.Errorf("suggestion %q for %q is not a valid name", s, in)
		}
	}
}

// A set element's summary names the set, not the framework's path syntax.
func TestLabel(t *testing.T) {
	cidrs := path.Root("allowed_cidrs").AtSetValue(types.StringValue("10.0.0.1/33"))
	d := runAll([]validator.String{CIDR()}, cidrs, "10.0.0.1/33")
	if d.ErrorsCount() != 1 || d.Errors()[0].Summary() != "Invalid allowed_cidrs entry" {
		t.Fatalf("%v, want one error headed \"Invalid allowed_cidrs entry\"", d)
	}
	for p, want := range map[string]path.Path{
		"timeouts.create":      path.Root("timeouts").AtName("create"),
		`labels["team"]`:       path.Root("labels").AtMapKey("team"),
		"capacity_fallback[1]": path.Root("capacity_fallback").AtListIndex(1),
	} {
		if got := Label(want); got != p {
			t.Errorf("Label(%s) = %q, want %q", want, got, p)
		}
	}
}

// Memory sizes suggest only values in range.
func TestInt64Steps(t *testing.T) {
	v := steps{lo: 1024, hi: 524288, step: 256}
	for in, want := range map[int64]string{
		1000:   "1000 is below the minimum of 1024: use 1024 or more, in steps of 256.",
		768:    "768 is below the minimum of 1024",
		524544: "524544 is above the maximum of 524288: use 524288 or less",
		4000:   "4000 is not a multiple of 256; the nearest valid values are 3840 and 4096.",
		4096:   "",
		1024:   "",
	} {
		if got := v.check(in); (want == "") != (got == "") || !strings.Contains(got, want) {
			t.Errorf("%d: %q, want %q", in, got, want)
		}
	}
}
