package synctask

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// InvalidCursorError reports a page cursor that was not produced by a
// previous page.
type InvalidCursorError struct{ Cursor string }

func (e *InvalidCursorError) Error() string { return fmt.Sprintf("invalid page cursor %q", e.Cursor) }

func encodeCursor(v any) string {
	b, _ := json.Marshal(v) // cursors are plain structs of strings and ints
	return base64.RawURLEncoding.EncodeToString(b)
}

func decodeCursor(c string, v any) error {
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil || json.Unmarshal(b, v) != nil {
		return &InvalidCursorError{Cursor: c}
	}
	return nil
}

// where builds a conjunction of conditions with their arguments.
type where struct {
	conds []string
	args  []any
}

func (w *where) eq(col, v string) {
	if v != "" {
		w.conds = append(w.conds, col+" = ?")
		w.args = append(w.args, v)
	}
}

func (w *where) in(col string, vs []any) {
	if len(vs) > 0 {
		w.conds = append(w.conds, col+" IN ("+placeholders(len(vs))+")")
		w.args = append(w.args, vs...)
	}
}

// problemStatuses adds, when every status asked for is F or ?, the literal
// term of the partial index dw_entities_problems, so SQLite (which matches
// index predicates by their exact terms) can use it.
func (w *where) problemStatuses(col string, sts []Status) {
	if len(sts) == 0 {
		return
	}
	for _, s := range sts {
		if s != StatusFailed && s != StatusUnknown {
			return
		}
	}
	w.conds = append(w.conds, col+" IN ('F', '?')")
}

func (w *where) add(cond string, args ...any) {
	w.conds = append(w.conds, cond)
	w.args = append(w.args, args...)
}

func (w *where) sql() string {
	if len(w.conds) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(w.conds, " AND ")
}

// GetEntity implements Store.
func (s *sqlStore) GetEntity(ctx context.Context, k Key) (Entity, error) {
	row := s.r.QueryRowContext(ctx, s.d.rebind(`SELECT `+entityCols+` FROM dw_entities
		WHERE source = ? AND target = ? AND tx_type = ? AND src_id = ?`), k.Source, k.Target, k.TxType, k.SrcID)
	e, err := scanEntity(row)
	if err != nil {
		return Entity{}, notFound(err, "entity "+k.String())
	}
	return e, nil
}

// ListEntities implements Store.
func (s *sqlStore) ListEntities(ctx context.Context, f EntityFilter) (Page[Entity], error) {
	var w where
	w.eq("source", f.Source)
	w.eq("target", f.Target)
	w.eq("tx_type", f.TxType)
	w.eq("src_id", f.SrcID)
	w.eq("task_id", f.TaskID)
	w.in("status", statusStrings(f.Statuses))
	w.problemStatuses("status", f.Statuses)
	if f.Cursor != "" {
		var after Key
		if err := decodeCursor(f.Cursor, &after); err != nil {
			return Page[Entity]{}, err
		}
		w.add("(source, target, tx_type, src_id) > (?, ?, ?, ?)", after.Source, after.Target, after.TxType, after.SrcID)
	}
	limit := pageLimit(f.Limit)
	cols := strings.Replace(entityCols, "data, old_data", "NULL, NULL", 1)
	q := `SELECT ` + cols + ` FROM dw_entities` + w.sql() + ` ORDER BY source, target, tx_type, src_id LIMIT ?`
	rows, err := s.r.QueryContext(ctx, s.d.rebind(q), append(w.args, limit+1)...)
	if err != nil {
		return Page[Entity]{}, fmt.Errorf("listing entities: %w", err)
	}
	defer rows.Close()
	var page Page[Entity]
	for rows.Next() {
		e, err := scanEntity(rows)
		if err != nil {
			return Page[Entity]{}, fmt.Errorf("listing entities: %w", err)
		}
		page.Items = append(page.Items, e)
	}
	if err := rows.Err(); err != nil {
		return Page[Entity]{}, fmt.Errorf("listing entities: %w", err)
	}
	if len(page.Items) > limit {
		page.Items = page.Items[:limit]
		page.Next = encodeCursor(page.Items[limit-1].Key)
	}
	return page, nil
}

// GetTask implements Store.
func (s *sqlStore) GetTask(ctx context.Context, id string) (Task, error) {
	t, err := scanTask(s.r.QueryRowContext(ctx, s.d.rebind(`SELECT `+taskCols+` FROM dw_tasks WHERE id = ?`), id))
	if err != nil {
		return Task{}, notFound(err, "task "+id)
	}
	return t, nil
}

type taskCursor struct {
	StartedAt int64  `json:"t"`
	ID        string `json:"id"`
}

// ListTasks implements Store.
func (s *sqlStore) ListTasks(ctx context.Context, f TaskFilter) (Page[Task], error) {
	var w where
	w.eq("source", f.Source)
	w.eq("target", f.Target)
	w.eq("tx_type", f.TxType)
	w.in("status", statusStrings(f.Statuses))
	if !f.From.IsZero() {
		w.add("started_at >= ?", micros(f.From))
	}
	if !f.To.IsZero() {
		w.add("started_at < ?", micros(f.To))
	}
	if f.Cursor != "" {
		var c taskCursor
		if err := decodeCursor(f.Cursor, &c); err != nil {
			return Page[Task]{}, err
		}
		w.add("(started_at, id) < (?, ?)", c.StartedAt, c.ID)
	}
	limit := pageLimit(f.Limit)
	q := `SELECT ` + taskCols + ` FROM dw_tasks` + w.sql() + ` ORDER BY started_at DESC, id DESC LIMIT ?`
	rows, err := s.r.QueryContext(ctx, s.d.rebind(q), append(w.args, limit+1)...)
	if err != nil {
		return Page[Task]{}, fmt.Errorf("listing tasks: %w", err)
	}
	defer rows.Close()
	var page Page[Task]
	for rows.Next() {
		t, err := scanTask(rows)
		if err != nil {
			return Page[Task]{}, fmt.Errorf("listing tasks: %w", err)
		}
		page.Items = append(page.Items, t)
	}
	if err := rows.Err(); err != nil {
		return Page[Task]{}, fmt.Errorf("listing tasks: %w", err)
	}
	if len(page.Items) > limit {
		page.Items = page.Items[:limit]
		last := page.Items[limit-1]
		page.Next = encodeCursor(taskCursor{StartedAt: micros(last.StartedAt), ID: last.ID})
	}
	return page, nil
}

// TaskEntities implements Store.
func (s *sqlStore) TaskEntities(ctx context.Context, taskID string, f PageRequest) (Page[TaskEntity], error) {
	var w where
	w.add("task_id = ?", taskID)
	if f.Cursor != "" {
		var after Key
		if err := decodeCursor(f.Cursor, &after); err != nil {
			return Page[TaskEntity]{}, err
		}
		w.add("(source, target, tx_type, src_id) > (?, ?, ?, ?)", after.Source, after.Target, after.TxType, after.SrcID)
	}
	limit := pageLimit(f.Limit)
	q := `SELECT source, target, tx_type, src_id, status FROM dw_entities` + w.sql() + ` ORDER BY source, target, tx_type, src_id LIMIT ?`
	rows, err := s.r.QueryContext(ctx, s.d.rebind(q), append(w.args, limit+1)...)
	if err != nil {
		return Page[TaskEntity]{}, fmt.Errorf("listing entities of task %s: %w", taskID, err)
	}
	defer rows.Close()
	var page Page[TaskEntity]
	for rows.Next() {
		var te TaskEntity
		var st string
		if err := rows.Scan(&te.Source, &te.Target, &te.TxType, &te.SrcID, &st); err != nil {
			return Page[TaskEntity]{}, fmt.Errorf("listing entities of task %s: %w", taskID, err)
		}
		te.Status = Status(st)
		page.Items = append(page.Items, te)
	}
	if err := rows.Err(); err != nil {
		return Page[TaskEntity]{}, fmt.Errorf("listing entities of task %s: %w", taskID, err)
	}
	if len(page.Items) > limit {
		page.Items = page.Items[:limit]
		page.Next = encodeCursor(page.Items[limit-1].Key)
	}
	return page, nil
}

// TaskEvents implements Store.
func (s *sqlStore) TaskEvents(ctx context.Context, after int64, limit int) ([]TaskEvent, error) {
	rows, err := s.r.QueryContext(ctx, s.d.rebind(`SELECT seq, payload, created_at FROM dw_task_events WHERE seq > ? ORDER BY seq LIMIT ?`),
		after, pageLimit(limit))
	if err != nil {
		return nil, fmt.Errorf("reading task events: %w", err)
	}
	defer rows.Close()
	var out []TaskEvent
	for rows.Next() {
		var ev TaskEvent
		var payload string
		var at int64
		if err := rows.Scan(&ev.Seq, &payload, &at); err != nil {
			return nil, fmt.Errorf("reading task events: %w", err)
		}
		if err := json.Unmarshal([]byte(payload), &ev.Task); err != nil {
			return nil, &CorruptRowError{What: fmt.Sprintf("task event %d", ev.Seq), Detail: err.Error()}
		}
		ev.At = fromMicros(at)
		out = append(out, ev)
	}
	return out, rows.Err()
}

// LoadCursor implements Store.
func (s *sqlStore) LoadCursor(ctx context.Context, name string) (int64, error) {
	var v int64
	err := s.r.QueryRowContext(ctx, s.d.rebind(`SELECT value FROM dw_cursors WHERE name = ?`), name).Scan(&v)
	if err != nil {
		if notFound(err, "") != err {
			return 0, nil
		}
		return 0, fmt.Errorf("loading cursor %s: %w", name, err)
	}
	return v, nil
}

// SaveCursor implements Store.
func (s *sqlStore) SaveCursor(ctx context.Context, name string, value int64) error {
	_, err := s.w.ExecContext(ctx, s.d.rebind(`INSERT INTO dw_cursors (name, value) VALUES (?, ?)
		ON CONFLICT (name) DO UPDATE SET value = excluded.value`), name, value)
	if err != nil {
		return fmt.Errorf("saving cursor %s: %w", name, err)
	}
	return nil
}

// NextDeadline implements Store.
func (s *sqlStore) NextDeadline(ctx context.Context) (time.Time, error) {
	var v *int64
	if err := s.r.QueryRowContext(ctx, `SELECT MIN(deadline_at) FROM dw_tasks WHERE deadline_at > 0`).Scan(&v); err != nil {
		return time.Time{}, fmt.Errorf("reading next task deadline: %w", err)
	}
	if v == nil {
		return time.Time{}, nil
	}
	return fromMicros(*v), nil
}
