package model

// Invoice is a bill for some or all of an order's lines.
type Invoice struct {
	ExternalIDs      ExternalIDs `json:"external_ids"`
	Number           string      `json:"number,omitempty"`
	OrderExternalIDs ExternalIDs `json:"order_external_ids"`
	OrderNumber      string      `json:"order_number,omitempty"`
	// Status is "open" until the invoice is paid in full, then "paid".
	Status       string        `json:"status" jsonschema:"enum=open,enum=paid,enum=voided"`
	SourceStatus string        `json:"source_status,omitempty"`
	Currency     CurrencyCode  `json:"currency"`
	InvoiceDate  Date          `json:"invoice_date"`
	DueDate      Date          `json:"due_date,omitempty"`
	Lines        []InvoiceLine `json:"lines" jsonschema:"minItems=1"`
	Totals       InvoiceTotals `json:"totals"`
	UpdatedAt    Timestamp     `json:"updated_at"`
	Custom       Custom        `json:"custom,omitempty"`
}

// InvoiceLine is one billed quantity of an order line.
type InvoiceLine struct {
	SKU                  string      `json:"sku" jsonschema:"minLength=1"`
	Quantity             Decimal     `json:"quantity"`
	UnitPrice            Decimal     `json:"unit_price"`
	Total                Decimal     `json:"total"`
	OrderLineExternalIDs ExternalIDs `json:"order_line_external_ids,omitempty"`
}

// InvoiceTotals are the invoice's money totals.
type InvoiceTotals struct {
	Subtotal Decimal `json:"subtotal"`
	Discount Decimal `json:"discount,omitempty"`
	Shipping Decimal `json:"shipping,omitempty"`
	Tax      Decimal `json:"tax"`
	Grand    Decimal `json:"grand"`
	Paid     Decimal `json:"paid,omitempty"`
	Due      Decimal `json:"due,omitempty"`
}
