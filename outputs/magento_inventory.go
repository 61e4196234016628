package outputs

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"

	"github.com/redpanda-data/benthos/v4/public/service"

	"github.com/datawald/datawald/internal/magento"
)

// sourceItemPart is one source item to write and the message it belongs to.
type sourceItemPart struct {
	msg  int
	item magento.SourceItem
}

// writeSourceItems reads the current source items of the batch's SKUs,
// records I for messages whose items all match, and writes the changed
// items in calls of at most source_items_per_call items.
func (o *magentoOutput) writeSourceItems(ctx context.Context, batch service.MessageBatch, outs []outcome) {
	wanted := make([][]magento.SourceItem, len(batch))
	var skus []string
	seen := map[string]bool{}
	for i, msg := range batch {
		raw, err := msg.AsBytes()
		if err != nil {
			outs[i] = invalid("reading message: %v", err)
			continue
		}
		var body struct {
			SourceItems []magento.SourceItem `json:"sourceItems"`
		}
		if err := json.Unmarshal(raw, &body); err != nil {
			outs[i] = invalid("parsing source items message: %v", err)
			continue
		}
		if len(body.SourceItems) == 0 {
			outs[i] = invalid("source items message has an empty sourceItems list")
			continue
		}
		ok := true
		for k, si := range body.SourceItems {
			if si.SKU == "" || si.SourceCode == "" {
				outs[i] = invalid("sourceItems[%d] needs sku and source_code", k)
				ok = false
				break
			}
		}
		if !ok {
			continue
		}
		wanted[i] = body.SourceItems
		for _, si := range body.SourceItems {
			if !seen[si.SKU] {
				seen[si.SKU] = true
				skus = append(skus, si.SKU)
			}
		}
	}
	if len(skus) == 0 {
		return
	}
	current, err := o.client.SourceItemsBySKU(ctx, skus)
	if err != nil {
		fail := failure(err)
		for i := range wanted {
			if wanted[i] != nil {
				outs[i] = fail
			}
		}
		return
	}
	var parts []sourceItemPart
	for i, items := range wanted {
		if items == nil {
			continue
		}
		changed := 0
		for _, si := range items {
			if cur, ok := current[si.Key()]; ok && cur.Quantity == si.Quantity && cur.Status == si.Status {
				continue
			}
			parts = append(parts, sourceItemPart{msg: i, item: si})
			current[si.Key()] = si // a later message for the same item still writes if it differs
			changed++
		}
		if changed == 0 {
			outs[i] = ignored(sourceItemsID(items))
		}
	}
	if o.cfg.bulk {
		o.writeSourceItemsBulk(ctx, parts, wanted, outs)
		return
	}
	for start := 0; start < len(parts); start += o.cfg.sourceItemsLimit {
		o.sendSourceItems(ctx, parts[start:min(start+o.cfg.sourceItemsLimit, len(parts))], outs)
	}
	for i, items := range wanted {
		if items != nil && outs[i].Status == "" && outs[i].Nack == nil {
			outs[i] = sent(sourceItemsID(items))
		}
	}
}

// sendSourceItems writes one chunk. When Magento refuses it for one item,
// the chunk is split in halves until the refused items are alone, so their
// messages are F and every other message's items are written.
func (o *magentoOutput) sendSourceItems(ctx context.Context, parts []sourceItemPart, outs []outcome) {
	items := make([]magento.SourceItem, len(parts))
	for k, p := range parts {
		items[k] = p.item
	}
	err := o.client.SaveSourceItems(ctx, items)
	if err == nil {
		return
	}
	if !retryableOutcome(err) && len(parts) > 1 {
		half := len(parts) / 2
		o.sendSourceItems(ctx, parts[:half], outs)
		o.sendSourceItems(ctx, parts[half:], outs)
		return
	}
	out := failure(err)
	for _, p := range parts {
		if outs[p.msg].Nack == nil && outs[p.msg].Status == "" {
			outs[p.msg] = out
		}
	}
}

// writeSourceItemsBulk sends each changed message's items as one bulk
// operation.
func (o *magentoOutput) writeSourceItemsBulk(ctx context.Context, parts []sourceItemPart, wanted [][]magento.SourceItem, outs []outcome) {
	byMsg := map[int][]magento.SourceItem{}
	var order []int
	for _, p := range parts {
		if _, ok := byMsg[p.msg]; !ok {
			order = append(order, p.msg)
		}
		byMsg[p.msg] = append(byMsg[p.msg], p.item)
	}
	bodies := make([]json.RawMessage, len(order))
	for k, i := range order {
		bodies[k], _ = json.Marshal(map[string]any{"sourceItems": byMsg[i]})
	}
	o.writeBulk(ctx, "/V1/inventory/source-items", bodies, order, func(k int) string { return sourceItemsID(wanted[order[k]]) }, outs)
}

// sourceItemsID is the target id of a source items message: its
// "sku/source_code" keys.
func sourceItemsID(items []magento.SourceItem) string {
	keys := make([]string, len(items))
	for k, si := range items {
		keys[k] = si.Key()
	}
	return strings.Join(keys, ",")
}

// writeStockItem updates a legacy stock item unless it already holds the
// message's values.
func (o *magentoOutput) writeStockItem(ctx context.Context, msg *service.Message, _ bool) outcome {
	sku, err := interpolate(moFieldSKU, o.cfg.sku, msg)
	if err != nil {
		return invalid("%v", err)
	}
	raw, err := msg.AsBytes()
	if err != nil {
		return invalid("reading message: %v", err)
	}
	var body struct {
		StockItem map[string]any `json:"stockItem"`
	}
	if err := json.Unmarshal(raw, &body); err != nil || body.StockItem == nil {
		return invalid("stock item message must be {\"stockItem\": {...}}")
	}
	cur, curRaw, err := o.client.GetStockItem(ctx, sku)
	if err != nil {
		return failure(err)
	}
	id := strconv.FormatInt(cur.ItemID, 10)
	var e any
	if json.Unmarshal(curRaw, &e) == nil && magento.Contains(e, body.StockItem) {
		return ignored(id)
	}
	// Magento's PUT takes the whole stock item: send the current one with
	// the message's values over it.
	var merged map[string]any
	if err := json.Unmarshal(curRaw, &merged); err != nil {
		return invalid("decoding stock item of %q: %v", sku, err)
	}
	for k, v := range body.StockItem {
		merged[k] = v
	}
	put, err := json.Marshal(map[string]any{"stockItem": merged})
	if err != nil {
		return invalid("encoding stock item of %q: %v", sku, err)
	}
	if _, err := o.client.UpdateStockItem(ctx, sku, cur.ItemID, put); err != nil {
		return failure(err)
	}
	return sent(id)
}
