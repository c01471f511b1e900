-- The first schema of ticketd. {{serial}}, {{timestamp}} and {{blob}} are
-- replaced per engine (see dialect.go); everything else is shared SQL.
-- Every object has a number (the integer id of the /api/v1 surface, assigned
-- by the database, never reused) and a UUIDv7 id (the /v1 id).

CREATE TABLE workspaces (
    number     {{serial}},
    id         TEXT NOT NULL UNIQUE,
    name       TEXT NOT NULL,
    settings   TEXT NOT NULL,
    created_at {{timestamp}} NOT NULL
);

CREATE TABLE users (
    number       {{serial}},
    id           TEXT NOT NULL UNIQUE,
    workspace_id TEXT NOT NULL REFERENCES workspaces (id),
    email        TEXT NOT NULL,
    name         TEXT NOT NULL,
    role         TEXT NOT NULL,
    created_at   {{timestamp}} NOT NULL,
    updated_at   {{timestamp}} NOT NULL
);
CREATE UNIQUE INDEX users_workspace_email ON users (workspace_id, email);

CREATE TABLE customers (
    number       {{serial}},
    id           TEXT NOT NULL UNIQUE,
    workspace_id TEXT NOT NULL REFERENCES workspaces (id),
    email        TEXT NOT NULL,
    phone        TEXT NOT NULL,
    first_name   TEXT NOT NULL,
    last_name    TEXT NOT NULL,
    created_at   {{timestamp}} NOT NULL,
    updated_at   {{timestamp}} NOT NULL
);
CREATE UNIQUE INDEX customers_workspace_email ON customers (workspace_id, email) WHERE email <> '';
CREATE INDEX customers_workspace_phone ON customers (workspace_id, phone) WHERE phone <> '';
CREATE INDEX customers_workspace_number ON customers (workspace_id, number);

CREATE TABLE api_keys (
    number       {{serial}},
    id           TEXT NOT NULL UNIQUE,
    workspace_id TEXT NOT NULL REFERENCES workspaces (id),
    user_id      TEXT NOT NULL REFERENCES users (id),
    name         TEXT NOT NULL,
    prefix       TEXT NOT NULL UNIQUE,
    hash         {{blob}} NOT NULL,
    scopes       TEXT NOT NULL,
    created_at   {{timestamp}} NOT NULL
);
CREATE INDEX api_keys_workspace_number ON api_keys (workspace_id, number);

CREATE TABLE tickets (
    number          {{serial}},
    id              TEXT NOT NULL UNIQUE,
    workspace_id    TEXT NOT NULL REFERENCES workspaces (id),
    customer_id     TEXT NOT NULL REFERENCES customers (id),
    subject         TEXT NOT NULL,
    channel         TEXT NOT NULL,
    status          TEXT NOT NULL,
    assignee_id     TEXT REFERENCES users (id),
    tags            TEXT NOT NULL,
    unread_count    INTEGER NOT NULL,
    last_message    TEXT NOT NULL,
    last_message_at {{timestamp}} NOT NULL,
    date            {{timestamp}} NOT NULL,
    inbox_id        TEXT,
    thread_id       TEXT NOT NULL,
    email_used      TEXT NOT NULL,
    contact_reason  TEXT NOT NULL,
    language_code   TEXT NOT NULL,
    via             TEXT NOT NULL,
    human_opened_at {{timestamp}},
    closed_at       {{timestamp}},
    created_at      {{timestamp}} NOT NULL,
    updated_at      {{timestamp}} NOT NULL
);
CREATE INDEX tickets_workspace_number ON tickets (workspace_id, number);
CREATE INDEX tickets_workspace_status ON tickets (workspace_id, status, number);
CREATE INDEX tickets_workspace_assignee ON tickets (workspace_id, assignee_id, number);
CREATE INDEX tickets_workspace_customer ON tickets (workspace_id, customer_id, number);

CREATE TABLE messages (
    number             {{serial}},
    id                 TEXT NOT NULL UNIQUE,
    workspace_id       TEXT NOT NULL REFERENCES workspaces (id),
    ticket_id          TEXT NOT NULL REFERENCES tickets (id),
    author_kind        TEXT NOT NULL,
    author_user_id     TEXT REFERENCES users (id),
    author_customer_id TEXT REFERENCES customers (id),
    internal           BOOLEAN NOT NULL,
    body               TEXT NOT NULL,
    body_html          TEXT,
    time               {{timestamp}} NOT NULL,
    channel            TEXT NOT NULL,
    subject            TEXT NOT NULL,
    from_address       TEXT NOT NULL,
    from_name          TEXT NOT NULL,
    to_addresses       TEXT NOT NULL,
    cc_addresses       TEXT NOT NULL,
    external_id        TEXT NOT NULL,
    in_reply_to        TEXT NOT NULL,
    refs               TEXT NOT NULL,
    body_cleaned       TEXT,
    language           TEXT,
    sentiment          TEXT,
    tags               TEXT NOT NULL,
    attachments        TEXT,
    delivery           TEXT NOT NULL,
    delivery_attempts  INTEGER NOT NULL,
    delivery_error     TEXT NOT NULL,
    created_at         {{timestamp}} NOT NULL,
    updated_at         {{timestamp}} NOT NULL
);
CREATE INDEX messages_ticket_number ON messages (ticket_id, number);
CREATE INDEX messages_ticket_time ON messages (ticket_id, time, number);
-- One email is one message, however often it is delivered.
CREATE UNIQUE INDEX messages_workspace_external_id ON messages (workspace_id, external_id) WHERE external_id <> '';
