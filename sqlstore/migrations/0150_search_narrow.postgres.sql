-- PostgreSQL search over a narrow table (sqlstore/search.go; docs/performance.md,
-- "PostgreSQL search at 1,000,000 messages (session 18)").
--
-- A GIN index yields the rows that match, unordered, and each one is then
-- read from the table's heap for its number, ticket and audience. On
-- messages that heap is about 1 KB a row (1 GB at a million messages,
-- against 128 MB of shared buffers), so every match was a page read from
-- outside the buffers, and a search read every match of its word below the
-- newest rows it walked, however many. message_search keeps only what a
-- search reads, about 400 bytes a row, and its vector says where the
-- message is: besides the words (without their positions, which no search
-- uses), one lexeme names the message's slice of 8192 numbers ("_" and the
-- slice's number: no word of a text or of a search has a "_"). A search
-- for the newest matches below some number then asks the index for
-- "words & (slice | slice | ...)" and reads from the heap only the matches
-- in those slices. A message insert, edit and deletion keep the table in
-- the same transaction (trigger below).
--
-- fastupdate = off: with the default, an insert appends to the index's
-- pending list (up to 4 MB) and every search reads the whole list; it is
-- merged only by vacuum or by the insert that fills it. Without it an
-- insert updates the index itself, and a search reads only its words.
-- The ticket and customer indexes get the same, their pending lists
-- merged here.
--
-- Cost: the copy and the index build run in the migration's transaction
-- (holding the migration lock and blocking writes to messages, and reads
-- of messages only for the moment of the DROP COLUMN at the end): about
-- two minutes at a million messages on this machine (docs/performance.md).
-- Writers wait (readers do not) from the copy until the trigger exists, so
-- that no message written meanwhile is missing from the copy.
LOCK TABLE messages IN SHARE MODE;

CREATE FUNCTION ticketd_message_vector(words tsvector, number BIGINT) RETURNS tsvector LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT strip(words) || array_to_tsvector(ARRAY['_' || (number >> 13)::text])
$$;

CREATE TABLE message_search (
    number        BIGINT PRIMARY KEY,
    workspace_id  TEXT NOT NULL,
    ticket_id     TEXT NOT NULL,
    internal      BOOLEAN NOT NULL,
    search_vector tsvector NOT NULL
);

-- In number order, so that the table's pages follow the numbers and the
-- walk over the newest rows reads the last pages.
INSERT INTO message_search (number, workspace_id, ticket_id, internal, search_vector)
    SELECT number, workspace_id, ticket_id, internal, ticketd_message_vector(ticketd_search_vector(body), number) FROM messages ORDER BY number;
CREATE INDEX message_search_vector ON message_search USING GIN (search_vector) WITH (fastupdate = off);
ANALYZE message_search;

CREATE FUNCTION ticketd_message_search() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO message_search (number, workspace_id, ticket_id, internal, search_vector)
            VALUES (NEW.number, NEW.workspace_id, NEW.ticket_id, NEW.internal,
                ticketd_message_vector(ticketd_search_vector(NEW.body), NEW.number));
    ELSIF TG_OP = 'DELETE' THEN
        DELETE FROM message_search WHERE number = OLD.number;
    ELSIF OLD.body IS DISTINCT FROM NEW.body THEN
        UPDATE message_search SET workspace_id = NEW.workspace_id, ticket_id = NEW.ticket_id, internal = NEW.internal,
            search_vector = ticketd_message_vector(ticketd_search_vector(NEW.body), NEW.number) WHERE number = NEW.number;
    ELSE
        UPDATE message_search SET workspace_id = NEW.workspace_id, ticket_id = NEW.ticket_id, internal = NEW.internal
            WHERE number = NEW.number;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER messages_search_write AFTER INSERT OR DELETE ON messages
    FOR EACH ROW EXECUTE FUNCTION ticketd_message_search();
-- Only what the search reads: a delivery's updates of a message leave the
-- index alone.
CREATE TRIGGER messages_search_edit AFTER UPDATE OF body, internal, ticket_id, workspace_id ON messages
    FOR EACH ROW WHEN (OLD.body IS DISTINCT FROM NEW.body OR OLD.internal IS DISTINCT FROM NEW.internal
        OR OLD.ticket_id IS DISTINCT FROM NEW.ticket_id OR OLD.workspace_id IS DISTINCT FROM NEW.workspace_id)
    EXECUTE FUNCTION ticketd_message_search();

-- The vector now lives in message_search alone (dropping the column drops
-- its index at once; the rows written before keep its bytes until they are
-- next rewritten).
ALTER TABLE messages DROP COLUMN search_vector;

ALTER INDEX tickets_search SET (fastupdate = off);
ALTER INDEX customers_search SET (fastupdate = off);
SELECT gin_clean_pending_list('tickets_search'::regclass), gin_clean_pending_list('customers_search'::regclass);
