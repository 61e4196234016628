package sapb1

import (
	"fmt"
	"strings"
	"time"

	"github.com/datawald/datawald/internal/sandbox"
)

// Mutate implements sandbox.Vendor: it changes records of one entity set
// (req.Entity: "Orders", "DeliveryNotes", "Invoices", "BusinessPartners",
// "Items"; req.IDs are DocEntry numbers, CardCodes or ItemCodes) as a B1
// user would, stamping UpdateDate and UpdateTime. Set takes property values
// as a PATCH body does (collections are merged, as PATCH merges them).
// Without SameSecond the changed records get consecutive seconds.
func (v *Vendor) Mutate(req sandbox.MutateRequest) (sandbox.MutateResult, error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	es, ok := v.store.sets[req.Entity]
	if !ok {
		return sandbox.MutateResult{}, sandbox.BadRequestf("unknown SAP B1 entity set %q (want one of %s)", req.Entity, strings.Join(entitySetNames, ", "))
	}
	keys, err := v.mutateKeys(es, req)
	if err != nil {
		return sandbox.MutateResult{}, err
	}
	now := v.localNow()
	res := sandbox.MutateResult{Changed: []string{}}
	v.store.begin()
	for i, key := range keys {
		at := now
		if !req.SameSecond {
			at = now.Add(time.Duration(i) * time.Second)
		}
		e := deepCopy(es.byKey[key])
		set := req.Set
		if len(set) == 0 {
			set = realisticChange(es.def, e)
		}
		aerr := setScalars(es.def, e, set, false, false)
		if aerr != nil {
			v.store.rollback()
			return sandbox.MutateResult{}, sandbox.BadRequestf("mutating %s(%s): %s", req.Entity, key, aerr.message)
		}
		_, lines := set["DocumentLines"]
		if aerr = v.complete(req.Entity, es.def, e, at, false, lines); aerr != nil {
			v.store.rollback()
			return sandbox.MutateResult{}, sandbox.BadRequestf("mutating %s(%s): %s", req.Entity, key, aerr.message)
		}
		v.stamp(es.def, e, at, false)
		v.store.put(req.Entity, e)
		res.Changed = append(res.Changed, key)
		res.ModifiedAt = at
	}
	v.store.commit()
	return res, nil
}

// mutateKeys resolves the ids of a mutate request, or picks Count records
// spread evenly over the key order.
func (v *Vendor) mutateKeys(es *entitySet, req sandbox.MutateRequest) ([]string, error) {
	if len(req.IDs) > 0 {
		for _, id := range req.IDs {
			if _, ok := es.byKey[id]; !ok {
				return nil, sandbox.BadRequestf("no %s record with key %q", es.def.set, id)
			}
		}
		return req.IDs, nil
	}
	return sandbox.PickSpread(es.keys, req.Count, es.def.set+" records")
}

// realisticChange is what a B1 user typically edits.
func realisticChange(def *entityDef, e entity) map[string]any {
	switch def.set {
	case "Items":
		price := 0.0
		prices, _ := e["ItemPrices"].([]entity)
		for _, p := range prices {
			if p["PriceList"] == priceListSales {
				price = num(p["Price"])
			}
		}
		return map[string]any{"ItemPrices": []any{map[string]any{"PriceList": float64(priceListSales), "Price": round2(price * 1.05)}}}
	case "BusinessPartners":
		return map[string]any{"Phone2": fmt.Sprintf("+1555%07d", len(fmt.Sprint(e["CardCode"]))*1000+int(num(e["GroupCode"])))}
	default:
		return map[string]any{"Comments": fmt.Sprintf("Edited in SAP B1 (%v)", e["Comments"])}
	}
}
