package sapb1

import (
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// entity is one stored record or collection element, keyed by property
// name. Values are kept in their JSON form: string (Edm.String, enums,
// Edm.DateTime as "YYYY-MM-DD", Edm.Time as "HH:MM:SS"), int (Edm.Int32),
// float64 (Edm.Double) and []entity (collections).
type entity map[string]any

const (
	dateLayout = "2006-01-02"
	timeLayout = "15:04:05"
)

// parseDate reads an Edm.DateTime value or literal and keeps its date only,
// as B1 does: "2026-11-20", "2026-11-20T17:45:00", "2026-11-20T17:45:00Z"
// and "20261120" all mean 2026-11-20.
func parseDate(s string) (string, error) {
	s = strings.TrimSpace(s)
	if len(s) == 8 && isDigits(s) {
		s = s[:4] + "-" + s[4:6] + "-" + s[6:]
	}
	if len(s) >= 10 {
		if t, err := time.Parse(dateLayout, s[:10]); err == nil && (len(s) == 10 || s[10] == 'T' || s[10] == ' ') {
			return t.Format(dateLayout), nil
		}
	}
	return "", fmt.Errorf("'%s' is not a date (YYYY-MM-DD)", s)
}

var odataDuration = regexp.MustCompile(`^PT(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)(?:\.\d+)?S)?$`)

// parseTimeOfDay reads an Edm.Time value or literal and returns seconds
// since midnight, keeping the time of day only, as B1 does: "17:45:00",
// "17:45", "PT17H45M" and "2026-11-20T17:45:00" all mean 17:45:00.
func parseTimeOfDay(s string) (int, error) {
	s = strings.TrimSpace(s)
	if m := odataDuration.FindStringSubmatch(s); m != nil && s != "PT" {
		h, _ := strconv.Atoi("0" + m[1])
		mi, _ := strconv.Atoi("0" + m[2])
		se, _ := strconv.Atoi("0" + m[3])
		if h < 24 && mi < 60 && se < 60 {
			return h*3600 + mi*60 + se, nil
		}
	}
	if i := strings.IndexAny(s, "T "); i == 10 {
		s = s[i+1:]
	}
	s = strings.TrimSuffix(s, "Z")
	if dot := strings.IndexByte(s, '.'); dot > 0 {
		s = s[:dot]
	}
	parts := strings.Split(s, ":")
	if len(parts) == 2 {
		parts = append(parts, "0")
	}
	if len(parts) == 3 {
		h, e1 := strconv.Atoi(parts[0])
		m, e2 := strconv.Atoi(parts[1])
		sec, e3 := strconv.Atoi(parts[2])
		if e1 == nil && e2 == nil && e3 == nil && h >= 0 && h < 24 && m >= 0 && m < 60 && sec >= 0 && sec < 60 {
			return h*3600 + m*60 + sec, nil
		}
	}
	return 0, fmt.Errorf("'%s' is not a time of day (HH:MM:SS)", s)
}

func formatTimeOfDay(secs int) string {
	return fmt.Sprintf("%02d:%02d:%02d", secs/3600, secs/60%60, secs%60)
}

func isDigits(s string) bool {
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return s != ""
}

// comparable converts a stored value to what compareValues orders: float64
// for numbers, seconds for times, strings otherwise (dates compare as
// "YYYY-MM-DD" strings).
func comparable(p *propDef, v any) any {
	switch x := v.(type) {
	case nil:
		return nil
	case int:
		return float64(x)
	case float64:
		return x
	case string:
		if p.kind == edmTime {
			secs, err := parseTimeOfDay(x)
			if err != nil {
				return nil
			}
			return secs
		}
		return x
	}
	return nil
}

func compareValues(a, b any) int {
	switch x := a.(type) {
	case float64:
		y, _ := b.(float64)
		switch {
		case x < y:
			return -1
		case x > y:
			return 1
		}
		return 0
	case int:
		y, _ := b.(int)
		return x - y
	case string:
		y, _ := b.(string)
		return strings.Compare(x, y)
	}
	return 0
}

// inputValue validates a JSON input value for a scalar property and
// converts it to the stored form.
func inputValue(p *propDef, v any) (any, error) {
	if v == nil {
		return nil, nil
	}
	switch p.kind {
	case edmString:
		s, ok := v.(string)
		if !ok {
			return nil, fmt.Errorf("property '%s' expects a string, got %v", p.name, v)
		}
		return s, nil
	case edmInt32:
		f, ok := v.(float64)
		if !ok || f != math.Trunc(f) || f > math.MaxInt32 || f < math.MinInt32 {
			return nil, fmt.Errorf("property '%s' expects an Edm.Int32, got %v", p.name, v)
		}
		return int(f), nil
	case edmDouble:
		switch x := v.(type) {
		case float64:
			return x, nil
		case string: // the Service Layer accepts numbers as strings
			f, err := strconv.ParseFloat(x, 64)
			if err == nil {
				return f, nil
			}
		}
		return nil, fmt.Errorf("property '%s' expects an Edm.Double, got %v", p.name, v)
	case edmDateTime:
		s, ok := v.(string)
		if !ok {
			return nil, fmt.Errorf("property '%s' expects a date string, got %v", p.name, v)
		}
		d, err := parseDate(s)
		if err != nil {
			return nil, fmt.Errorf("property '%s': %w", p.name, err)
		}
		return d, nil
	case edmTime:
		s, ok := v.(string)
		if !ok {
			return nil, fmt.Errorf("property '%s' expects a time string, got %v", p.name, v)
		}
		secs, err := parseTimeOfDay(s)
		if err != nil {
			return nil, fmt.Errorf("property '%s': %w", p.name, err)
		}
		return formatTimeOfDay(secs), nil
	case edmEnum:
		s, _ := v.(string)
		for _, m := range p.members {
			if m == s {
				return s, nil
			}
		}
		return nil, fmt.Errorf("value '%v' is not valid for property '%s' (%s)", v, p.name, strings.Join(p.members, ", "))
	}
	return nil, fmt.Errorf("property '%s' cannot be set this way", p.name)
}

// round2 rounds an amount to cents, as B1 stores document amounts.
func round2(f float64) float64 { return math.Round(f*100) / 100 }

func num(v any) float64 {
	switch x := v.(type) {
	case float64:
		return x
	case int:
		return float64(x)
	}
	return 0
}

func deepCopy(e entity) entity {
	out := make(entity, len(e))
	for k, v := range e {
		if list, ok := v.([]entity); ok {
			cp := make([]entity, len(list))
			for i, el := range list {
				cp[i] = deepCopy(el)
			}
			out[k] = cp
			continue
		}
		out[k] = v
	}
	return out
}
