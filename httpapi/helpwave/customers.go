package helpwave

import (
	"net/http"

	ticketd "github.com/ticketd/ticketd"
	"github.com/ticketd/ticketd/httpapi"
)

// customerFields names the domain's customer fields as this surface does.
var customerFields = map[string]string{"phone": "phone_number"}

// createCustomer finds or creates a customer by email (or, without an email,
// phone number): an integration that creates its customer before every
// ticket gets the same customer back, 200 with "existing": true, instead of a
// duplicate or an error.
func (h *Handler) createCustomer(w http.ResponseWriter, r *http.Request, p *ticketd.Principal) error {
	b, err := readBody(r)
	if err != nil {
		return err
	}
	var in ticketd.NewCustomer
	for _, f := range []struct {
		key string
		dst *string
	}{{"email", &in.Email}, {"phone_number", &in.Phone}, {"first_name", &in.FirstName}, {"last_name", &in.LastName}} {
		if *f.dst, err = b.text(f.key); err != nil {
			return err
		}
	}
	c, created, err := h.svc.EnsureCustomer(r.Context(), p, in)
	if err != nil {
		return renamed(err, customerFields)
	}
	if !created {
		httpapi.WriteJSON(w, http.StatusOK, struct {
			ok
			Existing bool         `json:"existing"`
			Customer customerJSON `json:"customer"`
		}{success, true, renderCustomer(c)})
		return nil
	}
	httpapi.WriteJSON(w, http.StatusCreated, struct {
		ok
		Customer customerJSON `json:"customer"`
	}{success, renderCustomer(c)})
	return nil
}

// getCustomer returns one customer of the shop by its number.
func (h *Handler) getCustomer(w http.ResponseWriter, r *http.Request, p *ticketd.Principal) error {
	n, err := pathNumber(r, "customerId", "customer")
	if err != nil {
		return err
	}
	c, err := h.svc.Customer(r.Context(), p, ticketd.ByNumber(n))
	if err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusOK, struct {
		ok
		Customer customerJSON `json:"customer"`
	}{success, renderCustomer(c)})
	return nil
}
