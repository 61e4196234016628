package netsuite

import (
	"fmt"
	"strconv"
	"strings"
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
	"UPPER": {1, 1}, "LOWER": {1, 1}, "ABS": {1, 1}, "NVL": {2, 2}, "COALESCE": {1, 16}, "BUILTIN.DF": {1, 1},
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
