package magento

import "time"

// timeLayout is how Magento writes and reads timestamps in REST: UTC,
// second precision, no zone ("2026-11-21 14:03:09").
const timeLayout = "2006-01-02 15:04:05"

func formatTime(t time.Time) string { return t.UTC().Format(timeLayout) }

// The records below are the JSON shapes of the admin schema's
// sales-data-order-interface, catalog-data-product-interface and friends,
// limited to the fields Magento fills for a simple-product store. Field
// order follows the schema.

type order struct {
	EntityID            int              `json:"entity_id"`
	IncrementID         string           `json:"increment_id"`
	State               string           `json:"state"`
	Status              string           `json:"status"`
	CreatedAt           string           `json:"created_at"`
	UpdatedAt           string           `json:"updated_at"`
	StoreID             int              `json:"store_id"`
	StoreName           string           `json:"store_name"`
	CustomerID          *int             `json:"customer_id,omitempty"`
	CustomerIsGuest     int              `json:"customer_is_guest"`
	CustomerEmail       string           `json:"customer_email"`
	CustomerFirstname   string           `json:"customer_firstname"`
	CustomerLastname    string           `json:"customer_lastname"`
	CustomerGroupID     int              `json:"customer_group_id"`
	BaseCurrencyCode    string           `json:"base_currency_code"`
	GlobalCurrencyCode  string           `json:"global_currency_code"`
	OrderCurrencyCode   string           `json:"order_currency_code"`
	StoreCurrencyCode   string           `json:"store_currency_code"`
	BaseToOrderRate     float64          `json:"base_to_order_rate"`
	BaseToGlobalRate    float64          `json:"base_to_global_rate"`
	CouponCode          string           `json:"coupon_code,omitempty"`
	DiscountDescription string           `json:"discount_description,omitempty"`
	ShippingDescription string           `json:"shipping_description"`
	IsVirtual           int              `json:"is_virtual"`
	Weight              float64          `json:"weight"`
	TotalItemCount      int              `json:"total_item_count"`
	TotalQtyOrdered     float64          `json:"total_qty_ordered"`
	Subtotal            float64          `json:"subtotal"`
	BaseSubtotal        float64          `json:"base_subtotal"`
	SubtotalInclTax     float64          `json:"subtotal_incl_tax"`
	DiscountAmount      float64          `json:"discount_amount"`
	BaseDiscountAmount  float64          `json:"base_discount_amount"`
	ShippingAmount      float64          `json:"shipping_amount"`
	BaseShippingAmount  float64          `json:"base_shipping_amount"`
	ShippingTaxAmount   float64          `json:"shipping_tax_amount"`
	ShippingInclTax     float64          `json:"shipping_incl_tax"`
	TaxAmount           float64          `json:"tax_amount"`
	BaseTaxAmount       float64          `json:"base_tax_amount"`
	GrandTotal          float64          `json:"grand_total"`
	BaseGrandTotal      float64          `json:"base_grand_total"`
	TotalInvoiced       float64          `json:"total_invoiced"`
	BaseTotalInvoiced   float64          `json:"base_total_invoiced"`
	TotalPaid           float64          `json:"total_paid"`
	BaseTotalPaid       float64          `json:"base_total_paid"`
	TotalDue            float64          `json:"total_due"`
	BaseTotalDue        float64          `json:"base_total_due"`
	BillingAddressID    int              `json:"billing_address_id"`
	Items               []*orderItem     `json:"items"`
	BillingAddress      *orderAddress    `json:"billing_address"`
	Payment             *orderPayment    `json:"payment"`
	StatusHistories     []*statusHistory `json:"status_histories"`
	ExtensionAttributes *orderExtension  `json:"extension_attributes"`
}

type orderItem struct {
	ItemID          int     `json:"item_id"`
	OrderID         int     `json:"order_id"`
	QuoteItemID     int     `json:"quote_item_id"`
	CreatedAt       string  `json:"created_at"`
	UpdatedAt       string  `json:"updated_at"`
	ProductID       int     `json:"product_id"`
	ProductType     string  `json:"product_type"`
	StoreID         int     `json:"store_id"`
	SKU             string  `json:"sku"`
	Name            string  `json:"name"`
	IsVirtual       int     `json:"is_virtual"`
	IsQtyDecimal    int     `json:"is_qty_decimal"`
	Weight          float64 `json:"weight"`
	RowWeight       float64 `json:"row_weight"`
	QtyOrdered      float64 `json:"qty_ordered"`
	QtyInvoiced     float64 `json:"qty_invoiced"`
	QtyShipped      float64 `json:"qty_shipped"`
	QtyCanceled     float64 `json:"qty_canceled"`
	QtyRefunded     float64 `json:"qty_refunded"`
	Price           float64 `json:"price"`
	BasePrice       float64 `json:"base_price"`
	OriginalPrice   float64 `json:"original_price"`
	PriceInclTax    float64 `json:"price_incl_tax"`
	RowTotal        float64 `json:"row_total"`
	BaseRowTotal    float64 `json:"base_row_total"`
	RowTotalInclTax float64 `json:"row_total_incl_tax"`
	RowInvoiced     float64 `json:"row_invoiced"`
	DiscountPercent float64 `json:"discount_percent"`
	DiscountAmount  float64 `json:"discount_amount"`
	TaxPercent      float64 `json:"tax_percent"`
	TaxAmount       float64 `json:"tax_amount"`
	BaseTaxAmount   float64 `json:"base_tax_amount"`
	TaxInvoiced     float64 `json:"tax_invoiced"`
}

type orderAddress struct {
	EntityID          int      `json:"entity_id"`
	ParentID          int      `json:"parent_id"`
	AddressType       string   `json:"address_type"`
	CustomerAddressID int      `json:"customer_address_id,omitempty"`
	CustomerID        int      `json:"customer_id,omitempty"`
	Email             string   `json:"email"`
	Firstname         string   `json:"firstname"`
	Lastname          string   `json:"lastname"`
	Company           string   `json:"company,omitempty"`
	Street            []string `json:"street"`
	City              string   `json:"city"`
	Region            string   `json:"region,omitempty"`
	RegionCode        string   `json:"region_code,omitempty"`
	RegionID          int      `json:"region_id,omitempty"`
	Postcode          string   `json:"postcode"`
	CountryID         string   `json:"country_id"`
	Telephone         string   `json:"telephone"`
}

type orderPayment struct {
	EntityID              int      `json:"entity_id"`
	ParentID              int      `json:"parent_id"`
	Method                string   `json:"method"`
	AccountStatus         string   `json:"account_status"`
	AdditionalInformation []string `json:"additional_information"`
	CcLast4               string   `json:"cc_last4"`
	AmountOrdered         float64  `json:"amount_ordered"`
	BaseAmountOrdered     float64  `json:"base_amount_ordered"`
	AmountPaid            float64  `json:"amount_paid,omitempty"`
	BaseAmountPaid        float64  `json:"base_amount_paid,omitempty"`
	ShippingAmount        float64  `json:"shipping_amount"`
	BaseShippingAmount    float64  `json:"base_shipping_amount"`
}

type statusHistory struct {
	EntityID           int    `json:"entity_id"`
	ParentID           int    `json:"parent_id"`
	Comment            string `json:"comment"`
	CreatedAt          string `json:"created_at"`
	EntityName         string `json:"entity_name"`
	IsCustomerNotified int    `json:"is_customer_notified"`
	IsVisibleOnFront   int    `json:"is_visible_on_front"`
	Status             string `json:"status"`
}

type orderExtension struct {
	ShippingAssignments []*shippingAssignment `json:"shipping_assignments"`
}

type shippingAssignment struct {
	Shipping shippingInfo `json:"shipping"`
	Items    []*orderItem `json:"items"`
}

type shippingInfo struct {
	Address *orderAddress  `json:"address"`
	Method  string         `json:"method"`
	Total   shippingTotals `json:"total"`
}

type shippingTotals struct {
	ShippingAmount     float64 `json:"shipping_amount"`
	BaseShippingAmount float64 `json:"base_shipping_amount"`
	ShippingInclTax    float64 `json:"shipping_incl_tax"`
	ShippingTaxAmount  float64 `json:"shipping_tax_amount"`
}

type invoice struct {
	EntityID          int            `json:"entity_id"`
	IncrementID       string         `json:"increment_id"`
	OrderID           int            `json:"order_id"`
	State             int            `json:"state"`
	StoreID           int            `json:"store_id"`
	CreatedAt         string         `json:"created_at"`
	UpdatedAt         string         `json:"updated_at"`
	BillingAddressID  int            `json:"billing_address_id"`
	ShippingAddressID int            `json:"shipping_address_id"`
	BaseCurrencyCode  string         `json:"base_currency_code"`
	OrderCurrencyCode string         `json:"order_currency_code"`
	TotalQty          float64        `json:"total_qty"`
	Subtotal          float64        `json:"subtotal"`
	BaseSubtotal      float64        `json:"base_subtotal"`
	DiscountAmount    float64        `json:"discount_amount"`
	ShippingAmount    float64        `json:"shipping_amount"`
	TaxAmount         float64        `json:"tax_amount"`
	GrandTotal        float64        `json:"grand_total"`
	BaseGrandTotal    float64        `json:"base_grand_total"`
	Items             []*invoiceItem `json:"items"`
	Comments          []*docComment  `json:"comments"`
}

type invoiceItem struct {
	EntityID        int     `json:"entity_id"`
	ParentID        int     `json:"parent_id"`
	OrderItemID     int     `json:"order_item_id"`
	ProductID       int     `json:"product_id"`
	SKU             string  `json:"sku"`
	Name            string  `json:"name"`
	Qty             float64 `json:"qty"`
	Price           float64 `json:"price"`
	BasePrice       float64 `json:"base_price"`
	PriceInclTax    float64 `json:"price_incl_tax"`
	RowTotal        float64 `json:"row_total"`
	RowTotalInclTax float64 `json:"row_total_incl_tax"`
	DiscountAmount  float64 `json:"discount_amount"`
	TaxAmount       float64 `json:"tax_amount"`
}

type docComment struct {
	EntityID           int    `json:"entity_id"`
	ParentID           int    `json:"parent_id"`
	Comment            string `json:"comment"`
	CreatedAt          string `json:"created_at"`
	IsCustomerNotified int    `json:"is_customer_notified"`
	IsVisibleOnFront   int    `json:"is_visible_on_front"`
}

type shipment struct {
	EntityID            int              `json:"entity_id"`
	IncrementID         string           `json:"increment_id"`
	OrderID             int              `json:"order_id"`
	StoreID             int              `json:"store_id"`
	CustomerID          int              `json:"customer_id,omitempty"`
	BillingAddressID    int              `json:"billing_address_id"`
	ShippingAddressID   int              `json:"shipping_address_id"`
	CreatedAt           string           `json:"created_at"`
	UpdatedAt           string           `json:"updated_at"`
	TotalQty            float64          `json:"total_qty"`
	TotalWeight         float64          `json:"total_weight"`
	EmailSent           int              `json:"email_sent"`
	Packages            []any            `json:"packages"`
	Items               []*shipmentItem  `json:"items"`
	Tracks              []*shipmentTrack `json:"tracks"`
	Comments            []*docComment    `json:"comments"`
	ExtensionAttributes shipmentExt      `json:"extension_attributes"`
}

type shipmentExt struct {
	SourceCode string `json:"source_code"`
}

type shipmentItem struct {
	EntityID    int     `json:"entity_id"`
	ParentID    int     `json:"parent_id"`
	OrderItemID int     `json:"order_item_id"`
	ProductID   int     `json:"product_id"`
	SKU         string  `json:"sku"`
	Name        string  `json:"name"`
	Qty         float64 `json:"qty"`
	Price       float64 `json:"price"`
	Weight      float64 `json:"weight"`
}

type shipmentTrack struct {
	EntityID    int     `json:"entity_id"`
	ParentID    int     `json:"parent_id"`
	OrderID     int     `json:"order_id"`
	CreatedAt   string  `json:"created_at"`
	UpdatedAt   string  `json:"updated_at"`
	TrackNumber string  `json:"track_number"`
	Title       string  `json:"title"`
	CarrierCode string  `json:"carrier_code"`
	Description string  `json:"description"`
	Weight      float64 `json:"weight"`
	Qty         float64 `json:"qty"`
}

type product struct {
	ID                  int               `json:"id"`
	SKU                 string            `json:"sku"`
	Name                string            `json:"name"`
	AttributeSetID      int               `json:"attribute_set_id"`
	Price               float64           `json:"price"`
	Status              int               `json:"status"`
	Visibility          int               `json:"visibility"`
	TypeID              string            `json:"type_id"`
	CreatedAt           string            `json:"created_at"`
	UpdatedAt           string            `json:"updated_at"`
	Weight              float64           `json:"weight"`
	ExtensionAttributes productExtension  `json:"extension_attributes"`
	ProductLinks        []any             `json:"product_links"`
	Options             []any             `json:"options"`
	MediaGalleryEntries []any             `json:"media_gallery_entries"`
	TierPrices          []any             `json:"tier_prices"`
	CustomAttributes    []customAttribute `json:"custom_attributes"`
}

type productExtension struct {
	WebsiteIDs    []int          `json:"website_ids"`
	CategoryLinks []categoryLink `json:"category_links"`
	StockItem     *stockItem     `json:"stock_item,omitempty"`
}

type categoryLink struct {
	Position   int    `json:"position"`
	CategoryID string `json:"category_id"`
}

type customAttribute struct {
	AttributeCode string `json:"attribute_code"`
	Value         string `json:"value"`
}

// stockItem is the legacy CatalogInventory stock item of a product: the
// quantity at the default source.
type stockItem struct {
	ItemID                         int     `json:"item_id"`
	ProductID                      int     `json:"product_id"`
	StockID                        int     `json:"stock_id"`
	Qty                            float64 `json:"qty"`
	IsInStock                      bool    `json:"is_in_stock"`
	IsQtyDecimal                   bool    `json:"is_qty_decimal"`
	ShowDefaultNotificationMessage bool    `json:"show_default_notification_message"`
	UseConfigMinQty                bool    `json:"use_config_min_qty"`
	MinQty                         float64 `json:"min_qty"`
	UseConfigMinSaleQty            int     `json:"use_config_min_sale_qty"`
	MinSaleQty                     float64 `json:"min_sale_qty"`
	UseConfigMaxSaleQty            bool    `json:"use_config_max_sale_qty"`
	MaxSaleQty                     float64 `json:"max_sale_qty"`
	UseConfigBackorders            bool    `json:"use_config_backorders"`
	Backorders                     int     `json:"backorders"`
	UseConfigNotifyStockQty        bool    `json:"use_config_notify_stock_qty"`
	NotifyStockQty                 float64 `json:"notify_stock_qty"`
	UseConfigQtyIncrements         bool    `json:"use_config_qty_increments"`
	QtyIncrements                  float64 `json:"qty_increments"`
	UseConfigEnableQtyInc          bool    `json:"use_config_enable_qty_inc"`
	EnableQtyIncrements            bool    `json:"enable_qty_increments"`
	UseConfigManageStock           bool    `json:"use_config_manage_stock"`
	ManageStock                    bool    `json:"manage_stock"`
	LowStockDate                   string  `json:"low_stock_date"`
	IsDecimalDivided               bool    `json:"is_decimal_divided"`
	StockStatusChangedAuto         int     `json:"stock_status_changed_auto"`
}

type customer struct {
	ID                     int               `json:"id"`
	GroupID                int               `json:"group_id"`
	DefaultBilling         string            `json:"default_billing,omitempty"`
	DefaultShipping        string            `json:"default_shipping,omitempty"`
	CreatedAt              string            `json:"created_at"`
	UpdatedAt              string            `json:"updated_at"`
	CreatedIn              string            `json:"created_in"`
	Email                  string            `json:"email"`
	Firstname              string            `json:"firstname"`
	Lastname               string            `json:"lastname"`
	StoreID                int               `json:"store_id"`
	WebsiteID              int               `json:"website_id"`
	Addresses              []*customerAddr   `json:"addresses"`
	DisableAutoGroupChange int               `json:"disable_auto_group_change"`
	ExtensionAttributes    customerExtension `json:"extension_attributes"`
}

type customerExtension struct {
	IsSubscribed bool `json:"is_subscribed"`
}

type customerAddr struct {
	ID              int      `json:"id,omitempty"`
	CustomerID      int      `json:"customer_id,omitempty"`
	Region          *region  `json:"region,omitempty"`
	RegionID        int      `json:"region_id,omitempty"`
	CountryID       string   `json:"country_id"`
	Street          []string `json:"street"`
	Company         string   `json:"company,omitempty"`
	Telephone       string   `json:"telephone"`
	Postcode        string   `json:"postcode"`
	City            string   `json:"city"`
	Firstname       string   `json:"firstname"`
	Lastname        string   `json:"lastname"`
	DefaultShipping bool     `json:"default_shipping,omitempty"`
	DefaultBilling  bool     `json:"default_billing,omitempty"`
}

type region struct {
	RegionCode string `json:"region_code"`
	Region     string `json:"region"`
	RegionID   int    `json:"region_id"`
}

// sourceItem is an MSI source item: the quantity of a SKU at one source.
// It has no timestamp, so Magento offers no incremental read of inventory.
type sourceItem struct {
	SKU        string  `json:"sku"`
	SourceCode string  `json:"source_code"`
	Quantity   float64 `json:"quantity"`
	Status     int     `json:"status"`
}
