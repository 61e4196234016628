package bloblang

import (
	"errors"
	"fmt"
	"net/mail"
	"strings"

	"github.com/redpanda-data/benthos/v4/public/bloblang"
)

// ErrInvalidPhone and ErrInvalidEmail are returned (wrapped) for contact
// details that cannot be normalised.
var (
	ErrInvalidPhone = errors.New("invalid phone number")
	ErrInvalidEmail = errors.New("invalid email address")
)

// dialing is a country's calling code and national trunk prefix (the digit
// dialled before an area code inside the country, dropped in E.164).
type dialing struct {
	code  string
	trunk string
}

// dialingPlans covers the countries datawald's deployments ship to. A
// country absent here can still be normalised when the number is written in
// international form (+ or 00).
var dialingPlans = map[string]dialing{
	// North American Numbering Plan
	"US": {"1", "1"}, "CA": {"1", "1"}, "PR": {"1", "1"}, "VI": {"1", "1"}, "GU": {"1", "1"},
	"BS": {"1", "1"}, "BB": {"1", "1"}, "JM": {"1", "1"}, "TT": {"1", "1"}, "DO": {"1", "1"},
	// Europe
	"GB": {"44", "0"}, "IE": {"353", "0"}, "DE": {"49", "0"}, "AT": {"43", "0"}, "CH": {"41", "0"},
	"FR": {"33", "0"}, "BE": {"32", "0"}, "NL": {"31", "0"}, "LU": {"352", ""}, "IT": {"39", ""},
	"ES": {"34", ""}, "PT": {"351", ""}, "DK": {"45", ""}, "NO": {"47", ""}, "SE": {"46", "0"},
	"FI": {"358", "0"}, "IS": {"354", ""}, "PL": {"48", ""}, "CZ": {"420", ""}, "SK": {"421", "0"},
	"HU": {"36", "06"}, "RO": {"40", "0"}, "BG": {"359", "0"}, "GR": {"30", ""}, "HR": {"385", "0"},
	"SI": {"386", "0"}, "RS": {"381", "0"}, "EE": {"372", ""}, "LV": {"371", ""}, "LT": {"370", "8"},
	"UA": {"380", "0"}, "TR": {"90", "0"}, "RU": {"7", "8"}, "KZ": {"7", "8"}, "MT": {"356", ""},
	"CY": {"357", ""}, "MC": {"377", ""}, "LI": {"423", ""},
	// Americas
	"MX": {"52", ""}, "BR": {"55", "0"}, "AR": {"54", "0"}, "CL": {"56", ""}, "CO": {"57", ""},
	"PE": {"51", "0"}, "VE": {"58", "0"}, "EC": {"593", "0"}, "UY": {"598", "0"}, "CR": {"506", ""},
	"PA": {"507", ""}, "GT": {"502", ""},
	// Asia-Pacific
	"AU": {"61", "0"}, "NZ": {"64", "0"}, "JP": {"81", "0"}, "KR": {"82", "0"}, "CN": {"86", "0"},
	"HK": {"852", ""}, "TW": {"886", "0"}, "SG": {"65", ""}, "MY": {"60", "0"}, "TH": {"66", "0"},
	"VN": {"84", "0"}, "PH": {"63", "0"}, "ID": {"62", "0"}, "IN": {"91", "0"}, "PK": {"92", "0"},
	"BD": {"880", "0"}, "LK": {"94", "0"},
	// Middle East and Africa
	"IL": {"972", "0"}, "AE": {"971", "0"}, "SA": {"966", "0"}, "QA": {"974", ""}, "KW": {"965", ""},
	"BH": {"973", ""}, "OM": {"968", ""}, "JO": {"962", "0"}, "EG": {"20", "0"}, "MA": {"212", "0"},
	"ZA": {"27", "0"}, "NG": {"234", "0"}, "KE": {"254", "0"}, "GH": {"233", "0"},
}

// normalisePhone writes a phone number in E.164 ("+14155550123"). Numbers
// in international form (+ or 00, or 011 from NANP countries) keep their
// country code; national numbers take defaultCountry's calling code after
// its trunk prefix is dropped. Separators (spaces, dots, dashes, slashes,
// parentheses) are ignored; letters and extensions are refused.
func normalisePhone(raw, defaultCountry string) (string, error) {
	s := strings.TrimSpace(raw)
	if s == "" {
		return "", fmt.Errorf("%w: empty", ErrInvalidPhone)
	}
	plus := strings.HasPrefix(s, "+")
	var digits strings.Builder
	for i, r := range s {
		switch {
		case r >= '0' && r <= '9':
			digits.WriteRune(r)
		case r == '+' && i == 0:
		case strings.ContainsRune(" .-/()\u00a0", r):
		default:
			return "", fmt.Errorf("%w %q: unexpected %q (extensions are not part of E.164)", ErrInvalidPhone, raw, r)
		}
	}
	d := digits.String()
	c, err := findCountry(defaultCountry)
	if err != nil {
		return "", fmt.Errorf("normalising phone %q: default country: %w", raw, err)
	}
	plan, known := dialingPlans[c.alpha2]
	switch {
	case plus:
	case plan.code == "1" && strings.HasPrefix(d, "011"):
		d = d[3:]
	case plan.code != "1" && strings.HasPrefix(d, "00"):
		d = d[2:]
	case !known:
		return "", fmt.Errorf("%w %q: national number and no dialing plan for %s; write it with +", ErrInvalidPhone, raw, c.alpha2)
	case plan.code == "1":
		if len(d) == 11 && d[0] == '1' {
			d = d[1:]
		}
		if len(d) != 10 || d[0] < '2' || d[3] < '2' {
			return "", fmt.Errorf("%w %q: want a 10-digit North American number", ErrInvalidPhone, raw)
		}
		d = "1" + d
	default:
		if plan.trunk != "" {
			d = strings.TrimPrefix(d, plan.trunk)
		}
		d = plan.code + d
	}
	if len(d) < 8 || len(d) > 15 || d[0] == '0' {
		return "", fmt.Errorf("%w %q: E.164 has 8 to 15 digits and no leading 0", ErrInvalidPhone, raw)
	}
	return "+" + d, nil
}

// normaliseEmail trims, strips a "mailto:" prefix and lower-cases an email
// address, and refuses anything that is not a single bare address with a
// dotted domain. Lower-casing the local part is what every commerce system
// datawald talks to does when it matches customers.
func normaliseEmail(raw string) (string, error) {
	s := strings.ToLower(strings.TrimSpace(raw))
	s = strings.TrimPrefix(s, "mailto:")
	a, err := mail.ParseAddress(s)
	if err != nil || a.Name != "" || a.Address != s {
		return "", fmt.Errorf("%w %q", ErrInvalidEmail, raw)
	}
	at := strings.LastIndexByte(s, '@')
	domain := s[at+1:]
	if !strings.Contains(domain, ".") || strings.HasPrefix(domain, ".") || strings.HasSuffix(domain, ".") {
		return "", fmt.Errorf("%w %q: domain %q is not a qualified name", ErrInvalidEmail, raw, domain)
	}
	return s, nil
}

func init() {
	phoneSpec := bloblang.NewPluginSpec().Category(category).
		Description("Normalises a phone number to E.164 (\"+14155550123\"). A number written with + or an international prefix (00, or 011 in North America) keeps its country code; a national number gets the calling code of `country` after its trunk prefix (0 in most of Europe, 1 in North America) is dropped. Spaces, dots, dashes, slashes and parentheses are ignored. Letters, extensions and impossible lengths are errors naming the value; use `.catch(this.telephone)` to keep the raw value instead.").
		Param(bloblang.NewStringParam("country").Default("US").Description("Country of national numbers: alpha-2, alpha-3 or name."))
	phoneSpec.Example("", `root.phone = this.telephone.phone_e164(this.country_id)`,
		[2]string{`{"telephone":"(415) 555-0123","country_id":"US"}`, `{"phone":"+14155550123"}`},
		[2]string{`{"telephone":"030 1234567","country_id":"DE"}`, `{"phone":"+49301234567"}`},
		[2]string{`{"telephone":"+44 20 7946 0958","country_id":"US"}`, `{"phone":"+442079460958"}`})
	bloblang.MustRegisterMethodV2("phone_e164", phoneSpec, func(args *bloblang.ParsedParams) (bloblang.Method, error) {
		country, err := args.GetString("country")
		if err != nil {
			return nil, err
		}
		return bloblang.StringMethod(func(s string) (any, error) { return normalisePhone(s, country) }), nil
	})

	emailSpec := bloblang.NewPluginSpec().Category(category).
		Description("Normalises an email address for matching: trims it, strips \"mailto:\", lower-cases it and checks it is one bare address with a qualified domain. Anything else is an error naming the value.")
	emailSpec.Example("", `root.email = this.email.email_normalize()`,
		[2]string{`{"email":"  Ana.Souza@Example.COM "}`, `{"email":"ana.souza@example.com"}`})
	bloblang.MustRegisterMethodV2("email_normalize", emailSpec, func(*bloblang.ParsedParams) (bloblang.Method, error) {
		return bloblang.StringMethod(func(s string) (any, error) { return normaliseEmail(s) }), nil
	})
}
