package magento

import (
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/datawald/datawald/internal/sandbox"
)

// mutableEntities are the entity names Mutate accepts and how their ids are
// written: entity_id for sales documents and customers, the SKU for
// products, "SKU:source_code" for MSI source items.
var mutableEntities = []string{"orders", "products", "customers", "invoices", "shipments", "source_items"}

// fixedFields cannot be set through Mutate: they are identities.
var fixedFields = []string{"entity_id", "id", "sku", "order_id", "source_code", "increment_id", "created_at", "updated_at"}

// Mutate implements sandbox.Vendor: it changes records as an admin user
// would and gives them a new updated_at. With SameSecond every record gets
// the current second; otherwise they get consecutive seconds ending at the
// current one (never earlier than their previous updated_at). MSI source
// items have no timestamp in Magento, so changing them moves nothing an
// incremental read could see.
func (v *Vendor) Mutate(req sandbox.MutateRequest) (sandbox.MutateResult, error) {
	if !slices.Contains(mutableEntities, req.Entity) {
		return sandbox.MutateResult{}, sandbox.BadRequestf("magento: unknown entity %q (one of %s)", req.Entity, strings.Join(mutableEntities, ", "))
	}
	for k := range req.Set {
		if slices.Contains(fixedFields, k) {
			return sandbox.MutateResult{}, sandbox.BadRequestf("magento: field %q of %s cannot be set", k, req.Entity)
		}
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	ids, err := v.pickForMutation(req)
	if err != nil {
		return sandbox.MutateResult{}, err
	}
	now := v.now().Truncate(time.Second)
	res := sandbox.MutateResult{Changed: []string{}, ModifiedAt: now}
	for i, id := range ids {
		at := now
		if !req.SameSecond {
			at = now.Add(-time.Duration(len(ids)-1-i) * time.Second)
		}
		if err := v.mutateOne(req.Entity, id, req.Set, at); err != nil {
			return res, err
		}
		res.Changed = append(res.Changed, id)
	}
	return res, nil
}

// pickForMutation resolves req.IDs, or picks Count records (default 1): the
// least recently modified first, ties by id, so the same request on the
// same data picks the same records.
func (v *Vendor) pickForMutation(req sandbox.MutateRequest) ([]string, error) {
	s := v.data
	type cand struct {
		id      string
		updated string
		order   int
	}
	var all []cand
	add := func(id, updated string) { all = append(all, cand{id, updated, len(all)}) }
	switch req.Entity {
	case "orders":
		s.orders.each(func(id int, o *order) { add(strconv.Itoa(id), o.UpdatedAt) })
	case "products":
		s.products.each(func(sku string, p *product) { add(sku, p.UpdatedAt) })
	case "customers":
		s.customers.each(func(id int, c *customer) { add(strconv.Itoa(id), c.UpdatedAt) })
	case "invoices":
		s.invoices.each(func(id int, d *invoice) { add(strconv.Itoa(id), d.UpdatedAt) })
	case "shipments":
		s.shipments.each(func(id int, d *shipment) { add(strconv.Itoa(id), d.UpdatedAt) })
	case "source_items":
		s.sources.each(func(_ string, si *sourceItem) { add(si.SKU+":"+si.SourceCode, "") })
	}
	if len(req.IDs) > 0 {
		known := map[string]bool{}
		for _, c := range all {
			known[c.id] = true
		}
		for _, id := range req.IDs {
			if !known[id] {
				return nil, sandbox.BadRequestf("magento: no %s with id %q", req.Entity, id)
			}
		}
		return req.IDs, nil
	}
	n := req.Count
	if n <= 0 {
		n = 1
	}
	if n > len(all) {
		return nil, sandbox.BadRequestf("magento: count %d exceeds the %d %s", n, len(all), req.Entity)
	}
	sort.SliceStable(all, func(i, j int) bool {
		if all[i].updated != all[j].updated {
			return all[i].updated < all[j].updated
		}
		return all[i].order < all[j].order
	})
	out := make([]string, n)
	for i := range out {
		out[i] = all[i].id
	}
	return out, nil
}

// overlay sets fields of rec (a pointer to a record struct) from set through
// its JSON form, so names and types are the API's own.
func overlay(rec any, set map[string]any, known map[string]bool, entity string) error {
	for k, val := range set {
		if !known[k] {
			return sandbox.BadRequestf("magento: %s has no field %q", entity, k)
		}
		switch val.(type) {
		case map[string]any, []any:
			return sandbox.BadRequestf("magento: field %q of %s: only scalar values can be set", k, entity)
		}
	}
	raw, err := json.Marshal(rec)
	if err != nil {
		return fmt.Errorf("encoding %s: %w", entity, err)
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		return fmt.Errorf("decoding %s: %w", entity, err)
	}
	for k, val := range set {
		m[k] = val
	}
	raw, err = json.Marshal(m)
	if err != nil {
		return sandbox.BadRequestf("magento: encoding %s fields: %v", entity, err)
	}
	// Decode into a fresh value so a type error leaves rec untouched.
	fresh := reflect.New(reflect.TypeOf(rec).Elem())
	if err := json.Unmarshal(raw, fresh.Interface()); err != nil {
		return sandbox.BadRequestf("magento: setting %s fields: %v", entity, err)
	}
	reflect.ValueOf(rec).Elem().Set(fresh.Elem())
	return nil
}

// mutateOne changes one record at time at; the caller holds v.mu.
func (v *Vendor) mutateOne(entity, id string, set map[string]any, at time.Time) error {
	s := v.data
	laterOf := func(prev string) string {
		if p, err := time.Parse(timeLayout, prev); err == nil && p.After(at) {
			return prev
		}
		return stamp(at)
	}
	switch entity {
	case "orders":
		n, _ := strconv.Atoi(id)
		o, _ := s.orders.get(n)
		if len(set) > 0 {
			if err := overlay(o, set, s.orders.known, entity); err != nil {
				return err
			}
			// The shipping assignment lists the order's own items.
			for _, sa := range o.ExtensionAttributes.ShippingAssignments {
				sa.Items = o.Items
			}
		} else {
			s.next.history++
			o.StatusHistories = append([]*statusHistory{{
				EntityID: 100000 + s.next.history, ParentID: o.EntityID, Comment: "Customer asked to leave the parcel with a neighbour.",
				CreatedAt: stamp(at), EntityName: "order", IsVisibleOnFront: 0, Status: o.Status,
			}}, o.StatusHistories...)
		}
		o.UpdatedAt = laterOf(o.UpdatedAt)
		s.orders.touch(n)
	case "products":
		p, _ := s.products.get(id)
		if len(set) > 0 {
			if err := overlay(p, set, s.products.known, entity); err != nil {
				return err
			}
		} else {
			p.Price = math.Round(p.Price*105) / 100
		}
		p.UpdatedAt = laterOf(p.UpdatedAt)
		s.products.touch(id)
	case "customers":
		n, _ := strconv.Atoi(id)
		c, _ := s.customers.get(n)
		if len(set) > 0 {
			if err := overlay(c, set, s.customers.known, entity); err != nil {
				return err
			}
		} else if len(c.Addresses) > 0 {
			a := c.Addresses[0]
			a.Telephone = editedPhone(a.Telephone)
		} else {
			c.ExtensionAttributes.IsSubscribed = !c.ExtensionAttributes.IsSubscribed
		}
		c.UpdatedAt = laterOf(c.UpdatedAt)
		s.customers.touch(n)
	case "invoices":
		n, _ := strconv.Atoi(id)
		d, _ := s.invoices.get(n)
		if len(set) > 0 {
			if err := overlay(d, set, s.invoices.known, entity); err != nil {
				return err
			}
		} else if d.State == 1 {
			d.State = 2
		} else {
			s.next.comment++
			d.Comments = append(d.Comments, &docComment{EntityID: s.next.comment, ParentID: d.EntityID, Comment: "Payment reconciled.", CreatedAt: stamp(at)})
		}
		d.UpdatedAt = laterOf(d.UpdatedAt)
		s.invoices.touch(n)
	case "shipments":
		n, _ := strconv.Atoi(id)
		d, _ := s.shipments.get(n)
		if len(set) > 0 {
			if err := overlay(d, set, s.shipments.known, entity); err != nil {
				return err
			}
		} else {
			s.next.comment++
			d.Comments = append(d.Comments, &docComment{EntityID: s.next.comment, ParentID: d.EntityID, Comment: "Parcel handed over to the carrier.", CreatedAt: stamp(at)})
		}
		d.UpdatedAt = laterOf(d.UpdatedAt)
		s.shipments.touch(n)
	case "source_items":
		sku, source, _ := strings.Cut(id, ":")
		key := sourceKey(sku, source)
		si, _ := s.sources.get(key)
		if len(set) > 0 {
			if err := overlay(si, set, s.sources.known, entity); err != nil {
				return err
			}
		} else {
			si.Quantity = math.Max(0, si.Quantity-1)
			si.Status = boolInt(si.Quantity > 0)
		}
		s.sources.touch(key)
		if source == s.defaultSource {
			s.refreshStock(sku)
		}
	}
	return nil
}

// editedPhone changes the last digit of a phone number.
func editedPhone(p string) string {
	if p == "" {
		return "+15550100"
	}
	last := p[len(p)-1]
	if last >= '0' && last <= '8' {
		return p[:len(p)-1] + string(last+1)
	}
	return p[:len(p)-1] + "0"
}
