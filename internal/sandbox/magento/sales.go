package magento

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// search answers a GET list endpoint: parse searchCriteria, apply the page
// size limits, evaluate over the table and encode under the read lock.
func search[K comparable, T any](v *Vendor, w http.ResponseWriter, r *http.Request, pick func(*store) *table[K, T]) error {
	sc, err := parseSearchCriteria(r.URL.Query())
	if err != nil {
		return err
	}
	def := 0
	if !v.opts.InputLimits.Disabled {
		def = v.opts.InputLimits.DefaultPageSize
		if sc.PageSize != nil && *sc.PageSize > v.opts.InputLimits.MaxPageSize {
			return errNamed(http.StatusBadRequest, "Maximum SearchCriteria pageSize is %max", map[string]any{"max": v.opts.InputLimits.MaxPageSize})
		}
		if sc.PageSize != nil && *sc.PageSize < 1 {
			return errNamed(http.StatusBadRequest, "Minimum SearchCriteria pageSize is %min", map[string]any{"min": 1})
		}
	}
	v.mu.RLock()
	res, err := pick(v.data).search(sc, def)
	if err != nil {
		v.mu.RUnlock()
		return err
	}
	// Items are the records' cached JSON, copied while the lock holds.
	size := 128
	for _, it := range res.Items {
		size += len(it.([]byte)) + 1
	}
	buf := bytes.NewBuffer(make([]byte, 0, size))
	buf.WriteString(`{"items":[`)
	for i, it := range res.Items {
		if i > 0 {
			buf.WriteByte(',')
		}
		buf.Write(it.([]byte))
	}
	v.mu.RUnlock()
	crit, err := encodeJSON(res.SearchCriteria)
	if err != nil {
		return err
	}
	buf.WriteString(`],"search_criteria":`)
	buf.Write(crit)
	buf.WriteString(`,"total_count":`)
	buf.WriteString(strconv.Itoa(res.TotalCount))
	buf.WriteByte('}')
	writeRaw(w, http.StatusOK, buf.Bytes())
	return nil
}

// writeRaw writes an already encoded JSON body.
func writeRaw(w http.ResponseWriter, status int, body []byte) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// pathInt parses an integer path parameter the way Magento's type
// converter does, with its error for a non-integer.
func pathInt(r *http.Request, name string) (int, error) {
	raw := r.PathValue(name)
	n, err := strconv.Atoi(raw)
	if err != nil {
		return 0, errPositional(http.StatusBadRequest, `The "%1" value's type is invalid. The "%2" type was expected. Verify and try again.`, raw, "int")
	}
	return n, nil
}

func (v *Vendor) handleSearchOrders(w http.ResponseWriter, r *http.Request, _ []byte) error {
	return search(v, w, r, func(s *store) *table[int, order] { return s.orders })
}

func (v *Vendor) handleSearchInvoices(w http.ResponseWriter, r *http.Request, _ []byte) error {
	return search(v, w, r, func(s *store) *table[int, invoice] { return s.invoices })
}

func (v *Vendor) handleSearchShipments(w http.ResponseWriter, r *http.Request, _ []byte) error {
	return search(v, w, r, func(s *store) *table[int, shipment] { return s.shipments })
}

// getByID answers a GET of one record by integer id from its cached JSON.
func getByID[T any](v *Vendor, w http.ResponseWriter, r *http.Request, param string, pick func(*store) *table[int, T], notFound error) error {
	id, err := pathInt(r, param)
	if err != nil {
		return err
	}
	v.mu.RLock()
	body, ok := pick(v.data).encoded(id)
	v.mu.RUnlock()
	if !ok {
		return notFound
	}
	writeRaw(w, http.StatusOK, body)
	return nil
}

func (v *Vendor) handleGetInvoice(w http.ResponseWriter, r *http.Request, _ []byte) error {
	return getByID(v, w, r, "id", func(s *store) *table[int, invoice] { return s.invoices }, errOrderNotFound)
}

func (v *Vendor) handleGetShipment(w http.ResponseWriter, r *http.Request, _ []byte) error {
	return getByID(v, w, r, "id", func(s *store) *table[int, shipment] { return s.shipments }, errOrderNotFound)
}

var errOrderNotFound = errNotFound("The entity that was requested doesn't exist. Verify the entity and try again.")

func (v *Vendor) handleGetOrder(w http.ResponseWriter, r *http.Request, _ []byte) error {
	return getByID(v, w, r, "id", func(s *store) *table[int, order] { return s.orders }, errOrderNotFound)
}

// commentRequest is the POST /V1/orders/{id}/comments body.
type commentRequest struct {
	StatusHistory *struct {
		Comment            *string `json:"comment"`
		IsCustomerNotified *int    `json:"is_customer_notified"`
		IsVisibleOnFront   *int    `json:"is_visible_on_front"`
		ParentID           *int    `json:"parent_id"`
		Status             string  `json:"status"`
	} `json:"statusHistory"`
}

// defaultStateStatuses are Magento's statuses assigned to each order state.
var defaultStateStatuses = map[string][]string{
	"new":             {"pending"},
	"pending_payment": {"pending_payment"},
	"processing":      {"processing", "fraud"},
	"complete":        {"complete"},
	"closed":          {"closed"},
	"canceled":        {"canceled"},
	"holded":          {"holded"},
	"payment_review":  {"payment_review", "fraud"},
}

// statusesOf returns the statuses a comment may set on an order in state.
func (v *Vendor) statusesOf(state string) []string {
	return append(slices.Clone(defaultStateStatuses[state]), v.opts.OrderStatuses[state]...)
}

// handleOrderComment adds a status history entry, optionally setting a
// status of the order's current state; saving the order moves its
// updated_at, so the comment shows up in incremental reads.
func (v *Vendor) handleOrderComment(w http.ResponseWriter, r *http.Request, body []byte) error {
	id, err := pathInt(r, "id")
	if err != nil {
		return err
	}
	var req commentRequest
	if err := json.Unmarshal(body, &req); err != nil {
		return errDecoding(err)
	}
	if req.StatusHistory == nil {
		return errInput(errRequiredField("statusHistory"))
	}
	h := req.StatusHistory
	var missing []apiErrorItem
	if h.Comment == nil {
		missing = append(missing, errRequiredField("comment"))
	}
	if h.IsCustomerNotified == nil {
		missing = append(missing, errRequiredField("isCustomerNotified"))
	}
	if h.IsVisibleOnFront == nil {
		missing = append(missing, errRequiredField("isVisibleOnFront"))
	}
	if h.ParentID == nil {
		missing = append(missing, errRequiredField("parentId"))
	}
	if len(missing) > 0 {
		return errInput(missing...)
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	o, ok := v.data.orders.get(id)
	if !ok {
		return errOrderNotFound
	}
	now := stamp(v.now())
	status := o.Status
	if h.Status != "" {
		// Magento 2.4 lets a comment set only a status of the order's current
		// state: an order leaves "new" by being invoiced or shipped, never by
		// a comment.
		if !slices.Contains(v.statusesOf(o.State), h.Status) {
			return errPositional(http.StatusBadRequest, `Unable to add comment: The status "%1" is not part of the order status history.`, h.Status)
		}
		status = h.Status
	}
	o.Status = status
	v.data.next.history++
	o.StatusHistories = append([]*statusHistory{{
		EntityID: 100000 + v.data.next.history, ParentID: o.EntityID, Comment: *h.Comment, CreatedAt: now,
		EntityName: "order", IsCustomerNotified: *h.IsCustomerNotified, IsVisibleOnFront: *h.IsVisibleOnFront, Status: status,
	}}, o.StatusHistories...)
	o.UpdatedAt = now
	v.data.orders.touch(id)
	writeJSON(w, http.StatusOK, true)
	return nil
}

// itemQty is one {order_item_id, qty} of an invoice or shipment request.
type itemQty struct {
	OrderItemID int     `json:"order_item_id"`
	Qty         float64 `json:"qty"`
}

type invoiceRequest struct {
	Capture bool      `json:"capture"`
	Items   []itemQty `json:"items"`
	Notify  bool      `json:"notify"`
}

// documentError is Magento's DocumentValidationException: a 400 whose
// message lists every validation error after a title line.
func documentError(title string, lines ...string) *apiError {
	return errPositional(http.StatusBadRequest, title+" Document Validation Error(s):\n"+strings.Join(lines, "\n"))
}

// handleInvoiceOrder implements POST /V1/order/{orderId}/invoice. Without
// items it invoices everything not yet invoiced; an order with nothing left
// to invoice (or canceled, closed, on hold) is refused, so invoicing twice
// fails the second time.
func (v *Vendor) handleInvoiceOrder(w http.ResponseWriter, r *http.Request, body []byte) error {
	id, err := pathInt(r, "orderId")
	if err != nil {
		return err
	}
	var req invoiceRequest
	if len(body) > 0 {
		if err := json.Unmarshal(body, &req); err != nil {
			return errDecoding(err)
		}
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	o, ok := v.data.orders.get(id)
	if !ok {
		return errOrderNotFound
	}
	qty, lines := invoiceDocument.check(o, req.Items)
	if len(lines) > 0 {
		return documentError("Invoice", lines...)
	}
	now := stamp(v.now())
	s := v.data
	s.next.invoice++
	inv := &invoice{
		EntityID: s.next.invoice, IncrementID: fmt.Sprintf("INV-%06d", s.next.invoice), OrderID: o.EntityID,
		State: 1, StoreID: o.StoreID, CreatedAt: now, UpdatedAt: now,
		BillingAddressID: o.BillingAddressID, ShippingAddressID: o.BillingAddressID + 1,
		BaseCurrencyCode: o.BaseCurrencyCode, OrderCurrencyCode: o.OrderCurrencyCode, Comments: []*docComment{},
	}
	if req.Capture || isOfflinePayment(o.Payment.Method) {
		inv.State = 2
	}
	first := o.TotalInvoiced == 0
	for _, it := range o.Items {
		q := qty[it.ItemID]
		if q <= 0 {
			continue
		}
		s.next.invoiceItem++
		ii := invoiceItemFor(s.next.invoiceItem, inv.EntityID, it, q)
		inv.Items = append(inv.Items, ii)
		inv.TotalQty += q
		inv.Subtotal = round2(inv.Subtotal + ii.RowTotal)
		inv.TaxAmount = round2(inv.TaxAmount + ii.TaxAmount)
		inv.DiscountAmount = round2(inv.DiscountAmount - ii.DiscountAmount)
		it.QtyInvoiced += q
		it.RowInvoiced = round2(it.RowInvoiced + ii.RowTotal)
		it.TaxInvoiced = round2(it.TaxInvoiced + ii.TaxAmount)
		it.UpdatedAt = now
	}
	if first {
		// Magento bills shipping with the first invoice.
		inv.ShippingAmount = o.ShippingAmount
		inv.TaxAmount = round2(inv.TaxAmount + o.ShippingTaxAmount)
	}
	inv.GrandTotal = round2(inv.Subtotal + inv.DiscountAmount + inv.ShippingAmount + inv.TaxAmount)
	rate := o.BaseToOrderRate
	inv.BaseSubtotal = round2(inv.Subtotal / rate)
	inv.BaseGrandTotal = round2(inv.GrandTotal / rate)
	o.TotalInvoiced = round2(o.TotalInvoiced + inv.GrandTotal)
	o.BaseTotalInvoiced = round2(o.BaseTotalInvoiced + inv.BaseGrandTotal)
	if inv.State == 2 {
		o.TotalPaid = round2(o.TotalPaid + inv.GrandTotal)
		o.BaseTotalPaid = round2(o.BaseTotalPaid + inv.BaseGrandTotal)
		o.Payment.AmountPaid, o.Payment.BaseAmountPaid = o.TotalPaid, o.BaseTotalPaid
		o.TotalDue = round2(o.GrandTotal - o.TotalPaid)
		o.BaseTotalDue = round2(o.BaseGrandTotal - o.BaseTotalPaid)
	}
	refreshOrderState(o)
	o.UpdatedAt = now
	s.invoices.put(inv.EntityID, inv)
	s.orders.touch(o.EntityID)
	writeJSON(w, http.StatusOK, inv.EntityID)
	return nil
}

func isOfflinePayment(method string) bool {
	switch method {
	case "checkmo", "banktransfer", "cashondelivery", "purchaseorder":
		return true
	}
	return false
}

// documentKind is what differs between creating an invoice and a shipment
// for an order: which quantities remain and Magento's messages.
type documentKind struct {
	remaining func(*orderItem) float64
	verb      string // "The quantity to <verb> must ..."
	adjective string // "... greater than the <adjective> quantity ..."
	refused   string // the order allows no such document
	empty     string // nothing would be on the document
}

var (
	invoiceDocument = documentKind{remainingToInvoice, "invoice", "uninvoiced",
		"The order does not allow an invoice to be created.",
		"The invoice can't be created without products. Add products and try again."}
	shipmentDocument = documentKind{remainingToShip, "ship", "unshipped",
		"The order does not allow a shipment to be created.",
		"You can't create a shipment without products."}
)

// check validates a request for a document of kind k on o: the order must
// be open (not canceled, closed or on hold) with a quantity remaining, and
// the requested items must fit what remains. It returns the quantities per
// order item and Magento's error lines in Magento's order: refused, the item
// problems, then empty when nothing would be on the document.
func (k documentKind) check(o *order, items []itemQty) (map[int]float64, []string) {
	allowed := o.State != "canceled" && o.State != "closed" && o.State != "holded"
	open := 0.0
	for _, it := range o.Items {
		open += k.remaining(it)
	}
	qty, problems := requestedQty(o, items, k.remaining, k.verb, k.adjective)
	var lines []string
	if !allowed || open <= 0 {
		lines = append(lines, k.refused)
	}
	lines = append(lines, problems...)
	if total(qty) <= 0 && len(problems) == 0 {
		lines = append(lines, k.empty)
	}
	return qty, lines
}

// requestedQty resolves the items of an invoice or shipment request: all
// remaining quantities when items is empty, else the given ones, each
// checked against what remains.
func requestedQty(o *order, items []itemQty, remaining func(*orderItem) float64, doc, adjective string) (map[int]float64, []string) {
	qty := map[int]float64{}
	if len(items) == 0 {
		for _, it := range o.Items {
			if rem := remaining(it); rem > 0 {
				qty[it.ItemID] = rem
			}
		}
		return qty, nil
	}
	byID := map[int]*orderItem{}
	for _, it := range o.Items {
		byID[it.ItemID] = it
	}
	var problems []string
	for _, in := range items {
		it, ok := byID[in.OrderItemID]
		if !ok {
			problems = append(problems, fmt.Sprintf("The order item with ID %d does not belong to the order.", in.OrderItemID))
			continue
		}
		if in.Qty < 0 {
			problems = append(problems, fmt.Sprintf("The quantity to %s must be positive for product SKU \"%s\".", doc, it.SKU))
			continue
		}
		if in.Qty > remaining(it) {
			problems = append(problems, fmt.Sprintf("The quantity to %s must not be greater than the %s quantity for product SKU \"%s\".", doc, adjective, it.SKU))
			continue
		}
		qty[it.ItemID] += in.Qty
	}
	return qty, problems
}

func total(m map[int]float64) float64 {
	t := 0.0
	for _, q := range m {
		t += q
	}
	return t
}
