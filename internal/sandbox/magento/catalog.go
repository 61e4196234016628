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

var errProductNotFound = errNotFound("The product that was requested doesn't exist. Verify the product and try again.")

func (v *Vendor) handleSearchProducts(w http.ResponseWriter, r *http.Request, _ []byte) error {
	return search(v, w, r, func(s *store) *table[string, product] { return s.products })
}

func (v *Vendor) handleGetProduct(w http.ResponseWriter, r *http.Request, _ []byte) error {
	sku := r.PathValue("sku")
	v.mu.RLock()
	body, ok := v.data.products.encoded(sku)
	v.mu.RUnlock()
	if !ok {
		return errProductNotFound
	}
	writeRaw(w, http.StatusOK, body)
	return nil
}

// productFields are the product properties a save may carry, with how each
// is applied; anything else is refused the way Magento's deserializer
// refuses an unknown property.
var productFields = []string{"id", "sku", "name", "attribute_set_id", "price", "status", "visibility", "type_id",
	"created_at", "updated_at", "weight", "extension_attributes", "product_links", "options",
	"media_gallery_entries", "tier_prices", "custom_attributes"}

// handleSaveProduct implements POST /V1/products and PUT /V1/products/{sku}:
// both save by SKU, creating the product when the SKU is new and updating
// only the given fields when it exists. On PUT the path SKU wins over the
// body's, as Magento's path-parameter override does.
func (v *Vendor) handleSaveProduct(w http.ResponseWriter, r *http.Request, body []byte) error {
	v.mu.Lock()
	defer v.mu.Unlock()
	p, err := v.saveProduct(body, r.PathValue("sku"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, p)
	return nil
}

// saveProduct applies one {"product": {...}, "saveOptions": bool} body;
// pathSKU (may be empty) overrides product.sku. The caller holds v.mu.
func (v *Vendor) saveProduct(body []byte, pathSKU string) (*product, error) {
	var req struct {
		Product map[string]json.RawMessage `json:"product"`
	}
	if err := json.Unmarshal(body, &req); err != nil {
		return nil, errDecoding(err)
	}
	if req.Product == nil {
		return nil, errInput(errRequiredField("product"))
	}
	for k := range req.Product {
		if !slices.Contains(productFields, k) {
			return nil, errPositional(http.StatusBadRequest, `Property "%1" does not have accessor method "%2" in class "%3".`,
				k, "get"+camel(k), `Magento\Catalog\Api\Data\ProductInterface`)
		}
	}
	sku := pathSKU
	if sku == "" {
		if raw, ok := req.Product["sku"]; ok {
			_ = json.Unmarshal(raw, &sku)
		}
	}
	sku = strings.TrimSpace(sku)
	if sku == "" {
		return nil, errPositional(http.StatusBadRequest, `The "%1" attribute value is empty. Set the attribute and try again.`, "sku")
	}
	if len(sku) > 64 {
		return nil, errPositional(http.StatusBadRequest, `SKU length should be %1 characters maximum.`, 64)
	}
	s := v.data
	now := stamp(v.now())
	p, exists := s.products.get(sku)
	if !exists {
		if _, ok := req.Product["name"]; !ok {
			return nil, errPositional(http.StatusBadRequest, `The "%1" attribute value is empty. Set the attribute and try again.`, "name")
		}
		if _, ok := req.Product["price"]; !ok {
			return nil, errPositional(http.StatusBadRequest, `The "%1" attribute value is empty. Set the attribute and try again.`, "price")
		}
		p = &product{
			SKU: sku, AttributeSetID: 4, Status: 1, Visibility: 4, TypeID: "simple", CreatedAt: now,
			ExtensionAttributes: productExtension{WebsiteIDs: []int{1}, CategoryLinks: []categoryLink{}},
			ProductLinks:        []any{}, Options: []any{}, MediaGalleryEntries: []any{}, TierPrices: []any{},
			CustomAttributes: []customAttribute{},
		}
	} else {
		cp := *p
		cp.CustomAttributes = slices.Clone(p.CustomAttributes)
		p = &cp
	}
	old, _ := s.products.get(sku)
	if err := applyProductFields(p, req.Product); err != nil {
		return nil, err
	}
	var stock *stockItemInput
	if raw, ok := req.Product["extension_attributes"]; ok {
		var ext struct {
			WebsiteIDs    *[]int          `json:"website_ids"`
			CategoryLinks *[]categoryLink `json:"category_links"`
			StockItem     *stockItemInput `json:"stock_item"`
		}
		if err := json.Unmarshal(raw, &ext); err != nil {
			return nil, errDecoding(err)
		}
		if ext.WebsiteIDs != nil {
			p.ExtensionAttributes.WebsiteIDs = *ext.WebsiteIDs
		}
		if ext.CategoryLinks != nil {
			p.ExtensionAttributes.CategoryLinks = *ext.CategoryLinks
		}
		stock = ext.StockItem
	}
	if exists && !s.stockWouldChange(sku, stock) && sameRecord(old, p) {
		// Nothing changed: Magento skips the write of a model without data
		// changes, so updated_at stays and an idempotent re-save is invisible
		// to incremental readers.
		return old, nil
	}
	if !exists {
		// Ids are drawn only once the product is valid.
		s.next.product++
		p.ID = s.next.product
		if !slices.ContainsFunc(p.CustomAttributes, func(c customAttribute) bool { return c.AttributeCode == "url_key" }) {
			p.CustomAttributes = append(p.CustomAttributes, customAttribute{AttributeCode: "url_key", Value: urlKey(p.Name, sku)})
		}
	}
	p.UpdatedAt = now
	s.products.put(sku, p)
	if stock != nil {
		s.setDefaultStock(sku, stock)
	}
	s.refreshStock(sku)
	return p, nil
}

// sameRecord reports whether two versions of a record hold the same
// values; both must be JSON-encodable record structs.
func sameRecord(a, b any) bool {
	ea, err1 := encodeJSON(a)
	eb, err2 := encodeJSON(b)
	return err1 == nil && err2 == nil && bytes.Equal(ea, eb)
}

// applyProductFields copies the scalar fields and custom attributes of a
// product body onto p.
func applyProductFields(p *product, fields map[string]json.RawMessage) error {
	num := func(name string, dst *float64) error {
		raw, ok := fields[name]
		if !ok {
			return nil
		}
		f, err := lenientNumber(raw)
		if err != nil {
			return errPositional(http.StatusBadRequest, `The "%1" value's type is invalid. The "%2" type was expected. Verify and try again.`, string(raw), "float")
		}
		*dst = f
		return nil
	}
	integer := func(name string, dst *int) error {
		var f float64
		if _, ok := fields[name]; !ok {
			return nil
		}
		if err := num(name, &f); err != nil {
			return err
		}
		*dst = int(f)
		return nil
	}
	str := func(name string, dst *string) error {
		raw, ok := fields[name]
		if !ok {
			return nil
		}
		if err := json.Unmarshal(raw, dst); err != nil {
			return errPositional(http.StatusBadRequest, `The "%1" value's type is invalid. The "%2" type was expected. Verify and try again.`, string(raw), "string")
		}
		return nil
	}
	for _, err := range []error{
		str("name", &p.Name), num("price", &p.Price), num("weight", &p.Weight), str("type_id", &p.TypeID),
		integer("status", &p.Status), integer("visibility", &p.Visibility), integer("attribute_set_id", &p.AttributeSetID),
	} {
		if err != nil {
			return err
		}
	}
	if p.Status != 1 && p.Status != 2 {
		return errPositional(http.StatusBadRequest, `Invalid value of "%1" provided for the %2 field.`, p.Status, "status")
	}
	if raw, ok := fields["custom_attributes"]; ok {
		var attrs []struct {
			AttributeCode string          `json:"attribute_code"`
			Value         json.RawMessage `json:"value"`
		}
		if err := json.Unmarshal(raw, &attrs); err != nil {
			return errDecoding(err)
		}
		for _, a := range attrs {
			if a.AttributeCode == "" {
				return errInput(errRequiredField("attribute_code"))
			}
			val := strings.Trim(string(a.Value), `"`)
			i := slices.IndexFunc(p.CustomAttributes, func(c customAttribute) bool { return c.AttributeCode == a.AttributeCode })
			if i >= 0 {
				p.CustomAttributes[i].Value = val
			} else {
				p.CustomAttributes = append(p.CustomAttributes, customAttribute{AttributeCode: a.AttributeCode, Value: val})
			}
		}
	}
	return nil
}

// lenientNumber reads a JSON number or a numeric string, as Magento's type
// processor casts "19.99" to a float.
func lenientNumber(raw json.RawMessage) (float64, error) {
	var f float64
	if err := json.Unmarshal(raw, &f); err == nil {
		return f, nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return 0, err
	}
	return strconv.ParseFloat(strings.TrimSpace(s), 64)
}

func camel(snake string) string {
	parts := strings.Split(snake, "_")
	for i, p := range parts {
		if p != "" {
			parts[i] = strings.ToUpper(p[:1]) + p[1:]
		}
	}
	return strings.Join(parts, "")
}

// stockItemInput is the writable part of a legacy stock item.
type stockItemInput struct {
	Qty       *float64 `json:"qty"`
	IsInStock *bool    `json:"is_in_stock"`
}

// setDefaultStock writes a legacy stock item to the default source, which is
// what Magento does with CatalogInventory writes under MSI.
func (s *store) setDefaultStock(sku string, in *stockItemInput) {
	key := sourceKey(sku, s.defaultSource)
	si, ok := s.sources.get(key)
	if !ok {
		si = &sourceItem{SKU: sku, SourceCode: s.defaultSource}
	}
	if in.Qty != nil {
		si.Quantity = *in.Qty
	}
	si.Status = boolInt(si.Quantity > 0)
	if in.IsInStock != nil {
		si.Status = boolInt(*in.IsInStock)
	}
	s.sources.put(key, si)
	s.refreshStock(sku)
}

// stockWouldChange reports whether writing in to sku's default source
// changes its quantity or status (nil changes nothing).
func (s *store) stockWouldChange(sku string, in *stockItemInput) bool {
	if in == nil {
		return false
	}
	si, ok := s.sources.get(sourceKey(sku, s.defaultSource))
	if !ok {
		return true
	}
	if in.Qty != nil && *in.Qty != si.Quantity {
		return true
	}
	return in.IsInStock != nil && boolInt(*in.IsInStock) != si.Status
}

// refreshStock re-renders the legacy stock item a product carries in its
// extension attributes after its default source changed.
func (s *store) refreshStock(sku string) {
	if p, ok := s.products.get(sku); ok {
		p.ExtensionAttributes.StockItem = s.stockItemOf(p)
		s.products.touch(sku)
	}
}

// stockItemOf renders the legacy stock item of p from its default source.
func (s *store) stockItemOf(p *product) *stockItem {
	qty, inStock := 0.0, false
	if si, ok := s.sources.get(sourceKey(p.SKU, s.defaultSource)); ok {
		qty, inStock = si.Quantity, si.Status == 1
	}
	return &stockItem{
		ItemID: p.ID, ProductID: p.ID, StockID: 1, Qty: qty, IsInStock: inStock,
		UseConfigMinQty: true, UseConfigMinSaleQty: 1, MinSaleQty: 1, UseConfigMaxSaleQty: true, MaxSaleQty: 10000,
		UseConfigBackorders: true, UseConfigNotifyStockQty: true, NotifyStockQty: 1, UseConfigQtyIncrements: true,
		QtyIncrements: 1, UseConfigEnableQtyInc: true, UseConfigManageStock: true, ManageStock: true,
		StockStatusChangedAuto: 0,
	}
}

// handleUpdateStockItem implements the legacy PUT
// /V1/products/{productSku}/stockItems/{itemId}: it writes the default
// source and answers the stock item id. Like Magento, it does not touch the
// product's updated_at (stock lives in its own tables).
func (v *Vendor) handleUpdateStockItem(w http.ResponseWriter, r *http.Request, body []byte) error {
	var req struct {
		StockItem *stockItemInput `json:"stockItem"`
	}
	if err := json.Unmarshal(body, &req); err != nil {
		return errDecoding(err)
	}
	if req.StockItem == nil {
		return errInput(errRequiredField("stockItem"))
	}
	sku := r.PathValue("productSku")
	v.mu.Lock()
	defer v.mu.Unlock()
	p, ok := v.data.products.get(sku)
	if !ok {
		return errProductNotFound
	}
	v.data.setDefaultStock(sku, req.StockItem)
	writeJSON(w, http.StatusOK, p.ID)
	return nil
}

func (v *Vendor) handleSearchSourceItems(w http.ResponseWriter, r *http.Request, _ []byte) error {
	return search(v, w, r, func(s *store) *table[string, sourceItem] { return s.sources })
}

// sourceItemType is the entity class Magento's input limit error names.
const sourceItemType = `\Magento\InventoryApi\Api\Data\SourceItemInterface`

// errTooManyItems is Magento's input limit error for a list input.
func errTooManyItems(typ string, max int) *apiError {
	return errNamed(http.StatusBadRequest, `Maximum items of type "%type" is %max`, map[string]any{"type": typ, "max": max})
}

// handleSaveSourceItems implements POST /V1/inventory/source-items, a
// synchronous save of up to InputLimits.MaxSyncListItems items that answers
// [] (the service returns void).
func (v *Vendor) handleSaveSourceItems(w http.ResponseWriter, _ *http.Request, body []byte) error {
	var req struct {
		SourceItems *[]json.RawMessage `json:"sourceItems"`
	}
	if err := json.Unmarshal(body, &req); err != nil {
		return errDecoding(err)
	}
	if req.SourceItems == nil {
		return errInput(errRequiredField("sourceItems"))
	}
	if !v.opts.InputLimits.Disabled && len(*req.SourceItems) > v.opts.InputLimits.MaxSyncListItems {
		return errTooManyItems(sourceItemType, v.opts.InputLimits.MaxSyncListItems)
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	if err := v.saveSourceItems(*req.SourceItems); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, []any{})
	return nil
}

// saveSourceItems validates every item first and saves them only when all
// are valid, as MSI's SourceItemsSave does. The caller holds v.mu.
func (v *Vendor) saveSourceItems(raw []json.RawMessage) error {
	s := v.data
	items := make([]sourceItem, 0, len(raw))
	var problems []apiErrorItem
	for i, r := range raw {
		var in struct {
			SKU        string   `json:"sku"`
			SourceCode string   `json:"source_code"`
			Quantity   *float64 `json:"quantity"`
			Status     *int     `json:"status"`
		}
		if err := json.Unmarshal(r, &in); err != nil {
			return errDecoding(fmt.Errorf("sourceItems[%d]: %w", i, err))
		}
		if strings.TrimSpace(in.SKU) == "" {
			problems = append(problems, apiErrorItem{Message: `"%field" can not be empty.`, Parameters: map[string]any{"field": "sku"}})
		}
		if in.SourceCode == "" {
			problems = append(problems, apiErrorItem{Message: `"%field" can not be empty.`, Parameters: map[string]any{"field": "source_code"}})
		} else if !slices.Contains(s.sourceCodes, in.SourceCode) {
			problems = append(problems, apiErrorItem{Message: `Source "%code" does not exist.`, Parameters: map[string]any{"code": in.SourceCode}})
		}
		if in.Status == nil {
			problems = append(problems, apiErrorItem{Message: `"%field" should be numeric.`, Parameters: map[string]any{"field": "status"}})
		} else if *in.Status != 0 && *in.Status != 1 {
			problems = append(problems, apiErrorItem{Message: `"%field" should be source status (0 or 1).`, Parameters: map[string]any{"field": "status"}})
		}
		q := 0.0
		if in.Quantity != nil {
			q = *in.Quantity
		}
		st := 0
		if in.Status != nil {
			st = *in.Status
		}
		items = append(items, sourceItem{SKU: in.SKU, SourceCode: in.SourceCode, Quantity: q, Status: st})
	}
	if len(problems) > 0 {
		return &apiError{status: http.StatusBadRequest, Message: "Validation Failed", Errors: problems}
	}
	for _, it := range items {
		it := it
		s.sources.put(sourceKey(it.SKU, it.SourceCode), &it)
		if it.SourceCode == s.defaultSource {
			s.refreshStock(it.SKU)
		}
	}
	return nil
}
