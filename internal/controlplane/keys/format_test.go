package keys

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"testing"
)

// testVector pins the format for secret scanners implementing the checksum
// themselves: the CRC32 (IEEE) of "ocp_" + body is 0x1da31c70, written as 6
// base62 digits (0-9A-Za-z), most significant first. Cross-checked with
// Python's zlib.crc32.
const testVector = "ocp_0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcd0XeJxA"

func TestChecksumTestVector(t *testing.T) {
	if got := checksum(testVector[:len(testVector)-checksumLen]); got != "0XeJxA" {
		t.Fatalf("checksum = %q, want 0XeJxA", got)
	}
	if !WellFormed(testVector) {
		t.Fatal("the test vector is not well formed")
	}
}

// CRC32 catches every swap of two adjacent different characters (a burst of
// at most 16 bits), the typical transcription error.
func TestChecksumCatchesTranspositions(t *testing.T) {
	for range 20 {
		k, err := Generate()
		if err != nil {
			t.Fatal(err)
		}
		for i := len(Prefix); i < Len-checksumLen-1; i++ {
			if k[i] == k[i+1] {
				continue
			}
			b := []byte(k)
			b[i], b[i+1] = b[i+1], b[i]
			if WellFormed(string(b)) {
				t.Fatalf("swapping positions %d and %d of %s… went unnoticed", i, i+1, k[:8])
			}
		}
	}
}

// A body outside the base62 alphabet is refused even with a matching
// checksum.
func TestWellFormedNeedsTheAlphabet(t *testing.T) {
	head := Prefix + strings.Repeat("-", bodyLen)
	if k := head + checksum(head); WellFormed(k) {
		t.Fatalf("WellFormed(%q) = true", k)
	}
}

// The body draws on the whole alphabet: 200 keys have 8000 body characters,
// and a missing symbol would mean a biased generator (chance of a false
// alarm: about 62 * (61/62)^8000, nil).
func TestGenerateUsesTheWholeAlphabet(t *testing.T) {
	counts := map[rune]int{}
	for range 200 {
		k, err := Generate()
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range k[len(Prefix) : Len-checksumLen] {
			counts[c]++
		}
	}
	for _, c := range base62 {
		if counts[c] == 0 {
			t.Errorf("%q never appears in 200 generated keys", c)
		}
	}
	if len(counts) != len(base62) {
		t.Errorf("%d distinct body characters, want %d", len(counts), len(base62))
	}
}

// Hash is the hex SHA-256 of the whole key; DisplayPrefix of an issued key
// is "ocp_" and 8 body characters, never the checksum.
func TestHashIsSHA256AndPrefixIsShort(t *testing.T) {
	sum := sha256.Sum256([]byte(testVector))
	if Hash(testVector) != hex.EncodeToString(sum[:]) {
		t.Fatalf("Hash(%s) is not its hex SHA-256", testVector)
	}
	if got := DisplayPrefix(testVector); got != "ocp_01234567" || len(got) != DisplayLen {
		t.Fatalf("DisplayPrefix = %q", got)
	}
}
