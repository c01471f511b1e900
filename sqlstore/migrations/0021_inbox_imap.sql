-- The IMAP mailbox an inbox is read from, with its sync state and the lease
-- that lets one node at a time watch it. The password is sealed with the
-- secret box when one is configured (secrets.go).

CREATE TABLE inbox_imap (
    inbox_id          TEXT PRIMARY KEY REFERENCES inboxes (id) ON DELETE CASCADE,
    workspace_id      TEXT NOT NULL REFERENCES workspaces (id),
    host              TEXT NOT NULL,
    port              INTEGER NOT NULL,
    security          TEXT NOT NULL,
    username          TEXT NOT NULL,
    password          TEXT NOT NULL,
    folder            TEXT NOT NULL,
    sent_folder       TEXT NOT NULL,
    uid_validity      BIGINT NOT NULL,
    last_uid          BIGINT NOT NULL,
    sent_uid_validity BIGINT NOT NULL,
    sent_last_uid     BIGINT NOT NULL,
    last_sync_at      {{timestamp}},
    last_error        TEXT NOT NULL,
    lease_owner       TEXT NOT NULL,
    lease_until       {{timestamp}}
);
