package bloblang

import (
	"errors"
	"fmt"
	"strings"
	"time"
	_ "time/tzdata" // zones resolve in containers without /usr/share/zoneinfo

	"github.com/redpanda-data/benthos/v4/public/bloblang"
)

// ErrUnparseableTimestamp is returned (wrapped) for a timestamp in none of
// the vendor layouts.
var ErrUnparseableTimestamp = errors.New("unparseable timestamp")

// vendorLayouts are tried in order. Layouts with an offset or "Z" carry
// their own zone; the rest are read in the zone the caller names.
var vendorLayouts = []string{
	time.RFC3339Nano,                // NetSuite REST, HubSpot: 2026-03-01T09:30:00.000Z
	"2006-01-02T15:04:05.999999999", // ISO 8601 without zone
	"2006-01-02 15:04:05",           // Magento: created_at, updated_at
	"2006-01-02 15:04:05.999999999",
	"2006-01-02T15:04",
	"2006-01-02 15:04",
	"1/2/2006 3:04:05 pm", // NetSuite preference "M/D/YYYY" with seconds
	"1/2/2006 3:04 pm",    // NetSuite saved-search and SOAP display format
	"1/2/2006 15:04:05",
	"1/2/2006 15:04",
	"2006-01-02", // dates: midnight in the given zone
	"1/2/2006",
}

// parseVendorTime parses s in one of vendorLayouts; zone-less values are
// read in loc. NetSuite's "am"/"pm" may be in either case.
func parseVendorTime(s string, loc *time.Location) (time.Time, error) {
	in := strings.TrimSpace(s)
	lower := strings.ToLower(in)
	for _, layout := range vendorLayouts {
		v := in
		if strings.Contains(layout, "pm") {
			v = lower
		}
		if t, err := time.ParseInLocation(layout, v, loc); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("%w %q: want RFC 3339, \"2006-01-02 15:04:05\", \"1/2/2006 3:04 pm\" or a date", ErrUnparseableTimestamp, s)
}

func init() {
	spec := bloblang.NewPluginSpec().Category(category).
		Description(`Parses a vendor timestamp and returns it as an RFC 3339 string in UTC, the canonical form.
Accepted layouts: RFC 3339 with any offset (NetSuite REST, HubSpot), Magento's "2006-01-02 15:04:05",
ISO 8601 without zone, NetSuite's display formats "1/2/2006 3:04 pm" and "1/2/2006 15:04", and plain
dates ("2006-01-02", "1/2/2006", read as midnight). A value without an offset is read in the zone
named by `+"`zone`"+` (an IANA name; Magento stores UTC, NetSuite displays in the account's zone).
A Unix timestamp (number of seconds) is accepted too. Anything else is an error naming the value.`).
		Param(bloblang.NewStringParam("zone").Default("UTC").Description("IANA time zone of values that carry no offset.")).
		Example("Magento stores UTC without an offset.",
			`root.updated_at = this.updated_at.to_utc()`,
			[2]string{`{"updated_at":"2026-03-01 09:30:00"}`, `{"updated_at":"2026-03-01T09:30:00Z"}`}).
		Example("NetSuite display formats are in the account's time zone.",
			`root.shipped_at = this.trandate.to_utc("America/Los_Angeles")`,
			[2]string{`{"trandate":"3/1/2026 4:05 pm"}`, `{"shipped_at":"2026-03-02T00:05:00Z"}`}).
		Example("An offset in the value wins over the zone argument.",
			`root.at = this.at.to_utc("Europe/Berlin")`,
			[2]string{`{"at":"2026-07-01T12:00:00.250-04:00"}`, `{"at":"2026-07-01T16:00:00.25Z"}`})
	bloblang.MustRegisterMethodV2("to_utc", spec, func(args *bloblang.ParsedParams) (bloblang.Method, error) {
		zone, err := args.GetString("zone")
		if err != nil {
			return nil, err
		}
		loc, err := time.LoadLocation(zone)
		if err != nil {
			return nil, fmt.Errorf("loading time zone %q: %w", zone, err)
		}
		return func(v any) (any, error) {
			var t time.Time
			switch x := v.(type) {
			case string:
				if t, err = parseVendorTime(x, loc); err != nil {
					return nil, err
				}
			case time.Time:
				t = x
			case int64:
				t = time.Unix(x, 0)
			case float64:
				t = time.Unix(0, int64(x*1e9))
			default:
				return nil, fmt.Errorf("%w: want a string or a Unix time, got %T", ErrUnparseableTimestamp, v)
			}
			return t.UTC().Format(time.RFC3339Nano), nil
		}, nil
	})
}
