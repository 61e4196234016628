package seed

import (
	"fmt"
	"math/rand/v2"
)

// country holds what Generate needs to make plausible people and addresses
// in one country.
type country struct {
	code     string
	currency string
	// rate converts USD into the currency.
	rate float64
	// tax is the VAT / sales tax in percent per class; US rates come from
	// the region instead.
	tax        map[TaxClass]float64
	regions    []region
	streets    []string
	firstNames []string
	lastNames  []string
	// phone formats a national number after the country prefix.
	phonePrefix string
	phoneDigits int
	carriers    []carrier
	// weight is the country's share of customers, in percent.
	weight int
}

type region struct {
	code, name string
	cities     []string
	// postcode is a pattern: '9' is a random digit, 'A' a random letter.
	postcode string
	// salesTax is the US state sales tax in percent (0 elsewhere).
	salesTax float64
}

type carrier struct {
	code, title, method string
	// tracking is a pattern as for postcodes.
	tracking string
}

var (
	dhl       = carrier{"dhl", "DHL Express", "dhl_express", "JD01460000999999999"}
	ups       = carrier{"ups", "UPS", "ups_ground", "1Z999AA19999999999"}
	fedex     = carrier{"fedex", "FedEx", "fedex_ground", "999999999999"}
	usps      = carrier{"usps", "USPS", "usps_priority", "9400199999999999999999"}
	royalMail = carrier{"royalmail", "Royal Mail", "royalmail_tracked48", "AA999999999GB"}
	colissimo = carrier{"colissimo", "Colissimo", "colissimo_home", "9A99999999999"}
	yamato    = carrier{"yamato", "ヤマト運輸 (Yamato Transport)", "yamato_takkyubin", "999999999999"}
	correios  = carrier{"correios", "Correios", "correios_sedex", "AA999999999BR"}
)

var countries = []country{
	{
		code: "US", currency: "USD", rate: 1, weight: 30,
		regions: []region{
			{"CA", "California", []string{"San Francisco", "Los Angeles", "San José"}, "94999", 7.25},
			{"NY", "New York", []string{"New York", "Brooklyn", "Buffalo"}, "10999", 8.875},
			{"TX", "Texas", []string{"Austin", "Houston", "El Paso"}, "78999", 6.25},
			{"WA", "Washington", []string{"Seattle", "Spokane", "Tacoma"}, "98999", 6.5},
			{"OR", "Oregon", []string{"Portland", "Eugene"}, "97999", 0},
		},
		streets:     []string{"Market Street", "Elm Avenue", "Broadway", "Sunset Boulevard", "Maple Drive", "Lincoln Way"},
		firstNames:  []string{"James", "Mary", "José", "Chloé", "DeShawn", "Zoë", "Renée", "Michael", "Aaliyah", "Connor"},
		lastNames:   []string{"Smith", "Johnson", "Núñez", "García", "O'Brien", "Nguyễn", "Williams", "Brown", "Kowalski", "Peña"},
		phonePrefix: "+1", phoneDigits: 10,
		carriers: []carrier{ups, fedex, usps},
	},
	{
		code: "DE", currency: "EUR", rate: 0.92, weight: 20,
		tax: map[TaxClass]float64{TaxStandard: 19, TaxReduced: 7},
		regions: []region{
			{"BY", "Bayern", []string{"München", "Nürnberg", "Würzburg"}, "89999", 0},
			{"BE", "Berlin", []string{"Berlin"}, "10999", 0},
			{"HH", "Hamburg", []string{"Hamburg"}, "20999", 0},
			{"NW", "Nordrhein-Westfalen", []string{"Köln", "Düsseldorf", "Münster"}, "50999", 0},
		},
		streets:     []string{"Hauptstraße", "Schloßallee", "Bahnhofstraße", "Königsweg", "Gartenstraße", "Müllerstraße"},
		firstNames:  []string{"Jürgen", "Björn", "Zoë", "Lena", "Günther", "Jörg", "Maximilian", "Anneliese", "Sören", "Käthe"},
		lastNames:   []string{"Müller", "Weiß", "Schäfer", "Groß", "Böhm", "Köhler", "Schmidt", "Fuchs", "Krüger", "Schröder"},
		phonePrefix: "+49", phoneDigits: 11,
		carriers: []carrier{dhl, ups},
	},
	{
		code: "FR", currency: "EUR", rate: 0.92, weight: 15,
		tax: map[TaxClass]float64{TaxStandard: 20, TaxReduced: 5.5},
		regions: []region{
			{"IDF", "Île-de-France", []string{"Paris", "Versailles", "Créteil"}, "75999", 0},
			{"ARA", "Auvergne-Rhône-Alpes", []string{"Lyon", "Grenoble", "Saint-Étienne"}, "69999", 0},
			{"PAC", "Provence-Alpes-Côte d'Azur", []string{"Marseille", "Nice", "Aix-en-Provence"}, "13999", 0},
		},
		streets:     []string{"Rue de Rivoli", "Avenue des Champs-Élysées", "Rue Saint-Honoré", "Boulevard Haussmann", "Rue de la Paix", "Quai d'Orsay"},
		firstNames:  []string{"Éloïse", "François", "Anaïs", "Loïc", "Hélène", "Jérôme", "Céline", "Gaël", "Noémie", "Benoît"},
		lastNames:   []string{"Lefèvre", "Dubois", "Hébert", "Gauthier", "Bérard", "Moreau", "Lemaître", "Girard", "Faure", "Leclère"},
		phonePrefix: "+33", phoneDigits: 9,
		carriers: []carrier{colissimo, dhl},
	},
	{
		code: "JP", currency: "JPY", rate: 151, weight: 10,
		tax: map[TaxClass]float64{TaxStandard: 10, TaxReduced: 8},
		regions: []region{
			{"13", "東京都", []string{"千代田区", "渋谷区", "新宿区"}, "999-9999", 0},
			{"27", "大阪府", []string{"大阪市", "堺市"}, "999-9999", 0},
			{"01", "北海道", []string{"札幌市", "函館市"}, "999-9999", 0},
		},
		streets:     []string{"丸の内1-1-1", "道玄坂2-3-4", "西新宿5-6-7", "梅田3-1-3", "大通西4-1"},
		firstNames:  []string{"太郎", "花子", "一郎", "さくら", "健太", "美咲", "翔", "陽菜"},
		lastNames:   []string{"山田", "佐藤", "鈴木", "高橋", "田中", "渡辺", "伊藤", "中村"},
		phonePrefix: "+81", phoneDigits: 10,
		carriers: []carrier{yamato},
	},
	{
		code: "GB", currency: "GBP", rate: 0.79, weight: 15,
		tax: map[TaxClass]float64{TaxStandard: 20, TaxReduced: 5},
		regions: []region{
			{"LND", "London, City of", []string{"London"}, "AA9 9AA", 0},
			{"MAN", "Manchester", []string{"Manchester", "Salford"}, "AA99 9AA", 0},
			{"EDH", "Edinburgh, City of", []string{"Edinburgh", "Leith"}, "AA9 9AA", 0},
		},
		streets:     []string{"High Street", "Baker Street", "King's Road", "Station Road", "Church Lane", "Victoria Street"},
		firstNames:  []string{"Siobhán", "Seán", "Oliver", "Amelia", "Niamh", "Rhys", "Eóin", "Charlotte", "Dafydd", "Zoë"},
		lastNames:   []string{"O'Connor", "Smith", "Jones", "Ó Súilleabháin", "Taylor", "Davies", "Evans", "MacLeod", "Wilson", "Brontë"},
		phonePrefix: "+44", phoneDigits: 10,
		carriers: []carrier{royalMail, dhl},
	},
	{
		code: "BR", currency: "BRL", rate: 5.05, weight: 10,
		tax: map[TaxClass]float64{TaxStandard: 17, TaxReduced: 7},
		regions: []region{
			{"SP", "São Paulo", []string{"São Paulo", "Campinas", "Santos"}, "99999-999", 0},
			{"RJ", "Rio de Janeiro", []string{"Rio de Janeiro", "Niterói"}, "99999-999", 0},
			{"MG", "Minas Gerais", []string{"Belo Horizonte", "Uberlândia"}, "99999-999", 0},
		},
		streets:     []string{"Avenida Paulista", "Rua Augusta", "Rua da Consolação", "Avenida Atlântica", "Rua São João"},
		firstNames:  []string{"João", "Luíza", "Conceição", "Antônio", "Lúcia", "Sebastião", "Thaís", "Caio", "Inês", "Vitória"},
		lastNames:   []string{"Gonçalves", "Conceição", "Araújo", "Simões", "Magalhães", "Assunção", "Lima", "Brandão", "Falcão", "Gusmão"},
		phonePrefix: "+55", phoneDigits: 11,
		carriers: []carrier{correios},
	},
}

// countryByCode returns the country with the given ISO code. It is only
// called with codes from this file's own tables, so an unknown code is a
// programming error in the seed data and panics.
func countryByCode(code string) *country {
	for i := range countries {
		if countries[i].code == code {
			return &countries[i]
		}
	}
	panic("seed: unknown country " + code)
}

// pickCountry draws a country by weight.
func pickCountry(r *rand.Rand) *country {
	x := r.IntN(100)
	for i := range countries {
		if x < countries[i].weight {
			return &countries[i]
		}
		x -= countries[i].weight
	}
	return &countries[0]
}

// taxRate returns the tax percent for a product class shipped to addr.
func taxRate(class TaxClass, addr Address) float64 {
	if class == TaxZero {
		return 0
	}
	c := countryByCode(addr.CountryCode)
	if c.code == "US" {
		for _, rg := range c.regions {
			if rg.code == addr.RegionCode {
				return rg.salesTax
			}
		}
		return 0
	}
	return c.tax[class]
}

// fillPattern replaces '9' by a digit and 'A' by an upper-case letter.
func fillPattern(r *rand.Rand, p string) string {
	b := []byte(p)
	for i, ch := range b {
		switch ch {
		case '9':
			b[i] = byte('0' + r.IntN(10))
		case 'A':
			b[i] = byte('A' + r.IntN(26))
		}
	}
	return string(b)
}

// phone returns an E.164 number in c.
func (c *country) phone(r *rand.Rand) string {
	n := make([]byte, c.phoneDigits)
	for i := range n {
		n[i] = byte('0' + r.IntN(10))
	}
	n[0] = byte('2' + r.IntN(7)) // national numbers do not start with 0 or 1
	return c.phonePrefix + string(n)
}

// address returns a random address in c for the named person.
func (c *country) address(r *rand.Rand, first, last, company string) Address {
	rg := pick(r, c.regions)
	street := []string{fmt.Sprintf("%s %d", pick(r, c.streets), 1+r.IntN(180))}
	if c.code == "JP" {
		street = []string{pick(r, c.streets)}
	}
	if r.IntN(4) == 0 {
		street = append(street, pick(r, []string{"Apt 4B", "2. OG", "Bâtiment C", "Suite 300", "Flat 2", "Sala 1204", "3F"}))
	}
	return Address{
		FirstName: first, LastName: last, Company: company,
		Street: street, City: pick(r, rg.cities),
		Region: rg.name, RegionCode: rg.code,
		Postcode:    fillPattern(r, rg.postcode),
		CountryCode: c.code,
		Phone:       c.phone(r),
	}
}
