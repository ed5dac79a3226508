package ocversion

import "testing"

func TestParse(t *testing.T) {
	for _, ok := range []string{"2026.11.3", "2026.1.0", "2026.12.10-2", "2027.3.0-beta.4"} {
		if _, err := Parse(ok); err != nil {
			t.Errorf("Parse(%q): %v", ok, err)
		}
	}
	for _, bad := range []string{"", "2026.13.1", "2026.0.1", "26.1.1", "2026.01.1", "2026.1", "2026.1.1-rc.1", "v2026.1.1", "2026.1.1-beta"} {
		if _, err := Parse(bad); err == nil {
			t.Errorf("Parse(%q) accepted", bad)
		}
	}
}

func TestCompare(t *testing.T) {
	ordered := []string{"2025.12.9", "2026.1.0-beta.1", "2026.1.0-beta.2", "2026.1.0", "2026.1.0-1", "2026.1.0-2", "2026.1.1", "2026.2.0", "2026.10.0"}
	for i := range ordered {
		for j := range ordered {
			a, _ := Parse(ordered[i])
			b, _ := Parse(ordered[j])
			if got, want := Compare(a, b), sign(i-j); got != want {
				t.Errorf("Compare(%s, %s) = %d, want %d", ordered[i], ordered[j], got, want)
			}
		}
	}
}

func TestChannelAllows(t *testing.T) {
	beta, _ := Parse("2026.12.0-beta.2")
	rel, _ := Parse("2026.11.3")
	if ChannelAllows("stable", beta) || ChannelAllows("extended-stable", beta) {
		t.Error("beta build allowed on a stable channel")
	}
	if !ChannelAllows("beta", beta) || !ChannelAllows("dev", beta) || !ChannelAllows("stable", rel) || !ChannelAllows("beta", rel) {
		t.Error("allowed combination refused")
	}
}
