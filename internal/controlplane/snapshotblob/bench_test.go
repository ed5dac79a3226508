package snapshotblob_test

import (
	"context"
	"crypto/rand"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/openclaw/terraform-provider-openclaw/internal/controlplane/archive"
	"github.com/openclaw/terraform-provider-openclaw/internal/controlplane/snapshotblob"
)

// BenchmarkSnapshotPipeline measures what taking a snapshot costs: archive a
// 32 MiB state directory (tar.gz with SHA-256 per file), encrypt it with
// age and write it to a file:// store, then read, decrypt and verify it.
func BenchmarkSnapshotPipeline(b *testing.B) {
	ctx := context.Background()
	dir := b.TempDir()
	for i := range 32 {
		p := filepath.Join(dir, "workspace", "memory", "note"+string(rune('a'+i%26))+string(rune('a'+i/26))+".bin")
		_ = os.MkdirAll(filepath.Dir(p), 0o700)
		buf := make([]byte, 1<<20)
		_, _ = rand.Read(buf[:1<<19]) // half random, half zeros: compressible like real state
		if err := os.WriteFile(p, buf, 0o600); err != nil {
			b.Fatal(err)
		}
	}
	url, _ := snapshotblob.DefaultURL(b.TempDir())
	bucket, err := snapshotblob.Open(ctx, url)
	if err != nil {
		b.Fatal(err)
	}
	defer bucket.Close()
	key, _ := snapshotblob.NewKey()
	b.SetBytes(32 << 20)
	b.ResetTimer()
	for range b.N {
		if _, err := bucket.Write(ctx, "bench", key, func(w io.Writer) error {
			_, err := archive.Dir{}.Create(ctx, dir, archive.Meta{}, w)
			return err
		}); err != nil {
			b.Fatal(err)
		}
		if _, err := bucket.Read(ctx, "bench", key, func(r io.Reader) error {
			_, err := archive.Verify(ctx, r)
			return err
		}); err != nil {
			b.Fatal(err)
		}
	}
}
