package model

// Canonical order statuses. Source mappings translate the vendor's status
// into one of these; the vendor's own value is kept in SourceStatus.
const (
	OrderStatusPending    = "pending"
	OrderStatusProcessing = "processing"
	OrderStatusOnHold     = "on_hold"
	OrderStatusComplete   = "complete"
	OrderStatusCanceled   = "canceled"
	OrderStatusClosed     = "closed"
)

// Order is a sales order placed by a customer.
type Order struct {
	ExternalIDs ExternalIDs `json:"external_ids"`
	// Number is the human-facing order number (Magento increment_id,
	// NetSuite tranId).
	Number          string        `json:"number" jsonschema:"minLength=1" jsonschema_description:"Human-facing order number, e.g. Magento increment_id."`
	Status          string        `json:"status" jsonschema:"enum=pending,enum=processing,enum=on_hold,enum=complete,enum=canceled,enum=closed"`
	SourceStatus    string        `json:"source_status,omitempty" jsonschema_description:"The source system's own status value."`
	Currency        CurrencyCode  `json:"currency"`
	CreatedAt       Timestamp     `json:"created_at"`
	UpdatedAt       Timestamp     `json:"updated_at"`
	Customer        OrderCustomer `json:"customer"`
	BillingAddress  *Address      `json:"billing_address,omitempty"`
	ShippingAddress *Address      `json:"shipping_address,omitempty"`
	Lines           []OrderLine   `json:"lines" jsonschema:"minItems=1"`
	Shipping        *Shipping     `json:"shipping,omitempty"`
	Payments        []Payment     `json:"payments,omitempty"`
	Taxes           []Tax         `json:"taxes,omitempty"`
	Discounts       []Discount    `json:"discounts,omitempty"`
	Totals          OrderTotals   `json:"totals"`
	Note            string        `json:"note,omitempty"`
	Custom          Custom        `json:"custom,omitempty"`
}

// OrderCustomer identifies who placed an order. A guest order has no
// customer ids but always has an email.
type OrderCustomer struct {
	ExternalIDs ExternalIDs `json:"external_ids,omitempty"`
	Email       string      `json:"email" jsonschema:"format=idn-email"`
	FirstName   string      `json:"first_name,omitempty"`
	LastName    string      `json:"last_name,omitempty"`
	Guest       bool        `json:"guest"`
	Group       string      `json:"group,omitempty" jsonschema_description:"Customer group or segment code."`
}

// OrderLine is one ordered item. Amounts are for the whole line unless the
// name says unit.
type OrderLine struct {
	ExternalIDs ExternalIDs `json:"external_ids,omitempty" jsonschema_description:"Line ids, e.g. Magento order item_id."`
	SKU         string      `json:"sku" jsonschema:"minLength=1"`
	Name        string      `json:"name,omitempty"`
	Quantity    Decimal     `json:"quantity"`
	UnitPrice   Decimal     `json:"unit_price"`
	Discount    Decimal     `json:"discount,omitempty" jsonschema_description:"Discount on the line, a positive amount."`
	Tax         Decimal     `json:"tax,omitempty"`
	TaxRate     Decimal     `json:"tax_rate,omitempty" jsonschema_description:"Tax rate in percent, e.g. \"8.25\"."`
	Total       Decimal     `json:"total" jsonschema_description:"Line total before tax and discount: quantity × unit_price."`
	Custom      Custom      `json:"custom,omitempty"`
}

// Shipping is how an order ships and what shipping costs.
type Shipping struct {
	// Method is the canonical shipping method code, translated by a lookup
	// table; SourceMethod is the vendor's own code.
	Method       string  `json:"method" jsonschema:"minLength=1"`
	SourceMethod string  `json:"source_method,omitempty"`
	Description  string  `json:"description,omitempty"`
	Amount       Decimal `json:"amount"`
	Tax          Decimal `json:"tax,omitempty"`
	Discount     Decimal `json:"discount,omitempty"`
}

// Payment is one payment (or authorisation) against an order.
type Payment struct {
	Method        string  `json:"method" jsonschema:"minLength=1" jsonschema_description:"Canonical payment method code."`
	SourceMethod  string  `json:"source_method,omitempty"`
	Amount        Decimal `json:"amount"`
	AmountPaid    Decimal `json:"amount_paid,omitempty"`
	TransactionID string  `json:"transaction_id,omitempty"`
	CardType      string  `json:"card_type,omitempty"`
	CardLast4     string  `json:"card_last4,omitempty" jsonschema:"pattern=^[0-9]{4}$"`
}

// Tax is one tax applied to an order (a jurisdiction or rate).
type Tax struct {
	Code   string  `json:"code" jsonschema:"minLength=1"`
	Title  string  `json:"title,omitempty"`
	Rate   Decimal `json:"rate,omitempty" jsonschema_description:"Rate in percent."`
	Amount Decimal `json:"amount"`
}

// Discount is one discount applied to an order, as a positive amount.
type Discount struct {
	Code        string  `json:"code,omitempty" jsonschema_description:"Coupon or rule code."`
	Description string  `json:"description,omitempty"`
	Amount      Decimal `json:"amount"`
}

// OrderTotals are the order's money totals as the source computed them.
type OrderTotals struct {
	Subtotal Decimal `json:"subtotal"`
	Discount Decimal `json:"discount" jsonschema_description:"Total discount, a positive amount."`
	Shipping Decimal `json:"shipping"`
	Tax      Decimal `json:"tax"`
	Grand    Decimal `json:"grand"`
	Paid     Decimal `json:"paid,omitempty"`
	Due      Decimal `json:"due,omitempty"`
}
