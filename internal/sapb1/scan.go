package sapb1

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

// B1 date and time layouts: UpdateDate is a date ("2026-11-20", possibly
// followed by a zero time) and UpdateTime a time of day ("14:05:09").
const (
	dateLayout = "2006-01-02"
	timeLayout = "15:04:05"
)

// Record is one record read by a Scan.
type Record struct {
	Raw json.RawMessage
	// Key is the record's key: DocEntry, CardCode or ItemCode.
	Key string
	// Updated is UpdateDate + UpdateTime read in the company's time zone,
	// in UTC.
	Updated time.Time
	// Pos is the record's position in the scan order: (Updated, Key).
	Pos checkpoint.Cursor
}

// Scan reads an entity set in the order UpdateDate, UpdateTime, key, after
// a position and up to an upper bound, without $skip paging. Every page is
// a new query for the records after the last one read:
//
//	UpdateDate gt 'D' or (UpdateDate eq 'D' and (UpdateTime gt 'T' or
//	(UpdateTime eq 'T' and DocEntry gt K)))
//
// because UpdateDate compares dates only and UpdateTime times of day only:
// "UpdateDate ge 'D'" alone re-reads the whole day every time and a cursor
// on the date with a time filter alone misses the next days' earlier
// hours. odata.nextLink is read only as the sign that more records follow;
// following it would page by $skip, which skips a record whenever one read
// before it changes (and so leaves the result set) during the scan.
//
// Times carry no zone: they are the company's local time, zone. A Scan is
// not safe for concurrent use; make one per poll cycle.
type Scan struct {
	c        *Client
	e        Entity
	zone     *time.Location
	upper    time.Time
	pageSize int
	pos      checkpoint.Cursor
	done     bool
	// Pages counts the queries made.
	Pages int
}

// NewScan starts a scan of e after position from (exclusive; the zero
// Cursor reads from the beginning, a Cursor without ID from its second
// inclusive) up to upper (inclusive, to the second; zero means no bound).
func (c *Client) NewScan(e Entity, from checkpoint.Cursor, upper time.Time, zone *time.Location, pageSize int) *Scan {
	if pageSize <= 0 || pageSize > MaxPageSize {
		pageSize = MaxPageSize
	}
	if zone == nil {
		zone = time.UTC
	}
	return &Scan{c: c, e: e, zone: zone, upper: upper, pageSize: pageSize, pos: from}
}

// Done reports whether the scan has read everything.
func (s *Scan) Done() bool { return s.done }

// Next returns the next page of records; an empty slice with Done() true
// means the end. After an error the scan keeps its position: calling Next
// again repeats the query.
func (s *Scan) Next(ctx context.Context) ([]Record, error) {
	if s.done {
		return nil, nil
	}
	if s.e.IntKey && s.pos.ID != "" {
		if _, err := strconv.ParseInt(s.pos.ID, 10, 32); err != nil {
			return nil, fmt.Errorf("scanning %s after %s: the position's id %q is not a %s (is the checkpoint key shared with another entity set?)", s.e.Set, s.pos, s.pos.ID, s.e.Key)
		}
	}
	q := Query{Filter: s.filter(), OrderBy: []string{"UpdateDate", "UpdateTime", s.e.Key}}
	p, err := s.c.List(ctx, s.e.Set, q, s.pageSize)
	s.Pages++
	if err != nil {
		return nil, fmt.Errorf("scanning %s after %s: %w", s.e.Set, s.pos, err)
	}
	recs := make([]Record, len(p.Values))
	for i, raw := range p.Values {
		if recs[i], err = s.decode(raw); err != nil {
			return nil, fmt.Errorf("scanning %s: record %d of the page after %s: %w", s.e.Set, i, s.pos, err)
		}
	}
	if p.NextLink == "" || len(recs) == 0 {
		s.done = true
	}
	if len(recs) > 0 {
		s.pos = recs[len(recs)-1].Pos
	}
	return recs, nil
}

// filter is the $filter of the next page: after pos, up to upper.
func (s *Scan) filter() string {
	var parts []string
	if !s.pos.IsZero() {
		d, t := s.local(s.pos.Time)
		if s.pos.ID == "" {
			parts = append(parts, fmt.Sprintf("(UpdateDate gt %s or (UpdateDate eq %s and UpdateTime ge %s))", d, d, t))
		} else {
			k := s.keyLiteral(s.pos.ID)
			parts = append(parts, fmt.Sprintf("(UpdateDate gt %s or (UpdateDate eq %s and (UpdateTime gt %s or (UpdateTime eq %s and %s gt %s))))", d, d, t, t, s.e.Key, k))
		}
	}
	if !s.upper.IsZero() {
		d, t := s.local(s.upper)
		parts = append(parts, fmt.Sprintf("(UpdateDate lt %s or (UpdateDate eq %s and UpdateTime le %s))", d, d, t))
	}
	return strings.Join(parts, " and ")
}

// local renders t as the company's UpdateDate and UpdateTime literals.
func (s *Scan) local(t time.Time) (date, tod string) {
	l := t.In(s.zone)
	return StringLiteral(l.Format(dateLayout)), StringLiteral(l.Format(timeLayout))
}

// keyLiteral renders a cursor id (always written from a record's key, so
// valid) as a literal.
func (s *Scan) keyLiteral(id string) string {
	if s.e.IntKey {
		return id
	}
	return StringLiteral(id)
}

// decode reads a record's key, UpdateDate and UpdateTime. A record without
// UpdateTime (written before B1 kept one) counts as updated at midnight.
func (s *Scan) decode(raw json.RawMessage) (Record, error) {
	r := Record{Raw: raw}
	v, dt, _, err := jsonparser.Get(raw, s.e.Key)
	switch {
	case err != nil || dt == jsonparser.Null:
		return r, fmt.Errorf("property %s is missing", s.e.Key)
	case s.e.IntKey && dt == jsonparser.Number:
		if _, err := strconv.ParseInt(string(v), 10, 32); err != nil {
			return r, fmt.Errorf("property %s: %s is not an integer", s.e.Key, v)
		}
		r.Key = string(v)
	case !s.e.IntKey && dt == jsonparser.String:
		if r.Key, err = jsonparser.ParseString(v); err != nil || r.Key == "" {
			return r, fmt.Errorf("property %s: empty or unreadable", s.e.Key)
		}
	default:
		return r, fmt.Errorf("property %s: %s has the wrong type", s.e.Key, v)
	}
	date, err := jsonparser.GetString(raw, "UpdateDate")
	if err != nil || len(date) < len(dateLayout) {
		return r, fmt.Errorf("%s %s: property UpdateDate is missing or not a date", s.e.Set, r.Key)
	}
	tod, err := jsonparser.GetString(raw, "UpdateTime")
	if err != nil {
		tod = "00:00:00"
	}
	if r.Updated, err = parseLocal(date[:len(dateLayout)], tod, s.zone); err != nil {
		return r, fmt.Errorf("%s %s: %w", s.e.Set, r.Key, err)
	}
	r.Pos = checkpoint.Cursor{Time: r.Updated, ID: r.Key}
	return r, nil
}

// parseLocal joins a B1 date and time of day ("14:05:09" or "14:05") in
// zone and returns the instant in UTC.
func parseLocal(date, tod string, zone *time.Location) (time.Time, error) {
	d, err := time.Parse(dateLayout, date)
	if err != nil {
		return time.Time{}, fmt.Errorf("property UpdateDate: %q is not a date", date)
	}
	t, err := time.Parse(timeLayout, tod)
	if err != nil {
		if t, err = time.Parse("15:04", tod); err != nil {
			return time.Time{}, fmt.Errorf("property UpdateTime: %q is not a time of day", tod)
		}
	}
	return time.Date(d.Year(), d.Month(), d.Day(), t.Hour(), t.Minute(), t.Second(), 0, zone).UTC(), nil
}
