package validators

import (
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/types"
)

func TestCIDRAndRFC3339(t *testing.T) {
	cases := []struct {
		name    string
		errs    []string
		wantErr string
	}{
		{"ipv4 network", run(CIDR(), types.StringValue("203.0.113.0/24")), ""},
		{"ipv6 network", run(CIDR(), types.StringValue("2001:db8::/32")), ""},
		{"single address", run(CIDR(), types.StringValue("203.0.113.7/32")), ""},
		{"host bits", run(CIDR(), types.StringValue("10.1.2.3/8")), `write the network "10.0.0.0/8"`},
		{"bare address", run(CIDR(), types.StringValue("203.0.113.7")), `write "203.0.113.7/32"`},
		{"bare ipv6 address", run(CIDR(), types.StringValue("2001:db8::1")), `write "2001:db8::1/128"`},
		{"garbage", run(CIDR(), types.StringValue("office")), "not a network in CIDR notation"},
		{"timestamp", run(RFC3339(), types.StringValue("2027-01-31T12:00:00+01:00")), ""},
		{"date only", run(RFC3339(), types.StringValue("2027-01-31")), "not an RFC 3339 timestamp"},
		{"unknown skipped", run(CIDR(), types.StringUnknown()), ""},
	}
	for _, c := range cases {
		switch {
		case c.wantErr == "" && len(c.errs) > 0:
			t.Errorf("%s: unexpected error %v", c.name, c.errs)
		case c.wantErr != "" && (len(c.errs) != 1 || !strings.Contains(c.errs[0], c.wantErr)):
			t.Errorf("%s: errors %v, want one containing %q", c.name, c.errs, c.wantErr)
		}
	}
}
