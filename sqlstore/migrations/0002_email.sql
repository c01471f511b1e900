-- Sending domains, inboxes and the outbox of outbound email.

CREATE TABLE sending_domains (
    number       {{serial}},
    id           TEXT NOT NULL UNIQUE,
    workspace_id TEXT NOT NULL REFERENCES workspaces (id),
    name         TEXT NOT NULL,
    selector     TEXT NOT NULL,
    token        TEXT NOT NULL,
    private_key  TEXT NOT NULL, -- PEM; never rendered by any surface
    public_key   TEXT NOT NULL,
    verified_at  {{timestamp}},
    created_at   {{timestamp}} NOT NULL
);
CREATE UNIQUE INDEX sending_domains_workspace_name ON sending_domains (workspace_id, name);

CREATE TABLE inboxes (
    number       {{serial}},
    id           TEXT NOT NULL UNIQUE,
    workspace_id TEXT NOT NULL REFERENCES workspaces (id),
    domain_id    TEXT NOT NULL REFERENCES sending_domains (id),
    address      TEXT NOT NULL UNIQUE, -- one workspace monitors an address
    name         TEXT NOT NULL,
    signature    TEXT NOT NULL,
    created_at   {{timestamp}} NOT NULL
);
CREATE INDEX inboxes_workspace_number ON inboxes (workspace_id, number);

-- One row per message waiting to be emailed; deleted once it is sent or has
-- failed for good (the message keeps the outcome).
CREATE TABLE outbox (
    id              TEXT PRIMARY KEY,
    workspace_id    TEXT NOT NULL REFERENCES workspaces (id),
    message_id      TEXT NOT NULL UNIQUE,
    attempts        INTEGER NOT NULL,
    next_attempt_at {{timestamp}} NOT NULL,
    created_at      {{timestamp}} NOT NULL
);
CREATE INDEX outbox_due ON outbox (next_attempt_at);
