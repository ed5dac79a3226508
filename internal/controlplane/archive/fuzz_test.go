package archive

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzRestore: any bytes given to Restore either restore a directory that
// matches its manifest or are refused, never a panic, and a refusal leaves
// nothing behind: no fresh directory, no staging directory, nothing outside.
func FuzzRestore(f *testing.F) {
	src := f.TempDir()
	if err := os.MkdirAll(filepath.Join(src, "workspace"), 0o700); err != nil {
		f.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(src, "workspace", "AGENTS.md"), []byte("# agents\n"), 0o600); err != nil {
		f.Fatal(err)
	}
	var good bytes.Buffer
	if _, err := (Dir{}).Create(context.Background(), src, Meta{OpenClawVersion: "2026.9.6", EnvironmentID: "env_1"}, &good); err != nil {
		f.Fatal(err)
	}
	f.Add(good.Bytes())
	f.Add(good.Bytes()[:good.Len()/2])
	f.Add([]byte{0x1f, 0x8b, 0x08, 0x00})
	f.Add([]byte("not an archive"))
	f.Fuzz(func(t *testing.T, data []byte) {
		parent := t.TempDir()
		fresh := filepath.Join(parent, "state")
		m, err := (Dir{}).Restore(context.Background(), bytes.NewReader(data), fresh, RestoreOptions{MaxBytes: 1 << 20})
		entries, _ := os.ReadDir(parent)
		if err != nil {
			if len(entries) != 0 {
				t.Fatalf("a refused archive (%v) left %d entries behind, first %q", err, len(entries), entries[0].Name())
			}
			return
		}
		if m == nil {
			t.Fatal("Restore succeeded without a manifest")
		}
		if len(entries) != 1 || entries[0].Name() != "state" {
			t.Fatalf("a restore wrote outside its directory: %v", entries)
		}
		for _, e := range m.Files {
			if strings.HasPrefix(e.Path, "/") || strings.Contains("/"+e.Path+"/", "/../") {
				t.Fatalf("restored an entry outside the directory: %q", e.Path)
			}
			if _, err := os.Lstat(filepath.Join(fresh, filepath.FromSlash(e.Path))); errors.Is(err, os.ErrNotExist) {
				t.Fatalf("manifest lists %q, which was not restored", e.Path)
			}
		}
	})
}
