package bloblang

import (
	"bufio"
	"bytes"
	_ "embed"
	"errors"
	"fmt"
	"strings"
	"unicode"

	"github.com/redpanda-data/benthos/v4/public/bloblang"
	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"
)

// ErrUnknownCountry and ErrUnknownRegion are returned (wrapped) for values
// the tables do not know.
var (
	ErrUnknownCountry = errors.New("unknown country")
	ErrUnknownRegion  = errors.New("unknown region")
)

//go:embed data/countries.tsv
var countriesTSV []byte

//go:embed data/regions.tsv
var regionsTSV []byte

//go:embed data/region_aliases.tsv
var regionAliasesTSV []byte

type country struct{ alpha2, alpha3, name string }

type region struct{ code, name string }

var (
	countryByKey = map[string]*country{} // folded alpha-2, alpha-3, names → country
	regionByKey  = map[string]map[string]*region{}
)

func init() {
	for _, f := range tsvRows(countriesTSV) {
		c := &country{alpha2: f[0], alpha3: f[1], name: f[2]}
		if len(f) > 3 && f[3] != "" {
			c.name = f[3] // the common name reads better on a label ("Bolivia")
		}
		for _, k := range f {
			if k != "" {
				countryByKey[fold(k)] = c
			}
		}
	}
	for alias, code := range countryAliases {
		countryByKey[fold(alias)] = countryByKey[fold(code)]
	}
	for _, f := range tsvRows(regionsTSV) {
		r := &region{code: f[1], name: f[2]}
		m := regionByKey[f[0]]
		if m == nil {
			m = map[string]*region{}
			regionByKey[f[0]] = m
		}
		m[fold(r.code)], m[fold(r.name)] = r, r
	}
	for _, f := range tsvRows(regionAliasesTSV) {
		m := regionByKey[f[0]]
		r := m[fold(f[2])]
		if r == nil {
			panic(fmt.Sprintf("region_aliases.tsv: %s-%s is not in regions.tsv", f[0], f[2]))
		}
		m[fold(f[1])] = r
	}
}

// countryAliases are everyday names the ISO tables do not carry.
var countryAliases = map[string]string{
	"USA": "US", "U.S.A.": "US", "U.S.": "US", "America": "US", "United States of America": "US",
	"UK": "GB", "Great Britain": "GB", "England": "GB", "Scotland": "GB", "Wales": "GB",
	"Deutschland": "DE", "Holland": "NL", "South Korea": "KR", "Korea": "KR", "Russia": "RU",
	"Vietnam": "VN", "Czech Republic": "CZ", "Ivory Coast": "CI", "Turkey": "TR",
}

func tsvRows(b []byte) [][]string {
	var rows [][]string
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		rows = append(rows, strings.Split(line, "\t"))
	}
	return rows
}

// fold makes a lookup key: accents removed, case folded, punctuation and
// spacing collapsed, so "Québec", "quebec" and "QUEBEC " match.
func fold(s string) string {
	out := s
	if !isASCII(s) {
		t := transform.Chain(norm.NFD, runes.Remove(runes.In(unicode.Mn)), norm.NFC)
		if r, _, err := transform.String(t, s); err == nil {
			out = r
		}
	}
	out = strings.ReplaceAll(out, "ß", "ss")
	var b strings.Builder
	space := false
	for _, r := range strings.ToLower(out) {
		switch {
		case r == '\'' || r == '’':
			// apostrophes join: "Côte d'Ivoire" matches "Cote dIvoire"
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			if space && b.Len() > 0 {
				b.WriteByte(' ')
			}
			space = false
			b.WriteRune(r)
		default:
			space = true
		}
	}
	return b.String()
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

func findCountry(v string) (*country, error) {
	if c, ok := countryByKey[fold(v)]; ok {
		return c, nil
	}
	return nil, fmt.Errorf("%w %q", ErrUnknownCountry, v)
}

func findRegion(countryValue, v string) (*region, error) {
	c, err := findCountry(countryValue)
	if err != nil {
		return nil, err
	}
	m, ok := regionByKey[c.alpha2]
	if !ok {
		return nil, fmt.Errorf("%w %q: no region table for country %s", ErrUnknownRegion, v, c.alpha2)
	}
	k := fold(v)
	k = strings.TrimPrefix(k, strings.ToLower(c.alpha2)+" ") // "US-CA" folds to "us ca"
	if r, ok := m[k]; ok {
		return r, nil
	}
	return nil, fmt.Errorf("%w %q in %s", ErrUnknownRegion, v, c.alpha2)
}

func init() {
	countryMethod := func(name, what string, pick func(*country) string, ex [2]string) {
		spec := bloblang.NewPluginSpec().Category(category).
			Description("Returns the "+what+" of a country given as an ISO 3166-1 alpha-2 or alpha-3 code or an English name "+
				"(case, accents and punctuation ignored; common aliases such as \"USA\" and \"UK\" accepted). "+
				"An unknown country is an error naming the value.").
			Example("", "root.country = this.country."+name+"()", ex)
		bloblang.MustRegisterMethodV2(name, spec, func(*bloblang.ParsedParams) (bloblang.Method, error) {
			return bloblang.StringMethod(func(s string) (any, error) {
				c, err := findCountry(s)
				if err != nil {
					return nil, err
				}
				return pick(c), nil
			}), nil
		})
	}
	countryMethod("country_alpha2", "ISO 3166-1 alpha-2 code", func(c *country) string { return c.alpha2 },
		[2]string{`{"country":"United States"}`, `{"country":"US"}`})
	countryMethod("country_alpha3", "ISO 3166-1 alpha-3 code", func(c *country) string { return c.alpha3 },
		[2]string{`{"country":"de"}`, `{"country":"DEU"}`})
	countryMethod("country_name", "English short name", func(c *country) string { return c.name },
		[2]string{`{"country":"GBR"}`, `{"country":"United Kingdom"}`})

	regionMethod := func(name, what string, pick func(*region) string, ex ...[2]string) {
		spec := bloblang.NewPluginSpec().Category(category).
			Description("Returns the " + what + " of a state, province or other first-level region given by code or name " +
				"within a country (ISO 3166-2; case and accents ignored; Magento's own German and Austrian codes and " +
				"common English names accepted). Covers " + strings.Join(regionCountries(), ", ") + ". " +
				"An unknown region, or a country without a region table, is an error naming the value.").
			Param(bloblang.NewStringParam("country").Description("The region's country, as an alpha-2 or alpha-3 code or a name."))
		spec.Example("", "root.region = this.region."+name+"(this.country)", ex...)
		bloblang.MustRegisterMethodV2(name, spec, func(args *bloblang.ParsedParams) (bloblang.Method, error) {
			cv, err := args.GetString("country")
			if err != nil {
				return nil, err
			}
			return bloblang.StringMethod(func(s string) (any, error) {
				r, err := findRegion(cv, s)
				if err != nil {
					return nil, err
				}
				return pick(r), nil
			}), nil
		})
	}
	regionMethod("region_code", "ISO 3166-2 code (without the country prefix)", func(r *region) string { return r.code },
		[2]string{`{"region":"California","country":"US"}`, `{"region":"CA"}`},
		[2]string{`{"region":"Bavaria","country":"DEU"}`, `{"region":"BY"}`},
		[2]string{`{"region":"Québec","country":"Canada"}`, `{"region":"QC"}`})
	regionMethod("region_name", "ISO 3166-2 name", func(r *region) string { return r.name },
		[2]string{`{"region":"tx","country":"US"}`, `{"region":"Texas"}`},
		[2]string{`{"region":"BAY","country":"DE"}`, `{"region":"Bayern"}`})
}

func regionCountries() []string {
	var cs []string
	for _, f := range tsvRows(regionsTSV) {
		if len(cs) == 0 || cs[len(cs)-1] != f[0] {
			cs = append(cs, f[0])
		}
	}
	return cs
}
