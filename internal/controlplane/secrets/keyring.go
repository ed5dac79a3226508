// Package secrets encrypts secret values at rest with AES-256-GCM.
//
// The key comes from OPENCLAW_ENCRYPTION_KEY (32 bytes, base64) or from a key
// file the control plane creates in its data directory on first start.
// Several replicas sharing one PostgreSQL must share the key, so production
// deployments set the environment variable.
package secrets

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// KeyFileName is the key file's name inside the data directory.
const KeyFileName = "encryption.key"

// Keyring seals and opens secret values and fingerprints them.
type Keyring struct {
	aead   cipher.AEAD
	macKey []byte
}

// New builds a keyring from a 32-byte key.
func New(key []byte) (*Keyring, error) {
	if len(key) != 32 {
		return nil, fmt.Errorf("encryption key must be 32 bytes, got %d", len(key))
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	// A separate key for fingerprints, so a fingerprint never depends on the
	// encryption key directly.
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte("openclaw fingerprint key v1"))
	return &Keyring{aead: aead, macKey: mac.Sum(nil)}, nil
}

// ParseKey decodes a base64 (standard or URL, padded or not) 32-byte key.
func ParseKey(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(s); err == nil {
			if len(b) != 32 {
				return nil, fmt.Errorf("encryption key decodes to %d bytes; want 32 (generate one with: openssl rand -base64 32)", len(b))
			}
			return b, nil
		}
	}
	return nil, errors.New("encryption key is not valid base64 (generate one with: openssl rand -base64 32)")
}

// Load returns the keyring for envKey if set, otherwise the one in dataDir's
// key file, creating that file (mode 0600) when absent. created reports
// whether a new key file was written.
func Load(envKey, dataDir string) (k *Keyring, created bool, err error) {
	if envKey != "" {
		key, err := ParseKey(envKey)
		if err != nil {
			return nil, false, fmt.Errorf("OPENCLAW_ENCRYPTION_KEY: %w", err)
		}
		k, err := New(key)
		return k, false, err
	}
	path := filepath.Join(dataDir, KeyFileName)
	raw, err := os.ReadFile(path)
	switch {
	case err == nil:
		key, err := ParseKey(string(raw))
		if err != nil {
			return nil, false, fmt.Errorf("%s: %w", path, err)
		}
		k, err := New(key)
		return k, false, err
	case errors.Is(err, os.ErrNotExist):
		key := make([]byte, 32)
		if _, err := rand.Read(key); err != nil {
			return nil, false, err
		}
		if err := os.MkdirAll(dataDir, 0o700); err != nil {
			return nil, false, err
		}
		// O_EXCL: two processes starting at once must not overwrite each other's key.
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err != nil {
			if errors.Is(err, os.ErrExist) {
				return Load("", dataDir)
			}
			return nil, false, fmt.Errorf("create %s: %w", path, err)
		}
		if _, err := f.WriteString(base64.StdEncoding.EncodeToString(key) + "\n"); err != nil {
			f.Close()
			return nil, false, err
		}
		if err := f.Close(); err != nil {
			return nil, false, err
		}
		k, err := New(key)
		return k, true, err
	default:
		return nil, false, fmt.Errorf("read %s: %w", path, err)
	}
}

// Seal encrypts value; aad binds the ciphertext to its owner and name so a
// ciphertext copied to another row does not decrypt.
func (k *Keyring) Seal(value, aad string) (nonce, ciphertext []byte, err error) {
	nonce = make([]byte, k.aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return nil, nil, err
	}
	return nonce, k.aead.Seal(nil, nonce, []byte(value), []byte(aad)), nil
}

// Open decrypts what Seal produced with the same aad.
func (k *Keyring) Open(nonce, ciphertext []byte, aad string) (string, error) {
	plain, err := k.aead.Open(nil, nonce, ciphertext, []byte(aad))
	if err != nil {
		return "", errors.New("secret does not decrypt: wrong encryption key or tampered data")
	}
	return string(plain), nil
}

// Fingerprint is a short keyed hash of value: it changes when the value
// changes and reveals nothing without the key.
func (k *Keyring) Fingerprint(value string) string {
	mac := hmac.New(sha256.New, k.macKey)
	mac.Write([]byte(value))
	return hex.EncodeToString(mac.Sum(nil))[:16]
}
