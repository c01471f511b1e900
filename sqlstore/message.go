package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	ticketd "github.com/ticketd/ticketd"
)

const messageColumns = `number, id, workspace_id, ticket_id, author_kind, author_user_id, author_customer_id,
	internal, body, body_html, time, channel, subject, from_address, from_name, to_addresses, cc_addresses,
	external_id, in_reply_to, refs, body_cleaned, language, sentiment, tags, attachments, delivery,
	delivery_attempts, delivery_error, created_at, updated_at`

func scanMessage(row scanner) (*ticketd.Message, error) {
	var m ticketd.Message
	var id, ws, ticket, to, cc, refs, tags string
	var user, customer, html, cleaned, lang, sentiment, attachments sql.NullString
	if err := row.Scan(&m.Number, &id, &ws, &ticket, &m.Author.Kind, &user, &customer,
		&m.Internal, &m.Body, &html, timeDest{&m.Time}, &m.Channel, &m.Subject, &m.FromAddress, &m.FromName, &to, &cc,
		&m.ExternalID, &m.InReplyTo, &refs, &cleaned, &lang, &sentiment, &tags, &attachments, &m.Delivery,
		&m.DeliveryAttempts, &m.DeliveryError, timeDest{&m.CreatedAt}, timeDest{&m.UpdatedAt}); err != nil {
		return nil, err
	}
	var err error
	if m.ID, err = parseID(id); err != nil {
		return nil, err
	}
	if m.WorkspaceID, err = parseID(ws); err != nil {
		return nil, err
	}
	if m.TicketID, err = parseID(ticket); err != nil {
		return nil, err
	}
	if m.Author.UserID, err = parseOptID(user); err != nil {
		return nil, err
	}
	if m.Author.CustomerID, err = parseOptID(customer); err != nil {
		return nil, err
	}
	for _, l := range []struct {
		dst *[]string
		src string
	}{{&m.To, to}, {&m.Cc, cc}, {&m.References, refs}, {&m.Tags, tags}} {
		if *l.dst, err = parseStrings(l.src); err != nil {
			return nil, fmt.Errorf("message %s: %w", id, err)
		}
	}
	m.BodyHTML, m.BodyCleaned, m.Language, m.Sentiment = optString(html), optString(cleaned), optString(lang), optString(sentiment)
	if attachments.Valid {
		m.ExternalAttachments = []byte(attachments.String)
	}
	return &m, nil
}

func attachmentsArg(m *ticketd.Message) any {
	if len(m.ExternalAttachments) == 0 {
		return nil
	}
	return string(m.ExternalAttachments)
}

// messageInsertColumns are the columns CreateMessage writes, messageArgs
// their values.
const messageInsertColumns = `id, workspace_id, ticket_id, author_kind, author_user_id,
	author_customer_id, internal, body, body_html, time, channel, subject, from_address, from_name, to_addresses,
	cc_addresses, external_id, in_reply_to, refs, body_cleaned, language, sentiment, tags, attachments, delivery,
	delivery_attempts, delivery_error, created_at, updated_at`

func messageArgs(m *ticketd.Message) []any {
	return []any{idArg(m.ID), idArg(m.WorkspaceID), idArg(m.TicketID), string(m.Author.Kind), optIDArg(m.Author.UserID),
		optIDArg(m.Author.CustomerID), m.Internal, m.Body, optStringArg(m.BodyHTML), m.Time, m.Channel, m.Subject,
		m.FromAddress, m.FromName, jsonArg(m.To), jsonArg(m.Cc), m.ExternalID, m.InReplyTo, jsonArg(m.References),
		optStringArg(m.BodyCleaned), optStringArg(m.Language), optStringArg(m.Sentiment), jsonArg(m.Tags),
		attachmentsArg(m), string(m.Delivery), m.DeliveryAttempts, m.DeliveryError, m.CreatedAt, m.UpdatedAt}
}

var insertMessage = `INSERT INTO messages (` + messageInsertColumns + `) VALUES ` + valuesLists(29, 1) + ` RETURNING number`

// CreateMessage inserts m and assigns its number.
func (t *Tx) CreateMessage(ctx context.Context, m *ticketd.Message) error {
	err := t.queryRow(ctx, insertMessage, messageArgs(m)...).Scan(&m.Number)
	return t.d.normalize(err)
}

// Message returns the message ref names in workspace ws.
func (t *Tx) Message(ctx context.Context, ws ticketd.ID, ref ticketd.Ref) (*ticketd.Message, error) {
	return t.message(ctx, ws, ref, "")
}

// MessageForUpdate is Message, locking the row until the transaction ends.
func (t *Tx) MessageForUpdate(ctx context.Context, ws ticketd.ID, ref ticketd.Ref) (*ticketd.Message, error) {
	return t.message(ctx, ws, ref, t.d.forUpdate())
}

func (t *Tx) message(ctx context.Context, ws ticketd.ID, ref ticketd.Ref, lock string) (*ticketd.Message, error) {
	m, err := scanMessage(t.queryRow(ctx, `SELECT `+t.cols(messageCols)+` FROM messages
		WHERE workspace_id = $1 AND `+refCond(ref)+lock, idArg(ws), refArg(ref)))
	if err != nil {
		return nil, t.notFound(err, "message")
	}
	return m, nil
}

// messageCols is messageColumns as each engine's queries select it (see
// timecol.go).
var messageCols = columnList{sqlite: withTextTimes(messageColumns, "time", "created_at", "updated_at"), postgres: messageColumns}

// messageQuery is a SELECT of messages, per engine.
func messageQuery(rest string) columnList {
	return columnList{sqlite: `SELECT ` + messageCols.sqlite + ` FROM messages ` + rest,
		postgres: `SELECT ` + messageCols.postgres + ` FROM messages ` + rest}
}

// briefColumns are the columns of a MessageFilter.Brief listing.
const briefColumns = `number, id, workspace_id, ticket_id, author_kind, author_user_id, author_customer_id,
	internal, body, time, channel, created_at, updated_at`

var briefCols = columnList{sqlite: withTextTimes(briefColumns, "time", "created_at", "updated_at"), postgres: briefColumns}

// briefByCreation is messagesByCreation reading briefColumns.
var briefByCreation = columnList{
	sqlite:   strings.Replace(messagesByCreation.sqlite, messageCols.sqlite, briefCols.sqlite, 1),
	postgres: strings.Replace(messagesByCreation.postgres, messageCols.postgres, briefCols.postgres, 1),
}

func scanBriefMessage(row scanner) (*ticketd.Message, error) {
	var m ticketd.Message
	var id, ws, ticket string
	var user, customer sql.NullString
	if err := row.Scan(&m.Number, &id, &ws, &ticket, &m.Author.Kind, &user, &customer, &m.Internal, &m.Body,
		timeDest{&m.Time}, &m.Channel, timeDest{&m.CreatedAt}, timeDest{&m.UpdatedAt}); err != nil {
		return nil, err
	}
	var err error
	if m.ID, err = parseID(id); err != nil {
		return nil, err
	}
	if m.WorkspaceID, err = parseID(ws); err != nil {
		return nil, err
	}
	if m.TicketID, err = parseID(ticket); err != nil {
		return nil, err
	}
	if m.Author.UserID, err = parseOptID(user); err != nil {
		return nil, err
	}
	if m.Author.CustomerID, err = parseOptID(customer); err != nil {
		return nil, err
	}
	return &m, nil
}

// The three orders of a conversation, each its own statement so that each
// reads straight off one index.
var (
	// On PostgreSQL the keyset is a row value over the (ticket_id, number)
	// index, bounded above by the ticket, and the order names both
	// columns: with "ticket_id = $2 AND number > $4 ORDER BY number" the
	// planner, taking a ticket's messages to be spread evenly over the
	// table, read the primary key from $4 on and filtered by ticket, which
	// for a long ticket's later pages is every message written after it
	// (0.9 s a page of a 10,000-message ticket, timeouts at 100,000). The
	// primary key can give neither this condition nor this order; the
	// ticket index starts at ($2, $4) and stops after the page. SQLite
	// plans the plain form straight off the index.
	messagesByCreation = columnList{
		sqlite: messageQuery(`WHERE workspace_id = $1 AND ticket_id = $2 AND ($3 OR internal = FALSE) AND number > $4
		ORDER BY number LIMIT $5`).sqlite,
		postgres: messageQuery(`WHERE workspace_id = $1 AND (ticket_id, number) > ($2, $4) AND ticket_id <= $2
		AND ($3 OR internal = FALSE) ORDER BY ticket_id, number LIMIT $5`).postgres,
	}
	// The keyset as a row value: "(time, number) > ($4, $5)" is one range
	// of the (ticket_id, time, number) index on both engines; the same
	// condition spelled with OR made PostgreSQL read each chunk from the
	// start of the conversation (30 s to stream 100,000 messages).
	messagesByTime = messageQuery(`WHERE workspace_id = $1 AND ticket_id = $2 AND ($3 OR internal = FALSE)
		AND (time, number) > ($4, $5)
		ORDER BY time, number LIMIT $6`)
	// No "number > $4" here: it made SQLite read the ticket's messages by
	// number and sort them all, instead of reading the time index backwards.
	messagesNewestByTime = messageQuery(`WHERE workspace_id = $1 AND ticket_id = $2 AND ($3 OR internal = FALSE)
		ORDER BY time DESC, number DESC LIMIT $4`)
)

// Messages lists a ticket's messages.
func (t *Tx) Messages(ctx context.Context, ws, ticket ticketd.ID, f ticketd.MessageFilter) ([]*ticketd.Message, error) {
	var rows *sql.Rows
	var err error
	switch f.Order {
	case ticketd.ByTime:
		// The zero AfterTime is before every stored time (0001-01-01 is
		// the earliest the domain accepts, and number > 0 catches it).
		after := f.AfterTime
		if after.IsZero() {
			after = ticketd.MinTime
		}
		rows, err = t.query(ctx, t.cols(messagesByTime), idArg(ws), idArg(ticket), f.IncludeInternal, after.UTC(),
			f.Page.AfterNumber, limitArg(f.Page.Limit))
	case ticketd.NewestByTime:
		rows, err = t.query(ctx, t.cols(messagesNewestByTime), idArg(ws), idArg(ticket), f.IncludeInternal, limitArg(f.Page.Limit))
	case ticketd.ByCreation:
		if !f.Brief {
			rows, err = t.query(ctx, t.cols(messagesByCreation), idArg(ws), idArg(ticket), f.IncludeInternal,
				f.Page.AfterNumber, limitArg(f.Page.Limit))
			break
		}
		rows, err = t.query(ctx, t.cols(briefByCreation), idArg(ws), idArg(ticket), f.IncludeInternal, f.Page.AfterNumber,
			limitArg(f.Page.Limit))
		if err != nil {
			return nil, t.d.normalize(err)
		}
		return collect(rows, scanBriefMessage)
	default:
		rows, err = t.query(ctx, t.cols(messagesByCreation), idArg(ws), idArg(ticket), f.IncludeInternal, f.Page.AfterNumber,
			limitArg(f.Page.Limit))
	}
	if err != nil {
		return nil, t.d.normalize(err)
	}
	return collect(rows, scanMessage)
}

// DeleteMessage removes a message of workspace ws.
func (t *Tx) DeleteMessage(ctx context.Context, ws, id ticketd.ID) error {
	return t.execOne(ctx, "message", `DELETE FROM messages WHERE workspace_id = $1 AND id = $2`, idArg(ws), idArg(id))
}

// ExternalIDs returns the first Message-ID of a ticket and the newest
// limit-1, in creation order: what a References header keeps of a long
// conversation, read without loading the messages.
func (t *Tx) ExternalIDs(ctx context.Context, ws, ticket ticketd.ID, limit int) ([]string, error) {
	rows, err := t.query(ctx, `SELECT number, external_id FROM (
			SELECT number, external_id FROM messages
			WHERE workspace_id = $1 AND ticket_id = $2 AND external_id <> ''
			ORDER BY number DESC LIMIT $3
		) newest
		UNION
		SELECT number, external_id FROM (
			SELECT number, external_id FROM messages
			WHERE workspace_id = $1 AND ticket_id = $2 AND external_id <> ''
			ORDER BY number LIMIT 1
		) first
		ORDER BY 1`, idArg(ws), idArg(ticket), max(limit-1, 0))
	if err != nil {
		return nil, t.d.normalize(err)
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var number int64
		var id string
		if err := rows.Scan(&number, &id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}
