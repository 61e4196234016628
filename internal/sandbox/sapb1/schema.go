package sapb1

// edmKind is the EDM type of a served property, which decides how it is
// written in JSON, parsed from input and compared in $filter and $orderby.
type edmKind int

const (
	edmString     edmKind = iota
	edmInt32              // Edm.Int32
	edmDouble             // Edm.Double
	edmDateTime           // Edm.DateTime: B1 keeps the date only
	edmTime               // Edm.Time: B1 keeps the time of day only
	edmEnum               // SAPB1.* enum, written as the member name
	edmCollection         // Collection(SAPB1.*) of a complex type
)

// propDef is one served property. The contract test checks every one
// against the Service Layer's metadata.xml: name, EDM type, enum members,
// complex type and writability.
type propDef struct {
	name     string
	kind     edmKind
	typeName string // enum or complex type name in the SAPB1 namespace
	writable bool
	members  []string    // enum members the simulator uses
	complex  *complexDef // element type of a collection
}

// complexDef is a complex type served inside a collection property.
type complexDef struct {
	name  string
	props []propDef
	// key names the properties that identify an element when a PATCH
	// merges a collection: an element whose key matches is updated, any
	// other is appended.
	key []string
	// autoKey is an Int32 key property the server numbers itself
	// (LineNum, RowNum), from 0.
	autoKey string
}

// entityDef is one served entity set.
type entityDef struct {
	set      string // "Orders"
	typeName string // "Document"
	key      string // "DocEntry"
	keyKind  edmKind
	props    []propDef
	byName   map[string]*propDef
}

func (e *entityDef) prop(name string) (*propDef, bool) {
	p, ok := e.byName[name]
	return p, ok
}

func (c *complexDef) prop(name string) (*propDef, bool) {
	for i := range c.props {
		if c.props[i].name == name {
			return &c.props[i], true
		}
	}
	return nil, false
}

var (
	yesNo      = []string{"tNO", "tYES"}
	boStatus   = []string{"bost_Open", "bost_Close"}
	addrTypes  = []string{"bo_ShipTo", "bo_BillTo"}
	docTypes   = []string{"dDocument_Items"}
	cardTypes  = []string{"cCustomer", "cSupplier", "cLid"}
	itemTypes  = []string{"itItems"}
	docObjects = []string{"oOrders", "oDeliveryNotes", "oInvoices"}
)

func str(name string) propDef       { return propDef{name: name, kind: edmString, writable: true} }
func roStr(name string) propDef     { return propDef{name: name, kind: edmString} }
func i32(name string) propDef       { return propDef{name: name, kind: edmInt32, writable: true} }
func dbl(name string) propDef       { return propDef{name: name, kind: edmDouble, writable: true} }
func roDbl(name string) propDef     { return propDef{name: name, kind: edmDouble} }
func date(name string) propDef      { return propDef{name: name, kind: edmDateTime, writable: true} }
func roDate(name string) propDef    { return propDef{name: name, kind: edmDateTime} }
func roTime(name string) propDef    { return propDef{name: name, kind: edmTime} }
func timeOfDay(name string) propDef { return propDef{name: name, kind: edmTime, writable: true} }
func coll(name, typ string, c *complexDef) propDef {
	return propDef{name: name, kind: edmCollection, typeName: typ, writable: true, complex: c}
}
func enum(name, typ string, writable bool, members []string) propDef {
	return propDef{name: name, kind: edmEnum, typeName: typ, writable: writable, members: members}
}

// documentLine is SAPB1.DocumentLine.
var documentLine = &complexDef{
	name: "DocumentLine", key: []string{"LineNum"}, autoKey: "LineNum",
	props: []propDef{
		i32("LineNum"), str("ItemCode"), str("ItemDescription"), dbl("Quantity"), dbl("Price"),
		dbl("UnitPrice"), dbl("PriceAfterVAT"), str("Currency"), dbl("DiscountPercent"), str("WarehouseCode"),
		dbl("LineTotal"), str("TaxCode"), dbl("TaxPercentagePerRow"), dbl("TaxTotal"), dbl("GrossTotal"),
		i32("BaseType"), i32("BaseEntry"), i32("BaseLine"), enum("LineStatus", "BoStatus", true, boStatus),
		date("ShipDate"),
	},
}

// bpAddress is SAPB1.BPAddress.
var bpAddress = &complexDef{
	name: "BPAddress", key: []string{"AddressName", "AddressType"}, autoKey: "RowNum",
	props: []propDef{
		str("AddressName"), str("Street"), str("Block"), str("ZipCode"), str("City"), str("County"),
		str("Country"), str("State"), enum("AddressType", "BoAddressType", true, addrTypes),
		str("BuildingFloorRoom"), str("BPCode"), i32("RowNum"),
	},
}

// itemPrice is SAPB1.ItemPrice.
var itemPrice = &complexDef{
	name: "ItemPrice", key: []string{"PriceList"},
	props: []propDef{i32("PriceList"), dbl("Price"), str("Currency"), i32("BasePriceList"), dbl("Factor")},
}

// itemWarehouseInfo is SAPB1.ItemWarehouseInfo.
var itemWarehouseInfo = &complexDef{
	name: "ItemWarehouseInfo", key: []string{"WarehouseCode"},
	props: []propDef{
		str("WarehouseCode"), roDbl("InStock"), roDbl("Committed"), roDbl("Ordered"), dbl("MinimalStock"),
		roStr("ItemCode"),
	},
}

// documentProps is SAPB1.Document, shared by Orders, DeliveryNotes and
// Invoices.
func documentProps() []propDef {
	return []propDef{
		{name: "DocEntry", kind: edmInt32}, i32("DocNum"), enum("DocType", "BoDocumentTypes", true, docTypes),
		date("DocDate"), date("DocDueDate"), date("TaxDate"), timeOfDay("DocTime"),
		str("CardCode"), str("CardName"), str("Address"), str("Address2"), str("NumAtCard"),
		str("DocCurrency"), dbl("DocRate"), dbl("DocTotal"), dbl("DocTotalFc"), roDbl("VatSum"),
		roDbl("TotalDiscount"), dbl("DiscountPercent"), str("Comments"), str("JournalMemo"),
		str("PaymentMethod"), str("TrackingNumber"), str("ShipToCode"), str("PayToCode"),
		str("Reference1"), str("Reference2"), i32("TransportationCode"),
		enum("DocObjectCode", "BoObjectTypes", true, docObjects),
		enum("DocumentStatus", "BoStatus", false, boStatus), enum("Cancelled", "BoYesNoEnum", false, yesNo),
		roDate("CreationDate"), roDate("UpdateDate"), roTime("UpdateTime"),
		coll("DocumentLines", "DocumentLine", documentLine),
	}
}

// entitySets are the entity sets the simulator serves, by name.
var entitySets = map[string]*entityDef{}

// entitySetNames lists them in a stable order.
var entitySetNames = []string{"Orders", "DeliveryNotes", "Invoices", "BusinessPartners", "Items"}

func init() {
	defs := []*entityDef{
		{set: "Orders", typeName: "Document", key: "DocEntry", keyKind: edmInt32, props: documentProps()},
		{set: "DeliveryNotes", typeName: "Document", key: "DocEntry", keyKind: edmInt32, props: documentProps()},
		{set: "Invoices", typeName: "Document", key: "DocEntry", keyKind: edmInt32, props: documentProps()},
		{set: "BusinessPartners", typeName: "BusinessPartner", key: "CardCode", keyKind: edmString, props: []propDef{
			str("CardCode"), str("CardName"), enum("CardType", "BoCardTypes", true, cardTypes), i32("GroupCode"),
			str("EmailAddress"), str("Phone1"), str("Phone2"), str("Cellular"), str("Currency"),
			str("FederalTaxID"), str("Address"), str("City"), str("Country"), str("ZipCode"),
			str("BilltoDefault"), str("ShipToDefault"), str("Notes"), str("FreeText"), i32("PriceListNum"),
			roDbl("CurrentAccountBalance"), enum("Valid", "BoYesNoEnum", true, yesNo),
			enum("Frozen", "BoYesNoEnum", true, yesNo),
			roDate("CreateDate"), roTime("CreateTime"), roDate("UpdateDate"), roTime("UpdateTime"),
			coll("BPAddresses", "BPAddress", bpAddress),
		}},
		{set: "Items", typeName: "Item", key: "ItemCode", keyKind: edmString, props: []propDef{
			str("ItemCode"), str("ItemName"), str("ForeignName"), i32("ItemsGroupCode"), str("BarCode"),
			enum("ItemType", "ItemTypeEnum", true, itemTypes),
			enum("InventoryItem", "BoYesNoEnum", true, yesNo), enum("SalesItem", "BoYesNoEnum", true, yesNo),
			enum("PurchaseItem", "BoYesNoEnum", true, yesNo), enum("Valid", "BoYesNoEnum", true, yesNo),
			enum("Frozen", "BoYesNoEnum", true, yesNo), roDbl("QuantityOnStock"),
			roDbl("QuantityOrderedByCustomers"), dbl("SalesUnitWeight"), dbl("AvgStdPrice"),
			str("SalesVATGroup"), str("User_Text"),
			roDate("CreateDate"), roTime("CreateTime"), roDate("UpdateDate"), roTime("UpdateTime"),
			coll("ItemPrices", "ItemPrice", itemPrice),
			coll("ItemWarehouseInfoCollection", "ItemWarehouseInfo", itemWarehouseInfo),
		}},
	}
	for _, d := range defs {
		d.byName = make(map[string]*propDef, len(d.props))
		for i := range d.props {
			d.byName[d.props[i].name] = &d.props[i]
		}
		entitySets[d.set] = d
	}
}
