package validators

import (
	"net/netip"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/openclaw/terraform-provider-openclaw/internal/api"
)

// FuzzName: the plan accepts exactly the names the control plane accepts,
// messages are UTF-8, and the suggested name is itself valid.
func FuzzName(f *testing.F) {
	f.Fuzz(func(t *testing.T, s string) {
		err := checkName(s)
		if ok := len(api.ValidateName("name", s)) == 0; ok != (err == nil) {
			t.Fatalf("%q: %v", s, err)
		}
		if err != nil && !utf8.ValidString(err.Error()) {
			t.Fatalf("%q: message is not UTF-8: %q", s, err)
		}
		if sug := suggestName(s); checkName(sug) != nil {
			t.Fatalf("suggestion %q for %q is invalid: %v", sug, s, checkName(sug))
		}
	})
}

// FuzzCIDR: only canonical networks pass, and the suggested network for
// host bits is itself accepted.
func FuzzCIDR(f *testing.F) {
	check := CIDR().(stringFunc).check
	f.Fuzz(func(t *testing.T, s string) {
		err := check(s)
		p, perr := netip.ParsePrefix(s)
		if err == nil && (perr != nil || p != p.Masked()) {
			t.Fatalf("%q accepted", s)
		}
		if perr == nil && p == p.Masked() && err != nil {
			t.Fatalf("%q refused: %v", s, err)
		}
		if perr == nil && p != p.Masked() {
			if err := check(p.Masked().String()); err != nil {
				t.Fatalf("the suggested %s is refused: %v", p.Masked(), err)
			}
		}
	})
}

// FuzzDuration: accepted values parse and are within bounds.
func FuzzDuration(f *testing.F) {
	lo, hi := time.Second, 7*24*time.Hour
	check := Duration(lo, hi).(stringFunc).check
	f.Fuzz(func(t *testing.T, s string) {
		err := check(s)
		d, perr := time.ParseDuration(s)
		if ok := perr == nil && d >= lo && d <= hi; ok != (err == nil) {
			t.Fatalf("%q: %v", s, err)
		}
	})
}
