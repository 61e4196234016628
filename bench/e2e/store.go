package main

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"

	_ "modernc.org/sqlite" // the sqlite driver the sync-task store uses
)

// storeWatcher reads the flow's sync-task store (SQLite) through its own
// read-only connection while the flow writes it.
type storeWatcher struct {
	path string
	db   *sql.DB
	// lastErr is the last failed count query: none is fatal (the flow
	// creates the tables when it starts), but a run that times out reports it.
	lastErr error
}

// statusCounts is entities by status for one source, target and tx type.
type statusCounts map[string]int

func (c statusCounts) total() int {
	n := 0
	for _, v := range c {
		n += v
	}
	return n
}

// counts returns the order entities magento → netsuite by status. Before
// the flow has created the store it returns no counts and no error.
func (w *storeWatcher) counts(ctx context.Context) (statusCounts, error) {
	if w.db == nil {
		if _, err := os.Stat(w.path); err != nil {
			return statusCounts{}, nil
		}
		q := url.Values{}
		q.Add("mode", "ro")
		q.Add("_pragma", "busy_timeout(10000)")
		q.Add("_pragma", "query_only(1)")
		db, err := sql.Open("sqlite", "file:"+w.path+"?"+q.Encode())
		if err != nil {
			return nil, fmt.Errorf("opening store %s read-only: %w", w.path, err)
		}
		db.SetMaxOpenConns(1)
		w.db = db
	}
	rows, err := w.db.QueryContext(ctx, `SELECT status, COUNT(*) FROM dw_entities
		WHERE source = 'magento' AND target = 'netsuite' AND tx_type = 'order' GROUP BY status`)
	if err != nil {
		w.lastErr = fmt.Errorf("counting store entities: %w", err)
		return statusCounts{}, nil
	}
	w.lastErr = nil
	defer rows.Close()
	c := statusCounts{}
	for rows.Next() {
		var st string
		var n int
		if err := rows.Scan(&st, &n); err != nil {
			return nil, fmt.Errorf("reading store counts: %w", err)
		}
		c[st] = n
	}
	return c, rows.Err()
}

func (w *storeWatcher) close() {
	if w.db != nil {
		_ = w.db.Close()
	}
}
