package magento

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/buger/jsonparser"

	"github.com/datawald/datawald/internal/checkpoint"
)

// Item is one entity read by a Scan: its raw JSON and where it sits in the
// scan order.
type Item struct {
	Raw json.RawMessage
	// Pos is the item's position: (updated_at, entity id) for incremental
	// resources, the zero time and "sku/source_code" for snapshots.
	Pos checkpoint.Cursor
	// SrcID is the natural key (increment_id, SKU, customer id...).
	SrcID string
	// UpdatedAt is the modification time (zero for snapshots).
	UpdatedAt time.Time
	// EntityID is Magento's numeric id as a string ("" for source items).
	EntityID string
}

// Scan reads a resource in a total order without deep paging. Every query
// asks for page 1 only: the next query restarts from the last position
// read (keyset paging), so concurrent changes cannot shift rows past the
// reader and Magento's last-page-repeats trap cannot occur. For
// incremental resources the order is updated_at ASC, entity id ASC and the
// window is (From, Upper]; when a whole page shares one updated_at second,
// the scan pages inside that second by entity id ("updated_at eq T AND
// entity_id gt N") and then moves on with "updated_at gt T". A page whose
// size reaches total_count ends the scan.
//
// A Scan is not safe for concurrent use; make one per poll cycle.
type Scan struct {
	c        *Client
	res      Resource
	pageSize int
	upper    time.Time

	pos    checkpoint.Cursor // last position read (or the start)
	key    scanKey           // pos decoded for filters
	burst  bool              // paging within key.primary by secondary
	strict bool              // the next window excludes key.primary (burst exhausted)
	done   bool
	Pages  int // queries made
}

// scanKey is a position as filter values: primary is the updated_at (or
// sku) value, secondary the entity id (or source code).
type scanKey struct {
	primary   string
	secondary string
}

// NewScan starts a scan of res after position from (exclusive; the zero
// Cursor means from the beginning) up to upper (inclusive, incremental
// resources only). pageSize is capped at MaxPageSize.
func (c *Client) NewScan(res Resource, from checkpoint.Cursor, upper time.Time, pageSize int) *Scan {
	if pageSize <= 0 || pageSize > MaxPageSize {
		pageSize = MaxPageSize
	}
	s := &Scan{c: c, res: res, pageSize: pageSize, upper: upper, pos: from}
	s.key = s.keyOf(from)
	return s
}

// Done reports whether the scan has read everything.
func (s *Scan) Done() bool { return s.done }

// Next returns the next page of items in scan order, all after the
// previous ones; an empty slice with Done() true means the end.
func (s *Scan) Next(ctx context.Context) ([]Item, error) {
	for !s.done {
		cr := s.criteria()
		p, err := s.c.Search(ctx, s.res.Route, cr)
		s.Pages++
		if err != nil {
			return nil, fmt.Errorf("scanning %s after %s: %w", s.res.Name, s.pos, err)
		}
		items := make([]Item, 0, len(p.Items))
		for i, raw := range p.Items {
			it, err := s.decode(raw)
			if err != nil {
				return nil, fmt.Errorf("scanning %s: item %d of page after %s: %w", s.res.Name, i, s.pos, err)
			}
			items = append(items, it)
		}
		full := len(items) >= s.pageSize && p.TotalCount > len(items)
		fresh := s.after(items)
		wasBurst := s.burst
		switch {
		case wasBurst && !full:
			// The second is exhausted: continue strictly after it.
			s.burst, s.strict = false, true
		case wasBurst:
			// More in the same second.
		case !full:
			s.done = true
		case len(items) > 0 && s.keyOf(items[0].Pos).primary == s.keyOf(items[len(items)-1].Pos).primary:
			// A whole page shares one primary value: page inside it.
			s.burst = true
			s.strict = false
		default:
			s.strict = false
		}
		if len(fresh) > 0 {
			s.pos = fresh[len(fresh)-1].Pos
			s.key = s.keyOf(s.pos)
			return fresh, nil
		}
		if s.burst && !wasBurst && len(items) > 0 {
			// Nothing new on the page but the burst starts from our
			// position, which is inside that second already.
			continue
		}
	}
	return nil, nil
}

// after keeps the items strictly after the current position.
func (s *Scan) after(items []Item) []Item {
	if s.pos.IsZero() {
		return items
	}
	out := items[:0:0]
	for _, it := range items {
		if s.compare(it.Pos, s.pos) > 0 {
			out = append(out, it)
		}
	}
	return out
}

func (s *Scan) compare(a, b checkpoint.Cursor) int {
	if s.res.Incremental() {
		return a.Compare(b)
	}
	// "sku/source_code", compared as MySQL's case-insensitive collation
	// sorts them.
	return strings.Compare(strings.ToLower(a.ID), strings.ToLower(b.ID))
}

func (s *Scan) criteria() Criteria {
	cr := Criteria{}
	if s.res.Incremental() {
		upd, id := s.res.UpdatedField, s.res.FilterIDField
		if s.burst {
			cr = cr.Where(upd, Eq, s.key.primary).Where(id, Gt, s.key.secondary).SortBy(id, Asc)
		} else {
			if !s.pos.IsZero() {
				cond := Gteq
				if s.strict {
					cond = Gt
				}
				cr = cr.Where(upd, cond, s.key.primary)
			}
			if !s.upper.IsZero() {
				cr = cr.Where(upd, Lteq, FormatTime(s.upper))
			}
			cr = cr.SortBy(upd, Asc).SortBy(id, Asc)
		}
		return cr.Page(s.pageSize, 1)
	}
	f1, f2 := s.res.SortFields[0], s.res.SortFields[1]
	if s.burst {
		cr = cr.Where(f1, Eq, s.key.primary).Where(f2, Gt, s.key.secondary).SortBy(f2, Asc)
	} else {
		if !s.pos.IsZero() {
			cond := Gteq
			if s.strict {
				cond = Gt
			}
			cr = cr.Where(f1, cond, s.key.primary)
		}
		cr = cr.SortBy(f1, Asc).SortBy(f2, Asc)
	}
	return cr.Page(s.pageSize, 1)
}

func (s *Scan) keyOf(c checkpoint.Cursor) scanKey {
	if s.res.Incremental() {
		if c.IsZero() {
			return scanKey{}
		}
		id := c.ID
		if id == "" {
			id = "0" // before every entity id of the second
		}
		return scanKey{primary: FormatTime(c.Time), secondary: id}
	}
	sku, source, _ := strings.Cut(c.ID, "/")
	return scanKey{primary: sku, secondary: source}
}

// decode extracts an item's position and keys, reading only those fields.
func (s *Scan) decode(raw json.RawMessage) (Item, error) {
	it := Item{Raw: raw}
	src := make([]string, 0, len(s.res.SrcIDFields))
	for _, f := range s.res.SrcIDFields {
		v, err := fieldString(raw, f)
		if err != nil {
			return Item{}, err
		}
		src = append(src, v)
	}
	it.SrcID = strings.Join(src, "/")
	if !s.res.Incremental() {
		it.Pos = checkpoint.Cursor{ID: it.SrcID}
		return it, nil
	}
	id, err := fieldString(raw, s.res.ItemIDField)
	if err != nil {
		return Item{}, err
	}
	if _, err := strconv.ParseInt(id, 10, 64); err != nil {
		return Item{}, fmt.Errorf("field %s: %q is not an integer id", s.res.ItemIDField, id)
	}
	ts, err := fieldString(raw, s.res.UpdatedField)
	if err != nil {
		return Item{}, err
	}
	t, err := ParseTime(ts)
	if err != nil {
		return Item{}, fmt.Errorf("field %s: %w", s.res.UpdatedField, err)
	}
	it.EntityID, it.UpdatedAt = id, t
	it.Pos = checkpoint.Cursor{Time: t, ID: id}
	return it, nil
}

// fieldString reads a top-level string or number field as a string.
func fieldString(raw []byte, name string) (string, error) {
	v, dt, _, err := jsonparser.Get(raw, name)
	if err != nil || dt == jsonparser.Null {
		return "", fmt.Errorf("field %s is missing", name)
	}
	switch dt {
	case jsonparser.String:
		s, err := jsonparser.ParseString(v)
		if err != nil {
			return "", fmt.Errorf("field %s: %w", name, err)
		}
		return s, nil
	case jsonparser.Number:
		return string(v), nil
	}
	return "", fmt.Errorf("field %s: %s is neither a string nor a number", name, v)
}
