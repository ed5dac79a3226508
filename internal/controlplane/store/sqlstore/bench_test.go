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

// benchResources opens a store holding n environments with a label each.
func benchResources(b *testing.B, n int) (store.Store, []*store.Resource) {
	b.Helper()
	ctx := context.Background()
	s, err := sqlstore.Open(ctx, filepath.Join(b.TempDir(), "openclaw.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = s.Close() })
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	items := make([]*store.Resource, n)
	for i := range n {
		r := &store.Resource{Kind: store.KindEnvironment, ID: fmt.Sprintf("env_%08d", i), Name: fmt.Sprintf("e%d", i),
			Spec: []byte(`{"region":"us-east","size":{"cpus":2,"memory_mb":4096}}`), Status: []byte(`{"status":"running"}`),
			Labels: map[string]string{"tier": "bench"}, CreatedAt: now, UpdatedAt: now}
		if err := s.CreateResource(ctx, r); err != nil {
			b.Fatal(err)
		}
		items[i] = r
	}
	return s, items
}

// BenchmarkUpdateResource: the write every operation step makes (the
// resource with its labels, under its revision check).
func BenchmarkUpdateResource(b *testing.B) {
	s, items := benchResources(b, 500)
	ctx := context.Background()
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		r := items[i%len(items)]
		if err := s.UpdateResource(ctx, r); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

// BenchmarkListPage500: a page of 500 environments read whole, and as the
// (id, revision) pairs a list of kept items reads.
func BenchmarkListPage500(b *testing.B) {
	s, _ := benchResources(b, 500)
	ctx := context.Background()
	f := store.ListFilter{Kind: store.KindEnvironment, PageSize: 500}
	b.Run("resources", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if items, _, err := s.ListResources(ctx, f); err != nil || len(items) != 500 {
				b.Fatalf("%d items: %v", len(items), err)
			}
		}
	})
	b.Run("revisions", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if refs, _, err := s.ListRevisions(ctx, f); err != nil || len(refs) != 500 {
				b.Fatalf("%d refs: %v", len(refs), err)
			}
		}
	})
}
