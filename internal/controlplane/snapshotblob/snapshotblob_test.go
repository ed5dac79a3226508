package snapshotblob_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/openclaw/terraform-provider-openclaw/internal/controlplane/snapshotblob"
	"github.com/openclaw/terraform-provider-openclaw/internal/controlplane/snapshotblob/s3test"
)

const secretText = "ANTHROPIC_API_KEY=sk-ant-very-secret-value"

func exercise(t *testing.T, url string) {
	ctx := context.Background()
	b, err := snapshotblob.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	key, err := snapshotblob.NewKey()
	if err != nil {
		t.Fatal(err)
	}
	plain := bytes.Repeat([]byte(secretText+"\n"), 5000)
	w, err := b.Write(ctx, "snap_1.tar.gz.age", key, func(w io.Writer) error {
		_, err := w.Write(plain)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	raw, err := b.Raw(ctx, "snap_1.tar.gz.age")
	if err != nil {
		t.Fatal(err)
	}
	// Ciphertext only: the store never sees the plaintext.
	if bytes.Contains(raw, []byte(secretText)) || bytes.Contains(raw, []byte("sk-ant")) {
		t.Fatal("the stored blob contains plaintext")
	}
	sum := sha256.Sum256(raw)
	if w.Size != int64(len(raw)) || w.SHA256 != hex.EncodeToString(sum[:]) {
		t.Errorf("Written = %+v, stored %d bytes with sha256 %x", w, len(raw), sum)
	}
	var got []byte
	r, err := b.Read(ctx, "snap_1.tar.gz.age", key, func(p io.Reader) error {
		got, err = io.ReadAll(p)
		return err
	})
	if err != nil || !bytes.Equal(got, plain) || r != w {
		t.Fatalf("read back: %v, equal=%v, digest %+v vs %+v", err, bytes.Equal(got, plain), r, w)
	}
	// Another key does not decrypt.
	other, _ := snapshotblob.NewKey()
	if _, err := b.Read(ctx, "snap_1.tar.gz.age", other, func(io.Reader) error { return nil }); !errors.Is(err, snapshotblob.ErrCorrupt) {
		t.Errorf("read with another key: %v", err)
	}
	// One flipped byte anywhere is detected.
	for _, at := range []int{len(raw) / 2, len(raw) - 1} {
		bad := bytes.Clone(raw)
		bad[at] ^= 0x01
		if err := b.PutRaw(ctx, "snap_1.tar.gz.age", bad); err != nil {
			t.Fatal(err)
		}
		_, err := b.Read(ctx, "snap_1.tar.gz.age", key, func(p io.Reader) error {
			_, err := io.Copy(io.Discard, p)
			return err
		})
		if !errors.Is(err, snapshotblob.ErrCorrupt) {
			t.Errorf("flipped byte %d: read error %v, want ErrCorrupt", at, err)
		}
	}
	// A failed fill leaves no blob.
	_, err = b.Write(ctx, "snap_2.tar.gz.age", key, func(w io.Writer) error {
		_, _ = w.Write([]byte("partial"))
		return errors.New("archiving failed")
	})
	if err == nil || !strings.Contains(err.Error(), "archiving failed") {
		t.Errorf("failed write: %v", err)
	}
	if ok, err := b.Exists(ctx, "snap_2.tar.gz.age"); err != nil || ok {
		t.Errorf("a failed write left a blob (exists=%v, %v)", ok, err)
	}
	if err := b.Delete(ctx, "snap_1.tar.gz.age"); err != nil {
		t.Fatal(err)
	}
	if err := b.Delete(ctx, "snap_1.tar.gz.age"); err != nil {
		t.Errorf("deleting a missing blob: %v", err)
	}
	if _, err := b.Read(ctx, "snap_1.tar.gz.age", key, func(io.Reader) error { return nil }); !errors.Is(err, snapshotblob.ErrNotFound) {
		t.Errorf("read after delete: %v", err)
	}
}

func TestFileStore(t *testing.T) {
	url, err := snapshotblob.DefaultURL(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	exercise(t, url)
}

// TestS3Store goes through gocloud's s3blob driver and the AWS SDK against
// an in-process S3-compatible server.
func TestS3Store(t *testing.T) {
	exercise(t, s3test.Start(t, "openclaw-snapshots"))
}

func TestOpenRejectsUnknownScheme(t *testing.T) {
	if _, err := snapshotblob.Open(context.Background(), "ftp://example.com/x"); err == nil || !strings.Contains(err.Error(), "unsupported scheme") {
		t.Errorf("Open(ftp://) = %v", err)
	}
}
