package archive_test

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/openclaw/terraform-provider-openclaw/internal/controlplane/archive"
)

// The layout `openclaw backup create` writes (checked with openclaw
// 2026.9.6): everything below one root, the state directory under
// <root>/payload/posix/<its absolute path>, <root>/manifest.json last.
const (
	ocRoot  = "2026-12-01T11-31-55.978+00-00-openclaw-backup"
	ocState = ocRoot + "/payload/posix/srv/openclaw/environments/env_1"
)

func ocManifest() map[string]any {
	return map[string]any{
		"schemaVersion": 1, "createdAt": "2026-12-01T11:31:55.978Z", "archiveRoot": ocRoot, "runtimeVersion": "2026.9.6",
		"platform": "linux", "options": map[string]any{"includeWorkspace": true},
		"assets":  []map[string]any{{"kind": "state", "sourcePath": "/srv/openclaw/environments/env_1", "archivePath": ocState}},
		"skipped": []any{},
	}
}

// openclawBackup builds an archive in OpenClaw's layout; extra entries go
// in as they are, manifest replaces the manifest's fields it names.
func openclawBackup(t testing.TB, manifest map[string]any, extra ...entry) []byte {
	t.Helper()
	m := ocManifest()
	for k, v := range manifest {
		m[k] = v
	}
	body, _ := json.Marshal(m)
	entries := []entry{
		{hdr: tar.Header{Typeflag: tar.TypeDir, Name: ocState + "/"}},
		{hdr: tar.Header{Typeflag: tar.TypeReg, Name: ocState + "/openclaw.json"}, body: `{"gateway":{"mode":"local"}}`},
		{hdr: tar.Header{Typeflag: tar.TypeReg, Name: ocState + "/.env"}, body: "# ANTHROPIC_API_KEY\n"},
		{hdr: tar.Header{Typeflag: tar.TypeDir, Name: ocState + "/credentials/"}},
		{hdr: tar.Header{Typeflag: tar.TypeReg, Name: ocState + "/credentials/whatsapp/creds.json"}, body: `{"session":"prod"}`},
		{hdr: tar.Header{Typeflag: tar.TypeReg, Name: ocState + "/workspace/MEMORY.md"}, body: "remembered\n"},
	}
	entries = append(entries, extra...)
	entries = append(entries, entry{hdr: tar.Header{Typeflag: tar.TypeReg, Name: ocRoot + "/manifest.json"}, body: string(body)})
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	for _, e := range entries {
		h := e.hdr
		h.Size = int64(len(e.body))
		if h.Mode == 0 {
			h.Mode = 0o644
		}
		if err := tw.WriteHeader(&h); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write([]byte(e.body)); err != nil {
			t.Fatal(err)
		}
	}
	_ = tw.Close()
	_ = gz.Close()
	return buf.Bytes()
}

func TestInspectOpenClawBackup(t *testing.T) {
	info, err := archive.Inspect(context.Background(), bytes.NewReader(openclawBackup(t, nil)), 0)
	if err != nil {
		t.Fatal(err)
	}
	if info.Format != archive.FormatOpenClawBackup || info.OpenClawVersion != "2026.9.6" || info.StatePrefix != ocState || info.Files != 4 || info.Bytes == 0 {
		t.Errorf("inspect: %+v", info)
	}
	// Our own archiver's archives are recognised too.
	var buf bytes.Buffer
	if _, err := (archive.Dir{}).Create(context.Background(), stateDir(t), meta, &buf); err != nil {
		t.Fatal(err)
	}
	if info, err := archive.Inspect(context.Background(), &buf, 0); err != nil || info.Format != archive.FormatStateArchive || info.Files != 6 {
		t.Errorf("inspect a state archive: %+v, %v", info, err)
	}
	// An OpenClaw backup is not extracted by Dir: openclaw restores it.
	_, err = archive.Dir{}.Restore(context.Background(), bytes.NewReader(openclawBackup(t, nil)), filepath.Join(t.TempDir(), "x"), archive.RestoreOptions{})
	if err == nil || !strings.Contains(err.Error(), "openclaw backup restore") {
		t.Errorf("Dir.Restore of an OpenClaw backup: %v", err)
	}
}

func TestInspectRefusesBadOpenClawBackups(t *testing.T) {
	for _, tc := range []struct {
		name     string
		manifest map[string]any
		extra    []entry
		limit    int64
		want     string
	}{
		{"entry outside the root", nil, []entry{{hdr: tar.Header{Typeflag: tar.TypeReg, Name: "elsewhere/evil"}, body: "x"}}, 0, `"elsewhere/evil": is outside the backup's root`},
		{"dot-dot", nil, []entry{{hdr: tar.Header{Typeflag: tar.TypeReg, Name: ocState + "/../../../../evil"}, body: "x"}}, 0, `".."`},
		{"link escaping", nil, []entry{{hdr: tar.Header{Typeflag: tar.TypeSymlink, Name: ocState + "/passwd", Linkname: "/etc/passwd"}}}, 0, "outside"},
		{"newer schema", map[string]any{"schemaVersion": 2}, nil, 0, "schemaVersion 2"},
		{"another root", map[string]any{"archiveRoot": "other"}, nil, 0, `names the archive root "other"`},
		{"no state asset", map[string]any{"assets": []any{}}, nil, 0, "lists no state directory"},
		{"state outside payload", map[string]any{"assets": []map[string]any{{"kind": "state", "archivePath": ocRoot + "/../x"}}}, nil, 0, "outside " + ocRoot + "/payload/"},
		{"missing state", map[string]any{"assets": []map[string]any{{"kind": "state", "archivePath": ocRoot + "/payload/posix/gone"}}}, nil, 0, "missing from the archive"},
		{"over the size limit", nil, nil, 40, "size limit of 40 bytes"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := archive.Inspect(context.Background(), bytes.NewReader(openclawBackup(t, tc.manifest, tc.extra...)), tc.limit)
			var ee *archive.EntryError
			if err == nil || !strings.Contains(err.Error(), tc.want) || !errors.As(err, &ee) {
				t.Errorf("Inspect = %v, want an *archive.EntryError containing %q", err, tc.want)
			}
		})
	}
}

// Filter leaves the excluded state files out of both formats, and what
// remains still checks.
func TestFilterExcludesCredentials(t *testing.T) {
	ctx := context.Background()
	excluded := func(p string) bool { return p == ".env" || p == "credentials" || strings.HasPrefix(p, "credentials/") }

	oc := openclawBackup(t, nil)
	info, err := archive.Inspect(ctx, bytes.NewReader(oc), 0)
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := archive.Filter(ctx, bytes.NewReader(oc), &out, info, excluded); err != nil {
		t.Fatal(err)
	}
	got, err := archive.Inspect(ctx, bytes.NewReader(out.Bytes()), 0)
	if err != nil || got.Files != 2 || got.Format != archive.FormatOpenClawBackup {
		t.Fatalf("filtered OpenClaw backup: %+v, %v", got, err)
	}
	for _, secret := range []string{"creds.json", `"session"`, ".env"} {
		if strings.Contains(untar(t, out.Bytes()), secret) {
			t.Errorf("the filtered OpenClaw backup still holds %s", secret)
		}
	}

	var buf bytes.Buffer
	if _, err := (archive.Dir{}).Create(ctx, stateDir(t), meta, &buf); err != nil {
		t.Fatal(err)
	}
	info, err = archive.Inspect(ctx, bytes.NewReader(buf.Bytes()), 0)
	if err != nil {
		t.Fatal(err)
	}
	out.Reset()
	if err := archive.Filter(ctx, bytes.NewReader(buf.Bytes()), &out, info, excluded); err != nil {
		t.Fatal(err)
	}
	dst := filepath.Join(t.TempDir(), "restored")
	m, err := archive.Dir{}.Restore(ctx, bytes.NewReader(out.Bytes()), dst, archive.RestoreOptions{})
	if err != nil {
		t.Fatalf("restore of a filtered state archive: %v", err)
	}
	if len(m.Files) != 4 {
		t.Errorf("filtered manifest lists %d files, want 4: %+v", len(m.Files), m.Files)
	}
	for _, p := range []string{".env", "credentials"} {
		if _, err := os.Lstat(filepath.Join(dst, p)); !os.IsNotExist(err) {
			t.Errorf("%s restored from a filtered archive (%v)", p, err)
		}
	}
}

// untar lists an archive's names and contents.
func untar(t *testing.T, data []byte) string {
	t.Helper()
	gz, err := gzip.NewReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(gz)
	var sb strings.Builder
	for {
		h, err := tr.Next()
		if err != nil {
			break
		}
		sb.WriteString(h.Name + "\n")
		b := new(bytes.Buffer)
		_, _ = b.ReadFrom(tr)
		sb.Write(b.Bytes())
	}
	return sb.String()
}

// FuzzInspect: any bytes are either described or refused, never a panic;
// what is accepted stays within the size limit, and an accepted OpenClaw
// backup's state directory is a clean path below its payload.
func FuzzInspect(f *testing.F) {
	good := openclawBackup(f, nil)
	f.Add(good)
	f.Add(good[:len(good)/2])
	f.Add(openclawBackup(f, nil, entry{hdr: tar.Header{Typeflag: tar.TypeSymlink, Name: ocState + "/l", Linkname: "workspace"}}))
	f.Add([]byte{0x1f, 0x8b, 0x08, 0x00})
	f.Fuzz(func(t *testing.T, data []byte) {
		const limit = 1 << 20
		info, err := archive.Inspect(context.Background(), bytes.NewReader(data), limit)
		if err != nil {
			return
		}
		if info.Bytes > limit {
			t.Fatalf("accepted %d bytes over the %d limit", info.Bytes, limit)
		}
		if info.Format == archive.FormatOpenClawBackup {
			p := info.StatePrefix
			if !strings.HasPrefix(p, info.Backup.ArchiveRoot+"/payload/") || strings.Contains("/"+p+"/", "/../") || filepath.Clean(p) != p {
				t.Fatalf("accepted a state directory at %q", p)
			}
		}
	})
}
