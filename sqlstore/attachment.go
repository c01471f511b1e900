package sqlstore

import (
	"cmp"
	"context"
	"slices"
	"strconv"
	"strings"

	ticketd "github.com/ticketd/ticketd"
)

const attachmentColumns = `number, id, workspace_id, message_id, filename, content_type, content_id, inline, size, blob_key, created_at`

func scanAttachment(row scanner) (*ticketd.Attachment, error) {
	var a ticketd.Attachment
	var id, ws, msg string
	if err := row.Scan(&a.Number, &id, &ws, &msg, &a.Filename, &a.ContentType, &a.ContentID, &a.Inline, &a.Size,
		&a.Key, &a.CreatedAt); err != nil {
		return nil, err
	}
	var err error
	if a.ID, err = parseID(id); err != nil {
		return nil, err
	}
	if a.WorkspaceID, err = parseID(ws); err != nil {
		return nil, err
	}
	if a.MessageID, err = parseID(msg); err != nil {
		return nil, err
	}
	a.CreatedAt = a.CreatedAt.UTC()
	return &a, nil
}

// CreateAttachment inserts a and assigns its number.
func (t *Tx) CreateAttachment(ctx context.Context, a *ticketd.Attachment) error {
	err := t.queryRow(ctx, `INSERT INTO attachments (id, workspace_id, message_id, filename, content_type,
		content_id, inline, size, blob_key, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING number`,
		idArg(a.ID), idArg(a.WorkspaceID), idArg(a.MessageID), a.Filename, a.ContentType, a.ContentID, a.Inline,
		a.Size, a.Key, a.CreatedAt).Scan(&a.Number)
	return t.d.normalize(err)
}

// Attachment returns an attachment of workspace ws.
func (t *Tx) Attachment(ctx context.Context, ws, id ticketd.ID) (*ticketd.Attachment, error) {
	a, err := scanAttachment(t.queryRow(ctx, `SELECT `+attachmentColumns+` FROM attachments
		WHERE workspace_id = $1 AND id = $2`, idArg(ws), idArg(id)))
	if err != nil {
		return nil, t.notFound(err, "attachment")
	}
	return a, nil
}

// Attachments lists a message's attachments in the order they came.
func (t *Tx) Attachments(ctx context.Context, ws, message ticketd.ID) ([]*ticketd.Attachment, error) {
	rows, err := t.query(ctx, `SELECT `+attachmentColumns+` FROM attachments
		WHERE workspace_id = $1 AND message_id = $2 ORDER BY number`, idArg(ws), idArg(message))
	if err != nil {
		return nil, t.d.normalize(err)
	}
	return collect(rows, scanAttachment)
}

// attachmentsBatch is how many messages one read of AttachmentsOf names: a
// shorter batch is padded with its last id, so every read is one statement
// (one plan, one cached statement) however many messages the page has.
const attachmentsBatch = 100

// AttachmentsOf reads the attachments of messages, attachmentsBatch
// messages a statement, each an index probe (attachments_message).
func (t *Tx) AttachmentsOf(ctx context.Context, ws ticketd.ID, messages []ticketd.ID) ([]*ticketd.Attachment, error) {
	var out []*ticketd.Attachment
	marks := make([]string, attachmentsBatch)
	for i := range marks {
		marks[i] = "$" + strconv.Itoa(i+2)
	}
	q := `SELECT ` + attachmentColumns + ` FROM attachments WHERE workspace_id = $1 AND message_id IN (` +
		strings.Join(marks, ", ") + `)`
	for len(messages) > 0 {
		batch := messages[:min(attachmentsBatch, len(messages))]
		messages = messages[len(batch):]
		args := make([]any, 1, attachmentsBatch+1)
		args[0] = idArg(ws)
		for i := range attachmentsBatch {
			args = append(args, idArg(batch[min(i, len(batch)-1)]))
		}
		rows, err := t.query(ctx, q, args...)
		if err != nil {
			return nil, t.d.normalize(err)
		}
		as, err := collect(rows, scanAttachment)
		if err != nil {
			return nil, err
		}
		out = append(out, as...)
	}
	// In upload order; sorted here, the statement is the index probes
	// alone (its ORDER BY was a sort of its own in the plan).
	slices.SortFunc(out, func(a, b *ticketd.Attachment) int { return cmp.Compare(a.Number, b.Number) })
	return out, nil
}

// MessageByExternalID finds a message of ws by its Message-ID. Saying that
// external_id is not empty lets the engines use the partial unique index
// (EXPLAIN shows a scan of all messages without it).
func (t *Tx) MessageByExternalID(ctx context.Context, ws ticketd.ID, externalID string) (*ticketd.Message, error) {
	if externalID == "" {
		return nil, ticketd.NotFound("message")
	}
	m, err := scanMessage(t.queryRow(ctx, `SELECT `+t.cols(messageCols)+` FROM messages
		WHERE workspace_id = $1 AND external_id = $2 AND external_id <> ''`, idArg(ws), externalID))
	if err != nil {
		return nil, t.notFound(err, "message")
	}
	return m, nil
}
