package magento

import (
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"
)

// store is the simulator's data: every entity Magento serves, plus the id
// counters new records draw from. It is guarded by Vendor.mu.
type store struct {
	orders    *table[int, order]
	products  *table[string, product] // by SKU
	customers *table[int, customer]
	invoices  *table[int, invoice]
	shipments *table[int, shipment]
	sources   *table[string, sourceItem] // by sourceKey(sku, source_code)

	sourceCodes   []string // MSI sources, the first is the default source
	defaultSource string
	orderSource   map[int]string // order id → source the order ships from
	regionIDs     map[string]int // country/region code → region_id
	categoryIDs   map[string]int // category name → category id

	next struct {
		product, customer, customerAddr, invoice, invoiceItem, shipment, shipmentItem, track, comment, history int
	}
}

func sourceKey(sku, source string) string { return sku + "\x00" + source }

// Custom attributes every product carries; they can be filtered on like
// columns, as Magento's EAV collection allows.
var productAttributeCodes = []string{"description", "short_description", "url_key", "meta_title", "tax_class_id", "cost", "ean", "special_price"}

func newStore() *store {
	s := &store{
		orderSource: map[int]string{},
		regionIDs:   map[string]int{},
		categoryIDs: map[string]int{},
	}
	salesColumn := func(f string) error {
		// An unknown column reaches MySQL, whose error production-mode
		// Magento masks as a 500.
		return errPositional(http.StatusInternalServerError, "Internal Error. Details are available in Magento log file. Report ID: %1", "webapi-unknown-column-"+f)
	}
	s.orders = newTable[int, order](nil, []string{"customer_id"}, salesColumn)
	s.invoices = newTable[int, invoice](nil, nil, salesColumn)
	s.shipments = newTable[int, shipment](func(sh *shipment, m map[string]any) {
		m["source_code"] = sh.ExtensionAttributes.SourceCode
	}, nil, salesColumn)
	s.customers = newTable[int, customer](func(c *customer, m map[string]any) {
		// The customer grid's billing_* columns come from the default
		// billing address.
		for _, a := range c.Addresses {
			if strconv.Itoa(a.ID) == c.DefaultBilling {
				m["billing_telephone"], m["billing_postcode"] = a.Telephone, a.Postcode
				m["billing_country_id"], m["billing_city"] = a.CountryID, a.City
			}
		}
	}, []string{"billing_telephone", "billing_postcode", "billing_country_id", "billing_city"}, func(f string) error {
		return errPositional(http.StatusBadRequest, `Invalid attribute name: %1`, f)
	})
	s.customers.column("id", "entity_id")
	s.products = newTable[string, product](func(p *product, m map[string]any) {
		for _, a := range p.CustomAttributes {
			if _, taken := m[a.AttributeCode]; !taken {
				m[a.AttributeCode] = a.Value
			}
		}
		if len(p.ExtensionAttributes.CategoryLinks) > 0 {
			ids := make([]string, len(p.ExtensionAttributes.CategoryLinks))
			for i, l := range p.ExtensionAttributes.CategoryLinks {
				ids[i] = l.CategoryID
			}
			m["category_id"] = strings.Join(ids, ",")
		}
	}, append([]string{"category_id"}, productAttributeCodes...), func(f string) error {
		return errPositional(http.StatusBadRequest, `Invalid attribute name: %1`, f)
	})
	s.products.column("id", "entity_id")
	s.sources = newTable[string, sourceItem](nil, nil, salesColumn)
	return s
}

// regionID returns the stable region_id of a country's region code.
func (s *store) regionID(country, code string) int {
	if code == "" {
		return 0
	}
	return s.regionIDs[country+"/"+code]
}

// assignRegionIDs numbers every (country, region) pair in sorted order so
// ids are stable for a seed.
func (s *store) assignRegionIDs(pairs map[string]bool) {
	keys := make([]string, 0, len(pairs))
	for k := range pairs {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for i, k := range keys {
		s.regionIDs[k] = i + 1
	}
}

// remaining returns how much of an order item is still to invoice and ship.
func remainingToInvoice(it *orderItem) float64 {
	return it.QtyOrdered - it.QtyInvoiced - it.QtyCanceled
}

func remainingToShip(it *orderItem) float64 {
	return it.QtyOrdered - it.QtyShipped - it.QtyCanceled - it.QtyRefunded
}

// refreshOrderState moves an order to processing or complete as invoices and
// shipments arrive, as Magento's order state machine does.
func refreshOrderState(o *order) {
	if o.State == "canceled" || o.State == "closed" || o.State == "holded" {
		return
	}
	invoiced, shipped := true, true
	started := false
	for _, it := range o.Items {
		if remainingToInvoice(it) > 0 {
			invoiced = false
		}
		if remainingToShip(it) > 0 {
			shipped = false
		}
		if it.QtyInvoiced > 0 || it.QtyShipped > 0 {
			started = true
		}
	}
	switch {
	case invoiced && shipped:
		o.State, o.Status = "complete", "complete"
	case started:
		o.State, o.Status = "processing", "processing"
	}
}

// round2 rounds a currency amount to cents.
func round2(v float64) float64 {
	f, _ := strconv.ParseFloat(strconv.FormatFloat(v, 'f', 2, 64), 64)
	return f
}

// stamp returns the timestamp string for t.
func stamp(t time.Time) string { return formatTime(t) }
