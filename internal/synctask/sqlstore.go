package synctask

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// dialect holds what differs between the SQL backends.
type dialect struct {
	name string
	// numbered placeholders ($1, $2, ...) instead of ?.
	numbered bool
	blob     string
	serial   string
	// withoutRowid clusters a table by its primary key (SQLite).
	withoutRowid string
	// lockRows is appended to SELECTs that read rows about to be updated.
	lockRows string
	// lockEntities locks the entity rows a batch reads.
	lockEntities string
	// lateralLookup looks batch keys up one by one (see keyedJoin).
	lateralLookup bool
	// skipLocked is appended to queue claims so replicas take disjoint rows.
	skipLocked string
	// arrayParams binds a batch's src_ids as one array parameter (see
	// loadForStaging).
	arrayParams bool
	// inlineLiterals writes small values of batch statements as literals
	// (see sqlite_literals.go).
	inlineLiterals bool
	// serialWrites runs one write transaction at a time in the process
	// (SQLite has a single writer; queueing in Go beats busy-waiting).
	serialWrites bool
	// migrationLock and eventLock are statements run inside a transaction to
	// serialise migrations and task-event inserts across processes.
	migrationLock string
	eventLock     string
	// isTransientConflict recognises errors from racing another
	// transaction (duplicate key, deadlock) that a retry resolves.
	isTransientConflict func(error) bool
}

// rebind rewrites ? placeholders for dialects with numbered parameters;
// a ? inside a quoted literal ('?') is left alone.
func (d dialect) rebind(q string) string {
	if !d.numbered {
		return q
	}
	var b strings.Builder
	n := 0
	quoted := false
	for i := 0; i < len(q); i++ {
		if q[i] == '\'' {
			quoted = !quoted
		}
		if q[i] == '?' && !quoted {
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteByte(q[i])
	}
	return b.String()
}

// sqlStore implements Store on database/sql. Writes go through w; reads
// through r (the same pool on PostgreSQL, a read-only pool on SQLite).
type sqlStore struct {
	w, r *sql.DB
	d    dialect
	// maxRows bounds rows per multi-row statement (parameter limits).
	maxRows int
	now     func() time.Time
	wmu     sync.Mutex
}

const entityCols = `source, target, tx_type, src_id, status, hash, data, old_data, tgt_id, error_code, note, task_id, created_at, updated_at, staged_at, status_at`

const taskCols = `id, tx_type, source, target, status, n_count, s_count, f_count, i_count, u_count, cut_at, started_at, ended_at, deadline_at, deadline_us, retries, sealed`

func micros(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMicro()
}

func fromMicros(v int64) time.Time {
	if v == 0 {
		return time.Time{}
	}
	return time.UnixMicro(v).UTC()
}

// rowScanner is what *sql.Row and *sql.Rows have in common.
type rowScanner interface{ Scan(dest ...any) error }

func scanEntity(s rowScanner, extra ...any) (Entity, error) {
	var e Entity
	var st string
	var created, updated, staged, statusAt int64
	dest := []any{&e.Source, &e.Target, &e.TxType, &e.SrcID, &st, &e.Hash, &e.Data, &e.OldData,
		&e.TgtID, &e.ErrorCode, &e.Note, &e.TaskID, &created, &updated, &staged, &statusAt}
	if err := s.Scan(append(dest, extra...)...); err != nil {
		return e, err
	}
	e.Status = Status(st)
	if !e.Status.Valid() {
		return e, &CorruptRowError{What: "entity " + e.Key.String(), Detail: fmt.Sprintf("unknown status %q", st)}
	}
	e.CreatedAt, e.UpdatedAt, e.StagedAt, e.StatusAt = fromMicros(created), fromMicros(updated), fromMicros(staged), fromMicros(statusAt)
	return e, nil
}

func scanTask(s rowScanner) (Task, error) {
	var t Task
	var st string
	var cut, started, ended, deadlineAt, deadlineUS, sealed int64
	if err := s.Scan(&t.ID, &t.TxType, &t.Source, &t.Target, &st, &t.Counts.N, &t.Counts.S, &t.Counts.F,
		&t.Counts.I, &t.Counts.Unknown, &cut, &started, &ended, &deadlineAt, &deadlineUS, &t.Retries, &sealed); err != nil {
		return t, err
	}
	t.Status = TaskStatus(st)
	if !t.Status.Valid() {
		return t, &CorruptRowError{What: "task " + t.ID, Detail: fmt.Sprintf("unknown status %q", st)}
	}
	t.CutAt, t.StartedAt, t.EndedAt, t.DeadlineAt = fromMicros(cut), fromMicros(started), fromMicros(ended), fromMicros(deadlineAt)
	t.Deadline = time.Duration(deadlineUS) * time.Microsecond
	t.Sealed = sealed != 0
	return t, nil
}

// CorruptRowError reports a stored row that cannot be read back.
type CorruptRowError struct {
	What, Detail string
}

func (e *CorruptRowError) Error() string {
	return fmt.Sprintf("corrupt stored %s: %s", e.What, e.Detail)
}

// exec runs q (with ? placeholders) in tx.
//
// Statements are not prepared and cached here: pgx caches prepared
// statements per connection by itself, and modernc.org/sqlite (v1.40) keeps
// only the text in a prepared *sql.Stmt and re-parses it on every execution,
// so a cache would only add a round through database/sql. On SQLite the
// cost of parsing is cut instead by keeping statement text short
// (sqlite_literals.go, loadForStaging).
func (s *sqlStore) exec(ctx context.Context, tx *sql.Tx, q string, args ...any) (sql.Result, error) {
	return tx.ExecContext(ctx, s.d.rebind(q), args...)
}

// query is exec for statements returning rows.
func (s *sqlStore) query(ctx context.Context, tx *sql.Tx, q string, args ...any) (*sql.Rows, error) {
	return tx.QueryContext(ctx, s.d.rebind(q), args...)
}

// withTx runs fn in a write transaction.
func (s *sqlStore) withTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	if s.d.serialWrites {
		s.wmu.Lock()
		defer s.wmu.Unlock()
	}
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("beginning transaction: %w", err)
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("committing transaction: %w", err)
	}
	return nil
}

// taskDelta accumulates counter changes for one task inside a transaction.
type taskDelta struct {
	counts Counts
	cutAt  time.Time
	// extend pushes the deadline out (new pending entities arrived).
	extend  bool
	retried bool
	// seal marks the task complete: no more entities will be attached.
	seal bool
}

// lockTasks loads (and on PostgreSQL row-locks) the tasks with the given
// ids, in id order so concurrent transactions cannot deadlock.
func (s *sqlStore) lockTasks(ctx context.Context, tx *sql.Tx, ids []string) (map[string]*Task, error) {
	ids = uniqueSorted(ids)
	out := make(map[string]*Task, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	q := `SELECT ` + taskCols + ` FROM dw_tasks WHERE id IN (` + placeholders(len(ids)) + `) ORDER BY id` + s.d.lockRows
	rows, err := tx.QueryContext(ctx, s.d.rebind(q), anySlice(ids)...)
	if err != nil {
		return nil, fmt.Errorf("loading tasks: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		t, err := scanTask(rows)
		if err != nil {
			return nil, fmt.Errorf("loading tasks: %w", err)
		}
		out[t.ID] = &t
	}
	return out, rows.Err()
}

// applyTaskDeltas writes the new counters of each task, rolls it up, and
// records a task event for every task that changed to a terminal status.
func (s *sqlStore) applyTaskDeltas(ctx context.Context, tx *sql.Tx, tasks map[string]*Task, deltas map[string]*taskDelta, now time.Time) error {
	ids := make([]string, 0, len(deltas))
	for id := range deltas {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	eventLocked := false
	for _, id := range ids {
		t, ok := tasks[id]
		if !ok {
			continue // outcome for a task that no longer exists: the entity view was still updated
		}
		d := deltas[id]
		before := t.Status
		c := &t.Counts
		c.N += d.counts.N
		c.S += d.counts.S
		c.F += d.counts.F
		c.I += d.counts.I
		c.Unknown += d.counts.Unknown
		if d.cutAt.After(t.CutAt) {
			t.CutAt = d.cutAt
		}
		if d.retried {
			t.Retries++
		}
		if d.seal {
			t.Sealed = true
		}
		t.Status = TaskProcessing
		if t.Sealed {
			t.Status = c.RollUp()
		}
		if t.Status == TaskProcessing {
			t.EndedAt = time.Time{}
			if d.extend || d.seal || t.DeadlineAt.IsZero() {
				t.DeadlineAt = now.Add(t.Deadline)
			}
		} else {
			t.DeadlineAt = time.Time{}
			if before != t.Status || t.EndedAt.IsZero() {
				t.EndedAt = now
			}
		}
		if _, err := tx.ExecContext(ctx, s.d.rebind(`UPDATE dw_tasks SET status = ?, n_count = ?, s_count = ?, f_count = ?, i_count = ?, u_count = ?,
			cut_at = ?, ended_at = ?, deadline_at = ?, retries = ?, sealed = ? WHERE id = ?`),
			string(t.Status), c.N, c.S, c.F, c.I, c.Unknown, micros(t.CutAt), micros(t.EndedAt), micros(t.DeadlineAt), t.Retries, boolInt(t.Sealed), t.ID); err != nil {
			return fmt.Errorf("updating task %s: %w", t.ID, err)
		}
		if t.Status == TaskProcessing || t.Status == before {
			continue
		}
		if !eventLocked && s.d.eventLock != "" {
			if _, err := tx.ExecContext(ctx, s.d.eventLock); err != nil {
				return fmt.Errorf("taking task-event lock: %w", err)
			}
			eventLocked = true
		}
		payload, err := json.Marshal(t)
		if err != nil {
			return fmt.Errorf("encoding task event: %w", err)
		}
		if _, err := tx.ExecContext(ctx, s.d.rebind(`INSERT INTO dw_task_events (task_id, payload, created_at) VALUES (?, ?, ?)`),
			t.ID, string(payload), micros(now)); err != nil {
			return fmt.Errorf("recording task event for %s: %w", t.ID, err)
		}
	}
	return nil
}

func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?,", n), ",")
}

// tuples returns n parenthesised groups of width placeholders.
func tuples(n, width int) string {
	one := "(" + placeholders(width) + ")"
	return strings.TrimSuffix(strings.Repeat(one+",", n), ",")
}

func anySlice[T any](in []T) []any {
	out := make([]any, len(in))
	for i, v := range in {
		out[i] = v
	}
	return out
}

func uniqueSorted(in []string) []string {
	seen := make(map[string]struct{}, len(in))
	out := make([]string, 0, len(in))
	for _, s := range in {
		if _, ok := seen[s]; ok {
			continue
		}
		seen[s] = struct{}{}
		out = append(out, s)
	}
	sort.Strings(out)
	return out
}

func statusStrings[T ~string](in []T) []any {
	out := make([]any, len(in))
	for i, s := range in {
		out[i] = string(s)
	}
	return out
}

// chunks calls fn with consecutive [lo, hi) ranges of at most size.
func chunks(n, size int, fn func(lo, hi int) error) error {
	for lo := 0; lo < n; lo += size {
		hi := min(lo+size, n)
		if err := fn(lo, hi); err != nil {
			return err
		}
	}
	return nil
}

func notFound(err error, what string) error {
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("%s: %w", what, ErrNotFound)
	}
	return err
}

func (s *sqlStore) Close(ctx context.Context) error {
	var errs []error
	if s.r != s.w {
		errs = append(errs, s.r.Close())
	}
	errs = append(errs, s.w.Close())
	return errors.Join(errs...)
}

func boolInt(b bool) int64 {
	if b {
		return 1
	}
	return 0
}
