package synctask

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
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

// Stage implements Store.
func (s *sqlStore) Stage(ctx context.Context, spec TaskSpec, in []StageInput) ([]StageResult, error) {
	if err := validateSpec(&spec, in); err != nil {
		return nil, err
	}
	hashes := make([]string, len(in))
	for i, e := range in {
		h, err := hashInput(e)
		if err != nil {
			return nil, err
		}
		hashes[i] = h
	}
	now := s.now()
	results := make([]StageResult, len(in))
	err := s.withTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, s.d.rebind(`INSERT INTO dw_tasks (id, tx_type, source, target, status, started_at, deadline_us)
			VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`),
			spec.ID, spec.TxType, spec.Source, spec.Target, string(TaskProcessing), micros(now), spec.Deadline.Microseconds()); err != nil {
			return fmt.Errorf("creating task %s: %w", spec.ID, err)
		}
		tasks, err := s.lockTasks(ctx, tx, []string{spec.ID})
		if err != nil {
			return err
		}
		task := tasks[spec.ID]
		if task == nil {
			return fmt.Errorf("creating task %s: row not visible after insert", spec.ID)
		}
		if task.Source != spec.Source || task.Target != spec.Target || task.TxType != spec.TxType {
			return &TaskMismatchError{TaskID: spec.ID, Existing: *task, Spec: spec}
		}
		prev, inTask, err := s.loadForStaging(ctx, tx, spec.ID, in)
		if err != nil {
			return err
		}
		delta := &taskDelta{seal: spec.Seal}
		order := make([]Key, 0, len(in))
		for i, e := range in {
			p, seen := prev[e.Key]
			var pp *Entity
			if seen {
				pp = &p
			}
			next, changed := decideStaging(pp, e, hashes[i], spec.ID, now)
			order = append(order, e.Key)
			prev[e.Key] = next
			if old, ok := inTask[e.Key]; ok {
				delta.counts.add(old, -1)
			}
			inTask[e.Key] = next.Status
			delta.counts.add(next.Status, 1)
			if next.Status == StatusNew {
				delta.extend = true
			}
			if e.UpdatedAt.After(delta.cutAt) {
				delta.cutAt = e.UpdatedAt
			}
			results[i] = StageResult{Key: e.Key, Status: next.Status, Hash: next.Hash, TaskID: spec.ID, Changed: changed}
		}
		order = uniqueKeys(order)
		if err := s.writeEntities(ctx, tx, order, prev); err != nil {
			return err
		}
		if err := s.writeTaskEntities(ctx, tx, spec.ID, order, inTask); err != nil {
			return err
		}
		return s.applyTaskDeltas(ctx, tx, tasks, map[string]*taskDelta{spec.ID: delta}, now)
	})
	if err != nil {
		return nil, err
	}
	return results, nil
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

// loadForStaging reads the stored entities of a batch and their status in
// the given task.
func (s *sqlStore) loadForStaging(ctx context.Context, tx *sql.Tx, taskID string, in []StageInput) (map[Key]Entity, map[Key]Status, error) {
	prev := make(map[Key]Entity, len(in))
	inTask := make(map[Key]Status, len(in))
	err := chunks(len(in), s.maxRows, func(lo, hi int) error {
		args := make([]any, 0, (hi-lo)*4+1)
		for _, e := range in[lo:hi] {
			args = append(args, e.Source, e.Target, e.TxType, e.SrcID)
		}
		args = append(args, taskID)
		q := `SELECT e.source, e.target, e.tx_type, e.src_id, e.status, e.hash, e.data, e.old_data, e.tgt_id, e.error_code, e.note, e.task_id,
			e.created_at, e.updated_at, e.staged_at, e.status_at, te.status
			FROM (VALUES ` + tuples(hi-lo, 4) + `) AS v
			JOIN dw_entities e ON e.source = v.column1 AND e.target = v.column2 AND e.tx_type = v.column3 AND e.src_id = v.column4
			LEFT JOIN dw_task_entities te ON te.task_id = ? AND te.source = e.source AND te.target = e.target AND te.tx_type = e.tx_type AND te.src_id = e.src_id` +
			s.d.lockEntities
		rows, err := tx.QueryContext(ctx, s.d.rebind(q), args...)
		if err != nil {
			return fmt.Errorf("loading staged entities: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var teStatus sql.NullString
			e, err := scanEntity(rows, &teStatus)
			if err != nil {
				return fmt.Errorf("loading staged entities: %w", err)
			}
			prev[e.Key] = e
			if teStatus.Valid {
				inTask[e.Key] = Status(teStatus.String)
			}
		}
		return rows.Err()
	})
	return prev, inTask, err
}

func (s *sqlStore) writeEntities(ctx context.Context, tx *sql.Tx, keys []Key, state map[Key]Entity) error {
	return chunks(len(keys), s.maxRows, func(lo, hi int) error {
		args := make([]any, 0, (hi-lo)*16)
		for _, k := range keys[lo:hi] {
			e := state[k]
			args = append(args, e.Source, e.Target, e.TxType, e.SrcID, string(e.Status), e.Hash, e.Data, e.OldData,
				e.TgtID, e.ErrorCode, e.Note, e.TaskID, micros(e.CreatedAt), micros(e.UpdatedAt), micros(e.StagedAt), micros(e.StatusAt))
		}
		q := `INSERT INTO dw_entities (` + entityCols + `) VALUES ` + tuples(hi-lo, 16) + `
			ON CONFLICT (source, target, tx_type, src_id) DO UPDATE SET status = excluded.status, hash = excluded.hash,
			data = excluded.data, old_data = excluded.old_data, tgt_id = excluded.tgt_id, error_code = excluded.error_code,
			note = excluded.note, task_id = excluded.task_id, created_at = excluded.created_at, updated_at = excluded.updated_at,
			staged_at = excluded.staged_at, status_at = excluded.status_at`
		if _, err := tx.ExecContext(ctx, s.d.rebind(q), args...); err != nil {
			return fmt.Errorf("writing staged entities: %w", err)
		}
		return nil
	})
}

func (s *sqlStore) writeTaskEntities(ctx context.Context, tx *sql.Tx, taskID string, keys []Key, status map[Key]Status) error {
	return chunks(len(keys), s.maxRows, func(lo, hi int) error {
		args := make([]any, 0, (hi-lo)*6)
		for _, k := range keys[lo:hi] {
			args = append(args, taskID, k.Source, k.Target, k.TxType, k.SrcID, string(status[k]))
		}
		q := `INSERT INTO dw_task_entities (task_id, source, target, tx_type, src_id, status) VALUES ` + tuples(hi-lo, 6) + `
			ON CONFLICT (task_id, source, target, tx_type, src_id) DO UPDATE SET status = excluded.status`
		if _, err := tx.ExecContext(ctx, s.d.rebind(q), args...); err != nil {
			return fmt.Errorf("attaching entities to task %s: %w", taskID, err)
		}
		return nil
	})
}

// outcomeState is an entity's stored state as RecordOutcomes needs it.
type outcomeState struct {
	hash     string
	inTask   Status
	attached bool
}

type taskKey struct {
	Key
	task string
}

// RecordOutcomes implements Store.
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
		updEntity, err := tx.PrepareContext(ctx, s.d.rebind(`UPDATE dw_entities SET status = ?, tgt_id = CASE WHEN ? = '' THEN tgt_id ELSE ? END,
			error_code = ?, note = ?, status_at = ? WHERE source = ? AND target = ? AND tx_type = ? AND src_id = ?`))
		if err != nil {
			return fmt.Errorf("preparing entity update: %w", err)
		}
		defer updEntity.Close()
		updTask, err := tx.PrepareContext(ctx, s.d.rebind(`UPDATE dw_task_entities SET status = ?
			WHERE task_id = ? AND source = ? AND target = ? AND tx_type = ? AND src_id = ?`))
		if err != nil {
			return fmt.Errorf("preparing task entity update: %w", err)
		}
		defer updTask.Close()
		deltas := map[string]*taskDelta{}
		for _, o := range outcomes {
			st, ok := state[taskKey{o.Key, o.TaskID}]
			if !ok {
				return &UnknownEntityError{Key: o.Key}
			}
			note := o.Note
			if note == "" && o.Status == StatusSent {
				note = "datawald -> " + o.Target
			}
			if o.Hash == "" || o.Hash == st.hash {
				if _, err := updEntity.ExecContext(ctx, string(o.Status), o.TgtID, o.TgtID, o.ErrorCode, note, micros(now),
					o.Source, o.Target, o.TxType, o.SrcID); err != nil {
					return fmt.Errorf("recording outcome for %s: %w", o.Key, err)
				}
			}
			if st.attached && o.TaskID != "" {
				if _, err := updTask.ExecContext(ctx, string(o.Status), o.TaskID, o.Source, o.Target, o.TxType, o.SrcID); err != nil {
					return fmt.Errorf("recording outcome for %s in task %s: %w", o.Key, o.TaskID, err)
				}
				d := deltas[o.TaskID]
				if d == nil {
					d = &taskDelta{}
					deltas[o.TaskID] = d
				}
				d.counts.add(st.inTask, -1)
				d.counts.add(o.Status, 1)
				st.inTask = o.Status
			}
		}
		return s.applyTaskDeltas(ctx, tx, tasks, deltas, now)
	})
}

func (s *sqlStore) loadForOutcomes(ctx context.Context, tx *sql.Tx, outcomes []Outcome) (map[taskKey]*outcomeState, error) {
	state := make(map[taskKey]*outcomeState, len(outcomes))
	err := chunks(len(outcomes), s.maxRows, func(lo, hi int) error {
		args := make([]any, 0, (hi-lo)*5)
		for _, o := range outcomes[lo:hi] {
			args = append(args, o.Source, o.Target, o.TxType, o.SrcID, o.TaskID)
		}
		q := `SELECT e.source, e.target, e.tx_type, e.src_id, v.column5, e.hash, te.status
			FROM (VALUES ` + tuples(hi-lo, 5) + `) AS v
			JOIN dw_entities e ON e.source = v.column1 AND e.target = v.column2 AND e.tx_type = v.column3 AND e.src_id = v.column4
			LEFT JOIN dw_task_entities te ON te.task_id = v.column5 AND te.source = e.source AND te.target = e.target AND te.tx_type = e.tx_type AND te.src_id = e.src_id` +
			s.d.lockEntities
		rows, err := tx.QueryContext(ctx, s.d.rebind(q), args...)
		if err != nil {
			return fmt.Errorf("loading entities for outcomes: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var k taskKey
			var te sql.NullString
			os := &outcomeState{}
			if err := rows.Scan(&k.Source, &k.Target, &k.TxType, &k.SrcID, &k.task, &os.hash, &te); err != nil {
				return fmt.Errorf("loading entities for outcomes: %w", err)
			}
			if te.Valid {
				os.attached, os.inTask = true, Status(te.String)
			}
			state[k] = os
		}
		return rows.Err()
	})
	return state, err
}

// nowUTC is the default clock.
func nowUTC() time.Time { return time.Now().UTC() }
