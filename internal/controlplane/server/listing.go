package server

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/openclaw/terraform-provider-openclaw/internal/api"
	"github.com/openclaw/terraform-provider-openclaw/internal/controlplane/store"
)

// Listing: the query parameters every list accepts and the page envelope.

// maxPageSize bounds page_size on every list.
const maxPageSize = 500

// pageSizeParam reads page_size (1-500); 0 when absent.
func pageSizeParam(r *http.Request) (int, error) {
	v := r.URL.Query().Get("page_size")
	if v == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > maxPageSize {
		return 0, invalid(fieldErr("page_size", "must be an integer between 1 and %d, got %q", maxPageSize, v))
	}
	return n, nil
}

// pageError turns a store's refusal of a page token into the API's answer.
func pageError(err error) error {
	if errors.Is(err, store.ErrInvalidPageToken) {
		return invalid(fieldErr("page_token", "is not a token this API issued; start again without it"))
	}
	return err
}

// listFilter reads page_size, page_token, name and label=k=v parameters.
func listFilter(r *http.Request, kind string) (store.ListFilter, error) {
	q := r.URL.Query()
	f := store.ListFilter{Kind: kind, Name: q.Get("name"), PageToken: q.Get("page_token")}
	size, err := pageSizeParam(r)
	if err != nil {
		return f, err
	}
	f.PageSize = size
	for _, l := range q["label"] {
		k, v, ok := strings.Cut(l, "=")
		if !ok || k == "" {
			return f, invalid(fieldErr("label", "must be key=value, got %q", l))
		}
		if f.Labels == nil {
			f.Labels = map[string]string{}
		}
		f.Labels[k] = v
	}
	return f, nil
}

// keptView renders a list item from what is kept for a resource at a
// revision, without reading its stored row; ok is false when nothing usable
// is kept.
type keptView[T any] func(ctx context.Context, ref store.ResourceRef) (item T, ok bool, err error)

// listPage answers one page of f, each item rendered by view. With kept, the
// page is read as (id, revision) pairs first and full rows are read, in one
// more query, only for the items kept cannot render.
func listPage[T any](s *Server, w http.ResponseWriter, r *http.Request, f store.ListFilter, view func(context.Context, *store.Resource) (T, error), kept keptView[T]) error {
	if kept == nil {
		items, next, err := s.store.ListResources(r.Context(), f)
		if err != nil {
			return pageError(err)
		}
		ids := make([]string, len(items))
		parents := make([]string, len(items))
		for i, res := range items {
			ids[i], parents[i] = res.ID, res.ParentID
		}
		ctx := withListPage(r.Context(), ids, parents)
		out := make([]T, 0, len(items))
		for _, res := range items {
			v, err := view(ctx, res)
			if err != nil {
				return err
			}
			out = append(out, v)
		}
		writeList(w, out, next)
		return nil
	}

	refs, next, err := s.store.ListRevisions(r.Context(), f)
	if err != nil {
		return pageError(err)
	}
	ids := make([]string, len(refs))
	for i, ref := range refs {
		ids[i] = ref.ID
	}
	// Kept pages are of environments, which have no parent.
	ctx := withListPage(r.Context(), ids, nil)
	out := make([]T, len(refs))
	done := make([]bool, len(refs))
	var missing []string
	for i, ref := range refs {
		v, ok, err := kept(ctx, ref)
		if err != nil {
			return err
		}
		if ok {
			out[i], done[i] = v, true
		} else {
			missing = append(missing, ref.ID)
		}
	}
	if len(missing) > 0 {
		rows, _, err := s.store.ListResources(r.Context(), store.ListFilter{Kind: f.Kind, IDs: missing, PageSize: len(missing)})
		if err != nil {
			return err
		}
		byID := make(map[string]*store.Resource, len(rows))
		for _, res := range rows {
			byID[res.ID] = res
		}
		for i, ref := range refs {
			res := byID[ref.ID]
			if done[i] || res == nil { // nil: deleted since the page was read
				continue
			}
			if out[i], err = view(ctx, res); err != nil {
				return err
			}
			done[i] = true
		}
	}
	items := out[:0]
	for i := range out {
		if done[i] {
			items = append(items, out[i])
		}
	}
	writeList(w, items, next)
	return nil
}

// writeList writes a page of items; items already encoded go out as they are.
func writeList[T any](w http.ResponseWriter, items []T, next string) {
	if raws, ok := any(items).([]json.RawMessage); ok {
		writeRawList(w, raws, next)
		return
	}
	writeJSON(w, http.StatusOK, api.List[T]{Items: items, NextPageToken: next})
}

// writeRawList writes what writeJSON writes for an api.List of items
// already encoded by json.Marshal, without encoding/json checking each again.
func writeRawList(w http.ResponseWriter, items []json.RawMessage, next string) {
	n := 32 + len(next)
	for _, it := range items {
		n += len(it) + 1
	}
	b := make([]byte, 0, n)
	b = append(b, `{"items":[`...)
	for i, it := range items {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, it...)
	}
	b = append(b, ']')
	if next != "" {
		tok, _ := json.Marshal(next)
		b = append(b, `,"next_page_token":`...)
		b = append(b, tok...)
	}
	b = append(b, "}\n"...)
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(b)
}
