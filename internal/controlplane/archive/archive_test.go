package archive_test

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	_ "modernc.org/sqlite"

	"github.com/openclaw/terraform-provider-openclaw/internal/controlplane/archive"
)

func writeFile(t *testing.T, root, rel, content string) {
	t.Helper()
	p := filepath.Join(root, filepath.FromSlash(rel))
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

func stateDir(t *testing.T) string {
	dir := t.TempDir()
	writeFile(t, dir, "openclaw.json", `{"gateway":{"port":18789}}`)
	writeFile(t, dir, ".env", "ANTHROPIC_API_KEY=sk-prod\n")
	writeFile(t, dir, "credentials/whatsapp.json", `{"session":"prod"}`)
	writeFile(t, dir, "workspace/AGENTS.md", "# Agents\n")
	writeFile(t, dir, "workspace/memory/2026-12-01.md", "remembered\n")
	if err := os.Symlink("AGENTS.md", filepath.Join(dir, "workspace", "CLAUDE.md")); err != nil {
		t.Fatal(err)
	}
	return dir
}

var meta = archive.Meta{OpenClawVersion: "2026.11.3", EnvironmentID: "env_1", EnvironmentName: "prod", CreatedAt: time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)}

func TestRoundTripManifestAndSHA256(t *testing.T) {
	ctx := context.Background()
	src := stateDir(t)
	var buf bytes.Buffer
	m, err := archive.Dir{}.Create(ctx, src, meta, &buf)
	if err != nil {
		t.Fatal(err)
	}
	if m.OpenClawVersion != "2026.11.3" || m.EnvironmentID != "env_1" || m.EnvironmentName != "prod" || !m.CreatedAt.Equal(meta.CreatedAt) {
		t.Errorf("manifest metadata = %+v", m)
	}
	byPath := map[string]archive.File{}
	for _, f := range m.Files {
		byPath[f.Path] = f
	}
	want := sha256.Sum256([]byte("# Agents\n"))
	if f := byPath["workspace/AGENTS.md"]; f.Size != 9 || f.SHA256 != hex.EncodeToString(want[:]) {
		t.Errorf("manifest entry for workspace/AGENTS.md = %+v, want size 9 and sha256 %x", f, want)
	}
	if f := byPath["workspace/CLAUDE.md"]; f.Link != "AGENTS.md" {
		t.Errorf("symlink entry = %+v", f)
	}
	if len(m.Files) != 6 {
		t.Errorf("manifest has %d files, want 6: %+v", len(m.Files), m.Files)
	}
	// The manifest inside the archive is the one returned.
	vm, err := archive.Verify(ctx, bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatalf("verify: %v", err)
	}
	a, _ := json.Marshal(m)
	b, _ := json.Marshal(vm)
	if !bytes.Equal(a, b) {
		t.Errorf("archived manifest differs:\n%s\n%s", a, b)
	}

	dest := filepath.Join(t.TempDir(), "restored")
	if _, err := (archive.Dir{}).Restore(ctx, bytes.NewReader(buf.Bytes()), dest, archive.RestoreOptions{}); err != nil {
		t.Fatal(err)
	}
	for _, f := range m.Files {
		if f.Link != "" {
			got, err := os.Readlink(filepath.Join(dest, f.Path))
			if err != nil || got != f.Link {
				t.Errorf("%s: link %q, %v", f.Path, got, err)
			}
			continue
		}
		data, err := os.ReadFile(filepath.Join(dest, f.Path))
		if err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(data)
		if hex.EncodeToString(sum[:]) != f.SHA256 {
			t.Errorf("%s restored with different content", f.Path)
		}
	}
	// A second restore into the same directory is refused: fresh only.
	if _, err := (archive.Dir{}).Restore(ctx, bytes.NewReader(buf.Bytes()), dest, archive.RestoreOptions{}); err == nil || !strings.Contains(err.Error(), "fresh") {
		t.Errorf("restore into an existing directory: %v", err)
	}
}

func TestRestoreExcludes(t *testing.T) {
	ctx := context.Background()
	var buf bytes.Buffer
	if _, err := (archive.Dir{}).Create(ctx, stateDir(t), meta, &buf); err != nil {
		t.Fatal(err)
	}
	dest := filepath.Join(t.TempDir(), "staging")
	exclude := func(p string) bool { return p == ".env" || p == "credentials" || strings.HasPrefix(p, "credentials/") }
	if _, err := (archive.Dir{}).Restore(ctx, &buf, dest, archive.RestoreOptions{Exclude: exclude}); err != nil {
		t.Fatal(err)
	}
	for _, gone := range []string{".env", "credentials/whatsapp.json", "credentials"} {
		if _, err := os.Stat(filepath.Join(dest, gone)); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s was restored despite the exclusion (%v)", gone, err)
		}
	}
	if _, err := os.Stat(filepath.Join(dest, "workspace", "memory", "2026-12-01.md")); err != nil {
		t.Error(err)
	}
}

// A database written to continuously while it is archived is copied
// consistently: the copy opens and passes PRAGMA integrity_check, and no
// -wal or -shm file is archived.
func TestSQLiteOnlineCopyWhileWriting(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	dbPath := filepath.Join(dir, "state", "openclaw.sqlite")
	if err := os.MkdirAll(filepath.Dir(dbPath), 0o700); err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("sqlite", "file:"+dbPath+"?_pragma=journal_mode(WAL)&_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	if _, err := db.Exec(`CREATE TABLE messages (id INTEGER PRIMARY KEY, body TEXT NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 2000; i++ {
		if _, err := db.Exec(`INSERT INTO messages (body) VALUES (?)`, strings.Repeat("x", 200)); err != nil {
			t.Fatal(err)
		}
	}
	var stop atomic.Bool
	var wg sync.WaitGroup
	var writes atomic.Int64
	wg.Add(1)
	written := make(chan struct{})
	go func() {
		defer wg.Done()
		for !stop.Load() {
			tx, err := db.Begin()
			if err != nil {
				t.Error(err)
				return
			}
			for j := 0; j < 50; j++ {
				if _, err := tx.Exec(`INSERT INTO messages (body) VALUES (?)`, fmt.Sprint("during snapshot ", j)); err != nil {
					t.Error(err)
					_ = tx.Rollback()
					return
				}
			}
			if err := tx.Commit(); err != nil {
				t.Error(err)
				return
			}
			if writes.Add(1) == 5 {
				close(written)
			}
		}
	}()
	// Let the writer run so the WAL holds uncheckpointed pages.
	select {
	case <-written:
	case <-time.After(30 * time.Second):
		t.Fatal("the writer did not commit 5 transactions within 30s")
	}
	if _, err := os.Stat(dbPath + "-wal"); err != nil {
		t.Fatalf("the database should be in WAL mode with a -wal file: %v", err)
	}
	var buf bytes.Buffer
	m, err := archive.Dir{}.Create(ctx, dir, meta, &buf)
	stop.Store(true)
	wg.Wait()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range m.Files {
		if strings.HasSuffix(f.Path, "-wal") || strings.HasSuffix(f.Path, "-shm") {
			t.Errorf("archived a live SQLite side file: %s", f.Path)
		}
	}
	dest := filepath.Join(t.TempDir(), "restored")
	if _, err := (archive.Dir{}).Restore(ctx, &buf, dest, archive.RestoreOptions{}); err != nil {
		t.Fatal(err)
	}
	copyDB, err := sql.Open("sqlite", "file:"+filepath.Join(dest, "state", "openclaw.sqlite")+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer copyDB.Close()
	var check string
	if err := copyDB.QueryRow(`PRAGMA integrity_check`).Scan(&check); err != nil || check != "ok" {
		t.Fatalf("integrity_check of the copy = %q, %v", check, err)
	}
	var n, partial int
	if err := copyDB.QueryRow(`SELECT count(*), count(*) % 50 FROM messages WHERE body LIKE 'during snapshot %'`).Scan(&n, &partial); err != nil {
		t.Fatal(err)
	}
	// Transactions are all or nothing in the copy.
	if partial != 0 {
		t.Errorf("the copy holds %d rows of a half-committed transaction", partial)
	}
	var total int
	if err := copyDB.QueryRow(`SELECT count(*) FROM messages`).Scan(&total); err != nil || total < 2000 {
		t.Errorf("copy holds %d rows (%v), want at least the 2000 written before", total, err)
	}
}

// crafted builds a .tar.gz from entries, adding a manifest that matches its
// regular files unless manifest is given.
type entry struct {
	hdr  tar.Header
	body string
}

func crafted(t *testing.T, entries []entry, manifest *archive.Manifest) []byte {
	t.Helper()
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	m := archive.Manifest{FormatVersion: archive.FormatVersion, Files: []archive.File{}}
	for _, e := range entries {
		h := e.hdr
		if h.Typeflag == tar.TypeReg {
			h.Size = int64(len(e.body))
			sum := sha256.Sum256([]byte(e.body))
			m.Files = append(m.Files, archive.File{Path: h.Name, Size: h.Size, SHA256: hex.EncodeToString(sum[:]), Mode: 0o600})
		}
		if h.Mode == 0 {
			h.Mode = 0o600
		}
		if err := tw.WriteHeader(&h); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write([]byte(e.body)); err != nil {
			t.Fatal(err)
		}
	}
	if manifest != nil {
		m = *manifest
	}
	body, _ := json.Marshal(m)
	if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: archive.ManifestName, Size: int64(len(body)), Mode: 0o600}); err != nil {
		t.Fatal(err)
	}
	_, _ = tw.Write(body)
	_ = tw.Close()
	_ = gz.Close()
	return buf.Bytes()
}

func TestRestoreRefusesTamperedArchives(t *testing.T) {
	ok := entry{hdr: tar.Header{Typeflag: tar.TypeReg, Name: "workspace/AGENTS.md"}, body: "# Agents\n"}
	cases := []struct {
		name      string
		entries   []entry
		manifest  *archive.Manifest
		limit     int64
		wantPath  string
		wantInErr string
	}{
		{"absolute path", []entry{ok, {hdr: tar.Header{Typeflag: tar.TypeReg, Name: "/etc/cron.d/evil"}, body: "x"}}, nil, 0, "/etc/cron.d/evil", "absolute"},
		{"dot-dot", []entry{ok, {hdr: tar.Header{Typeflag: tar.TypeReg, Name: "workspace/../../evil"}, body: "x"}}, nil, 0, "workspace/../../evil", `".."`},
		{"symlink escaping", []entry{ok, {hdr: tar.Header{Typeflag: tar.TypeSymlink, Name: "workspace/out", Linkname: "../../etc"}}}, nil, 0, "workspace/out", "outside"},
		{"absolute symlink", []entry{{hdr: tar.Header{Typeflag: tar.TypeSymlink, Name: "passwd", Linkname: "/etc/passwd"}}}, nil, 0, "passwd", "outside"},
		{"write through a symlink", []entry{
			{hdr: tar.Header{Typeflag: tar.TypeSymlink, Name: "w", Linkname: "workspace"}},
			{hdr: tar.Header{Typeflag: tar.TypeReg, Name: "w/x"}, body: "x"},
		}, nil, 0, "w/x", "through the link"},
		{"hard link", []entry{ok, {hdr: tar.Header{Typeflag: tar.TypeLink, Name: "passwd", Linkname: "/etc/passwd"}}}, nil, 0, "passwd", "hard link"},
		{"device", []entry{{hdr: tar.Header{Typeflag: tar.TypeChar, Name: "null", Devmajor: 1, Devminor: 3}}}, nil, 0, "null", "device"},
		{"size bomb", []entry{ok, {hdr: tar.Header{Typeflag: tar.TypeReg, Name: "big"}, body: strings.Repeat("0", 4096)}}, nil, 1024, "big", "size limit"},
		{"content changed", []entry{ok}, &archive.Manifest{FormatVersion: 1, Files: []archive.File{{Path: "workspace/AGENTS.md", Size: 9, SHA256: strings.Repeat("0", 64)}}}, 0, "workspace/AGENTS.md", "SHA-256"},
		{"file not in manifest", []entry{ok}, &archive.Manifest{FormatVersion: 1, Files: []archive.File{}}, 0, "workspace/AGENTS.md", "not in the manifest"},
		{"file missing", []entry{ok}, &archive.Manifest{FormatVersion: 1, Files: []archive.File{{Path: "gone.md", Size: 1}}}, 0, "gone.md", "missing"},
		{"duplicate", []entry{ok, ok}, nil, 0, "workspace/AGENTS.md", "twice"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			data := crafted(t, tc.entries, tc.manifest)
			parent := t.TempDir()
			dest := filepath.Join(parent, "state")
			_, err := archive.Dir{}.Restore(context.Background(), bytes.NewReader(data), dest, archive.RestoreOptions{MaxBytes: tc.limit})
			var ee *archive.EntryError
			if !errors.As(err, &ee) {
				t.Fatalf("restore error = %v, want an *archive.EntryError", err)
			}
			if ee.Path != tc.wantPath || !strings.Contains(err.Error(), tc.wantInErr) {
				t.Errorf("error %q names %q; want path %q and %q", err, ee.Path, tc.wantPath, tc.wantInErr)
			}
			// Nothing half-written: the parent is as empty as before.
			left, _ := os.ReadDir(parent)
			if len(left) != 0 {
				t.Errorf("restore left %v behind", left)
			}
			// Verify reports the same entry (it has no size limit and writes
			// nothing, so it cannot be written through a link).
			if tc.limit != 0 || tc.name == "write through a symlink" {
				return
			}
			if _, verr := archive.Verify(context.Background(), bytes.NewReader(data)); verr == nil || !strings.Contains(verr.Error(), tc.wantPath) {
				t.Errorf("verify = %v", verr)
			}
		})
	}
}

func TestVerifyDetectsTruncation(t *testing.T) {
	var buf bytes.Buffer
	if _, err := (archive.Dir{}).Create(context.Background(), stateDir(t), meta, &buf); err != nil {
		t.Fatal(err)
	}
	data := buf.Bytes()
	if _, err := archive.Verify(context.Background(), bytes.NewReader(data[:len(data)/2])); err == nil {
		t.Fatal("a truncated archive verified")
	}
}
