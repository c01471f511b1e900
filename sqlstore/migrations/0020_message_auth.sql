-- How each inbound email's origin verified (SPF, DKIM, DMARC), one row per
-- message that came by email, kept beside messages so that the message
-- table and its writes stay as they are.

CREATE TABLE message_auth (
    message_id   TEXT PRIMARY KEY REFERENCES messages (id) ON DELETE CASCADE,
    workspace_id TEXT NOT NULL REFERENCES workspaces (id),
    spf          TEXT NOT NULL,
    dkim         TEXT NOT NULL,
    dmarc        TEXT NOT NULL,
    from_domain  TEXT NOT NULL,
    dkim_domains TEXT NOT NULL,
    policy       TEXT NOT NULL
);
