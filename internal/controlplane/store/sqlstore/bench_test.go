package sqlstore_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/openclaw/terraform-provider-openclaw/internal/controlplane/store"
	"github.com/openclaw/terraform-provider-openclaw/internal/controlplane/store/sqlstore"
)

// BenchmarkClaimWithBacklog claims a batch of 8 while N operations are due
// and hands them back, so the backlog stays: the cost must not grow with N
// (a claim that read and sorted every due operation made bursts quadratic).
func BenchmarkClaimWithBacklog(b *testing.B) {
	for _, n := range []int{100, 5000} {
		b.Run(fmt.Sprintf("due=%d", n), func(b *testing.B) {
			ctx := context.Background()
			s, err := sqlstore.Open(ctx, filepath.Join(b.TempDir(), "openclaw.db"))
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			start := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
			for i := range n {
				if err := s.CreateOperation(ctx, &store.Operation{ID: fmt.Sprintf("op_%08d", i), Kind: "environment.create",
					TargetKind: store.KindEnvironment, TargetID: fmt.Sprintf("env_%08d", i), NextRunAt: start.Add(time.Duration(i) * time.Millisecond)}); err != nil {
					b.Fatal(err)
				}
			}
			now := start.Add(time.Hour)
			b.ResetTimer()
			for i := range b.N {
				ops, err := s.ClaimOperations(ctx, fmt.Sprintf("bench/%d", i), now, now.Add(time.Minute), 8)
				if err != nil || len(ops) != 8 {
					b.Fatalf("claimed %d: %v", len(ops), err)
				}
				for _, op := range ops {
					op.LeaseOwner, op.LeaseUntil = "", time.Time{}
					if err := s.UpdateOperation(ctx, op); err != nil {
						b.Fatal(err)
					}
				}
			}
		})
	}
}
