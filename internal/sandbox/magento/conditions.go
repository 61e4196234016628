package magento

import (
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// filterValue is a filter value prepared for comparisons.
type filterValue struct {
	raw   string
	num   float64
	isNum bool
}

func newFilterValue(v string) filterValue {
	v = strings.TrimSpace(v)
	n, err := strconv.ParseFloat(v, 64)
	return filterValue{raw: v, num: n, isNum: err == nil}
}

// compare compares a field with the value: numerically when the field is a
// number and the value parses as one, otherwise as strings ignoring case
// ("YYYY-MM-DD HH:MM:SS" timestamps order correctly as text).
func (fv filterValue) compare(f any) int {
	if n, ok := f.(float64); ok && fv.isNum {
		switch {
		case n < fv.num:
			return -1
		case n > fv.num:
			return 1
		}
		return 0
	}
	return compareFold(scalarString(f), fv.raw)
}

// conditionFor compiles a Magento condition_type ("eq" when empty) against
// its value. String comparisons ignore case, as MySQL's default collation
// does; a NULL field matches only null (and neq/nin never match NULL, as in
// SQL).
func conditionFor(ct, value string) (func(any) bool, error) {
	v := newFilterValue(value)
	switch strings.ToLower(ct) {
	case "", "eq":
		return func(f any) bool { return f != nil && v.compare(f) == 0 }, nil
	case "neq":
		return func(f any) bool { return f != nil && v.compare(f) != 0 }, nil
	case "gt":
		return func(f any) bool { return f != nil && v.compare(f) > 0 }, nil
	case "gteq", "from", "moreq":
		return func(f any) bool { return f != nil && v.compare(f) >= 0 }, nil
	case "lt":
		return func(f any) bool { return f != nil && v.compare(f) < 0 }, nil
	case "lteq", "to":
		return func(f any) bool { return f != nil && v.compare(f) <= 0 }, nil
	case "in", "nin":
		var list []filterValue
		for _, part := range strings.Split(value, ",") {
			list = append(list, newFilterValue(part))
		}
		in := func(f any) bool {
			for _, x := range list {
				if x.compare(f) == 0 {
					return true
				}
			}
			return false
		}
		if strings.EqualFold(ct, "nin") {
			return func(f any) bool { return f != nil && !in(f) }, nil
		}
		return func(f any) bool { return f != nil && in(f) }, nil
	case "like", "nlike":
		re, err := likePattern(value)
		if err != nil {
			return nil, errPositional(http.StatusBadRequest, `Invalid value of "%1" provided for the %2 field.`, value, "value")
		}
		if strings.EqualFold(ct, "nlike") {
			return func(f any) bool { return f != nil && !re.MatchString(scalarString(f)) }, nil
		}
		return func(f any) bool { return f != nil && re.MatchString(scalarString(f)) }, nil
	case "null":
		return func(f any) bool { return f == nil || f == "" }, nil
	case "notnull":
		return func(f any) bool { return f != nil && f != "" }, nil
	case "finset":
		return func(f any) bool {
			for _, part := range strings.Split(scalarString(f), ",") {
				if strings.EqualFold(strings.TrimSpace(part), value) {
					return true
				}
			}
			return false
		}, nil
	}
	return nil, errPositional(http.StatusBadRequest, `Invalid value of "%1" provided for the %2 field.`, ct, "conditionType")
}

// likePattern compiles SQL LIKE: % any run, _ one character,
// case-insensitive.
func likePattern(pattern string) (*regexp.Regexp, error) {
	var re strings.Builder
	re.WriteString("(?is)^")
	for _, r := range pattern {
		switch r {
		case '%':
			re.WriteString(".*")
		case '_':
			re.WriteString(".")
		default:
			re.WriteString(regexp.QuoteMeta(string(r)))
		}
	}
	re.WriteString("$")
	return regexp.Compile(re.String())
}

func scalarString(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case bool:
		if x {
			return "1"
		}
		return "0"
	}
	return fmt.Sprint(v)
}

// compareFold compares two strings ignoring case without allocating.
func compareFold(a, b string) int {
	if a == b {
		return 0
	}
	for a != "" && b != "" {
		if ca, cb := a[0], b[0]; ca < utf8.RuneSelf && cb < utf8.RuneSelf {
			if 'A' <= ca && ca <= 'Z' {
				ca += 'a' - 'A'
			}
			if 'A' <= cb && cb <= 'Z' {
				cb += 'a' - 'A'
			}
			if ca != cb {
				if ca < cb {
					return -1
				}
				return 1
			}
			a, b = a[1:], b[1:]
			continue
		}
		ra, na := utf8.DecodeRuneInString(a)
		rb, nb := utf8.DecodeRuneInString(b)
		if ra != rb {
			la, lb := unicode.ToLower(ra), unicode.ToLower(rb)
			if la != lb {
				if la < lb {
					return -1
				}
				return 1
			}
		}
		a, b = a[na:], b[nb:]
	}
	switch {
	case a == "" && b == "":
		return 0
	case a == "":
		return -1
	}
	return 1
}

// compareValues orders two field values for sorting; NULL sorts first, as in
// MySQL ascending order.
func compareValues(a, b any) int {
	switch {
	case a == nil && b == nil:
		return 0
	case a == nil:
		return -1
	case b == nil:
		return 1
	}
	an, aok := a.(float64)
	bn, bok := b.(float64)
	if aok && bok {
		switch {
		case an < bn:
			return -1
		case an > bn:
			return 1
		}
		return 0
	}
	return compareFold(scalarString(a), scalarString(b))
}
