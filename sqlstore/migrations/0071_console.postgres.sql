-- PostgreSQL: the triggers that keep ticket_counts and ticket_tags, and
-- full-text search (the 'simple' configuration: no stemming, since a team's
-- mail comes in many languages) with GIN indexes, which PostgreSQL keeps in
-- the writing transaction.

INSERT INTO ticket_tags (workspace_id, tag, ticket_number)
    SELECT tickets.workspace_id, tag, tickets.number FROM tickets, jsonb_array_elements_text(tickets.tags::jsonb) AS tag
    ON CONFLICT DO NOTHING;

-- Two transactions moving tickets between the same two counts in opposite
-- directions would deadlock if each took the rows in its own order; the
-- function always takes the lower key first.
CREATE FUNCTION ticketd_console_count() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    old_key TEXT;
    new_key TEXT;
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO ticket_counts (workspace_id, status, assignee_id, n)
            VALUES (NEW.workspace_id, NEW.status, COALESCE(NEW.assignee_id, ''), 1)
            ON CONFLICT (workspace_id, status, assignee_id) DO UPDATE SET n = ticket_counts.n + 1;
        INSERT INTO ticket_tags (workspace_id, tag, ticket_number)
            SELECT NEW.workspace_id, tag, NEW.number FROM jsonb_array_elements_text(NEW.tags::jsonb) AS tag
            ON CONFLICT DO NOTHING;
        RETURN NULL;
    ELSIF TG_OP = 'DELETE' THEN
        UPDATE ticket_counts SET n = n - 1
            WHERE workspace_id = OLD.workspace_id AND status = OLD.status AND assignee_id = COALESCE(OLD.assignee_id, '');
        DELETE FROM ticket_tags WHERE ticket_number = OLD.number;
        RETURN NULL;
    END IF;
    IF OLD.tags IS DISTINCT FROM NEW.tags THEN
        DELETE FROM ticket_tags WHERE ticket_number = OLD.number;
        INSERT INTO ticket_tags (workspace_id, tag, ticket_number)
            SELECT NEW.workspace_id, tag, NEW.number FROM jsonb_array_elements_text(NEW.tags::jsonb) AS tag
            ON CONFLICT DO NOTHING;
    END IF;
    IF OLD.status IS DISTINCT FROM NEW.status OR OLD.assignee_id IS DISTINCT FROM NEW.assignee_id THEN
        old_key := OLD.status || '/' || COALESCE(OLD.assignee_id, '');
        new_key := NEW.status || '/' || COALESCE(NEW.assignee_id, '');
        IF old_key < new_key THEN
            UPDATE ticket_counts SET n = n - 1
                WHERE workspace_id = OLD.workspace_id AND status = OLD.status AND assignee_id = COALESCE(OLD.assignee_id, '');
        END IF;
        INSERT INTO ticket_counts (workspace_id, status, assignee_id, n)
            VALUES (NEW.workspace_id, NEW.status, COALESCE(NEW.assignee_id, ''), 1)
            ON CONFLICT (workspace_id, status, assignee_id) DO UPDATE SET n = ticket_counts.n + 1;
        IF old_key > new_key THEN
            UPDATE ticket_counts SET n = n - 1
                WHERE workspace_id = OLD.workspace_id AND status = OLD.status AND assignee_id = COALESCE(OLD.assignee_id, '');
        END IF;
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER tickets_console AFTER INSERT OR UPDATE OR DELETE ON tickets
    FOR EACH ROW EXECUTE FUNCTION ticketd_console_count();

-- Bodies are indexed up to 100,000 characters: a tsvector holds at most 1 MB.
ALTER TABLE messages ADD COLUMN search_vector tsvector
    GENERATED ALWAYS AS (to_tsvector('simple', left(body, 100000))) STORED;
CREATE INDEX messages_search ON messages USING GIN (search_vector);
CREATE INDEX tickets_search ON tickets USING GIN (to_tsvector('simple', subject));
-- An email is split into words ("ada", "example", "com") as SQLite's
-- tokenizer does, so that a search for a name part finds it on both engines.
CREATE INDEX customers_search ON customers USING GIN
    (to_tsvector('simple', first_name || ' ' || last_name || ' ' || translate(email, '@.+_-', '     ')));
