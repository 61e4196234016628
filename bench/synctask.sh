#!/usr/bin/env sh
# Sync-task store benchmarks (issue 5). Needs PostgreSQL on 127.0.0.1:5432
# (user postgres, database test); the PostgreSQL benchmarks skip without it.
#
#   staged entities/s (batches of 100, one Stage call and transaction each)
#   beside a plain batched INSERT of the same rows into the same database,
#   in the same run;
#   then 1,000,000 staged entities with the Go heap and process RSS sampled
#   every 100,000.
set -eu
cd "$(dirname "$0")/.."
# StageVsPlain* alternate one staged batch and one plain batch and time each
# side separately, so load from other processes hits both alike.
go test ./internal/synctask/ -run '^$' -count "${COUNT:-3}" -benchtime 20000x -bench 'StageVsPlain'
go test ./internal/synctask/ -run '^$' -count "${COUNT:-3}" -benchtime 20000x \
	-bench 'StageSQLite|PlainInsertSQLite|StagePostgres|PlainInsertPostgres'
go test ./internal/synctask/ -run '^$' -bench StageMillionMemory -benchtime 1x -v | grep -E 'staged|Benchmark'
