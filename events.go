package ticketd

import (
	"context"
	"maps"
	"slices"
	"time"
)

// EventType names what happened. The names are those of the native API
// (CONTRACT.md, "Events"); webhooks of the ticket0 format get Ticket0's
// own names for the subset it documents (see Ticket0EventType).
type EventType string

const (
	EventTicketCreated       EventType = "ticket.created"
	EventTicketUpdated       EventType = "ticket.updated"
	EventTicketAssigned      EventType = "ticket.assigned"
	EventTicketUnassigned    EventType = "ticket.unassigned"
	EventTicketStatusChanged EventType = "ticket.status_changed"
	EventTicketTagged        EventType = "ticket.tagged"
	// EventTicketDeleted is a ticket deleted for good, with its
	// conversation: data.ticket is the ticket as it was. Its messages go
	// with it and record no events of their own.
	EventTicketDeleted  EventType = "ticket.deleted"
	EventMessageCreated EventType = "message.created"
	EventNoteCreated    EventType = "note.created"
	// EventMessageUpdated and EventNoteUpdated are an edit of a public
	// message or of a note (its body or its visibility), with the message
	// as it is now; EventMessageDeleted and EventNoteDeleted a deletion,
	// with the message as it was. A public message made internal is a note
	// now: it records note.updated and, for those who may see only public
	// messages, message.deleted with the message as they last saw it.
	EventMessageUpdated         EventType = "message.updated"
	EventMessageDeleted         EventType = "message.deleted"
	EventNoteUpdated            EventType = "note.updated"
	EventNoteDeleted            EventType = "note.deleted"
	EventMessageDeliveryChanged EventType = "message.delivery_status_changed"
	EventCustomerCreated        EventType = "customer.created"
	EventCustomerUpdated        EventType = "customer.updated"
	// The rest of TopTickets' writes: ticket files, customer deletions,
	// teams and their members, agents. Each event carries its object as it
	// is after the change (as it was, for a deletion).
	EventAttachmentCreated EventType = "attachment.created"
	EventAttachmentDeleted EventType = "attachment.deleted"
	EventCustomerDeleted   EventType = "customer.deleted"
	EventTeamCreated       EventType = "team.created"
	EventTeamUpdated       EventType = "team.updated"
	EventTeamDeleted       EventType = "team.deleted"
	EventTeamMemberAdded   EventType = "team.member_added"
	EventTeamMemberRemoved EventType = "team.member_removed"
	EventUserCreated       EventType = "user.created"
	EventUserUpdated       EventType = "user.updated"
	EventUserDeleted       EventType = "user.deleted"
	// EventWebhookPing is the test event of POST /v1/webhooks/{id}/test. It
	// goes to that one webhook and is never shown in the event feed.
	EventWebhookPing EventType = "webhook.ping"
)

// EventTypes lists the event types a subscriber may ask for, in
// CONTRACT.md's order.
var EventTypes = []EventType{
	EventTicketCreated, EventTicketUpdated, EventTicketAssigned, EventTicketUnassigned,
	EventTicketStatusChanged, EventTicketTagged, EventTicketDeleted, EventMessageCreated, EventNoteCreated,
	EventMessageUpdated, EventMessageDeleted, EventNoteUpdated, EventNoteDeleted,
	EventMessageDeliveryChanged, EventCustomerCreated, EventCustomerUpdated,
	EventAttachmentCreated, EventAttachmentDeleted, EventCustomerDeleted,
	EventTeamCreated, EventTeamUpdated, EventTeamDeleted, EventTeamMemberAdded, EventTeamMemberRemoved,
	EventUserCreated, EventUserUpdated, EventUserDeleted,
}

// EventRetention is how long the event log keeps an event: the window in
// which a stream or a poller can resume without loss.
const EventRetention = 72 * time.Hour

// Event is one entry of the event log: something that changed in a
// workspace. It is written in the same transaction as the change, so a
// committed change always has its event and a rolled-back one never does.
// Its ID is given after commit, by the sequencer (Service.SequenceEvents),
// and IDs become visible in increasing order only, so "every event after N"
// never skips one that committed late.
type Event struct {
	// ID is the event's position in the log; 0 until it is sequenced.
	ID          int64
	WorkspaceID ID
	Type        EventType
	// TicketID is the ticket the event is about, for ticket and message
	// events; events of one ticket are delivered to webhooks in order.
	TicketID   *ID
	OccurredAt time.Time
	Data       EventData
}

// EventData is the state the event is about, as it is after the change,
// and what the change was. Surfaces render it in their own words.
type EventData struct {
	Ticket   *Ticket   `json:"ticket,omitempty"`
	Message  *Message  `json:"message,omitempty"`
	Customer *Customer `json:"customer,omitempty"`
	// Attachment is the file of attachment.created and attachment.deleted.
	Attachment *TicketAttachment `json:"attachment,omitempty"`
	// Team is the team of the team events; User the agent of the user
	// events, and the member a team.member_* event added or removed.
	Team *Team `json:"team,omitempty"`
	User *User `json:"user,omitempty"`
	// Changed names the fields the change set, in the native API's names
	// (ticket.updated, customer.updated).
	Changed []string `json:"changed,omitempty"`
	// PreviousStatus is the status before a ticket.status_changed.
	PreviousStatus Status `json:"previous_status,omitempty"`
	// PreviousAssigneeID is the assignee before ticket.assigned or
	// ticket.unassigned (nil: there was none).
	PreviousAssigneeID *ID `json:"previous_assignee_id,omitempty"`
	// TagsAdded are the tags a ticket.tagged added.
	TagsAdded []string `json:"tags_added,omitempty"`
	// PreviousDelivery is the delivery status before a
	// message.delivery_status_changed.
	PreviousDelivery DeliveryStatus `json:"previous_delivery,omitempty"`
	// WebhookID is the webhook a webhook.ping tests.
	WebhookID *ID `json:"webhook_id,omitempty"`
}

// CustomerID is the customer whose personal data the event carries beyond
// its ticket: the customer of a customer event, the ticket's customer on a
// ticket event, the author of a customer's message. With TicketID it is
// what erasing a customer removes from the log (Service.EraseCustomer), so
// a change recorded before the erasure cannot hand their data to a stream
// or a webhook after it. Nil when no customer's data is in it.
func (e *Event) CustomerID() *ID {
	switch d := e.Data; {
	case d.Customer != nil:
		return &d.Customer.ID
	case d.Ticket != nil:
		return &d.Ticket.CustomerID
	case d.Message != nil && d.Message.Author.Kind == AuthorCustomer:
		return d.Message.Author.CustomerID
	}
	return nil
}

// EventFilter selects events of the log in id order.
type EventFilter struct {
	// WorkspaceID limits the events to one workspace; nil reads every
	// workspace (the per-node poller that feeds every stream).
	WorkspaceID *ID
	AfterID     int64
	// Types limits the events to these types; nil means every type.
	Types []EventType
	Limit int
	// Newest reads the newest first, skipping Offset of them (AfterID is
	// then ignored): a dashboard's activity feed.
	Newest bool
	Offset int
}

// EventTx is the part of Tx that keeps the event log.
type EventTx interface {
	// AppendEvents stores evs, in order, without IDs: those are given by
	// SequenceEvents once the transaction has committed.
	AppendEvents(ctx context.Context, evs []*Event) error
	// SequenceEvents gives up to limit committed events without an ID
	// their IDs, in the order they were appended, each larger than every ID
	// given before, and returns them. Only one transaction of the database
	// sequences at a time and its IDs become visible when it commits, so
	// readers see IDs appear in increasing order only; a second sequencer
	// waits for the first.
	SequenceEvents(ctx context.Context, limit int) ([]*Event, error)
	// HasUnsequencedEvents reports whether some event awaits its ID.
	HasUnsequencedEvents(ctx context.Context) (bool, error)
	// Events lists sequenced events in id order.
	Events(ctx context.Context, f EventFilter) ([]*Event, error)
	// LastEventID is the largest event id there is, 0 if none.
	LastEventID(ctx context.Context) (int64, error)
	// PruneEvents deletes the events that occurred before cutoff and that
	// no pending webhook delivery still needs, and returns how many it deleted.
	PruneEvents(ctx context.Context, cutoff time.Time) (int, error)
}

// scopesOf says which scopes can read an event: a holder of any one of them
// may. An event no scope can read (the ping) is never shown in the feed.
func scopesOf(t EventType) []Scope {
	switch t {
	case EventTicketCreated, EventTicketUpdated, EventTicketAssigned, EventTicketUnassigned,
		EventTicketStatusChanged, EventTicketTagged, EventTicketDeleted:
		return []Scope{"tickets:read"}
	case EventMessageCreated, EventMessageUpdated, EventMessageDeleted, EventMessageDeliveryChanged:
		// Public messages are on both the comments and the messages resource.
		return []Scope{"comments:read", "messages:read"}
	case EventNoteCreated, EventNoteUpdated, EventNoteDeleted:
		// Notes are on the comments resource only; the messages resource
		// never shows them.
		return []Scope{"comments:read"}
	case EventCustomerCreated, EventCustomerUpdated, EventCustomerDeleted:
		return []Scope{"customers:read"}
	case EventAttachmentCreated, EventAttachmentDeleted:
		return []Scope{"attachments:read"}
	case EventTeamCreated, EventTeamUpdated, EventTeamDeleted, EventTeamMemberAdded, EventTeamMemberRemoved:
		return []Scope{"teams:read"}
	case EventUserCreated, EventUserUpdated, EventUserDeleted:
		return []Scope{"users:read"}
	}
	return nil
}

// CanRead reports whether a holder of scopes may see events of type t.
func CanRead(scopes []Scope, t EventType) bool {
	for _, s := range scopesOf(t) {
		if HasScope(scopes, s) {
			return true
		}
	}
	return false
}

// CanReadEvent reports whether p may see events of type t: its scopes can
// read them, and a note is shown only to a surface that faces the team.
func (p *Principal) CanReadEvent(t EventType) bool {
	return CanRead(p.Scopes, t) && (!isNoteEvent(t) || p.Audience.SeesNotes())
}

// isNoteEvent reports whether events of type t carry an internal note.
func isNoteEvent(t EventType) bool {
	return t == EventNoteCreated || t == EventNoteUpdated || t == EventNoteDeleted
}

// EventTypesFor lists the event types p may see.
func EventTypesFor(p *Principal) []EventType {
	var out []EventType
	for _, t := range EventTypes {
		if p.CanReadEvent(t) {
			out = append(out, t)
		}
	}
	return out
}

// ValidEventType reports whether t is an event type a subscriber may ask for.
func ValidEventType(t EventType) bool { return slices.Contains(EventTypes, t) }

// ---- what each change records ----------------------------------------------

// emit appends events to the log inside the use case's transaction: they
// commit or roll back with the change. It is each use case's one hook into
// the event log. The sequencer gives them their IDs and queues them for
// webhooks once they are committed (SequenceEvents).
func (s *Service) emit(ctx context.Context, tx Tx, events ...*Event) error {
	if len(events) == 0 {
		return nil
	}
	now := s.Now()
	for _, e := range events {
		e.OccurredAt = now
	}
	return tx.AppendEvents(ctx, events)
}

// sequenceBatch bounds the events one sequencing transaction takes.
const sequenceBatch = 500

// SequenceEvents gives committed events their IDs and queues each for the
// webhooks that get it, in one transaction: an event is sequenced and queued
// together or not at all, so every committed event is delivered (at least
// once) and a rolled-back one never exists. Every node calls it before
// reading the log. It returns how many events it sequenced.
func (s *Service) SequenceEvents(ctx context.Context) (int, error) {
	total := 0
	for {
		var n int
		err := s.store.Update(ctx, func(tx Tx) (err error) {
			n, _, err = s.sequence(ctx, tx)
			return err
		})
		total += n
		if err != nil || n < sequenceBatch {
			return total, err
		}
	}
}

// sequence is SequenceEvents' work inside tx: it returns how many events it
// sequenced and the deliveries it queued.
func (s *Service) sequence(ctx context.Context, tx Tx) (int, []*WebhookDelivery, error) {
	evs, err := tx.SequenceEvents(ctx, sequenceBatch)
	if err != nil {
		return 0, nil, err
	}
	now := s.Now()
	hooks := map[ID][]*Webhook{}
	var queued []*WebhookDelivery
	for _, e := range evs {
		hs, seen := hooks[e.WorkspaceID]
		if !seen {
			if hs, err = tx.ActiveWebhooks(ctx, e.WorkspaceID); err != nil {
				return 0, nil, err
			}
			hooks[e.WorkspaceID] = hs
		}
		for _, w := range hs {
			if d := newDelivery(w, e, now); d != nil {
				if err := tx.EnqueueWebhookDelivery(ctx, d); err != nil {
					return 0, nil, err
				}
				queued = append(queued, d)
			}
		}
	}
	return len(evs), queued, nil
}

// sequenceIfNeeded sequences before a read of the log, so that a reader
// sees what has committed; it costs one cheap read when nothing waits.
func (s *Service) sequenceIfNeeded(ctx context.Context) error {
	var waiting bool
	err := s.store.View(ctx, func(tx Tx) (err error) {
		waiting, err = tx.HasUnsequencedEvents(ctx)
		return err
	})
	if err != nil || !waiting {
		return err
	}
	_, err = s.SequenceEvents(ctx)
	return err
}

func ticketEvent(typ EventType, t *Ticket) *Event {
	snap := *t
	return &Event{WorkspaceID: t.WorkspaceID, Type: typ, TicketID: &snap.ID, Data: EventData{Ticket: &snap}}
}

// ticketCreated is what creating t records.
func ticketCreated(t *Ticket) []*Event {
	out := []*Event{ticketEvent(EventTicketCreated, t)}
	if t.AssigneeID != nil {
		out = append(out, ticketEvent(EventTicketAssigned, t))
	}
	return out
}

// ticketChanged is what changing a ticket from before to after records:
// ticket.updated naming the fields that changed, and beside it the events of
// the changes a subscriber most often waits for (assignment, status, tags).
// Fields that follow the conversation (last message, unread count) are not
// changes of the ticket itself and record nothing.
func ticketChanged(before, after *Ticket) []*Event {
	var changed []string
	if before.Subject != after.Subject {
		changed = append(changed, "subject")
	}
	if before.Channel != after.Channel {
		changed = append(changed, "channel")
	}
	if before.Status != after.Status {
		changed = append(changed, "status")
	}
	assigneeChanged := !sameID(before.AssigneeID, after.AssigneeID)
	if assigneeChanged {
		changed = append(changed, "assignee_id")
	}
	if !slices.Equal(before.Tags, after.Tags) {
		changed = append(changed, "tags")
	}
	if !sameTime(before.SnoozedUntil, after.SnoozedUntil) {
		changed = append(changed, "snoozed_until")
	}
	// The planning fields that came with TopTickets (ticketfields.go).
	if before.Priority != after.Priority {
		changed = append(changed, "priority")
	}
	if before.Category != after.Category {
		changed = append(changed, "category")
	}
	if before.Description != after.Description {
		changed = append(changed, "description")
	}
	if !sameTime(before.DueAt, after.DueAt) {
		changed = append(changed, "due_at")
	}
	if !sameID(before.TeamID, after.TeamID) {
		changed = append(changed, "team_id")
	}
	if len(changed) == 0 {
		return nil
	}
	updated := ticketEvent(EventTicketUpdated, after)
	updated.Data.Changed = changed
	out := []*Event{updated}
	if assigneeChanged {
		typ := EventTicketAssigned
		if after.AssigneeID == nil {
			typ = EventTicketUnassigned
		}
		e := ticketEvent(typ, after)
		e.Data.PreviousAssigneeID = before.AssigneeID
		out = append(out, e)
	}
	if before.Status != after.Status {
		e := ticketEvent(EventTicketStatusChanged, after)
		e.Data.PreviousStatus = before.Status
		out = append(out, e)
	}
	var added []string
	for _, tag := range after.Tags {
		if !slices.Contains(before.Tags, tag) {
			added = append(added, tag)
		}
	}
	if len(added) > 0 {
		e := ticketEvent(EventTicketTagged, after)
		e.Data.TagsAdded = added
		out = append(out, e)
	}
	return out
}

func sameTime(a, b *time.Time) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.Equal(*b)
}

func sameID(a, b *ID) bool {
	if a == nil || b == nil {
		return a == b
	}
	return *a == *b
}

// messagePosted is what a new message records: message.created for a public
// one, note.created for an internal note, then what it did to its ticket.
func messagePosted(m *Message, before, after *Ticket) []*Event {
	typ := EventMessageCreated
	if m.Internal {
		typ = EventNoteCreated
	}
	snap := *m
	out := []*Event{{WorkspaceID: m.WorkspaceID, Type: typ, TicketID: &snap.TicketID, Data: EventData{Message: &snap}}}
	if before == nil {
		out = append(ticketCreated(after), out...)
	} else {
		out = append(out, ticketChanged(before, after)...)
	}
	return out
}

// messageEvent is an event of type typ about m, as m is when it is called.
func messageEvent(typ EventType, m *Message) *Event {
	snap := *m
	return &Event{WorkspaceID: m.WorkspaceID, Type: typ, TicketID: &snap.TicketID, Data: EventData{Message: &snap}}
}

// messageEdited is what an edit of a message from before to after records:
// message.updated or note.updated naming the fields that changed (body,
// is_internal); a public message made internal also records message.deleted
// with the message as it was, for those who never see notes. Nothing when
// nothing changed.
func messageEdited(before, after *Message) []*Event {
	var changed []string
	if before.Body != after.Body {
		changed = append(changed, "body")
	}
	if before.Internal != after.Internal {
		changed = append(changed, "is_internal")
	}
	if len(changed) == 0 {
		return nil
	}
	typ := EventMessageUpdated
	if after.Internal {
		typ = EventNoteUpdated
	}
	e := messageEvent(typ, after)
	e.Data.Changed = changed
	if after.Internal && !before.Internal {
		return []*Event{messageEvent(EventMessageDeleted, before), e}
	}
	return []*Event{e}
}

// messageDeleted is what deleting m records, with m as it was.
func messageDeleted(m *Message) []*Event {
	typ := EventMessageDeleted
	if m.Internal {
		typ = EventNoteDeleted
	}
	return []*Event{messageEvent(typ, m)}
}

// deliveryChanged is what a change of a message's email delivery status
// records; nothing when it did not change.
func deliveryChanged(m *Message, previous DeliveryStatus) []*Event {
	if m.Delivery == previous {
		return nil
	}
	snap := *m
	return []*Event{{WorkspaceID: m.WorkspaceID, Type: EventMessageDeliveryChanged, TicketID: &snap.TicketID,
		Data: EventData{Message: &snap, PreviousDelivery: previous}}}
}

func customerCreated(c *Customer) []*Event {
	snap := *c
	return []*Event{{WorkspaceID: c.WorkspaceID, Type: EventCustomerCreated, Data: EventData{Customer: &snap}}}
}

// customerDeleted is what deleting c records: the customer as it was.
func customerDeleted(c *Customer) []*Event {
	snap := *c
	return []*Event{{WorkspaceID: c.WorkspaceID, Type: EventCustomerDeleted, Data: EventData{Customer: &snap}}}
}

func attachmentEvent(typ EventType, a *TicketAttachment) []*Event {
	snap := *a
	return []*Event{{WorkspaceID: a.WorkspaceID, Type: typ, TicketID: &snap.TicketID, Data: EventData{Attachment: &snap}}}
}

// teamEvent is what a write of team t records; member is the agent a
// membership change concerns.
func teamEvent(typ EventType, t *Team, member *User) []*Event {
	snap := *t
	e := &Event{WorkspaceID: t.WorkspaceID, Type: typ, Data: EventData{Team: &snap}}
	if member != nil {
		m := *member
		e.Data.User = &m
	}
	return []*Event{e}
}

// userEvent is what a write of agent u records.
func userEvent(typ EventType, u *User) []*Event {
	snap := *u
	return []*Event{{WorkspaceID: u.WorkspaceID, Type: typ, Data: EventData{User: &snap}}}
}

func customerChanged(before, after *Customer) []*Event {
	var changed []string
	for _, f := range []struct {
		name string
		a, b string
	}{{"email", before.Email, after.Email}, {"phone_number", before.Phone, after.Phone},
		{"first_name", before.FirstName, after.FirstName}, {"last_name", before.LastName, after.LastName}} {
		if f.a != f.b {
			changed = append(changed, f.name)
		}
	}
	changed = append(changed, profileChanged(&before.Profile, &after.Profile)...)
	if len(changed) == 0 {
		return nil
	}
	snap := *after
	return []*Event{{WorkspaceID: after.WorkspaceID, Type: EventCustomerUpdated, Data: EventData{Customer: &snap, Changed: changed}}}
}

// profileChanged names what changed in a customer's profile, in the native
// API's names: profile.name, profile.identities, profile.metadata (Ticket0's
// name, externalId and metadata), and profile for the rest of it.
func profileChanged(before, after *CustomerProfile) []string {
	var out []string
	if before.Name != after.Name {
		out = append(out, "profile.name")
	}
	if !maps.Equal(before.Identities, after.Identities) {
		out = append(out, "profile.identities")
	}
	if !maps.Equal(before.Metadata, after.Metadata) {
		out = append(out, "profile.metadata")
	}
	if before.Platform != after.Platform || before.CustomerDetails != after.CustomerDetails ||
		!samePtr(before.Orders, after.Orders) || !sameTime(before.PlatformCreatedAt, after.PlatformCreatedAt) {
		out = append(out, "profile")
	}
	return out
}

func samePtr[T comparable](a, b *T) bool {
	if a == nil || b == nil {
		return a == b
	}
	return *a == *b
}

// ---- reading the log -----------------------------------------------------------

// EventPage is one page of the event feed.
type EventPage struct {
	Events []*Event
	// More is true when more events follow the page.
	More bool
}

// Events lists the events of the principal's workspace after the one with
// id after that its scopes can read, at most limit of them.
func (s *Service) Events(ctx context.Context, p *Principal, after int64, limit int) (*EventPage, error) {
	types := EventTypesFor(p)
	if len(types) == 0 {
		return &EventPage{}, nil
	}
	if err := s.sequenceIfNeeded(ctx); err != nil {
		return nil, err
	}
	var evs []*Event
	err := s.store.View(ctx, func(tx Tx) (err error) {
		evs, err = tx.Events(ctx, EventFilter{WorkspaceID: &p.WorkspaceID, AfterID: after, Types: types, Limit: limit + 1})
		return err
	})
	if err != nil {
		return nil, err
	}
	page := &EventPage{Events: evs}
	if len(evs) > limit {
		page.Events, page.More = evs[:limit], true
	}
	return page, nil
}

// RecentEvents lists the events of the principal's workspace its scopes can
// read, the newest first, skipping offset of them: what happened lately, for
// a dashboard. Events of the types in except are left out by the read
// itself, so that a page holds limit events and offset counts only those
// shown. It reads the log's index from its end, so a page costs
// O(offset + limit) whatever the log holds (72 hours of it).
func (s *Service) RecentEvents(ctx context.Context, p *Principal, offset, limit int, except ...EventType) ([]*Event, error) {
	types := slices.DeleteFunc(EventTypesFor(p), func(t EventType) bool { return slices.Contains(except, t) })
	if len(types) == 0 {
		return nil, nil
	}
	if err := s.sequenceIfNeeded(ctx); err != nil {
		return nil, err
	}
	var evs []*Event
	err := s.store.View(ctx, func(tx Tx) (err error) {
		evs, err = tx.Events(ctx, EventFilter{WorkspaceID: &p.WorkspaceID, Types: types, Limit: limit, Newest: true, Offset: offset})
		return err
	})
	return evs, err
}

// LastEventID is the id of the newest event of the database, where a stream
// that asks for no history starts.
func (s *Service) LastEventID(ctx context.Context) (id int64, err error) {
	if err := s.sequenceIfNeeded(ctx); err != nil {
		return 0, err
	}
	err = s.store.View(ctx, func(tx Tx) error {
		id, err = tx.LastEventID(ctx)
		return err
	})
	return id, err
}

// AllEventsAfter lists events of every workspace after id, for the per-node
// poller that feeds the streams; it is not a use case for callers.
func (s *Service) AllEventsAfter(ctx context.Context, after int64, limit int) (evs []*Event, err error) {
	if err := s.sequenceIfNeeded(ctx); err != nil {
		return nil, err
	}
	err = s.store.View(ctx, func(tx Tx) error {
		evs, err = tx.Events(ctx, EventFilter{AfterID: after, Limit: limit})
		return err
	})
	return evs, err
}

// PruneEvents deletes events older than the retention window, and the
// finished webhook deliveries of that age, and returns how many events it
// deleted.
func (s *Service) PruneEvents(ctx context.Context) (n int, err error) {
	if err := s.sequenceIfNeeded(ctx); err != nil {
		return 0, err
	}
	cutoff := s.Now().Add(-EventRetention)
	err = s.store.Update(ctx, func(tx Tx) error {
		if err := tx.PruneWebhookDeliveries(ctx, cutoff); err != nil {
			return err
		}
		n, err = tx.PruneEvents(ctx, cutoff)
		return err
	})
	return n, err
}

// inboundEvents is what an inbound email records: the customer it created,
// if any, then the message and what it did to its ticket (before is nil for
// a ticket the email opened).
func inboundEvents(newCustomer *Customer, m *Message, before, after *Ticket) []*Event {
	var out []*Event
	if newCustomer != nil {
		out = customerCreated(newCustomer)
	}
	return append(out, messagePosted(m, before, after)...)
}
