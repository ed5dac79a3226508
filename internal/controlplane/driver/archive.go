package driver

import (
	"archive/tar"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// ArchiveStateDir writes src as <dir>/<name>-<time>.tar.gz with a
// manifest.json first, the layout of an OpenClaw backup. It is for state
// directories no gateway is writing (the simulator's); a live gateway is
// backed up with `openclaw backup create`, which uses SQLite's online backup.
func ArchiveStateDir(src, dir, name string) (Backup, error) {
	if _, err := os.Stat(src); err != nil {
		return Backup{}, fmt.Errorf("state directory: %w", err)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return Backup{}, err
	}
	path := filepath.Join(dir, fmt.Sprintf("%s-%s.tar.gz", name, time.Now().UTC().Format("20060102T150405.000Z")))
	f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return Backup{}, err
	}
	h := sha256.New()
	zw := gzip.NewWriter(io.MultiWriter(f, h))
	tw := tar.NewWriter(zw)
	var files []string
	werr := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		files = append(files, filepath.ToSlash(rel))
		return nil
	})
	if werr == nil {
		manifest, _ := json.MarshalIndent(map[string]any{"format": "openclaw-state-archive", "created_at": time.Now().UTC(), "files": files}, "", "  ")
		werr = tw.WriteHeader(&tar.Header{Name: "manifest.json", Mode: 0o600, Size: int64(len(manifest)), ModTime: time.Now()})
		if werr == nil {
			_, werr = tw.Write(manifest)
		}
	}
	for _, rel := range files {
		if werr != nil {
			break
		}
		werr = addFile(tw, filepath.Join(src, filepath.FromSlash(rel)), "state/"+rel)
	}
	for _, c := range []io.Closer{tw, zw, f} {
		if err := c.Close(); err != nil && werr == nil {
			werr = err
		}
	}
	if werr != nil {
		_ = os.Remove(path) // a partial archive is worse than none
		return Backup{}, fmt.Errorf("archive %s: %w", src, werr)
	}
	st, err := os.Stat(path)
	if err != nil {
		return Backup{}, err
	}
	return Backup{Path: path, SizeBytes: st.Size(), SHA256: hex.EncodeToString(h.Sum(nil)), Tool: "simulator"}, nil
}

func addFile(tw *tar.Writer, path, name string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close() //nolint:errcheck // read-only
	st, err := f.Stat()
	if err != nil {
		return err
	}
	if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o600, Size: st.Size(), ModTime: st.ModTime()}); err != nil {
		return err
	}
	_, err = io.Copy(tw, f)
	return err
}

// ExtractArchive unpacks an archive written by ArchiveStateDir into dst,
// which must not exist: a restore never overwrites a state directory.
func ExtractArchive(archive, dst string) error {
	if _, err := os.Stat(dst); err == nil {
		return fmt.Errorf("restore target %s already exists; a restore writes a fresh state directory only", dst)
	}
	f, err := os.Open(archive)
	if err != nil {
		return err
	}
	defer f.Close() //nolint:errcheck // read-only
	zr, err := gzip.NewReader(f)
	if err != nil {
		return fmt.Errorf("%s is not a gzip archive: %w", archive, err)
	}
	tr := tar.NewReader(zr)
	tmp := dst + ".restoring"
	if err := os.RemoveAll(tmp); err != nil {
		return err
	}
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return fmt.Errorf("read %s: %w", archive, err)
		}
		rel, ok := strings.CutPrefix(hdr.Name, "state/")
		if !ok || hdr.Typeflag != tar.TypeReg {
			continue
		}
		target := filepath.Join(tmp, filepath.FromSlash(rel))
		if !strings.HasPrefix(target, tmp+string(filepath.Separator)) {
			return fmt.Errorf("archive entry %q escapes the state directory", hdr.Name)
		}
		if err := os.MkdirAll(filepath.Dir(target), 0o700); err != nil {
			return err
		}
		out, err := os.OpenFile(target, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
		if err != nil {
			return err
		}
		_, cerr := io.Copy(out, io.LimitReader(tr, hdr.Size))
		if err := out.Close(); err != nil && cerr == nil {
			cerr = err
		}
		if cerr != nil {
			return cerr
		}
	}
	return os.Rename(tmp, dst)
}
