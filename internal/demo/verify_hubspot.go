package demo

import (
	"context"
	"fmt"
	"io"
	"strings"
)

// storefrontCustomer is what the check reads of a Magento customer.
type storefrontCustomer struct {
	ID        int64  `json:"id"`
	Email     string `json:"email"`
	Firstname string `json:"firstname"`
	Lastname  string `json:"lastname"`
}

// HubSpotContacts checks the HubSpot customers flow: every storefront
// customer has a HubSpot contact with its email (HubSpot's unique key for
// contacts, so there cannot be two) and the storefront's first and last
// name. It writes one line per finding to w and returns the number of
// problems.
func (c Check) HubSpotContacts(ctx context.Context, w io.Writer) (int, error) {
	customers, err := storefront[storefrontCustomer](ctx, c.Magento, "/V1/customers/search", "customers")
	if err != nil {
		return 0, err
	}
	emails := make([]string, len(customers))
	for i, cu := range customers {
		emails[i] = strings.ToLower(cu.Email)
	}
	res, err := c.HubSpot.BatchRead(ctx, "contacts", "email", emails, []string{"email", "firstname", "lastname"})
	if err != nil {
		return 0, fmt.Errorf("reading HubSpot contacts: %w", err)
	}
	byEmail := make(map[string]map[string]string, len(res.Results))
	for _, o := range res.Results {
		props := map[string]string{}
		for _, k := range []string{"email", "firstname", "lastname"} {
			props[k], _ = o.Property(k)
		}
		byEmail[strings.ToLower(props["email"])] = props
	}
	r := &reporter{w: w}
	for _, cu := range customers {
		got, ok := byEmail[strings.ToLower(cu.Email)]
		switch {
		case !ok:
			r.report("storefront customer %d (%s) has no HubSpot contact", cu.ID, cu.Email)
		case got["firstname"] != cu.Firstname || got["lastname"] != cu.Lastname:
			r.report("storefront customer %d is %s %s, its HubSpot contact %s %s", cu.ID, cu.Firstname, cu.Lastname, got["firstname"], got["lastname"])
		}
	}
	if r.problems == 0 {
		fmt.Fprintf(w, "  ✓ HubSpot holds a contact with the storefront's name for every storefront customer (%d)\n", len(customers))
	}
	return r.problems, nil
}
