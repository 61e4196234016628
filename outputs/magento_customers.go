package outputs

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"

	"github.com/redpanda-data/benthos/v4/public/service"

	"github.com/datawald/datawald/internal/magento"
)

// writeCustomer creates the customer with the message's email on its
// website, or updates it when it differs.
func (o *magentoOutput) writeCustomer(ctx context.Context, msg *service.Message, retried bool) outcome {
	raw, err := msg.AsBytes()
	if err != nil {
		return invalid("reading message: %v", err)
	}
	var body map[string]any
	if err := json.Unmarshal(raw, &body); err != nil {
		return invalid("parsing customer message: %v", err)
	}
	cust, ok := body["customer"].(map[string]any)
	if !ok {
		return invalid("customer message must be {\"customer\": {...}}")
	}
	email, _ := cust["email"].(string)
	email = strings.TrimSpace(email)
	if email == "" {
		return invalid("customer message has no customer.email")
	}
	website := o.cfg.websiteID
	switch w := cust["website_id"].(type) {
	case float64:
		website = int64(w)
	case string:
		n, err := strconv.ParseInt(w, 10, 64)
		if err != nil {
			return invalid("customer.website_id %q is not an integer", w)
		}
		website = n
	case nil:
		cust["website_id"] = website
	}
	delete(cust, "id")
	unlock := o.orderLocks.lock("customer:" + strings.ToLower(email) + "@" + strconv.FormatInt(website, 10))
	defer unlock()
	found, err := o.client.FindCustomer(ctx, email, website)
	if err != nil {
		return failure(err)
	}
	if found == nil {
		b, err := json.Marshal(body)
		if err != nil {
			return invalid("encoding customer: %v", err)
		}
		id, err := o.client.CreateCustomer(ctx, b)
		if err != nil {
			return failure(err)
		}
		return sent(strconv.FormatInt(id, 10))
	}
	var head struct {
		ID int64 `json:"id"`
	}
	var cur any
	if err := json.Unmarshal(found, &head); err != nil {
		return invalid("decoding customer found by email: %v", err)
	}
	if err := json.Unmarshal(found, &cur); err != nil {
		return invalid("decoding customer found by email: %v", err)
	}
	id := strconv.FormatInt(head.ID, 10)
	if magento.Contains(cur, cust) {
		if retried {
			return sent(id)
		}
		return ignored(id)
	}
	upd := map[string]any{}
	for k, v := range cust {
		upd[k] = v
	}
	upd["id"] = head.ID
	b, err := json.Marshal(map[string]any{"customer": upd})
	if err != nil {
		return invalid("encoding customer: %v", err)
	}
	if err := o.client.UpdateCustomer(ctx, head.ID, b); err != nil {
		return failure(err)
	}
	return sent(id)
}
