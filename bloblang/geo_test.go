package bloblang

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCountryMethodsAcceptCodesNamesAndAliases(t *testing.T) {
	cases := []struct{ in, a2, a3 string }{
		{"US", "US", "USA"}, {"usa", "US", "USA"}, {"United States of America", "US", "USA"},
		{"Deutschland", "DE", "DEU"}, {"GBR", "GB", "GBR"}, {"UK", "GB", "GBR"},
		{"Côte d'Ivoire", "CI", "CIV"}, {"cote divoire", "CI", "CIV"}, {"Bolivia", "BO", "BOL"},
		{"Korea, Republic of", "KR", "KOR"}, {"Åland Islands", "AX", "ALA"},
	}
	for _, tc := range cases {
		got := mustRun(t, `root = [this.c.country_alpha2(), this.c.country_alpha3()]`, `{"c":"`+tc.in+`"}`)
		assert.JSONEq(t, `["`+tc.a2+`","`+tc.a3+`"]`, got, tc.in)
	}
	assert.JSONEq(t, `"Germany"`, mustRun(t, `root = "deu".country_name()`, `{}`))

	_, err := run(t, `root = "Atlantis".country_alpha2()`, `{}`)
	require.Error(t, err)
	assert.Contains(t, err.Error(), `unknown country "Atlantis"`)
}

func TestRegionMethodsConvertCodesAndNames(t *testing.T) {
	cases := []struct{ region, country, code string }{
		{"California", "US", "CA"}, {"ca", "USA", "CA"}, {"US-NY", "US", "NY"},
		{"Québec", "CA", "QC"}, {"Ontario", "Canada", "ON"},
		{"Baden-Württemberg", "DE", "BW"}, {"Baden-Wurttemberg", "DE", "BW"}, {"NRW", "DE", "NW"},
		{"Bavaria", "DE", "BY"}, {"Wien", "AT", "9"}, {"WI", "AT", "9"}, {"Zürich", "CH", "ZH"},
		{"New South Wales", "AU", "NSW"}, {"Milano", "IT", "MI"}, {"Madrid", "ES", "M"},
	}
	for _, tc := range cases {
		got := mustRun(t, `root = this.r.region_code(this.c)`, `{"r":"`+tc.region+`","c":"`+tc.country+`"}`)
		assert.JSONEq(t, `"`+tc.code+`"`, got, tc.region)
	}
	assert.JSONEq(t, `"Texas"`, mustRun(t, `root = "TX".region_name("US")`, `{}`))

	_, err := run(t, `root = "Narnia".region_code("US")`, `{}`)
	require.Error(t, err)
	assert.Contains(t, err.Error(), `unknown region "Narnia" in US`)

	_, err = run(t, `root = "Anywhere".region_code("GB")`, `{}`)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "no region table for country GB")
}
