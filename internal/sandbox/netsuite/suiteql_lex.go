package netsuite

import (
	"fmt"
	"strings"
	"unicode"
)

// tokKind is the kind of a SuiteQL token.
type tokKind int

const (
	tkEOF tokKind = iota
	tkIdent
	tkString
	tkNumber
	tkOp
)

// token is one lexeme of a query; up is the upper-cased text of identifiers.
type token struct {
	kind tokKind
	s    string // identifiers upper-cased in .up
	up   string
	pos  int
}

func lexSuiteQL(q string) ([]token, error) {
	var toks []token
	i := 0
	for i < len(q) {
		c := q[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case c == '\'':
			var b strings.Builder
			j := i + 1
			for {
				if j >= len(q) {
					return nil, fmt.Errorf("unterminated string literal at position %d", i)
				}
				if q[j] == '\'' {
					if j+1 < len(q) && q[j+1] == '\'' {
						b.WriteByte('\'')
						j += 2
						continue
					}
					break
				}
				b.WriteByte(q[j])
				j++
			}
			toks = append(toks, token{kind: tkString, s: b.String(), pos: i})
			i = j + 1
		case c >= '0' && c <= '9':
			j := i
			for j < len(q) && (q[j] >= '0' && q[j] <= '9' || q[j] == '.') {
				j++
			}
			toks = append(toks, token{kind: tkNumber, s: q[i:j], pos: i})
			i = j
		case c == '_' || c == '"' || unicode.IsLetter(rune(c)):
			if c == '"' { // quoted identifier
				j := strings.IndexByte(q[i+1:], '"')
				if j < 0 {
					return nil, fmt.Errorf("unterminated quoted identifier at position %d", i)
				}
				name := q[i+1 : i+1+j]
				toks = append(toks, token{kind: tkIdent, s: name, up: strings.ToUpper(name), pos: i})
				i += j + 2
				continue
			}
			j := i
			for j < len(q) && (q[j] == '_' || q[j] == '.' || q[j] == '$' || q[j] == '#' || unicode.IsLetter(rune(q[j])) || q[j] >= '0' && q[j] <= '9') {
				j++
			}
			toks = append(toks, token{kind: tkIdent, s: q[i:j], up: strings.ToUpper(q[i:j]), pos: i})
			i = j
		default:
			two := ""
			if i+1 < len(q) {
				two = q[i : i+2]
			}
			switch two {
			case "<=", ">=", "<>", "!=", "||":
				toks = append(toks, token{kind: tkOp, s: two, pos: i})
				i += 2
				continue
			}
			if strings.IndexByte("(),*=<>+-", c) < 0 {
				return nil, fmt.Errorf("unexpected character %q at position %d", c, i)
			}
			toks = append(toks, token{kind: tkOp, s: string(c), pos: i})
			i++
		}
	}
	return append(toks, token{kind: tkEOF, pos: len(q)}), nil
}
