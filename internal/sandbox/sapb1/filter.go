package sapb1

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"
)

// The $filter subset the simulator understands, as OData v3 writes it:
//
//	expr    = and { "or" and }
//	and     = unary { "and" unary }
//	unary   = "not" unary | "(" expr ")" | func | operand op operand
//	func    = ("startswith" | "endswith") "(" Prop "," literal ")"
//	        | "substringof" "(" literal "," Prop ")"
//	op      = eq | ne | gt | ge | lt | le
//	operand = Prop | 'string' | datetime'…' | time'…' | number | null | true | false
//
// A comparison needs a property on at least one side. Literals are typed by
// the property they are compared with: an Edm.DateTime property compares
// dates only (B1 ignores any time part of the literal), an Edm.Time property
// compares times of day only (B1 ignores any date part).

// filterNode is a parsed $filter expression.
type filterNode interface {
	eval(e entity) bool
}

type tokenKind int

const (
	tokIdent tokenKind = iota
	tokString
	tokNumber
	tokLParen
	tokRParen
	tokComma
	tokEOF
)

type token struct {
	kind   tokenKind
	text   string // identifier, number text, or string value (unquoted)
	prefix string // datetime, time, datetimeoffset, guid for typed string literals
	pos    int
}

func tokenize(s string) ([]token, error) {
	var out []token
	i := 0
	for i < len(s) {
		c := rune(s[i])
		switch {
		case unicode.IsSpace(c):
			i++
		case c == '(':
			out = append(out, token{kind: tokLParen, pos: i})
			i++
		case c == ')':
			out = append(out, token{kind: tokRParen, pos: i})
			i++
		case c == ',':
			out = append(out, token{kind: tokComma, pos: i})
			i++
		case c == '\'':
			str, n, err := readQuoted(s, i)
			if err != nil {
				return nil, err
			}
			out = append(out, token{kind: tokString, text: str, pos: i})
			i = n
		case c == '-' || c == '.' || unicode.IsDigit(c):
			j := i + 1
			for j < len(s) && (unicode.IsDigit(rune(s[j])) || s[j] == '.' || s[j] == 'e' || s[j] == 'E') {
				j++
			}
			text := s[i:j]
			// OData numeric suffixes: 1.5d, 10L, 2.5m, 1f.
			if j < len(s) && strings.ContainsRune("dDlLmMfF", rune(s[j])) {
				j++
			}
			if _, err := strconv.ParseFloat(text, 64); err != nil {
				return nil, fmt.Errorf("invalid number %q at position %d", text, i)
			}
			out = append(out, token{kind: tokNumber, text: text, pos: i})
			i = j
		case unicode.IsLetter(c) || c == '_':
			j := i
			for j < len(s) && (unicode.IsLetter(rune(s[j])) || unicode.IsDigit(rune(s[j])) || s[j] == '_' || s[j] == '/') {
				j++
			}
			word := s[i:j]
			if j < len(s) && s[j] == '\'' {
				switch strings.ToLower(word) {
				case "datetime", "time", "datetimeoffset", "guid":
					str, n, err := readQuoted(s, j)
					if err != nil {
						return nil, err
					}
					out = append(out, token{kind: tokString, text: str, prefix: strings.ToLower(word), pos: i})
					i = n
					continue
				}
			}
			out = append(out, token{kind: tokIdent, text: word, pos: i})
			i = j
		default:
			return nil, fmt.Errorf("unexpected character %q at position %d", c, i)
		}
	}
	return append(out, token{kind: tokEOF, pos: len(s)}), nil
}

// readQuoted reads a single-quoted literal starting at s[i] == '\”; a
// doubled quote stands for one quote.
func readQuoted(s string, i int) (string, int, error) {
	var b strings.Builder
	j := i + 1
	for j < len(s) {
		if s[j] == '\'' {
			if j+1 < len(s) && s[j+1] == '\'' {
				b.WriteByte('\'')
				j += 2
				continue
			}
			return b.String(), j + 1, nil
		}
		b.WriteByte(s[j])
		j++
	}
	return "", 0, fmt.Errorf("unterminated string literal at position %d", i)
}

type filterParser struct {
	def  *entityDef
	toks []token
	i    int
}

// parseFilter parses a $filter value against an entity set's properties.
func parseFilter(def *entityDef, s string) (filterNode, error) {
	toks, err := tokenize(s)
	if err != nil {
		return nil, err
	}
	p := &filterParser{def: def, toks: toks}
	n, err := p.expr()
	if err != nil {
		return nil, err
	}
	if t := p.peek(); t.kind != tokEOF {
		return nil, fmt.Errorf("unexpected %s at position %d", describe(t), t.pos)
	}
	return n, nil
}

func (p *filterParser) peek() token { return p.toks[p.i] }
func (p *filterParser) take() token { t := p.toks[p.i]; p.i++; return t }

func (p *filterParser) keyword(word string) bool {
	t := p.peek()
	if t.kind == tokIdent && strings.EqualFold(t.text, word) {
		p.i++
		return true
	}
	return false
}

func describe(t token) string {
	switch t.kind {
	case tokEOF:
		return "end of expression"
	case tokString:
		return fmt.Sprintf("literal '%s'", t.text)
	case tokLParen:
		return "'('"
	case tokRParen:
		return "')'"
	case tokComma:
		return "','"
	}
	return fmt.Sprintf("%q", t.text)
}

func (p *filterParser) expr() (filterNode, error) {
	left, err := p.and()
	if err != nil {
		return nil, err
	}
	for p.keyword("or") {
		right, err := p.and()
		if err != nil {
			return nil, err
		}
		left = orNode{left, right}
	}
	return left, nil
}

func (p *filterParser) and() (filterNode, error) {
	left, err := p.unary()
	if err != nil {
		return nil, err
	}
	for p.keyword("and") {
		right, err := p.unary()
		if err != nil {
			return nil, err
		}
		left = andNode{left, right}
	}
	return left, nil
}

func (p *filterParser) unary() (filterNode, error) {
	if p.keyword("not") {
		n, err := p.unary()
		if err != nil {
			return nil, err
		}
		return notNode{n}, nil
	}
	t := p.peek()
	if t.kind == tokLParen {
		p.i++
		n, err := p.expr()
		if err != nil {
			return nil, err
		}
		if p.take().kind != tokRParen {
			return nil, fmt.Errorf("missing ')' for '(' at position %d", t.pos)
		}
		return n, nil
	}
	if t.kind == tokIdent && p.toks[p.i+1].kind == tokLParen {
		return p.function()
	}
	return p.comparison()
}

var comparisonOps = map[string]bool{"eq": true, "ne": true, "gt": true, "ge": true, "lt": true, "le": true}

func (p *filterParser) comparison() (filterNode, error) {
	left, err := p.operand()
	if err != nil {
		return nil, err
	}
	opTok := p.take()
	op := strings.ToLower(opTok.text)
	if opTok.kind != tokIdent || !comparisonOps[op] {
		return nil, fmt.Errorf("expected a comparison operator (eq, ne, gt, ge, lt, le) at position %d, got %s", opTok.pos, describe(opTok))
	}
	right, err := p.operand()
	if err != nil {
		return nil, err
	}
	switch {
	case left.prop != nil && right.prop != nil:
		return nil, fmt.Errorf("comparing two properties (%s, %s) is not supported", left.prop.name, right.prop.name)
	case left.prop == nil && right.prop == nil:
		return nil, fmt.Errorf("comparison at position %d has no property", opTok.pos)
	case right.prop != nil:
		// Put the property on the left: 'X' lt Prop is Prop gt 'X'.
		left, right = right, left
		op = map[string]string{"eq": "eq", "ne": "ne", "gt": "lt", "ge": "le", "lt": "gt", "le": "ge"}[op]
	}
	lit, err := typedLiteral(left.prop, right.tok)
	if err != nil {
		return nil, err
	}
	return compareNode{prop: left.prop, op: op, lit: lit}, nil
}

// operandTok is a property reference or a literal token.
type operandTok struct {
	prop *propDef
	tok  token
}

func (p *filterParser) operand() (operandTok, error) {
	t := p.take()
	switch t.kind {
	case tokString, tokNumber:
		return operandTok{tok: t}, nil
	case tokIdent:
		switch strings.ToLower(t.text) {
		case "null", "true", "false":
			return operandTok{tok: t}, nil
		}
		prop, ok := p.def.prop(t.text)
		if !ok {
			return operandTok{}, fmt.Errorf("Property '%s' of '%s' is invalid", t.text, p.def.typeName)
		}
		if prop.kind == edmCollection {
			return operandTok{}, fmt.Errorf("collection property '%s' cannot be compared", t.text)
		}
		return operandTok{prop: prop}, nil
	}
	return operandTok{}, fmt.Errorf("expected a property or a literal at position %d, got %s", t.pos, describe(t))
}

func (p *filterParser) function() (filterNode, error) {
	name := strings.ToLower(p.take().text)
	p.take() // (
	a, err := p.operand()
	if err != nil {
		return nil, err
	}
	if t := p.take(); t.kind != tokComma {
		return nil, fmt.Errorf("expected ',' in %s() at position %d", name, t.pos)
	}
	b, err := p.operand()
	if err != nil {
		return nil, err
	}
	if t := p.take(); t.kind != tokRParen {
		return nil, fmt.Errorf("expected ')' closing %s() at position %d", name, t.pos)
	}
	switch name {
	case "startswith", "endswith":
		if a.prop == nil || b.tok.kind != tokString {
			return nil, fmt.Errorf("%s needs a property and a string literal", name)
		}
		return stringFuncNode{name, a.prop, b.tok.text}, nil
	case "substringof":
		if b.prop == nil || a.tok.kind != tokString {
			return nil, fmt.Errorf("substringof needs a string literal and a property")
		}
		return stringFuncNode{name, b.prop, a.tok.text}, nil
	}
	return nil, fmt.Errorf("unsupported function %s()", name)
}

// typedLiteral converts a literal token to the comparable value of the
// property's kind (see compareValues).
func typedLiteral(prop *propDef, t token) (any, error) {
	if t.kind == tokIdent {
		switch strings.ToLower(t.text) {
		case "null":
			return nil, nil
		case "true", "false":
			return nil, fmt.Errorf("boolean literal %s cannot be compared with %s", t.text, prop.name)
		}
	}
	switch prop.kind {
	case edmInt32, edmDouble:
		if t.kind != tokNumber {
			return nil, fmt.Errorf("%s is numeric; %s is not a number", prop.name, describe(t))
		}
		f, _ := strconv.ParseFloat(t.text, 64)
		return f, nil
	case edmDateTime:
		if t.kind != tokString {
			return nil, fmt.Errorf("%s is a date; use '%s' or datetime'YYYY-MM-DDT00:00:00'", prop.name, "YYYY-MM-DD")
		}
		d, err := parseDate(t.text)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", prop.name, err)
		}
		return d, nil
	case edmTime:
		if t.kind != tokString {
			return nil, fmt.Errorf("%s is a time of day; use 'HH:MM:SS'", prop.name)
		}
		secs, err := parseTimeOfDay(t.text)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", prop.name, err)
		}
		return secs, nil
	case edmEnum:
		if t.kind != tokString {
			return nil, fmt.Errorf("%s is an enumeration; use a quoted member name", prop.name)
		}
		for _, m := range prop.members {
			if m == t.text {
				return t.text, nil
			}
		}
		return nil, fmt.Errorf("'%s' is not a valid value of %s (%s)", t.text, prop.name, strings.Join(prop.members, ", "))
	default:
		if t.kind != tokString {
			return nil, fmt.Errorf("%s is a string; quote the literal", prop.name)
		}
		return t.text, nil
	}
}

type orNode struct{ a, b filterNode }

func (n orNode) eval(e entity) bool { return n.a.eval(e) || n.b.eval(e) }

type andNode struct{ a, b filterNode }

func (n andNode) eval(e entity) bool { return n.a.eval(e) && n.b.eval(e) }

type notNode struct{ n filterNode }

func (n notNode) eval(e entity) bool { return !n.n.eval(e) }

type compareNode struct {
	prop *propDef
	op   string
	lit  any // nil for null
}

func (n compareNode) eval(e entity) bool {
	v := comparable(n.prop, e[n.prop.name])
	if n.lit == nil || v == nil {
		same := n.lit == nil && v == nil
		switch n.op {
		case "eq":
			return same
		case "ne":
			return !same
		}
		return false // ordering against null matches nothing, as in SQL
	}
	c := compareValues(v, n.lit)
	switch n.op {
	case "eq":
		return c == 0
	case "ne":
		return c != 0
	case "gt":
		return c > 0
	case "ge":
		return c >= 0
	case "lt":
		return c < 0
	default:
		return c <= 0
	}
}

type stringFuncNode struct {
	name string
	prop *propDef
	arg  string
}

func (n stringFuncNode) eval(e entity) bool {
	s, ok := e[n.prop.name].(string)
	if !ok {
		return false
	}
	switch n.name {
	case "startswith":
		return strings.HasPrefix(s, n.arg)
	case "endswith":
		return strings.HasSuffix(s, n.arg)
	default:
		return strings.Contains(s, n.arg)
	}
}
