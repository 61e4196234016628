package netsuite

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/datawald/datawald/internal/checkpoint"
)

// sqlTimeFormat and goTimeFormat are the one datetime format the input
// writes into and reads from SuiteQL, in the SuiteQL user's time zone.
const (
	sqlTimeFormat = "YYYY-MM-DD HH24:MI:SS"
	goTimeFormat  = "2006-01-02 15:04:05"
)

// Placeholders of a user query.
const (
	PlaceholderCursorTime = ":cursor_time"
	PlaceholderCursorID   = ":cursor_id"
	PlaceholderWindowEnd  = ":window_end"
)

// Query builds the SuiteQL statement for one page: the rows after a
// cursor and before the window's end, in (lastmodifieddate, keys) order.
type Query struct {
	entity   Entity
	template string // user query; empty for a generated one
	idsOnly  bool
	loc      *time.Location
}

// GeneratedQuery lists entity's rows. With idsOnly the rows carry only the
// keys and the time (they are expanded to records afterwards). loc is the
// SuiteQL user's time zone (Set Preferences), in which SuiteQL reads and
// shows datetimes.
func GeneratedQuery(e Entity, idsOnly bool, loc *time.Location) Query {
	return Query{entity: e, idsOnly: idsOnly, loc: loc}
}

// UserQuery runs a query written by the user. It must contain the three
// placeholders (:cursor_time, :cursor_id, :window_end), return the columns
// id and lastmodifieddate (as TO_CHAR(..., 'YYYY-MM-DD HH24:MI:SS')) and
// ORDER BY lastmodifieddate, id; see ValidateUserQuery.
func UserQuery(e Entity, template string, loc *time.Location) Query {
	e.Keys = []string{"id"}
	e.JoinItemID = false
	return Query{entity: e, template: template, loc: loc}
}

// ValidateUserQuery reports a user query that lacks a placeholder.
func ValidateUserQuery(q string) error {
	var missing []string
	for _, p := range []string{PlaceholderCursorTime, PlaceholderCursorID, PlaceholderWindowEnd} {
		if !strings.Contains(q, p) {
			missing = append(missing, p)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("the query must contain the placeholders %s (missing %s)", strings.Join([]string{PlaceholderCursorTime, PlaceholderCursorID, PlaceholderWindowEnd}, ", "), strings.Join(missing, ", "))
	}
	if !strings.Contains(strings.ToLower(q), "order by") {
		return errors.New("the query must ORDER BY lastmodifieddate, id")
	}
	return nil
}

// timeLiteral renders t as a SuiteQL timestamp in the user's zone.
func (q Query) timeLiteral(t time.Time) string {
	return "TO_TIMESTAMP('" + t.In(q.loc).Format(goTimeFormat) + "', '" + sqlTimeFormat + "')"
}

// Build renders the statement for the rows after from (exclusive) and
// before until (exclusive).
func (q Query) Build(from checkpoint.Cursor, until time.Time) (string, error) {
	keys, err := q.keyValues(from.ID)
	if err != nil {
		return "", err
	}
	if q.template != "" {
		id := "0"
		if len(keys) == 1 && keys[0] != "" {
			id = keys[0]
		}
		r := strings.NewReplacer(
			PlaceholderCursorTime, q.timeLiteral(from.Time),
			PlaceholderCursorID, id,
			PlaceholderWindowEnd, q.timeLiteral(until),
		)
		return r.Replace(q.template), nil
	}
	var where []string
	if q.entity.Filter != "" {
		where = append(where, q.entity.Filter)
	}
	if !from.Time.IsZero() {
		where = append(where, "("+q.after(from.Time, keys)+")")
	}
	where = append(where, "t.lastmodifieddate < "+q.timeLiteral(until))
	order := []string{"t.lastmodifieddate"}
	for _, k := range q.entity.Keys {
		order = append(order, "t."+k)
	}
	return fmt.Sprintf("SELECT %s FROM %s t WHERE %s ORDER BY %s",
		q.entity.selectList(q.idsOnly), q.entity.Table, strings.Join(where, " AND "), strings.Join(order, ", ")), nil
}

// after is the keyset condition "(lastmodifieddate, keys...) > (t, vals...)".
// Empty key values mean "before every row of that second".
func (q Query) after(t time.Time, vals []string) string {
	ts := q.timeLiteral(t)
	if len(vals) == 0 || vals[0] == "" {
		return "t.lastmodifieddate >= " + ts
	}
	// Build k1 > v1 OR (k1 = v1 AND (k2 > v2 ...)) from the last key up.
	keys := q.entity.Keys
	cond := "t." + keys[len(keys)-1] + " > " + vals[len(keys)-1]
	for i := len(keys) - 2; i >= 0; i-- {
		cond = fmt.Sprintf("t.%s > %s OR (t.%s = %s AND (%s))", keys[i], vals[i], keys[i], vals[i], cond)
	}
	return fmt.Sprintf("t.lastmodifieddate > %s OR (t.lastmodifieddate = %s AND (%s))", ts, ts, cond)
}

// keyValues splits a cursor id into the entity's key values (numbers).
func (q Query) keyValues(id string) ([]string, error) {
	if id == "" {
		return nil, nil
	}
	parts := strings.Split(id, "@")
	if len(parts) != len(q.entity.Keys) {
		return nil, fmt.Errorf("cursor id %q does not fit the keys %v of %s", id, q.entity.Keys, q.entity.Name)
	}
	for i, p := range parts {
		n, err := strconv.ParseInt(p, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("cursor id %q: key %s is not a number", id, q.entity.Keys[i])
		}
		parts[i] = strconv.FormatInt(n, 10)
	}
	return parts, nil
}

// Row is one result row.
type Row struct {
	// Raw is the row as JSON without NetSuite's links.
	Raw json.RawMessage
	// SrcID is the row's natural id: the internal id, or "item@location"
	// for inventory.
	SrcID string
	// Modified is the row's lastmodifieddate in UTC.
	Modified time.Time
	// Pos is the row's position in the scan's order.
	Pos checkpoint.Cursor
}

// Scan reads the rows of one window, page by page. Every page is a new
// keyset query starting after the last row read (its offset is always 0),
// so it never pages deep, never reaches the 100,000-row query cap however
// large the window, and cannot skip a row when rows change between pages.
type Scan struct {
	client   *Client
	query    Query
	from     checkpoint.Cursor
	until    time.Time
	pageSize int
	done     bool
	// Pages counts the queries run.
	Pages int
}

// NewScan reads the rows after from and before until (exclusive), pageSize
// (≤ MaxPageSize) rows per query.
func (c *Client) NewScan(q Query, from checkpoint.Cursor, until time.Time, pageSize int) *Scan {
	return &Scan{client: c, query: q, from: from, until: until, pageSize: min(max(pageSize, 1), MaxPageSize)}
}

// Done reports whether the window has been read.
func (s *Scan) Done() bool { return s.done }

// Next returns the next page of rows. On error the scan keeps its position,
// so calling Next again retries the same page.
func (s *Scan) Next(ctx context.Context) ([]Row, error) {
	if s.done {
		return nil, nil
	}
	stmt, err := s.query.Build(s.from, s.until)
	if err != nil {
		return nil, err
	}
	page, err := s.client.SuiteQL(ctx, stmt, s.pageSize, 0)
	if err != nil {
		return nil, err
	}
	s.Pages++
	rows := make([]Row, 0, len(page.Items))
	prev := s.from
	for i, item := range page.Items {
		row, err := s.query.decodeRow(item)
		if err != nil {
			return nil, fmt.Errorf("reading row %d of %s: %w", i, s.query.entity.Name, err)
		}
		if !prev.IsZero() && row.Pos.Compare(prev) <= 0 {
			return nil, fmt.Errorf("reading %s: row %s at %s is not after %s: the query must filter on the cursor and ORDER BY lastmodifieddate, %s", s.query.entity.Name, row.SrcID, row.Pos, prev, strings.Join(s.query.entity.Keys, ", "))
		}
		prev = row.Pos
		rows = append(rows, row)
	}
	if s.query.entity.JoinItemID && len(rows) > 0 {
		if err := s.joinItemIDs(ctx, rows); err != nil {
			return nil, err
		}
	}
	if len(rows) > 0 {
		s.from = rows[len(rows)-1].Pos
	}
	if len(rows) < s.pageSize || !page.HasMore {
		s.done = true
	}
	return rows, nil
}

// decodeRow reads the keys and the modification time of a row and drops
// its links.
func (q Query) decodeRow(item json.RawMessage) (Row, error) {
	var m map[string]any
	dec := json.NewDecoder(bytes.NewReader(item))
	dec.UseNumber()
	if err := dec.Decode(&m); err != nil {
		return Row{}, fmt.Errorf("decoding: %w", err)
	}
	delete(m, "links")
	ts, _ := m["lastmodifieddate"].(string)
	mod, err := time.ParseInLocation(goTimeFormat, ts, q.loc)
	if err != nil {
		return Row{}, fmt.Errorf("column lastmodifieddate %q is not 'YYYY-MM-DD HH24:MI:SS' (select it as TO_CHAR(lastmodifieddate, '%s'))", ts, sqlTimeFormat)
	}
	mod = mod.UTC()
	vals := make([]string, len(q.entity.Keys))
	for i, k := range q.entity.Keys {
		v := scalar(m[k])
		if _, err := strconv.ParseInt(v, 10, 64); err != nil {
			return Row{}, fmt.Errorf("column %s %q is not an internal id", k, v)
		}
		vals[i] = v
	}
	raw, err := json.Marshal(m)
	if err != nil {
		return Row{}, fmt.Errorf("encoding: %w", err)
	}
	return Row{Raw: raw, SrcID: strings.Join(vals, "@"), Modified: mod, Pos: checkpoint.Cursor{Time: mod, ID: cursorID(vals)}}, nil
}

// cursorID encodes key values so that ids of composite keys compare
// lexically in the query's order (checkpoint compares non-numeric ids
// lexically): each value is zero-padded.
func cursorID(vals []string) string {
	if len(vals) == 1 {
		return vals[0]
	}
	parts := make([]string, len(vals))
	for i, v := range vals {
		parts[i] = fmt.Sprintf("%019s", v)
	}
	return strings.Join(parts, "@")
}

func scalar(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case json.Number:
		return x.String()
	case nil:
		return ""
	case bool:
		return strconv.FormatBool(x)
	case map[string]any: // a reference {"id": ...}
		return scalar(x["id"])
	}
	return fmt.Sprint(v)
}

// joinItemIDs adds itemid to inventory rows with one item query per page.
func (s *Scan) joinItemIDs(ctx context.Context, rows []Row) error {
	ids := map[string]bool{}
	var list []string
	for _, r := range rows {
		item, _, _ := strings.Cut(r.SrcID, "@")
		if !ids[item] {
			ids[item] = true
			list = append(list, item)
		}
	}
	names := map[string]string{}
	for start := 0; start < len(list); start += MaxPageSize {
		chunk := list[start:min(start+MaxPageSize, len(list))]
		page, err := s.client.SuiteQL(ctx, "SELECT t.id, t.itemid FROM item t WHERE t.id IN ("+strings.Join(chunk, ", ")+")", MaxPageSize, 0)
		if err != nil {
			return fmt.Errorf("reading item ids of inventory rows: %w", err)
		}
		for _, it := range page.Items {
			var m map[string]any
			dec := json.NewDecoder(bytes.NewReader(it))
			dec.UseNumber()
			if err := dec.Decode(&m); err != nil {
				return fmt.Errorf("reading item ids of inventory rows: %w", err)
			}
			names[scalar(m["id"])] = scalar(m["itemid"])
		}
	}
	for i, r := range rows {
		item, _, _ := strings.Cut(r.SrcID, "@")
		var m map[string]any
		dec := json.NewDecoder(bytes.NewReader(r.Raw))
		dec.UseNumber()
		if err := dec.Decode(&m); err != nil {
			return err
		}
		m["itemid"] = names[item]
		raw, err := json.Marshal(m)
		if err != nil {
			return err
		}
		rows[i].Raw = raw
	}
	return nil
}
