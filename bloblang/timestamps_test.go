package bloblang

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestToUTCReadsVendorLayouts(t *testing.T) {
	cases := []struct{ name, in, zone, want string }{
		{"Magento UTC", "2026-03-01 09:30:00", "UTC", "2026-03-01T09:30:00Z"},
		{"Magento store zone", "2026-07-01 09:30:00", "Europe/Berlin", "2026-07-01T07:30:00Z"},
		{"NetSuite REST", "2026-03-01T17:05:09.123Z", "America/New_York", "2026-03-01T17:05:09.123Z"},
		{"offset wins over zone", "2026-03-01T12:00:00+05:30", "UTC", "2026-03-01T06:30:00Z"},
		{"NetSuite display pm", "3/1/2026 4:05 pm", "America/Los_Angeles", "2026-03-02T00:05:00Z"},
		{"NetSuite display PM upper", "12/31/2026 11:59 PM", "UTC", "2026-12-31T23:59:00Z"},
		{"NetSuite 24h", "3/1/2026 16:05", "UTC", "2026-03-01T16:05:00Z"},
		{"date only is midnight in zone", "2026-03-01", "America/Chicago", "2026-03-01T06:00:00Z"},
		{"time in the DST gap takes the daylight offset", "2026-03-08 02:30:00", "America/New_York", "2026-03-08T06:30:00Z"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := mustRun(t, `root = this.v.to_utc(this.z)`, `{"v":"`+tc.in+`","z":"`+tc.zone+`"}`)
			assert.JSONEq(t, `"`+tc.want+`"`, got)
		})
	}
	assert.JSONEq(t, `"2026-03-01T09:30:00Z"`, mustRun(t, `root = this.v.to_utc()`, `{"v":1772357400}`))
}

func TestToUTCRefusesGarbageAndUnknownZones(t *testing.T) {
	_, err := run(t, `root = this.v.to_utc()`, `{"v":"yesterday"}`)
	require.Error(t, err)
	assert.Contains(t, err.Error(), `unparseable timestamp "yesterday"`)

	_, err = run(t, `root = this.v.to_utc("Mars/Olympus")`, `{"v":"2026-03-01"}`)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "Mars/Olympus")
}
