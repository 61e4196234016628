package seed

import "time"

// Catalog is one generated data set. Every slice is sorted by ID, IDs start
// at 1 and are dense, and IDs grow with CreatedAt, as auto-increment keys
// do. Cross references use these IDs (Order.CustomerID, Contact.CompanyID,
// Shipment.OrderID...). Vendors derive their own identifiers from them
// (NetSuite internal ids, Magento entity_id, HubSpot object ids, SAP DocEntry
// and CardCode) and render the records in their own shapes.
//
// A Catalog is never modified after Generate returns, so one Catalog can be
// shared by every vendor and goroutine; a vendor that changes records
// (through its API or Mutate) copies what it changes, and Reset goes back to
// the Catalog.
type Catalog struct {
	// Seed and Counts are the inputs the catalog was generated from.
	Seed   uint64
	Counts Counts
	// Start and End bound every CreatedAt and UpdatedAt: Start <= t <= End.
	Start, End time.Time
	// BaseCurrency is the currency of Product.Price and Product.Cost: "USD".
	BaseCurrency string

	Products  []Product
	Locations []Location
	// Inventory holds one StockLevel per product and location, sorted by
	// ProductID then in Locations order.
	Inventory []StockLevel
	Customers []Customer
	Orders    []Order
	// Shipments are the fulfillments of orders (Magento shipments, NetSuite
	// item fulfillments, SAP B1 delivery notes), sorted by ID. An order may
	// have two (a split delivery).
	Shipments []Shipment
	// Invoices are the invoices of orders, at most one per order.
	Invoices []Invoice

	// Companies, Contacts and Deals are the CRM (HubSpot) view: companies
	// are the customers' employers plus prospects, contacts mirror the
	// customers first and add leads, deals reference both.
	Companies []Company
	Contacts  []Contact
	Deals     []Deal

	// BusinessPartners are the SAP B1 customers, one per Customer, in the
	// same order (BusinessPartners[i].CustomerID == Customers[i].ID).
	BusinessPartners []BusinessPartner

	// Bursts lists, per entity ("products", "inventory", "customers",
	// "orders", "shipments", "invoices", "companies", "contacts", "deals"),
	// the modification seconds shared by many records of that entity, the
	// trap for sync cursors keyed on a second-precision timestamp.
	Bursts map[string][]time.Time
}

// TaxClass is the tax treatment of a product.
type TaxClass string

// The tax classes. Rates per country are in TaxRate.
const (
	TaxStandard TaxClass = "standard" // full VAT / sales tax
	TaxReduced  TaxClass = "reduced"  // reduced VAT (food, books)
	TaxZero     TaxClass = "zero"     // zero-rated (gift cards)
)

// Product is a sellable item. The same SKU exists in Magento (product),
// NetSuite (inventory item), SAP B1 (Item, ItemCode = SKU) and HubSpot
// (product, hs_sku).
type Product struct {
	ID int
	// SKU is unique, ASCII, at most 20 characters: "APP-0042-BLK".
	SKU string
	// Name may contain non-ASCII letters ("Café Crème Mug").
	Name        string
	Description string
	// Category is a top-level category name: "Apparel", "Home & Kitchen"...
	Category string
	// Price is the list price and Cost the purchase cost, in BaseCurrency.
	Price, Cost Money
	// WeightKg is the shipping weight in kilograms, three decimals.
	WeightKg float64
	TaxClass TaxClass
	// Active is false for discontinued products (about 1 in 12).
	Active bool
	// Barcode is an EAN-13 (unique).
	Barcode              string
	CreatedAt, UpdatedAt time.Time
}

// Location is a warehouse: a Magento MSI source, a NetSuite location, an
// SAP B1 warehouse.
type Location struct {
	ID int
	// Code is unique, upper-case ASCII, at most 8 characters ("BER"), usable
	// as an SAP WhsCode or a Magento source_code.
	Code    string
	Name    string
	Address Address
}

// StockLevel is the inventory of one product at one location.
type StockLevel struct {
	ProductID    int
	SKU          string
	LocationCode string
	// OnHand is the physical quantity; Committed is reserved for open
	// orders (Committed <= OnHand). About 1 in 10 levels is zero.
	OnHand, Committed int
	UpdatedAt         time.Time
}

// Address is a postal address with a contact name and phone.
type Address struct {
	FirstName, LastName string
	Company             string // empty for private addresses
	// Street has one or two lines.
	Street []string
	City   string
	// Region is the subdivision's display name ("Bayern", "東京都") and
	// RegionCode its ISO 3166-2 code without the country prefix ("BY",
	// "13", "CA", "SP").
	Region, RegionCode string
	Postcode           string
	// CountryCode is ISO 3166-1 alpha-2: "US", "DE", "FR", "JP", "GB", "BR".
	CountryCode string
	// Phone is in E.164 form: "+4930123456789".
	Phone string
}

// Customer is a shop customer (Magento customer, NetSuite customer; SAP B1
// BusinessPartner and HubSpot contact are derived from it).
type Customer struct {
	ID int
	// Email is unique and ASCII.
	Email string
	// FirstName and LastName often contain non-ASCII letters ("Jürgen",
	// "Éloïse", "山田").
	FirstName, LastName string
	Phone               string // E.164
	// Company is the employer's name for business customers, else empty;
	// CompanyID is the matching Company.ID, else 0.
	Company   string
	CompanyID int
	// Group is "General", "Wholesale" or "Retailer" (Magento's defaults).
	Group string
	// Currency is the customer's preferred currency (ISO 4217).
	Currency string
	// Addresses has one to three entries, possibly in several countries.
	// DefaultBilling and DefaultShipping index into it.
	Addresses                       []Address
	DefaultBilling, DefaultShipping int
	CreatedAt, UpdatedAt            time.Time
}

// OrderStatus is the storefront status of an order (Magento's states).
type OrderStatus string

// The order statuses.
const (
	OrderPending    OrderStatus = "pending"    // placed, not invoiced
	OrderProcessing OrderStatus = "processing" // invoiced or partly shipped
	OrderComplete   OrderStatus = "complete"   // invoiced and fully shipped
	OrderClosed     OrderStatus = "closed"     // refunded after completion
	OrderCanceled   OrderStatus = "canceled"
)

// Order is a sales order with its lines and totals, all in Currency.
// Totals are consistent: Subtotal = Σ line RowTotal, DiscountAmount = Σ line
// DiscountAmount, TaxAmount = Σ line TaxAmount + ShippingTax,
// GrandTotal = Subtotal - DiscountAmount + ShippingAmount + TaxAmount.
type Order struct {
	ID int
	// Number is the storefront order number (Magento increment_id style,
	// "000000042"); the other systems keep it as an external reference.
	Number     string
	CustomerID int
	Email      string
	Status     OrderStatus
	Currency   string
	// ExchangeRate converts BaseCurrency into Currency (1 for USD orders).
	ExchangeRate float64
	Lines        []OrderLine
	// CouponCode is set when an order-wide discount applied ("WELCOME10").
	CouponCode     string
	Subtotal       Money
	DiscountAmount Money
	// ShippingMethod is a carrier_method code ("dhl_express", "ups_ground").
	ShippingMethod string
	ShippingAmount Money
	ShippingTax    Money
	TaxAmount      Money
	GrandTotal     Money
	// PaymentMethod is a Magento-style payment code: "checkmo",
	// "banktransfer", "cashondelivery", "purchaseorder", "braintree",
	// "paypal_express".
	PaymentMethod   string
	BillingAddress  Address
	ShippingAddress Address
	// LocationCode is the warehouse the order ships from.
	LocationCode         string
	CreatedAt, UpdatedAt time.Time
}

// OrderLine is one line of an order. Amounts are in the order's currency.
type OrderLine struct {
	// LineNo starts at 1 within the order.
	LineNo    int
	ProductID int
	SKU       string
	Name      string
	Qty       int
	UnitPrice Money
	// RowTotal = UnitPrice × Qty, before discount and tax.
	RowTotal Money
	// DiscountPercent is 0, 5, 10, 15 or 20; DiscountAmount is the line's
	// share of line and coupon discounts.
	DiscountPercent float64
	DiscountAmount  Money
	// TaxPercent is the rate applied (19 for 19 %), TaxAmount the tax on
	// RowTotal - DiscountAmount.
	TaxPercent float64
	TaxAmount  Money
	TaxClass   TaxClass
}

// Shipment is one fulfillment of an order.
type Shipment struct {
	ID      int
	OrderID int
	// Number is the shipment's document number ("000000042-1").
	Number string
	// Carrier is a carrier code ("dhl", "ups", "fedex", "usps",
	// "royalmail", "colissimo", "yamato", "correios") and CarrierTitle its
	// display name.
	Carrier, CarrierTitle string
	// TrackingNumber follows the carrier's format and is unique.
	TrackingNumber       string
	LocationCode         string
	Lines                []ShipmentLine
	CreatedAt, UpdatedAt time.Time
}

// ShipmentLine is the quantity of one order line in a shipment.
type ShipmentLine struct {
	OrderLineNo int
	ProductID   int
	SKU         string
	Qty         int
}

// InvoiceStatus is "paid" or "open".
type InvoiceStatus string

// The invoice statuses.
const (
	InvoicePaid InvoiceStatus = "paid"
	InvoiceOpen InvoiceStatus = "open"
)

// Invoice bills a whole order: its lines and totals equal the order's.
type Invoice struct {
	ID      int
	OrderID int
	// Number is the invoice number ("INV-000042").
	Number         string
	Status         InvoiceStatus
	Currency       string
	Lines          []OrderLine
	Subtotal       Money
	DiscountAmount Money
	ShippingAmount Money
	TaxAmount      Money
	GrandTotal     Money
	// DueDate is 30 days after CreatedAt, at midnight UTC.
	DueDate              time.Time
	CreatedAt, UpdatedAt time.Time
}

// Company is a CRM company (HubSpot company).
type Company struct {
	ID     int
	Name   string
	Domain string // unique, "mueller-baeckerei.de"
	// Industry is a HubSpot industry enum value ("RETAIL", "COMPUTER_SOFTWARE").
	Industry      string
	CountryCode   string
	City          string
	Phone         string
	Employees     int
	AnnualRevenue Money // in USD
	// LifecycleStage is "lead", "opportunity" or "customer".
	LifecycleStage       string
	CreatedAt, UpdatedAt time.Time
}

// Contact is a CRM contact (HubSpot contact). Contacts with CustomerID set
// mirror customers one to one (same names, email and phone); the others are
// leads. Leads and mirrored customers interleave by creation time.
type Contact struct {
	ID int
	// CustomerID is the mirrored Customer.ID, or 0 for a lead.
	CustomerID int
	// CompanyID is the associated Company.ID, or 0.
	CompanyID           int
	Email               string // unique
	FirstName, LastName string
	Phone               string
	JobTitle            string
	CountryCode         string
	City                string
	// LifecycleStage is a HubSpot lifecycle stage: "subscriber", "lead",
	// "marketingqualifiedlead", "salesqualifiedlead", "opportunity",
	// "customer".
	LifecycleStage       string
	CreatedAt, UpdatedAt time.Time
}

// Deal is a CRM deal, associated with one company and one or more contacts.
type Deal struct {
	ID   int
	Name string
	// Pipeline is "default"; Stage is one of HubSpot's default stage ids:
	// "appointmentscheduled", "qualifiedtobuy", "presentationscheduled",
	// "decisionmakerboughtin", "contractsent", "closedwon", "closedlost".
	Pipeline, Stage string
	Amount          Money
	Currency        string
	CloseDate       time.Time
	CompanyID       int
	ContactIDs      []int
	// OrderID is the Order a won deal became, or 0.
	OrderID int
	// LineItems are the products of the deal (HubSpot line items).
	LineItems            []DealLineItem
	CreatedAt, UpdatedAt time.Time
}

// DealLineItem is one product on a deal; ID is unique across all deals.
type DealLineItem struct {
	ID        int
	ProductID int
	SKU       string
	Name      string
	Qty       int
	UnitPrice Money // in the deal's currency
}

// BusinessPartner is an SAP B1 customer master record derived from a
// Customer.
type BusinessPartner struct {
	// CardCode is "C" and five digits: "C00042" for customer 42.
	CardCode   string
	CustomerID int
	// CardName is "LastName, FirstName" for private customers and the
	// company name for business customers.
	CardName string
	// CardType is always "cCustomer".
	CardType     string
	EmailAddress string
	Phone1       string
	Currency     string
	// FederalTaxID is a VAT id for EU business customers, else empty.
	FederalTaxID string
	// BillTo and ShipTo are the customer's default billing and shipping
	// addresses.
	BillTo, ShipTo       Address
	CreatedAt, UpdatedAt time.Time
}
