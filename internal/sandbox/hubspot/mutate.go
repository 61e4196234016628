package hubspot

import (
	"sort"
	"strconv"
	"time"

	"github.com/datawald/datawald/internal/sandbox"
)

// Mutate implements sandbox.Vendor: it changes objects of one type
// (req.Entity: "contacts", "companies", "deals", "products", "line_items")
// as a HubSpot user would. Changes go through the same path as API writes,
// so they bump the last-modified property and reach search after the
// search lag.
func (v *Vendor) Mutate(req sandbox.MutateRequest) (sandbox.MutateResult, error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	t, ok := v.store.types[req.Entity]
	if !ok {
		return sandbox.MutateResult{}, sandbox.BadRequestf("unknown HubSpot object type %q (want one of %v)", req.Entity, objectTypeNames)
	}
	targets, err := v.mutateTargets(t, req)
	if err != nil {
		return sandbox.MutateResult{}, err
	}
	var set map[string]string
	if len(req.Set) > 0 {
		props, perr := normalizeProperties(t, req.Set)
		if perr != nil {
			return sandbox.MutateResult{}, sandbox.BadRequestf("mutating %s: %s", t.name, perr.Message)
		}
		set = props
	}
	now := v.now()
	if req.SameSecond {
		now = now.Truncate(time.Second)
	}
	res := sandbox.MutateResult{Changed: []string{}}
	for i, rec := range targets {
		at := now
		if !req.SameSecond {
			at = now.Add(time.Duration(i) * time.Millisecond)
		}
		props := set
		if props == nil {
			props = realisticChange(rec)
		}
		if uerr := v.store.update(rec, props, at); uerr != nil {
			return res, sandbox.BadRequestf("mutating %s %d: %s", t.name, rec.id, uerr.Message)
		}
		res.Changed = append(res.Changed, strconv.FormatInt(rec.id, 10))
		res.ModifiedAt = at
	}
	return res, nil
}

// mutateTargets resolves the ids of a mutate request, or picks Count live
// objects spread evenly over the id range.
func (v *Vendor) mutateTargets(t *objectType, req sandbox.MutateRequest) ([]*record, error) {
	var out []*record
	if len(req.IDs) > 0 {
		for _, id := range req.IDs {
			rec, ok := v.store.get(t, id)
			if !ok {
				return nil, sandbox.BadRequestf("no live %s with id %q", singularName(t.name), id)
			}
			out = append(out, rec)
		}
		return out, nil
	}
	var live []*record
	for _, id := range v.store.ids[t.name] {
		if rec := v.store.records[t.name][id]; !rec.archived {
			live = append(live, rec)
		}
	}
	out, err := sandbox.PickSpread(live, req.Count, "live "+t.name)
	if err != nil {
		return nil, err
	}
	sort.Slice(out, func(i, j int) bool { return out[i].id < out[j].id })
	return out, nil
}

// realisticChange is what a user typically edits on each object type.
func realisticChange(rec *record) map[string]string {
	bump := func(prop string, factor float64, step float64) string {
		f, _ := strconv.ParseFloat(rec.props[prop], 64)
		return strconv.FormatFloat(f*factor+step, 'f', 2, 64)
	}
	switch rec.typ.name {
	case "contacts":
		return map[string]string{"jobtitle": rec.props["jobtitle"] + " (updated)", "lifecyclestage": "customer"}
	case "companies":
		n, _ := strconv.Atoi(rec.props["numberofemployees"])
		return map[string]string{"numberofemployees": strconv.Itoa(n + 1)}
	case "deals":
		next := map[string]string{
			"appointmentscheduled": "qualifiedtobuy", "qualifiedtobuy": "presentationscheduled",
			"presentationscheduled": "decisionmakerboughtin", "decisionmakerboughtin": "contractsent",
			"contractsent": "closedwon",
		}
		props := map[string]string{"amount": bump("amount", 1, 50)}
		if stage, ok := next[rec.props["dealstage"]]; ok {
			props["dealstage"] = stage
		}
		return props
	case "products":
		return map[string]string{"price": bump("price", 1.05, 0)}
	default: // line_items
		q, _ := strconv.Atoi(rec.props["quantity"])
		return map[string]string{"quantity": strconv.Itoa(q + 1)}
	}
}
