package netsuite

import (
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/datawald/datawald/internal/sandbox"
)

// Mutate changes records as a NetSuite user would. Entity is a record type
// of the REST API ("salesOrder", "customer", "inventoryItem",
// "itemFulfillment", "invoice", "location"). IDs are internal ids or
// "eid:<externalId>"; without IDs, Count records (default 1) are picked in
// id order, continuing after the ones the previous call picked. Set holds
// REST field values (references as {"id": "7"}, sublists as
// {"items": [...]}, with PATCH's rules); without Set each record gets a
// realistic change for its type: an order memo, a customer phone number,
// five more units on hand at an item's first location.
//
// With SameSecond every changed record gets the same lastModifiedDate (the
// current second). Otherwise the records get consecutive seconds ending at
// the current one, in the order they were picked.
func (v *Vendor) Mutate(req sandbox.MutateRequest) (sandbox.MutateResult, error) {
	t, ok := lookupType(req.Entity)
	if !ok {
		names := make([]string, 0, len(recordTypes))
		for n := range recordTypes {
			names = append(names, n)
		}
		slices.Sort(names)
		return sandbox.MutateResult{}, sandbox.BadRequestf("netsuite: unknown entity %q (one of %v)", req.Entity, names)
	}
	if req.Count < 0 {
		return sandbox.MutateResult{}, sandbox.BadRequestf("netsuite: count must not be negative, got %d", req.Count)
	}
	v.mutateMu.Lock()
	defer v.mutateMu.Unlock()

	refs := req.IDs
	if len(refs) == 0 {
		count := max(req.Count, 1)
		ids := v.store.ids(t.name)
		if len(ids) == 0 {
			return sandbox.MutateResult{}, sandbox.BadRequestf("netsuite: there is no %s to change", t.name)
		}
		count = min(count, len(ids))
		start := (v.mutateSeq * count) % len(ids)
		for i := 0; i < count; i++ {
			refs = append(refs, strconv.FormatInt(ids[(start+i)%len(ids)], 10))
		}
		v.mutateSeq++
	}
	now := v.now().UTC().Truncate(time.Second)
	var changed []string
	_, aerr := v.store.write(now, func(tx *storeTx) (int64, *apiError) {
		for i, ref := range refs {
			cur := tx.lookup(t.name, ref)
			if cur == nil {
				return 0, notFound(t.name, ref)
			}
			next := cur.clone()
			body := deepCopyMap(req.Set)
			if len(body) == 0 {
				body = realisticChange(t, next, v.mutateSeq+i)
			}
			eid, eidSet := body["externalId"]
			delete(body, "externalId")
			if err := apply(tx, next, body, writeMode{}); err != nil {
				return 0, err
			}
			if eidSet {
				if err := tx.replaceExternalID(next, scalarString(eid)); err != nil {
					return 0, err
				}
			}
			next.Modified = now
			if !req.SameSecond {
				next.Modified = now.Add(-time.Duration(len(refs)-1-i) * time.Second)
			}
			tx.s.tables[t.name].recs[next.ID] = next
			changed = append(changed, strconv.FormatInt(next.ID, 10))
		}
		return 0, nil
	})
	if aerr != nil {
		return sandbox.MutateResult{}, sandbox.BadRequestf("netsuite: changing %s: %s", t.name, aerr.Detail)
	}
	return sandbox.MutateResult{Changed: changed, ModifiedAt: now}, nil
}

// realisticChange is the change a user would typically make to a record of
// type t; n varies it between calls.
func realisticChange(t *recordType, r *Record, n int) map[string]any {
	switch t.name {
	case "customer":
		return map[string]any{"phone": fmt.Sprintf("+1 415 555 %04d", (int(r.ID)*37+n)%10000)}
	case "inventoryItem":
		lines := r.Sublists["locations"]
		if len(lines) == 0 {
			return map[string]any{"salesDescription": fmt.Sprintf("%s (rev. %d)", scalarString(r.Fields["displayName"]), n+1)}
		}
		l := lines[0]
		onHand, _ := number(l["quantityOnHand"])
		avail, _ := number(l["quantityAvailable"])
		return map[string]any{"locations": map[string]any{"items": []any{map[string]any{
			"location":          l["location"],
			"quantityOnHand":    onHand + 5,
			"quantityAvailable": avail + 5,
		}}}}
	case "location":
		return map[string]any{"isInactive": false}
	default:
		return map[string]any{"memo": fmt.Sprintf("Updated by a user (change %d)", n+1)}
	}
}
