-- The agent console: sign-in (passwords, sessions, one-time links, login
-- throttling), mail ticketd sends on its own behalf (invitations, password
-- resets), and what the console's views read: kept counts per status and
-- assignee, a table of ticket tags, and indexes for the views' filters.
-- Triggers and full-text search differ per engine: 0071_console.*.sql.

-- An agent's password and whether the agent may sign in. A user without a
-- row has no password yet (invited, or created through the API).
CREATE TABLE agent_logins (
    user_id        TEXT PRIMARY KEY REFERENCES users (id),
    workspace_id   TEXT NOT NULL REFERENCES workspaces (id),
    password_hash  TEXT NOT NULL,
    deactivated_at {{timestamp}},
    updated_at     {{timestamp}} NOT NULL
);
-- Sign-in names an email, not a workspace.
CREATE INDEX users_email ON users (email);

-- Console sessions, in the database so that every node sees them. Only a
-- SHA-256 of the cookie's token is kept.
CREATE TABLE sessions (
    id           TEXT PRIMARY KEY,
    hash         {{blob}} NOT NULL UNIQUE,
    workspace_id TEXT NOT NULL REFERENCES workspaces (id),
    user_id      TEXT NOT NULL REFERENCES users (id),
    created_at   {{timestamp}} NOT NULL,
    expires_at   {{timestamp}} NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_expires ON sessions (expires_at);

-- One-time links (an invitation, a password reset), stored hashed.
CREATE TABLE login_tokens (
    id           TEXT PRIMARY KEY,
    hash         {{blob}} NOT NULL UNIQUE,
    purpose      TEXT NOT NULL,
    workspace_id TEXT NOT NULL REFERENCES workspaces (id),
    user_id      TEXT NOT NULL REFERENCES users (id),
    created_at   {{timestamp}} NOT NULL,
    expires_at   {{timestamp}} NOT NULL,
    used_at      {{timestamp}}
);
CREATE INDEX login_tokens_user ON login_tokens (user_id);

-- Sign-in attempts per account and per address in a fixed window, counted
-- with one atomic upsert so that nodes cannot interleave a read and a write.
CREATE TABLE login_throttle (
    key          TEXT PRIMARY KEY,
    window_start {{timestamp}} NOT NULL,
    attempts     INTEGER NOT NULL
);
CREATE INDEX login_throttle_window ON login_throttle (window_start);

-- Mail without a ticket (invitations, resets), delivered through the outbox:
-- an outbox row's message_id names either a message or one of these.
CREATE TABLE system_emails (
    id           TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces (id),
    inbox_id     TEXT NOT NULL REFERENCES inboxes (id),
    to_address   TEXT NOT NULL,
    subject      TEXT NOT NULL,
    body         TEXT NOT NULL,
    status       TEXT NOT NULL,
    error        TEXT NOT NULL,
    created_at   {{timestamp}} NOT NULL,
    updated_at   {{timestamp}} NOT NULL
);

-- The views: status with assignee or inbox, newest or oldest first.
CREATE INDEX tickets_console_assignee ON tickets (workspace_id, status, assignee_id, number);
CREATE INDEX tickets_console_inbox ON tickets (workspace_id, status, inbox_id, number);
-- What changed since: the live updates of a ticket list.
CREATE INDEX tickets_workspace_updated ON tickets (workspace_id, updated_at);

-- Ticket counts per status and assignee ('' for none), kept by triggers, so
-- that the views' counts cost one indexed read however many tickets there are.
CREATE TABLE ticket_counts (
    workspace_id TEXT NOT NULL,
    status       TEXT NOT NULL,
    assignee_id  TEXT NOT NULL,
    n            BIGINT NOT NULL,
    PRIMARY KEY (workspace_id, status, assignee_id)
);
INSERT INTO ticket_counts (workspace_id, status, assignee_id, n)
    SELECT workspace_id, status, COALESCE(assignee_id, ''), COUNT(*) FROM tickets
    GROUP BY workspace_id, status, COALESCE(assignee_id, '');

-- One row per tag of a ticket, kept by triggers, for the tag filter.
CREATE TABLE ticket_tags (
    workspace_id  TEXT NOT NULL,
    tag           TEXT NOT NULL,
    ticket_number BIGINT NOT NULL,
    PRIMARY KEY (workspace_id, tag, ticket_number)
);
CREATE INDEX ticket_tags_ticket ON ticket_tags (ticket_number);
