package synctask

import (
	"strconv"
	"strings"
)

// The modernc SQLite driver re-parses every statement it executes and binds
// parameters in O(n²) (it searches the argument list for each placeholder),
// so a 100-row, 1,600-parameter insert spends more time binding than
// writing. On SQLite, batch statements therefore inline the small text and
// integer values as SQL literals and bind only the payloads. Literals are
// quoted by doubling single quotes, the only escape an SQLite string literal
// has; a value containing a NUL byte (which would end the statement text)
// is bound as a parameter instead.

// sqlBuilder accumulates statement text and the arguments it still binds.
type sqlBuilder struct {
	b      strings.Builder
	args   []any
	inline bool
}

func (q *sqlBuilder) raw(s string) { q.b.WriteString(s) }

// text appends a string value: inline when allowed, else as a parameter.
func (q *sqlBuilder) text(s string) {
	if !q.inline || strings.IndexByte(s, 0) >= 0 {
		q.param(s)
		return
	}
	q.b.WriteByte('\'')
	q.b.WriteString(strings.ReplaceAll(s, "'", "''"))
	q.b.WriteByte('\'')
}

// int appends an integer value.
func (q *sqlBuilder) int(v int64) {
	if !q.inline {
		q.param(v)
		return
	}
	q.b.WriteString(strconv.FormatInt(v, 10))
}

// param appends a placeholder bound to v.
func (q *sqlBuilder) param(v any) {
	q.b.WriteByte('?')
	q.args = append(q.args, v)
}

func (q *sqlBuilder) String() string { return q.b.String() }

// entityColumn reads one column of an entity, in entityCols order; exactly
// one of text, blob and num is set.
type entityColumn struct {
	text func(e *Entity) string
	blob func(e *Entity) []byte
	num  func(e *Entity) int64
}

var entityColumns = [...]entityColumn{
	{text: func(e *Entity) string { return e.Source }},
	{text: func(e *Entity) string { return e.Target }},
	{text: func(e *Entity) string { return e.TxType }},
	{text: func(e *Entity) string { return e.SrcID }},
	{text: func(e *Entity) string { return string(e.Status) }},
	{text: func(e *Entity) string { return e.Hash }},
	{blob: func(e *Entity) []byte { return e.Data }},
	{blob: func(e *Entity) []byte { return e.OldData }},
	{text: func(e *Entity) string { return e.TgtID }},
	{text: func(e *Entity) string { return e.ErrorCode }},
	{text: func(e *Entity) string { return e.Note }},
	{text: func(e *Entity) string { return e.TaskID }},
	{num: func(e *Entity) int64 { return micros(e.CreatedAt) }},
	{num: func(e *Entity) int64 { return micros(e.UpdatedAt) }},
	{num: func(e *Entity) int64 { return micros(e.StagedAt) }},
	{num: func(e *Entity) int64 { return micros(e.StatusAt) }},
}

// write appends e's value of the column: a literal, a NULL for a nil
// payload, or a bound payload.
func (col entityColumn) write(q *sqlBuilder, e *Entity) {
	switch {
	case col.text != nil:
		q.text(col.text(e))
	case col.num != nil:
		q.int(col.num(e))
	case col.blob(e) == nil:
		q.raw("NULL")
	default:
		q.param(col.blob(e))
	}
}

// shared reports whether every row has the same value in the column; a
// payload column is shared only when it is NULL in every row.
func (col entityColumn) shared(rows []Entity) bool {
	for i := range rows {
		e := &rows[i]
		switch {
		case col.text != nil:
			if col.text(e) != col.text(&rows[0]) {
				return false
			}
		case col.num != nil:
			if col.num(e) != col.num(&rows[0]) {
				return false
			}
		case col.blob(e) != nil:
			return false
		}
	}
	return true
}

// insertEntitiesSQL appends an INSERT of rows into dw_entities to q, for
// dialects that inline literals. A column with the same value in every row
// (the key prefix and the task always; in a typical batch also the status,
// note, error fields and timestamps) is written once in the SELECT list, and
// only the columns that differ go into the VALUES rows: SQLite's parsing and
// code generation, paid on every execution, grow with the number of values,
// and a batch of first sightings then differs only in src_id, hash and data.
// The statement ends in WHERE true, which SQLite requires before an upsert
// clause on INSERT ... SELECT.
func insertEntitiesSQL(q *sqlBuilder, rows []Entity) {
	var shared [len(entityColumns)]bool
	varying := 0
	for c, col := range entityColumns {
		shared[c] = col.shared(rows)
		if !shared[c] {
			varying++
		}
	}
	q.raw(`INSERT INTO dw_entities (` + entityCols + `) SELECT `)
	k := 0
	for c, col := range entityColumns {
		if c > 0 {
			q.raw(",")
		}
		if shared[c] {
			col.write(q, &rows[0])
			continue
		}
		k++
		q.raw("v.column")
		q.raw(strconv.Itoa(k))
	}
	if varying > 0 {
		q.raw(" FROM (VALUES ")
		for i := range rows {
			e := &rows[i]
			if i > 0 {
				q.raw(",")
			}
			q.raw("(")
			first := true
			for c, col := range entityColumns {
				if shared[c] {
					continue
				}
				if !first {
					q.raw(",")
				}
				first = false
				col.write(q, e)
			}
			q.raw(")")
		}
		q.raw(") AS v")
	}
	q.raw(" WHERE true")
}
