// Package snapshotblob stores snapshot archives, encrypted, in a blob store
// opened through gocloud.dev/blob: a local directory (file://) by default,
// an S3-compatible bucket (s3://bucket?endpoint=...) in production.
//
// Encryption: each snapshot gets its own age X25519 identity (a fresh data
// key); the archive is encrypted to it with filippo.io/age's streaming
// format (chunked ChaCha20-Poly1305: any flipped, dropped or reordered byte
// fails decryption) before a byte leaves the control plane, so the blob store
// only ever holds ciphertext. The identity itself is sealed by the control
// plane's keyring and stored in the database beside the snapshot, never in
// the blob store: whoever can read the bucket cannot read a snapshot, and
// deleting the sealed key destroys the snapshot cryptographically.
package snapshotblob

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"filippo.io/age"
	"gocloud.dev/blob"
	_ "gocloud.dev/blob/fileblob" // file:// buckets
	"gocloud.dev/blob/s3blob"     // s3:// buckets
	"gocloud.dev/gcerrors"
)

// ErrNotFound: the blob does not exist.
var ErrNotFound = errors.New("snapshot blob not found")

// Bucket is where archives are kept.
type Bucket struct {
	b *blob.Bucket
	// Where names the bucket for messages, without credentials.
	Where string
}

// DefaultURL is the store of a control plane with data directory dataDir.
func DefaultURL(dataDir string) (string, error) {
	abs, err := filepath.Abs(filepath.Join(dataDir, "snapshots"))
	if err != nil {
		return "", err
	}
	return "file://" + filepath.ToSlash(abs), nil
}

// Open opens a bucket URL (file:///abs/dir or s3://bucket?endpoint=...).
// A file:// directory is created when missing.
func Open(ctx context.Context, rawURL string) (*Bucket, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, fmt.Errorf("snapshot store %q: %w", rawURL, err)
	}
	where := u.Scheme + "://" + u.Host + u.Path
	switch u.Scheme {
	case "file":
		if err := os.MkdirAll(filepath.FromSlash(u.Path), 0o700); err != nil {
			return nil, fmt.Errorf("snapshot store %s: %w", where, err)
		}
		q := u.Query()
		if !q.Has("metadata") {
			// No attribute sidecar files next to the archives.
			q.Set("metadata", "skip")
			u.RawQuery = q.Encode()
		}
	case s3blob.Scheme:
	default:
		return nil, fmt.Errorf("snapshot store %q: unsupported scheme %q (use file:///path or s3://bucket?endpoint=...)", where, u.Scheme)
	}
	b, err := blob.OpenBucket(ctx, u.String())
	if err != nil {
		return nil, fmt.Errorf("open snapshot store %s: %w", where, err)
	}
	return &Bucket{b: b, Where: where}, nil
}

// Close releases the bucket.
func (b *Bucket) Close() error { return b.b.Close() }

// NewKey returns a fresh per-snapshot data key (an age X25519 identity in
// its text form, to be sealed by the keyring).
func NewKey() (string, error) {
	id, err := age.GenerateX25519Identity()
	if err != nil {
		return "", err
	}
	return id.String(), nil
}

// Written describes a stored blob: ciphertext size and SHA-256.
type Written struct {
	Size   int64
	SHA256 string
}

// Write stores at key what fill writes, encrypted to dataKey. The blob
// appears only when fill and the upload both succeed.
func (b *Bucket) Write(ctx context.Context, key, dataKey string, fill func(w io.Writer) error) (Written, error) {
	id, err := age.ParseX25519Identity(dataKey)
	if err != nil {
		return Written{}, fmt.Errorf("snapshot data key: %w", err)
	}
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	bw, err := b.b.NewWriter(wctx, key, &blob.WriterOptions{ContentType: "application/octet-stream"})
	if err != nil {
		return Written{}, fmt.Errorf("write %s to %s: %w", key, b.Where, err)
	}
	h := sha256.New()
	cw := &countWriter{w: io.MultiWriter(bw, h)}
	fail := func(err error) (Written, error) {
		cancel() // aborts the upload: no partial blob
		_ = bw.Close()
		return Written{}, err
	}
	enc, err := age.Encrypt(cw, id.Recipient())
	if err != nil {
		return fail(err)
	}
	if err := fill(enc); err != nil {
		return fail(err)
	}
	if err := enc.Close(); err != nil {
		return fail(err)
	}
	if err := bw.Close(); err != nil {
		return Written{}, fmt.Errorf("write %s to %s: %w", key, b.Where, err)
	}
	return Written{Size: cw.n, SHA256: hex.EncodeToString(h.Sum(nil))}, nil
}

// Read decrypts the blob at key with dataKey and hands the plaintext to fn.
// It reads the whole blob, so the returned Written (of the ciphertext) can
// be compared with what was recorded at write time. A blob that does not
// decrypt (tampered, truncated, another key) is an error wrapping
// ErrCorrupt.
func (b *Bucket) Read(ctx context.Context, key, dataKey string, fn func(plaintext io.Reader) error) (Written, error) {
	id, err := age.ParseX25519Identity(dataKey)
	if err != nil {
		return Written{}, fmt.Errorf("snapshot data key: %w", err)
	}
	r, err := b.b.NewReader(ctx, key, nil)
	if gcerrors.Code(err) == gcerrors.NotFound {
		return Written{}, fmt.Errorf("%s in %s: %w", key, b.Where, ErrNotFound)
	}
	if err != nil {
		return Written{}, fmt.Errorf("read %s from %s: %w", key, b.Where, err)
	}
	defer func() { _ = r.Close() }() // reading: the digest already covers what was read
	h := sha256.New()
	cr := &countReader{r: io.TeeReader(r, h)}
	dec, err := age.Decrypt(cr, id)
	if err != nil {
		return Written{}, fmt.Errorf("%w: %v", ErrCorrupt, err)
	}
	if err := fn(&corruptReader{dec}); err != nil {
		return Written{}, err
	}
	// Drain what fn left, so the digest covers the whole blob and trailing
	// garbage is detected.
	if _, err := io.Copy(io.Discard, &corruptReader{dec}); err != nil {
		return Written{}, err
	}
	if _, err := io.Copy(io.Discard, cr); err != nil {
		return Written{}, fmt.Errorf("read %s from %s: %w", key, b.Where, err)
	}
	return Written{Size: cr.n, SHA256: hex.EncodeToString(h.Sum(nil))}, nil
}

// ErrCorrupt: the blob does not decrypt or authenticate.
var ErrCorrupt = errors.New("snapshot blob does not decrypt (tampered, truncated or encrypted to another key)")

// corruptReader marks decryption failures as ErrCorrupt.
type corruptReader struct{ r io.Reader }

func (c *corruptReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	if err != nil && !errors.Is(err, io.EOF) && !strings.Contains(err.Error(), "context") {
		err = fmt.Errorf("%w: %v", ErrCorrupt, err)
	}
	return n, err
}

// Delete removes the blob at key; a missing blob is not an error.
func (b *Bucket) Delete(ctx context.Context, key string) error {
	err := b.b.Delete(ctx, key)
	if err != nil && gcerrors.Code(err) != gcerrors.NotFound {
		return fmt.Errorf("delete %s from %s: %w", key, b.Where, err)
	}
	return nil
}

// Exists reports whether a blob exists at key.
func (b *Bucket) Exists(ctx context.Context, key string) (bool, error) {
	return b.b.Exists(ctx, key)
}

// Raw returns the stored (encrypted) bytes at key, for tests and tooling.
func (b *Bucket) Raw(ctx context.Context, key string) ([]byte, error) {
	return b.b.ReadAll(ctx, key)
}

// PutRaw replaces the stored bytes at key (tests corrupt blobs with it).
func (b *Bucket) PutRaw(ctx context.Context, key string, data []byte) error {
	return b.b.WriteAll(ctx, key, data, nil)
}

type countWriter struct {
	w io.Writer
	n int64
}

func (c *countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

type countReader struct {
	r io.Reader
	n int64
}

func (c *countReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}
