package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/openclaw/terraform-provider-openclaw/internal/controlplane/store"
)

type rowScanner interface {
	Scan(dest ...any) error
}

// updatedAtSet is the SET clause for updated_at shared by the Update
// methods: now, unless the caller changed the value it read, in which case
// the caller's value. Its arguments come from updatedAtArgs.
func (c *conn) updatedAtSet() string {
	p := c.d.tsParam()
	return fmt.Sprintf("updated_at = CASE WHEN updated_at = %s THEN %s ELSE %s END", p, p, p)
}

func (c *conn) updatedAtArgs(given time.Time) []any {
	now := normTime(time.Now())
	preset := given
	if preset.IsZero() {
		preset = now
	}
	return []any{c.d.ts(given), c.d.ts(now), c.d.ts(preset)}
}

const resourceCols = `kind, id, parent_id, name, alt_key, generation, revision, spec, status, created_at, updated_at`

func scanResource(row rowScanner, extra ...any) (*store.Resource, error) {
	var r store.Resource
	var alt sql.NullString
	var spec, status []byte
	dest := append([]any{&r.Kind, &r.ID, &r.ParentID, &r.Name, &alt, &r.Generation, &r.Revision,
		&spec, &status, timeScan{&r.CreatedAt}, timeScan{&r.UpdatedAt}}, extra...)
	if err := row.Scan(dest...); err != nil {
		return nil, err
	}
	r.AltKey = alt.String
	r.Spec = jsonOut(spec)
	r.Status = jsonOut(status)
	r.Labels = map[string]string{}
	return &r, nil
}

func altKeyArg(k string) any {
	if k == "" {
		return nil
	}
	return k
}

func (c *conn) CreateResource(ctx context.Context, r *store.Resource) error {
	if r.Kind == "" || r.ID == "" || r.Name == "" {
		return fmt.Errorf("create resource: kind, id and name are required")
	}
	n := *r
	now := normTime(time.Now())
	if n.Generation == 0 {
		n.Generation = 1
	}
	if n.Revision == 0 {
		n.Revision = 1
	}
	n.CreatedAt, n.UpdatedAt = normTime(n.CreatedAt), normTime(n.UpdatedAt)
	if n.CreatedAt.IsZero() {
		n.CreatedAt = now
	}
	if n.UpdatedAt.IsZero() {
		n.UpdatedAt = now
	}
	err := c.atomic(ctx, func(q querier) error {
		_, err := c.exec(ctx, q, `INSERT INTO resources (`+resourceCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			n.Kind, n.ID, n.ParentID, n.Name, altKeyArg(n.AltKey), n.Generation, n.Revision,
			jsonArg(n.Spec), jsonArg(n.Status), c.d.ts(n.CreatedAt), c.d.ts(n.UpdatedAt))
		if err != nil {
			if uv := c.d.uniqueViolation(err); uv != nil {
				return uv
			}
			return err
		}
		return c.insertLabels(ctx, q, n.ID, n.Labels)
	})
	if err != nil {
		return fmt.Errorf("create %s %q: %w", r.Kind, r.ID, err)
	}
	*r = n
	return nil
}

func (c *conn) insertLabels(ctx context.Context, q querier, id string, labels map[string]string) error {
	if len(labels) == 0 {
		return nil
	}
	keys := sortedKeys(labels)
	args := make([]any, 0, 3*len(keys))
	rows := make([]string, 0, len(keys))
	for _, k := range keys {
		rows = append(rows, "(?, ?, ?)")
		args = append(args, id, k, labels[k])
	}
	_, err := c.exec(ctx, q, `INSERT INTO resource_labels (resource_id, key, value) VALUES `+strings.Join(rows, ", "), args...)
	if err != nil {
		return fmt.Errorf("write labels: %w", err)
	}
	return nil
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// loadLabels fills the Labels of resources read in one query.
func (c *conn) loadLabels(ctx context.Context, q querier, items []*store.Resource) error {
	if len(items) == 0 {
		return nil
	}
	byID := make(map[string]*store.Resource, len(items))
	args := make([]any, 0, len(items))
	for _, r := range items {
		byID[r.ID] = r
		args = append(args, r.ID)
	}
	rows, err := c.query(ctx, q, `SELECT resource_id, key, value FROM resource_labels WHERE resource_id IN (`+placeholders(len(args))+`)`, args...)
	if err != nil {
		return fmt.Errorf("read labels: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id, k, v string
		if err := rows.Scan(&id, &k, &v); err != nil {
			return fmt.Errorf("read labels: %w", err)
		}
		if r := byID[id]; r != nil {
			r.Labels[k] = v
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read labels: %w", err)
	}
	return nil
}

// getResource reads one resource and its labels in one statement (a GET is
// on the hot path of every refresh).
func (c *conn) getResource(ctx context.Context, what string, where string, args ...any) (*store.Resource, error) {
	var labels []byte
	r, err := scanResource(c.queryRow(ctx, c.q(), `SELECT `+resourceCols+`, `+c.d.labelsObject("resources.id")+`
		FROM resources WHERE `+where, args...), &labels)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("%s: %w", what, store.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", what, err)
	}
	if len(labels) > 0 {
		if err := json.Unmarshal(labels, &r.Labels); err != nil {
			return nil, fmt.Errorf("read %s: labels: %w", what, err)
		}
	}
	return r, nil
}

func (c *conn) GetResource(ctx context.Context, kind, id string) (*store.Resource, error) {
	return c.getResource(ctx, fmt.Sprintf("%s %q", kind, id), `kind = ? AND id = ?`, kind, id)
}

func (c *conn) GetResourceByName(ctx context.Context, kind, parentID, name string) (*store.Resource, error) {
	what := fmt.Sprintf("%s named %q", kind, name)
	if parentID != "" {
		what += fmt.Sprintf(" in %q", parentID)
	}
	return c.getResource(ctx, what, `kind = ? AND parent_id = ? AND name = ?`, kind, parentID, name)
}

// listQuery is the FROM/WHERE/ORDER BY/LIMIT of a list page of f, shared by
// ListResources and ListRevisions so the two always select the same page.
// size is the page size; the query asks for one more to see whether a next
// page exists.
func listQuery(f store.ListFilter) (query string, args []any, size int, err error) {
	after, err := decodeToken(f.PageToken)
	if err != nil {
		return "", nil, 0, err
	}
	var where []string
	if f.Kind != "" {
		where = append(where, "r.kind = ?")
		args = append(args, f.Kind)
	}
	if f.ParentID != nil {
		where = append(where, "r.parent_id = ?")
		args = append(args, *f.ParentID)
	}
	if f.ParentIDs != nil {
		in, ids := inList(f.ParentIDs)
		where = append(where, "r.parent_id IN ("+in+")")
		args = append(args, ids...)
	}
	if f.Name != "" {
		where = append(where, "r.name = ?")
		args = append(args, f.Name)
	}
	for _, k := range sortedKeys(f.Labels) {
		where = append(where, "EXISTS (SELECT 1 FROM resource_labels l WHERE l.resource_id = r.id AND l.key = ? AND l.value = ?)")
		args = append(args, k, f.Labels[k])
	}
	if f.IDs != nil {
		in, ids := inList(f.IDs)
		where = append(where, "r.id IN ("+in+")")
		args = append(args, ids...)
	}
	order, cmp := "", ">"
	if f.Descending {
		order, cmp = " DESC", "<"
	}
	if after != "" {
		where = append(where, "r.id "+cmp+" ?")
		args = append(args, after)
	}
	size = pageSize(f.PageSize)
	query = ` FROM resources r`
	if len(where) > 0 {
		query += ` WHERE ` + strings.Join(where, " AND ")
	}
	query += ` ORDER BY r.id` + order + limitClause(size+1)
	return query, args, size, nil
}

func (c *conn) ListResources(ctx context.Context, f store.ListFilter) ([]*store.Resource, string, error) {
	from, args, size, err := listQuery(f)
	if err != nil {
		return nil, "", err
	}
	if (f.IDs != nil && len(f.IDs) == 0) || (f.ParentIDs != nil && len(f.ParentIDs) == 0) {
		return nil, "", nil
	}
	q := c.q()
	rows, err := c.query(ctx, q, `SELECT `+prefixCols("r.", resourceCols)+from, args...)
	if err != nil {
		return nil, "", fmt.Errorf("list %s: %w", f.Kind, err)
	}
	var items []*store.Resource
	for rows.Next() {
		r, err := scanResource(rows)
		if err != nil {
			rows.Close()
			return nil, "", fmt.Errorf("list %s: %w", f.Kind, err)
		}
		items = append(items, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, "", fmt.Errorf("list %s: %w", f.Kind, err)
	}
	next := ""
	if len(items) > size {
		items = items[:size]
		next = encodeToken(items[size-1].ID)
	}
	if err := c.loadLabels(ctx, q, items); err != nil {
		return nil, "", fmt.Errorf("list %s: %w", f.Kind, err)
	}
	return items, next, nil
}

// ListRevisions reads only the ID and revision of each resource on the page
// (from the resources_kind_id_revision_idx index when the filter is a kind),
// so a caller holding views by revision fetches full rows only for the rest.
func (c *conn) ListRevisions(ctx context.Context, f store.ListFilter) ([]store.ResourceRef, string, error) {
	from, args, size, err := listQuery(f)
	if err != nil {
		return nil, "", err
	}
	if (f.IDs != nil && len(f.IDs) == 0) || (f.ParentIDs != nil && len(f.ParentIDs) == 0) {
		return nil, "", nil
	}
	rows, err := c.query(ctx, c.q(), `SELECT r.id, r.revision`+from, args...)
	if err != nil {
		return nil, "", fmt.Errorf("list %s: %w", f.Kind, err)
	}
	defer rows.Close()
	refs := make([]store.ResourceRef, 0, min(size+1, 64))
	for rows.Next() {
		var ref store.ResourceRef
		if err := rows.Scan(&ref.ID, &ref.Revision); err != nil {
			return nil, "", fmt.Errorf("list %s: %w", f.Kind, err)
		}
		refs = append(refs, ref)
	}
	if err := rows.Err(); err != nil {
		return nil, "", fmt.Errorf("list %s: %w", f.Kind, err)
	}
	next := ""
	if len(refs) > size {
		refs = refs[:size]
		next = encodeToken(refs[size-1].ID)
	}
	return refs, next, nil
}

// prefixCols qualifies a column list with a table alias.
func prefixCols(prefix, cols string) string {
	parts := strings.Split(cols, ", ")
	for i, p := range parts {
		parts[i] = prefix + p
	}
	return strings.Join(parts, ", ")
}

func (c *conn) UpdateResource(ctx context.Context, r *store.Resource) error {
	var rev int64
	var updated time.Time
	err := c.atomic(ctx, func(q querier) error {
		args := []any{r.Name, altKeyArg(r.AltKey), r.Generation, jsonArg(r.Spec), jsonArg(r.Status)}
		args = append(args, c.updatedAtArgs(r.UpdatedAt)...)
		args = append(args, r.Kind, r.ID, r.Revision)
		err := c.queryRow(ctx, q, `UPDATE resources SET name = ?, alt_key = ?, generation = ?, revision = revision + 1,
			spec = ?, status = ?, `+c.updatedAtSet()+`
			WHERE kind = ? AND id = ? AND revision = ?
			RETURNING revision, updated_at`, args...).Scan(&rev, timeScan{&updated})
		if errors.Is(err, sql.ErrNoRows) {
			return c.missingOrConflict(ctx, q, r.Kind, r.ID)
		}
		if err != nil {
			if uv := c.d.uniqueViolation(err); uv != nil {
				return uv
			}
			return err
		}
		if _, err := c.exec(ctx, q, `DELETE FROM resource_labels WHERE resource_id = ?`, r.ID); err != nil {
			return fmt.Errorf("write labels: %w", err)
		}
		return c.insertLabels(ctx, q, r.ID, r.Labels)
	})
	if err != nil {
		return fmt.Errorf("update %s %q: %w", r.Kind, r.ID, err)
	}
	r.Revision = rev
	r.UpdatedAt = updated
	return nil
}

// missingOrConflict explains why a conditional update matched no row.
func (c *conn) missingOrConflict(ctx context.Context, q querier, kind, id string) error {
	var one int
	err := c.queryRow(ctx, q, `SELECT 1 FROM resources WHERE kind = ? AND id = ?`, kind, id).Scan(&one)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return store.ErrNotFound
	case err != nil:
		return err
	}
	return fmt.Errorf("stale revision: %w", store.ErrConflict)
}

func (c *conn) DeleteResource(ctx context.Context, kind, id string) error {
	err := c.atomic(ctx, func(q querier) error {
		res, err := c.exec(ctx, q, `DELETE FROM resources WHERE kind = ? AND id = ?`, kind, id)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return store.ErrNotFound
		}
		// The schema cascades labels; secrets have no foreign key (they are
		// written independently of the resource row), so remove them here.
		if _, err := c.exec(ctx, q, `DELETE FROM resource_labels WHERE resource_id = ?`, id); err != nil {
			return err
		}
		_, err = c.exec(ctx, q, `DELETE FROM secrets WHERE resource_id = ?`, id)
		return err
	})
	if err != nil {
		return fmt.Errorf("delete %s %q: %w", kind, id, err)
	}
	return nil
}

func (c *conn) PutSecrets(ctx context.Context, resourceID string, secrets []store.Secret) error {
	now := normTime(time.Now())
	err := c.atomic(ctx, func(q querier) error {
		if _, err := c.exec(ctx, q, `DELETE FROM secrets WHERE resource_id = ?`, resourceID); err != nil {
			return err
		}
		for _, s := range secrets {
			at := normTime(s.UpdatedAt)
			if at.IsZero() {
				at = now
			}
			_, err := c.exec(ctx, q, `INSERT INTO secrets (resource_id, name, nonce, ciphertext, version, fingerprint, updated_at)
				VALUES (?, ?, ?, ?, ?, ?, ?)`,
				resourceID, s.Name, bytesArg(s.Nonce), bytesArg(s.Ciphertext), s.Version, s.Fingerprint, c.d.ts(at))
			if err != nil {
				if c.d.uniqueViolation(err) != nil {
					return fmt.Errorf("secret %q given twice", s.Name)
				}
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("write secrets of %q: %w", resourceID, err)
	}
	return nil
}

func (c *conn) ListSecrets(ctx context.Context, resourceID string) ([]store.Secret, error) {
	rows, err := c.query(ctx, c.q(), `SELECT resource_id, name, nonce, ciphertext, version, fingerprint, updated_at
		FROM secrets WHERE resource_id = ? ORDER BY name`, resourceID)
	if err != nil {
		return nil, fmt.Errorf("read secrets of %q: %w", resourceID, err)
	}
	defer rows.Close()
	var out []store.Secret
	for rows.Next() {
		var s store.Secret
		if err := rows.Scan(&s.ResourceID, &s.Name, &s.Nonce, &s.Ciphertext, &s.Version, &s.Fingerprint, timeScan{&s.UpdatedAt}); err != nil {
			return nil, fmt.Errorf("read secrets of %q: %w", resourceID, err)
		}
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read secrets of %q: %w", resourceID, err)
	}
	return out, nil
}

func (c *conn) SecretInfos(ctx context.Context, resourceIDs []string) (map[string][]store.Secret, error) {
	out := make(map[string][]store.Secret, len(resourceIDs))
	if len(resourceIDs) == 0 {
		return out, nil
	}
	in, args := inList(resourceIDs)
	rows, err := c.query(ctx, c.q(), `SELECT resource_id, name, version, fingerprint, updated_at
		FROM secrets WHERE resource_id IN (`+in+`) ORDER BY resource_id, name`, args...)
	if err != nil {
		return nil, fmt.Errorf("read secrets of %d resources: %w", len(resourceIDs), err)
	}
	defer rows.Close()
	for rows.Next() {
		var s store.Secret
		if err := rows.Scan(&s.ResourceID, &s.Name, &s.Version, &s.Fingerprint, timeScan{&s.UpdatedAt}); err != nil {
			return nil, fmt.Errorf("read secrets of %d resources: %w", len(resourceIDs), err)
		}
		out[s.ResourceID] = append(out[s.ResourceID], s)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read secrets of %d resources: %w", len(resourceIDs), err)
	}
	return out, nil
}
