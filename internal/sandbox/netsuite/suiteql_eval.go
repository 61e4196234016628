package netsuite

import (
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Resolved AST nodes.
type (
	colIdx  struct{ i int }
	nowExpr struct{}
)

type outItem struct {
	name string
	e    sqlExpr
}

// compiledQuery is a parsed query bound to its table.
type compiledQuery struct {
	table    *sqlTable
	items    []outItem
	where    sqlExpr
	order    []orderItem
	distinct bool
	agg      bool
}

// queryError is a SuiteQL error as NetSuite reports it.
func queryError(format string, args ...any) *apiError {
	return &apiError{Status: 400, Code: codeInvalidParameter,
		Detail: "Invalid search query. Detailed unprocessed description follows. Search error occurred: " + fmt.Sprintf(format, args...)}
}

func compileQuery(q string) (*compiledQuery, *apiError) {
	sq, err := parseSuiteQL(q)
	if err != nil {
		return nil, queryError("%v", err)
	}
	tbl, ok := suiteQLTables[sq.table]
	if !ok {
		return nil, queryError("Record '%s' was not found.", sq.table)
	}
	cq := &compiledQuery{table: tbl, distinct: sq.distinct}
	res := &resolver{table: tbl, alias: sq.alias}
	aliases := map[string]sqlExpr{}
	nAgg := 0
	for n, it := range sq.items {
		if it.star {
			for i, c := range tbl.columns {
				cq.items = append(cq.items, outItem{name: c.name, e: &colIdx{i}})
			}
			continue
		}
		e, err := res.resolve(it.e)
		if err != nil {
			return nil, queryError("%v", err)
		}
		name := it.alias
		if name == "" {
			if c, ok := e.(*colIdx); ok {
				name = tbl.columns[c.i].name
			} else {
				name = "expr" + strconv.Itoa(n+1)
			}
		}
		if isAggregate(e) {
			nAgg++
		}
		cq.items = append(cq.items, outItem{name: name, e: e})
		aliases[name] = e
	}
	if nAgg > 0 {
		if nAgg != len(cq.items) {
			return nil, queryError("ORA-00937: not a single-group group function (GROUP BY is not supported by the sandbox's SuiteQL)")
		}
		cq.agg = true
	}
	if sq.where != nil {
		if cq.where, err = res.resolve(sq.where); err != nil {
			return nil, queryError("%v", err)
		}
		if hasAggregate(cq.where) {
			return nil, queryError("ORA-00934: group function is not allowed here")
		}
	}
	for _, o := range sq.order {
		var e sqlExpr
		switch x := o.e.(type) {
		case *colRef:
			if a, ok := aliases[x.name]; ok {
				e = a
			}
		case *litExpr:
			if x.v.kind == vNumber {
				pos := int(x.v.n)
				if pos < 1 || pos > len(cq.items) {
					return nil, queryError("ORA-01785: ORDER BY item must be the number of a SELECT-list expression")
				}
				e = cq.items[pos-1].e
			}
		}
		if e == nil {
			if e, err = res.resolve(o.e); err != nil {
				return nil, queryError("%v", err)
			}
		}
		cq.order = append(cq.order, orderItem{e: e, desc: o.desc, nullsFirst: o.nullsFirst})
	}
	return cq, nil
}

type resolver struct {
	table *sqlTable
	alias string
}

func (r *resolver) resolve(e sqlExpr) (sqlExpr, error) {
	var err error
	switch x := e.(type) {
	case *colRef:
		name := x.name
		switch name {
		case "sysdate", "current_date", "current_timestamp", "systimestamp":
			return &nowExpr{}, nil
		}
		if q, col, ok := strings.Cut(name, "."); ok {
			if q != r.alias && q != r.table.name {
				return nil, fmt.Errorf("Unknown identifier '%s'", x.name)
			}
			name = col
		}
		i, ok := r.table.column(name)
		if !ok {
			return nil, fmt.Errorf("Field '%s' for record '%s' was not found. Reason: NOT_EXPOSED - Not available for channel SEARCH", name, r.table.name)
		}
		return &colIdx{i}, nil
	case *litExpr, *nowExpr, *colIdx:
		return e, nil
	case *callExpr:
		c := &callExpr{fn: x.fn, star: x.star, args: make([]sqlExpr, len(x.args))}
		for i, a := range x.args {
			if c.args[i], err = r.resolve(a); err != nil {
				return nil, err
			}
		}
		return c, checkCall(c)
	case *binExpr:
		b := &binExpr{op: x.op}
		if b.l, err = r.resolve(x.l); err != nil {
			return nil, err
		}
		b.r, err = r.resolve(x.r)
		return b, err
	case *notExpr:
		n := &notExpr{}
		n.e, err = r.resolve(x.e)
		return n, err
	case *isNullExpr:
		n := &isNullExpr{neg: x.neg}
		n.e, err = r.resolve(x.e)
		return n, err
	case *inExpr:
		n := &inExpr{neg: x.neg, list: make([]sqlExpr, len(x.list))}
		if n.e, err = r.resolve(x.e); err != nil {
			return nil, err
		}
		for i, a := range x.list {
			if n.list[i], err = r.resolve(a); err != nil {
				return nil, err
			}
		}
		return n, nil
	case *likeExpr:
		n := &likeExpr{neg: x.neg}
		if n.e, err = r.resolve(x.e); err != nil {
			return nil, err
		}
		n.pat, err = r.resolve(x.pat)
		return n, err
	case *betweenExpr:
		n := &betweenExpr{neg: x.neg}
		if n.e, err = r.resolve(x.e); err != nil {
			return nil, err
		}
		if n.lo, err = r.resolve(x.lo); err != nil {
			return nil, err
		}
		n.hi, err = r.resolve(x.hi)
		return n, err
	}
	return nil, fmt.Errorf("unsupported expression")
}

// arity of the supported functions: min and max argument counts.
var functions = map[string][2]int{
	"TO_DATE": {1, 2}, "TO_TIMESTAMP": {1, 2}, "TO_CHAR": {1, 2}, "TO_NUMBER": {1, 1}, "TRUNC": {1, 1},
	"UPPER": {1, 1}, "LOWER": {1, 1}, "NVL": {2, 2}, "COALESCE": {1, 16}, "BUILTIN.DF": {1, 1},
	"COUNT": {1, 1}, "MIN": {1, 1}, "MAX": {1, 1},
}

func checkCall(c *callExpr) error {
	ar, ok := functions[c.fn]
	if !ok {
		return fmt.Errorf("ORA-00904: \"%s\": invalid identifier (function not supported by the sandbox)", c.fn)
	}
	if c.star {
		if c.fn != "COUNT" {
			return fmt.Errorf("ORA-00936: missing expression in %s(*)", c.fn)
		}
		return nil
	}
	if len(c.args) < ar[0] || len(c.args) > ar[1] {
		return fmt.Errorf("ORA-00909: invalid number of arguments to %s", c.fn)
	}
	for _, a := range c.args {
		if hasAggregate(a) {
			return fmt.Errorf("ORA-00935: group function is nested too deeply")
		}
	}
	return nil
}

func isAggregate(e sqlExpr) bool {
	c, ok := e.(*callExpr)
	return ok && (c.fn == "COUNT" || c.fn == "MIN" || c.fn == "MAX")
}

func hasAggregate(e sqlExpr) bool {
	switch x := e.(type) {
	case *callExpr:
		if isAggregate(x) {
			return true
		}
		for _, a := range x.args {
			if hasAggregate(a) {
				return true
			}
		}
	case *binExpr:
		return hasAggregate(x.l) || hasAggregate(x.r)
	case *notExpr:
		return hasAggregate(x.e)
	}
	return false
}

// evalCtx evaluates expressions over one row.
type evalCtx struct {
	loc     *time.Location
	now     time.Time
	formats map[string][]fmtElem
}

func (c *evalCtx) format(f string) ([]fmtElem, error) {
	if el, ok := c.formats[f]; ok {
		return el, nil
	}
	el, err := compileFormat(f)
	if err != nil {
		return nil, err
	}
	c.formats[f] = el
	return el, nil
}

func (c *evalCtx) eval(e sqlExpr, row []sqlValue) (sqlValue, error) {
	switch x := e.(type) {
	case *colIdx:
		return row[x.i], nil
	case *litExpr:
		return x.v, nil
	case *nowExpr:
		return dateTimeVal(c.now), nil
	case *callExpr:
		return c.call(x, row)
	case *binExpr:
		if x.op == "||" {
			l, err := c.eval(x.l, row)
			if err != nil {
				return sqlValue{}, err
			}
			r, err := c.eval(x.r, row)
			if err != nil {
				return sqlValue{}, err
			}
			return strVal(l.display(c.loc) + r.display(c.loc)), nil
		}
	}
	t, err := c.cond(e, row)
	if err != nil {
		return sqlValue{}, err
	}
	switch t {
	case triTrue:
		return numVal(1), nil
	case triFalse:
		return numVal(0), nil
	}
	return sqlValue{}, nil
}

func (c *evalCtx) call(x *callExpr, row []sqlValue) (sqlValue, error) {
	args := make([]sqlValue, len(x.args))
	for i, a := range x.args {
		v, err := c.eval(a, row)
		if err != nil {
			return sqlValue{}, err
		}
		args[i] = v
	}
	switch x.fn {
	case "NVL", "COALESCE":
		for _, a := range args {
			if a.kind != vNull {
				return a, nil
			}
		}
		return sqlValue{}, nil
	}
	if args[0].kind == vNull {
		return sqlValue{}, nil
	}
	switch x.fn {
	case "TO_DATE", "TO_TIMESTAMP":
		if args[0].kind == vDate || args[0].kind == vDateTime {
			return dateTimeVal(args[0].t), nil
		}
		if len(args) == 1 {
			t, err := args[0].asTime(c.loc)
			return dateTimeVal(t), err
		}
		el, err := c.format(args[1].s)
		if err != nil {
			return sqlValue{}, err
		}
		t, err := parseTime(args[0].display(c.loc), el, c.loc)
		return dateTimeVal(t), err
	case "TO_CHAR":
		if args[0].kind != vDate && args[0].kind != vDateTime {
			return strVal(args[0].display(c.loc)), nil
		}
		if len(args) == 1 {
			return strVal(args[0].display(c.loc)), nil
		}
		el, err := c.format(args[1].s)
		if err != nil {
			return sqlValue{}, err
		}
		return strVal(formatTime(args[0].t.In(c.loc), el)), nil
	case "TO_NUMBER":
		f, ok := toNumber(args[0])
		if !ok {
			return sqlValue{}, fmt.Errorf("ORA-01722: invalid number")
		}
		return numVal(f), nil
	case "TRUNC":
		if args[0].kind == vDate || args[0].kind == vDateTime {
			t := args[0].t.In(c.loc)
			return dateTimeVal(time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, c.loc)), nil
		}
		f, ok := toNumber(args[0])
		if !ok {
			return sqlValue{}, fmt.Errorf("ORA-01722: invalid number")
		}
		return numVal(float64(int64(f))), nil
	case "UPPER":
		return strVal(strings.ToUpper(args[0].display(c.loc))), nil
	case "LOWER":
		return strVal(strings.ToLower(args[0].display(c.loc))), nil
	case "BUILTIN.DF":
		return strVal(args[0].display(c.loc)), nil
	}
	return sqlValue{}, fmt.Errorf("function %s cannot be used here", x.fn)
}

type tri int

const (
	triUnknown tri = iota
	triFalse
	triTrue
)

func triOf(b bool) tri {
	if b {
		return triTrue
	}
	return triFalse
}

func (t tri) not() tri {
	switch t {
	case triTrue:
		return triFalse
	case triFalse:
		return triTrue
	}
	return triUnknown
}

// cond evaluates a condition with SQL's three-valued logic.
func (c *evalCtx) cond(e sqlExpr, row []sqlValue) (tri, error) {
	switch x := e.(type) {
	case *binExpr:
		switch x.op {
		case "AND", "OR":
			l, err := c.cond(x.l, row)
			if err != nil {
				return 0, err
			}
			if x.op == "AND" && l == triFalse || x.op == "OR" && l == triTrue {
				return l, nil
			}
			r, err := c.cond(x.r, row)
			if err != nil {
				return 0, err
			}
			if x.op == "AND" {
				if r == triFalse {
					return triFalse, nil
				}
				if l == triTrue && r == triTrue {
					return triTrue, nil
				}
				return triUnknown, nil
			}
			if r == triTrue {
				return triTrue, nil
			}
			if l == triFalse && r == triFalse {
				return triFalse, nil
			}
			return triUnknown, nil
		case "||":
			return 0, fmt.Errorf("ORA-00920: invalid relational operator")
		}
		l, err := c.eval(x.l, row)
		if err != nil {
			return 0, err
		}
		r, err := c.eval(x.r, row)
		if err != nil {
			return 0, err
		}
		if l.kind == vNull || r.kind == vNull {
			return triUnknown, nil
		}
		cmp, err := compareValues(l, r, c.loc)
		if err != nil {
			return 0, err
		}
		switch x.op {
		case "=":
			return triOf(cmp == 0), nil
		case "<>":
			return triOf(cmp != 0), nil
		case "<":
			return triOf(cmp < 0), nil
		case "<=":
			return triOf(cmp <= 0), nil
		case ">":
			return triOf(cmp > 0), nil
		case ">=":
			return triOf(cmp >= 0), nil
		}
	case *notExpr:
		t, err := c.cond(x.e, row)
		return t.not(), err
	case *isNullExpr:
		v, err := c.eval(x.e, row)
		if err != nil {
			return 0, err
		}
		return triOf((v.kind == vNull) != x.neg), nil
	case *inExpr:
		v, err := c.eval(x.e, row)
		if err != nil || v.kind == vNull {
			return triUnknown, err
		}
		res := triFalse
		for _, it := range x.list {
			w, err := c.eval(it, row)
			if err != nil {
				return 0, err
			}
			if w.kind == vNull {
				res = triUnknown
				continue
			}
			cmp, err := compareValues(v, w, c.loc)
			if err != nil {
				return 0, err
			}
			if cmp == 0 {
				res = triTrue
				break
			}
		}
		if x.neg {
			return res.not(), nil
		}
		return res, nil
	case *likeExpr:
		v, err := c.eval(x.e, row)
		if err != nil {
			return 0, err
		}
		p, err := c.eval(x.pat, row)
		if err != nil {
			return 0, err
		}
		if v.kind == vNull || p.kind == vNull {
			return triUnknown, nil
		}
		re, err := likeRegexp(p.display(c.loc))
		if err != nil {
			return 0, err
		}
		return triOf(re.MatchString(v.display(c.loc)) != x.neg), nil
	case *betweenExpr:
		v, err := c.eval(x.e, row)
		if err != nil {
			return 0, err
		}
		lo, err := c.eval(x.lo, row)
		if err != nil {
			return 0, err
		}
		hi, err := c.eval(x.hi, row)
		if err != nil {
			return 0, err
		}
		if v.kind == vNull || lo.kind == vNull || hi.kind == vNull {
			return triUnknown, nil
		}
		a, err := compareValues(v, lo, c.loc)
		if err != nil {
			return 0, err
		}
		b, err := compareValues(v, hi, c.loc)
		if err != nil {
			return 0, err
		}
		return triOf((a >= 0 && b <= 0) != x.neg), nil
	case *litExpr, *colIdx, *callExpr, *nowExpr:
		return 0, fmt.Errorf("ORA-00920: invalid relational operator (a condition is expected)")
	}
	return 0, fmt.Errorf("unsupported condition")
}

func likeRegexp(p string) (*regexp.Regexp, error) {
	var b strings.Builder
	b.WriteString("^(?s)")
	for _, r := range p {
		switch r {
		case '%':
			b.WriteString(".*")
		case '_':
			b.WriteString(".")
		default:
			b.WriteString(regexp.QuoteMeta(string(r)))
		}
	}
	b.WriteString("$")
	return regexp.Compile(b.String())
}

// execute runs the query over the table's rows and returns the result
// items in order, rendered as SuiteQL does (strings, null columns left out).
func (cq *compiledQuery) execute(rows [][]sqlValue, ctx *evalCtx) ([]map[string]any, error) {
	var kept [][]sqlValue
	for _, row := range rows {
		if cq.where != nil {
			t, err := ctx.cond(cq.where, row)
			if err != nil {
				return nil, err
			}
			if t != triTrue {
				continue
			}
		}
		kept = append(kept, row)
	}
	if cq.agg {
		item, err := cq.aggregate(kept, ctx)
		if err != nil {
			return nil, err
		}
		return []map[string]any{item}, nil
	}
	if len(cq.order) > 0 {
		keys := make([][]sqlValue, len(kept))
		for i, row := range kept {
			keys[i] = make([]sqlValue, len(cq.order))
			for j, o := range cq.order {
				v, err := ctx.eval(o.e, row)
				if err != nil {
					return nil, err
				}
				keys[i][j] = v
			}
		}
		idx := make([]int, len(kept))
		for i := range idx {
			idx[i] = i
		}
		var sortErr error
		sort.SliceStable(idx, func(a, b int) bool {
			for j, o := range cq.order {
				x, y := keys[idx[a]][j], keys[idx[b]][j]
				if x.kind == vNull || y.kind == vNull {
					if x.kind == y.kind {
						continue
					}
					return (x.kind == vNull) == o.nullsFirst
				}
				cmp, err := compareValues(x, y, ctx.loc)
				if err != nil {
					sortErr = err
					return false
				}
				if cmp != 0 {
					return (cmp < 0) != o.desc
				}
			}
			return false
		})
		if sortErr != nil {
			return nil, sortErr
		}
		sorted := make([][]sqlValue, len(kept))
		for i, j := range idx {
			sorted[i] = kept[j]
		}
		kept = sorted
	}
	out := make([]map[string]any, 0, len(kept))
	seen := map[string]bool{}
	for _, row := range kept {
		item := map[string]any{"links": []link{}}
		var sig strings.Builder
		for _, it := range cq.items {
			v, err := ctx.eval(it.e, row)
			if err != nil {
				return nil, err
			}
			if v.kind != vNull {
				item[it.name] = v.display(ctx.loc)
			}
			if cq.distinct {
				fmt.Fprintf(&sig, "%d:%s\x00", v.kind, v.display(ctx.loc))
			}
		}
		if cq.distinct {
			if seen[sig.String()] {
				continue
			}
			seen[sig.String()] = true
		}
		out = append(out, item)
	}
	return out, nil
}

func (cq *compiledQuery) aggregate(rows [][]sqlValue, ctx *evalCtx) (map[string]any, error) {
	item := map[string]any{"links": []link{}}
	for _, it := range cq.items {
		c := it.e.(*callExpr)
		var acc sqlValue
		count := 0
		for _, row := range rows {
			if c.star {
				count++
				continue
			}
			v, err := ctx.eval(c.args[0], row)
			if err != nil {
				return nil, err
			}
			if v.kind == vNull {
				continue
			}
			count++
			if acc.kind == vNull {
				acc = v
				continue
			}
			cmp, err := compareValues(v, acc, ctx.loc)
			if err != nil {
				return nil, err
			}
			if c.fn == "MIN" && cmp < 0 || c.fn == "MAX" && cmp > 0 {
				acc = v
			}
		}
		if c.fn == "COUNT" {
			acc = numVal(float64(count))
		}
		if acc.kind != vNull {
			item[it.name] = acc.display(ctx.loc)
		}
	}
	return item, nil
}
