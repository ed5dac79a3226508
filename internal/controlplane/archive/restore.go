package archive

import (
	"archive/tar"
	"context"
	"crypto/rand"
	"crypto/sha256"
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

	"github.com/klauspost/compress/gzip"
)

// maxManifestBytes bounds manifest.json.
const maxManifestBytes = 64 << 20

// Verify reads a whole archive and checks it against its manifest: every
// file's size and SHA-256, no file missing or extra. The first mismatch is an
// *EntryError naming the path.
func Verify(ctx context.Context, r io.Reader) (*Manifest, error) {
	info, err := walk(ctx, r, nil, RestoreOptions{}, false)
	if err != nil {
		return nil, err
	}
	return info.Manifest, nil
}

// Restore extracts r into freshDir, which must not exist: it appears
// complete or not at all. The archive is written to
// a hidden sibling directory, checked against its manifest, and renamed into
// place only when complete; on any error nothing remains.
func (Dir) Restore(ctx context.Context, r io.Reader, freshDir string, opts RestoreOptions) (*Manifest, error) {
	dest, err := filepath.Abs(freshDir)
	if err != nil {
		return nil, err
	}
	if _, err := os.Lstat(dest); err == nil {
		return nil, fmt.Errorf("restore: %s already exists; OpenClaw restores only into a fresh state directory", dest)
	} else if !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Dir(dest), 0o700); err != nil {
		return nil, err
	}
	suffix := make([]byte, 6)
	_, _ = rand.Read(suffix)
	tmp := filepath.Join(filepath.Dir(dest), "."+filepath.Base(dest)+".restoring-"+hex.EncodeToString(suffix))
	if err := os.Mkdir(tmp, 0o700); err != nil {
		return nil, err
	}
	info, err := walk(ctx, r, &extractor{root: tmp, links: map[string]bool{}}, opts, false)
	if err == nil {
		err = os.Rename(tmp, dest)
	}
	if err != nil {
		if rmErr := os.RemoveAll(tmp); rmErr != nil {
			err = errors.Join(err, fmt.Errorf("remove partial restore %s: %w", tmp, rmErr))
		}
		return nil, err
	}
	return info.Manifest, nil
}

// extractor writes entries below root.
type extractor struct {
	root string
	// links are the symbolic links created so far: nothing is written
	// through one.
	links map[string]bool
}

// seen is what the archive held for one path, to compare with the manifest.
type seen struct {
	size   int64
	sha256 string
	link   string
}

// walk reads every entry of a .tar.gz, checking it; with x set it also
// extracts. It returns what the archive holds once everything matched its
// manifest. backups accepts OpenClaw backups too (never with x: those are
// extracted by `openclaw backup restore`).
func walk(ctx context.Context, r io.Reader, x *extractor, opts RestoreOptions, backups bool) (*Info, error) {
	limit := opts.MaxBytes
	if limit <= 0 {
		limit = DefaultMaxBytes
	}
	gz, err := gzip.NewReader(r)
	if err != nil {
		return nil, &EntryError{Reason: "not a gzip stream: " + err.Error()}
	}
	defer func() { _ = gz.Close() }() // reading: a close error adds nothing
	tr := tar.NewReader(gz)
	var (
		m     *Manifest
		bm    *BackupManifest
		total int64
		files = map[string]seen{}
		dirs  = map[string]bool{}
	)
	for {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, &EntryError{Reason: "unreadable archive: " + err.Error()}
		}
		name, err := cleanName(hdr.Name)
		if err != nil {
			return nil, &EntryError{Path: hdr.Name, Reason: err.Error()}
		}
		if m != nil || bm != nil {
			return nil, &EntryError{Path: name, Reason: "follows manifest.json, which must be the last entry"}
		}
		if _, dup := files[name]; dup || dirs[name] {
			return nil, &EntryError{Path: name, Reason: "appears twice"}
		}
		if x != nil {
			if err := x.checkParents(name); err != nil {
				return nil, err
			}
		}
		switch hdr.Typeflag {
		case tar.TypeDir:
			dirs[name] = true
			if x != nil && !excluded(opts.Exclude, name) {
				if err := os.MkdirAll(filepath.Join(x.root, filepath.FromSlash(name)), 0o700); err != nil {
					return nil, &EntryError{Path: name, Reason: err.Error()}
				}
			}
		case tar.TypeReg:
			if name == ManifestName {
				if m, err = readManifest(tr, hdr.Size); err != nil {
					return nil, err
				}
				continue
			}
			if isBackupManifest(name) && (backups || x != nil) {
				if x != nil {
					return nil, &EntryError{Path: name, Reason: "is the manifest of an OpenClaw backup (openclaw backup create); those are restored with openclaw backup restore"}
				}
				if bm, err = readBackupManifest(tr, name, hdr.Size); err != nil {
					return nil, err
				}
				continue
			}
			if hdr.Size < 0 || hdr.Size > limit-total {
				return nil, &EntryError{Path: name, Reason: fmt.Sprintf("decompresses past the archive size limit of %d bytes", limit)}
			}
			total += hdr.Size
			sum, err := copyEntry(tr, hdr, name, x, opts.Exclude)
			if err != nil {
				return nil, err
			}
			files[name] = seen{size: hdr.Size, sha256: sum}
		case tar.TypeSymlink:
			if !linkInside(name, hdr.Linkname) {
				return nil, &EntryError{Path: name, Reason: fmt.Sprintf("is a link to %q, outside the state directory", hdr.Linkname)}
			}
			files[name] = seen{link: hdr.Linkname}
			if x != nil && !excluded(opts.Exclude, name) {
				if err := os.Symlink(hdr.Linkname, filepath.Join(x.root, filepath.FromSlash(name))); err != nil {
					return nil, &EntryError{Path: name, Reason: err.Error()}
				}
				x.links[name] = true
			}
		case tar.TypeLink:
			return nil, &EntryError{Path: name, Reason: fmt.Sprintf("is a hard link (to %q); state directory archives hold none", hdr.Linkname)}
		case tar.TypeChar, tar.TypeBlock, tar.TypeFifo:
			return nil, &EntryError{Path: name, Reason: "is a device or pipe; state directory archives hold regular files, directories and links only"}
		default:
			return nil, &EntryError{Path: name, Reason: fmt.Sprintf("has unsupported type %q", hdr.Typeflag)}
		}
	}
	switch {
	case m != nil:
		if err := checkManifest(m, files); err != nil {
			return nil, err
		}
		return &Info{Format: FormatStateArchive, Files: int64(len(m.Files)), Bytes: total, OpenClawVersion: m.OpenClawVersion, Manifest: m}, nil
	case bm != nil:
		return checkBackup(bm, files, dirs, total)
	}
	return nil, &EntryError{Path: ManifestName, Reason: "is missing"}
}

func excluded(fn func(string) bool, name string) bool { return fn != nil && fn(name) }

// copyEntry hashes a regular file's content and, when extracting, writes it.
func copyEntry(tr *tar.Reader, hdr *tar.Header, name string, x *extractor, exclude func(string) bool) (string, error) {
	h := sha256.New()
	var dst io.Writer = h
	var f *os.File
	if x != nil && !excluded(exclude, name) {
		p := filepath.Join(x.root, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
			return "", &EntryError{Path: name, Reason: err.Error()}
		}
		var err error
		// O_EXCL: never through a link, never over another entry.
		f, err = os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_EXCL, fs.FileMode(hdr.Mode).Perm()&0o700|0o600)
		if err != nil {
			return "", &EntryError{Path: name, Reason: err.Error()}
		}
		dst = io.MultiWriter(f, h)
	}
	_, err := io.CopyN(dst, tr, hdr.Size)
	if f != nil {
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}
	if err != nil {
		return "", &EntryError{Path: name, Reason: "truncated or unreadable: " + err.Error()}
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// checkParents refuses to write below a link created by this archive.
func (x *extractor) checkParents(name string) error {
	for dir := path.Dir(name); dir != "."; dir = path.Dir(dir) {
		if x.links[dir] {
			return &EntryError{Path: name, Reason: fmt.Sprintf("would be written through the link %q", dir)}
		}
	}
	return nil
}

func readManifest(r io.Reader, size int64) (*Manifest, error) {
	if size > maxManifestBytes {
		return nil, &EntryError{Path: ManifestName, Reason: fmt.Sprintf("is %d bytes, over the %d byte limit", size, maxManifestBytes)}
	}
	var m Manifest
	dec := json.NewDecoder(io.LimitReader(r, size))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&m); err != nil {
		return nil, &EntryError{Path: ManifestName, Reason: "is not a valid manifest: " + err.Error()}
	}
	if m.FormatVersion != FormatVersion {
		return nil, &EntryError{Path: ManifestName, Reason: fmt.Sprintf("has format version %d; this control plane reads version %d", m.FormatVersion, FormatVersion)}
	}
	return &m, nil
}

// checkManifest compares what the archive held with what its manifest
// lists, in manifest order, so the first failing path is deterministic.
func checkManifest(m *Manifest, files map[string]seen) error {
	listed := map[string]bool{}
	for _, f := range m.Files {
		got, ok := files[f.Path]
		switch {
		case listed[f.Path]:
			return &EntryError{Path: f.Path, Reason: "is listed twice in the manifest"}
		case !ok:
			return &EntryError{Path: f.Path, Reason: "is listed in the manifest but missing from the archive"}
		case f.Link != got.link:
			return &EntryError{Path: f.Path, Reason: fmt.Sprintf("links to %q, the manifest says %q", got.link, f.Link)}
		case f.Link == "" && got.size != f.Size:
			return &EntryError{Path: f.Path, Reason: fmt.Sprintf("is %d bytes, the manifest says %d", got.size, f.Size)}
		case f.Link == "" && got.sha256 != f.SHA256:
			return &EntryError{Path: f.Path, Reason: fmt.Sprintf("has SHA-256 %s, the manifest says %s", got.sha256, f.SHA256)}
		}
		listed[f.Path] = true
	}
	for p := range files {
		if !listed[p] {
			return &EntryError{Path: p, Reason: "is in the archive but not in the manifest"}
		}
	}
	return nil
}

// cleanName validates an entry name: relative, slash-separated, no "..".
func cleanName(name string) (string, error) {
	n := strings.TrimSuffix(name, "/")
	switch {
	case n == "" || n == ".":
		return "", errors.New("has an empty name")
	case strings.HasPrefix(n, "/") || filepath.IsAbs(n) || (len(n) > 1 && n[1] == ':'):
		return "", errors.New("has an absolute path")
	case strings.Contains(n, "\\"):
		return "", errors.New("contains a backslash")
	case strings.ContainsRune(n, 0):
		return "", errors.New("contains a NUL byte")
	}
	for _, seg := range strings.Split(n, "/") {
		if seg == ".." {
			return "", errors.New("has a \"..\" segment")
		}
	}
	c := path.Clean(n)
	if c != n {
		return "", fmt.Errorf("is not a clean path (clean form %q)", c)
	}
	return n, nil
}
