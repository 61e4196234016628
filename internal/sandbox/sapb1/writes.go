package sapb1

import (
	"net/http"
	"sort"
	"strings"
	"time"
)

// headerReplaceCollections makes a PATCH replace collections instead of
// merging into them.
const headerReplaceCollections = "B1S-ReplaceCollectionsOnPatch"

// freightKey and freightTaxKey hold a document's freight amount and its
// tax, which DocTotal and VatSum include. They are not served properties
// (the simulator does not serve DocumentAdditionalExpenses), so
// renderEntity never writes them.
const (
	freightKey    = "\x00freight"
	freightTaxKey = "\x00freightTax"
)

// setScalars validates and applies the scalar and collection properties of
// a create or PATCH body. Unknown and read-only properties fail, as the
// Service Layer refuses them.
func setScalars(def *entityDef, e entity, in map[string]any, replace bool, creating bool) *apiError {
	names := make([]string, 0, len(in))
	for name := range in {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		if strings.HasPrefix(name, "odata.") {
			continue
		}
		p, ok := def.prop(name)
		if !ok {
			return badRequest(codeInvalidRequest, "Property '%s' of '%s' is invalid", name, def.typeName)
		}
		if !p.writable && !(creating && p.name == def.key && def.keyKind == edmString) {
			return badRequest(codeInvalidRequest, "Property '%s' of '%s' is read-only", name, def.typeName)
		}
		if p.kind == edmCollection {
			merged, err := mergeCollection(p, e[name], in[name], replace)
			if err != nil {
				return err
			}
			e[name] = merged
			continue
		}
		val, err := inputValue(p, in[name])
		if err != nil {
			return badRequest(codeInvalidRequest, "%v", err)
		}
		if val == nil {
			delete(e, name)
		} else {
			e[name] = val
		}
	}
	return nil
}

// mergeCollection applies a collection from a request body to the stored
// one. Without replace (the Service Layer's default for PATCH) an input
// element whose key matches a stored element updates it and any other is
// appended: stored elements are never removed. With replace the result is
// exactly the input elements (matching ones keep their stored values not
// mentioned).
func mergeCollection(p *propDef, stored any, input any, replace bool) ([]entity, *apiError) {
	c := p.complex
	list, ok := input.([]any)
	if !ok {
		return nil, badRequest(codeInvalidRequest, "Property '%s' must be a JSON array", p.name)
	}
	existing, _ := stored.([]entity)
	var out []entity
	if !replace {
		out = make([]entity, len(existing))
		for i, el := range existing {
			out[i] = deepCopy(el)
		}
	}
	nextAuto := 0
	for _, el := range existing {
		if c.autoKey != "" {
			if n, ok := el[c.autoKey].(int); ok && n >= nextAuto {
				nextAuto = n + 1
			}
		}
	}
	for i, raw := range list {
		obj, ok := raw.(map[string]any)
		if !ok {
			return nil, badRequest(codeInvalidRequest, "%s[%d] must be a JSON object", p.name, i)
		}
		match := findElement(c, existing, obj)
		if match < 0 && c.autoKey != "" && len(c.key) == 1 && c.key[0] == c.autoKey && obj[c.autoKey] != nil {
			return nil, badRequest(codeNoMatch, "%s[%d]: no line with %s %v (ODBC -2028)", p.name, i, c.autoKey, obj[c.autoKey])
		}
		var el entity
		switch {
		case match >= 0 && replace:
			el = deepCopy(existing[match])
		case match >= 0:
			el = out[match]
		default:
			el = entity{}
		}
		for name, v := range obj {
			cp, ok := c.prop(name)
			if !ok {
				return nil, badRequest(codeInvalidRequest, "Property '%s' of '%s' is invalid", name, c.name)
			}
			if !cp.writable {
				return nil, badRequest(codeInvalidRequest, "Property '%s' of '%s' is read-only", name, c.name)
			}
			val, err := inputValue(cp, v)
			if err != nil {
				return nil, badRequest(codeInvalidRequest, "%s[%d]: %v", p.name, i, err)
			}
			if val == nil {
				delete(el, name)
			} else {
				el[name] = val
			}
		}
		if match < 0 {
			if c.autoKey != "" {
				if _, given := el[c.autoKey]; !given || (len(c.key) == 1 && c.key[0] == c.autoKey) {
					el[c.autoKey] = nextAuto
				}
				nextAuto++
			}
			for _, k := range c.key {
				if _, ok := el[k]; !ok && k != c.autoKey {
					return nil, badRequest(codeMissingField, "%s[%d]: '%s' is required", p.name, i, k)
				}
			}
		}
		if match < 0 || replace {
			out = append(out, el)
		}
	}
	if out == nil {
		out = []entity{}
	}
	return out, nil
}

// findElement returns the index of the stored element whose key values
// equal the input's, or -1. Inputs that do not give every key match
// nothing.
func findElement(c *complexDef, existing []entity, in map[string]any) int {
	want := make([]any, len(c.key))
	for i, k := range c.key {
		v, ok := in[k]
		if !ok || v == nil {
			return -1
		}
		p, _ := c.prop(k)
		val, err := inputValue(p, v)
		if err != nil {
			return -1
		}
		want[i] = val
	}
	for i, el := range existing {
		same := true
		for j, k := range c.key {
			if el[k] != want[j] {
				same = false
				break
			}
		}
		if same {
			return i
		}
	}
	return -1
}

// stamp sets the update date and time, and on creation the creation ones.
func (v *Vendor) stamp(def *entityDef, e entity, now time.Time, creating bool) {
	d, t := now.Format(dateLayout), now.Format(timeLayout)
	e["UpdateDate"], e["UpdateTime"] = d, t
	if creating {
		if def.typeName == "Document" {
			e["CreationDate"] = d
		} else {
			e["CreateDate"], e["CreateTime"] = d, t
		}
	}
}

// complete validates e, an entity of def being written to set at now, and
// fills what B1 derives, by entity type: completeDocument (creating and
// recompute as it takes them), completePartner or completeItem.
func (v *Vendor) complete(set string, def *entityDef, e entity, now time.Time, creating, recompute bool) *apiError {
	switch def.typeName {
	case "Document":
		return v.completeDocument(set, e, now, creating, recompute)
	case "BusinessPartner":
		return v.completePartner(e)
	case "Item":
		return v.completeItem(e)
	}
	return nil
}

// create answers POST /{Set}: 201 with the entity, or 204 with
// Prefer: return-no-content.
func (v *Vendor) create(req request) result {
	es := v.store.sets[req.set]
	in, err := decodeObject(req.body)
	if err != nil {
		return errorResult(err)
	}
	e := entity{}
	if err := setScalars(es.def, e, in, false, true); err != nil {
		return errorResult(err)
	}
	now := v.localNow()
	if err := v.complete(req.set, es.def, e, now, true, true); err != nil {
		return errorResult(err)
	}
	if es.def.typeName == "Document" {
		entry := v.store.nextDoc[req.set]
		e["DocEntry"] = entry
		if _, given := e["DocNum"]; !given {
			e["DocNum"] = entry
		}
	}
	if _, exists := v.store.get(req.set, keyString(es.def, e)); exists {
		return errorResult(badRequest(codeDuplicate, "This entry already exists in the following tables (ODBC -2035)"))
	}
	v.stamp(es.def, e, now, true)
	v.store.put(req.set, e)
	req.key = keyString(es.def, e)
	var res result
	if preferNoContent(req.header) {
		res = emptyResult(http.StatusNoContent)
	} else {
		res = v.entityResult(http.StatusCreated, req, e, nil)
	}
	res.header.Set("Location", req.base+servicePath+"/"+resourcePath(es.def, req.key))
	return res
}

// resourcePath is the canonical address of a record: Orders(12),
// Items('A-1').
func resourcePath(def *entityDef, key string) string {
	if def.keyKind == edmInt32 {
		return def.set + "(" + key + ")"
	}
	return def.set + "('" + strings.ReplaceAll(key, "'", "''") + "')"
}

func preferNoContent(h http.Header) bool {
	for _, p := range h.Values("Prefer") {
		if strings.Contains(strings.ToLower(p), "return-no-content") {
			return true
		}
	}
	return false
}

// patch answers PATCH /{Set}({key}) with 204. Collections are merged
// (lines appended) unless B1S-ReplaceCollectionsOnPatch: true.
func (v *Vendor) patch(req request) result {
	es := v.store.sets[req.set]
	stored, ok := v.store.get(req.set, req.key)
	if !ok {
		return errorResult(notFound())
	}
	in, err := decodeObject(req.body)
	if err != nil {
		return errorResult(err)
	}
	if k, given := in[es.def.key]; given {
		if p, _ := es.def.prop(es.def.key); p != nil {
			if val, _ := inputValue(p, k); val != stored[es.def.key] {
				return errorResult(badRequest(codeInvalidRequest, "Property '%s' of '%s' is read-only", es.def.key, es.def.typeName))
			}
		}
		delete(in, es.def.key)
	}
	replace := strings.EqualFold(strings.TrimSpace(req.header.Get(headerReplaceCollections)), "true")
	e := deepCopy(stored)
	if err := setScalars(es.def, e, in, replace, false); err != nil {
		return errorResult(err)
	}
	now := v.localNow()
	if es.def.typeName == "Document" && stored["DocumentStatus"] == "bost_Close" {
		return errorResult(badRequest(codeInvalidValue, "Cannot update a closed or cancelled document (%s(%s))", req.set, req.key))
	}
	_, lines := in["DocumentLines"]
	_, disc := in["DiscountPercent"]
	if err := v.complete(req.set, es.def, e, now, false, lines || disc); err != nil {
		return errorResult(err)
	}
	v.stamp(es.def, e, now, false)
	v.store.put(req.set, e)
	return emptyResult(http.StatusNoContent)
}

// delete answers DELETE /{Set}({key}). Documents cannot be deleted, only
// closed or cancelled; master data can while no document refers to it.
func (v *Vendor) delete(req request) result {
	es := v.store.sets[req.set]
	if es.def.typeName == "Document" {
		return errorResult(badRequest(codeInvalidValue, "Documents cannot be removed; close or cancel %s(%s) instead", req.set, req.key))
	}
	if _, ok := v.store.get(req.set, req.key); !ok {
		return errorResult(notFound())
	}
	if by := v.referencedBy(req.set, req.key); by != "" {
		return errorResult(badRequest(codeInvalidValue, "Cannot remove %s '%s': it is used in %s", req.set, req.key, by))
	}
	v.store.remove(req.set, req.key)
	return emptyResult(http.StatusNoContent)
}

// referencedBy names a document that uses a business partner or item.
func (v *Vendor) referencedBy(set, key string) string {
	for _, docSet := range []string{"Orders", "DeliveryNotes", "Invoices"} {
		es := v.store.sets[docSet]
		for _, k := range es.keys {
			doc := es.byKey[k]
			if set == "BusinessPartners" && doc["CardCode"] == key {
				return docSet + "(" + k + ")"
			}
			if set == "Items" {
				lines, _ := doc["DocumentLines"].([]entity)
				for _, l := range lines {
					if l["ItemCode"] == key {
						return docSet + "(" + k + ")"
					}
				}
			}
		}
	}
	return ""
}
