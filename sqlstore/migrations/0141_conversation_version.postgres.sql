-- PostgreSQL: the triggers that keep tickets.version and people_versions
-- (see 0140). Every trigger fires on any change of its table's rows, not
-- on a list of columns: a page renders most columns of a message and of its
-- authors, and a column added later must not be one a trigger forgets. An
-- UPDATE that changes nothing (OLD = NEW) moves no version.
--
-- Locks: a message write already holds its ticket's row in every use case
-- that posts, edits or deletes (TicketForUpdate comes first), so bumping the
-- version there waits for nothing new. The outbox worker, which updates a
-- message without its ticket, now also takes the ticket's row for the rest
-- of its short transaction; a deadlock with an edit of the same message is
-- possible in principle and is retried by Update like any other.

CREATE FUNCTION ticketd_message_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        UPDATE tickets SET version = version + 1 WHERE id = NEW.ticket_id;
    ELSIF TG_OP = 'DELETE' THEN
        UPDATE tickets SET version = version + 1 WHERE id = OLD.ticket_id;
    ELSIF OLD IS DISTINCT FROM NEW THEN
        -- A message moved to another ticket changes both conversations.
        UPDATE tickets SET version = version + 1 WHERE id IN (OLD.ticket_id, NEW.ticket_id);
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER messages_version AFTER INSERT OR UPDATE OR DELETE ON messages
    FOR EACH ROW EXECUTE FUNCTION ticketd_message_version();

-- Attachments and authentication records of a message: their ticket is the
-- message's.
CREATE FUNCTION ticketd_message_part_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        UPDATE tickets SET version = version + 1 WHERE id = (SELECT ticket_id FROM messages WHERE id = OLD.message_id);
    ELSE
        UPDATE tickets SET version = version + 1 WHERE id = (SELECT ticket_id FROM messages WHERE id = NEW.message_id);
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER attachments_version AFTER INSERT OR DELETE ON attachments
    FOR EACH ROW EXECUTE FUNCTION ticketd_message_part_version();
CREATE TRIGGER message_auth_version AFTER INSERT OR DELETE ON message_auth
    FOR EACH ROW EXECUTE FUNCTION ticketd_message_part_version();

CREATE FUNCTION ticketd_people_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND OLD IS NOT DISTINCT FROM NEW THEN
        RETURN NULL;
    END IF;
    INSERT INTO people_versions (workspace_id, version) VALUES (OLD.workspace_id, 1)
        ON CONFLICT (workspace_id) DO UPDATE SET version = people_versions.version + 1;
    RETURN NULL;
END $$;

CREATE TRIGGER users_people_version AFTER UPDATE OR DELETE ON users
    FOR EACH ROW EXECUTE FUNCTION ticketd_people_version();
CREATE TRIGGER customers_people_version AFTER UPDATE OR DELETE ON customers
    FOR EACH ROW EXECUTE FUNCTION ticketd_people_version();
