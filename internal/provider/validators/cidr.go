package validators

import (
	"fmt"
	"net/netip"

	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
)

// CIDR accepts an IPv4 or IPv6 network in canonical CIDR form. Host bits
// are refused rather than masked: the control plane would store the masked
// network and the next plan would show a difference.
func CIDR() validator.String {
	return stringFunc{
		desc: "a network in CIDR notation without host bits, such as 203.0.113.0/24 or 2001:db8::/32",
		check: func(s string) error {
			p, err := netip.ParsePrefix(s)
			if err != nil {
				if a, aerr := netip.ParseAddr(s); aerr == nil {
					return fmt.Errorf("%q is an address, not a network; write \"%s/%d\" for this address alone", s, a, a.BitLen())
				}
				return fmt.Errorf("%q is not a network in CIDR notation such as \"203.0.113.0/24\" or \"2001:db8::/32\"", s)
			}
			if p != p.Masked() {
				return fmt.Errorf("%q has host bits set; write the network \"%s\"", s, p.Masked())
			}
			return nil
		},
	}
}
