package netsuite

import (
	"fmt"
	"strconv"
	"strings"
)

// The SuiteQL subset the simulator understands:
//
//	SELECT [DISTINCT] * | expr [[AS] alias], ...
//	FROM table [alias]
//	[WHERE condition]
//	[ORDER BY expr|alias|position [ASC|DESC] [NULLS FIRST|LAST], ...]
//
// Conditions combine comparisons (=, <>, !=, <, <=, >, >=), IS [NOT] NULL,
// [NOT] IN (...), [NOT] LIKE, [NOT] BETWEEN ... AND ... with AND, OR, NOT
// and parentheses. Expressions are columns (optionally qualified by the
// table alias), string and number literals, || concatenation and the
// functions TO_DATE, TO_TIMESTAMP, TO_CHAR, TO_NUMBER, TRUNC, UPPER, LOWER,
// NVL, COALESCE and BUILTIN.DF, the aggregates COUNT, MIN and MAX (over the
// whole result, without GROUP BY), ANSI DATE '...' and TIMESTAMP '...'
// literals, plus SYSDATE and CURRENT_DATE. Joins,
// GROUP BY and subqueries are refused with a clear error.

// AST nodes.
type (
	sqlExpr  interface{}
	colRef   struct{ name string }
	litExpr  struct{ v sqlValue }
	callExpr struct {
		fn   string
		args []sqlExpr
		star bool // COUNT(*)
	}
	binExpr struct {
		op   string
		l, r sqlExpr
	}
	notExpr    struct{ e sqlExpr }
	isNullExpr struct {
		e   sqlExpr
		neg bool
	}
	inExpr struct {
		e    sqlExpr
		list []sqlExpr
		neg  bool
	}
	likeExpr struct {
		e, pat sqlExpr
		neg    bool
	}
	betweenExpr struct {
		e, lo, hi sqlExpr
		neg       bool
	}
)

type selectItem struct {
	e     sqlExpr
	alias string
	star  bool
}

type orderItem struct {
	e          sqlExpr
	desc       bool
	nullsFirst bool
}

type suiteQuery struct {
	distinct bool
	items    []selectItem
	table    string
	alias    string
	where    sqlExpr
	order    []orderItem
}

type parser struct {
	toks []token
	i    int
}

func (p *parser) peek() token { return p.toks[p.i] }
func (p *parser) next() token {
	t := p.toks[p.i]
	if t.kind != tkEOF {
		p.i++
	}
	return t
}
func (p *parser) isKw(kw string) bool { t := p.peek(); return t.kind == tkIdent && t.up == kw }
func (p *parser) isOp(op string) bool { t := p.peek(); return t.kind == tkOp && t.s == op }
func (p *parser) acceptKw(kw string) bool {
	if p.isKw(kw) {
		p.i++
		return true
	}
	return false
}
func (p *parser) acceptOp(op string) bool {
	if p.isOp(op) {
		p.i++
		return true
	}
	return false
}
func (p *parser) expectKw(kw string) error {
	if !p.acceptKw(kw) {
		return p.errorf("expected %s", kw)
	}
	return nil
}
func (p *parser) expectOp(op string) error {
	if !p.acceptOp(op) {
		return p.errorf("expected '%s'", op)
	}
	return nil
}
func (p *parser) errorf(format string, args ...any) error {
	t := p.peek()
	near := t.s
	if t.kind == tkEOF {
		near = "end of query"
	}
	return fmt.Errorf("%s near %q at position %d", fmt.Sprintf(format, args...), near, t.pos)
}

// reserved words that end an expression or cannot be aliases.
var reserved = map[string]bool{
	"SELECT": true, "FROM": true, "WHERE": true, "ORDER": true, "BY": true, "AND": true, "OR": true,
	"NOT": true, "IS": true, "NULL": true, "IN": true, "LIKE": true, "BETWEEN": true, "AS": true,
	"ASC": true, "DESC": true, "JOIN": true, "LEFT": true, "RIGHT": true, "INNER": true, "OUTER": true,
	"ON": true, "GROUP": true, "HAVING": true, "UNION": true, "NULLS": true, "FETCH": true, "DISTINCT": true,
	"CROSS": true, "FULL": true,
}

func parseSuiteQL(q string) (*suiteQuery, error) {
	toks, err := lexSuiteQL(q)
	if err != nil {
		return nil, err
	}
	p := &parser{toks: toks}
	if err := p.expectKw("SELECT"); err != nil {
		return nil, err
	}
	sq := &suiteQuery{}
	sq.distinct = p.acceptKw("DISTINCT")
	for {
		if p.acceptOp("*") {
			sq.items = append(sq.items, selectItem{star: true})
		} else {
			e, err := p.parseExpr()
			if err != nil {
				return nil, err
			}
			it := selectItem{e: e}
			if p.acceptKw("AS") {
				t := p.next()
				if t.kind != tkIdent {
					return nil, p.errorf("expected an alias after AS")
				}
				it.alias = strings.ToLower(t.s)
			} else if t := p.peek(); t.kind == tkIdent && !reserved[t.up] {
				it.alias = strings.ToLower(p.next().s)
			}
			sq.items = append(sq.items, it)
		}
		if !p.acceptOp(",") {
			break
		}
	}
	if err := p.expectKw("FROM"); err != nil {
		return nil, err
	}
	t := p.next()
	if t.kind != tkIdent || reserved[t.up] {
		if t.kind == tkOp && t.s == "(" {
			return nil, fmt.Errorf("subqueries are not supported by the sandbox's SuiteQL")
		}
		return nil, p.errorf("expected a table name")
	}
	sq.table = strings.ToLower(t.s)
	if p.acceptKw("AS") || (p.peek().kind == tkIdent && !reserved[p.peek().up]) {
		a := p.next()
		if a.kind != tkIdent {
			return nil, p.errorf("expected a table alias")
		}
		sq.alias = strings.ToLower(a.s)
	}
	for _, kw := range []string{"JOIN", "LEFT", "RIGHT", "INNER", "CROSS", "FULL"} {
		if p.isKw(kw) {
			return nil, fmt.Errorf("joins are not supported by the sandbox's SuiteQL (query one table and join in the client)")
		}
	}
	if p.isOp(",") {
		return nil, fmt.Errorf("joins are not supported by the sandbox's SuiteQL (query one table and join in the client)")
	}
	if p.acceptKw("WHERE") {
		if sq.where, err = p.parseExpr(); err != nil {
			return nil, err
		}
	}
	if p.isKw("GROUP") || p.isKw("HAVING") || p.isKw("UNION") {
		return nil, fmt.Errorf("%s is not supported by the sandbox's SuiteQL", p.peek().up)
	}
	if p.acceptKw("ORDER") {
		if err := p.expectKw("BY"); err != nil {
			return nil, err
		}
		for {
			e, err := p.parseExpr()
			if err != nil {
				return nil, err
			}
			oi := orderItem{e: e}
			if p.acceptKw("DESC") {
				oi.desc = true
			} else {
				p.acceptKw("ASC")
			}
			oi.nullsFirst = oi.desc // Oracle's default: NULLS LAST ascending, FIRST descending
			if p.acceptKw("NULLS") {
				switch {
				case p.acceptKw("FIRST"):
					oi.nullsFirst = true
				case p.acceptKw("LAST"):
					oi.nullsFirst = false
				default:
					return nil, p.errorf("expected FIRST or LAST after NULLS")
				}
			}
			sq.order = append(sq.order, oi)
			if !p.acceptOp(",") {
				break
			}
		}
	}
	if p.peek().kind != tkEOF {
		return nil, p.errorf("unexpected input")
	}
	return sq, nil
}

func (p *parser) parseExpr() (sqlExpr, error) { return p.parseOr() }

func (p *parser) parseOr() (sqlExpr, error) {
	l, err := p.parseAnd()
	if err != nil {
		return nil, err
	}
	for p.acceptKw("OR") {
		r, err := p.parseAnd()
		if err != nil {
			return nil, err
		}
		l = &binExpr{op: "OR", l: l, r: r}
	}
	return l, nil
}

func (p *parser) parseAnd() (sqlExpr, error) {
	l, err := p.parseNot()
	if err != nil {
		return nil, err
	}
	for p.acceptKw("AND") {
		r, err := p.parseNot()
		if err != nil {
			return nil, err
		}
		l = &binExpr{op: "AND", l: l, r: r}
	}
	return l, nil
}

func (p *parser) parseNot() (sqlExpr, error) {
	if p.acceptKw("NOT") {
		e, err := p.parseNot()
		if err != nil {
			return nil, err
		}
		return &notExpr{e: e}, nil
	}
	return p.parsePredicate()
}

func (p *parser) parsePredicate() (sqlExpr, error) {
	l, err := p.parseConcat()
	if err != nil {
		return nil, err
	}
	if t := p.peek(); t.kind == tkOp {
		switch t.s {
		case "=", "<>", "!=", "<", "<=", ">", ">=":
			p.next()
			r, err := p.parseConcat()
			if err != nil {
				return nil, err
			}
			op := t.s
			if op == "!=" {
				op = "<>"
			}
			return &binExpr{op: op, l: l, r: r}, nil
		}
	}
	if p.acceptKw("IS") {
		neg := p.acceptKw("NOT")
		if err := p.expectKw("NULL"); err != nil {
			return nil, err
		}
		return &isNullExpr{e: l, neg: neg}, nil
	}
	neg := p.acceptKw("NOT")
	switch {
	case p.acceptKw("IN"):
		if err := p.expectOp("("); err != nil {
			return nil, err
		}
		var list []sqlExpr
		for {
			e, err := p.parseConcat()
			if err != nil {
				return nil, err
			}
			list = append(list, e)
			if !p.acceptOp(",") {
				break
			}
		}
		if err := p.expectOp(")"); err != nil {
			return nil, err
		}
		return &inExpr{e: l, list: list, neg: neg}, nil
	case p.acceptKw("LIKE"):
		pat, err := p.parseConcat()
		if err != nil {
			return nil, err
		}
		return &likeExpr{e: l, pat: pat, neg: neg}, nil
	case p.acceptKw("BETWEEN"):
		lo, err := p.parseConcat()
		if err != nil {
			return nil, err
		}
		if err := p.expectKw("AND"); err != nil {
			return nil, err
		}
		hi, err := p.parseConcat()
		if err != nil {
			return nil, err
		}
		return &betweenExpr{e: l, lo: lo, hi: hi, neg: neg}, nil
	}
	if neg {
		return nil, p.errorf("expected IN, LIKE or BETWEEN after NOT")
	}
	return l, nil
}

func (p *parser) parseConcat() (sqlExpr, error) {
	l, err := p.parsePrimary()
	if err != nil {
		return nil, err
	}
	for p.acceptOp("||") {
		r, err := p.parsePrimary()
		if err != nil {
			return nil, err
		}
		l = &binExpr{op: "||", l: l, r: r}
	}
	return l, nil
}

func (p *parser) parsePrimary() (sqlExpr, error) {
	t := p.next()
	switch t.kind {
	case tkString:
		return &litExpr{v: strVal(t.s)}, nil
	case tkNumber:
		f, err := strconv.ParseFloat(t.s, 64)
		if err != nil {
			return nil, fmt.Errorf("invalid number %q at position %d", t.s, t.pos)
		}
		return &litExpr{v: numVal(f)}, nil
	case tkOp:
		switch t.s {
		case "(":
			if p.isKw("SELECT") {
				return nil, fmt.Errorf("subqueries are not supported by the sandbox's SuiteQL")
			}
			e, err := p.parseExpr()
			if err != nil {
				return nil, err
			}
			if err := p.expectOp(")"); err != nil {
				return nil, err
			}
			return e, nil
		case "-":
			n := p.next()
			if n.kind != tkNumber {
				return nil, p.errorf("expected a number after '-'")
			}
			f, err := strconv.ParseFloat(n.s, 64)
			if err != nil {
				return nil, fmt.Errorf("invalid number %q at position %d", n.s, n.pos)
			}
			return &litExpr{v: numVal(-f)}, nil
		}
	case tkIdent:
		if t.up == "NULL" {
			return &litExpr{v: sqlValue{}}, nil
		}
		if (t.up == "DATE" || t.up == "TIMESTAMP") && p.peek().kind == tkString {
			// ANSI literals: DATE 'YYYY-MM-DD', TIMESTAMP 'YYYY-MM-DD HH24:MI:SS[.FF]'.
			lit := p.next()
			fmtModel := "YYYY-MM-DD"
			if t.up == "TIMESTAMP" {
				fmtModel = "YYYY-MM-DD HH24:MI:SS"
				if strings.Contains(lit.s, ".") {
					fmtModel += ".FF"
				}
			}
			return &callExpr{fn: "TO_TIMESTAMP", args: []sqlExpr{&litExpr{v: strVal(lit.s)}, &litExpr{v: strVal(fmtModel)}}}, nil
		}
		if reserved[t.up] {
			p.i--
			return nil, p.errorf("unexpected keyword")
		}
		if p.acceptOp("(") {
			c := &callExpr{fn: t.up}
			if p.acceptOp("*") {
				c.star = true
			} else if !p.isOp(")") {
				for {
					e, err := p.parseExpr()
					if err != nil {
						return nil, err
					}
					c.args = append(c.args, e)
					if !p.acceptOp(",") {
						break
					}
				}
			}
			if err := p.expectOp(")"); err != nil {
				return nil, err
			}
			return c, nil
		}
		return &colRef{name: strings.ToLower(t.s)}, nil
	}
	p.i--
	return nil, p.errorf("unexpected token")
}
