package synctask

import (
	"bytes"
	"slices"
	"sync"
	"unicode/utf8"
)

// The fast path of CanonicalJSON: a single pass over the document that
// writes the canonical form directly, without decoding into maps and
// interfaces (which made canonicalising the larger part of staging's CPU
// time). It takes only documents whose canonical form it can produce byte
// for byte like the general path (writeCanonical over encoding/json) and
// reports false for anything else, which then goes the general way:
//
//   - strings without escapes, control bytes, invalid UTF-8 or U+2028/U+2029
//     (those are re-encoded by encoding/json and are left to it);
//   - objects without duplicate keys (the general path keeps the last one);
//   - nesting up to fastMaxDepth;
//   - nothing but whitespace after the document (encoding/json's Decoder
//     has its own rules for what may follow, so they stay its business).
//
// The two paths are held equal by TestCanonicalFastPathMatchesGeneralPath
// and FuzzCanonicalFastPathMatchesGeneralPath.

const fastMaxDepth = 200

// fastCanon holds the reusable buffers of one canonicalisation.
type fastCanon struct {
	in  []byte
	pos int
	out []byte
	// scratch holds the members of the objects being sorted.
	scratch []byte
	// members is a stack of the members of the objects being read; each
	// object uses the part above where it started.
	members []member
}

var fastCanonPool = sync.Pool{New: func() any { return new(fastCanon) }}

// fastCanonical appends the canonical form of doc to dst; ok is false when
// doc is outside the fast path's subset (or not JSON at all).
func fastCanonical(dst, doc []byte) (out []byte, ok bool) {
	p := fastCanonPool.Get().(*fastCanon)
	defer func() {
		p.in, p.out = nil, nil
		p.scratch, p.members = p.scratch[:0], p.members[:0]
		fastCanonPool.Put(p)
	}()
	p.in, p.pos, p.out = doc, 0, dst
	if !p.value(0) {
		return nil, false
	}
	p.space()
	if p.pos != len(p.in) {
		return nil, false
	}
	return p.out, true
}

func (p *fastCanon) space() {
	for p.pos < len(p.in) {
		switch p.in[p.pos] {
		case ' ', '\t', '\n', '\r':
			p.pos++
		default:
			return
		}
	}
}

func (p *fastCanon) value(depth int) bool {
	p.space()
	if p.pos >= len(p.in) {
		return false
	}
	switch c := p.in[p.pos]; {
	case c == '{':
		return depth < fastMaxDepth && p.object(depth+1)
	case c == '[':
		return depth < fastMaxDepth && p.array(depth+1)
	case c == '"':
		s, ok := p.str()
		if ok {
			p.out = append(p.out, '"')
			p.out = append(p.out, s...)
			p.out = append(p.out, '"')
		}
		return ok
	case c == '-' || (c >= '0' && c <= '9'):
		return p.number()
	default:
		for _, lit := range [...]string{"true", "false", "null"} {
			if bytes.HasPrefix(p.in[p.pos:], []byte(lit)) {
				p.pos += len(lit)
				p.out = append(p.out, lit...)
				return true
			}
		}
		return false
	}
}

// str reads a string at pos and returns its contents, which are also its
// canonical encoding.
func (p *fastCanon) str() ([]byte, bool) {
	start := p.pos + 1
	ascii := true
	for i := start; i < len(p.in); i++ {
		switch c := p.in[i]; {
		case c == '"':
			s := p.in[start:i]
			if !ascii && (!utf8.Valid(s) || bytes.Contains(s, []byte("\u2028")) || bytes.Contains(s, []byte("\u2029"))) {
				return nil, false
			}
			p.pos = i + 1
			return s, true
		case c == '\\' || c < 0x20:
			return nil, false
		case c >= 0x80:
			ascii = false
		}
	}
	return nil, false
}

func (p *fastCanon) number() bool {
	start := p.pos
	i := p.pos
	if p.in[i] == '-' {
		i++
	}
	digits := func() int {
		n := 0
		for i < len(p.in) && p.in[i] >= '0' && p.in[i] <= '9' {
			i++
			n++
		}
		return n
	}
	switch {
	case i < len(p.in) && p.in[i] == '0':
		i++
	case digits() == 0:
		return false
	}
	if i < len(p.in) && p.in[i] == '.' {
		i++
		if digits() == 0 {
			return false
		}
	}
	if i < len(p.in) && (p.in[i] == 'e' || p.in[i] == 'E') {
		i++
		if i < len(p.in) && (p.in[i] == '+' || p.in[i] == '-') {
			i++
		}
		if digits() == 0 {
			return false
		}
	}
	n, err := canonicalNumber(string(p.in[start:i]))
	if err != nil {
		return false
	}
	p.pos = i
	p.out = append(p.out, n...)
	return true
}

func (p *fastCanon) array(depth int) bool {
	p.pos++ // [
	p.out = append(p.out, '[')
	p.space()
	if p.pos < len(p.in) && p.in[p.pos] == ']' {
		p.pos++
		p.out = append(p.out, ']')
		return true
	}
	for {
		if !p.value(depth) {
			return false
		}
		p.space()
		if p.pos >= len(p.in) {
			return false
		}
		switch p.in[p.pos] {
		case ',':
			p.pos++
			p.out = append(p.out, ',')
		case ']':
			p.pos++
			p.out = append(p.out, ']')
			return true
		default:
			return false
		}
	}
}

// member is one object member while its object is being sorted: the key
// (raw, which is its decoded form on the fast path) and where its canonical
// value sits in out.
type member struct {
	key        []byte
	start, end int
}

func (p *fastCanon) object(depth int) bool {
	p.pos++ // {
	p.space()
	if p.pos < len(p.in) && p.in[p.pos] == '}' {
		p.pos++
		p.out = append(p.out, "{}"...)
		return true
	}
	base := len(p.out)
	mark := len(p.members)
	defer func() { p.members = p.members[:mark] }()
	for {
		p.space()
		if p.pos >= len(p.in) || p.in[p.pos] != '"' {
			return false
		}
		k, ok := p.str()
		if !ok {
			return false
		}
		p.space()
		if p.pos >= len(p.in) || p.in[p.pos] != ':' {
			return false
		}
		p.pos++
		start := len(p.out)
		if !p.value(depth) {
			return false
		}
		p.members = append(p.members, member{key: k, start: start, end: len(p.out)})
		p.space()
		if p.pos >= len(p.in) {
			return false
		}
		if p.in[p.pos] == '}' {
			p.pos++
			break
		}
		if p.in[p.pos] != ',' {
			return false
		}
		p.pos++
	}
	members := p.members[mark:]
	// Keys sort as Go strings (bytewise), as sort.Strings does.
	slices.SortFunc(members, func(a, b member) int { return bytes.Compare(a.key, b.key) })
	for i := 1; i < len(members); i++ {
		if bytes.Equal(members[i-1].key, members[i].key) {
			return false // duplicate key: the general path keeps the last
		}
	}
	p.scratch = append(p.scratch[:0], p.out[base:]...)
	p.out = append(p.out[:base], '{')
	for i, m := range members {
		if i > 0 {
			p.out = append(p.out, ',')
		}
		p.out = append(p.out, '"')
		p.out = append(p.out, m.key...)
		p.out = append(p.out, '"', ':')
		p.out = append(p.out, p.scratch[m.start-base:m.end-base]...)
	}
	p.out = append(p.out, '}')
	return true
}
