-- Message counters kept on the ticket in the same transaction as every
-- message write, so that a total shown by a surface costs one row read
-- instead of a COUNT(*) over the whole conversation.
ALTER TABLE tickets ADD COLUMN message_count INTEGER NOT NULL DEFAULT 0;
ALTER TABLE tickets ADD COLUMN public_count INTEGER NOT NULL DEFAULT 0;
UPDATE tickets SET
    message_count = (SELECT COUNT(*) FROM messages m WHERE m.ticket_id = tickets.id),
    public_count = (SELECT COUNT(*) FROM messages m WHERE m.ticket_id = tickets.id AND m.internal = FALSE);
