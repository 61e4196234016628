package bloblang

import (
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"strconv"
	"strings"

	"github.com/redpanda-data/benthos/v4/public/bloblang"
)

// ErrNotDecimal is returned (wrapped) for a value that is not an exact
// decimal number.
var ErrNotDecimal = errors.New("not a decimal number")

// maxScale bounds the fraction digits a value may carry, so a hostile input
// cannot make arithmetic allocate without limit.
const maxScale = 30

// decimal is an exact decimal: a rational whose denominator divides
// 10^scale. scale is the number of fraction digits it is written with.
type decimal struct {
	r     *big.Rat
	scale int
}

// parseDecimal reads a decimal from a Bloblang value. Strings keep their
// written scale ("19.90" has scale 2); float64 values (JSON numbers) are
// read through their shortest decimal form, so 0.1 is exactly 1/10 and not
// the binary approximation.
func parseDecimal(v any) (decimal, error) {
	switch x := v.(type) {
	case string:
		return parseDecimalString(x)
	case json.Number:
		return parseDecimalString(x.String())
	case int64:
		return decimal{r: new(big.Rat).SetInt64(x)}, nil
	case int:
		return decimal{r: new(big.Rat).SetInt64(int64(x))}, nil
	case uint64:
		return decimal{r: new(big.Rat).SetUint64(x)}, nil
	case float64:
		return parseDecimalString(strconv.FormatFloat(x, 'f', -1, 64))
	case nil:
		return decimal{}, fmt.Errorf("%w: null", ErrNotDecimal)
	}
	return decimal{}, fmt.Errorf("%w: %T", ErrNotDecimal, v)
}

func parseDecimalString(s string) (decimal, error) {
	t := strings.TrimPrefix(strings.TrimSpace(s), "+")
	digits, frac, hasDot := strings.Cut(strings.TrimPrefix(t, "-"), ".")
	if (digits == "" && frac == "") || !allDigits(digits) || !allDigits(frac) || (hasDot && frac == "" && digits == "") {
		return decimal{}, fmt.Errorf("%w: %q", ErrNotDecimal, s)
	}
	if len(frac) > maxScale {
		return decimal{}, fmt.Errorf("%w: %q has more than %d fraction digits", ErrNotDecimal, s, maxScale)
	}
	r, ok := new(big.Rat).SetString(t)
	if !ok {
		return decimal{}, fmt.Errorf("%w: %q", ErrNotDecimal, s)
	}
	return decimal{r: r, scale: len(frac)}, nil
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// String writes d with exactly d.scale fraction digits; exact because the
// denominator divides 10^scale.
func (d decimal) String() string {
	s := d.r.FloatString(d.scale)
	if s == "-0" || strings.HasPrefix(s, "-0.") && strings.Trim(s[3:], "0") == "" {
		s = s[1:]
	}
	return s
}

// round returns d rounded to places fraction digits: half away from zero
// (commercial rounding) or half to even (banker's rounding).
func (d decimal) round(places int, halfEven bool) decimal {
	scale := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(places)), nil)
	n := new(big.Int).Mul(d.r.Num(), scale)
	q, rem := new(big.Int).QuoRem(n, d.r.Denom(), new(big.Int))
	twice := new(big.Int).Mul(new(big.Int).Abs(rem), big.NewInt(2))
	switch c := twice.Cmp(d.r.Denom()); {
	case c > 0, c == 0 && (!halfEven || q.Bit(0) == 1):
		if n.Sign() < 0 {
			q.Sub(q, big.NewInt(1))
		} else {
			q.Add(q, big.NewInt(1))
		}
	}
	return decimal{r: new(big.Rat).SetFrac(q, scale), scale: places}
}

// currencyDigits lists ISO 4217 currencies whose minor unit is not 2.
var currencyDigits = map[string]int{
	"BIF": 0, "CLP": 0, "DJF": 0, "GNF": 0, "ISK": 0, "JPY": 0, "KMF": 0, "KRW": 0, "PYG": 0,
	"RWF": 0, "UGX": 0, "UYI": 0, "VND": 0, "VUV": 0, "XAF": 0, "XOF": 0, "XPF": 0,
	"BHD": 3, "IQD": 3, "JOD": 3, "KWD": 3, "LYD": 3, "OMR": 3, "TND": 3,
	"CLF": 4, "UYW": 4,
}

func decimalArg(args *bloblang.ParsedParams, name string) (decimal, error) {
	v, err := args.Get(name)
	if err != nil {
		return decimal{}, err
	}
	d, err := parseDecimal(v)
	if err != nil {
		return decimal{}, fmt.Errorf("argument %s: %w", name, err)
	}
	return d, nil
}

// registerBinary registers a method `name(other)` computing op(this, other).
func registerBinary(name, description string, op func(a, b decimal) (decimal, error), examples ...[2]string) {
	spec := bloblang.NewPluginSpec().Category(category).
		Description(description + " Operands are numbers or decimal strings; the result is a decimal string, exact " +
			"(no float64 rounding). A value that is not a decimal is an error naming it.").
		Param(bloblang.NewAnyParam("other").Description("The other operand, a number or decimal string."))
	spec.Example("", `root.out = this.a.`+name+`(this.b)`, examples...)
	bloblang.MustRegisterMethodV2(name, spec, func(args *bloblang.ParsedParams) (bloblang.Method, error) {
		b, err := decimalArg(args, "other")
		if err != nil {
			return nil, err
		}
		return func(v any) (any, error) {
			a, err := parseDecimal(v)
			if err != nil {
				return nil, err
			}
			out, err := op(a, b)
			if err != nil {
				return nil, err
			}
			return out.String(), nil
		}, nil
	})
}

func init() {
	registerBinary("decimal_add", "Adds two decimals; the result has the larger scale of the two.",
		func(a, b decimal) (decimal, error) {
			return decimal{r: new(big.Rat).Add(a.r, b.r), scale: max(a.scale, b.scale)}, nil
		},
		[2]string{`{"a":0.1,"b":0.2}`, `{"out":"0.3"}`},
		[2]string{`{"a":"19.90","b":"0.10"}`, `{"out":"20.00"}`})
	registerBinary("decimal_sub", "Subtracts the argument from the value; the result has the larger scale.",
		func(a, b decimal) (decimal, error) {
			return decimal{r: new(big.Rat).Sub(a.r, b.r), scale: max(a.scale, b.scale)}, nil
		},
		[2]string{`{"a":"100.00","b":"0.01"}`, `{"out":"99.99"}`})
	registerBinary("decimal_mul", "Multiplies two decimals; the result's scale is the sum of the two, so nothing is lost. Round it with decimal_round or money.",
		func(a, b decimal) (decimal, error) {
			if a.scale+b.scale > 2*maxScale {
				return decimal{}, fmt.Errorf("multiplying: result would have more than %d fraction digits", 2*maxScale)
			}
			return decimal{r: new(big.Rat).Mul(a.r, b.r), scale: a.scale + b.scale}, nil
		},
		[2]string{`{"a":"3","b":"19.99"}`, `{"out":"59.97"}`},
		[2]string{`{"a":"1.15","b":"0.0825"}`, `{"out":"0.094875"}`})

	divSpec := bloblang.NewPluginSpec().Category(category).
		Description("Divides the value by the argument and rounds the quotient half away from zero to `places` fraction digits. Division by zero is an error.").
		Param(bloblang.NewAnyParam("other").Description("The divisor, a number or decimal string.")).
		Param(bloblang.NewInt64Param("places").Default(2).Description("Fraction digits of the result."))
	divSpec.Example("Unit price from a row total.", `root.unit = this.total.decimal_div(this.qty, 4)`,
		[2]string{`{"total":"10.00","qty":3}`, `{"unit":"3.3333"}`})
	bloblang.MustRegisterMethodV2("decimal_div", divSpec, func(args *bloblang.ParsedParams) (bloblang.Method, error) {
		b, err := decimalArg(args, "other")
		if err != nil {
			return nil, err
		}
		places, err := placesArg(args)
		if err != nil {
			return nil, err
		}
		return func(v any) (any, error) {
			a, err := parseDecimal(v)
			if err != nil {
				return nil, err
			}
			if b.r.Sign() == 0 {
				return nil, fmt.Errorf("dividing %s by zero", a)
			}
			return decimal{r: new(big.Rat).Quo(a.r, b.r)}.round(places, false).String(), nil
		}, nil
	})

	roundSpec := bloblang.NewPluginSpec().Category(category).
		Description("Rounds a decimal to `places` fraction digits and writes exactly that many. Mode `half_up` rounds halves away from zero (commercial rounding, Magento and NetSuite's choice); `half_even` rounds them to the even neighbour (banker's rounding).").
		Param(bloblang.NewInt64Param("places").Default(2).Description("Fraction digits of the result.")).
		Param(bloblang.NewStringParam("mode").Default("half_up").Description("`half_up` or `half_even`."))
	roundSpec.Example("", `root.out = this.v.decimal_round(2)`,
		[2]string{`{"v":"2.675"}`, `{"out":"2.68"}`},
		[2]string{`{"v":-1.005}`, `{"out":"-1.01"}`},
		[2]string{`{"v":"7"}`, `{"out":"7.00"}`})
	roundSpec.Example("Banker's rounding.", `root.out = this.v.decimal_round(places: 1, mode: "half_even")`,
		[2]string{`{"v":"0.25"}`, `{"out":"0.2"}`},
		[2]string{`{"v":"0.35"}`, `{"out":"0.4"}`})
	bloblang.MustRegisterMethodV2("decimal_round", roundSpec, func(args *bloblang.ParsedParams) (bloblang.Method, error) {
		places, err := placesArg(args)
		if err != nil {
			return nil, err
		}
		mode, err := args.GetString("mode")
		if err != nil {
			return nil, err
		}
		if mode != "half_up" && mode != "half_even" {
			return nil, fmt.Errorf("decimal_round: mode %q: want half_up or half_even", mode)
		}
		return func(v any) (any, error) {
			d, err := parseDecimal(v)
			if err != nil {
				return nil, err
			}
			return d.round(places, mode == "half_even").String(), nil
		}, nil
	})

	moneySpec := bloblang.NewPluginSpec().Category(category).
		Description("Formats an amount as money: rounded half away from zero to the currency's minor unit (ISO 4217: 2 digits for most, 0 for JPY or KRW, 3 for KWD or BHD) and written with exactly that many fraction digits. Without a currency it uses 2.").
		Param(bloblang.NewStringParam("currency").Default("").Description("ISO 4217 currency code."))
	moneySpec.Example("", `root.total = this.total.money(this.currency)`,
		[2]string{`{"total":129.9,"currency":"USD"}`, `{"total":"129.90"}`},
		[2]string{`{"total":"1500.5","currency":"JPY"}`, `{"total":"1501"}`})
	bloblang.MustRegisterMethodV2("money", moneySpec, func(args *bloblang.ParsedParams) (bloblang.Method, error) {
		cur, err := args.GetString("currency")
		if err != nil {
			return nil, err
		}
		places := 2
		if n, ok := currencyDigits[strings.ToUpper(cur)]; ok {
			places = n
		}
		return func(v any) (any, error) {
			d, err := parseDecimal(v)
			if err != nil {
				return nil, err
			}
			return d.round(places, false).String(), nil
		}, nil
	})

	unary := func(name, description string, fn func(decimal) decimal, ex ...[2]string) {
		spec := bloblang.NewPluginSpec().Category(category).Description(description)
		spec.Example("", `root.out = this.v.`+name+`()`, ex...)
		bloblang.MustRegisterMethodV2(name, spec, func(*bloblang.ParsedParams) (bloblang.Method, error) {
			return func(v any) (any, error) {
				d, err := parseDecimal(v)
				if err != nil {
					return nil, err
				}
				return fn(d).String(), nil
			}, nil
		})
	}
	unary("decimal", "Converts a number or numeric string to a canonical decimal string, exactly: JSON numbers through their shortest decimal form (0.1 stays \"0.1\"), strings keep their scale. Anything else is an error naming the value.",
		func(d decimal) decimal { return d },
		[2]string{`{"v":19.9}`, `{"out":"19.9"}`},
		[2]string{`{"v":" 5.00 "}`, `{"out":"5.00"}`})
	unary("decimal_abs", "Returns the absolute value of a decimal (Magento stores discounts as negative amounts).",
		func(d decimal) decimal { return decimal{r: new(big.Rat).Abs(d.r), scale: d.scale} },
		[2]string{`{"v":"-5.00"}`, `{"out":"5.00"}`})
	unary("decimal_neg", "Returns the decimal with its sign flipped.",
		func(d decimal) decimal { return decimal{r: new(big.Rat).Neg(d.r), scale: d.scale} },
		[2]string{`{"v":"5.00"}`, `{"out":"-5.00"}`})

	cmpSpec := bloblang.NewPluginSpec().Category(category).
		Description("Compares the value with the argument exactly: -1 if smaller, 0 if equal, 1 if larger (\"1.0\" equals 1).").
		Param(bloblang.NewAnyParam("other").Description("The number or decimal string to compare with."))
	cmpSpec.Example("Keep lines with a positive quantity.", `root = this.lines.filter(l -> l.qty.decimal_cmp(0) > 0)`,
		[2]string{`{"lines":[{"qty":"0.000"},{"qty":2}]}`, `[{"qty":2}]`})
	bloblang.MustRegisterMethodV2("decimal_cmp", cmpSpec, func(args *bloblang.ParsedParams) (bloblang.Method, error) {
		b, err := decimalArg(args, "other")
		if err != nil {
			return nil, err
		}
		return func(v any) (any, error) {
			a, err := parseDecimal(v)
			if err != nil {
				return nil, err
			}
			return int64(a.r.Cmp(b.r)), nil
		}, nil
	})

	sumSpec := bloblang.NewPluginSpec().Category(category).
		Description("Sums an array of numbers or decimal strings exactly; the result has the largest scale of the elements. An empty array sums to \"0\".")
	sumSpec.Example("", `root.subtotal = this.lines.map_each(l -> l.total).decimal_sum()`,
		[2]string{`{"lines":[{"total":"0.10"},{"total":0.2},{"total":"39.98"}]}`, `{"subtotal":"40.28"}`})
	bloblang.MustRegisterMethodV2("decimal_sum", sumSpec, func(*bloblang.ParsedParams) (bloblang.Method, error) {
		return bloblang.ArrayMethod(func(items []any) (any, error) {
			sum := decimal{r: new(big.Rat)}
			for i, it := range items {
				d, err := parseDecimal(it)
				if err != nil {
					return nil, fmt.Errorf("element %d: %w", i, err)
				}
				sum.r.Add(sum.r, d.r)
				sum.scale = max(sum.scale, d.scale)
			}
			return sum.String(), nil
		}), nil
	})
}

func placesArg(args *bloblang.ParsedParams) (int, error) {
	p, err := args.GetInt64("places")
	if err != nil {
		return 0, err
	}
	if p < 0 || p > maxScale {
		return 0, fmt.Errorf("places %d: want 0 to %d", p, maxScale)
	}
	return int(p), nil
}
