package netsuite

import (
	"fmt"
	"math"
	"math/rand/v2"
	"regexp"
	"sort"
	"strings"
	"time"
)

// evalCtx evaluates expressions over one row.
type evalCtx struct {
	prefs   userPrefs
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
			return strVal(l.display(c.prefs) + r.display(c.prefs)), nil
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
			t, err := args[0].asTime(c.prefs)
			return dateTimeVal(t), err
		}
		el, err := c.format(args[1].s)
		if err != nil {
			return sqlValue{}, err
		}
		t, err := parseTime(args[0].display(c.prefs), el, c.prefs.loc)
		return dateTimeVal(t), err
	case "TO_CHAR":
		if args[0].kind != vDate && args[0].kind != vDateTime {
			return strVal(args[0].display(c.prefs)), nil
		}
		if len(args) == 1 {
			return strVal(args[0].display(c.prefs)), nil
		}
		el, err := c.format(args[1].s)
		if err != nil {
			return sqlValue{}, err
		}
		return strVal(formatTime(args[0].t.In(c.prefs.loc), el)), nil
	case "TO_NUMBER":
		f, ok := toNumber(args[0])
		if !ok {
			return sqlValue{}, fmt.Errorf("ORA-01722: invalid number")
		}
		return numVal(f), nil
	case "TRUNC":
		if args[0].kind == vDate || args[0].kind == vDateTime {
			t := args[0].t.In(c.prefs.loc)
			return dateTimeVal(time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, c.prefs.loc)), nil
		}
		f, ok := toNumber(args[0])
		if !ok {
			return sqlValue{}, fmt.Errorf("ORA-01722: invalid number")
		}
		return numVal(float64(int64(f))), nil
	case "ABS":
		f, ok := toNumber(args[0])
		if !ok {
			return sqlValue{}, fmt.Errorf("ORA-01722: invalid number")
		}
		return numVal(math.Abs(f)), nil
	case "UPPER":
		return strVal(strings.ToUpper(args[0].display(c.prefs))), nil
	case "LOWER":
		return strVal(strings.ToLower(args[0].display(c.prefs))), nil
	case "BUILTIN.DF":
		return strVal(args[0].display(c.prefs)), nil
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
		cmp, err := compareValues(l, r, c.prefs)
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
			cmp, err := compareValues(v, w, c.prefs)
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
		re, err := likeRegexp(p.display(c.prefs))
		if err != nil {
			return 0, err
		}
		return triOf(re.MatchString(v.display(c.prefs)) != x.neg), nil
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
		a, err := compareValues(v, lo, c.prefs)
		if err != nil {
			return 0, err
		}
		b, err := compareValues(v, hi, c.prefs)
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

// queryResult is the rendered result of a query with its ties: rows whose
// ORDER BY keys are equal (every row, without ORDER BY) form a tie group,
// and NetSuite does not keep their order from one page request to the next.
type queryResult struct {
	items []map[string]any
	group []int // group[i] is the tie group of items[i]; groups are consecutive
	start []int // start[g] is the index of the first item of group g
}

// execute runs the query over the table's rows and returns the result
// items in order, rendered as SuiteQL does (strings, null columns left out).
func (cq *compiledQuery) execute(rows [][]sqlValue, ctx *evalCtx) (*queryResult, error) {
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
		return &queryResult{items: []map[string]any{item}, group: []int{0}, start: []int{0}}, nil
	}
	groups := make([]int, len(kept)) // without ORDER BY every row ties
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
				cmp, err := compareValues(x, y, ctx.prefs)
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
			if i > 0 && !sameKeys(keys[idx[i-1]], keys[j], ctx.prefs) {
				groups[i] = groups[i-1] + 1
			} else if i > 0 {
				groups[i] = groups[i-1]
			}
		}
		kept = sorted
	}
	res := &queryResult{items: make([]map[string]any, 0, len(kept))}
	seen := map[string]bool{}
	for n, row := range kept {
		item := map[string]any{"links": []link{}}
		var sig strings.Builder
		for _, it := range cq.items {
			v, err := ctx.eval(it.e, row)
			if err != nil {
				return nil, err
			}
			if v.kind != vNull {
				item[it.name] = v.display(ctx.prefs)
			}
			if cq.distinct {
				fmt.Fprintf(&sig, "%d:%s\x00", v.kind, v.display(ctx.prefs))
			}
		}
		if cq.distinct {
			if seen[sig.String()] {
				continue
			}
			seen[sig.String()] = true
		}
		g := 0
		if len(res.items) > 0 {
			g = res.group[len(res.items)-1]
			if groups[n] != groups[n-1] {
				g++
			}
		}
		if len(res.start) == g {
			res.start = append(res.start, len(res.items))
		}
		res.items = append(res.items, item)
		res.group = append(res.group, g)
	}
	return res, nil
}

// sameKeys reports whether two ORDER BY key tuples are equal.
func sameKeys(a, b []sqlValue, p userPrefs) bool {
	for j := range a {
		if a[j].kind == vNull || b[j].kind == vNull {
			if a[j].kind != b[j].kind {
				return false
			}
			continue
		}
		if cmp, err := compareValues(a[j], b[j], p); err != nil || cmp != 0 {
			return false
		}
	}
	return true
}

// page returns items [offset, end) as one page request sees them: within
// each tie group the order is a permutation drawn from seed, so two
// requests for different pages may disagree on the order of tied rows and
// a client paging without a unique ORDER BY sees rows twice or never.
func (r *queryResult) page(offset, end int, seed uint64) []map[string]any {
	out := make([]map[string]any, 0, max(end-offset, 0))
	perms := map[int][]int{}
	for i := offset; i < end; i++ {
		g := r.group[i]
		first := r.start[g]
		last := len(r.items)
		if g+1 < len(r.start) {
			last = r.start[g+1]
		}
		if last-first == 1 {
			out = append(out, r.items[i])
			continue
		}
		perm, ok := perms[g]
		if !ok {
			perm = rand.New(rand.NewPCG(seed, uint64(g))).Perm(last - first)
			perms[g] = perm
		}
		out = append(out, r.items[first+perm[i-first]])
	}
	return out
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
			cmp, err := compareValues(v, acc, ctx.prefs)
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
			item[it.name] = acc.display(ctx.prefs)
		}
	}
	return item, nil
}
