package secrets

import (
	"bytes"
	"encoding/base64"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestSealOpenRoundTripAndAAD(t *testing.T) {
	k, _, err := Load("", t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	nonce, ct, err := k.Seal("sk-live-123", "env_1/ANTHROPIC_API_KEY")
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(ct, []byte("sk-live-123")) {
		t.Fatal("ciphertext contains the plaintext")
	}
	got, err := k.Open(nonce, ct, "env_1/ANTHROPIC_API_KEY")
	if err != nil || got != "sk-live-123" {
		t.Fatalf("Open = %q, %v", got, err)
	}
	if _, err := k.Open(nonce, ct, "env_2/ANTHROPIC_API_KEY"); err == nil {
		t.Fatal("ciphertext moved to another owner still decrypts")
	}
	n2, ct2, _ := k.Seal("sk-live-123", "env_1/ANTHROPIC_API_KEY")
	if bytes.Equal(n2, nonce) || bytes.Equal(ct2, ct) {
		t.Fatal("nonce reused")
	}
}

func TestLoadCreatesKeyFileOnceWith0600(t *testing.T) {
	dir := t.TempDir()
	k1, created, err := Load("", dir)
	if err != nil || !created {
		t.Fatalf("first Load: created=%v err=%v", created, err)
	}
	info, err := os.Stat(filepath.Join(dir, KeyFileName))
	if err != nil {
		t.Fatal(err)
	}
	if info.Mode().Perm() != 0o600 {
		t.Fatalf("key file mode %v", info.Mode().Perm())
	}
	k2, created, err := Load("", dir)
	if err != nil || created {
		t.Fatalf("second Load: created=%v err=%v", created, err)
	}
	nonce, ct, _ := k1.Seal("v", "a")
	if got, err := k2.Open(nonce, ct, "a"); err != nil || got != "v" {
		t.Fatal("reloaded key differs")
	}
	if k1.Fingerprint("v") != k2.Fingerprint("v") || k1.Fingerprint("v") == k1.Fingerprint("w") {
		t.Fatal("fingerprint not stable or not value-dependent")
	}
}

func TestEnvKeyWinsAndBadKeysAreExplained(t *testing.T) {
	key := base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{7}, 32))
	dir := t.TempDir()
	if _, created, err := Load(key, dir); err != nil || created {
		t.Fatalf("env key: created=%v err=%v", created, err)
	}
	if _, err := os.Stat(filepath.Join(dir, KeyFileName)); !os.IsNotExist(err) {
		t.Fatal("a key file was written although the env key was set")
	}
	for _, bad := range []string{"not base64!!", base64.StdEncoding.EncodeToString([]byte("short"))} {
		_, _, err := Load(bad, dir)
		if err == nil || !strings.Contains(err.Error(), "OPENCLAW_ENCRYPTION_KEY") {
			t.Fatalf("Load(%q) error %v does not name the variable", bad, err)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, KeyFileName), []byte("garbage"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, _, err := Load("", dir); err == nil || !strings.Contains(err.Error(), KeyFileName) {
		t.Fatalf("corrupt key file error %v does not name the file", err)
	}
}
