package archive

import (
	"archive/tar"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"
	"time"

	"github.com/klauspost/compress/gzip"
)

// Archive formats.
const (
	// FormatStateArchive is what Dir writes (the simulator's backups): the
	// state directory at the archive's root and manifest.json listing every
	// file with its size and SHA-256.
	FormatStateArchive = "openclaw-state-archive"
	// FormatOpenClawBackup is what `openclaw backup create` writes:
	// everything below one root directory, <root>/manifest.json (schema 1)
	// naming where the state directory is, under <root>/payload/.
	FormatOpenClawBackup = "openclaw-backup"
)

// Info is what Inspect found in an archive.
type Info struct {
	Format string
	// Files counts the state directory's regular files and links.
	Files int64
	// Bytes is the uncompressed size of every file in the archive.
	Bytes           int64
	OpenClawVersion string
	// Manifest is set for FormatStateArchive, Backup for FormatOpenClawBackup.
	Manifest *Manifest
	Backup   *BackupManifest
	// StatePrefix is the state directory's path inside an OpenClaw backup.
	StatePrefix string
}

// BackupManifest is the part of an OpenClaw backup's manifest.json the
// control plane reads (OpenClaw adds fields freely: unknown ones are kept
// out of the check).
type BackupManifest struct {
	SchemaVersion  int           `json:"schemaVersion"`
	CreatedAt      time.Time     `json:"createdAt"`
	ArchiveRoot    string        `json:"archiveRoot"`
	RuntimeVersion string        `json:"runtimeVersion"`
	Assets         []BackupAsset `json:"assets"`
}

// BackupAsset is one directory an OpenClaw backup holds.
type BackupAsset struct {
	Kind        string `json:"kind"`
	SourcePath  string `json:"sourcePath"`
	ArchivePath string `json:"archivePath"`
}

// backupSchemaVersion is the OpenClaw manifest schema this package reads.
const backupSchemaVersion = 1

// Inspect reads a whole archive of either format and checks it: entry
// names (relative, clean, no ".."), entry types (files, directories, links
// that stay inside), the total uncompressed size against maxBytes (zero:
// DefaultMaxBytes), and the manifest. A state archive's manifest lists every
// file's SHA-256, which is compared; an OpenClaw backup's lists none (`openclaw
// backup restore` verifies its payload), so for it every entry must lie below
// the archive root and the state directory must be there. The first problem is
// an *EntryError naming the path.
func Inspect(ctx context.Context, r io.Reader, maxBytes int64) (*Info, error) {
	return walk(ctx, r, nil, RestoreOptions{MaxBytes: maxBytes}, true)
}

// isBackupManifest: OpenClaw writes its manifest as <root>/manifest.json.
func isBackupManifest(name string) bool {
	return strings.Count(name, "/") == 1 && path.Base(name) == ManifestName
}

func readBackupManifest(r io.Reader, name string, size int64) (*BackupManifest, error) {
	if size > maxManifestBytes {
		return nil, &EntryError{Path: name, Reason: fmt.Sprintf("is %d bytes, over the %d byte limit", size, maxManifestBytes)}
	}
	var m BackupManifest
	if err := json.NewDecoder(io.LimitReader(r, size)).Decode(&m); err != nil {
		return nil, &EntryError{Path: name, Reason: "is not a valid OpenClaw backup manifest: " + err.Error()}
	}
	switch root := path.Dir(name); {
	case m.SchemaVersion != backupSchemaVersion:
		return nil, &EntryError{Path: name, Reason: fmt.Sprintf("has schemaVersion %d; this control plane reads OpenClaw backup schema %d", m.SchemaVersion, backupSchemaVersion)}
	case m.ArchiveRoot != root:
		return nil, &EntryError{Path: name, Reason: fmt.Sprintf("names the archive root %q, but it is stored under %q", m.ArchiveRoot, root)}
	}
	return &m, nil
}

// checkBackup checks an OpenClaw backup's layout against its manifest.
func checkBackup(m *BackupManifest, files map[string]seen, dirs map[string]bool, total int64) (*Info, error) {
	root := m.ArchiveRoot
	manifest := root + "/" + ManifestName
	var state string
	for _, a := range m.Assets {
		if a.Kind != "state" {
			continue
		}
		if state != "" {
			return nil, &EntryError{Path: manifest, Reason: "lists two state directories"}
		}
		if c, err := cleanName(a.ArchivePath); err != nil || !strings.HasPrefix(c, root+"/payload/") {
			return nil, &EntryError{Path: manifest, Reason: fmt.Sprintf("puts the state directory at %q, outside %s/payload/", a.ArchivePath, root)}
		}
		state = a.ArchivePath
	}
	if state == "" {
		return nil, &EntryError{Path: manifest, Reason: "lists no state directory"}
	}
	inside := func(p string) bool { return p == root || strings.HasPrefix(p, root+"/") }
	n := int64(0)
	for p := range files {
		if !inside(p) {
			return nil, &EntryError{Path: p, Reason: fmt.Sprintf("is outside the backup's root %q", root)}
		}
		if strings.HasPrefix(p, state+"/") {
			n++
		}
	}
	for p := range dirs {
		if !inside(p) {
			return nil, &EntryError{Path: p, Reason: fmt.Sprintf("is outside the backup's root %q", root)}
		}
	}
	if !dirs[state] && n == 0 {
		return nil, &EntryError{Path: state, Reason: "is listed in the manifest as the state directory but missing from the archive"}
	}
	return &Info{Format: FormatOpenClawBackup, Files: n, Bytes: total, OpenClawVersion: m.RuntimeVersion, Backup: m, StatePrefix: state}, nil
}

// stateRel is an entry's path relative to the state directory, or false
// when the entry is not in it (or is the directory itself).
func (i *Info) stateRel(name string) (string, bool) {
	if i.Format == FormatStateArchive {
		return name, name != ManifestName
	}
	return strings.CutPrefix(name, i.StatePrefix+"/")
}

// Filter copies the archive r, which Inspect described as info, to w without
// the state directory entries for which exclude returns true (paths relative
// to the state directory, as in a manifest). A state archive gets a manifest
// without them; an OpenClaw backup's manifest lists no files and is kept.
func Filter(ctx context.Context, r io.Reader, w io.Writer, info *Info, exclude func(string) bool) error {
	gz, err := gzip.NewReader(r)
	if err != nil {
		return err
	}
	defer func() { _ = gz.Close() }() // reading: a close error adds nothing
	zw, err := gzip.NewWriterLevel(w, gzip.BestSpeed)
	if err != nil {
		return err
	}
	tr, tw := tar.NewReader(gz), tar.NewWriter(zw)
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return err
		}
		name := strings.TrimSuffix(hdr.Name, "/")
		if info.Format == FormatStateArchive && name == ManifestName {
			continue // rewritten below
		}
		if rel, ok := info.stateRel(name); ok && exclude(rel) {
			continue
		}
		if err := tw.WriteHeader(hdr); err != nil {
			return err
		}
		if _, err := io.Copy(tw, tr); err != nil {
			return err
		}
	}
	if info.Format == FormatStateArchive {
		m := *info.Manifest
		m.Files = []File{}
		for _, f := range info.Manifest.Files {
			if !exclude(f.Path) {
				m.Files = append(m.Files, f)
			}
		}
		body, err := json.MarshalIndent(m, "", "  ")
		if err != nil {
			return err
		}
		if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: ManifestName, Size: int64(len(body)), Mode: 0o600, ModTime: m.CreatedAt, Format: tar.FormatPAX}); err != nil {
			return err
		}
		if _, err := tw.Write(body); err != nil {
			return err
		}
	}
	if err := tw.Close(); err != nil {
		return err
	}
	return zw.Close()
}
