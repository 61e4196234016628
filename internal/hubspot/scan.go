package hubspot

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/datawald/datawald/internal/checkpoint"
)

// Item is one object read by a Scan, with its position in the scan order.
type Item struct {
	Object
	// Modified is the object's last-modified time (UTC, milliseconds).
	Modified time.Time
	// Pos is (Modified, id).
	Pos checkpoint.Cursor
}

// Scan reads every object of a type modified in the window (From, Upper]
// in the total order (last modified ASC, hs_object_id ASC), with keyset
// queries (see the package doc): every search starts at offset 0 from the
// last position emitted, so HubSpot's 10,000-result cap and the offset
// drift of `after` paging never apply.
//
// HubSpot sorts by one property only, so ties in last-modified come back in
// no defined id order. A page is therefore emitted only up to, not
// including, its last timestamp when more results follow (the next query
// starts there again), and the objects of one timestamp are emitted sorted
// by id. When a whole page shares one timestamp (a bulk import), the scan
// pages inside it by hs_object_id (EQ timestamp, GT id, sorted by id)
// before it moves on.
//
// A Scan is not safe for concurrent use; make one per poll cycle.
type Scan struct {
	c       *Client
	typ     ObjectType
	props   []string
	filters []Filter
	limit   int
	upper   time.Time

	pos   checkpoint.Cursor // last position emitted (or the start)
	burst bool              // paging inside pos.Time by id
	done  bool
	// Pages counts the searches made.
	Pages int
}

// MaxScanFilters is how many filters a Scan can add to its window: HubSpot
// allows 10 per filter group, and the keyset conditions take 2.
const MaxScanFilters = 8

// ScanOptions says what a Scan reads.
type ScanOptions struct {
	// Properties are the properties to fetch (HubSpot adds hs_object_id,
	// createdate and the last-modified property); none means the type's
	// default properties.
	Properties []string
	// Filters are ANDed with the window in every search, e.g. a deal's
	// sync flag. At most MaxScanFilters; they must not name the
	// last-modified property or hs_object_id, which the scan filters on.
	Filters []Filter
	// From is the position after which the scan starts (exclusive; the
	// zero Cursor means from the beginning, and a cursor without an id
	// means from its time on, inclusive).
	From checkpoint.Cursor
	// Upper is the end of the window (inclusive).
	Upper time.Time
	// Limit is the page size, capped at MaxSearchLimit.
	Limit int
}

// Validate reports options a Scan of typ cannot honour.
func (o ScanOptions) Validate(typ ObjectType) error {
	if len(o.Filters) > MaxScanFilters {
		return fmt.Errorf("%d filters: a scan takes at most %d", len(o.Filters), MaxScanFilters)
	}
	for i, f := range o.Filters {
		if f.PropertyName == typ.ModifiedProperty || f.PropertyName == PropObjectID {
			return fmt.Errorf("filter %d: %s is the scan's own cursor property", i, f.PropertyName)
		}
		if f.PropertyName == "" || f.Operator == "" {
			return fmt.Errorf("filter %d: property and operator are required", i)
		}
	}
	return nil
}

// NewScan starts a scan of typ as o says. o must pass Validate.
func (c *Client) NewScan(typ ObjectType, o ScanOptions) *Scan {
	limit := o.Limit
	if limit <= 0 || limit > MaxSearchLimit {
		limit = MaxSearchLimit
	}
	props := slices.Clone(o.Properties)
	if len(props) > 0 && !slices.Contains(props, typ.ModifiedProperty) {
		props = append(props, typ.ModifiedProperty)
	}
	return &Scan{c: c, typ: typ, props: props, filters: slices.Clone(o.Filters), limit: limit, upper: o.Upper.UTC(), pos: o.From}
}

// Done reports whether the scan has read everything.
func (s *Scan) Done() bool { return s.done }

// Next returns the next objects in scan order, all after the previous ones;
// an empty slice with Done() true means the end. On error the scan keeps
// its position and the next call repeats the query.
func (s *Scan) Next(ctx context.Context) ([]Item, error) {
	for !s.done {
		page, err := s.c.Search(ctx, s.typ.Name, s.request())
		if err != nil {
			return nil, fmt.Errorf("scanning from %s: %w", s.pos, err)
		}
		s.Pages++
		items := make([]Item, 0, len(page.Results))
		for _, o := range page.Results {
			it, err := s.item(o)
			if err != nil {
				return nil, err
			}
			items = append(items, it)
		}
		more := page.Next != "" && len(items) > 0
		if s.burst {
			// Sorted by id inside one timestamp, all after pos.
			slices.SortFunc(items, func(a, b Item) int { return a.Pos.Compare(b.Pos) })
			if !more {
				s.burst = false
			}
			if len(items) > 0 {
				s.pos = items[len(items)-1].Pos
				return items, nil
			}
			continue
		}
		slices.SortFunc(items, func(a, b Item) int { return a.Pos.Compare(b.Pos) })
		if !more {
			s.done = true
			return s.after(items), nil
		}
		last := items[len(items)-1].Modified
		if items[0].Modified.Equal(last) {
			// The whole page is one timestamp: page inside it by id,
			// starting after pos when pos is inside it.
			if !s.pos.Time.Equal(last) {
				s.pos = checkpoint.Cursor{Time: last}
			}
			s.burst = true
			continue
		}
		// Emit the complete timestamps; the last one may continue on the
		// next page, whose query starts after what is emitted here.
		cut := len(items)
		for cut > 0 && items[cut-1].Modified.Equal(last) {
			cut--
		}
		fresh := s.after(items[:cut])
		if len(fresh) > 0 {
			s.pos = fresh[len(fresh)-1].Pos
			return fresh, nil
		}
	}
	return nil, nil
}

// after keeps the items strictly after the current position.
func (s *Scan) after(items []Item) []Item {
	out := items[:0:0]
	for _, it := range items {
		if s.pos.IsZero() || it.Pos.Compare(s.pos) > 0 {
			out = append(out, it)
		}
	}
	return out
}

// request builds the next keyset search.
func (s *Scan) request() SearchRequest {
	mod := s.typ.ModifiedProperty
	upper := Filter{PropertyName: mod, Operator: OpLTE, Value: epochMillis(s.upper)}
	req := SearchRequest{Properties: s.props, Limit: s.limit}
	at := epochMillis(s.pos.Time)
	switch {
	case s.burst:
		req.FilterGroups = []FilterGroup{{Filters: []Filter{
			{PropertyName: mod, Operator: OpEQ, Value: at},
			{PropertyName: PropObjectID, Operator: OpGT, Value: idOrZero(s.pos.ID)},
		}}}
		req.Sorts = []Sort{{PropertyName: PropObjectID, Direction: Ascending}}
		return s.withFilters(req)
	case s.pos.IsZero():
		req.FilterGroups = []FilterGroup{{Filters: []Filter{upper}}}
	case s.pos.ID == "":
		req.FilterGroups = []FilterGroup{{Filters: []Filter{{PropertyName: mod, Operator: OpGTE, Value: at}, upper}}}
	default:
		req.FilterGroups = []FilterGroup{
			{Filters: []Filter{{PropertyName: mod, Operator: OpGT, Value: at}, upper}},
			{Filters: []Filter{{PropertyName: mod, Operator: OpEQ, Value: at}, {PropertyName: PropObjectID, Operator: OpGT, Value: s.pos.ID}}},
		}
	}
	req.Sorts = []Sort{{PropertyName: mod, Direction: Ascending}}
	return s.withFilters(req)
}

// withFilters ANDs the scan's own filters into every group of req.
func (s *Scan) withFilters(req SearchRequest) SearchRequest {
	if len(s.filters) == 0 {
		return req
	}
	for i := range req.FilterGroups {
		req.FilterGroups[i].Filters = append(req.FilterGroups[i].Filters, s.filters...)
	}
	return req
}

func idOrZero(id string) string {
	if id == "" {
		return "0"
	}
	return id
}

// item reads an object's position.
func (s *Scan) item(o Object) (Item, error) {
	raw, ok := o.Property(s.typ.ModifiedProperty)
	if !ok {
		return Item{}, fmt.Errorf("scanning %s: object %s has no %s", s.typ.Name, o.ID, s.typ.ModifiedProperty)
	}
	t, err := ParseDateTime(raw)
	if err != nil {
		return Item{}, fmt.Errorf("scanning %s: object %s: %s: %w", s.typ.Name, o.ID, s.typ.ModifiedProperty, err)
	}
	return Item{Object: o, Modified: t, Pos: checkpoint.Cursor{Time: t, ID: o.ID}}, nil
}
