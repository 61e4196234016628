package bloblang

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestDecimalArithmeticIsExactWhereFloat64IsNot(t *testing.T) {
	cases := []struct{ name, mapping, in, want string }{
		{"tenths add up", `root = this.a.decimal_add(this.b)`, `{"a":0.1,"b":0.2}`, `"0.3"`},
		{"ten dimes make a dollar", `root = [0.1,0.1,0.1,0.1,0.1,0.1,0.1,0.1,0.1,0.1].decimal_sum()`, `{}`, `"1.0"`},
		{"scale is kept", `root = "19.90".decimal_sub("9.90")`, `{}`, `"10.00"`},
		{"product keeps every digit", `root = "1.005".decimal_mul(1000)`, `{}`, `"1005.000"`},
		{"large values do not overflow", `root = "92233720368547758070.01".decimal_add("0.99")`, `{}`, `"92233720368547758071.00"`},
		{"negative zero is zero", `root = "-0.004".decimal_round(2)`, `{}`, `"0.00"`},
		{"half up rounds away from zero", `root = "-2.345".decimal_round(2)`, `{}`, `"-2.35"`},
		{"half even rounds to even", `root = "2.345".decimal_round(places: 2, mode: "half_even")`, `{}`, `"2.34"`},
		{"float input that misrounds in binary", `root = 1.005.decimal_round(2)`, `{}`, `"1.01"`},
		{"division rounds to places", `root = "2".decimal_div(3, 3)`, `{}`, `"0.667"`},
		{"money uses the currency minor unit", `root = "12.3456".money("KWD")`, `{}`, `"12.346"`},
		{"money pads", `root = 5.money()`, `{}`, `"5.00"`},
		{"compare ignores scale", `root = "1.000".decimal_cmp(1)`, `{}`, `0`},
		{"empty sum is zero", `root = [].decimal_sum()`, `{}`, `"0"`},
		{"abs of Magento discount", `root = "-15.50".decimal_abs()`, `{}`, `"15.50"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			assert.JSONEq(t, tc.want, mustRun(t, tc.mapping, tc.in))
		})
	}
}

func TestDecimalRefusesNonNumbersNamingThem(t *testing.T) {
	for _, in := range []string{`"1,234.50"`, `"12abc"`, `""`, `"."`, `null`, `true`, `"1e5"`} {
		_, err := run(t, `root = this.v.decimal_add(1)`, `{"v":`+in+`}`)
		require.Error(t, err, in)
		assert.Contains(t, err.Error(), "not a decimal number", in)
	}
	_, err := run(t, `root = "1".decimal_div(0)`, `{}`)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "by zero")

	_, err = run(t, `root = "1".decimal_round(mode: "ceiling")`, `{}`)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "half_up or half_even")
}
