package keys

import (
	"strings"
	"testing"
)

func TestGenerateFormat(t *testing.T) {
	seen := map[string]bool{}
	for i := 0; i < 200; i++ {
		k, err := Generate()
		if err != nil {
			t.Fatal(err)
		}
		if len(k) != Len || !strings.HasPrefix(k, Prefix) {
			t.Fatalf("bad shape %q", k)
		}
		if !WellFormed(k) {
			t.Fatalf("generated key fails its own checksum: %q", k)
		}
		if seen[k] {
			t.Fatalf("duplicate key after %d draws", i)
		}
		seen[k] = true
	}
}

func TestChecksumCatchesLookAlikes(t *testing.T) {
	k, err := Generate()
	if err != nil {
		t.Fatal(err)
	}
	body := []byte(k)
	// Flip every body character in turn: CRC32 detects all single-character changes.
	for i := len(Prefix); i < len(body)-checksumLen; i++ {
		mutated := append([]byte(nil), body...)
		if mutated[i] == 'a' {
			mutated[i] = 'b'
		} else {
			mutated[i] = 'a'
		}
		if WellFormed(string(mutated)) {
			t.Fatalf("mutation at %d still well formed: %s", i, mutated)
		}
	}
	for _, bad := range []string{"", "ocp_", "ghp_" + k[4:], k + "x", k[:len(k)-1] + "!", strings.ToUpper(k)} {
		if WellFormed(bad) {
			t.Errorf("WellFormed(%q) = true", bad)
		}
	}
}

func TestHashAndPrefix(t *testing.T) {
	k := "ocp_abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMN012345"
	if got := Hash(k); len(got) != 64 || got == Hash(k+"x") || got != Hash(k) {
		t.Fatalf("Hash not a stable sha256 hex: %q", got)
	}
	if strings.Contains(Hash(k), k[4:20]) {
		t.Fatal("hash contains the key")
	}
	if got := DisplayPrefix(k); got != "ocp_abcdefgh" {
		t.Fatalf("DisplayPrefix = %q", got)
	}
	if got := DisplayPrefix("short-bootstrap-k"); len(got) != len("short-bootstrap-k")/3 {
		t.Fatalf("short prefix = %q", got)
	}
}
