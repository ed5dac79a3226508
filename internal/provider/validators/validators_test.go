package validators

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

func run(v validator.String, value types.String) []string {
	resp := &validator.StringResponse{}
	v.ValidateString(context.Background(), validator.StringRequest{Path: path.Root("attr"), ConfigValue: value}, resp)
	var out []string
	for _, d := range resp.Diagnostics {
		out = append(out, d.Detail())
	}
	return out
}

func TestValidators(t *testing.T) {
	cases := []struct {
		name    string
		v       validator.String
		value   types.String
		wantErr string
	}{
		{"duration ok", Duration(time.Second, time.Hour), types.StringValue("30m"), ""},
		{"duration garbage", Duration(time.Second, time.Hour), types.StringValue("soon"), "not a duration"},
		{"duration too long", Duration(time.Second, time.Hour), types.StringValue("2h"), "out of range"},
		{"duration too short", Duration(time.Second, time.Hour), types.StringValue("10ms"), "out of range"},
		{"url ok", HTTPURL(), types.StringValue("https://cp.example.com:8443/base"), ""},
		{"url no scheme", HTTPURL(), types.StringValue("cp.example.com"), "not an absolute"},
		{"url ftp", HTTPURL(), types.StringValue("ftp://cp.example.com"), "not an absolute"},
		{"version ok", OpenClawVersion(), types.StringValue("2026.11.3-beta.1"), ""},
		{"version bad", OpenClawVersion(), types.StringValue("2026.13.1"), "not an OpenClaw version"},
		{"null skipped", OpenClawVersion(), types.StringNull(), ""},
		{"unknown skipped", HTTPURL(), types.StringUnknown(), ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := run(tc.v, tc.value)
			if tc.wantErr == "" && len(got) > 0 {
				t.Fatalf("unexpected error: %v", got)
			}
			if tc.wantErr != "" && (len(got) != 1 || !strings.Contains(got[0], tc.wantErr)) {
				t.Fatalf("got %v, want one error containing %q", got, tc.wantErr)
			}
		})
	}
}
