package synctask_test

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/stretchr/testify/require"

	"github.com/datawald/datawald/internal/synctask"
)

// Staging throughput, beside a plain batched INSERT into the same database
// in the same run. Run with:
//
//	go test ./internal/synctask/ -run '^$' -bench 'Stage|PlainInsert' -benchtime 20000x
//
// Each op is one entity; entities are staged in batches of 100 (one Stage
// call, one transaction) into tasks of 1,000 entities.

const benchBatch = 100

func benchPayload(i int) []byte {
	return fmt.Appendf(nil, `{"order_id":"SO-%08d","customer":{"email":"c%d@example.com","name":"Customer %d"},"currency":"EUR",`+
		`"lines":[{"sku":"SKU-%d","qty":2,"price":"19.90"},{"sku":"SKU-%d","qty":1,"price":"5.00"}],"total":"44.80","status":"pending"}`,
		i, i%977, i%977, i%311, (i+1)%311)
}

func stageN(b *testing.B, s synctask.Store, n int) {
	b.Helper()
	for done := 0; done < n; done += benchBatch {
		stageRange(b, s, done, min(benchBatch, n-done))
	}
}

// stageRange stages entities from..from+n-1 in one Stage call.
func stageRange(b *testing.B, s synctask.Store, from, n int) {
	b.Helper()
	now := time.Now().UTC()
	in := make([]synctask.StageInput, 0, n)
	for i := from; i < from+n; i++ {
		in = append(in, synctask.StageInput{
			Key:  synctask.Key{Source: "netsuite", Target: "magento", TxType: "order", SrcID: fmt.Sprintf("SO-%08d", i)},
			Data: benchPayload(i), CreatedAt: now, UpdatedAt: now,
		})
	}
	spec := synctask.TaskSpec{ID: fmt.Sprintf("task-%06d", from/1000), Source: "netsuite", Target: "magento", TxType: "order", Seal: true}
	if _, err := s.Stage(context.Background(), spec, in); err != nil {
		b.Fatal(err)
	}
}

// plainInsertN inserts n rows of the same shape (four key columns, payload,
// hash, status, timestamps) in batches of 100, one transaction per batch.
func createPlain(b *testing.B, db *sql.DB) {
	b.Helper()
	ctx := context.Background()
	if _, err := db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS bench_plain (source TEXT, target TEXT, tx_type TEXT, src_id TEXT,
		status TEXT, hash TEXT, data BYTEA, created_at BIGINT, updated_at BIGINT, PRIMARY KEY (source, target, tx_type, src_id))`); err != nil {
		b.Fatal(err)
	}
	if _, err := db.ExecContext(ctx, `DELETE FROM bench_plain`); err != nil {
		b.Fatal(err)
	}
}

func plainInsertN(b *testing.B, db *sql.DB, numbered bool, n int) {
	b.Helper()
	createPlain(b, db)
	for done := 0; done < n; done += benchBatch {
		plainInsertRange(b, db, numbered, done, min(benchBatch, n-done))
	}
}

// plainInsertRange inserts rows from..from+n-1 with one multi-row INSERT in
// one transaction.
func plainInsertRange(b *testing.B, db *sql.DB, numbered bool, done, rows int) {
	b.Helper()
	ctx := context.Background()
	now := time.Now().UnixMicro()
	q := "INSERT INTO bench_plain VALUES "
	args := make([]any, 0, rows*9)
	for j := range rows {
		if j > 0 {
			q += ","
		}
		if numbered {
			base := j * 9
			q += fmt.Sprintf("($%d,$%d,$%d,$%d,$%d,$%d,$%d,$%d,$%d)", base+1, base+2, base+3, base+4, base+5, base+6, base+7, base+8, base+9)
		} else {
			q += "(?,?,?,?,?,?,?,?,?)"
		}
		i := done + j
		args = append(args, "netsuite", "magento", "order", fmt.Sprintf("SO-%08d", i), "N", "h", benchPayload(i), now, now)
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := tx.ExecContext(ctx, q, args...); err != nil {
		b.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		b.Fatal(err)
	}
}

// interleaved stages one batch and plain-inserts one batch in turn, timing
// each side on its own, so that load from other processes on the machine
// affects both alike; it reports both rates and their ratio.
func interleaved(b *testing.B, s synctask.Store, db *sql.DB, numbered bool) {
	b.Helper()
	var stageTime, plainTime time.Duration
	for done := 0; done < b.N; done += benchBatch {
		n := min(benchBatch, b.N-done)
		t0 := time.Now()
		stageRange(b, s, done, n)
		t1 := time.Now()
		plainInsertRange(b, db, numbered, done, n)
		stageTime += t1.Sub(t0)
		plainTime += time.Since(t1)
	}
	stageRate := float64(b.N) / stageTime.Seconds()
	plainRate := float64(b.N) / plainTime.Seconds()
	b.ReportMetric(stageRate, "staged/s")
	b.ReportMetric(plainRate, "plain/s")
	b.ReportMetric(stageRate/plainRate, "ratio")
}

func reportRate(b *testing.B) {
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "entities/s")
}

func BenchmarkStageSQLite(b *testing.B) {
	s := openSQLite(b)
	b.ResetTimer()
	stageN(b, s, b.N)
	reportRate(b)
}

func BenchmarkPlainInsertSQLite(b *testing.B) {
	path := filepath.Join(b.TempDir(), "plain.db")
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)&_pragma=busy_timeout(10000)")
	require.NoError(b, err)
	db.SetMaxOpenConns(1)
	defer db.Close()
	b.ResetTimer()
	plainInsertN(b, db, false, b.N)
	reportRate(b)
}

// BenchmarkStageVsPlainSQLite alternates staging and plain inserts batch by
// batch in one store file (see interleaved).
func BenchmarkStageVsPlainSQLite(b *testing.B) {
	path := filepath.Join(b.TempDir(), "synctask.db")
	s, err := synctask.OpenSQLite(context.Background(), path)
	require.NoError(b, err)
	defer s.Close(context.Background())
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)&_pragma=busy_timeout(10000)")
	require.NoError(b, err)
	db.SetMaxOpenConns(1)
	defer db.Close()
	createPlain(b, db)
	b.ResetTimer()
	interleaved(b, s, db, false)
}

// BenchmarkStageVsPlainPostgres alternates staging and plain inserts batch
// by batch in one schema (see interleaved).
func BenchmarkStageVsPlainPostgres(b *testing.B) {
	dsn := pgSchemaDSN(b)
	s, err := synctask.OpenPostgres(context.Background(), dsn)
	require.NoError(b, err)
	defer s.Close(context.Background())
	db := plainPostgres(b, dsn)
	defer db.Close()
	createPlain(b, db)
	b.ResetTimer()
	interleaved(b, s, db, true)
}

func plainPostgres(b *testing.B, dsn string) *sql.DB {
	b.Helper()
	cfg, err := pgx.ParseConfig(pgBaseDSN)
	require.NoError(b, err)
	schema := dsn[len(pgBaseDSN)+len("&dw_schema="):]
	cfg.RuntimeParams["search_path"] = schema
	db := stdlib.OpenDB(*cfg)
	_, err = db.Exec("CREATE SCHEMA IF NOT EXISTS " + schema)
	require.NoError(b, err)
	return db
}

func BenchmarkStagePostgres(b *testing.B) {
	s := openPostgres(b)
	b.ResetTimer()
	stageN(b, s, b.N)
	reportRate(b)
}

func BenchmarkPlainInsertPostgres(b *testing.B) {
	db := plainPostgres(b, pgSchemaDSN(b))
	defer db.Close()
	b.ResetTimer()
	plainInsertN(b, db, true, b.N)
	reportRate(b)
}

// residentMiB reads the process's resident set size (it includes SQLite's
// page cache, which lives outside the Go heap); 0 where /proc is missing.
func residentMiB() float64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, _ := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 64)
			return kb / 1024
		}
	}
	return 0
}

// BenchmarkStageMillionMemory stages 1,000,000 entities into SQLite and
// reports the live Go heap (after a GC) and the process RSS after every
// 100,000, to show memory stays flat. Run with:
//
//	go test ./internal/synctask/ -run '^$' -bench StageMillionMemory -benchtime 1x -v
func BenchmarkStageMillionMemory(b *testing.B) {
	const total, step = 1_000_000, 100_000
	s := openSQLite(b)
	var ms runtime.MemStats
	var first, peak uint64
	var peakRSS float64
	ctx := context.Background()
	now := time.Now().UTC()
	in := make([]synctask.StageInput, benchBatch)
	start := time.Now()
	for done := 0; done < total; done += benchBatch {
		for j := range in {
			i := done + j
			in[j] = synctask.StageInput{Key: synctask.Key{Source: "netsuite", Target: "magento", TxType: "order", SrcID: fmt.Sprintf("SO-%08d", i)},
				Data: benchPayload(i), CreatedAt: now, UpdatedAt: now}
		}
		spec := synctask.TaskSpec{ID: fmt.Sprintf("task-%06d", done/1000), Source: "netsuite", Target: "magento", TxType: "order", Seal: true}
		if _, err := s.Stage(ctx, spec, in); err != nil {
			b.Fatal(err)
		}
		if (done+benchBatch)%step == 0 {
			runtime.GC()
			runtime.ReadMemStats(&ms)
			if first == 0 {
				first = ms.HeapAlloc
			}
			peak = max(peak, ms.HeapAlloc)
			rss := residentMiB()
			peakRSS = max(peakRSS, rss)
			b.Logf("staged %7d entities: Go heap %5.1f MiB, process RSS %6.1f MiB, %.0f entities/s so far", done+benchBatch,
				float64(ms.HeapAlloc)/(1<<20), rss, float64(done+benchBatch)/time.Since(start).Seconds())
		}
	}
	b.ReportMetric(float64(first)/(1<<20), "heap-MiB@100k")
	b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
	b.ReportMetric(peakRSS, "peak-RSS-MiB")
	b.ReportMetric(float64(total)/time.Since(start).Seconds(), "entities/s")
}
