-- Versions for the conversation read cache (Service.Messages, see
-- convcache.go in the root package): a cached page is valid exactly while
-- these counters have the values it was read at, so every write that
-- changes what a conversation page shows must move one of them. Triggers
-- (0141) move them in the writing transaction, so no write path, present
-- or future, SQL or Go, can forget to.
--
-- tickets.version counts the changes of a ticket's conversation: its
-- messages (insert, edit, visibility, delivery status, deletion) and the
-- rows that hang off them (attachments, email authentication).
ALTER TABLE tickets ADD COLUMN version BIGINT NOT NULL DEFAULT 0;

-- people_versions counts the changes (updates and deletions) of a
-- workspace's agents and customers, whose names, emails and avatars a page
-- renders beside each message. It is per workspace, not per person: a
-- page would otherwise have to read the version of each of its authors,
-- and people change seldom next to how often conversations are read. A
-- workspace without a row is at version 0; inserting a person needs no
-- bump, since no cached page can show someone who did not exist.
CREATE TABLE people_versions (
    workspace_id TEXT PRIMARY KEY,
    version      BIGINT NOT NULL
);
