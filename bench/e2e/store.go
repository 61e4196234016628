package main

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"strconv"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" driver, for a PostgreSQL store
	_ "modernc.org/sqlite"             // the sqlite driver the sync-task store uses
)

// storeWatcher reads the flow's sync-task store through its own connection
// (read-only for SQLite) while the flow writes it.
type storeWatcher struct {
	driver string // "sqlite" or "pgx"
	dsn    string
	// path is the SQLite file, which the flow creates: the watcher opens it
	// once it exists. Empty for PostgreSQL.
	path string
	db   *sql.DB
	// lastErr is the last failed count query: none is fatal (the flow
	// creates the tables when it starts), but a run that times out reports it.
	lastErr error
}

// sqliteWatcher watches the SQLite store at path.
func sqliteWatcher(path string) *storeWatcher {
	q := url.Values{}
	q.Add("mode", "ro")
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "query_only(1)")
	return &storeWatcher{driver: "sqlite", dsn: "file:" + path + "?" + q.Encode(), path: path}
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
		if w.path != "" {
			if _, err := os.Stat(w.path); err != nil {
				return statusCounts{}, nil
			}
		}
		db, err := sql.Open(w.driver, w.dsn)
		if err != nil {
			return nil, fmt.Errorf("opening the store to watch it: %w", err)
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

// freshPostgres creates an empty database next to the one admin points at
// and returns its URL and a function that drops it.
func freshPostgres(ctx context.Context, admin string) (string, func(), error) {
	u, err := url.Parse(admin)
	if err != nil {
		return "", nil, fmt.Errorf("parsing -postgres: %w", err)
	}
	db, err := sql.Open("pgx", admin)
	if err != nil {
		return "", nil, fmt.Errorf("connecting to PostgreSQL: %w", err)
	}
	name := "datawald_bench_e2e_" + strconv.Itoa(os.Getpid()) + "_" + strconv.FormatInt(time.Now().Unix(), 10)
	if _, err := db.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		_ = db.Close()
		return "", nil, fmt.Errorf("creating database %s: %w", name, err)
	}
	u.Path = "/" + name
	drop := func() {
		if _, err := db.ExecContext(context.Background(), "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			fmt.Fprintf(os.Stderr, "e2e: dropping database %s: %v\n", name, err)
		}
		_ = db.Close()
	}
	return u.String(), drop, nil
}
