-- Search (sqlstore/search.go).
--
-- Prefix indexes for prefixes of 2 and 3 characters: without one, FTS5
-- answers "bo*" by merging the postings of every word that starts with
-- "bo" (70 to 400 ms at a million messages); with one it reads one list
-- (2 ms). They make the message index about 2.7 times larger. Longer
-- prefixes start few words and are cheap without; a prefix of one
-- character is not asked for (ticketd.TextMatch).
DROP TABLE messages_fts;
CREATE VIRTUAL TABLE messages_fts USING fts5(body, content='messages', content_rowid='number',
    tokenize='unicode61 remove_diacritics 2', prefix='2 3');
INSERT INTO messages_fts (messages_fts) VALUES ('rebuild');
DROP TABLE customers_fts;
CREATE VIRTUAL TABLE customers_fts USING fts5(first_name, last_name, email, content='customers', content_rowid='number',
    tokenize='unicode61 remove_diacritics 2', prefix='2 3');
INSERT INTO customers_fts (customers_fts) VALUES ('rebuild');

-- A ticket's own text is its subject and its description, indexed together
-- so that the words of a search may match across the two as they do on
-- PostgreSQL. tickets_text_fts replaces tickets_fts (subject only); the
-- triggers that kept tickets_fts are recreated without it.
CREATE VIRTUAL TABLE tickets_text_fts USING fts5(subject, description, content='tickets', content_rowid='number',
    tokenize='unicode61 remove_diacritics 2', prefix='2 3');
INSERT INTO tickets_text_fts (tickets_text_fts) VALUES ('rebuild');

DROP TRIGGER tickets_console_insert;
DROP TRIGGER tickets_console_subject;
DROP TRIGGER tickets_console_delete;
DROP TABLE tickets_fts;

CREATE TRIGGER tickets_console_insert AFTER INSERT ON tickets BEGIN
    INSERT INTO ticket_counts (workspace_id, status, assignee_id, n)
        VALUES (NEW.workspace_id, NEW.status, COALESCE(NEW.assignee_id, ''), 1)
        ON CONFLICT (workspace_id, status, assignee_id) DO UPDATE SET n = n + 1;
    INSERT INTO ticket_tags (workspace_id, tag, ticket_number)
        SELECT NEW.workspace_id, j.value, NEW.number FROM json_each(NEW.tags) AS j WHERE true ON CONFLICT DO NOTHING;
    INSERT INTO tickets_text_fts (rowid, subject, description) VALUES (NEW.number, NEW.subject, NEW.description);
END;

CREATE TRIGGER tickets_console_text AFTER UPDATE OF subject, description ON tickets
WHEN OLD.subject IS NOT NEW.subject OR OLD.description IS NOT NEW.description BEGIN
    INSERT INTO tickets_text_fts (tickets_text_fts, rowid, subject, description)
        VALUES ('delete', OLD.number, OLD.subject, OLD.description);
    INSERT INTO tickets_text_fts (rowid, subject, description) VALUES (NEW.number, NEW.subject, NEW.description);
END;

CREATE TRIGGER tickets_console_delete AFTER DELETE ON tickets BEGIN
    UPDATE ticket_counts SET n = n - 1
        WHERE workspace_id = OLD.workspace_id AND status = OLD.status AND assignee_id = COALESCE(OLD.assignee_id, '');
    DELETE FROM ticket_tags WHERE ticket_number = OLD.number;
    INSERT INTO tickets_text_fts (tickets_text_fts, rowid, subject, description)
        VALUES ('delete', OLD.number, OLD.subject, OLD.description);
END;
