package synctask

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"
)

// migration is one versioned schema step. Its statements use {BLOB} and
// {SERIAL} placeholders that each dialect fills in.
type migration struct {
	version int
	name    string
	stmts   []string
}

// migrations are applied in order on Open; never edit a released one, add a
// new version instead.
var migrations = []migration{
	{version: 1, name: "staging, tasks, replay queue, task events, cursors", stmts: []string{
		`CREATE TABLE dw_entities (
			source TEXT NOT NULL, target TEXT NOT NULL, tx_type TEXT NOT NULL, src_id TEXT NOT NULL,
			status TEXT NOT NULL, hash TEXT NOT NULL, data {BLOB}, old_data {BLOB},
			tgt_id TEXT NOT NULL DEFAULT '', error_code TEXT NOT NULL DEFAULT '', note TEXT NOT NULL DEFAULT '',
			task_id TEXT NOT NULL DEFAULT '',
			created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL, staged_at BIGINT NOT NULL, status_at BIGINT NOT NULL,
			PRIMARY KEY (source, target, tx_type, src_id)){WITHOUT_ROWID}`,
		// Only problem rows are indexed by status: listing every F or ? for a
		// target is fast, and staging (mostly N, S, I) does not pay for it.
		`CREATE INDEX dw_entities_problems ON dw_entities (target, status, source, tx_type) WHERE status IN ('F', '?')`,
		`CREATE INDEX dw_entities_task ON dw_entities (task_id)`,
		`CREATE TABLE dw_tasks (
			id TEXT PRIMARY KEY, tx_type TEXT NOT NULL, source TEXT NOT NULL, target TEXT NOT NULL,
			status TEXT NOT NULL,
			n_count BIGINT NOT NULL DEFAULT 0, s_count BIGINT NOT NULL DEFAULT 0, f_count BIGINT NOT NULL DEFAULT 0,
			i_count BIGINT NOT NULL DEFAULT 0, u_count BIGINT NOT NULL DEFAULT 0,
			cut_at BIGINT NOT NULL DEFAULT 0, started_at BIGINT NOT NULL, ended_at BIGINT NOT NULL DEFAULT 0,
			deadline_at BIGINT NOT NULL DEFAULT 0, deadline_us BIGINT NOT NULL, retries BIGINT NOT NULL DEFAULT 0,
			sealed BIGINT NOT NULL DEFAULT 0)`,
		`CREATE INDEX dw_tasks_started ON dw_tasks (started_at, id)`,
		`CREATE INDEX dw_tasks_deadline ON dw_tasks (deadline_at)`,
		`CREATE TABLE dw_replay (
			seq {SERIAL}, task_id TEXT NOT NULL,
			source TEXT NOT NULL, target TEXT NOT NULL, tx_type TEXT NOT NULL, src_id TEXT NOT NULL,
			queued_at BIGINT NOT NULL)`,
		`CREATE TABLE dw_task_events (seq {SERIAL}, task_id TEXT NOT NULL, payload TEXT NOT NULL, created_at BIGINT NOT NULL)`,
		`CREATE TABLE dw_cursors (name TEXT PRIMARY KEY, value BIGINT NOT NULL)`,
	}},
}

// migrate applies every migration newer than the schema's version, each in
// its own transaction, holding the dialect's migration lock.
func migrate(ctx context.Context, db *sql.DB, d dialect) error {
	if _, err := db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS dw_schema_migrations (
		version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)`); err != nil {
		return fmt.Errorf("creating migrations table: %w", err)
	}
	for _, m := range migrations {
		if err := applyMigration(ctx, db, d, m); err != nil {
			return fmt.Errorf("applying migration %d (%s): %w", m.version, m.name, err)
		}
	}
	return nil
}

func applyMigration(ctx context.Context, db *sql.DB, d dialect, m migration) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer func() { _ = tx.Rollback() }()
	if d.migrationLock != "" {
		if _, err := tx.ExecContext(ctx, d.migrationLock); err != nil {
			return fmt.Errorf("taking migration lock: %w", err)
		}
	}
	var n int
	if err := tx.QueryRowContext(ctx, d.rebind(`SELECT COUNT(*) FROM dw_schema_migrations WHERE version = ?`), m.version).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		return nil
	}
	for _, stmt := range m.stmts {
		stmt = strings.NewReplacer("{BLOB}", d.blob, "{SERIAL}", d.serial, "{WITHOUT_ROWID}", d.withoutRowid).Replace(stmt)
		if _, err := tx.ExecContext(ctx, stmt); err != nil {
			return err
		}
	}
	if _, err := tx.ExecContext(ctx, d.rebind(`INSERT INTO dw_schema_migrations (version, name, applied_at) VALUES (?, ?, ?)`),
		m.version, m.name, time.Now().UnixMicro()); err != nil {
		return err
	}
	return tx.Commit()
}
