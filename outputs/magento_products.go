package outputs

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/redpanda-data/benthos/v4/public/service"

	"github.com/datawald/datawald/internal/magento"
)

// productWrite is one product message that needs a save.
type productWrite struct {
	idx    int
	sku    string
	exists bool
	body   json.RawMessage
}

// writeProducts reads the batch's products with one search per 300 SKUs,
// records I for those Magento already holds, and saves the rest (one call
// each, or one bulk request).
func (o *magentoOutput) writeProducts(ctx context.Context, batch service.MessageBatch, outs []outcome) {
	type parsed struct {
		sku     string
		product map[string]any
	}
	items := make([]parsed, len(batch))
	var skus []string
	for i, msg := range batch {
		raw, err := msg.AsBytes()
		if err != nil {
			outs[i] = invalid("reading message: %v", err)
			continue
		}
		var body struct {
			Product map[string]any `json:"product"`
		}
		if err := json.Unmarshal(raw, &body); err != nil {
			outs[i] = invalid("parsing product message: %v", err)
			continue
		}
		sku, _ := body.Product["sku"].(string)
		if sku == "" {
			outs[i] = invalid("product message has no product.sku")
			continue
		}
		items[i] = parsed{sku: sku, product: body.Product}
		skus = append(skus, sku)
	}
	if len(skus) == 0 {
		return
	}
	existing, err := o.client.ProductsBySKU(ctx, skus)
	if err != nil {
		fail := failure(err)
		for i := range items {
			if items[i].sku != "" {
				outs[i] = fail
			}
		}
		return
	}
	var writes []productWrite
	for i, it := range items {
		if it.sku == "" {
			continue
		}
		cur, ok := existing[it.sku]
		if ok {
			var e any
			if json.Unmarshal(cur, &e) == nil && magento.Contains(e, it.product) {
				outs[i] = ignored(productID(cur))
				continue
			}
		}
		raw, _ := batch[i].AsBytes()
		writes = append(writes, productWrite{idx: i, sku: it.sku, exists: ok, body: raw})
		// A later message for the same SKU in this batch updates it.
		existing[it.sku] = json.RawMessage(`{}`)
	}
	if o.cfg.bulk {
		bodies := make([]json.RawMessage, len(writes))
		idx := make([]int, len(writes))
		for k, w := range writes {
			bodies[k], idx[k] = w.body, w.idx
		}
		o.writeBulk(ctx, "/V1/products", bodies, idx, func(k int) string { return writes[k].sku }, outs)
		return
	}
	for _, w := range writes {
		p, err := o.client.SaveProduct(ctx, w.sku, w.exists, w.body)
		if err != nil {
			outs[w.idx] = failure(err)
			continue
		}
		outs[w.idx] = sent(strconv.FormatInt(p.ID, 10))
	}
}

func productID(raw json.RawMessage) string {
	var p magento.Product
	if json.Unmarshal(raw, &p) != nil || p.ID == 0 {
		return ""
	}
	return strconv.FormatInt(p.ID, 10)
}

// writeBulk submits bodies as one async bulk request on route and waits
// for its operations; operation k's result becomes the outcome of message
// idx[k]. tgtID names the entity when Magento's result carries no id.
func (o *magentoOutput) writeBulk(ctx context.Context, route string, bodies []json.RawMessage, idx []int, tgtID func(k int) string, outs []outcome) {
	if len(bodies) == 0 {
		return
	}
	setAll := func(out outcome) {
		for _, i := range idx {
			outs[i] = out
		}
	}
	acc, err := o.client.SubmitBulk(ctx, route, bodies)
	if err != nil {
		setAll(failure(err))
		return
	}
	pending := map[int64]int{} // operation id → k
	for k, ri := range acc.RequestItems {
		if ri.Status == "rejected" || ri.ErrorMessage != "" {
			outs[idx[k]] = outcome{Status: "F", Code: "BULK_REJECTED", Note: ri.ErrorMessage}
			continue
		}
		pending[ri.ID] = k
	}
	deadline := time.Now().Add(o.cfg.bulkTimeout)
	for len(pending) > 0 {
		st, err := o.client.GetBulkStatus(ctx, acc.BulkUUID)
		if err != nil && !retryableOutcome(err) {
			for _, k := range pending {
				outs[idx[k]] = failure(err)
			}
			return
		}
		if err == nil {
			for _, op := range st.Operations {
				k, ok := pending[op.ID]
				if !ok || op.Status == magento.OperationOpen {
					continue
				}
				delete(pending, op.ID)
				outs[idx[k]] = bulkOperationOutcome(op, tgtID(k))
			}
		}
		if len(pending) == 0 {
			return
		}
		if time.Now().After(deadline) {
			for _, k := range pending {
				outs[idx[k]] = outcome{Nack: fmt.Errorf("bulk %s: operation still open after %s", acc.BulkUUID, o.cfg.bulkTimeout)}
			}
			return
		}
		t := time.NewTimer(o.cfg.bulkPoll)
		select {
		case <-ctx.Done():
			t.Stop()
			for _, k := range pending {
				outs[idx[k]] = outcome{Nack: ctx.Err()}
			}
			return
		case <-t.C:
		}
	}
}

// bulkOperationOutcome maps a finished bulk operation: complete is S,
// "failed, retriable" is redelivered, "failed, must change" and rejected
// are F with the operation's message.
func bulkOperationOutcome(op magento.BulkOperation, fallbackID string) outcome {
	switch op.Status {
	case magento.OperationComplete:
		return sent(fallbackID)
	case magento.OperationRetriablyFailed:
		return outcome{Nack: fmt.Errorf("bulk operation %d failed (retriable): %s", op.ID, op.ResultMessage)}
	}
	code := "BULK_FAILED"
	if op.ErrorCode != 0 {
		code = "BULK_" + strconv.Itoa(op.ErrorCode)
	}
	return outcome{Status: "F", Code: code, Note: op.ResultMessage}
}
