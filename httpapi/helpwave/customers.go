package helpwave

import (
	"net/http"

	ticketd "github.com/ticketd/ticketd"
	"github.com/ticketd/ticketd/httpapi"
)

// customerFields names the domain's customer fields as this surface does.
var customerFields = map[string]string{"phone": "phone_number", "name": "full_name"}

// platformIDs are the customer's ids in other systems, by this API's field
// names (developers.helpwave.ai/reference/customers/get-by-id): one domain
// concept, the customer's identities, that every surface names its own way.
var platformIDs = []struct{ field, system string }{
	{"shopify_id", ticketd.SystemShopify},
	{"wordpress_id", ticketd.SystemWordPress},
	{"prestashop_id", ticketd.SystemPrestaShop},
	{"fb_user_id", ticketd.SystemFacebook},
	{"ig_user_id", ticketd.SystemInstagram},
	{"whatsapp_id", ticketd.SystemWhatsApp},
	{"zendesk_id", ticketd.SystemZendesk},
	{"freshdesk_id", ticketd.SystemFreshdesk},
	{"ig_pseudo", ticketd.SystemInstagramHandle},
	{"gmelius_id", ticketd.SystemGmelius},
	{"gorgias_id", ticketd.SystemGorgias},
}

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
	}{{"email", &in.Email}, {"phone_number", &in.Phone}, {"first_name", &in.FirstName}, {"last_name", &in.LastName},
		{"full_name", &in.Profile.Name}} {
		if *f.dst, err = b.text(f.key); err != nil {
			return err
		}
	}
	in.Profile.Identities = map[string]string{}
	for _, f := range platformIDs {
		if in.Profile.Identities[f.system], err = b.idText(f.field); err != nil {
			return err
		}
	}
	c, created, err := h.svc.EnsureCustomer(r.Context(), p, in)
	if err != nil {
		return renamed(err, customerFields)
	}
	ws, err := h.svc.Workspace(r.Context(), p)
	if err != nil {
		return err
	}
	if !created {
		httpapi.WriteJSON(w, http.StatusOK, struct {
			ok
			Existing bool         `json:"existing"`
			Customer customerJSON `json:"customer"`
		}{success, true, renderCustomer(c, ws)})
		return nil
	}
	httpapi.WriteJSON(w, http.StatusCreated, struct {
		ok
		Customer customerJSON `json:"customer"`
	}{success, renderCustomer(c, ws)})
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
	ws, err := h.svc.Workspace(r.Context(), p)
	if err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusOK, struct {
		ok
		Customer customerJSON `json:"customer"`
	}{success, renderCustomer(c, ws)})
	return nil
}
