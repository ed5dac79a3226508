package archive

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"

	"github.com/klauspost/compress/gzip"
	"modernc.org/sqlite"
)

// Dir reads and writes state directory archives itself (the simulator
// driver's backups; the process driver uses OpenClaw's own `openclaw backup
// create`).
type Dir struct {
	// TempDir holds the online copies of SQLite databases while they are
	// archived; default os.TempDir().
	TempDir string
}

// sqliteHeader starts every SQLite database file.
var sqliteHeader = []byte("SQLite format 3\x00")

// sqliteSidecars are the files SQLite keeps next to a live database; the
// online backup already contains what they hold.
var sqliteSidecars = []string{"-wal", "-shm", "-journal"}

// Create writes an archive of the live state directory stateDir to w.
// Regular files are copied as they are, SQLite databases through SQLite's
// online backup API (a consistent copy of a database that is being
// written), and their -wal, -shm and -journal files are left out. Directories and symbolic links are kept; sockets, pipes and
// devices are skipped (a live gateway may hold a socket).
func (d Dir) Create(ctx context.Context, stateDir string, meta Meta, w io.Writer) (*Manifest, error) {
	root, err := filepath.Abs(stateDir)
	if err != nil {
		return nil, err
	}
	if fi, err := os.Stat(root); err != nil {
		return nil, fmt.Errorf("archive: state directory: %w", err)
	} else if !fi.IsDir() {
		return nil, fmt.Errorf("archive: state directory %s is not a directory", root)
	}
	// Fastest level: state directories are mostly SQLite pages and text,
	// which compress well even so, and snapshot time is what users wait on.
	gz, err := gzip.NewWriterLevel(w, gzip.BestSpeed)
	if err != nil {
		return nil, err
	}
	tw := tar.NewWriter(gz)
	m := &Manifest{
		FormatVersion:   FormatVersion,
		OpenClawVersion: meta.OpenClawVersion,
		EnvironmentID:   meta.EnvironmentID,
		EnvironmentName: meta.EnvironmentName,
		CreatedAt:       meta.CreatedAt.UTC(),
		Files:           []File{},
	}
	mtime := m.CreatedAt
	if mtime.IsZero() {
		mtime = time.Now().UTC()
	}
	err = filepath.WalkDir(root, func(p string, de fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		rel, err := filepath.Rel(root, p)
		if err != nil {
			return err
		}
		if rel == "." {
			return nil
		}
		name := filepath.ToSlash(rel)
		if name == ManifestName {
			return nil // ours is written last
		}
		info, err := de.Info()
		if errors.Is(err, fs.ErrNotExist) {
			return nil // removed while we walked: a live directory
		}
		if err != nil {
			return err
		}
		switch {
		case info.IsDir():
			return tw.WriteHeader(&tar.Header{Typeflag: tar.TypeDir, Name: name + "/", Mode: int64(info.Mode().Perm()), ModTime: mtime, Format: tar.FormatPAX})
		case info.Mode()&fs.ModeSymlink != 0:
			target, err := os.Readlink(p)
			if err != nil {
				return err
			}
			if !linkInside(name, target) {
				return fmt.Errorf("archive: %s is a link to %q, outside the state directory", name, target)
			}
			if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeSymlink, Name: name, Linkname: target, Mode: 0o777, ModTime: mtime, Format: tar.FormatPAX}); err != nil {
				return err
			}
			m.Files = append(m.Files, File{Path: name, Mode: 0o777, Link: target})
			return nil
		case !info.Mode().IsRegular():
			return nil
		}
		if isSidecar(p) {
			return nil
		}
		f, err := d.openForArchive(ctx, p)
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("archive: %s: %w", name, err)
		}
		defer f.Close()
		entry, err := addFile(tw, name, f, info.Mode().Perm(), mtime)
		if err != nil {
			return fmt.Errorf("archive: %s: %w", name, err)
		}
		m.Files = append(m.Files, entry)
		return nil
	})
	if err != nil {
		return nil, err
	}
	body, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return nil, err
	}
	if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: ManifestName, Size: int64(len(body)), Mode: 0o600, ModTime: mtime, Format: tar.FormatPAX}); err != nil {
		return nil, err
	}
	if _, err := tw.Write(body); err != nil {
		return nil, err
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	if err := gz.Close(); err != nil {
		return nil, err
	}
	return m, nil
}

// addFile writes one regular file of a fixed size (a file that grows while
// it is read is archived as it was when opened).
func addFile(tw *tar.Writer, name string, f *os.File, perm fs.FileMode, mtime time.Time) (File, error) {
	fi, err := f.Stat()
	if err != nil {
		return File{}, err
	}
	size := fi.Size()
	if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: name, Size: size, Mode: int64(perm), ModTime: mtime, Format: tar.FormatPAX}); err != nil {
		return File{}, err
	}
	h := sha256.New()
	n, err := io.CopyN(io.MultiWriter(tw, h), f, size)
	if err != nil {
		return File{}, fmt.Errorf("read %d of %d bytes (the file shrank while it was archived): %w", n, size, err)
	}
	return File{Path: name, Size: size, SHA256: hex.EncodeToString(h.Sum(nil)), Mode: uint32(perm)}, nil
}

// openForArchive opens a regular file, or for a SQLite database a consistent
// online copy of it (removed when the returned file is closed).
func (d Dir) openForArchive(ctx context.Context, p string) (*os.File, error) {
	f, err := os.Open(p)
	if err != nil {
		return nil, err
	}
	head := make([]byte, len(sqliteHeader))
	n, _ := io.ReadFull(f, head)
	if n < len(sqliteHeader) || !bytes.Equal(head, sqliteHeader) {
		if _, err := f.Seek(0, io.SeekStart); err != nil {
			f.Close()
			return nil, err
		}
		return f, nil
	}
	f.Close()
	tmp, err := os.CreateTemp(d.TempDir, "openclaw-sqlite-copy-*.sqlite")
	if err != nil {
		return nil, err
	}
	tmpPath := tmp.Name()
	tmp.Close()
	if err := BackupSQLite(ctx, p, tmpPath); err != nil {
		_ = os.Remove(tmpPath) // the backup's error is the one to report
		return nil, fmt.Errorf("online backup of the SQLite database: %w", err)
	}
	c, err := os.Open(tmpPath)
	// Unlinked now, readable until closed: nothing is left behind.
	if rmErr := os.Remove(tmpPath); rmErr != nil && err == nil {
		_ = c.Close()
		return nil, rmErr
	}
	return c, err
}

// BackupSQLite copies the live SQLite database src to dst with SQLite's
// online backup API: a consistent snapshot even while another connection
// writes (pages changed during the copy restart it), including what is
// still only in the write-ahead log.
func BackupSQLite(ctx context.Context, src, dst string) error {
	db, err := sql.Open("sqlite", "file:"+escapeURIPath(src)+"?mode=ro&_pragma=busy_timeout(10000)")
	if err != nil {
		return err
	}
	defer db.Close()
	c, err := db.Conn(ctx)
	if err != nil {
		return err
	}
	defer func() { _ = c.Close() }() // read-only: nothing to lose on close
	return c.Raw(func(dc any) error {
		b, ok := dc.(interface {
			NewBackup(string) (*sqlite.Backup, error)
		})
		if !ok {
			return fmt.Errorf("driver connection %T has no online backup", dc)
		}
		bk, err := b.NewBackup(dst)
		if err != nil {
			return err
		}
		for {
			more, err := bk.Step(256)
			if err != nil {
				_ = bk.Finish() // the step's error is the one to report
				return err
			}
			if !more {
				break
			}
			if err := ctx.Err(); err != nil {
				_ = bk.Finish()
				return err
			}
		}
		return bk.Finish()
	})
}

func escapeURIPath(p string) string {
	return strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23").Replace(filepath.ToSlash(p))
}

func isSidecar(p string) bool {
	for _, s := range sqliteSidecars {
		if base, ok := strings.CutSuffix(p, s); ok {
			if fi, err := os.Stat(base); err == nil && fi.Mode().IsRegular() {
				return true
			}
		}
	}
	return false
}

// linkInside reports whether a symbolic link at name (slash-separated,
// relative to the root) pointing to target stays inside the root.
func linkInside(name, target string) bool {
	if target == "" || path.IsAbs(target) || filepath.IsAbs(target) || strings.Contains(target, "\\") {
		return false
	}
	resolved := path.Join(path.Dir(name), target)
	return resolved != ".." && !strings.HasPrefix(resolved, "../") && resolved != "."
}
