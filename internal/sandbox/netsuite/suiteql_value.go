package netsuite

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

type valKind int

const (
	vNull valKind = iota
	vString
	vNumber
	vDate     // a date column (no time of day)
	vDateTime // a datetime column or an Oracle DATE/TIMESTAMP value
)

// sqlValue is one SuiteQL value. Booleans are the strings "T" and "F", as
// in NetSuite.
type sqlValue struct {
	kind valKind
	s    string
	n    float64
	t    time.Time
}

func strVal(s string) sqlValue         { return sqlValue{kind: vString, s: s} }
func numVal(f float64) sqlValue        { return sqlValue{kind: vNumber, n: f} }
func dateTimeVal(t time.Time) sqlValue { return sqlValue{kind: vDateTime, t: t} }
func dateVal(t time.Time) sqlValue     { return sqlValue{kind: vDate, t: t} }

func boolVal(b bool) sqlValue {
	if b {
		return strVal("T")
	}
	return strVal("F")
}

// display renders v the way SuiteQL returns a column that was not wrapped in
// TO_CHAR: numbers as plain strings, dates and datetimes in the user's date
// format without the time of day.
// userPrefs are the SuiteQL user's preferences that shape values: the time
// zone and the date format (a Go layout such as "1/2/2006" for M/D/YYYY).
type userPrefs struct {
	loc        *time.Location
	dateLayout string
}

// dateLayouts are the layouts a string is read with as a date: the date
// format alone or followed by a time of day.
func (p userPrefs) dateLayouts() []string {
	return []string{p.dateLayout, p.dateLayout + " 3:04 pm", p.dateLayout + " 3:04 PM", p.dateLayout + " 3:04:05 pm", p.dateLayout + " 3:04:05 PM"}
}

func (v sqlValue) display(p userPrefs) string {
	switch v.kind {
	case vString:
		return v.s
	case vNumber:
		return strconv.FormatFloat(v.n, 'f', -1, 64)
	case vDate, vDateTime:
		return v.t.In(p.loc).Format(p.dateLayout)
	}
	return ""
}

// asTime converts v to a point in time for comparison with a date column.
// Strings are read in the user's date format, optionally followed by
// h:mm am|pm, as Oracle's implicit conversion does with NLS settings.
func (v sqlValue) asTime(p userPrefs) (time.Time, error) {
	switch v.kind {
	case vDate, vDateTime:
		return v.t, nil
	case vString:
		for _, layout := range p.dateLayouts() {
			if t, err := time.ParseInLocation(layout, strings.TrimSpace(v.s), p.loc); err == nil {
				return t, nil
			}
		}
		return time.Time{}, fmt.Errorf("ORA-01858: a non-numeric character was found where a numeric was expected (cannot read %q as a date in the user's date format %s; use TO_DATE or TO_TIMESTAMP)", v.s, p.dateLayout)
	}
	return time.Time{}, fmt.Errorf("ORA-00932: inconsistent datatypes: expected DATE got NUMBER")
}

// compareValues orders a and b, reporting an error for types Oracle cannot
// compare. Neither may be null.
func compareValues(a, b sqlValue, loc userPrefs) (int, error) {
	isTime := func(k valKind) bool { return k == vDate || k == vDateTime }
	switch {
	case isTime(a.kind) || isTime(b.kind):
		at, err := a.asTime(loc)
		if err != nil {
			return 0, err
		}
		bt, err := b.asTime(loc)
		if err != nil {
			return 0, err
		}
		return at.Compare(bt), nil
	case a.kind == vNumber || b.kind == vNumber:
		an, aok := toNumber(a)
		bn, bok := toNumber(b)
		if !aok || !bok {
			return 0, fmt.Errorf("ORA-01722: invalid number")
		}
		switch {
		case an < bn:
			return -1, nil
		case an > bn:
			return 1, nil
		}
		return 0, nil
	default:
		return strings.Compare(a.s, b.s), nil
	}
}

func toNumber(v sqlValue) (float64, bool) {
	switch v.kind {
	case vNumber:
		return v.n, true
	case vString:
		f, err := strconv.ParseFloat(strings.TrimSpace(v.s), 64)
		return f, err == nil
	}
	return 0, false
}

// fmtElem is one element of an Oracle datetime format model.
type fmtElem struct {
	code string // YYYY, MM, DD, HH24, HH12, MI, SS, FF1..9, AM, MON, DY... or "" for literal
	lit  string
}

// compileFormat parses an Oracle datetime format model such as
// 'YYYY-MM-DD"T"HH24:MI:SS'.
func compileFormat(f string) ([]fmtElem, error) {
	var out []fmtElem
	codes := []string{"YYYY", "HH24", "HH12", "FF9", "FF6", "FF3", "FF", "YY", "MM", "MON", "DD", "HH", "MI", "SS", "AM", "PM", "A.M.", "P.M."}
	up := strings.ToUpper(f)
	for i := 0; i < len(f); {
		c := f[i]
		if c == '"' {
			j := strings.IndexByte(f[i+1:], '"')
			if j < 0 {
				return nil, fmt.Errorf("ORA-01861: unterminated literal in format %q", f)
			}
			out = append(out, fmtElem{lit: f[i+1 : i+1+j]})
			i += j + 2
			continue
		}
		matched := false
		for _, code := range codes {
			if strings.HasPrefix(up[i:], code) {
				norm := code
				switch code {
				case "HH":
					norm = "HH12"
				case "PM", "A.M.", "P.M.":
					norm = "AM"
				case "FF":
					norm = "FF6"
				}
				out = append(out, fmtElem{code: norm})
				i += len(code)
				matched = true
				break
			}
		}
		if matched {
			continue
		}
		if strings.IndexByte(" -/,.;:", c) >= 0 {
			out = append(out, fmtElem{lit: string(c)})
			i++
			continue
		}
		return nil, fmt.Errorf("ORA-01821: date format not recognized: %q", f)
	}
	return out, nil
}

var monthAbbr = []string{"JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"}

// formatTime renders t with a compiled format model.
func formatTime(t time.Time, elems []fmtElem) string {
	var b strings.Builder
	for _, e := range elems {
		switch e.code {
		case "":
			b.WriteString(e.lit)
		case "YYYY":
			fmt.Fprintf(&b, "%04d", t.Year())
		case "YY":
			fmt.Fprintf(&b, "%02d", t.Year()%100)
		case "MM":
			fmt.Fprintf(&b, "%02d", int(t.Month()))
		case "MON":
			b.WriteString(monthAbbr[t.Month()-1])
		case "DD":
			fmt.Fprintf(&b, "%02d", t.Day())
		case "HH24":
			fmt.Fprintf(&b, "%02d", t.Hour())
		case "HH12":
			h := t.Hour() % 12
			if h == 0 {
				h = 12
			}
			fmt.Fprintf(&b, "%02d", h)
		case "MI":
			fmt.Fprintf(&b, "%02d", t.Minute())
		case "SS":
			fmt.Fprintf(&b, "%02d", t.Second())
		case "FF3":
			fmt.Fprintf(&b, "%03d", t.Nanosecond()/1e6)
		case "FF6":
			fmt.Fprintf(&b, "%06d", t.Nanosecond()/1e3)
		case "FF9":
			fmt.Fprintf(&b, "%09d", t.Nanosecond())
		case "AM":
			if t.Hour() < 12 {
				b.WriteString("AM")
			} else {
				b.WriteString("PM")
			}
		}
	}
	return b.String()
}

// parseTime reads s with a compiled format model in loc, leniently as Oracle
// does: numeric fields take up to their width in digits.
func parseTime(s string, elems []fmtElem, loc *time.Location) (time.Time, error) {
	year, month, day, hour, minute, sec, nsec := 1, 1, 1, 0, 0, 0, 0
	pm, has12 := false, false
	i := 0
	num := func(max int) (int, bool) {
		j := i
		for j < len(s) && j-i < max && s[j] >= '0' && s[j] <= '9' {
			j++
		}
		if j == i {
			return 0, false
		}
		n, _ := strconv.Atoi(s[i:j])
		i = j
		return n, true
	}
	bad := func() (time.Time, error) {
		return time.Time{}, fmt.Errorf("ORA-01861: literal does not match format string (%q)", s)
	}
	for _, e := range elems {
		var ok bool
		switch e.code {
		case "":
			if !strings.HasPrefix(s[i:], e.lit) {
				return bad()
			}
			i += len(e.lit)
			ok = true
		case "YYYY":
			year, ok = num(4)
		case "YY":
			year, ok = num(2)
			year += 2000
		case "MM":
			month, ok = num(2)
		case "MON":
			if i+3 <= len(s) {
				for m, a := range monthAbbr {
					if strings.EqualFold(s[i:i+3], a) {
						month, ok = m+1, true
						i += 3
						break
					}
				}
			}
		case "DD":
			day, ok = num(2)
		case "HH24":
			hour, ok = num(2)
		case "HH12":
			hour, ok = num(2)
			has12 = true
		case "MI":
			minute, ok = num(2)
		case "SS":
			sec, ok = num(2)
		case "FF3", "FF6", "FF9":
			start := i
			var f int
			f, ok = num(9)
			digits := i - start
			for ; digits < 9; digits++ {
				f *= 10
			}
			nsec = f
		case "AM":
			rest := strings.ToUpper(s[i:])
			switch {
			case strings.HasPrefix(rest, "AM"), strings.HasPrefix(rest, "PM"):
				pm, ok = rest[0] == 'P', true
				i += 2
			case strings.HasPrefix(rest, "A.M."), strings.HasPrefix(rest, "P.M."):
				pm, ok = rest[0] == 'P', true
				i += 4
			}
		}
		if !ok {
			return bad()
		}
	}
	if strings.TrimSpace(s[i:]) != "" {
		return time.Time{}, fmt.Errorf("ORA-01830: date format picture ends before converting entire input string (%q)", s)
	}
	if has12 {
		if hour < 1 || hour > 12 {
			return bad()
		}
		hour %= 12
		if pm {
			hour += 12
		}
	}
	if month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || sec > 59 {
		return time.Time{}, fmt.Errorf("ORA-01843: not a valid month, day or time (%q)", s)
	}
	t := time.Date(year, time.Month(month), day, hour, minute, sec, nsec, loc)
	if t.Day() != day {
		return time.Time{}, fmt.Errorf("ORA-01839: date not valid for month specified (%q)", s)
	}
	return t, nil
}
