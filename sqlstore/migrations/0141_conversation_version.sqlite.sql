-- SQLite: the triggers that keep tickets.version and people_versions (see
-- 0140). Every trigger fires on any change of its table's rows, not on a
-- list of columns: a page renders most columns of a message and of its
-- authors, and a column added later must not be one a trigger forgets.

CREATE TRIGGER messages_version_insert AFTER INSERT ON messages BEGIN
    UPDATE tickets SET version = version + 1 WHERE id = NEW.ticket_id;
END;
-- A message moved to another ticket changes both conversations.
CREATE TRIGGER messages_version_update AFTER UPDATE ON messages BEGIN
    UPDATE tickets SET version = version + 1 WHERE id IN (OLD.ticket_id, NEW.ticket_id);
END;
CREATE TRIGGER messages_version_delete AFTER DELETE ON messages BEGIN
    UPDATE tickets SET version = version + 1 WHERE id = OLD.ticket_id;
END;

CREATE TRIGGER attachments_version_insert AFTER INSERT ON attachments BEGIN
    UPDATE tickets SET version = version + 1 WHERE id = (SELECT ticket_id FROM messages WHERE id = NEW.message_id);
END;
CREATE TRIGGER attachments_version_delete AFTER DELETE ON attachments BEGIN
    UPDATE tickets SET version = version + 1 WHERE id = (SELECT ticket_id FROM messages WHERE id = OLD.message_id);
END;
CREATE TRIGGER message_auth_version_insert AFTER INSERT ON message_auth BEGIN
    UPDATE tickets SET version = version + 1 WHERE id = (SELECT ticket_id FROM messages WHERE id = NEW.message_id);
END;

CREATE TRIGGER users_people_version_update AFTER UPDATE ON users BEGIN
    INSERT INTO people_versions (workspace_id, version) VALUES (NEW.workspace_id, 1)
        ON CONFLICT (workspace_id) DO UPDATE SET version = version + 1;
END;
CREATE TRIGGER users_people_version_delete AFTER DELETE ON users BEGIN
    INSERT INTO people_versions (workspace_id, version) VALUES (OLD.workspace_id, 1)
        ON CONFLICT (workspace_id) DO UPDATE SET version = version + 1;
END;
CREATE TRIGGER customers_people_version_update AFTER UPDATE ON customers BEGIN
    INSERT INTO people_versions (workspace_id, version) VALUES (NEW.workspace_id, 1)
        ON CONFLICT (workspace_id) DO UPDATE SET version = version + 1;
END;
CREATE TRIGGER customers_people_version_delete AFTER DELETE ON customers BEGIN
    INSERT INTO people_versions (workspace_id, version) VALUES (OLD.workspace_id, 1)
        ON CONFLICT (workspace_id) DO UPDATE SET version = version + 1;
END;
