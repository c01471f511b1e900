-- SQLite: the triggers that keep ticket_counts and ticket_tags, and FTS5
-- full-text indexes over message bodies, ticket subjects and customers.
-- The FTS5 tables are external-content tables (they index, the base tables
-- keep the text), kept in the writing transaction by triggers.

CREATE VIRTUAL TABLE tickets_fts USING fts5(subject, content='tickets', content_rowid='number',
    tokenize='unicode61 remove_diacritics 2');
INSERT INTO tickets_fts (tickets_fts) VALUES ('rebuild');

INSERT INTO ticket_tags (workspace_id, tag, ticket_number)
    SELECT tickets.workspace_id, j.value, tickets.number FROM tickets, json_each(tickets.tags) AS j
    WHERE true ON CONFLICT DO NOTHING;

CREATE TRIGGER tickets_console_insert AFTER INSERT ON tickets BEGIN
    INSERT INTO ticket_counts (workspace_id, status, assignee_id, n)
        VALUES (NEW.workspace_id, NEW.status, COALESCE(NEW.assignee_id, ''), 1)
        ON CONFLICT (workspace_id, status, assignee_id) DO UPDATE SET n = n + 1;
    INSERT INTO ticket_tags (workspace_id, tag, ticket_number)
        SELECT NEW.workspace_id, j.value, NEW.number FROM json_each(NEW.tags) AS j WHERE true ON CONFLICT DO NOTHING;
    INSERT INTO tickets_fts (rowid, subject) VALUES (NEW.number, NEW.subject);
END;

CREATE TRIGGER tickets_console_count AFTER UPDATE OF status, assignee_id ON tickets
WHEN OLD.status IS NOT NEW.status OR OLD.assignee_id IS NOT NEW.assignee_id BEGIN
    UPDATE ticket_counts SET n = n - 1
        WHERE workspace_id = OLD.workspace_id AND status = OLD.status AND assignee_id = COALESCE(OLD.assignee_id, '');
    INSERT INTO ticket_counts (workspace_id, status, assignee_id, n)
        VALUES (NEW.workspace_id, NEW.status, COALESCE(NEW.assignee_id, ''), 1)
        ON CONFLICT (workspace_id, status, assignee_id) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER tickets_console_tags AFTER UPDATE OF tags ON tickets WHEN OLD.tags IS NOT NEW.tags BEGIN
    DELETE FROM ticket_tags WHERE ticket_number = OLD.number;
    INSERT INTO ticket_tags (workspace_id, tag, ticket_number)
        SELECT NEW.workspace_id, j.value, NEW.number FROM json_each(NEW.tags) AS j WHERE true ON CONFLICT DO NOTHING;
END;

CREATE TRIGGER tickets_console_subject AFTER UPDATE OF subject ON tickets WHEN OLD.subject IS NOT NEW.subject BEGIN
    INSERT INTO tickets_fts (tickets_fts, rowid, subject) VALUES ('delete', OLD.number, OLD.subject);
    INSERT INTO tickets_fts (rowid, subject) VALUES (NEW.number, NEW.subject);
END;

CREATE TRIGGER tickets_console_delete AFTER DELETE ON tickets BEGIN
    UPDATE ticket_counts SET n = n - 1
        WHERE workspace_id = OLD.workspace_id AND status = OLD.status AND assignee_id = COALESCE(OLD.assignee_id, '');
    DELETE FROM ticket_tags WHERE ticket_number = OLD.number;
    INSERT INTO tickets_fts (tickets_fts, rowid, subject) VALUES ('delete', OLD.number, OLD.subject);
END;

CREATE VIRTUAL TABLE messages_fts USING fts5(body, content='messages', content_rowid='number',
    tokenize='unicode61 remove_diacritics 2');
INSERT INTO messages_fts (messages_fts) VALUES ('rebuild');

CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages BEGIN
    INSERT INTO messages_fts (rowid, body) VALUES (NEW.number, NEW.body);
END;
CREATE TRIGGER messages_fts_update AFTER UPDATE OF body ON messages WHEN OLD.body IS NOT NEW.body BEGIN
    INSERT INTO messages_fts (messages_fts, rowid, body) VALUES ('delete', OLD.number, OLD.body);
    INSERT INTO messages_fts (rowid, body) VALUES (NEW.number, NEW.body);
END;
CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN
    INSERT INTO messages_fts (messages_fts, rowid, body) VALUES ('delete', OLD.number, OLD.body);
END;

CREATE VIRTUAL TABLE customers_fts USING fts5(first_name, last_name, email, content='customers', content_rowid='number',
    tokenize='unicode61 remove_diacritics 2');
INSERT INTO customers_fts (customers_fts) VALUES ('rebuild');

CREATE TRIGGER customers_fts_insert AFTER INSERT ON customers BEGIN
    INSERT INTO customers_fts (rowid, first_name, last_name, email) VALUES (NEW.number, NEW.first_name, NEW.last_name, NEW.email);
END;
CREATE TRIGGER customers_fts_update AFTER UPDATE OF first_name, last_name, email ON customers BEGIN
    INSERT INTO customers_fts (customers_fts, rowid, first_name, last_name, email)
        VALUES ('delete', OLD.number, OLD.first_name, OLD.last_name, OLD.email);
    INSERT INTO customers_fts (rowid, first_name, last_name, email) VALUES (NEW.number, NEW.first_name, NEW.last_name, NEW.email);
END;
CREATE TRIGGER customers_fts_delete AFTER DELETE ON customers BEGIN
    INSERT INTO customers_fts (customers_fts, rowid, first_name, last_name, email)
        VALUES ('delete', OLD.number, OLD.first_name, OLD.last_name, OLD.email);
END;
