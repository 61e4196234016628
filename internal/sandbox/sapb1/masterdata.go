package sapb1

// completePartner validates a business partner and fills its defaults.
func (v *Vendor) completePartner(e entity) *apiError {
	code, _ := e["CardCode"].(string)
	if code == "" {
		return badRequest(codeMissingField, "Enter a business partner code (CardCode)")
	}
	if len(code) > 15 {
		return badRequest(codeInvalidValue, "CardCode '%s' is longer than 15 characters", code)
	}
	if name, _ := e["CardName"].(string); name == "" {
		return badRequest(codeMissingField, "Enter a business partner name (CardName)")
	}
	defaults(e, map[string]any{"CardType": "cCustomer", "Valid": "tYES", "Frozen": "tNO", "GroupCode": 100, "CurrentAccountBalance": 0.0})
	addrs, _ := e["BPAddresses"].([]entity)
	for _, a := range addrs {
		a["BPCode"] = code
	}
	return nil
}

// completeItem validates an item and fills its defaults and stock totals.
func (v *Vendor) completeItem(e entity) *apiError {
	code, _ := e["ItemCode"].(string)
	if code == "" {
		return badRequest(codeMissingField, "Enter an item code (ItemCode)")
	}
	if len(code) > 50 {
		return badRequest(codeInvalidValue, "ItemCode '%s' is longer than 50 characters", code)
	}
	defaults(e, map[string]any{"ItemType": "itItems", "InventoryItem": "tYES", "SalesItem": "tYES",
		"PurchaseItem": "tYES", "Valid": "tYES", "Frozen": "tNO"})
	whs, _ := e["ItemWarehouseInfoCollection"].([]entity)
	onHand, committed := 0.0, 0.0
	for _, w := range whs {
		w["ItemCode"] = code
		defaults(w, map[string]any{"InStock": 0.0, "Committed": 0.0, "Ordered": 0.0})
		onHand += num(w["InStock"])
		committed += num(w["Committed"])
	}
	e["QuantityOnStock"], e["QuantityOrderedByCustomers"] = onHand, committed
	return nil
}

func defaults(e entity, values map[string]any) {
	for k, v := range values {
		if _, ok := e[k]; !ok {
			e[k] = v
		}
	}
}
