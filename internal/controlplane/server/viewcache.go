package server

import (
	"encoding/json"
	"fmt"
	"sync"

	"github.com/openclaw/terraform-provider-openclaw/internal/controlplane/driver"
	"github.com/openclaw/terraform-provider-openclaw/internal/controlplane/store"
)

// decodedMax bounds a decodeCache; past it, it starts again empty.
const decodedMax = 20000

// decodeCache keeps the decoded spec and status of each resource at its
// stored revision, which changes on every write: a list of 500 spent most of
// its CPU decoding the same JSON again. Values handed out are shared and
// must not be modified.
type decodeCache[S, T any] struct {
	mu sync.Mutex
	m  map[string]decoded[S, T]
}

type decoded[S, T any] struct {
	revision int64
	spec     S
	status   T
}

func newDecodeCache[S, T any]() *decodeCache[S, T] {
	return &decodeCache[S, T]{m: map[string]decoded[S, T]{}}
}

// of decodes res's spec and status, or returns them as decoded before.
func (c *decodeCache[S, T]) of(res *store.Resource) (S, T, error) {
	c.mu.Lock()
	d, ok := c.m[res.ID]
	c.mu.Unlock()
	if ok && d.revision == res.Revision {
		return d.spec, d.status, nil
	}
	d = decoded[S, T]{revision: res.Revision}
	if err := json.Unmarshal(res.Spec, &d.spec); err != nil {
		return d.spec, d.status, fmt.Errorf("decode spec of %s: %w", res.ID, err)
	}
	if err := json.Unmarshal(res.Status, &d.status); err != nil {
		return d.spec, d.status, fmt.Errorf("decode status of %s: %w", res.ID, err)
	}
	c.mu.Lock()
	if len(c.m) >= decodedMax {
		clear(c.m)
	}
	// A slower reader of an older revision never replaces a newer one.
	if cur, ok := c.m[res.ID]; !ok || cur.revision < res.Revision {
		c.m[res.ID] = d
	}
	c.mu.Unlock()
	return d.spec, d.status, nil
}

// encodedCache keeps each environment's list item as JSON, valid while its
// revision and the inputs from outside the resource (its secrets, the
// driver's gateway URL) are the same: encoding a page of 500 was a fifth of
// its CPU. The gateway it was encoded for is kept too, so the inputs can be
// checked again without the stored row.
type encodedCache struct {
	mu sync.Mutex
	m  map[string]encodedItem
}

type encodedItem struct {
	revision int64
	gateway  driver.Gateway
	inputs   string
	raw      json.RawMessage
}

func newEncodedCache() *encodedCache { return &encodedCache{m: map[string]encodedItem{}} }

// at returns what is kept for id at revision.
func (c *encodedCache) at(id string, revision int64) (encodedItem, bool) {
	c.mu.Lock()
	e, ok := c.m[id]
	c.mu.Unlock()
	return e, ok && e.revision == revision
}

// of returns the cached encoding of id at revision with these inputs, or
// encodes it with encode and keeps it.
func (c *encodedCache) of(id string, revision int64, gw driver.Gateway, inputs string, encode func() (any, error)) (json.RawMessage, error) {
	if e, ok := c.at(id, revision); ok && e.inputs == inputs {
		return e.raw, nil
	}
	v, err := encode()
	if err != nil {
		return nil, err
	}
	raw, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	if len(c.m) >= decodedMax {
		clear(c.m)
	}
	if cur, ok := c.m[id]; !ok || cur.revision <= revision {
		c.m[id] = encodedItem{revision: revision, gateway: gw, inputs: inputs, raw: raw}
	}
	c.mu.Unlock()
	return raw, nil
}
