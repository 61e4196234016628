package outputs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/redpanda-data/benthos/v4/public/service"

	"github.com/datawald/datawald/internal/magento"
)

// orderMessage is a parsed orders, invoices or shipments message: the
// order it applies to (see orderRef) and the body.
type orderMessage struct {
	ref orderRef
	raw json.RawMessage
}

// orderRef names the order a message applies to by its entity id
// (order_id, metadata magento_order_id by default: what the
// bloblang/mappings/magento mappings set), its increment id
// (order_increment_id, metadata magento_order_increment_id), or both, in
// which case they must name the same order.
type orderRef struct {
	entityID    int64
	incrementID string
}

func (r orderRef) String() string {
	if r.entityID == 0 {
		return "increment_id " + r.incrementID
	}
	return "entity_id " + strconv.FormatInt(r.entityID, 10)
}

func (o *magentoOutput) parseOrderMessage(msg *service.Message) (orderMessage, *outcome) {
	ref, err := o.orderRefOf(msg)
	if err != nil {
		out := invalid("%v", err)
		return orderMessage{}, &out
	}
	raw, err := msg.AsBytes()
	if err != nil {
		out := invalid("reading message: %v", err)
		return orderMessage{}, &out
	}
	if !json.Valid(raw) {
		out := invalid("message body is not JSON")
		return orderMessage{}, &out
	}
	return orderMessage{ref: ref, raw: raw}, nil
}

// orderRefOf evaluates order_id and order_increment_id; at least one must
// be non-blank and order_id must be a positive integer.
func (o *magentoOutput) orderRefOf(msg *service.Message) (orderRef, error) {
	var ref orderRef
	id, err := optionalKey(moFieldOrderID, o.cfg.orderID, msg)
	if err != nil {
		return ref, err
	}
	if ref.incrementID, err = optionalKey(moFieldOrderIncrementID, o.cfg.orderIncrementID, msg); err != nil {
		return ref, err
	}
	if id != "" {
		if ref.entityID, err = strconv.ParseInt(id, 10, 64); err != nil || ref.entityID < 1 {
			return ref, fmt.Errorf("field %s: %q is not a Magento order entity id (a positive integer)", moFieldOrderID, id)
		}
	}
	if ref.entityID == 0 && ref.incrementID == "" {
		return ref, fmt.Errorf("fields %s and %s: both evaluated to an empty value (set metadata magento_order_id to the order's entity id or magento_order_increment_id to its increment id)", moFieldOrderID, moFieldOrderIncrementID)
	}
	return ref, nil
}

// optionalKey evaluates an interpolated key field that may be blank.
func optionalKey(field string, is *service.InterpolatedString, msg *service.Message) (string, error) {
	v, err := is.TryString(msg)
	if err != nil {
		return "", fmt.Errorf("field %s: %w", field, err)
	}
	return strings.TrimSpace(v), nil
}

// lockOrder resolves the order's entity id (one search when only the
// increment id is known) and locks it, so the read-then-write of messages
// for one order never interleaves, however they name it.
func (o *magentoOutput) lockOrder(ctx context.Context, ref orderRef) (id int64, unlock func(), done *outcome) {
	id = ref.entityID
	if id == 0 {
		var err error
		if id, err = o.client.OrderEntityID(ctx, ref.incrementID); err != nil {
			out := orderFailure(ref, err)
			return 0, nil, &out
		}
	}
	return id, o.orderLocks.lock("order:" + strconv.FormatInt(id, 10)), nil
}

// readOrder reads order id, resolved by lockOrder, while holding its lock.
// A missing order, or an entity id and increment id naming different
// orders, is a permanent F; any other error the outcome failure gives.
func (o *magentoOutput) readOrder(ctx context.Context, ref orderRef, id int64) (magento.Order, *outcome) {
	ord, err := o.client.GetOrder(ctx, id)
	if err != nil {
		out := orderFailure(ref, err)
		return ord, &out
	}
	if ref.incrementID != "" && ord.IncrementID != ref.incrementID {
		return ord, &outcome{Status: "F", Code: "ORDER_MISMATCH", Note: fmt.Sprintf("%s %d is Magento order %s, not %s %s", moFieldOrderID, id, ord.IncrementID, moFieldOrderIncrementID, ref.incrementID)}
	}
	return ord, nil
}

func orderFailure(ref orderRef, err error) outcome {
	var nf *magento.ErrNoSuchOrder
	if errors.As(err, &nf) {
		return outcome{Status: "F", Code: "NO_SUCH_ORDER", Note: "no Magento order with " + ref.String()}
	}
	return failure(err)
}

// writeOrderStatus adds the message's status history entry unless the order
// already has that status and comment.
func (o *magentoOutput) writeOrderStatus(ctx context.Context, msg *service.Message, retried bool) outcome {
	m, bad := o.parseOrderMessage(msg)
	if bad != nil {
		return *bad
	}
	var body struct {
		StatusHistory *magento.StatusHistory `json:"statusHistory"`
	}
	if err := json.Unmarshal(m.raw, &body); err != nil || body.StatusHistory == nil {
		return invalid("order message must be {\"statusHistory\": {...}}")
	}
	h := *body.StatusHistory
	if h.Comment == "" && h.Status == "" {
		return invalid("statusHistory needs a comment or a status")
	}
	id, unlock, done := o.lockOrder(ctx, m.ref)
	if done != nil {
		return *done
	}
	defer unlock()
	ord, done := o.readOrder(ctx, m.ref, id)
	if done != nil {
		return *done
	}
	tgt := strconv.FormatInt(ord.EntityID, 10)
	if orderHas(ord, h) {
		if retried {
			return sent(tgt)
		}
		return ignored(tgt)
	}
	if err := o.client.AddOrderComment(ctx, ord.EntityID, h); err != nil {
		return failure(err)
	}
	return sent(tgt)
}

// orderHas reports whether the order already carries h: a history entry
// with the same comment (and status, when given), or, for a status change
// without comment, the status itself. The order's current status is not
// required to match when there is a comment: the order's status moves on
// (an invoice or shipment changes it), and that later change must not make
// the old comment look missing. (Magento 2.4 refuses a comment whose status
// does not belong to the order's current state with a 400, which is
// recorded F with Magento's message.)
func orderHas(ord magento.Order, h magento.StatusHistory) bool {
	if h.Comment == "" {
		return ord.Status == h.Status
	}
	for _, e := range ord.StatusHistories {
		if e.Comment == h.Comment && (h.Status == "" || e.Status == h.Status) {
			return true
		}
	}
	return false
}

// writeInvoice invoices the order unless it was invoiced for this message
// already: an invoice with the message's comment exists, or nothing is left
// to invoice on the requested lines.
func (o *magentoOutput) writeInvoice(ctx context.Context, msg *service.Message, retried bool) outcome {
	m, bad := o.parseOrderMessage(msg)
	if bad != nil {
		return *bad
	}
	var req magento.InvoiceRequest
	if err := json.Unmarshal(m.raw, &req); err != nil {
		return invalid("parsing invoice message: %v", err)
	}
	id, unlock, done := o.lockOrder(ctx, m.ref)
	if done != nil {
		return *done
	}
	defer unlock()
	ord, done := o.readOrder(ctx, m.ref, id)
	if done != nil {
		return *done
	}
	remaining := linesLeft(ord, invoiceLines(req), magento.OrderItem.ToInvoice)
	var comment string
	if req.Comment != nil {
		comment = req.Comment.Comment
	}
	if !remaining || comment != "" || retried {
		invoices, err := o.client.InvoicesOfOrder(ctx, ord.EntityID)
		if err != nil {
			return failure(err)
		}
		if id, ok := matchingInvoice(invoices, comment, remaining); ok {
			if retried {
				return sent(id)
			}
			return ignored(id)
		}
		if !remaining {
			return ignored("")
		}
	}
	id, err := o.client.CreateInvoice(ctx, ord.EntityID, m.raw)
	if err != nil {
		return failure(err)
	}
	return sent(strconv.FormatInt(id, 10))
}

// matchingInvoice finds the invoice this message already created: the one
// with its comment, or (nothing being left to invoice) the latest one.
func matchingInvoice(invoices []magento.Invoice, comment string, remaining bool) (string, bool) {
	if comment != "" {
		for _, inv := range invoices {
			for _, c := range inv.Comments {
				if c.Comment == comment {
					return strconv.FormatInt(inv.EntityID, 10), true
				}
			}
		}
	}
	if !remaining && len(invoices) > 0 {
		return strconv.FormatInt(invoices[len(invoices)-1].EntityID, 10), true
	}
	return "", false
}

func invoiceLines(r magento.InvoiceRequest) []int64 {
	ids := make([]int64, len(r.Items))
	for k, it := range r.Items {
		ids[k] = it.OrderItemID
	}
	return ids
}

// linesLeft reports whether any of the given order lines (all top-level
// lines when ids is empty) has quantity left by left().
func linesLeft(ord magento.Order, ids []int64, left func(magento.OrderItem) float64) bool {
	want := map[int64]bool{}
	for _, id := range ids {
		want[id] = true
	}
	for _, it := range ord.Items {
		if len(want) > 0 && !want[it.ItemID] {
			continue
		}
		if len(want) == 0 && it.ParentItemID != 0 {
			continue
		}
		if left(it) > 0 {
			return true
		}
	}
	return false
}

// writeShipment ships the order unless this shipment exists already: one
// with any of the message's tracking numbers, or nothing is left to ship on
// the requested lines.
func (o *magentoOutput) writeShipment(ctx context.Context, msg *service.Message, retried bool) outcome {
	m, bad := o.parseOrderMessage(msg)
	if bad != nil {
		return *bad
	}
	var req magento.ShipRequest
	if err := json.Unmarshal(m.raw, &req); err != nil {
		return invalid("parsing shipment message: %v", err)
	}
	lines := make([]int64, len(req.Items))
	for k, it := range req.Items {
		lines[k] = it.OrderItemID
	}
	id, unlock, done := o.lockOrder(ctx, m.ref)
	if done != nil {
		return *done
	}
	defer unlock()
	ord, done := o.readOrder(ctx, m.ref, id)
	if done != nil {
		return *done
	}
	remaining := linesLeft(ord, lines, magento.OrderItem.ToShip)
	if !remaining || len(req.Tracks) > 0 || retried {
		shipments, err := o.client.ShipmentsOfOrder(ctx, ord.EntityID)
		if err != nil {
			return failure(err)
		}
		if id, ok := matchingShipment(shipments, req.Tracks, remaining); ok {
			if retried {
				return sent(id)
			}
			return ignored(id)
		}
		if !remaining {
			return ignored("")
		}
	}
	id, err := o.client.CreateShipment(ctx, ord.EntityID, m.raw)
	if err != nil {
		return failure(err)
	}
	return sent(strconv.FormatInt(id, 10))
}

func matchingShipment(shipments []magento.Shipment, tracks []magento.Track, remaining bool) (string, bool) {
	want := map[string]bool{}
	for _, t := range tracks {
		if t.TrackNumber != "" {
			want[t.TrackNumber] = true
		}
	}
	for _, sh := range shipments {
		for _, t := range sh.Tracks {
			if want[t.TrackNumber] {
				return strconv.FormatInt(sh.EntityID, 10), true
			}
		}
	}
	if !remaining && len(shipments) > 0 {
		return strconv.FormatInt(shipments[len(shipments)-1].EntityID, 10), true
	}
	return "", false
}
