package client

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"

	"github.com/openclaw/terraform-provider-openclaw/internal/api"
)

// The generic REST shapes of the API. Every resource kind follows them:
// reads return the resource, lists use the api.List envelope with page
// tokens, and every mutation answers 202 with an api.Operation. A new kind
// (GPU pools, API keys, ...) is a handful of one-line typed methods on top.

// resourcePath is collection + "/" + the escaped id. Escaping matters: an ID
// containing "/" or "?" must not address a different resource.
func resourcePath(collection, id string) (string, error) {
	if id == "" {
		return "", fmt.Errorf("%s: id must not be empty", collection)
	}
	return collection + "/" + url.PathEscape(id), nil
}

// get reads one resource of type T.
func get[T any](ctx context.Context, c *Client, path string, query url.Values) (*T, *http.Response, error) {
	var out T
	resp, err := c.Do(ctx, http.MethodGet, path, query, nil, &out)
	if err != nil {
		return nil, resp, err
	}
	return &out, resp, nil
}

// list reads every page of a collection of T. query carries the filters;
// pageSize 0 leaves the page size to the server.
func list[T any](ctx context.Context, c *Client, path string, query url.Values, pageSize int) ([]T, error) {
	q := url.Values{}
	for k, v := range query {
		q[k] = append([]string(nil), v...)
	}
	if pageSize > 0 {
		q.Set("page_size", strconv.Itoa(pageSize))
	}
	var (
		all  []T
		seen = map[string]bool{}
	)
	for {
		var page api.List[T]
		if _, err := c.Do(ctx, http.MethodGet, path, q, nil, &page); err != nil {
			return nil, err
		}
		all = append(all, page.Items...)
		next := page.NextPageToken
		if next == "" {
			return all, nil
		}
		// A server handing out a token twice would otherwise loop forever.
		if seen[next] {
			return nil, fmt.Errorf("GET %s: server repeated page token %q", path, next)
		}
		seen[next] = true
		q.Set("page_token", next)
	}
}

// create POSTs body to a collection. Do gives the POST an Idempotency-Key.
func create(ctx context.Context, c *Client, path string, body any, opts ...RequestOption) (*api.Operation, error) {
	return mutate(ctx, c, http.MethodPost, path, body, opts...)
}

// update PATCHes a resource, guarded by etag when non-empty.
func update(ctx context.Context, c *Client, path, etag string, body any) (*api.Operation, error) {
	return mutate(ctx, c, http.MethodPatch, path, body, WithIfMatch(etag))
}

// remove DELETEs a resource, guarded by etag when non-empty.
func remove(ctx context.Context, c *Client, path, etag string) (*api.Operation, error) {
	return mutate(ctx, c, http.MethodDelete, path, nil, WithIfMatch(etag))
}

func mutate(ctx context.Context, c *Client, method, path string, body any, opts ...RequestOption) (*api.Operation, error) {
	var op api.Operation
	if _, err := c.Do(ctx, method, path, nil, body, &op, opts...); err != nil {
		return nil, err
	}
	// Every mutation is asynchronous; without an operation ID there is
	// nothing to wait for, so treat it as a contract violation.
	if op.ID == "" {
		return nil, fmt.Errorf("%s %s: %w", method, path, errNoOperation)
	}
	return &op, nil
}

var errNoOperation = errors.New("response carries no operation")
