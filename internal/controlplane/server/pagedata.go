package server

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/openclaw/terraform-provider-openclaw/internal/controlplane/store"
)

// listPageData lets the views of a list page read what they show from
// outside their own rows (secrets, the parent environment, its pools, a
// schedule's latest run and its operation) with one query per kind of data
// for the whole page, made the first time an item needs it, instead of one
// per item. Views read through the Server's accessors below, which fall back
// to a query of their own outside a list.
type listPageData struct {
	ids     []string
	in      map[string]bool
	parents map[string]bool // the items' parent IDs; empty on a page of top-level resources
	// runList is the page of a schedule's runs (runs list), whose
	// operations the page reads at once.
	runList []*store.ScheduleRun

	secrets lazy[map[string][]store.Secret]
	envs    lazy[map[string]*store.Resource]
	pools   lazy[map[string][]*store.Resource]
	runs    lazy[map[string]*store.ScheduleRun]
	ops     lazy[map[string]*store.Operation]
}

// lazy is a value loaded once, on first use.
type lazy[T any] struct {
	once sync.Once
	v    T
	err  error
}

func (l *lazy[T]) get(load func() (T, error)) (T, error) {
	l.once.Do(func() { l.v, l.err = load() })
	return l.v, l.err
}

type listPageKey struct{}

// withListPage marks ctx as rendering a page of the resources with these
// IDs and parent IDs.
func withListPage(ctx context.Context, ids, parentIDs []string) context.Context {
	pg := &listPageData{ids: ids, in: make(map[string]bool, len(ids)), parents: map[string]bool{}}
	for _, id := range ids {
		pg.in[id] = true
	}
	for _, id := range parentIDs {
		if id != "" {
			pg.parents[id] = true
		}
	}
	return context.WithValue(ctx, listPageKey{}, pg)
}

// withRunsPage marks ctx as rendering this page of schedule runs.
func withRunsPage(ctx context.Context, runs []*store.ScheduleRun) context.Context {
	return context.WithValue(ctx, listPageKey{}, &listPageData{in: map[string]bool{}, parents: map[string]bool{}, runList: runs})
}

func pageOf(ctx context.Context) *listPageData {
	pg, _ := ctx.Value(listPageKey{}).(*listPageData)
	return pg
}

func (pg *listPageData) parentIDs() []string {
	ids := make([]string, 0, len(pg.parents))
	for id := range pg.parents {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

// environment reads the environment id, from the page's parents when it is
// one of them.
func (s *Server) environment(ctx context.Context, id string) (*store.Resource, error) {
	pg := pageOf(ctx)
	if pg == nil || !pg.parents[id] {
		return s.store.GetResource(ctx, store.KindEnvironment, id)
	}
	envs, err := pg.envs.get(func() (map[string]*store.Resource, error) {
		ids := pg.parentIDs()
		items, _, err := s.store.ListResources(ctx, store.ListFilter{Kind: store.KindEnvironment, IDs: ids, PageSize: len(ids)})
		if err != nil {
			return nil, err
		}
		byID := make(map[string]*store.Resource, len(items))
		for _, it := range items {
			byID[it.ID] = it
		}
		return byID, nil
	})
	if err != nil {
		return nil, err
	}
	if env := envs[id]; env != nil {
		return env, nil
	}
	return nil, fmt.Errorf("%s %q: %w", store.KindEnvironment, id, store.ErrNotFound)
}

// environmentPools is poolsOf(envID), read for all the page's parents at
// once when envID is one of them.
func (s *Server) environmentPools(ctx context.Context, envID string) ([]*store.Resource, error) {
	pg := pageOf(ctx)
	if pg == nil || !pg.parents[envID] {
		return s.poolsOf(ctx, envID)
	}
	byEnv, err := pg.pools.get(func() (map[string][]*store.Resource, error) {
		byEnv := map[string][]*store.Resource{}
		f := store.ListFilter{Kind: store.KindGPUPool, ParentIDs: pg.parentIDs(), PageSize: maxPageSize}
		for {
			items, next, err := s.store.ListResources(ctx, f)
			if err != nil {
				return nil, err
			}
			for _, it := range items {
				byEnv[it.ParentID] = append(byEnv[it.ParentID], it)
			}
			if next == "" {
				break
			}
			f.PageToken = next
		}
		for _, pools := range byEnv {
			slices.SortFunc(pools, func(a, b *store.Resource) int { return strings.Compare(a.Name, b.Name) })
		}
		return byEnv, nil
	})
	return byEnv[envID], err
}

// latestRun is LatestScheduleRun, read for the whole page at once when the
// schedule is on it.
func (s *Server) latestRun(ctx context.Context, scheduleID string) (*store.ScheduleRun, error) {
	pg := pageOf(ctx)
	if pg == nil || !pg.in[scheduleID] {
		return s.store.LatestScheduleRun(ctx, scheduleID)
	}
	runs, err := pg.latestRuns(ctx, s)
	if err != nil {
		return nil, err
	}
	if run := runs[scheduleID]; run != nil {
		return run, nil
	}
	return nil, fmt.Errorf("runs of schedule %q: %w", scheduleID, store.ErrNotFound)
}

func (pg *listPageData) latestRuns(ctx context.Context, s *Server) (map[string]*store.ScheduleRun, error) {
	return pg.runs.get(func() (map[string]*store.ScheduleRun, error) { return s.store.LatestScheduleRuns(ctx, pg.ids) })
}

// operation reads an operation, with those of the page's runs at once when
// it is one of them.
func (s *Server) operation(ctx context.Context, id string) (*store.Operation, error) {
	pg := pageOf(ctx)
	if pg == nil {
		return s.store.GetOperation(ctx, id)
	}
	ops, err := pg.ops.get(func() (map[string]*store.Operation, error) {
		runs := pg.runList
		if runs == nil {
			latest, err := pg.latestRuns(ctx, s)
			if err != nil {
				return nil, err
			}
			for _, run := range latest {
				runs = append(runs, run)
			}
		}
		var ids []string
		for _, run := range runs {
			if run.OperationID != "" {
				ids = append(ids, run.OperationID)
			}
		}
		found, err := s.store.GetOperations(ctx, ids)
		if err != nil {
			return nil, err
		}
		byID := make(map[string]*store.Operation, len(ids))
		for _, id := range ids {
			byID[id] = found[id] // nil: gone (pruned)
		}
		return byID, nil
	})
	if err != nil {
		return nil, err
	}
	op, onPage := ops[id]
	switch {
	case !onPage:
		return s.store.GetOperation(ctx, id)
	case op == nil:
		return nil, fmt.Errorf("operation %q: %w", id, store.ErrNotFound)
	}
	return op, nil
}
