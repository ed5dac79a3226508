// Package archive produces and restores archives of an OpenClaw state
// directory, shaped like OpenClaw's own backups (`openclaw backup create`): a
// .tar.gz holding the directory and a manifest.json that lists every file's
// path, size and SHA-256, the OpenClaw version, the environment and the time.
//
// Dir is the simulator driver's backup (the process driver uses OpenClaw's
// own `openclaw backup create`): Create archives a live state directory
// (SQLite databases through SQLite's online backup, never raw copies of live
// -wal or -shm files), and Restore extracts an archive that may have been
// tampered with into a fresh directory, refusing anything that could escape
// it. Inspect and Filter read archives of both formats, Dir's and
// OpenClaw's, for the control plane's checks of every snapshot.
package archive

import "time"

// ManifestName is the manifest's path inside an archive.
const ManifestName = "manifest.json"

// FormatVersion is the manifest format this package writes and reads.
const FormatVersion = 1

// Manifest describes an archive's contents.
type Manifest struct {
	FormatVersion   int       `json:"format_version"`
	OpenClawVersion string    `json:"openclaw_version"`
	EnvironmentID   string    `json:"environment_id"`
	EnvironmentName string    `json:"environment_name"`
	CreatedAt       time.Time `json:"created_at"`
	// Files lists every regular file and symbolic link, in archive order.
	Files []File `json:"files"`
}

// File is one manifest entry.
type File struct {
	Path   string `json:"path"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256,omitempty"`
	Mode   uint32 `json:"mode"`
	// Link is a symbolic link's target (relative, inside the directory).
	Link string `json:"link,omitempty"`
}

// Meta is what Create records about the archived directory.
type Meta struct {
	OpenClawVersion string
	EnvironmentID   string
	EnvironmentName string
	CreatedAt       time.Time
}

// RestoreOptions tune Restore.
type RestoreOptions struct {
	// Exclude, when it returns true for a manifest path, leaves that file
	// out of the restored directory (it is still read and checked).
	Exclude func(path string) bool
	// MaxBytes bounds the total uncompressed size of the files; an archive
	// that decompresses past it is refused. Zero means DefaultMaxBytes.
	MaxBytes int64
}

// DefaultMaxBytes bounds an archive's uncompressed size when the caller sets
// no limit.
const DefaultMaxBytes int64 = 64 << 30

// EntryError names the archive entry that made an archive unusable.
type EntryError struct {
	Path   string
	Reason string
}

func (e *EntryError) Error() string { return "archive entry " + quote(e.Path) + ": " + e.Reason }

func quote(s string) string {
	if s == "" {
		return `""`
	}
	return "\"" + s + "\""
}
