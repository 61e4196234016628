package synctask

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"
)

// retryCandidate is an F or ? entity selected for a retry.
type retryCandidate struct {
	Key
	task   string
	status Status
}

// Retry implements Store.
func (s *sqlStore) Retry(ctx context.Context, r RetryRequest) (RetryResult, error) {
	statuses := r.Filter.Statuses
	if len(statuses) == 0 {
		statuses = []Status{StatusFailed, StatusUnknown}
	}
	for _, st := range statuses {
		if st != StatusFailed && st != StatusUnknown {
			return RetryResult{}, fmt.Errorf("retrying: only F and ? entities can be retried, not %q", st)
		}
	}
	max := r.Max
	if max <= 0 {
		max = 10000
	}
	now := s.now()
	var res RetryResult
	err := s.withTx(ctx, func(tx *sql.Tx) error {
		res = RetryResult{}
		cands, err := s.retryCandidates(ctx, tx, r, statuses, max)
		if err != nil || len(cands) == 0 {
			return err
		}
		ids := make([]string, 0, len(cands))
		for _, c := range cands {
			ids = append(ids, c.task)
		}
		tasks, err := s.lockTasks(ctx, tx, ids)
		if err != nil {
			return err
		}
		deltas := map[string]*taskDelta{}
		for _, c := range cands {
			if tasks[c.task] == nil {
				continue // the entity's task was removed; nothing to reattach to
			}
			res2, err := s.exec(ctx, tx, `UPDATE dw_entities SET status = 'N', error_code = '', note = 'retry requested', status_at = ?
				WHERE source = ? AND target = ? AND tx_type = ? AND src_id = ? AND task_id = ? AND status = ?`,
				micros(now), c.Source, c.Target, c.TxType, c.SrcID, c.task, string(c.status))
			if err != nil {
				return fmt.Errorf("retrying %s: %w", c.Key, err)
			}
			if n, err := res2.RowsAffected(); err != nil || n == 0 {
				continue // changed since it was selected
			}
			if _, err := s.exec(ctx, tx, `INSERT INTO dw_replay (task_id, source, target, tx_type, src_id, queued_at)
				VALUES (?, ?, ?, ?, ?, ?)`, c.task, c.Source, c.Target, c.TxType, c.SrcID, micros(now)); err != nil {
				return fmt.Errorf("queueing %s for replay: %w", c.Key, err)
			}
			d := deltas[c.task]
			if d == nil {
				d = &taskDelta{retried: true, extend: true}
				deltas[c.task] = d
			}
			d.counts.add(c.status, -1)
			d.counts.add(StatusNew, 1)
			res.Entities++
		}
		for id := range deltas {
			res.Tasks = append(res.Tasks, id)
		}
		res.Tasks = uniqueSorted(res.Tasks)
		return s.applyTaskDeltas(ctx, tx, tasks, deltas, now)
	})
	if err != nil {
		return RetryResult{}, err
	}
	return res, nil
}

func (s *sqlStore) retryCandidates(ctx context.Context, tx *sql.Tx, r RetryRequest, statuses []Status, max int) ([]retryCandidate, error) {
	var w where
	f := r.Filter
	if r.TaskID != "" {
		f.TaskID = r.TaskID
	}
	w.eq("source", f.Source)
	w.eq("target", f.Target)
	w.eq("tx_type", f.TxType)
	w.eq("src_id", f.SrcID)
	w.eq("task_id", f.TaskID)
	w.in("status", statusStrings(statuses))
	w.problemStatuses("status", statuses)
	w.add("task_id <> ''")
	q := `SELECT source, target, tx_type, src_id, task_id, status FROM dw_entities` + w.sql() +
		` ORDER BY source, target, tx_type, src_id LIMIT ?` + s.d.lockRows
	rows, err := tx.QueryContext(ctx, s.d.rebind(q), append(w.args, max)...)
	if err != nil {
		return nil, fmt.Errorf("selecting entities to retry: %w", err)
	}
	defer rows.Close()
	var out []retryCandidate
	for rows.Next() {
		var c retryCandidate
		var st string
		if err := rows.Scan(&c.Source, &c.Target, &c.TxType, &c.SrcID, &c.task, &st); err != nil {
			return nil, fmt.Errorf("selecting entities to retry: %w", err)
		}
		c.status = Status(st)
		out = append(out, c)
	}
	return out, rows.Err()
}

// ClaimReplay implements Store.
func (s *sqlStore) ClaimReplay(ctx context.Context, sel ReplaySelector, limit int) ([]ReplayItem, error) {
	var out []ReplayItem
	err := s.withTx(ctx, func(tx *sql.Tx) error {
		out = nil
		var w where
		w.eq("r.source", sel.Source)
		w.eq("r.target", sel.Target)
		w.in("r.tx_type", anySlice(sel.TxTypes))
		q := `SELECT r.seq, r.task_id FROM dw_replay r` + w.sql() + ` ORDER BY r.seq LIMIT ?` + s.d.skipLocked
		rows, err := tx.QueryContext(ctx, s.d.rebind(q), append(w.args, pageLimit(limit))...)
		if err != nil {
			return fmt.Errorf("claiming replay items: %w", err)
		}
		var seqs []int64
		for rows.Next() {
			var seq int64
			var task string
			if err := rows.Scan(&seq, &task); err != nil {
				rows.Close()
				return fmt.Errorf("claiming replay items: %w", err)
			}
			seqs = append(seqs, seq)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("claiming replay items: %w", err)
		}
		if len(seqs) == 0 {
			return nil
		}
		// Only entities still pending in the task that queued them are
		// emitted; anything re-staged or delivered since is dropped.
		cols := "e." + strings.ReplaceAll(entityCols, ", ", ", e.")
		q = `SELECT ` + cols + `, r.task_id FROM dw_replay r
			JOIN dw_entities e ON e.source = r.source AND e.target = r.target AND e.tx_type = r.tx_type AND e.src_id = r.src_id
			WHERE r.seq IN (` + placeholders(len(seqs)) + `) AND e.status = 'N' AND e.task_id = r.task_id ORDER BY r.seq`
		rows, err = tx.QueryContext(ctx, s.d.rebind(q), anySlice(seqs)...)
		if err != nil {
			return fmt.Errorf("loading replay payloads: %w", err)
		}
		for rows.Next() {
			var it ReplayItem
			e, err := scanEntity(rows, &it.TaskID)
			if err != nil {
				rows.Close()
				return fmt.Errorf("loading replay payloads: %w", err)
			}
			it.Entity = e
			out = append(out, it)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("loading replay payloads: %w", err)
		}
		if _, err := tx.ExecContext(ctx, s.d.rebind(`DELETE FROM dw_replay WHERE seq IN (`+placeholders(len(seqs))+`)`), anySlice(seqs)...); err != nil {
			return fmt.Errorf("removing claimed replay items: %w", err)
		}
		return nil
	})
	return out, err
}

// ExpireOverdue implements Store.
func (s *sqlStore) ExpireOverdue(ctx context.Context, now time.Time) (time.Time, error) {
	err := s.withTx(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, s.d.rebind(`SELECT id FROM dw_tasks WHERE deadline_at > 0 AND deadline_at <= ? ORDER BY id LIMIT 100`), micros(now))
		if err != nil {
			return fmt.Errorf("finding overdue tasks: %w", err)
		}
		var ids []string
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return fmt.Errorf("finding overdue tasks: %w", err)
			}
			ids = append(ids, id)
		}
		rows.Close()
		if err := rows.Err(); err != nil || len(ids) == 0 {
			return err
		}
		tasks, err := s.lockTasks(ctx, tx, ids)
		if err != nil {
			return err
		}
		deltas := map[string]*taskDelta{}
		for _, id := range ids {
			t := tasks[id]
			if t == nil || t.DeadlineAt.IsZero() || t.DeadlineAt.After(now) {
				continue // finished or extended meanwhile
			}
			res, err := tx.ExecContext(ctx, s.d.rebind(`UPDATE dw_entities SET status = '?', note = 'no outcome before the task deadline', status_at = ?
				WHERE task_id = ? AND status = 'N'`), micros(now), id)
			if err != nil {
				return fmt.Errorf("expiring entities of task %s: %w", id, err)
			}
			n, err := res.RowsAffected()
			if err != nil {
				return fmt.Errorf("expiring entities of task %s: %w", id, err)
			}
			deltas[id] = &taskDelta{counts: Counts{N: -int(n), Unknown: int(n)}, seal: true}
			// Counters are authoritative only through the rows: if they
			// disagree (n differs from the pending count), trust the rows.
			if int(n) != t.Counts.N {
				deltas[id].counts.N = -t.Counts.N
			}
		}
		// A task reaching its deadline is also sealed: an input that never
		// sealed its poll cycle (it crashed) must not keep it open forever.
		return s.applyTaskDeltas(ctx, tx, tasks, deltas, now)
	})
	if err != nil {
		return time.Time{}, err
	}
	return s.NextDeadline(ctx)
}

// SealTask implements Store.
func (s *sqlStore) SealTask(ctx context.Context, id string) error {
	now := s.now()
	return s.withTx(ctx, func(tx *sql.Tx) error {
		tasks, err := s.lockTasks(ctx, tx, []string{id})
		if err != nil {
			return err
		}
		t := tasks[id]
		if t == nil {
			return fmt.Errorf("sealing task %s: %w", id, ErrNotFound)
		}
		if t.Sealed {
			return nil
		}
		return s.applyTaskDeltas(ctx, tx, tasks, map[string]*taskDelta{id: {seal: true}}, now)
	})
}
