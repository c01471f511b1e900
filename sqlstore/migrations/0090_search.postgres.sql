-- Search (sqlstore/search.go): a stored tsvector per ticket (subject and
-- description), message and customer, each with a GIN index, all made by
-- one function so that the three read words alike, and alike with SQLite:
-- ASCII punctuation becomes a space before PostgreSQL's parser sees the
-- text, which would otherwise keep "ada@example.com", a host name, a URL or
-- a path as one token (SQLite's unicode61 splits them into words) and drop
-- "<refund>" as a markup tag. Text is indexed up to 100,000 characters: a
-- tsvector holds at most 1 MB.
CREATE FUNCTION ticketd_search_vector(text) RETURNS tsvector LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT to_tsvector('simple', translate(left($1, 100000),
        '!"#$%&''()*+,-./:;<=>?@[\]^_`{|}~',
        '                                '))
$$;

ALTER TABLE messages DROP COLUMN search_vector;
ALTER TABLE messages ADD COLUMN search_vector tsvector GENERATED ALWAYS AS (ticketd_search_vector(body)) STORED;
CREATE INDEX messages_search ON messages USING GIN (search_vector);

DROP INDEX tickets_search;
ALTER TABLE tickets ADD COLUMN search_vector tsvector
    GENERATED ALWAYS AS (ticketd_search_vector(subject || ' ' || description)) STORED;
CREATE INDEX tickets_search ON tickets USING GIN (search_vector);

DROP INDEX customers_search;
ALTER TABLE customers ADD COLUMN search_vector tsvector
    GENERATED ALWAYS AS (ticketd_search_vector(first_name || ' ' || last_name || ' ' || email)) STORED;
CREATE INDEX customers_search ON customers USING GIN (search_vector);
