package synctask

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"runtime"
	"sync"
	"time"
)

// UnknownEntityError reports an outcome for an entity that was never staged.
type UnknownEntityError struct{ Key Key }

func (e *UnknownEntityError) Error() string {
	return fmt.Sprintf("recording outcome: entity %s was never staged", e.Key)
}

// Unwrap makes errors.Is(err, ErrNotFound) true.
func (e *UnknownEntityError) Unwrap() error { return ErrNotFound }

// TaskMismatchError reports a task id reused for another source, target or
// tx_type.
type TaskMismatchError struct {
	TaskID   string
	Existing Task
	Spec     TaskSpec
}

func (e *TaskMismatchError) Error() string {
	return fmt.Sprintf("task %s belongs to %s→%s %s, not %s→%s %s", e.TaskID,
		e.Existing.Source, e.Existing.Target, e.Existing.TxType, e.Spec.Source, e.Spec.Target, e.Spec.TxType)
}

func validateSpec(spec *TaskSpec, in []StageInput) error {
	probe := Key{Source: spec.Source, Target: spec.Target, TxType: spec.TxType, SrcID: "-"}
	if err := probe.Validate(); err != nil {
		return fmt.Errorf("staging: task spec: %w", err)
	}
	if spec.ID == "" {
		spec.ID = NewTaskID()
	}
	if spec.Deadline <= 0 {
		spec.Deadline = DefaultDeadline
	}
	for i, e := range in {
		if err := e.Key.Validate(); err != nil {
			return fmt.Errorf("staging entity %d: %w", i, err)
		}
		if e.Source != spec.Source || e.Target != spec.Target || e.TxType != spec.TxType {
			return fmt.Errorf("staging entity %s: key does not match task %s→%s %s", e.Key, spec.Source, spec.Target, spec.TxType)
		}
	}
	return nil
}

func hashInput(in StageInput) (string, error) {
	h, err := ContentHash(in.Data)
	if err == nil {
		return h, nil
	}
	if !in.Failed {
		return "", fmt.Errorf("staging entity %s: %w", in.Key, err)
	}
	// A source-side failure may keep a raw record that is not JSON.
	sum := sha256.Sum256(in.Data)
	return "raw:" + hex.EncodeToString(sum[:]), nil
}

// hashAll hashes the batch's payloads, spread over the CPUs for large
// batches (canonicalising JSON is a good part of staging's cost).
func hashAll(in []StageInput) ([]string, error) {
	hashes := make([]string, len(in))
	workers := min(runtime.GOMAXPROCS(0), len(in)/32)
	if workers <= 1 {
		for i, e := range in {
			h, err := hashInput(e)
			if err != nil {
				return nil, err
			}
			hashes[i] = h
		}
		return hashes, nil
	}
	errs := make([]error, len(in))
	var wg sync.WaitGroup
	per := (len(in) + workers - 1) / workers
	for lo := 0; lo < len(in); lo += per {
		hi := min(lo+per, len(in))
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := lo; i < hi; i++ {
				hashes[i], errs[i] = hashInput(in[i])
			}
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return hashes, nil
}

// Stage implements Store.
//
// An entity belongs to one task at a time, the one it was last staged in.
// When a re-staged entity moves to another task while it was still
// unresolved there (N, F or ?), the old task stops counting it and rolls up
// again: the newer version, tracked by the new task, supersedes it. S and I
// stay counted where they happened.
func (s *sqlStore) Stage(ctx context.Context, spec TaskSpec, in []StageInput) ([]StageResult, error) {
	if err := validateSpec(&spec, in); err != nil {
		return nil, err
	}
	hashes, err := hashAll(in)
	if err != nil {
		return nil, err
	}
	// A concurrent first sighting of the same key (another replica) makes
	// the plain insert of a new key fail, and two batches moving entities
	// between each other's tasks can deadlock; a retry resolves both.
	for attempt := 1; ; attempt++ {
		res, err := s.stageOnce(ctx, spec, in, hashes)
		if err == nil || attempt == 5 || !s.d.isTransientConflict(err) {
			return res, err
		}
	}
}

func (s *sqlStore) stageOnce(ctx context.Context, spec TaskSpec, in []StageInput, hashes []string) ([]StageResult, error) {
	now := s.now()
	results := make([]StageResult, len(in))
	err := s.withTx(ctx, func(tx *sql.Tx) error {
		task, err := s.upsertTask(ctx, tx, spec, now)
		if err != nil {
			return err
		}
		prev, err := s.loadForStaging(ctx, tx, spec, in)
		if err != nil {
			return err
		}
		stored := make(map[Key]bool, len(prev))
		for k := range prev {
			stored[k] = true
		}
		tasks := map[string]*Task{spec.ID: task}
		deltas := map[string]*taskDelta{spec.ID: {seal: spec.Seal}}
		delta := deltas[spec.ID]
		order := make([]Key, 0, len(in))
		for i, e := range in {
			p, seen := prev[e.Key]
			var pp *Entity
			if seen {
				pp = &p
				switch {
				case p.TaskID == spec.ID:
					delta.counts.add(p.Status, -1)
				case p.TaskID != "" && unresolved(p.Status):
					d := deltas[p.TaskID]
					if d == nil {
						d = &taskDelta{}
						deltas[p.TaskID] = d
					}
					d.counts.add(p.Status, -1)
				}
			}
			next, changed := decideStaging(pp, e, hashes[i], spec.ID, now)
			prev[e.Key] = next
			order = append(order, e.Key)
			delta.counts.add(next.Status, 1)
			if next.Status == StatusNew {
				delta.extend = true
			}
			if e.UpdatedAt.After(delta.cutAt) {
				delta.cutAt = e.UpdatedAt
			}
			results[i] = StageResult{Key: e.Key, Status: next.Status, Hash: next.Hash, TaskID: spec.ID, Changed: changed}
		}
		if len(deltas) > 1 {
			others := make([]string, 0, len(deltas)-1)
			for id := range deltas {
				if id != spec.ID {
					others = append(others, id)
				}
			}
			locked, err := s.lockTasks(ctx, tx, others)
			if err != nil {
				return err
			}
			for id, t := range locked {
				tasks[id] = t
			}
		}
		// New keys are plain inserts (an upsert's speculative insertion costs
		// about 40% more on PostgreSQL); a concurrent insert of the same new
		// key fails this transaction with a unique violation and the caller
		// retries it. Known keys are upserted.
		var fresh, known []Key
		for _, k := range uniqueKeys(order) {
			if stored[k] {
				known = append(known, k)
			} else {
				fresh = append(fresh, k)
			}
		}
		if err := s.writeEntities(ctx, tx, fresh, prev, false); err != nil {
			return err
		}
		if err := s.writeEntities(ctx, tx, known, prev, true); err != nil {
			return err
		}
		return s.applyTaskDeltas(ctx, tx, tasks, deltas, now)
	})
	if err != nil {
		return nil, err
	}
	return results, nil
}

// unresolved statuses are the ones a task still waits on or reports as a
// problem.
func unresolved(s Status) bool {
	return s == StatusNew || s == StatusFailed || s == StatusUnknown
}

// upsertTask creates the task if needed and returns it locked.
func (s *sqlStore) upsertTask(ctx context.Context, tx *sql.Tx, spec TaskSpec, now time.Time) (*Task, error) {
	row := tx.QueryRowContext(ctx, s.d.rebind(`INSERT INTO dw_tasks (id, tx_type, source, target, status, started_at, deadline_us)
		VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET id = excluded.id RETURNING `+taskCols),
		spec.ID, spec.TxType, spec.Source, spec.Target, string(TaskProcessing), micros(now), spec.Deadline.Microseconds())
	task, err := scanTask(row)
	if err != nil {
		return nil, fmt.Errorf("creating task %s: %w", spec.ID, err)
	}
	if task.Source != spec.Source || task.Target != spec.Target || task.TxType != spec.TxType {
		return nil, &TaskMismatchError{TaskID: spec.ID, Existing: task, Spec: spec}
	}
	return &task, nil
}

func uniqueKeys(keys []Key) []Key {
	seen := make(map[Key]struct{}, len(keys))
	out := keys[:0]
	for _, k := range keys {
		if _, ok := seen[k]; ok {
			continue
		}
		seen[k] = struct{}{}
		out = append(out, k)
	}
	return out
}

// loadForStaging reads the stored entities of a batch. Every key of a batch
// shares the task's source, target and tx_type (validateSpec), so the lookup
// is one primary-key probe per src_id under a fixed prefix: on PostgreSQL a
// constant statement (the ids as one array parameter) that pgx prepares
// once per connection, on SQLite an IN list of literals (the driver re-parses
// every statement, and a list of src_ids is a quarter of the text a VALUES
// join of whole keys is).
func (s *sqlStore) loadForStaging(ctx context.Context, tx *sql.Tx, spec TaskSpec, in []StageInput) (map[Key]Entity, error) {
	prev := make(map[Key]Entity, len(in))
	err := chunks(len(in), s.maxRows, func(lo, hi int) error {
		q := sqlBuilder{inline: s.d.inlineLiterals}
		if s.d.arrayParams {
			ids := make([]string, 0, hi-lo)
			for _, e := range in[lo:hi] {
				ids = append(ids, e.SrcID)
			}
			// One primary-key probe per id: the LATERAL ... LIMIT 1 keeps a
			// generic plan (cached while the table was still empty) from
			// turning into a scan of the whole, growing table.
			q.raw(`SELECT e.* FROM unnest(?::text[]) AS v(src_id), LATERAL (SELECT ` + entityCols + ` FROM dw_entities x
				WHERE x.source = ? AND x.target = ? AND x.tx_type = ? AND x.src_id = v.src_id LIMIT 1` + s.d.lockEntities + `) AS e`)
			q.args = append(q.args, ids, spec.Source, spec.Target, spec.TxType)
		} else {
			q.raw(`SELECT ` + entityCols + ` FROM dw_entities WHERE source = `)
			q.text(spec.Source)
			q.raw(` AND target = `)
			q.text(spec.Target)
			q.raw(` AND tx_type = `)
			q.text(spec.TxType)
			q.raw(` AND src_id IN (`)
			for i, e := range in[lo:hi] {
				if i > 0 {
					q.raw(",")
				}
				q.text(e.SrcID)
			}
			q.raw(`)` + s.d.lockEntities)
		}
		rows, err := s.query(ctx, tx, q.String(), q.args...)
		if err != nil {
			return fmt.Errorf("loading staged entities: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			e, err := scanEntity(rows)
			if err != nil {
				return fmt.Errorf("loading staged entities: %w", err)
			}
			prev[e.Key] = e
		}
		return rows.Err()
	})
	return prev, err
}

func (s *sqlStore) writeEntities(ctx context.Context, tx *sql.Tx, keys []Key, state map[Key]Entity, upsert bool) error {
	return chunks(len(keys), s.maxRows, func(lo, hi int) error {
		q := sqlBuilder{inline: s.d.inlineLiterals}
		if s.d.inlineLiterals {
			rows := make([]Entity, 0, hi-lo)
			for _, k := range keys[lo:hi] {
				rows = append(rows, state[k])
			}
			insertEntitiesSQL(&q, rows)
		} else {
			q.raw(`INSERT INTO dw_entities (` + entityCols + `) VALUES `)
			q.raw(tuples(hi-lo, len(entityColumns)))
			for _, k := range keys[lo:hi] {
				e := state[k]
				q.args = append(q.args, e.Source, e.Target, e.TxType, e.SrcID, string(e.Status), e.Hash, e.Data, e.OldData,
					e.TgtID, e.ErrorCode, e.Note, e.TaskID, micros(e.CreatedAt), micros(e.UpdatedAt), micros(e.StagedAt), micros(e.StatusAt))
			}
		}
		if upsert {
			q.raw(` ON CONFLICT (source, target, tx_type, src_id) DO UPDATE SET status = excluded.status, hash = excluded.hash,
				data = excluded.data, old_data = excluded.old_data, tgt_id = excluded.tgt_id, error_code = excluded.error_code,
				note = excluded.note, task_id = excluded.task_id, created_at = excluded.created_at, updated_at = excluded.updated_at,
				staged_at = excluded.staged_at, status_at = excluded.status_at`)
		}
		if _, err := s.exec(ctx, tx, q.String(), q.args...); err != nil {
			return fmt.Errorf("writing staged entities: %w", err)
		}
		return nil
	})
}

// keyedJoin returns a FROM clause joining a batch of keys (as v) with
// dw_entities e, and its arguments.
func (s *sqlStore) keyedJoin(n int, key func(i int) Key) (string, []any) {
	q := sqlBuilder{inline: s.d.inlineLiterals}
	q.raw("(VALUES ")
	for i := range n {
		k := key(i)
		if i > 0 {
			q.raw(",")
		}
		q.raw("(")
		q.text(k.Source)
		q.raw(",")
		q.text(k.Target)
		q.raw(",")
		q.text(k.TxType)
		q.raw(",")
		q.text(k.SrcID)
		q.raw(")")
	}
	if s.d.lateralLookup {
		// One primary-key lookup per key: the LIMIT keeps the planner from
		// turning it into a hash join over the whole (growing) table.
		q.raw(`) AS v, LATERAL (SELECT * FROM dw_entities x WHERE x.source = v.column1 AND x.target = v.column2
			AND x.tx_type = v.column3 AND x.src_id = v.column4 LIMIT 1` + s.d.lockEntities + `) AS e`)
		return q.String(), q.args
	}
	q.raw(`) AS v
		JOIN dw_entities e ON e.source = v.column1 AND e.target = v.column2 AND e.tx_type = v.column3 AND e.src_id = v.column4` + s.d.lockEntities)
	return q.String(), q.args
}

// outcomeState is an entity's stored state as RecordOutcomes needs it.
type outcomeState struct {
	hash   string
	status Status
	taskID string
}

// RecordOutcomes implements Store. An outcome counts when it is for the
// version that is staged now (same hash, or no hash given) in the task the
// entity belongs to; an outcome for a superseded version is ignored.
func (s *sqlStore) RecordOutcomes(ctx context.Context, outcomes []Outcome) error {
	if len(outcomes) == 0 {
		return nil
	}
	taskIDs := make([]string, 0, len(outcomes))
	for _, o := range outcomes {
		if err := o.Key.Validate(); err != nil {
			return fmt.Errorf("recording outcome: %w", err)
		}
		switch o.Status {
		case StatusSent, StatusFailed, StatusIgnored:
		default:
			return fmt.Errorf("recording outcome for %s: status %q is not S, F or I", o.Key, o.Status)
		}
		if o.TaskID != "" {
			taskIDs = append(taskIDs, o.TaskID)
		}
	}
	now := s.now()
	return s.withTx(ctx, func(tx *sql.Tx) error {
		tasks, err := s.lockTasks(ctx, tx, taskIDs)
		if err != nil {
			return err
		}
		state, err := s.loadForOutcomes(ctx, tx, outcomes)
		if err != nil {
			return err
		}
		// Outcomes without a task id count for the entity's current task.
		var more []string
		for _, o := range outcomes {
			if st, ok := state[o.Key]; ok && o.TaskID == "" && st.taskID != "" && tasks[st.taskID] == nil {
				more = append(more, st.taskID)
			}
		}
		if len(more) > 0 {
			extra, err := s.lockTasks(ctx, tx, more)
			if err != nil {
				return err
			}
			for id, t := range extra {
				tasks[id] = t
			}
		}
		upd := s.d.rebind(`UPDATE dw_entities SET status = ?, tgt_id = CASE WHEN ? = '' THEN tgt_id ELSE ? END,
			error_code = ?, note = ?, status_at = ? WHERE source = ? AND target = ? AND tx_type = ? AND src_id = ?`)
		deltas := map[string]*taskDelta{}
		for _, o := range outcomes {
			st, ok := state[o.Key]
			if !ok {
				return &UnknownEntityError{Key: o.Key}
			}
			if (o.Hash != "" && o.Hash != st.hash) || (o.TaskID != "" && o.TaskID != st.taskID) {
				continue // a superseded version
			}
			note := o.Note
			if note == "" && o.Status == StatusSent {
				note = "datawald -> " + o.Target
			}
			if _, err := s.exec(ctx, tx, upd, string(o.Status), o.TgtID, o.TgtID, o.ErrorCode, note, micros(now),
				o.Source, o.Target, o.TxType, o.SrcID); err != nil {
				return fmt.Errorf("recording outcome for %s: %w", o.Key, err)
			}
			if _, ok := tasks[st.taskID]; ok {
				d := deltas[st.taskID]
				if d == nil {
					d = &taskDelta{}
					deltas[st.taskID] = d
				}
				d.counts.add(st.status, -1)
				d.counts.add(o.Status, 1)
			}
			st.status = o.Status
		}
		return s.applyTaskDeltas(ctx, tx, tasks, deltas, now)
	})
}

func (s *sqlStore) loadForOutcomes(ctx context.Context, tx *sql.Tx, outcomes []Outcome) (map[Key]*outcomeState, error) {
	state := make(map[Key]*outcomeState, len(outcomes))
	err := chunks(len(outcomes), s.maxRows, func(lo, hi int) error {
		from, args := s.keyedJoin(hi-lo, func(i int) Key { return outcomes[lo+i].Key })
		q := `SELECT e.source, e.target, e.tx_type, e.src_id, e.hash, e.status, e.task_id FROM ` + from
		rows, err := s.query(ctx, tx, q, args...)
		if err != nil {
			return fmt.Errorf("loading entities for outcomes: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var k Key
			var st string
			os := &outcomeState{}
			if err := rows.Scan(&k.Source, &k.Target, &k.TxType, &k.SrcID, &os.hash, &st, &os.taskID); err != nil {
				return fmt.Errorf("loading entities for outcomes: %w", err)
			}
			os.status = Status(st)
			state[k] = os
		}
		return rows.Err()
	})
	return state, err
}

// nowUTC is the default clock.
func nowUTC() time.Time { return time.Now().UTC() }
