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
