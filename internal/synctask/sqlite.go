package synctask

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"path/filepath"

	_ "modernc.org/sqlite" // pure-Go SQLite driver, no cgo
)

var sqliteDialect = dialect{
	name:           "sqlite",
	blob:           "BLOB",
	serial:         "INTEGER PRIMARY KEY AUTOINCREMENT",
	withoutRowid:   " WITHOUT ROWID",
	inlineLiterals: true,
	// Writes are serialised in the process, so two first sightings of a
	// key never race.
	isTransientConflict: func(error) bool { return false },
	serialWrites:        true,
}

// OpenSQLite opens (creating if needed) an SQLite store in the file at path,
// in WAL mode with synchronous=NORMAL, and applies pending migrations.
// Writes go through a single connection (SQLite has one writer anyway) and
// are batched per call; reads use a separate read-only pool, so API queries
// never wait behind a write transaction.
func OpenSQLite(ctx context.Context, path string) (Store, error) {
	if path == "" {
		return nil, fmt.Errorf("opening sqlite store: empty path")
	}
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o750); err != nil {
			return nil, fmt.Errorf("opening sqlite store: creating directory: %w", err)
		}
	}
	dsn := func(readOnly bool) string {
		q := url.Values{}
		q.Add("_pragma", "busy_timeout(10000)")
		q.Add("_pragma", "journal_mode(WAL)")
		q.Add("_pragma", "synchronous(NORMAL)")
		q.Add("_pragma", "foreign_keys(0)")
		if readOnly {
			q.Add("_pragma", "query_only(1)")
		} else {
			q.Set("_txlock", "immediate")
		}
		return "file:" + path + "?" + q.Encode()
	}
	w, err := sql.Open("sqlite", dsn(false))
	if err != nil {
		return nil, fmt.Errorf("opening sqlite store %s: %w", path, err)
	}
	// One writer connection; write transactions are also serialised in Go
	// (serialWrites) so they queue instead of busy-waiting.
	w.SetMaxOpenConns(1)
	if err := migrate(ctx, w, sqliteDialect); err != nil {
		_ = w.Close()
		return nil, fmt.Errorf("opening sqlite store %s: %w", path, err)
	}
	r, err := sql.Open("sqlite", dsn(true))
	if err != nil {
		_ = w.Close()
		return nil, fmt.Errorf("opening sqlite store %s: %w", path, err)
	}
	r.SetMaxOpenConns(4)
	// 16 columns, two of them bound, per row: 100 rows per statement.
	return &sqlStore{w: w, r: r, d: sqliteDialect, maxRows: 100, now: nowUTC}, nil
}
