package magento

import (
	"encoding/json"
	"net/http"
	"net/mail"
	"strconv"
	"strings"
)

func (v *Vendor) handleSearchCustomers(w http.ResponseWriter, r *http.Request, _ []byte) error {
	return search(v, w, r, func(s *store) *table[int, customer] { return s.customers })
}

func (v *Vendor) handleGetCustomer(w http.ResponseWriter, r *http.Request, _ []byte) error {
	id, err := pathInt(r, "customerId")
	if err != nil {
		return err
	}
	return getByID(v, w, r, "customerId", func(s *store) *table[int, customer] { return s.customers }, errNoSuchEntity("customerId", id))
}

// customerInput is the writable part of customer-data-customer-interface.
type customerInput struct {
	ID        *int            `json:"id"`
	GroupID   *int            `json:"group_id"`
	Email     *string         `json:"email"`
	Firstname *string         `json:"firstname"`
	Lastname  *string         `json:"lastname"`
	WebsiteID *int            `json:"website_id"`
	StoreID   *int            `json:"store_id"`
	Addresses *[]customerAddr `json:"addresses"`
}

// decodeCustomer reads the {"customer": {...}} body of a customer save.
func decodeCustomer(body []byte) (*customerInput, error) {
	var req struct {
		Customer *customerInput `json:"customer"`
	}
	if err := json.Unmarshal(body, &req); err != nil {
		return nil, errDecoding(err)
	}
	if req.Customer == nil {
		return nil, errInput(errRequiredField("customer"))
	}
	return req.Customer, nil
}

func (v *Vendor) handleCreateCustomer(w http.ResponseWriter, _ *http.Request, body []byte) error {
	in, err := decodeCustomer(body)
	if err != nil {
		return err
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	s := v.data
	now := stamp(v.now())
	s.next.customer++
	c := &customer{
		ID: s.next.customer, GroupID: 1, CreatedAt: now, CreatedIn: "Default Store View",
		StoreID: 1, WebsiteID: 1, Addresses: []*customerAddr{},
	}
	if err := v.applyCustomer(c, in); err != nil {
		s.next.customer--
		return err
	}
	c.UpdatedAt = now
	s.customers.put(c.ID, c)
	writeJSON(w, http.StatusOK, c)
	return nil
}

// handleUpdateCustomer implements PUT /V1/customers/{customerId}; the path
// id wins over the body's. Addresses, when given, replace the list.
func (v *Vendor) handleUpdateCustomer(w http.ResponseWriter, r *http.Request, body []byte) error {
	raw := r.PathValue("customerId")
	id, err := strconv.Atoi(raw)
	if err != nil {
		return errNoSuchEntity("customerId", raw)
	}
	in, err := decodeCustomer(body)
	if err != nil {
		return err
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	old, ok := v.data.customers.get(id)
	if !ok {
		return errNoSuchEntity("customerId", id)
	}
	c := *old
	c.Addresses = append([]*customerAddr(nil), old.Addresses...)
	if err := v.applyCustomer(&c, in); err != nil {
		return err
	}
	if sameRecord(old, &c) {
		// Nothing changed: no write, updated_at stays (see saveProduct).
		writeJSON(w, http.StatusOK, old)
		return nil
	}
	c.UpdatedAt = stamp(v.now())
	v.data.customers.put(id, &c)
	writeJSON(w, http.StatusOK, &c)
	return nil
}

// applyCustomer validates in and copies it onto c. The caller holds v.mu.
func (v *Vendor) applyCustomer(c *customer, in *customerInput) error {
	set := func(dst *string, src *string) {
		if src != nil {
			*dst = strings.TrimSpace(*src)
		}
	}
	set(&c.Email, in.Email)
	set(&c.Firstname, in.Firstname)
	set(&c.Lastname, in.Lastname)
	if in.GroupID != nil {
		c.GroupID = *in.GroupID
	}
	if in.WebsiteID != nil {
		c.WebsiteID = *in.WebsiteID
	}
	var missing []apiErrorItem
	if c.Firstname == "" {
		missing = append(missing, errRequiredField("Firstname"))
	}
	if c.Lastname == "" {
		missing = append(missing, errRequiredField("Lastname"))
	}
	if c.Email == "" {
		missing = append(missing, errRequiredField("Email"))
	}
	if len(missing) > 0 {
		return errInput(missing...)
	}
	if _, err := mail.ParseAddress(c.Email); err != nil || strings.ContainsAny(c.Email, " <>") {
		return errNamed(http.StatusBadRequest, `"%fieldName" uses an invalid email address.`, map[string]any{"fieldName": "Email"})
	}
	if c.GroupID < 0 || c.GroupID > 3 {
		return errNoSuchEntity("groupId", c.GroupID)
	}
	duplicate := false
	v.data.customers.each(func(id int, o *customer) {
		if id != c.ID && o.WebsiteID == c.WebsiteID && strings.EqualFold(o.Email, c.Email) {
			duplicate = true
		}
	})
	if duplicate {
		return errPositional(http.StatusBadRequest, "A customer with the same email address already exists in an associated website.")
	}
	if in.Addresses != nil {
		c.Addresses = []*customerAddr{}
		c.DefaultBilling, c.DefaultShipping = "", ""
		for _, a := range *in.Addresses {
			a := a
			if a.CountryID == "" || a.City == "" || len(a.Street) == 0 || a.Telephone == "" || a.Firstname == "" || a.Lastname == "" {
				return errInput(errRequiredField("address"))
			}
			if a.ID == 0 {
				v.data.next.customerAddr++
				a.ID = v.data.next.customerAddr
			}
			a.CustomerID = c.ID
			if a.Region != nil {
				a.Region.RegionID = v.data.regionID(a.CountryID, a.Region.RegionCode)
				a.RegionID = a.Region.RegionID
			}
			if a.DefaultBilling {
				c.DefaultBilling = strconv.Itoa(a.ID)
			}
			if a.DefaultShipping {
				c.DefaultShipping = strconv.Itoa(a.ID)
			}
			c.Addresses = append(c.Addresses, &a)
		}
	}
	return nil
}
