package seed

import (
	"fmt"
	"math"
)

// Money is an amount in hundredths of its currency unit (cents), whatever
// the currency: 1999 is 19.99 USD or EUR. Amounts in JPY, which has no minor
// unit, are always whole yen (multiples of 100).
type Money int64

// Float64 returns the amount in currency units (19.99), as vendor JSON
// carries it.
func (m Money) Float64() float64 { return float64(m) / 100 }

// String formats the amount with two decimals: "19.99", "-0.50".
func (m Money) String() string {
	sign := ""
	v := int64(m)
	if v < 0 {
		sign, v = "-", -v
	}
	return fmt.Sprintf("%s%d.%02d", sign, v/100, v%100)
}

// percentOf returns p % of m, rounded half away from zero to the unit the
// currency allows.
func percentOf(m Money, p float64, currency string) Money {
	return roundFor(float64(m)*p/100, currency)
}

// roundFor rounds hundredths to cents, or to whole units for currencies
// without a minor unit.
func roundFor(cents float64, currency string) Money {
	if currency == "JPY" {
		return Money(math.Round(cents/100) * 100)
	}
	return Money(math.Round(cents))
}
