package sqlstore

import (
	"errors"
	"strings"
	"testing"

	"github.com/openclaw/terraform-provider-openclaw/internal/controlplane/store"
)

// FuzzPageToken: a token from a client is either the ID the server encoded
// in it or ErrInvalidPageToken, never a panic or another error.
func FuzzPageToken(f *testing.F) {
	f.Fuzz(func(t *testing.T, tok string) {
		id, err := decodeToken(tok)
		if err != nil {
			if !errors.Is(err, store.ErrInvalidPageToken) {
				t.Fatalf("%q: %v", tok, err)
			}
			return
		}
		if tok != "" && (id == "" || strings.Contains(id, "~")) {
			t.Fatalf("%q decoded to %q", tok, id)
		}
		if tok != "" {
			if back, err := decodeToken(encodeToken(id)); err != nil || back != id {
				t.Fatalf("%q: %q does not round-trip: %q, %v", tok, id, back, err)
			}
		}
		if _, err := decodeIntToken(tok); err != nil && !errors.Is(err, store.ErrInvalidPageToken) {
			t.Fatalf("%q as an integer token: %v", tok, err)
		}
	})
}

// FuzzPageTokenRoundTrip: every ID the store hands out comes back.
func FuzzPageTokenRoundTrip(f *testing.F) {
	f.Fuzz(func(t *testing.T, id string) {
		if id == "" || len(id) > 200 || strings.ContainsAny(id, "~") || strings.ContainsFunc(id, func(r rune) bool { return r <= ' ' || r >= 0x7f }) {
			return // not an ID: IDs are printable ASCII without "~"
		}
		back, err := decodeToken(encodeToken(id))
		if err != nil || back != id {
			t.Fatalf("%q: %q, %v", id, back, err)
		}
	})
}
