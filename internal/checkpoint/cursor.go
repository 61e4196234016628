// Package checkpoint keeps an input's incremental-sync position durable and
// honest: a typed, versioned Cursor (UTC time + tie-break id + optional page
// token), stored as JSON in a named Benthos cache resource, and a Tracker
// that advances the stored cursor only when every message before the new
// position has been acknowledged. A nack holds the cursor back; a restart
// resumes from the last position whose predecessors were all acked, so
// nothing is skipped (messages after it may be read again, which the sync
// task's content dedupe absorbs).
package checkpoint

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"
)

// Version is the cursor encoding this build writes and reads.
const Version = 1

// Cursor is a position in a source ordered by (Time, ID): the last entity
// that was fully processed. The zero Cursor is "before everything".
type Cursor struct {
	// Time is the entity's modification time, always UTC.
	Time time.Time
	// ID breaks ties between entities sharing Time. IDs that are both
	// decimal integers compare numerically, others lexically.
	ID string
	// PageToken is an opaque vendor paging token, for sources that page by
	// token rather than by (Time, ID).
	PageToken string
}

// IsZero reports whether c is the zero position.
func (c Cursor) IsZero() bool { return c.Time.IsZero() && c.ID == "" && c.PageToken == "" }

// Compare orders cursors by Time, then ID. PageToken does not take part.
func (c Cursor) Compare(o Cursor) int {
	if r := c.Time.Compare(o.Time); r != 0 {
		return r
	}
	return CompareIDs(c.ID, o.ID)
}

// CompareIDs compares two tie-break ids: numerically when both are decimal
// integers ("9" < "10"), lexically otherwise.
func CompareIDs(a, b string) int {
	ai, aErr := strconv.ParseInt(a, 10, 64)
	bi, bErr := strconv.ParseInt(b, 10, 64)
	if aErr == nil && bErr == nil {
		return cmp.Compare(ai, bi)
	}
	return cmp.Compare(a, b)
}

func (c Cursor) String() string {
	s := c.Time.UTC().Format(time.RFC3339Nano) + "/" + c.ID
	if c.PageToken != "" {
		s += "/" + c.PageToken
	}
	return s
}

type cursorJSON struct {
	Version   int       `json:"version"`
	Time      time.Time `json:"time"`
	ID        string    `json:"id,omitempty"`
	PageToken string    `json:"page_token,omitempty"`
}

// MarshalJSON encodes the cursor with its version.
func (c Cursor) MarshalJSON() ([]byte, error) {
	return json.Marshal(cursorJSON{Version: Version, Time: c.Time.UTC(), ID: c.ID, PageToken: c.PageToken})
}

// ErrUnknownVersion is wrapped by decoding errors for a cursor written by a
// different encoding version.
var ErrUnknownVersion = errors.New("unknown checkpoint version")

// ErrCorrupt is wrapped by decoding errors for a value that is not a
// cursor at all.
var ErrCorrupt = errors.New("corrupt checkpoint")

// UnmarshalJSON decodes a cursor, refusing unknown versions and malformed
// values rather than silently starting over.
func (c *Cursor) UnmarshalJSON(b []byte) error {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return fmt.Errorf("%w: %v", ErrCorrupt, err)
	}
	var v cursorJSON
	if err := json.Unmarshal(b, &v); err != nil {
		return fmt.Errorf("%w: %v", ErrCorrupt, err)
	}
	if _, ok := raw["version"]; !ok {
		return fmt.Errorf("%w: no version field", ErrCorrupt)
	}
	if v.Version != Version {
		return fmt.Errorf("%w %d (this datawald reads version %d)", ErrUnknownVersion, v.Version, Version)
	}
	*c = Cursor{Time: v.Time.UTC(), ID: v.ID, PageToken: v.PageToken}
	return nil
}
