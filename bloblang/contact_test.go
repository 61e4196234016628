package bloblang

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestPhoneE164NormalisesNationalAndInternationalNumbers(t *testing.T) {
	cases := []struct{ in, country, want string }{
		{"(415) 555-0123", "US", "+14155550123"},
		{"1-415-555-0123", "US", "+14155550123"},
		{"415.555.0123", "CA", "+14155550123"},
		{"011 44 20 7946 0958", "US", "+442079460958"},
		{"+44 (0)20 7946 0958", "US", "+4402079460958"},
		{"020 7946 0958", "GB", "+442079460958"},
		{"0049 30 1234567", "DE", "+49301234567"},
		{"030/1234567", "Germany", "+49301234567"},
		{"02 1234 5678", "IT", "+390212345678"},
		{"06 12 34 56 78", "FR", "+33612345678"},
		{"+81 3-1234-5678", "JP", "+81312345678"},
	}
	for _, tc := range cases {
		got := mustRun(t, `root = this.p.phone_e164(this.c)`, `{"p":"`+tc.in+`","c":"`+tc.country+`"}`)
		assert.JSONEq(t, `"`+tc.want+`"`, got, tc.in)
	}
}

func TestPhoneE164RefusesWhatItCannotNormalise(t *testing.T) {
	cases := map[string]string{
		"555-0123 ext 4":  "extensions",
		"555-0123":        "10-digit North American",
		"+12":             "8 to 15 digits",
		"":                "empty",
		"call me":         "unexpected",
		"0800 123 456 78": "no dialing plan for AQ",
	}
	for in, want := range cases {
		country := "US"
		if want == "no dialing plan for AQ" {
			country = "AQ"
		}
		_, err := run(t, `root = this.p.phone_e164(this.c)`, `{"p":"`+in+`","c":"`+country+`"}`)
		require.Error(t, err, in)
		assert.Contains(t, err.Error(), want, in)
	}
	assert.JSONEq(t, `"n/a"`, mustRun(t, `root = "n/a".phone_e164().catch("n/a")`, `{}`))
}

func TestEmailNormalizeLowercasesAndValidates(t *testing.T) {
	assert.JSONEq(t, `"josé.núñez@exämple.de"`, mustRun(t, `root = " mailto:José.Núñez@Exämple.DE ".email_normalize()`, `{}`))
	for _, bad := range []string{"Ana <ana@example.com>", "ana@localhost", "ana@@example.com", "ana", "a b@example.com", "ana@example."} {
		_, err := run(t, `root = this.e.email_normalize()`, `{"e":"`+bad+`"}`)
		require.Error(t, err, bad)
		assert.Contains(t, err.Error(), "invalid email address", bad)
	}
}
