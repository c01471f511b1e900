-- The customer whose data an event carries (ticketd.Event.CustomerID), and
-- indexes for finding a customer's events and a ticket's, which erasing a
-- customer deletes from the log. Events recorded before this migration have
-- no customer_id: those about a ticket are still found by ticket_id, and
-- customer events without a ticket age out with the log's retention.
ALTER TABLE events ADD COLUMN customer_id TEXT;
CREATE INDEX events_customer ON events (workspace_id, customer_id) WHERE customer_id IS NOT NULL;
CREATE INDEX events_ticket ON events (ticket_id) WHERE ticket_id IS NOT NULL;
