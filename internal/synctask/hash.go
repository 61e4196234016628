package synctask

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"
)

// ContentHash returns the hex SHA-256 of the canonical form of a JSON
// document: object keys sorted, insignificant whitespace removed, strings
// re-encoded, and numbers reduced to one form so that 1, 1.0, 1e0 and 10e-1
// hash alike (numbers are compared as exact decimals, never via float64).
func ContentHash(doc []byte) (string, error) {
	buf := hashBufPool.Get().(*[]byte)
	defer hashBufPool.Put(buf)
	canon, ok := fastCanonical((*buf)[:0], doc)
	if ok {
		*buf = canon
	} else {
		var err error
		if canon, err = canonicalGeneral(doc); err != nil {
			return "", err
		}
	}
	sum := sha256.Sum256(canon)
	return hex.EncodeToString(sum[:]), nil
}

var hashBufPool = sync.Pool{New: func() any { return new([]byte) }}

// CanonicalJSON rewrites doc in the canonical form ContentHash hashes.
func CanonicalJSON(doc []byte) ([]byte, error) {
	if canon, ok := fastCanonical(nil, doc); ok {
		return canon, nil
	}
	return canonicalGeneral(doc)
}

// canonicalGeneral is CanonicalJSON for any document, through
// encoding/json (see hash_fast.go for the common case).
func canonicalGeneral(doc []byte) ([]byte, error) {
	dec := json.NewDecoder(bytes.NewReader(doc))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("parsing JSON: %w", err)
	}
	if dec.More() {
		return nil, fmt.Errorf("parsing JSON: trailing data after the document")
	}
	var buf bytes.Buffer
	if err := writeCanonical(&buf, v); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func writeCanonical(buf *bytes.Buffer, v any) error {
	switch t := v.(type) {
	case nil:
		buf.WriteString("null")
	case bool:
		buf.WriteString(strconv.FormatBool(t))
	case json.Number:
		n, err := canonicalNumber(string(t))
		if err != nil {
			return err
		}
		buf.WriteString(n)
	case string:
		writeString(buf, t)
	case []any:
		buf.WriteByte('[')
		for i, e := range t {
			if i > 0 {
				buf.WriteByte(',')
			}
			if err := writeCanonical(buf, e); err != nil {
				return err
			}
		}
		buf.WriteByte(']')
	case map[string]any:
		keys := make([]string, 0, len(t))
		for k := range t {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		buf.WriteByte('{')
		for i, k := range keys {
			if i > 0 {
				buf.WriteByte(',')
			}
			writeString(buf, k)
			buf.WriteByte(':')
			if err := writeCanonical(buf, t[k]); err != nil {
				return err
			}
		}
		buf.WriteByte('}')
	default:
		return fmt.Errorf("canonicalising JSON: unexpected type %T", v)
	}
	return nil
}

func writeString(buf *bytes.Buffer, s string) {
	plain := true
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == '"' || c == '\\' || c >= 0x7f {
			plain = false
			break
		}
	}
	if plain { // the common case: nothing to escape
		buf.WriteByte('"')
		buf.WriteString(s)
		buf.WriteByte('"')
		return
	}
	enc := json.NewEncoder(buf)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s) // encoding a string cannot fail
	buf.Truncate(buf.Len() - 1)
}

// canonicalNumber turns a JSON number literal into "0" or
// "[-]D.DDDe<exp>" with no leading or trailing zeros in the digits, so every
// spelling of the same exact decimal value gives the same text.
func canonicalNumber(lit string) (string, error) {
	s := lit
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	exp := 0
	if i := strings.IndexAny(s, "eE"); i >= 0 {
		e, err := strconv.Atoi(strings.TrimPrefix(s[i+1:], "+"))
		if err != nil {
			return "", fmt.Errorf("canonicalising number %q: %w", lit, err)
		}
		exp = e
		s = s[:i]
	}
	intPart, frac, _ := strings.Cut(s, ".")
	digits := intPart + frac
	exp -= len(frac)
	digits = strings.TrimLeft(digits, "0")
	if digits == "" {
		return "0", nil
	}
	trimmed := strings.TrimRight(digits, "0")
	exp += len(digits) - len(trimmed)
	// value = trimmed × 10^exp; normalise to one digit before the point.
	exp += len(trimmed) - 1
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	b.WriteByte(trimmed[0])
	if len(trimmed) > 1 {
		b.WriteByte('.')
		b.WriteString(trimmed[1:])
	}
	b.WriteByte('e')
	b.WriteString(strconv.Itoa(exp))
	return b.String(), nil
}
