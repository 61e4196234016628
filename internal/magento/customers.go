package magento

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
)

// FindCustomer returns the customer with the email on the website, raw,
// or nil when there is none. Email plus website is Magento's natural key
// for customer accounts (with account sharing per website, the default).
func (c *Client) FindCustomer(ctx context.Context, email string, websiteID int64) (json.RawMessage, error) {
	cr := Criteria{}.Where("email", Eq, email).Where("website_id", Eq, strconv.FormatInt(websiteID, 10)).Page(1, 1)
	p, err := c.Search(ctx, "/V1/customers/search", cr)
	if err != nil {
		return nil, fmt.Errorf("finding customer %q on website %d: %w", email, websiteID, err)
	}
	if len(p.Items) == 0 {
		return nil, nil
	}
	return p.Items[0], nil
}

// CreateCustomer creates a customer; body is {"customer": {...}}. It is not
// retried after an unknown outcome: callers look the customer up again.
func (c *Client) CreateCustomer(ctx context.Context, body json.RawMessage) (int64, error) {
	var out struct {
		ID int64 `json:"id"`
	}
	if err := c.do(ctx, call{method: http.MethodPost, path: "/V1/customers", endpoint: "/V1/customers", body: body}, &out); err != nil {
		return 0, fmt.Errorf("creating customer: %w", err)
	}
	return out.ID, nil
}

// UpdateCustomer replaces a customer's data; body is {"customer": {...}}
// and must carry the id.
func (c *Client) UpdateCustomer(ctx context.Context, id int64, body json.RawMessage) error {
	err := c.do(ctx, call{
		method: http.MethodPut, path: "/V1/customers/" + strconv.FormatInt(id, 10), endpoint: "/V1/customers/{customerId}", body: body,
	}, nil)
	if err != nil {
		return fmt.Errorf("updating customer %d: %w", id, err)
	}
	return nil
}
