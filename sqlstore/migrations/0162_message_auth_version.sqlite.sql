-- SQLite: a deleted email-authentication record moves its ticket's version,
-- as on PostgreSQL (0141), so that the two engines keep one rule. (Today such
-- rows go only with their message, whose deletion moves it anyway.) Unlike
-- PostgreSQL's, SQLite's triggers also move a version on an UPDATE that
-- changes nothing: a needless cache miss, never a stale page.
CREATE TRIGGER message_auth_version_delete AFTER DELETE ON message_auth BEGIN
    UPDATE tickets SET version = version + 1 WHERE id = (SELECT ticket_id FROM messages WHERE id = OLD.message_id);
END;
