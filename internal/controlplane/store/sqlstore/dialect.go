package sqlstore

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"modernc.org/sqlite"

	"github.com/openclaw/terraform-provider-openclaw/internal/controlplane/store"
)

// dialect is everything that differs between the two databases once the
// schema exists: placeholder syntax, how a timestamp is passed and read, and
// how a unique violation is reported. Queries are written once, with ?
// placeholders.
type dialect struct {
	name string // "sqlite" or "postgres"
}

var (
	sqliteDialect   = &dialect{name: "sqlite"}
	postgresDialect = &dialect{name: "postgres"}
)

func dialectFor(driver string) (*dialect, error) {
	switch driver {
	case "sqlite":
		return sqliteDialect, nil
	case "postgres":
		return postgresDialect, nil
	}
	return nil, fmt.Errorf("unknown database driver %q (want sqlite or postgres)", driver)
}

// rebind rewrites ? placeholders to $1, $2... for PostgreSQL. Question marks
// inside quoted strings or identifiers are left alone.
func (d *dialect) rebind(query string) string {
	if d != postgresDialect || !strings.Contains(query, "?") {
		return query
	}
	var b strings.Builder
	b.Grow(len(query) + 16)
	n := 0
	var quote byte
	for i := 0; i < len(query); i++ {
		c := query[i]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '\'' || c == '"':
			quote = c
		case c == '?':
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

// labelsObject is a subquery of the labels of the resource whose ID is
// idCol, as one JSON object (NULL or {} without labels).
func (d *dialect) labelsObject(idCol string) string {
	agg := "json_group_object"
	if d == postgresDialect {
		agg = "json_object_agg"
	}
	return `(SELECT ` + agg + `(l.key, l.value) FROM resource_labels l WHERE l.resource_id = ` + idCol + `)`
}

// parseStoredUTC reads the form every timestamp is written in,
// "2006-01-02T15:04:05.000000Z", without time.Parse's generality (a list
// page reads 1,000 of them); anything else is left to time.Parse.
func parseStoredUTC(s string) (time.Time, bool) {
	if len(s) != 27 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':' || s[19] != '.' || s[26] != 'Z' {
		return time.Time{}, false
	}
	num := func(i, j int) int {
		n := 0
		for _, c := range []byte(s[i:j]) {
			if c < '0' || c > '9' {
				return -1
			}
			n = n*10 + int(c-'0')
		}
		return n
	}
	y, mo, d, h, mi, sec, us := num(0, 4), num(5, 7), num(8, 10), num(11, 13), num(14, 16), num(17, 19), num(20, 26)
	if y < 0 || mo < 1 || mo > 12 || d < 1 || d > 31 || h < 0 || h > 23 || mi < 0 || mi > 59 || sec < 0 || sec > 59 || us < 0 {
		return time.Time{}, false
	}
	t := time.Date(y, time.Month(mo), d, h, mi, sec, us*1000, time.UTC)
	if t.Day() != d {
		return time.Time{}, false // February 30th and the like: let time.Parse refuse it
	}
	return t, true
}

// tsParam is the placeholder for a timestamp argument in a position where
// PostgreSQL cannot infer its type (CASE branches).
func (d *dialect) tsParam() string {
	if d == postgresDialect {
		return "CAST(? AS TIMESTAMPTZ)"
	}
	return "?"
}

// sqliteTimeLayout is fixed width so that the TEXT columns compare in time
// order. Times are always written in UTC.
const sqliteTimeLayout = "2006-01-02T15:04:05.000000Z07:00"

// normTime is the value a timestamp has once stored: UTC, microseconds.
func normTime(t time.Time) time.Time {
	return t.UTC().Truncate(time.Microsecond)
}

func normTimePtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	n := normTime(*t)
	return &n
}

// ts converts a timestamp argument.
func (d *dialect) ts(t time.Time) any {
	t = normTime(t)
	if d == sqliteDialect {
		return t.Format(sqliteTimeLayout)
	}
	return t
}

// tsPtr converts a nullable timestamp argument.
func (d *dialect) tsPtr(t *time.Time) any {
	if t == nil {
		return nil
	}
	return d.ts(*t)
}

// timeScan reads a NOT NULL timestamp column of either database.
type timeScan struct{ dst *time.Time }

func (s timeScan) Scan(v any) error {
	t, ok, err := parseTime(v)
	if err != nil {
		return err
	}
	if !ok {
		*s.dst = time.Time{}
		return nil
	}
	*s.dst = t
	return nil
}

// nullTimeScan reads a nullable timestamp column.
type nullTimeScan struct{ dst **time.Time }

func (s nullTimeScan) Scan(v any) error {
	t, ok, err := parseTime(v)
	if err != nil {
		return err
	}
	if !ok {
		*s.dst = nil
		return nil
	}
	*s.dst = &t
	return nil
}

func parseTime(v any) (time.Time, bool, error) {
	switch x := v.(type) {
	case nil:
		return time.Time{}, false, nil
	case time.Time:
		return x.UTC(), true, nil
	case string:
		return parseTimeString(x)
	case []byte:
		return parseTimeString(string(x))
	}
	return time.Time{}, false, fmt.Errorf("cannot read %T as a timestamp", v)
}

func parseTimeString(s string) (time.Time, bool, error) {
	if t, ok := parseStoredUTC(s); ok {
		return t, true, nil
	}
	t, err := time.Parse(sqliteTimeLayout, s)
	if err != nil {
		t, err = time.Parse(time.RFC3339Nano, s)
	}
	if err != nil {
		return time.Time{}, false, fmt.Errorf("invalid stored timestamp %q: %w", s, err)
	}
	return t.UTC(), true, nil
}

// SQLite extended result codes for constraint failures.
const (
	sqliteConstraintPrimaryKey = 1555 // SQLITE_CONSTRAINT_PRIMARYKEY
	sqliteConstraintUnique     = 2067 // SQLITE_CONSTRAINT_UNIQUE
	pgUniqueViolation          = "23505"
)

// pgConstraintFields maps the schema's unique constraints and indexes (named
// the same in both migrations) to the field reported in UniqueViolation.
var pgConstraintFields = map[string]string{
	"resources_pkey":           "id",
	"resources_name_key":       "name",
	"resources_alt_key_key":    "alt_key",
	"operations_pkey":          "id",
	"api_keys_pkey":            "id",
	"api_keys_secret_hash_key": "secret_hash",
	"idempotency_keys_pkey":    "key",
	// Shutdown schedule runs: one per schedule and transition time.
	"schedule_runs_pkey":               "id",
	"schedule_runs_schedule_id_at_key": "at",
}

// uniqueViolation recognizes a unique-constraint failure and names the
// field, or returns nil.
func (d *dialect) uniqueViolation(err error) *store.UniqueViolation {
	if err == nil {
		return nil
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == pgUniqueViolation {
		f, ok := pgConstraintFields[pgErr.ConstraintName]
		if !ok {
			f = pgErr.ConstraintName
		}
		return &store.UniqueViolation{Field: f}
	}
	var sqErr *sqlite.Error
	if errors.As(err, &sqErr) && (sqErr.Code() == sqliteConstraintUnique || sqErr.Code() == sqliteConstraintPrimaryKey) {
		return &store.UniqueViolation{Field: sqliteUniqueField(sqErr.Error())}
	}
	return nil
}

// sqliteUniqueColumns matches SQLite's "UNIQUE constraint failed:
// resources.kind, resources.parent_id, resources.name" (or "PRIMARY KEY
// constraint failed" on some builds).
var sqliteUniqueColumns = regexp.MustCompile(`(?:UNIQUE|PRIMARY KEY) constraint failed: ([\w.]+(?:, [\w.]+)*)`)

// sqliteUniqueField names the field of a SQLite unique failure: the last
// column of the constraint is the one that distinguishes the constraints of
// this schema (kind, parent_id, name|alt_key; principal, key; ...).
func sqliteUniqueField(msg string) string {
	m := sqliteUniqueColumns.FindStringSubmatch(msg)
	if m == nil {
		return "unknown"
	}
	cols := strings.Split(m[1], ", ")
	col := cols[len(cols)-1]
	if k := strings.LastIndexByte(col, '.'); k >= 0 {
		col = col[k+1:]
	}
	return col
}
