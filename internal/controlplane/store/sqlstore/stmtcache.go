package sqlstore

import (
	"context"
	"database/sql"
	"strconv"
	"sync"
)

// maxCachedStmts bounds the cache: the store's queries are a fixed set, but
// a few are built per call (IN lists, filters); past the bound those run
// unprepared rather than growing the cache without end.
const maxCachedStmts = 256

// stmtCache keeps each query text prepared once per pooled connection, so
// the hot paths (a GET is four statements, an engine step a dozen) skip
// SQLite's parser. database/sql prepares a Stmt lazily on each connection
// it runs on, a transaction's connection included.
type stmtCache struct {
	db     *sql.DB
	mu     sync.RWMutex
	m      map[string]*sql.Stmt // a nil value: being prepared, or cannot be
	closed bool
	// preparing counts the prepares in flight; close waits for them.
	preparing sync.WaitGroup
}

// limitClause is " LIMIT n" with n written into the text: SQLite re-plans a
// prepared statement on every run whose LIMIT is a bound parameter, which
// cost more than the query itself. n is always the store's own int.
func limitClause(n int) string { return " LIMIT " + strconv.Itoa(n) }

func newStmtCache(db *sql.DB) *stmtCache {
	return &stmtCache{db: db, m: map[string]*sql.Stmt{}}
}

// on returns the prepared statement of query for q (the pool or a
// transaction), or nil to run it unprepared this time. A miss prepares in
// the background: preparing on the pool needs a free connection, and a
// caller inside a transaction waiting for one could wait on itself.
func (c *stmtCache) on(ctx context.Context, q querier, query string) *sql.Stmt {
	if c == nil {
		return nil
	}
	c.mu.RLock()
	st, seen := c.m[query]
	c.mu.RUnlock()
	if st == nil {
		if !seen {
			c.prepare(query)
		}
		return nil
	}
	if tx, ok := q.(*sql.Tx); ok {
		return tx.StmtContext(ctx, st)
	}
	return st
}

func (c *stmtCache) prepare(query string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, seen := c.m[query]; seen || c.closed || len(c.m) >= maxCachedStmts {
		return
	}
	c.m[query] = nil
	c.preparing.Go(func() {
		st, err := c.db.PrepareContext(context.Background(), query)
		c.mu.Lock()
		defer c.mu.Unlock()
		if err != nil || c.closed {
			// Left marked: the unprepared run reports what is wrong.
			if st != nil {
				_ = st.Close()
			}
			return
		}
		c.m[query] = st
	})
}

func (c *stmtCache) close() {
	if c == nil {
		return
	}
	c.preparing.Wait()
	c.mu.Lock()
	defer c.mu.Unlock()
	c.closed = true
	for _, st := range c.m {
		if st != nil {
			_ = st.Close()
		}
	}
	clear(c.m)
}
