package ticketd

import "context"

// NewConversation is the input of OpenTicket: a customer, found or created,
// opening a ticket, optionally with their first message.
type NewConversation struct {
	Customer NewCustomer
	// Ticket is the ticket to open; its Customer is ignored (the customer
	// above is its customer).
	Ticket NewTicket
	// Message, if not nil, is the customer's first message; its Author is
	// ignored (the customer writes it) and FromAddress "" means the
	// customer's email, Subject "" the ticket's subject.
	Message *NewMessage
}

// OpenedTicket is what OpenTicket did.
type OpenedTicket struct {
	Customer        *Customer
	CustomerCreated bool
	// Ticket is the ticket as the first message left it.
	Ticket  *Ticket
	Message *Message // nil without a first message
}

// OpenTicket finds the customer by email (or phone) or creates it, opens
// the ticket and posts the customer's first message, in one transaction:
// either all of it happens, or nothing does. The rules are those of
// EnsureCustomer, CreateTicket and PostMessage, whose helpers it runs.
func (s *Service) OpenTicket(ctx context.Context, p *Principal, in NewConversation) (*OpenedTicket, error) {
	// As in EnsureCustomer: a second attempt finds the customer another
	// node created meanwhile.
	for attempt := 1; ; attempt++ {
		out, err := s.openTicket(ctx, p, in)
		if ErrorCode(err) != ECONFLICT || attempt == 2 {
			return out, err
		}
	}
}

// openTicket is one attempt of OpenTicket. Everything is built and checked
// before the transaction, so that bad input costs no write lock; the objects
// are built afresh for each attempt, as a rolled-back one left them changed.
func (s *Service) openTicket(ctx context.Context, p *Principal, in NewConversation) (*OpenedTicket, error) {
	fresh, err := s.newCustomer(p, in.Customer)
	if err != nil {
		return nil, err
	}
	t, err := s.newTicket(p, in.Ticket)
	if err != nil {
		return nil, err
	}
	var m *Message
	var min NewMessage
	if in.Message != nil {
		min = *in.Message
		if min.Subject == "" {
			min.Subject = t.Subject
		}
		if min.FromAddress == "" {
			min.FromAddress = fresh.Email
		}
		// The customer is known only in the transaction; fresh's id
		// stands in for it while the message is checked.
		min.Author = Author{Kind: AuthorCustomer, CustomerID: &fresh.ID}
		if m, err = s.newMessage(p, min); err != nil {
			return nil, err
		}
	}
	out := &OpenedTicket{Ticket: t, Message: m}
	err = s.store.Update(ctx, func(tx Tx) (err error) {
		if out.Customer, out.CustomerCreated, err = s.ensureCustomer(ctx, tx, p, fresh); err != nil {
			return err
		}
		c := out.Customer
		tin := in.Ticket
		tin.Customer = ByID(c.ID)
		if err := s.createTicket(ctx, tx, p, t, tin); err != nil {
			return err
		}
		if m == nil {
			return nil
		}
		m.Author.CustomerID = &c.ID
		if in.Message.FromAddress == "" {
			m.FromAddress = c.Email // found by phone, the customer may have another
		}
		out.Ticket, err = s.postMessage(ctx, tx, p, ByID(t.ID), m, min)
		return err
	})
	if err != nil {
		return nil, err
	}
	if m != nil {
		s.afterPost(m)
	}
	return out, nil
}
