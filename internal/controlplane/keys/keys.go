// Package keys defines the control plane's API key format:
//
//	ocp_<40 base62 characters of crypto/rand entropy><6 base62 characters of CRC32>
//
// The fixed prefix lets secret scanners find keys; the checksum lets them tell
// a real key from a look-alike offline, as GitHub's token format does. Only
// the SHA-256 of a key is stored: keys carry 238 bits of entropy, so a slow
// password hash would add latency to every request and no security.
package keys

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash/crc32"
	"math/big"
	"strings"
)

const (
	// Prefix starts every key this control plane issues.
	Prefix      = "ocp_"
	bodyLen     = 40
	checksumLen = 6
	// Len is the length of a generated key.
	Len = len(Prefix) + bodyLen + checksumLen
	// DisplayLen is how many leading characters are safe to show.
	DisplayLen = len(Prefix) + 8
	// MinBootstrapLen bounds operator-chosen bootstrap keys from below.
	MinBootstrapLen = 20
)

const base62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

// Generate returns a new random key.
func Generate() (string, error) {
	body := make([]byte, bodyLen)
	alphabet := big.NewInt(int64(len(base62)))
	for i := range body {
		n, err := rand.Int(rand.Reader, alphabet)
		if err != nil {
			return "", fmt.Errorf("read random bytes: %w", err)
		}
		body[i] = base62[n.Int64()]
	}
	head := Prefix + string(body)
	return head + checksum(head), nil
}

// checksum is the CRC32 (IEEE) of s in base62, left-padded to 6 characters.
func checksum(s string) string {
	n := uint64(crc32.ChecksumIEEE([]byte(s)))
	out := make([]byte, checksumLen)
	for i := checksumLen - 1; i >= 0; i-- {
		out[i] = base62[n%62]
		n /= 62
	}
	return string(out)
}

// WellFormed reports whether k has the issued format and a valid checksum.
func WellFormed(k string) bool {
	if len(k) != Len || !strings.HasPrefix(k, Prefix) {
		return false
	}
	for _, c := range k[len(Prefix):] {
		if !strings.ContainsRune(base62, c) {
			return false
		}
	}
	head := k[:len(k)-checksumLen]
	return checksum(head) == k[len(k)-checksumLen:]
}

// Hash is what the store keeps of a key.
func Hash(k string) string {
	sum := sha256.Sum256([]byte(k))
	return hex.EncodeToString(sum[:])
}

// DisplayPrefix is the part of a key that may appear in logs, audit events
// and API responses.
func DisplayPrefix(k string) string {
	if WellFormed(k) {
		return k[:DisplayLen]
	}
	// Operator-chosen keys may be short: show at most a third of them.
	return k[:min(len(k)/3, DisplayLen)]
}
