package synctask_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"path/filepath"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/datawald/datawald/internal/synctask"
	"github.com/datawald/datawald/internal/synctask/storetest"
)

// pgBaseDSN is the PostgreSQL server used by the tests (CI starts it).
const pgBaseDSN = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"

func openSQLite(t testing.TB) synctask.Store {
	t.Helper()
	s, err := synctask.OpenSQLite(context.Background(), filepath.Join(t.TempDir(), "synctask.db"))
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close(context.Background()) })
	return s
}

// pgSchemaDSN returns a DSN with a fresh schema that is dropped when t ends,
// or skips t when the server is unreachable.
func pgSchemaDSN(t testing.TB) string {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, pgBaseDSN)
	if err != nil {
		t.Skipf("PostgreSQL at 127.0.0.1:5432 is unreachable, skipping PostgreSQL tests: %v", err)
	}
	var b [6]byte
	_, _ = rand.Read(b[:])
	schema := "dwtest_" + hex.EncodeToString(b[:])
	t.Cleanup(func() {
		_, _ = conn.Exec(ctx, "DROP SCHEMA IF EXISTS "+schema+" CASCADE")
		_ = conn.Close(ctx)
	})
	return pgBaseDSN + "&dw_schema=" + schema
}

func openPostgres(t testing.TB) synctask.Store {
	t.Helper()
	s, err := synctask.OpenPostgres(context.Background(), pgSchemaDSN(t))
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close(context.Background()) })
	return s
}

func TestSQLiteStoreConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) synctask.Store { return openSQLite(t) })
}

func TestPostgresStoreConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) synctask.Store { return openPostgres(t) })
}
