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

// listPage answers one page of f, each item rendered by view.
func listPage[T any](s *Server, w http.ResponseWriter, r *http.Request, f store.ListFilter, view func(context.Context, *store.Resource) (T, error)) error {
	items, next, err := s.store.ListResources(r.Context(), f)
	if err != nil {
		return pageError(err)
	}
	out := api.List[T]{Items: make([]T, 0, len(items)), NextPageToken: next}
	ctx := withPageSecrets(r.Context(), items)
	for _, res := range items {
		v, err := view(ctx, res)
		if err != nil {
			return err
		}
		out.Items = append(out.Items, v)
	}
	if raws, ok := any(out.Items).([]json.RawMessage); ok {
		writeRawList(w, raws, next)
		return nil
	}
	writeJSON(w, http.StatusOK, out)
	return nil
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
