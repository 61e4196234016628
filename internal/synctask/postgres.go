package synctask

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"regexp"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"
)

var postgresDialect = dialect{
	name:          "postgres",
	numbered:      true,
	blob:          "BYTEA",
	serial:        "BIGSERIAL PRIMARY KEY",
	lockRows:      " FOR UPDATE",
	lockEntities:  " FOR UPDATE",
	lateralLookup: true,
	arrayParams:   true,
	skipLocked:    " FOR UPDATE SKIP LOCKED",
	// Advisory lock ids: arbitrary constants private to datawald.
	migrationLock: "SELECT pg_advisory_xact_lock(7031977001)",
	eventLock:     "SELECT pg_advisory_xact_lock(7031977002)",
	isTransientConflict: func(err error) bool {
		var pe *pgconn.PgError
		// unique violation, deadlock detected, serialization failure
		return errors.As(err, &pe) && (pe.Code == "23505" || pe.Code == "40P01" || pe.Code == "40001")
	},
}

var schemaName = regexp.MustCompile(`^[a-z_][a-z0-9_]{0,62}$`)

// OpenPostgres opens a PostgreSQL store through pgx and applies pending
// migrations (serialised across replicas by an advisory lock). The DSN is a
// pgx connection URL or keyword string; the extra URL parameter dw_schema
// names a schema to create (if missing) and use for datawald's tables.
func OpenPostgres(ctx context.Context, dsn string) (Store, error) {
	schema := ""
	if u, err := url.Parse(dsn); err == nil && (u.Scheme == "postgres" || u.Scheme == "postgresql") {
		q := u.Query()
		schema = q.Get("dw_schema")
		q.Del("dw_schema")
		u.RawQuery = q.Encode()
		dsn = u.String()
	}
	if schema != "" && !schemaName.MatchString(schema) {
		return nil, fmt.Errorf("opening postgres store: dw_schema %q must match %s", schema, schemaName)
	}
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("opening postgres store: parsing DSN: %w", err)
	}
	if schema != "" {
		cfg.RuntimeParams["search_path"] = schema
	}
	db := stdlib.OpenDB(*cfg)
	db.SetMaxOpenConns(8)
	db.SetMaxIdleConns(8)
	if schema != "" {
		if _, err := db.ExecContext(ctx, `CREATE SCHEMA IF NOT EXISTS `+schema); err != nil {
			_ = db.Close()
			return nil, fmt.Errorf("opening postgres store: creating schema %s: %w", schema, err)
		}
	}
	if err := migrate(ctx, db, postgresDialect); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("opening postgres store: %w", err)
	}
	// PostgreSQL allows 65535 parameters per statement.
	return &sqlStore{w: db, r: db, d: postgresDialect, maxRows: 1000, now: nowUTC}, nil
}
